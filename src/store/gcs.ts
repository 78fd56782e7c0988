import { Writable } from 'node:stream'
import { IdempotencyStrategy, Storage, type File, type PredefinedAcl } from '@google-cloud/storage'
import { StageError } from '../util/errors.ts'
import { formatSeconds, silentLog, type Log } from '../util/log.ts'
import { SetTransaction } from './commit.ts'
import {
  CREDENTIALS_TIMEOUT_MS,
  gcsSource,
  noCredentials,
  searchCredentials,
  type CredentialSearch,
} from './credentials.ts'
import { BucketObjects, readWhole } from './bucket.ts'
import { DEFAULT_LOCK_OPTIONS, type LockIO } from './lock.ts'
import type { StoreContext, StoreOptions, StoreTuning } from './options.ts'
import { newOwner, tempName, type Owner, type TempKind } from './owner.ts'
import {
  ceiling,
  formatBudget,
  timeoutsFrom,
  describe,
  Health,
  stopped,
  requestSignal,
  until,
  withRetry,
  type RetryPolicy,
  type Timeouts,
} from './retry.ts'
import {
  NotPlaceable,
  PlacedUnverified,
  type BeginOptions,
  type Staged,
  type Staging,
  type Store,
  type Transaction,
} from './store.ts'

const CONTENT_TYPE = { '.lz4': 'application/x-lz4', '.json': 'application/json' } as Record<string, string>
/** A run's files on a bucket are another run's to remove this long after its budget ended. */
const MARGIN_MS = 10 * 60_000

/**
 * A Google Cloud Storage bucket. Credentials are ambient, as google-github-actions/auth sets them up
 * (GOOGLE_APPLICATION_CREDENTIALS, workload identity, the metadata server); STORAGE_EMULATOR_HOST points
 * the client at an emulator. Objects are stored as given: no gzip re-encoding of an .lz4 image.
 *
 * Requests are retried here, not by the client: its own retries of a streamed download pipe into a
 * stream it already destroyed and crash the process (ERR_STREAM_UNABLE_TO_PIPE on a 500). Only the
 * image's resumable upload keeps the client's retries, which resume it where the store says it is.
 */
export class GcsStore implements Store {
  readonly bucket: string
  readonly prefix: string
  readonly options: StoreOptions
  /** Every call but the image's upload: no client retries, a timeout per request. */
  readonly storage: Storage
  /** The image's resumable upload. */
  readonly uploads: Storage
  readonly tuning: StoreTuning
  readonly timeouts: Timeouts
  readonly health: Health
  readonly signal: AbortSignal
  readonly deadline: number
  readonly log: Log
  readonly emulator: boolean
  private credentials: Promise<void> | undefined

  constructor(bucket: string, prefix: string, options: StoreOptions, context: StoreContext = {}) {
    this.bucket = bucket
    this.prefix = prefix
    this.options = options
    this.tuning = context.tuning ?? {}
    this.log = context.log ?? silentLog
    this.timeouts = timeoutsFrom(this.tuning)
    this.deadline = performance.now() + options.uploadTimeoutMs
    this.signal = ceiling(
      options.uploadTimeoutMs,
      context.signal,
      `upload-timeout of ${formatBudget(options.uploadTimeoutMs)}`,
    )
    this.emulator = Boolean(process.env.STORAGE_EMULATOR_HOST)
    this.health = new Health(
      process.env.STORAGE_EMULATOR_HOST || 'https://storage.googleapis.com',
      this.timeouts.deadAfterMs,
    )
    // The client has no connect or idle timeouts of its own: a small request gets the idle time in all.
    this.storage = new Storage({ retryOptions: { autoRetry: false }, timeout: this.timeouts.idleMs })
    this.uploads = new Storage({
      authClient: this.storage.authClient,
      retryOptions: {
        autoRetry: true,
        maxRetries: 4,
        totalTimeout: Math.max(1, Math.ceil(this.timeouts.deadAfterMs / 1000)),
        maxRetryDelay: this.retryDelayS(),
        retryDelayMultiplier: 2,
        // The upload goes to a temporary name nobody reads: safe to repeat.
        idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      },
    })
  }

