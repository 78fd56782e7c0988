import { createHash, randomBytes } from 'node:crypto'
import { Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ObjectCannedACL,
} from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { StageError } from '../errors.ts'
import type { StoreOptions } from '../inputs.ts'
import { describe, retryPolicy, withRetry, type RetryPolicy } from './retry.ts'
import type { Store, Transaction } from './store.ts'

/** 8 MiB parts, 3 in flight: 10,000 parts cover 80 GB, and memory stays at a few parts. */
export const PART_SIZE = 8 << 20
const PARTS_IN_FLIGHT = 3
const CONTENT_TYPE = { '.lz4': 'application/x-lz4', '.json': 'application/json' } as Record<string, string>

/** For tests: shorter socket timeouts than a real upload wants. */
export interface S3Tuning {
  socketTimeoutMs?: number
  baseDelayMs?: number
  onRetry?: RetryPolicy['onRetry']
}

/**
 * An S3 bucket (AWS or any S3-compatible store). Credentials and region come from the SDK's default
 * chain, as aws-actions/configure-aws-credentials exports them; an endpoint means path-style
 * addressing and checksum settings that stores other than AWS accept.
 */
export class S3Store implements Store {
  readonly bucket: string
  readonly prefix: string
  readonly options: StoreOptions
  readonly client: S3Client
  readonly tuning: S3Tuning

  constructor(bucket: string, prefix: string, options: StoreOptions, tuning: S3Tuning = {}) {
    this.bucket = bucket
    this.prefix = prefix
    this.options = options
    this.tuning = tuning
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
      // Ours is the only retry layer: per part, with one budget for the whole publication.
      maxAttempts: 1,
      // aws-chunked bodies and CRC32 checksums are refused or stored as-is by stores that are not AWS.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 10_000,
        // A stalled connection is a transient fault like any other: time it out and retry.
        socketTimeout: tuning.socketTimeoutMs ?? 60_000,
      }),
    })
    // Parts carry Content-MD5, which the store checks; signing their payload too would hash every byte
    // once more (SHA-256, on the main thread) for no further safety.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand')
          (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] =
            'UNSIGNED-PAYLOAD'
        return next(args)
      },
      { step: 'build', name: 'unsignedPartPayload' },
    )
  }

  key(path: string): string {
    return this.prefix ? `${this.prefix}/${path}` : path
  }

  url(path: string): string {
    return `s3://${this.bucket}/${this.key(path)}`
  }

  policy(): RetryPolicy {
    return retryPolicy(this.options.uploadTimeoutMs, {
      ...(this.tuning.baseDelayMs !== undefined ? { baseDelayMs: this.tuning.baseDelayMs } : {}),
      ...(this.tuning.onRetry ? { onRetry: this.tuning.onRetry } : {}),
    })
  }

  /** Runs one request with retries, turning permanent failures into errors that say what to check. */
  async call<T>(what: string, fn: () => Promise<T>, policy = this.policy()): Promise<T> {
    try {
      return await withRetry(what, fn, isTransient, policy)
    } catch (err) {
      throw this.explain(what, err)
    }
  }

  explain(what: string, err: unknown): Error {
    if (err instanceof StageError) return err
    const status = httpStatus(err)
    const name = (err as Error)?.name ?? ''
    let hint = ''
    if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(name))
      hint = ` The credentials (${credentialSource()}) are not allowed to do this, or are wrong.`
    else if (name === 'CredentialsProviderError')
      hint = ` No credentials were found (looked in ${credentialSource()}): configure them, e.g. with aws-actions/configure-aws-credentials.`
    // HeadBucket has no body, so a missing bucket is a bare 404 there.
    else if (status === 404 && (name === 'NoSuchBucket' || what === 'checking access'))
      hint = ` The bucket does not exist${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}.`
    else if (['ECONNREFUSED', 'ENOTFOUND'].includes(errorCode(err)))
      hint = ` Nothing answers at ${this.options.endpoint ?? 'the AWS endpoint'}: check input "endpoint".`
    return new StageError('store', `${what} in bucket s3://${this.bucket} failed: ${describe(err)}.${hint}`, {
      cause: err,
    })
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      const out = await this.call(`reading ${this.url(path)}`, async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }))
        return Buffer.from(await res.Body!.transformToByteArray())
      })
      return out
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async size(path: string): Promise<number | undefined> {
    return (await this.head(path))?.size
  }

  async head(path: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      return await this.call(`looking up ${this.url(path)}`, async () => {
        const res = await this.client.send(
          new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
        )
        return { size: res.ContentLength ?? 0, etag: (res.ETag ?? '').replaceAll('"', '') }
      })
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async folders(prefix: string): Promise<string[]> {
    const base = `${this.key(prefix)}/`
    const names: string[] = []
    let token: string | undefined
    do {
      const res = await this.call(`listing ${this.url(prefix)}/`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        ),
      )
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) names.push(p.Prefix.slice(base.length, -1))
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
    return names
  }

  async begin(_folders: string[], options: { exclusive?: boolean } = {}): Promise<Transaction> {
    // Fail before the build when the bucket is missing or the credentials cannot reach it.
    await this.call('checking access', () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })))
    return new S3Transaction(this, options.exclusive ?? false)
  }

  async putObject(path: string, data: Uint8Array, policy: RetryPolicy, exclusive = false): Promise<void> {
    const md5 = createHash('md5').update(data).digest('base64')
    await this.call(
      `uploading ${this.url(path)}`,
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(path),
            Body: data,
            // The store checks the bytes it got against this and refuses a mismatch (BadDigest).
            ContentMD5: md5,
            ...this.objectSettings(path),
            ...(exclusive ? { IfNoneMatch: '*' } : {}),
          }),
        ),
      policy,
    )
  }

  objectSettings(path: string): { CacheControl?: string; ContentType: string; ACL?: ObjectCannedACL } {
    const ext = path.slice(path.lastIndexOf('.'))
    return {
      ...(this.options.cacheControl ? { CacheControl: this.options.cacheControl } : {}),
      ContentType: CONTENT_TYPE[ext] ?? 'text/plain; charset=utf-8',
      ...(this.options.acl ? { ACL: this.options.acl as ObjectCannedACL } : {}),
    }
  }

  async delete(path: string, policy: RetryPolicy): Promise<void> {
    await this.call(
      `removing ${this.url(path)}`,
      () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) })),
      policy,
    )
  }
}

