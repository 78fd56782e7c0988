import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { StageError } from '../util/errors.ts'
import { retryPolicy, type RetryPolicy } from './retry.ts'
import { PARTS_IN_FLIGHT, PART_SIZE, S3Bucket, httpStatus } from './s3-client.ts'

/**
 * The image as a multipart upload, written while it is compressed. Each 8 MiB part goes with its
 * Content-MD5, so the store refuses a damaged part, and is retried on its own. The upload is completed
 * only on commit: until then, and if it is aborted, the key shows the previous image.
 */
export class MultipartUpload extends Writable {
  private readonly store: S3Bucket
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

  constructor(store: S3Bucket, path: string, policy: RetryPolicy) {
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