  /** The longest pause between the upload client's own retries: a fraction of the time to a verdict. */
  retryDelayS(): number {
    return Math.min(16, Math.max(1, Math.round(this.timeouts.deadAfterMs / 8000)))
  }

  key(path: string): string {
    return this.prefix ? `${this.prefix}/${path}` : path
  }

  file(path: string, generation?: number): File {
    return this.storage
      .bucket(this.bucket)
      .file(this.key(path), generation === undefined ? {} : { generation })
  }

  url(path: string): string {
    return `gs://${this.bucket}/${this.key(path)}`
  }

  /** Finds credentials once, bounded in time (an emulator needs none). */
  ready(): Promise<void> {
    this.credentials ??= (async () => {
      if (this.emulator) return
      const search = await searchCredentials(
        'gcs',
        () => this.storage.authClient.getAccessToken(),
        this.tuning.credentialsMs ?? CREDENTIALS_TIMEOUT_MS,
      )
      if (!search.found) throw noCredentials(`gs://${this.bucket}/${this.prefix}`, search)
    })()
    return this.credentials
  }

  policy(): RetryPolicy {
    return {
      deadline: this.deadline,
      baseDelayMs: this.tuning.baseDelayMs ?? 250,
      maxDelayMs: 20_000,
      signal: this.signal,
      health: this.health,
      attemptMs: this.timeouts.idleMs,
      onRetry: (what, attempt, delay, err) => {
        this.log.info(
          `retrying ${what} in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}): ${describe(err)}`,
        )
        this.tuning.onRetry?.(what, attempt, delay, err)
      },
    }
  }

  /** One call with retries; the client's own call cannot be aborted, so it is left behind when it must stop. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await this.ready()
    try {
      return await withRetry(what, (_attempt, signal) => until(fn(), signal), isTransient, this.policy())
    } catch (err) {
      throw stopped(what, err, this.signal) ?? this.explain(what, err)
    }
  }

  /** A request on the way out (removing a temporary object): short, not cancellable. */
  async cleanup(what: string, fn: () => Promise<unknown>): Promise<void> {
    const signal = AbortSignal.timeout(5_000)
    try {
      await withRetry(what, (_attempt, s) => until(fn(), s), isTransient, {
        deadline: performance.now() + 5_000,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        signal,
      })
    } catch (err) {
      throw this.explain(what, err)
    }
  }