type Pending =
  | { kind: 'upload'; upload: MultipartUpload }
  | { kind: 'file'; data: Uint8Array }
  | { kind: 'copy'; temp: string }

class S3Transaction implements Transaction {
  private readonly store: S3Store
  private readonly exclusive: boolean
  private readonly pending = new Map<string, Pending>()
  private readonly tag = randomBytes(4).toString('hex')
  private readonly policy: RetryPolicy

  constructor(store: S3Store, exclusive: boolean) {
    this.store = store
    this.exclusive = exclusive
    this.policy = store.policy()
  }

  createWriteStream(path: string): Writable {
    const upload = new MultipartUpload(this.store, path, this.policy)
    this.pending.set(path, { kind: 'upload', upload })
    return upload
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    this.pending.set(path, { kind: 'file', data: typeof data === 'string' ? Buffer.from(data) : data })
  }

  /** Copies to a temporary key first: the copy is checked before anything is replaced. */
  async copy(from: string, to: string): Promise<string> {
    const temp = `${to}.${this.tag}.partial`
    this.pending.set(to, { kind: 'copy', temp })
    const s = this.store
    const res = await s.call(
      `copying ${s.url(from)}`,
      () =>
        s.client.send(
          new CopyObjectCommand({
            Bucket: s.bucket,
            Key: s.key(temp),
            CopySource: encodeURI(`${s.bucket}/${s.key(from)}`),
            MetadataDirective: 'REPLACE',
            ...s.objectSettings(to),
          }),
        ),
      this.policy,
    )
    // A single-request copy's ETag is the md5 of its content: the store's own reading of the copy.
    const etag = (res.CopyObjectResult?.ETag ?? '').replaceAll('"', '')
    if (/^[0-9a-f]{32}$/.test(etag)) return etag
    // A multipart object's copy keeps an md5-of-parts ETag (Swift, and AWS for some copies), which says
    // nothing about the whole: read the copy back once and hash it, so the check is real.
    return s.call(`reading back the copy ${s.url(temp)}`, async () => {
      const got = await s.client.send(new GetObjectCommand({ Bucket: s.bucket, Key: s.key(temp) }))
      const hash = createHash('md5')
      await pipeline(got.Body as Readable, hash)
      return hash.digest('hex')
    })
  }

