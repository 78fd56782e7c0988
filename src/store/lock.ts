import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { mayBeAlive, ownerTag, parseOwnerTag, sameOwner, thisHost, type Owner } from './owner.ts'
import { shielded } from './retry.ts'

/** The lock object of a folder: one per folder that holds a versions.json. */
export const LOCK_FILE = '.metal-image.lock'

/**
 * What a store offers for a lock: a small object read, created only if absent, replaced and removed
 * only if unchanged (`version`: an ETag, a generation, an inode and mtime). `exact`: whether the store
 * decides "only if absent" and "only if unchanged" atomically; where it does not (OpenStack Swift's S3
 * API refuses conditional PUTs; the GCS emulator ignores preconditions), every acquisition is followed by
 * a settle time and a read-back (see FolderLock.acquire).
 */
export interface LockIO {
  readonly exact: { create: boolean; replace: boolean }
  read(path: string): Promise<{ body: Buffer; version: string } | undefined>
  /** The new version; undefined when something is there already. */
  create(path: string, body: Buffer): Promise<string | undefined>
  /** The new version; undefined when the lock is no longer `version` (where the store can tell). */
  replace(path: string, body: Buffer, version: string): Promise<string | undefined>
  /** Removes it if it is still `version` (where the store can tell). */
  remove(path: string, version: string): Promise<void>
}

export interface LockOptions {
  /** How long a holder that stopped renewing keeps the lock, as another machine sees it. */
  leaseMs: number
  /** After writing a lock where the store is not exact: how long to wait before reading it back. */
  settleMs: number
  /** Between two looks at a held lock (grows to 4x, with jitter). */
  pollMs: number
  /** performance.now() after which waiting gives up. */
  deadline: number
  /** What gives up at the deadline, in the error (e.g. "upload-timeout of 1h"). */
  budget: string
  signal: AbortSignal
  log: Log
  url: string
}

/** What the lock says, in its body. */
export interface LockBody {
  tool: 'metal-image'
  owner: string
  hostname: string
  acquired: string
  renewed: string
  leaseMs: number
  /** A holder that gave up with its commit unfinished hands the lock over at once, journal and all. */
  state: 'held' | 'abandoned'
  journal: unknown
}

export const DEFAULT_LOCK_OPTIONS = { leaseMs: 60_000, settleMs: 1000, pollMs: 250 }

/**
 * A folder's lock, held by one run while it commits a set (never while it builds). Acquired by creating
 * the lock object only if absent; a lock whose holder is dead (on this machine: its process is gone; on
 * another: it has not been renewed for a whole lease, as watched from here with our own clock, so clocks
 * need not agree) or that its holder abandoned is taken over by replacing it only if it is still the one
 * looked at. The holder renews it every lease/4. Its body carries the commit's journal, so the run that
 * takes over a dead holder's lock finishes or undoes that commit first (commit.ts).
 */
export class FolderLock {
  private version: string
  private readonly io: LockIO
  private readonly path: string
  private readonly owner: Owner
  private readonly options: LockOptions
  private body: LockBody
  private renewedAt = performance.now()
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<unknown> = Promise.resolve()
  private lost: string | undefined
  private released = false

  private constructor(
    io: LockIO,
    path: string,
    owner: Owner,
    options: LockOptions,
    version: string,
    body: LockBody,
  ) {
    this.io = io
    this.path = path
    this.owner = owner
    this.options = options
    this.version = version
    this.body = body
    this.timer = setInterval(() => void this.renew().catch(() => {}), Math.max(50, options.leaseMs / 4))
    this.timer.unref()
  }