  explain(what: string, err: unknown): Error {
    if (err instanceof StageError) return err
    if (typeof err === 'string' || err === undefined)
      return new StageError('cancel', `${what}: stopped (${String(err)})`)
    const code = (err as { code?: number }).code
    const hint =
      code === 403 || code === 401
        ? ` The credentials (${gcsSource()}) are not allowed to do this, or are missing.`
        : code === 404 && (what === 'checking access' || what.startsWith('listing'))
          ? ' The bucket does not exist.'
          : ''
    return new StageError('store', `${what} in bucket gs://${this.bucket} failed: ${describe(err)}.${hint}`, {
      cause: err,
    })
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      return await this.call(`reading ${this.url(path)}`, () =>
        readWhole(this.file(path).createReadStream(), this.url(path)),
      )
    } catch (err) {
      if (status(err) === 404) return undefined
      throw err
    }
  }

  async metadata(path: string): Promise<{ size: number; md5: string; generation: string } | undefined> {
    try {
      const [meta] = await this.call(`looking up ${this.url(path)}`, () => this.file(path).getMetadata())
      return { size: Number(meta.size), md5: meta.md5Hash ?? '', generation: String(meta.generation ?? '') }
    } catch (err) {
      if (status(err) === 404) return undefined
      throw err
    }
  }

  async size(path: string): Promise<number | undefined> {
    return (await this.metadata(path))?.size
  }

  async exists(path: string): Promise<boolean> {
    return (await this.metadata(path)) !== undefined
  }

  write(path: string, data: Uint8Array): Promise<string> {
    return this.save(path, data)
  }

  async folders(prefix: string): Promise<string[]> {
    return (await this.listing(prefix)).folders
  }

  /** The objects and folders directly under a folder; `deep`: every object below it, and no folders. */
  async listing(
    prefix: string,
    deep = false,
  ): Promise<{ folders: string[]; objects: { name: string; modified?: number }[] }> {
    const base = prefix ? `${this.key(prefix)}/` : this.prefix ? `${this.prefix}/` : ''
    const folders: string[] = []
    const objects: { name: string; modified?: number }[] = []
    let pageToken: string | undefined
    do {
      const [files, next, response] = await this.call(`listing ${this.url(prefix)}/`, () =>
        this.storage
          .bucket(this.bucket)
          .getFiles({ prefix: base, ...(deep ? {} : { delimiter: '/' }), autoPaginate: false, pageToken }),
      )
      for (const p of (response as { prefixes?: string[] })?.prefixes ?? [])
        folders.push(p.slice(base.length, -1))
      for (const f of files) {
        const updated = f.metadata.updated ? Date.parse(f.metadata.updated) : undefined
        objects.push({ name: f.name.slice(base.length), modified: updated })
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken
    } while (pageToken)
    return { folders, objects }
  }

  async begin(_folders: string[], options: BeginOptions = {}): Promise<Transaction> {
    // Listing needs only the object permissions an uploader has; it fails for a missing bucket.
    await this.call('checking access', () =>
      this.storage.bucket(this.bucket).getFiles({ maxResults: 1, autoPaginate: false }),
    )
    const owner = newOwner(this.deadline - performance.now() + MARGIN_MS)
    return new SetTransaction({
      objects: new GcsObjects(this),
      staging: new GcsStaging(this, owner),
      owner,
      signal: this.signal,
      lock: {
        leaseMs: this.tuning.leaseMs ?? DEFAULT_LOCK_OPTIONS.leaseMs,
        settleMs: this.tuning.settleMs ?? DEFAULT_LOCK_OPTIONS.settleMs,
        pollMs: this.tuning.pollMs ?? DEFAULT_LOCK_OPTIONS.pollMs,
        deadline: this.deadline,
        budget: `upload-timeout of ${formatBudget(this.options.uploadTimeoutMs)}`,
      },
      log: options.log ?? this.log,
      exclusive: options.exclusive ?? false,
    })
  }

  objectMetadata(path: string): { contentType: string; cacheControl?: string } {
    const ext = path.slice(path.lastIndexOf('.'))
    return {
      contentType: CONTENT_TYPE[ext] ?? 'text/plain; charset=utf-8',
      ...(this.options.cacheControl ? { cacheControl: this.options.cacheControl } : {}),
    }
  }

  acl(): { predefinedAcl?: PredefinedAcl } {
    return this.options.predefinedAcl ? { predefinedAcl: this.options.predefinedAcl as PredefinedAcl } : {}
  }

  /** Writes small content with md5 validation (the client compares the store's md5 with what it sent). */
  async save(path: string, data: Uint8Array, precondition?: { ifGenerationMatch: number }): Promise<string> {
    const file = this.file(path)
    await this.call(`uploading ${this.url(path)}`, () =>
      file.save(Buffer.from(data), {
        resumable: false,
        validation: 'md5',
        gzip: false,
        metadata: this.objectMetadata(path),
        ...this.acl(),
        ...(precondition ? { preconditionOpts: precondition } : {}),
      }),
    )
    return String(file.metadata.generation ?? '')
  }

  async delete(path: string, precondition?: { ifGenerationMatch: number }): Promise<void> {
    await this.call(`removing ${this.url(path)}`, () =>
      this.file(path).delete({ ignoreNotFound: true, ...(precondition ?? {}) }),
    )
  }
}

