import { createHash, randomBytes } from 'node:crypto'
import { Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CopyObjectCommand, GetObjectCommand, HeadBucketCommand } from '@aws-sdk/client-s3'
import { retryPolicy, type RetryPolicy } from './retry.ts'
import { SetTransaction, type Staging, type Store, type Transaction } from './store.ts'
import { S3Bucket } from './s3-client.ts'
import { MultipartUpload } from './s3-upload.ts'

type Pending =
  | { kind: 'upload'; upload: MultipartUpload }
  | { kind: 'file'; data: Uint8Array }
  | { kind: 'copy'; temp: string }

class S3Staging implements Staging {
  private readonly store: S3Bucket
  private readonly exclusive: boolean
  private readonly pending = new Map<string, Pending>()
  private readonly tag = randomBytes(4).toString('hex')
  private readonly policy: RetryPolicy

  constructor(store: S3Bucket, exclusive: boolean) {
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

  async place(path: string): Promise<void> {
    const s = this.store
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

  async remove(path: string): Promise<void> {
    await this.store.delete(path, this.policy)
  }

  async discard(): Promise<void> {
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
 * An S3 bucket (AWS or any S3-compatible store) as a destination: its files are staged as uploads that
 * show only when completed (see S3Bucket for the client, MultipartUpload for the image).
 */
export class S3Store extends S3Bucket implements Store {
  async begin(_folders: string[], options: { exclusive?: boolean } = {}): Promise<Transaction> {
    // Fail before the build when the bucket is missing or the credentials cannot reach it.
    await this.call('checking access', () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })))
    return new SetTransaction(new S3Staging(this, options.exclusive ?? false))
  }
}