  /**
   * Waits for the lock and takes it. Returns the journal of a dead holder whose commit it took over
   * (undefined when the lock was free or its holder had nothing under way).
   */
  static async acquire(
    io: LockIO,
    path: string,
    owner: Owner,
    options: LockOptions,
  ): Promise<{ lock: FolderLock; inherited: unknown }> {
    const { signal, log } = options
    let watched: { version: string; since: number } | undefined
    let told = false
    let delay = options.pollMs
    // Before the next look, whatever made this one fail: a store whose answers contradict each other (a
    // lock that reads as absent and cannot be created) must not be asked a thousand times a second.
    const pause = async (holder: string): Promise<void> => {
      if (performance.now() + delay > options.deadline)
        throw new StageError(
          'store',
          `${options.url} is locked by another run (${holder}) and was not released before the ${options.budget} ran out`,
        )
      await sleep(delay * (0.75 + Math.random() / 2), undefined, { signal }).catch(() =>
        signal.throwIfAborted(),
      )
      delay = Math.min(delay * 1.5, options.pollMs * 4)
    }
    for (;;) {
      signal.throwIfAborted()
      const now = performance.now()
      const current = await io.read(path)
      if (!current) {
        const body = lockBody(owner, options.leaseMs, undefined)
        const version = await io.create(path, encode(body))
        const held =
          version === undefined
            ? undefined
            : await FolderLock.confirm(io.exact.create, io, path, owner, options, version).catch(
                async (err: unknown) => {
                  // Stopped while confirming a lock just written (a bucket's settle time): it holds no
                  // journal, so it goes, rather than making a run elsewhere wait out its lease.
                  await shielded
                    .run(AbortSignal.timeout(10_000), () => io.remove(path, version))
                    .catch(() => {})
                  throw err
                },
              )
        if (held) return { lock: new FolderLock(io, path, owner, options, held, body), inherited: undefined }
        await pause(
          'a run that created it at the same moment, or a store that reads it as absent and refuses to create it',
        )
        continue
      }
      if (watched?.version !== current.version) watched = { version: current.version, since: now }
      const holder = parseBody(current.body)
      // Ours already: a create whose answer was lost, and was retried into "exists".
      const tagged = holder && parseOwnerTag(holder.owner)
      if (holder && tagged && sameOwner(tagged, owner) && holder.state === 'held') {
        const held = await FolderLock.confirm(io.exact.create, io, path, owner, options, current.version)
        if (held)
          return { lock: new FolderLock(io, path, owner, options, held, holder), inherited: undefined }
        await pause(describeHolder(holder))
        continue
      }
      const why = staleness(holder, now - watched.since, options.leaseMs)
      if (why) {
        const body = lockBody(owner, options.leaseMs, holder?.journal)
        log.info(`Taking over the lock ${options.url}: ${why}`)
        const version = await io.replace(path, encode(body), current.version)
        const held =
          version === undefined
            ? undefined
            : await FolderLock.confirm(io.exact.replace, io, path, owner, options, version)
        if (held)
          return { lock: new FolderLock(io, path, owner, options, held, body), inherited: holder?.journal }
        watched = undefined
        await pause(describeHolder(holder))
        continue
      }
      if (!told && performance.now() + delay <= options.deadline) {
        log.info(
          `Waiting for ${options.url}: another run is committing to this folder (${describeHolder(holder)})`,
        )
        told = true
      }
      await pause(describeHolder(holder))
    }
  }

  /**
   * Where the store does not decide atomically, two runs can both believe they wrote the lock: wait, then
   * read it back. Only one body survives; a run that reads another's has lost and looks again. (Sound as
   * long as a lock write reaches the store within the settle time: Fischer's mutual exclusion.)
   */
  private static async confirm(
    exact: boolean,
    io: LockIO,
    path: string,
    owner: Owner,
    options: LockOptions,
    version: string,
  ): Promise<string | undefined> {
    if (exact) return version
    await sleep(options.settleMs, undefined, { signal: options.signal }).catch(() =>
      options.signal.throwIfAborted(),
    )
    const back = await io.read(path)
    const body = back && parseBody(back.body)
    const mine = body && parseOwnerTag(body.owner)
    return back && mine && sameOwner(mine, owner) ? back.version : undefined
  }

  /** Where the lock is, for messages. */
  get url(): string {
    return this.options.url
  }