/** What a commit does with a GCS bucket: temporary objects copied into place. */
class GcsObjects extends BucketObjects<GcsStore> {
  readonly lock: LockIO

  constructor(store: GcsStore) {
    super(store)
    this.lock = new GcsLock(store)
  }

  /**
   * Copies a temporary object to its name (server-side; created only if absent when `exclusive`), checks
   * that the store holds the same md5 and size there, and removes the temporary one.
   */
  protected async placeObject(path: string, staged: Staged, exclusive: boolean): Promise<void> {
    const s = this.s
    if (staged.kind !== 'object') throw new Error(`internal: a GCS bucket cannot place a ${staged.kind}`)
    try {
      await s.call(`copying into ${s.url(path)}`, () =>
        s
          .file(staged.temp)
          .copy(s.file(path), exclusive ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
      )
    } catch (err) {
      const code = status(err)
      if (code === 412)
        throw new StageError(
          'store',
          `${s.url(path)} was published by another run first (ifGenerationMatch: 0)`,
        )
      if (code !== 404) throw err
      if (!(await this.placed(path, staged))) throw new NotPlaceable(`${s.url(staged.temp)} is gone`)
    }
    const placed = await s.metadata(path)
    await s
      .cleanup(`removing ${s.url(staged.temp)}`, () => s.file(staged.temp).delete({ ignoreNotFound: true }))
      .catch(() => {})
    if (!placed || placed.md5 !== staged.etag || placed.size !== staged.size)
      throw new PlacedUnverified(
        `${s.url(path)} does not read back as what was uploaded: ${placed ? `md5 ${placed.md5}, ${placed.size} bytes` : 'missing'}; expected ${staged.etag}, ${staged.size} bytes`,
      )
  }

  protected async placedObject(path: string, staged: Staged): Promise<boolean> {
    if (staged.kind !== 'object') return false
    const meta = await this.s.metadata(path)
    return meta !== undefined && meta.md5 === staged.etag && meta.size === staged.size
  }

  async drop(staged: Staged): Promise<void> {
    if (staged.kind === 'object')
      await this.s.cleanup(`removing ${this.s.url(staged.temp)}`, () =>
        this.s.file(staged.temp).delete({ ignoreNotFound: true }),
      )
  }

  async removeTemp(path: string, _kind: TempKind): Promise<void> {
    await this.s.delete(path)
  }
}

/**
 * The lock as an object, created with ifGenerationMatch=0 and replaced and removed with
 * ifGenerationMatch=<its generation>: atomic on GCS. The emulator ignores preconditions, so there the
 * lock is confirmed by reading it back after a settle time (lock.ts).
 */
class GcsLock implements LockIO {
  readonly exact: { create: boolean; replace: boolean }
  private readonly s: GcsStore

  constructor(store: GcsStore) {
    this.s = store
    this.exact = { create: !store.emulator, replace: !store.emulator }
  }

  async read(path: string, tries = 3): Promise<{ body: Buffer; version: string } | undefined> {
    const meta = await this.s.metadata(path)
    if (!meta) return undefined
    try {
      const generation = Number(meta.generation)
      const body = await this.s.call(`reading ${this.s.url(path)}`, () =>
        readWhole(
          this.s
            .file(path, Number.isFinite(generation) && generation > 0 ? generation : undefined)
            .createReadStream(),
          this.s.url(path),
        ),
      )
      return { body, version: meta.generation }
    } catch (err) {
      // Replaced or removed between the two requests: as good as changed. Not forever: a store whose
      // metadata and content disagree for good is one the lock cannot work with.
      if (status(err) === 404 && tries > 1) return this.read(path, tries - 1)
      throw err
    }
  }

  async create(path: string, body: Buffer): Promise<string | undefined> {
    if (this.s.emulator && (await this.s.metadata(path))) return undefined
    return this.save(path, body, 0)
  }

