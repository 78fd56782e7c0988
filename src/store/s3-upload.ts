import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { StageError } from '../util/errors.ts'
import { tempName, type Owner } from './owner.ts'
import { PARTS_IN_FLIGHT, PART_SIZE, S3Bucket, isNotFound } from './s3-client.ts'
import type { Staged } from './store.ts'

/**
 * The image as a multipart upload, written while it is compressed. Each 8 MiB part goes with its
 * Content-MD5, so the store refuses a damaged part, and is retried on its own. The upload is completed
 * only on commit: until then, and if it is aborted, the key shows the previous image. Its id is kept in
 * a small object beside it (`.img.tar.lz4.<owner>.upload`) so that the next run to the folder can abort
 * the upload of a run that was killed (owner.ts says when a run is gone).
 */
export class MultipartUpload extends Writable {
  private readonly store: S3Bucket
  private readonly path: string
  readonly marker: string
  private uploadId: Promise<string> | undefined
  /** The upload's id as soon as the store has made it, whether or not its record could be written. */
  private created: string | undefined
  private aborting: Promise<void> | undefined
  private part: Buffer | undefined
  private filled = 0
  private readonly parts: { PartNumber: number; ETag: string }[] = []
  private readonly md5s: Buffer[] = []
  /** Part buffers back from finished uploads: reused, as a fresh 8 MiB buffer per part costs GC time. */
  private readonly spares: Buffer[] = []
  private readonly inFlight = new Set<Promise<void>>()
  private failure: unknown
  private bytes = 0
  private finished = false

  constructor(store: S3Bucket, path: string, owner: Owner) {
    super({ highWaterMark: 1 << 20 })
    this.store = store
    this.path = path
    this.marker = tempName(path, owner, 'upload')
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.consume(chunk).then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    this.flushPart()
      .then(() => this.settle())
      .then(() => {
        this.finished = true
        done()
      }, done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    // Streams destroy themselves after 'finish' too: then the upload waits for commit, not abort.
    if (this.finished && !err) return done(null)
    this.abort().then(
      () => done(err),
      () => done(err),
    )
  }

  /** What the commit needs to complete it (and a later run, from the journal). */
  async staged(): Promise<Staged> {
    const uploadId = await this.start()
    return {
      kind: 'multipart',
      key: this.path,
      uploadId,
      parts: [...this.parts],
      size: this.bytes,
      etag: `${createHash('md5').update(Buffer.concat(this.md5s)).digest('hex')}-${this.md5s.length}`,
      marker: this.marker,
    }
  }

  private start(): Promise<string> {
    const s = this.store
    this.uploadId ??= (async () => {
      const id = await s.call(`starting the upload of ${s.url(this.path)}`, async (abortSignal) => {
        const res = await s.client.send(
          new CreateMultipartUploadCommand({
            Bucket: s.bucket,
            Key: s.key(this.path),
            ...s.objectSettings(this.path),
          }),
          { abortSignal },
        )
        return res.UploadId!
      })
      this.created = id
      await s.putObject(this.marker, Buffer.from(id))
      return id
    })()
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
      (abortSignal) =>
        s.client.send(
          new UploadPartCommand({
            Bucket: s.bucket,
            Key: s.key(this.path),
            UploadId: uploadId,
            PartNumber: number,
            Body: data,
            ContentMD5: md5.toString('base64'),
          }),
          { abortSignal },
        ),
      // A part is 8 MiB: its attempt may take longer than a small request's.
      s.policy(s.timeouts.requestMs * 3),
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

  /**
   * Aborts the upload (when the store made one) and removes its record. Once: the stream's destruction
   * and the transaction's abort both ask, and both wait for the same.
   */
  abort(): Promise<void> {
    this.aborting ??= (async () => {
      await this.uploadId?.catch(() => undefined)
      await Promise.allSettled(this.inFlight)
      if (this.created) await abortUpload(this.store, this.path, this.created, this.marker)
    })()
    return this.aborting
  }
}

/** Aborts a multipart upload (gone already is fine) and removes the object that records its id. */
export async function abortUpload(
  store: S3Bucket,
  path: string,
  uploadId: string,
  marker?: string,
): Promise<void> {
  await store
    .cleanup(`aborting the upload of ${store.url(path)}`, (abortSignal) =>
      store.client.send(
        new AbortMultipartUploadCommand({ Bucket: store.bucket, Key: store.key(path), UploadId: uploadId }),
        { abortSignal },
      ),
    )
    .catch((err: unknown) => {
      if (!isNotFound((err as Error).cause)) throw err
    })
  if (marker)
    await store.cleanup(`removing ${store.url(marker)}`, (abortSignal) =>
      store.deleteSignal(marker, abortSignal),
    )
}