  /** Throws if the lock may no longer be ours: before each step of a commit. */
  check(): void {
    if (this.lost) throw new StageError('store', `lost the lock ${this.options.url}: ${this.lost}`)
    const age = performance.now() - this.renewedAt
    if (age > this.options.leaseMs * 0.75)
      throw new StageError(
        'store',
        `lost the lock ${this.options.url}: not renewed for ${Math.round(age / 1000)} s, another run may have taken it over`,
      )
  }

  /** Writes the journal into the lock (and renews it). */
  writeJournal(journal: unknown): Promise<void> {
    return this.write({ ...this.body, journal })
  }

  private renew(): Promise<void> {
    if (this.released || this.lost) return Promise.resolve()
    return this.write(this.body)
  }

  private write(body: LockBody): Promise<void> {
    const run = this.writing.then(async () => {
      if (this.lost) throw new StageError('store', `lost the lock ${this.options.url}: ${this.lost}`)
      const next = { ...body, renewed: new Date().toISOString() }
      const started = performance.now()
      const version = await this.io.replace(this.path, encode(next), this.version)
      if (version === undefined) {
        this.lost = 'another run replaced it'
        throw new StageError('store', `lost the lock ${this.options.url}: ${this.lost}`)
      }
      this.version = version
      this.body = next
      this.renewedAt = started
    })
    this.writing = run.catch(() => {})
    return run
  }

  /** Gives the lock up. With a journal: the commit is unfinished, and the next run finishes it. */
  async release(journal?: unknown): Promise<void> {
    if (this.released) return
    this.released = true
    clearInterval(this.timer)
    await this.writing
    if (this.lost) return
    if (journal === undefined) await this.io.remove(this.path, this.version)
    else
      await this.io.replace(
        this.path,
        encode({ ...this.body, state: 'abandoned', journal, renewed: new Date().toISOString() }),
        this.version,
      )
  }

  /** Stops renewing without touching the lock (the process is going away; the lock goes stale). */
  stop(): void {
    this.released = true
    clearInterval(this.timer)
  }
}

function lockBody(owner: Owner, leaseMs: number, journal: unknown): LockBody {
  const now = new Date().toISOString()
  return {
    tool: 'metal-image',
    owner: ownerTag(owner),
    hostname: process.env.RUNNER_NAME || hostname(),
    acquired: now,
    renewed: now,
    leaseMs,
    state: 'held',
    journal: journal ?? null,
  }
}

function encode(body: LockBody): Buffer {
  return Buffer.from(JSON.stringify(body) + '\n')
}

export function parseBody(data: Buffer): LockBody | undefined {
  try {
    const body = JSON.parse(data.toString()) as LockBody
    return body?.tool === 'metal-image' && typeof body.owner === 'string' ? body : undefined
  } catch {
    return undefined
  }
}

/** Why a lock may be taken over; undefined while its holder may be working. */
export function staleness(
  holder: LockBody | undefined,
  unchangedMs: number,
  leaseMs: number,
): string | undefined {
  if (holder?.state === 'abandoned') return 'its holder gave it up with its commit unfinished'
  const owner = holder && parseOwnerTag(holder.owner)
  if (owner && owner.host === thisHost())
    return mayBeAlive(owner) ? undefined : `its holder (pid ${owner.pid} on this machine) is gone`
  const lease = Math.max(leaseMs, holder?.leaseMs ?? 0)
  if (unchangedMs >= lease)
    return `it was not renewed for ${Math.round(unchangedMs / 1000)} s (lease ${Math.round(lease / 1000)} s)`
  return undefined
}

function describeHolder(holder: LockBody | undefined): string {
  if (!holder) return 'a lock this tool cannot read'
  const owner = parseOwnerTag(holder.owner)
  const where = owner?.host === thisHost() ? `pid ${owner.pid} on this machine` : `on ${holder.hostname}`
  return `${where}, since ${holder.acquired}`
}