  async replace(path: string, body: Buffer, version: string): Promise<string | undefined> {
    if (this.s.emulator && (await this.s.metadata(path))?.generation !== version) return undefined
    return this.save(path, body, Number(version))
  }

  async remove(path: string, version: string): Promise<void> {
    if (this.s.emulator && (await this.s.metadata(path))?.generation !== version) return
    try {
      await this.s.delete(path, { ifGenerationMatch: Number(version) })
    } catch (err) {
      if (status(err) !== 412) throw err
    }
  }

  private async save(path: string, body: Buffer, generation: number): Promise<string | undefined> {
    try {
      const saved = await this.s.save(path, body, { ifGenerationMatch: generation })
      return saved || (await this.s.metadata(path))?.generation
    } catch (err) {
      if (status(err) === 412) return undefined
      throw err
    }
  }
}

/** How files are staged on GCS: the image as a resumable upload to a temporary object, small files in memory. */
class GcsStaging implements Staging {
  readonly outlivesExit = true
  private readonly s: GcsStore
  private readonly owner: Owner
  private readonly uploads = new Set<TempUpload>()

  constructor(store: GcsStore, owner: Owner) {
    this.s = store
    this.owner = owner
  }

  /**
   * The image goes to a temporary object next to its final name and is copied into place on commit.
   * The final name is never written before then: a resumable upload that fails halfway can leave an
   * object behind (the emulator finalizes an empty one), and it must not be the image a reader sees.
   */
  createWriteStream(path: string): TempUpload {
    const upload = new TempUpload(this.s, tempName(path, this.owner, 'partial'), path)
    this.uploads.add(upload)
    return upload
  }

  async writeFile(_path: string, data: Uint8Array): Promise<Staged> {
    return { kind: 'data', data: Buffer.from(data).toString('base64') }
  }

  async copy(from: string, to: string): Promise<{ staged: Staged; md5: string }> {
    const s = this.s
    const temp = tempName(to, this.owner, 'partial')
    await s.call(`copying ${s.url(from)}`, () => s.file(from).copy(s.file(temp)))
    const meta = await s.metadata(temp)
    if (!meta) throw new StageError('store', `the copy ${s.url(temp)} is missing`)
    return {
      staged: { kind: 'object', temp, etag: meta.md5, size: meta.size },
      md5: Buffer.from(meta.md5, 'base64').toString('hex'),
    }
  }

  /** A journal holds the temporary object now: it is no longer this staging's to remove. */
  handOver(staged: Staged): void {
    if (staged.kind !== 'object') return
    for (const upload of this.uploads) if (upload.path === staged.temp) this.uploads.delete(upload)
  }

  async discard(): Promise<void> {
    for (const upload of this.uploads) {
      if (!upload.writableFinished) upload.abandon()
      // The store may have kept what arrived (the emulator finalizes an empty object).
      await this.s
        .cleanup(`removing ${this.s.url(upload.path)}`, () =>
          this.s.file(upload.path).delete({ ignoreNotFound: true }),
        )
        .catch(() => {})
    }
    this.uploads.clear()
  }
}

/**
 * The image as one resumable upload to a temporary object, written while it is compressed; finished
 * when the stream ends. The client validates the md5 GCS computes over what it received. A watchdog
 * ends it when the store takes nothing for the idle timeout, or does not confirm the end in time.
 */
class TempUpload extends Writable {
  bytes = 0
  readonly path: string
  private readonly store: GcsStore
  private readonly target: Writable
  private readonly done: Promise<void>
  private readonly stop: () => void

