import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'

/** How to reach the local Swift's S3 API (see scripts/swift.sh). */
export interface S3Server {
  endpoint: string
  accessKeyId: string
  secretAccessKey: string
  region: string
}

const root = resolve(import.meta.dirname, '../..')
const HOW = 'run sudo bash scripts/swift.sh start'
let cached: Promise<S3Server | undefined> | undefined

/**
 * The local Swift (OpenStack's object store with its S3 API), started by scripts/swift.sh if it is not
 * running: the first start installs Debian packages (about a minute), later ones take a few seconds.
 * Cached per test process. When it cannot be started: throws under CI=true (CI must provide it),
 * otherwise warns and returns undefined, for `describe.skipIf(!server)`.
 */
export function s3Server(): Promise<S3Server | undefined> {
  cached ??= start()
  return cached
}

async function start(): Promise<S3Server | undefined> {
  let out: string
  try {
    const run = await promisify(execFile)('bash', [resolve(root, 'scripts/swift.sh'), 'start'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 10 * 60_000,
    })
    out = run.stdout
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    const why = (e.stderr?.trim().split('\n').slice(-5).join('\n') || e.message).trim()
    return unavailable(`Swift's S3 API could not be started:\n${why}`)
  }
  const env = Object.fromEntries(
    out
      .split('\n')
      .map((line) => /^(\w+)=(.*)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string | undefined>
  const { S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION } = env
  if (!S3_ENDPOINT || !S3_ACCESS_KEY_ID || !S3_SECRET_ACCESS_KEY || !S3_REGION)
    return unavailable(`scripts/swift.sh start printed no endpoint and credentials:\n${out}`)
  return {
    endpoint: S3_ENDPOINT,
    accessKeyId: S3_ACCESS_KEY_ID,
    secretAccessKey: S3_SECRET_ACCESS_KEY,
    region: S3_REGION,
  }
}

function unavailable(message: string): undefined {
  if (process.env.CI === 'true') throw new Error(`CI=true but ${message}`)
  console.warn(`skipping: ${message}\n(${HOW})`)
  return undefined
}

/**
 * An S3 client for the local Swift. Swift needs path-style addressing (no per-bucket host names on
 * 127.0.0.1) and plain bodies: the SDK's default flexible checksums send aws-chunked bodies, which
 * Swift answers with 501, so checksums are computed only when an operation requires them.
 */
export function s3Client(server: S3Server, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  })
}

/** Creates a bucket with a unique, valid name starting with prefix (lower-cased) and returns its name. */
export async function freshBucket(client: S3Client, prefix: string): Promise<string> {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test'
  const name = `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
  await client.send(new CreateBucketCommand({ Bucket: name }))
  return name
}

/**
 * Deletes a bucket with everything in it (objects, and multipart uploads not completed), so test runs do
 * not fill the disk. One DeleteObject per object: Swift wants a Content-MD5 on DeleteObjects, which this
 * SDK no longer sends. A bucket that is already gone is fine.
 */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    let ContinuationToken: string | undefined
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }))
      for (const { Key } of page.Contents ?? [])
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (ContinuationToken)
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    for (const { Key, UploadId } of uploads.Uploads ?? [])
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }))
    await client.send(new DeleteBucketCommand({ Bucket: bucket }))
  } catch (error) {
    if ((error as Error).name !== 'NoSuchBucket') throw error
  }
}
