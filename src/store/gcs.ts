import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { IdempotencyStrategy, Storage, type File, type PredefinedAcl } from '@google-cloud/storage'
import { StageError } from '../util/errors.ts'
import type { StoreOptions } from './options.ts'
import { SetTransaction, type Staging, type Store, type Transaction } from './store.ts'

const CONTENT_TYPE = { '.lz4': 'application/x-lz4', '.json': 'application/json' } as Record<string, string>

/**
 * A Google Cloud Storage bucket. Credentials are ambient, as google-github-actions/auth sets them up
 * (GOOGLE_APPLICATION_CREDENTIALS, workload identity); STORAGE_EMULATOR_HOST points the client at an
 * emulator. Objects are stored as given: no gzip re-encoding of an .lz4 image.
 */
export class GcsStore implements Store {
  readonly bucket: string
  readonly prefix: string
  readonly options: StoreOptions
  readonly storage: Storage

  constructor(bucket: string, prefix: string, options: StoreOptions) {
    this.bucket = bucket
    this.prefix = prefix
    this.options = options
    this.storage = new Storage({
      retryOptions: {
        autoRetry: true,
        maxRetries: 8,
        totalTimeout: Math.ceil(options.uploadTimeoutMs / 1000),
        maxRetryDelay: 32,
        retryDelayMultiplier: 2,
        // Every write here goes to a name nobody reads until commit, or is a whole-object replace: safe
        // to repeat.
        idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      },
    })
  }

  key(path: string): string {
    return this.prefix ? `${this.prefix}/${path}` : path
  }

  file(path: string): File {
    return this.storage.bucket(this.bucket).file(this.key(path))
  }

  url(path: string): string {
    return `gs://${this.bucket}/${this.key(path)}`
  }

  explain(what: string, err: unknown): Error {
    if (err instanceof StageError) return err
    const code = (err as { code?: number }).code
    const hint =
      code === 403 || code === 401
        ? ` The credentials (${credentialSource()}) are not allowed to do this, or are missing.`
        : code === 404
          ? ' The bucket does not exist.'
          : ''
    return new StageError(
      'store',
      `${what} in bucket gs://${this.bucket} failed: ${(err as Error).message}.${hint}`,
      {
        cause: err,
      },
    )
  }

  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.explain(what, err)
    }
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      const [data] = await this.file(path).download()
      return data
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined
      throw this.explain(`reading ${this.url(path)}`, err)
    }
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const [meta] = await this.file(path).getMetadata()
      return Number(meta.size)
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined
      throw this.explain(`looking up ${this.url(path)}`, err)
    }
  }

  async folders(prefix: string): Promise<string[]> {
    const base = `${this.key(prefix)}/`
    const names: string[] = []
    let pageToken: string | undefined
    do {
      const [, next, response] = await this.call(`listing ${this.url(prefix)}/`, () =>
        this.storage
          .bucket(this.bucket)
          .getFiles({ prefix: base, delimiter: '/', autoPaginate: false, pageToken }),
      )
      for (const p of (response as { prefixes?: string[] })?.prefixes ?? [])
        names.push(p.slice(base.length, -1))
      pageToken = (next as { pageToken?: string } | null)?.pageToken
    } while (pageToken)
    return names
  }

  async begin(_folders: string[], options: { exclusive?: boolean } = {}): Promise<Transaction> {
    // Listing needs only the object permissions an uploader has; it fails for a missing bucket.
    await this.call('checking access', () =>
      this.storage.bucket(this.bucket).getFiles({ maxResults: 1, autoPaginate: false }),
    )
    return new SetTransaction(new GcsStaging(this, options.exclusive ?? false))
  }

  metadata(path: string): { contentType: string; cacheControl?: string } {
    const ext = path.slice(path.lastIndexOf('.'))
    return {
      contentType: CONTENT_TYPE[ext] ?? 'text/plain; charset=utf-8',
      ...(this.options.cacheControl ? { cacheControl: this.options.cacheControl } : {}),
    }
  }

  acl(): { predefinedAcl?: PredefinedAcl } {
    return this.options.predefinedAcl ? { predefinedAcl: this.options.predefinedAcl as PredefinedAcl } : {}
  }
}

type Pending =
  | { kind: 'upload'; upload: TempUpload; temp: string }
  | { kind: 'file'; data: Uint8Array }
  | { kind: 'copy'; temp: string }

class GcsStaging implements Staging {
  private readonly store: GcsStore
  private readonly exclusive: boolean
  private readonly pending = new Map<string, Pending>()
  private readonly tag = randomBytes(4).toString('hex')

  constructor(store: GcsStore, exclusive: boolean) {
    this.store = store
    this.exclusive = exclusive
  }

  /**
   * The image goes to a temporary object next to its final name and is copied into place on commit.
   * The final name is never written before then: a resumable upload that fails halfway can leave an
   * object behind (the emulator finalizes an empty one), and it must not be the image a reader sees.
   */
  createWriteStream(path: string): Writable {
    const temp = `${path}.${this.tag}.partial`
    const upload = new TempUpload(this.store, temp, path)
    this.pending.set(path, { kind: 'upload', upload, temp })
    return upload
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    this.pending.set(path, { kind: 'file', data: typeof data === 'string' ? Buffer.from(data) : data })
  }