  constructor(store: GcsStore, path: string, finalPath: string) {
    super({ highWaterMark: 1 << 20 })
    this.store = store
    this.path = path
    this.target = store.uploads
      .bucket(store.bucket)
      .file(store.key(path))
      .createWriteStream({
        resumable: true,
        validation: 'md5',
        gzip: false,
        metadata: store.objectMetadata(finalPath),
        ...store.acl(),
      })
    this.done = new Promise((resolve, reject) => {
      this.target.on('finish', resolve)
      this.target.on('error', reject)
    })
    this.done.catch(() => {})
    const signal = requestSignal(store.signal)
    const onAbort = (): void => void this.target.destroy(new Error(String(signal?.reason)))
    signal?.addEventListener('abort', onAbort, { once: true })
    this.stop = () => signal?.removeEventListener('abort', onAbort)
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length
    if (this.target.write(chunk)) return cb()
    const idle = this.store.timeouts.idleMs
    const timer = setTimeout(() => {
      this.target.off('drain', onDrain)
      this.target.off('error', onError)
      const err = new Error(`${this.store.health.endpoint} took nothing for ${formatSeconds(idle)}`)
      this.target.destroy(err)
      cb(this.store.explain(`uploading ${this.store.url(this.path)}`, err))
    }, idle)
    const onDrain = (): void => {
      clearTimeout(timer)
      this.target.off('error', onError)
      cb()
    }
    const onError = (err: Error): void => {
      clearTimeout(timer)
      this.target.off('drain', onDrain)
      cb(this.store.explain(`uploading ${this.store.url(this.path)}`, err))
    }
    this.target.once('drain', onDrain)
    this.target.once('error', onError)
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.target.end()
    // The client may retry the last request for as long as an endpoint counts as alive.
    const { requestMs, deadAfterMs } = this.store.timeouts
    const limit = requestMs + deadAfterMs + 2000 * this.store.retryDelayS()
    const timer = setTimeout(
      () => this.target.destroy(new Error(`the upload was not confirmed within ${formatSeconds(limit)}`)),
      limit,
    )
    this.done.then(
      () => {
        clearTimeout(timer)
        this.stop()
        cb()
      },
      (err: unknown) => {
        clearTimeout(timer)
        this.stop()
        cb(this.store.explain(`uploading ${this.store.url(this.path)}`, err))
      },
    )
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stop()
    if (!err && this.writableFinished) return cb(null)
    this.abandon()
    cb(err)
  }

  /** What the commit needs: the temporary object as the store holds it, checked against what was sent. */
  async staged(): Promise<Staged> {
    const meta = await this.store.metadata(this.path)
    if (!meta || meta.size !== this.bytes)
      throw new StageError(
        'store',
        `${this.store.url(this.path)} holds ${meta ? `${meta.size} bytes` : 'nothing'}, ${this.bytes} were uploaded`,
      )
    return { kind: 'object', temp: this.path, etag: meta.md5, size: meta.size }
  }

  /** Gives the upload up; the transaction removes whatever the store kept of it. */
  abandon(): void {
    this.target.destroy(new Error('upload abandoned: the run failed or was cancelled'))
  }
}

/** Application default credentials, as a store would use them, bounded in time (findCredentials). */
export async function findGcsCredentials(timeoutMs?: number): Promise<CredentialSearch> {
  const storage = new Storage()
  return searchCredentials('gcs', () => storage.authClient.getAccessToken(), timeoutMs)
}

function status(err: unknown): number | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } }
  const code = typeof e?.code === 'number' ? e.code : e?.cause?.code
  return typeof code === 'number' ? code : undefined
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED'])

/** 408, 429 and 5xx (not 501), resets and timeouts: worth another try. */
function isTransient(err: unknown): boolean {
  const code = status(err)
  if (code === 408 || code === 429 || (code !== undefined && code >= 500 && code !== 501)) return true
  const e = err as { code?: unknown; type?: string; message?: string; name?: string }
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return true
  if (e?.type === 'request-timeout' || e?.name === 'TimeoutError') return true
  return (
    code === undefined &&
    /socket hang up|ECONNRESET|EPIPE|timed? ?out|premature close/i.test(String(e?.message))
  )
}