  async commit(order: string[], options: { retract?: string[]; obsolete?: string[] } = {}): Promise<void> {
    const s = this.store
    for (const path of options.retract ?? []) await s.delete(path, this.policy)
    for (const path of order) {
      const item = this.pending.get(path)
      if (!item) throw new Error(`internal: ${path} was never written`)
      if (item.kind === 'upload') await item.upload.complete(this.exclusive)
      else if (item.kind === 'file') await s.putObject(path, item.data, this.policy)
      else {
        await s.call(
          `copying into ${s.url(path)}`,
          () =>
            s.client.send(
              new CopyObjectCommand({
                Bucket: s.bucket,
                Key: s.key(path),
                CopySource: encodeURI(`${s.bucket}/${s.key(item.temp)}`),
                MetadataDirective: 'REPLACE',
                ...s.objectSettings(path),
              }),
            ),
          this.policy,
        )
        await s.delete(item.temp, this.policy)
      }
      this.pending.delete(path)
    }
    for (const path of options.obsolete ?? []) await s.delete(path, this.policy)
  }

  async abort(): Promise<void> {
    for (const item of this.pending.values()) {
      try {
        if (item.kind === 'upload') await item.upload.abort()
        else if (item.kind === 'copy') await this.store.delete(item.temp, retryPolicy(60_000))
      } catch {
        // Best effort: a failed run reports its own error, not the cleanup's.
      }
    }
    this.pending.clear()
  }
}

/**
 * The image as a multipart upload, written while it is compressed. Each 8 MiB part goes with its
 * Content-MD5, so the store refuses a damaged part, and is retried on its own. The upload is completed
 * only on commit: until then, and if it is aborted, the key shows the previous image.
 */
class MultipartUpload extends Writable {
  private readonly store: S3Store
  private readonly path: string
  private readonly policy: RetryPolicy
  private uploadId: Promise<string> | undefined
  private part: Buffer | undefined
  private filled = 0
  private readonly parts: { PartNumber: number; ETag: string }[] = []
  private readonly md5s: Buffer[] = []
  /** Part buffers back from finished uploads: reused, as a fresh 8 MiB buffer per part costs GC time. */
  private readonly spares: Buffer[] = []
  private readonly inFlight = new Set<Promise<void>>()
  private failure: unknown
  private bytes = 0

  constructor(store: S3Store, path: string, policy: RetryPolicy) {
    super({ highWaterMark: 1 << 20 })
    this.store = store
    this.path = path
    this.policy = policy
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.consume(chunk).then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    this.flushPart()
      .then(() => this.settle())
      .then(() => done(), done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // Streams destroy themselves after 'finish' too: then the upload waits for commit, not abort.
    if (this.writableFinished && !err) return done(null)
    this.abort().then(
      () => done(err),
      () => done(err),
    )
  }

  private start(): Promise<string> {
    const s = this.store
    this.uploadId ??= s.call(
      `starting the upload of ${s.url(this.path)}`,
      async () => {
        const res = await s.client.send(
          new CreateMultipartUploadCommand({
            Bucket: s.bucket,
            Key: s.key(this.path),
            ...s.objectSettings(this.path),
          }),
        )
        return res.UploadId!
      },
      this.policy,
    )
    return this.uploadId
  }

  private async consume(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure
    this.bytes += chunk.length
    for (let offset = 0; offset < chunk.length;) {
      this.part ??= this.spares.pop() ?? Buffer.allocUnsafeSlow(PART_SIZE)
      const n = chunk.copy(this.part, this.filled, offset)
      this.filled += n
      offset += n
      if (this.filled === PART_SIZE) await this.flushPart()
    }
  }

  private async flushPart(): Promise<void> {
    if (!this.part || this.filled === 0) {
      // An empty image still needs one (empty) part to be a valid upload.
      if (this.parts.length > 0 || this.inFlight.size > 0 || this.md5s.length > 0) return
    }
    const buffer = this.part
    const data = (buffer ?? Buffer.alloc(0)).subarray(0, this.filled)
    this.part = undefined
    this.filled = 0
    const number = this.md5s.length + 1
    const md5 = createHash('md5').update(data).digest()
    this.md5s.push(md5)
    const job = this.uploadPart(number, data, md5)
      .catch((err: unknown) => {
        this.failure ??= err
      })
      .finally(() => {
        if (buffer) this.spares.push(buffer)
      })
    this.inFlight.add(job)
    void job.finally(() => this.inFlight.delete(job))
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight)
    if (this.failure) throw this.failure
  }