  async copy(from: string, to: string): Promise<string> {
    const s = this.store
    const temp = `${to}.${this.tag}.partial`
    this.pending.set(to, { kind: 'copy', temp })
    const [copied] = await s.call(`copying ${s.url(from)}`, () => s.file(from).copy(s.file(temp)))
    const [meta] = await s.call(`looking up ${s.url(temp)}`, () => copied.getMetadata())
    return Buffer.from(meta.md5Hash ?? '', 'base64').toString('hex')
  }

  async place(path: string): Promise<void> {
    const s = this.store
    const item = this.pending.get(path)
    if (!item) throw new Error(`internal: ${path} was never written`)
    if (item.kind === 'upload') await this.placeUpload(item.temp, path, item.upload.bytes)
    else if (item.kind === 'file')
      await s.call(`uploading ${s.url(path)}`, () =>
        s.file(path).save(Buffer.from(item.data), {
          resumable: false,
          // The client checks the md5 the store reports against what it sent, and deletes a mismatch.
          validation: 'md5',
          gzip: false,
          metadata: s.metadata(path),
          ...s.acl(),
        }),
      )
    else {
      await s.call(`copying into ${s.url(path)}`, () => s.file(item.temp).copy(s.file(path)))
      await this.remove(item.temp)
    }
    this.pending.delete(path)
  }

  /**
   * Copies the uploaded temporary object to its name (server-side; created only if absent when the path
   * is exclusive), checks that the store holds the same md5 and size there, and removes the temporary one.
   */
  private async placeUpload(temp: string, path: string, bytes: number): Promise<void> {
    const s = this.store
    const [uploaded] = await s.call(`looking up ${s.url(temp)}`, () => s.file(temp).getMetadata())
    if (Number(uploaded.size) !== bytes)
      throw new StageError('store', `${s.url(temp)} holds ${uploaded.size} bytes, ${bytes} were uploaded`)
    try {
      await s.call(`copying into ${s.url(path)}`, () =>
        s.file(temp).copy(s.file(path), this.exclusive ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      )
    } catch (err) {
      if ((err as { cause?: { code?: number } }).cause?.code === 412)
        throw new StageError(
          'store',
          `${s.url(path)} was published by another run first (ifGenerationMatch: 0)`,
        )
      throw err
    }
    const [placed] = await s.call(`looking up ${s.url(path)}`, () => s.file(path).getMetadata())
    if (placed.md5Hash !== uploaded.md5Hash || Number(placed.size) !== bytes)
      throw new StageError(
        'store',
        `${s.url(path)} does not hold what was uploaded: md5 ${placed.md5Hash}, ${placed.size} bytes; expected ${uploaded.md5Hash}, ${bytes} bytes`,
      )
    await this.remove(temp)
  }

  async remove(path: string): Promise<void> {
    await this.store.call(`removing ${this.store.url(path)}`, () =>
      this.store.file(path).delete({ ignoreNotFound: true }),
    )
  }

  async discard(): Promise<void> {
    for (const item of this.pending.values()) {
      try {
        if (item.kind === 'upload') {
          item.upload.abandon()
          await this.remove(item.temp)
        } else if (item.kind === 'copy') await this.remove(item.temp)
      } catch {
        // Best effort: a failed run reports its own error, not the cleanup's.
      }
    }
    this.pending.clear()
  }
}

/**
 * The image as one resumable upload to a temporary object, written while it is compressed; finished
 * when the stream ends. The client validates the md5 GCS computes over what it received.
 */
class TempUpload extends Writable {
  bytes = 0
  private readonly store: GcsStore
  private readonly path: string
  private readonly target: Writable
  private readonly done: Promise<void>

  constructor(store: GcsStore, path: string, finalPath: string) {
    super({ highWaterMark: 1 << 20 })
    this.store = store
    this.path = path
    this.target = store.file(path).createWriteStream({
      resumable: true,
      validation: 'md5',
      gzip: false,
      metadata: store.metadata(finalPath),
      ...store.acl(),
    })
    this.done = new Promise((resolve, reject) => {
      this.target.on('finish', resolve)
      this.target.on('error', reject)
    })
    this.done.catch(() => {})
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length
    if (this.target.write(chunk)) return cb()
    const onDrain = (): void => {
      this.target.off('error', onError)
      cb()
    }
    const onError = (err: Error): void => {
      this.target.off('drain', onDrain)
      cb(this.store.explain(`uploading ${this.store.url(this.path)}`, err))
    }
    this.target.once('drain', onDrain)
    this.target.once('error', onError)
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.target.end()
    this.done.then(
      () => cb(),
      (err: unknown) => cb(this.store.explain(`uploading ${this.store.url(this.path)}`, err)),
    )
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!err && this.writableFinished) return cb(null)
    this.abandon()
    cb(err)
  }

  /** Gives the upload up; the transaction removes whatever the store kept of it. */
  abandon(): void {
    this.target.destroy(new Error('upload abandoned: the run failed or was cancelled'))
  }
}

function credentialSource(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOOGLE_APPLICATION_CREDENTIALS)
    return 'the credentials file named by GOOGLE_APPLICATION_CREDENTIALS'
  return 'application default credentials (workload identity, gcloud, or the metadata server)'
}