  private async uploadPart(number: number, data: Buffer, md5: Buffer): Promise<void> {
    const s = this.store
    const uploadId = await this.start()
    const res = await s.call(
      `uploading part ${number} of ${s.url(this.path)}`,
      () =>
        s.client.send(
          new UploadPartCommand({
            Bucket: s.bucket,
            Key: s.key(this.path),
            UploadId: uploadId,
            PartNumber: number,
            Body: data,
            ContentMD5: md5.toString('base64'),
          }),
        ),
      this.policy,
    )
    const etag = (res.ETag ?? '').replaceAll('"', '')
    // The part's ETag is the md5 of what the store received.
    if (etag !== md5.toString('hex'))
      throw new StageError(
        'store',
        `part ${number} of ${s.url(this.path)} arrived with md5 ${etag}, sent ${md5.toString('hex')}`,
      )
    this.parts[number - 1] = { PartNumber: number, ETag: res.ETag! }
  }

  private async settle(): Promise<void> {
    await Promise.all(this.inFlight)
    if (this.failure) throw this.failure
  }

  /** Makes the image visible, then checks what the store holds: its size and multipart ETag. */
  async complete(exclusive: boolean): Promise<void> {
    const s = this.store
    const uploadId = await this.start()
    try {
      await s.call(
        `completing the upload of ${s.url(this.path)}`,
        () =>
          s.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: s.bucket,
              Key: s.key(this.path),
              UploadId: uploadId,
              MultipartUpload: { Parts: this.parts },
              ...(exclusive ? { IfNoneMatch: '*' } : {}),
            }),
          ),
        this.policy,
      )
    } catch (err) {
      if (httpStatus((err as Error).cause) === 412)
        throw new StageError(
          'store',
          `${s.url(this.path)} was published by another run first (If-None-Match: *)`,
        )
      throw err
    }
    this.uploadId = undefined
    const head = await s.head(this.path)
    const expected = `${createHash('md5').update(Buffer.concat(this.md5s)).digest('hex')}-${this.md5s.length}`
    if (!head || head.size !== this.bytes || head.etag !== expected)
      throw new StageError(
        'store',
        `${s.url(this.path)} does not hold what was uploaded: ${head ? `${head.size} bytes, ETag ${head.etag}` : 'missing'}; expected ${this.bytes} bytes, ETag ${expected}`,
      )
  }

  async abort(): Promise<void> {
    const id = this.uploadId
    this.uploadId = undefined
    if (!id) return
    const uploadId = await id.catch(() => undefined)
    if (!uploadId) return
    const s = this.store
    await Promise.allSettled(this.inFlight)
    await s.call(
      `aborting the upload of ${s.url(this.path)}`,
      () =>
        s.client.send(
          new AbortMultipartUploadCommand({ Bucket: s.bucket, Key: s.key(this.path), UploadId: uploadId }),
        ),
      retryPolicy(60_000),
    )
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } }
  return e?.code ?? e?.cause?.code ?? ''
}

function isNotFound(err: unknown): boolean {
  const name = (err as Error)?.name
  return httpStatus(err) === 404 || name === 'NoSuchKey' || name === 'NotFound'
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED'])
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'BadDigest',
  'ThrottlingException',
])

/**
 * Connection resets, timeouts, 429, 5xx, SlowDown: worth another try. 4xx never, and neither is a refused
 * connection or an unknown host: that is a wrong endpoint far more often than a store restarting, and
 * retrying it would hold the run for the whole upload-timeout.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof StageError) return false
  const status = httpStatus(err)
  if (status === 429 || (status !== undefined && status >= 500)) return true
  const e = err as { name?: string; code?: string; cause?: { code?: string } }
  if (TRANSIENT_NAMES.has(e?.name ?? '')) return true
  if (TRANSIENT_CODES.has(e?.code ?? '') || TRANSIENT_CODES.has(e?.cause?.code ?? '')) return true
  // Network failures surface without an HTTP status.
  return (
    status === undefined &&
    /socket hang up|ECONNRESET|EPIPE|timed? ?out|aborted/i.test(String((err as Error)?.message))
  )
}

/** Where the AWS SDK takes credentials from, named without ever showing one. */
export function credentialSource(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AWS_ACCESS_KEY_ID) return 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment'
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)'
  if (env.AWS_PROFILE) return `the AWS profile "${env.AWS_PROFILE}"`
  return "the AWS SDK's default chain (shared config files, instance or container credentials)"
}
