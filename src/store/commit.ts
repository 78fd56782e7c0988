import type { Writable } from 'node:stream'
import { noteWhileRunning } from '../util/cleanup.ts'
import type { Log } from '../util/log.ts'
import { FolderLock, LOCK_FILE, type LockOptions } from './lock.ts'
import {
  isLegacyTemp,
  LEGACY_TEMP_AGE_MS,
  mayBeAlive,
  parseTempName,
  sameOwner,
  tempName,
  type Owner,
} from './owner.ts'
import { shielded } from './retry.ts'
import {
  CommitFailure,
  NotPlaceable,
  PlacedUnverified,
  type CommitOutcome,
  type Objects,
  type SetCommit,
  type Staged,
  type Staging,
  type Transaction,
} from './store.ts'

/** One change of a commit: `next` goes in (undefined: the file is removed), `prior` is what was there. */
export interface Step {
  path: string
  next?: Staged
  /** undefined: there was no such file; 'lost': there was, and it cannot be put back (a bucket's image). */
  prior?: Staged | 'lost'
  exclusive?: boolean
  image?: boolean
}

/**
 * What the lock holds while a set is committed. `backward` until the image is put in place: a commit
 * that stops there is undone (every earlier file restored from `prior`). `forward` from then on: it is
 * finished (every file put in place from `next`).
 */
export interface Journal {
  v: 1
  phase: 'backward' | 'forward'
  steps: Step[]
}

export interface CommitContext {
  objects: Objects
  staging: Staging
  owner: Owner
  /** Cancellation and the time budget. */
  signal: AbortSignal
  lock: Omit<LockOptions, 'signal' | 'log' | 'url'>
  log: Log
  exclusive: boolean
  /** After the point of no return, how long the rest of the commit may take whatever else happens. */
  finishMs?: number
}

/**
 * The commit of a set, the same for every store. Staged files are complete before anything is touched;
 * then, under the folder's lock (held only now, never during a build):
 *
 * 1. a dead run's unfinished commit is finished or undone (its journal is in the lock), and the
 *    leftovers of dead runs in the folders are removed;
 * 2. the caller decides again whether the set still goes in (another run may have committed meanwhile);
 * 3. the journal (what each step replaces, with the earlier small files' bytes) goes into the lock;
 * 4. the earlier checksum files go, the companions (packages.txt, SBOM, contract) and removals follow,
 *    then the image, then versions.json, then the checksum files: a checksum file present always agrees
 *    with the image, and versions.json with both;
 * 5. the lock is released.
 *
 * A step that fails before the image is undone, step by step in reverse ("the earlier set is intact").
 * After the image: locally the earlier image was kept aside (a hard link) and everything is undone as
 * well; a bucket cannot take an image back, so the rest of the commit is finished instead, or, if that
 * fails too, left in the lock's journal for the next run to the folder to finish.
 */
export class SetTransaction implements Transaction {
  readonly signal: AbortSignal
  private readonly ctx: CommitContext
  private readonly staged = new Map<string, Promise<Staged>>()
  /** Set once a journal that names the staged files was left behind: they are no longer ours to remove. */
  private handedOver = false
  private done = false
  private published = false
  /** Steps whose change the store confirmed though a read did not show it. */
  private readonly unverified = new Set<Step>()
  /** Ends the note on what an abandoned run would leave (the staged uploads, then the published set). */
  private unnote: (() => void) | undefined

  constructor(ctx: CommitContext) {
    this.ctx = ctx
    this.signal = ctx.signal
  }

  createWriteStream(path: string): Writable {
    this.noteStaged(path)
    const stream = this.ctx.staging.createWriteStream(path)
    const staged = new Promise<Staged>((resolve, reject) => {
      let finished = false
      stream.once('finish', () => {
        finished = true
        stream.staged().then(resolve, reject)
      })
      stream.once('error', reject)
      stream.once('close', () => {
        if (!finished) reject(new Error(`${path} was not written to the end`))
      })
    })
    staged.catch(() => {})
    this.staged.set(path, staged)
    return stream
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    this.noteStaged(path)
    const staged = this.ctx.staging.writeFile(path, typeof data === 'string' ? Buffer.from(data) : data)
    this.staged.set(path, staged)
    await staged
  }

  async copy(from: string, to: string): Promise<string> {
    this.noteStaged(to)
    const copied = this.ctx.staging.copy(from, to)
    this.staged.set(
      to,
      copied.then((c) => c.staged),
    )
    return (await copied).md5
  }

  async commit(set: SetCommit): Promise<CommitOutcome> {
    const { objects, owner, log } = this.ctx
    if (this.done) throw new Error('internal: a transaction commits once')
    this.done = true
    const news = new Map<string, Staged>()
    for (const path of [set.image, ...set.companions, ...set.seal]) {
      const staged = this.staged.get(path)
      if (!staged) throw new Error(`internal: ${path} was never written`)
      news.set(path, await staged)
    }
    const lockPath = `${set.lockDir}/${LOCK_FILE}`
    const { lock, inherited } = await FolderLock.acquire(objects.lock, lockPath, owner, {
      ...this.ctx.lock,
      signal: this.signal,
      log,
      url: objects.url(lockPath),
    })
    if (isJournal(inherited)) {
      try {
        await this.recover(inherited, lock)
      } catch (err) {
        // Its journal stays in the lock: the next run tries again.
        await lock.release(inherited).catch(() => lock.stop())
        await this.abort()
        throw new CommitFailure(
          `could not finish the commit a run that ended left in ${objects.url(set.lockDir)}/ (${describeFailure(err)}); it stays recorded in ${objects.url(lockPath)} for the next run`,
          { cause: err },
        )
      }
    }
    let steps: Step[] = []
    try {
      // Best effort: leftovers that stay are removed by a later run.
      await this.sweep(set.lockDir, folders([...news.keys()])).catch((err: unknown) =>
        log.warning(
          `could not look for what runs that ended left in ${objects.url(set.lockDir)}/: ${String(err)}`,
        ),
      )
      lock.check()
      const skip = await set.decide?.()
      if (skip !== undefined) {
        await lock.release()
        await this.abort()
        return { committed: false, reason: skip }
      }
      steps = await this.steps(set, news).catch(prepareFailure(objects, set))
      for (const step of steps) {
        if (step.next) this.ctx.staging.handOver(step.next)
        if (step.prior && step.prior !== 'lost') this.ctx.staging.handOver(step.prior)
      }
      await lock.writeJournal({ v: 1, phase: 'backward', steps })
    } catch (err) {
      // Nothing was touched: the lock goes, and what this run staged or kept aside with it.
      await lock.release().catch(() => {})
      await this.abort()
      for (const step of steps)
        if (step.prior && step.prior !== 'lost') await objects.drop(step.prior).catch(() => {})
      throw err
    }
    const journal: Journal = { v: 1, phase: 'backward', steps }
    // From here the journal, not the note on staged uploads, says what is left.
    this.end()
    const unnote = noteWhileRunning(
      `the commit to ${objects.url(set.lockDir)}/ was under way: the next run to that folder finishes or undoes it`,
    )
    try {
      await this.apply(journal, lock)
    } finally {
      unnote()
    }
    this.published = true
    this.note(`the new set is published in ${objects.url(folderOf(set.image))}/`)
    // The earlier files kept aside are no longer needed.
    for (const step of journal.steps)
      if (step.prior && step.prior !== 'lost') await objects.drop(step.prior).catch(() => {})
    return { committed: true }
  }

  /** What the commit does, step by step, with the earlier small files' bytes to undo it. */
  private async steps(set: SetCommit, news: Map<string, Staged>): Promise<Step[]> {
    const { objects, owner } = this.ctx
    const prior = async (path: string): Promise<Staged | undefined> => {
      const data = await objects.read(path)
      return data === undefined ? undefined : { kind: 'data', data: data.toString('base64') }
    }
    const steps: Step[] = []
    const retracted = new Set<string>()
    for (const path of set.retract) {
      const was = await prior(path)
      if (was) steps.push({ path, prior: was })
      retracted.add(path)
    }
    for (const path of set.companions) steps.push({ path, next: news.get(path)!, prior: await prior(path) })
    for (const path of set.obsolete) {
      if (retracted.has(path)) continue
      const was = await prior(path)
      if (was) steps.push({ path, prior: was })
    }
    let imagePrior: Step['prior']
    if (await objects.exists(set.image)) {
      const aside = objects.keepAside?.(set.image, tempName(set.image, owner, 'previous'))
      imagePrior =
        (await aside?.catch((err: unknown) => {
          throw new StepError({ path: set.image }, 'keep aside', err)
        })) ?? 'lost'
    }
    steps.push({
      path: set.image,
      next: news.get(set.image)!,
      prior: imagePrior,
      image: true,
      ...(this.ctx.exclusive ? { exclusive: true } : {}),
    })
    if (set.index) {
      const current = await objects.read(set.index.path)
      const updated = Buffer.from(set.index.update(current))
      steps.push({
        path: set.index.path,
        next: { kind: 'data', data: updated.toString('base64') },
        prior: current && { kind: 'data', data: current.toString('base64') },
      })
    }
    for (const path of set.seal)
      steps.push({ path, next: news.get(path)!, prior: retracted.has(path) ? undefined : await prior(path) })
    return steps
  }

  /** Runs the steps; on failure undoes them, or finishes them, or leaves the journal (see the class). */
  private async apply(journal: Journal, lock: FolderLock): Promise<void> {
    let at = 0
    let failure: { step: Step; err: unknown } | undefined
    try {
      for (; at < journal.steps.length; at++) {
        const step = journal.steps[at]!
        lock.check()
        if (step.image) {
          // Cancelling stops a commit only before its point of no return.
          this.signal.throwIfAborted()
          await lock.writeJournal({ ...journal, phase: 'forward' })
          journal.phase = 'forward'
          await shielded.run(AbortSignal.timeout(this.ctx.finishMs ?? 60_000), () =>
            this.forward(journal, at, lock),
          )
          at = journal.steps.length
          break
        }
        this.signal.throwIfAborted()
        await this.run(step)
      }
    } catch (err) {
      failure = { step: journal.steps[Math.min(at, journal.steps.length - 1)]!, err }
    }
    if (!failure) {
      // The set is complete: a signal now must not leave the lock (and its journal) behind.
      await shielded
        .run(AbortSignal.timeout(this.ctx.finishMs ?? 60_000), () => lock.release())
        .catch((err: unknown) => {
          this.ctx.log.warning(
            `could not release the lock ${lock.url} (the set is complete; the next run to the folder finds it so): ${String(err)}`,
          )
        })
      return
    }
    throw await this.failed(journal, at, failure, lock)
  }

  /** From the image on: every remaining step, each retried by the store; this is the point of no return. */
  private async forward(journal: Journal, from: number, lock: FolderLock): Promise<void> {
    for (let i = from; i < journal.steps.length; i++) {
      lock.check()
      const step = journal.steps[i]!
      try {
        await this.runConfirmed(step)
      } catch (err) {
        // The image's own step may have failed without placing it: then this is still undoable.
        if (step.image && !(await this.ctx.objects.placed(step.path, step.next!).catch(() => true))) {
          journal.phase = 'backward'
          throw Object.assign(err as Error, { stepIndex: i })
        }
        throw Object.assign(err as Error, { stepIndex: i })
      }
    }
  }

  private async run(step: Step): Promise<void> {
    const { objects } = this.ctx
    try {
      if (step.next) await objects.place(step.path, step.next, step.exclusive ?? false)
      else await objects.remove(step.path)
    } catch (err) {
      // Confirmed by the store: an undo must put back what it replaced, whatever a read says.
      if (err instanceof PlacedUnverified) this.unverified.add(step)
      throw new StepError(step, step.next ? (step.prior ? 'replace' : 'write') : 'remove', err)
    }
  }

  /** run(), but a change the store confirmed and a read did not show counts as made (see forward()). */
  private async runConfirmed(step: Step): Promise<void> {
    try {
      await this.run(step)
    } catch (err) {
      const cause = (err as StepError).cause
      if (!(cause instanceof PlacedUnverified)) throw err
      // The earlier content is gone whatever a read says now, and the earlier checksum files put back
      // would describe an image that is not there. The set is finished as uploaded; a store that does
      // not keep what it confirms fails metal-hammer's md5 check.
      this.ctx.log.warning(`${cause.message}; the store confirmed the request, so the commit goes on`)
    }
  }

  private async failed(
    journal: Journal,
    at: number,
    failure: { step: Step; err: unknown },
    lock: FolderLock,
  ): Promise<Error> {
    const { objects } = this.ctx
    const index = (failure.err as { stepIndex?: number }).stepIndex ?? at
    const dir = objects.url(folderOf(failure.step.path)) + '/'
    const what = describeFailure(failure.err, failure.step)
    // Stopped (a signal, the upload-timeout) rather than refused by the store: once undone, the caller
    // says so ("cancelled: nothing was published").
    const cancelled = this.signal.aborted
    const undoable = journal.steps
      .slice(0, index + 1)
      .every((s) => s.prior !== 'lost' || !s.image || journal.phase === 'backward')
    // Undoing, and releasing the lock after it, must not be stopped by what stopped the commit.
    const shield = <T>(fn: () => Promise<T>): Promise<T> =>
      shielded.run(AbortSignal.timeout(this.ctx.finishMs ?? 60_000), fn)
    if (undoable) {
      try {
        await shield(() => this.undo(journal.steps, index + 1))
        await shield(async () => {
          await lock.release()
          await this.abort()
          for (const step of journal.steps)
            if (step.prior && step.prior !== 'lost') await objects.drop(step.prior).catch(() => {})
        })
        if (cancelled) return failure.err as Error
        return new CommitFailure(`${what}; the earlier set in ${dir} is intact`, { cause: failure.err })
      } catch (undoErr) {
        await shield(() => this.leave(journal, lock))
        return new CommitFailure(
          `${what}; undoing the commit failed too (${describeFailure(undoErr)}): ${dir} is left between the two sets, without checksum files, and the next run to it restores the earlier set`,
          { cause: failure.err },
        )
      }
    }
    await shield(() => this.leave(journal, lock))
    return new CommitFailure(
      `${what}; the new image is already in place in ${dir} and a bucket cannot take it back: the folder holds it without checksum files, versions.json may still name the earlier version, and the next run to this folder finishes the set`,
      { cause: failure.err },
    )
  }

  /** Leaves the commit to the next run: the lock stays, abandoned, with the journal in it. */
  private async leave(journal: Journal, lock: FolderLock): Promise<void> {
    this.handedOver = true
    await lock.release(journal).catch(() => lock.stop())
  }

  /** Restores what the first `count` steps replaced, last first. */
  private async undo(steps: Step[], count: number): Promise<void> {
    const { objects } = this.ctx
    for (let i = Math.min(count, steps.length) - 1; i >= 0; i--) {
      const step = steps[i]!
      try {
        // A step that failed, or never ran, changed nothing: leave the file alone (it may be one that
        // cannot be written at all).
        if (!(await this.tookEffect(step))) continue
        // Only reached for an image that was never put in place.
        if (step.prior === 'lost') continue
        if (step.prior) await objects.place(step.path, step.prior, false)
        else if (step.next) await objects.remove(step.path)
      } catch (err) {
        throw new StepError(step, 'restore', err)
      }
    }
  }

  /** Whether a step's change is there: its new content in place, or its file gone. */
  private async tookEffect(step: Step): Promise<boolean> {
    const { objects } = this.ctx
    if (this.unverified.has(step)) return true
    if (step.next) return objects.placed(step.path, step.next)
    return step.prior !== undefined && !(await objects.exists(step.path))
  }

  /** Finishes or undoes a dead run's commit, from its journal, before anything else happens in the folder. */
  private async recover(journal: Journal, lock: FolderLock): Promise<void> {
    const { objects, log } = this.ctx
    const dir = objects.url(folderOf(journal.steps[0]?.path ?? '')) + '/'
    let direction = journal.phase
    // The image, once put in place here: not put again below (a staged upload goes in only once).
    let placedHere: Step | undefined
    if (direction === 'forward') {
      const image = journal.steps.findIndex((s) => s.image)
      const step = journal.steps[image]
      const present = step?.next ? await objects.placed(step.path, step.next) : true
      if (!present) {
        try {
          // Its content must still be there to be put in place.
          await objects.place(step!.path, step!.next!, step!.exclusive ?? false)
          placedHere = step
        } catch (err) {
          if (err instanceof PlacedUnverified) {
            log.warning(`${err.message}; the store confirmed the request, so the commit goes on`)
            placedHere = step
          } else if (!(err instanceof NotPlaceable)) throw err
          else direction = 'backward'
        }
      }
    }
    if (direction === 'forward') {
      log.info(`Finishing the commit another run left unfinished in ${dir}`)
      // Each path as its last step leaves it, in the journal's order: a step a later one overrides (the
      // removal of the earlier checksum file, which the new one replaces) is not done again, or it would
      // take away a file its own step may no longer place (a staged file goes into place only once).
      const last = new Map(journal.steps.map((step, i) => [step.path, i]))
      for (const [i, step] of journal.steps.entries()) {
        if (last.get(step.path) !== i || step === placedHere) continue
        if (step.next && step.next.kind !== 'data' && (await objects.placed(step.path, step.next))) continue
        await this.runConfirmed(step)
      }
    } else {
      log.info(`Undoing the commit another run left unfinished in ${dir}`)
      await this.undo(
        journal.steps.filter((s) => !(s.image && s.prior === 'lost')),
        journal.steps.length,
      )
    }
    await lock.writeJournal(null)
    for (const step of journal.steps) {
      for (const staged of [step.next, step.prior])
        if (staged && staged !== 'lost' && staged.kind !== 'data') await objects.drop(staged).catch(() => {})
    }
  }

  /**
   * Removes what dead runs left in the lock's folder and the set's folders (never a live run's files:
   * owner.ts). Where the set's folder lies below the lock's (the versioned layout's date folders), every
   * folder below it is looked at, in one listing: a run killed while it published for one date left its
   * files in a folder that no later run publishes to.
   */
  private async sweep(lockDir: string, setDirs: string[]): Promise<void> {
    const { objects, owner, log } = this.ctx
    const now = Date.now()
    const below = (dir: string): boolean => dir.startsWith(lockDir ? `${lockDir}/` : '') && dir !== lockDir
    const deep = setDirs.some(below)
    for (const dir of [lockDir, ...setDirs.filter((d) => d !== lockDir && !(deep && below(d)))]) {
      const removed: string[] = []
      const referenced = new Set<string>()
      const listDeep = deep && dir === lockDir
      for (const { name: relative, modified } of await objects.list(dir, listDeep)) {
        const name = relative.slice(relative.lastIndexOf('/') + 1)
        const path = dir ? `${dir}/${relative}` : relative
        const temp = parseTempName(name)
        if (temp) {
          if (sameOwner(temp.owner, owner) || mayBeAlive(temp.owner, now)) {
            if (temp.kind === 'upload') referenced.add(path)
            continue
          }
          await objects.removeTemp(path, temp.kind).then(
            () => removed.push(relative),
            (err: unknown) =>
              log.warning(`could not remove ${objects.url(path)}, left by a run that ended: ${String(err)}`),
          )
        } else if (isLegacyTemp(name) && modified !== undefined && now - modified > LEGACY_TEMP_AGE_MS) {
          await objects.remove(path).then(
            () => removed.push(relative),
            () => {},
          )
        }
      }
      if (objects.sweepUploads)
        removed.push(...(await objects.sweepUploads(dir, referenced, listDeep).catch(() => [])))
      if (removed.length > 0)
        log.info(`Removed what runs that ended left in ${objects.url(dir)}/: ${removed.join(', ')}`)
    }
  }

  async abort(): Promise<void> {
    await this.ctx.staging.discard().catch(() => {})
    if (this.handedOver) return
    for (const staged of this.staged.values()) {
      const s = await staged.catch(() => undefined)
      if (s) await this.ctx.objects.drop(s).catch(() => {})
    }
    this.staged.clear()
    if (!this.published) this.end()
  }

  end(): void {
    this.unnote?.()
    this.unnote = undefined
  }

  /** What a run abandoned now would leave: uploads on a bucket are not removed on exit (cleanup.ts). */
  private noteStaged(path: string): void {
    if (this.unnote || !this.ctx.staging.outlivesExit) return
    this.note(`what it uploaded to ${this.ctx.objects.url(folderOf(path))}/ is removed by a later run there`)
  }

  private note(text: string): void {
    this.end()
    this.unnote = noteWhileRunning(text)
  }
}

/** Before anything is touched (reading the earlier files, keeping the image aside): the set is as it was. */
function prepareFailure(objects: Objects, set: SetCommit): (err: unknown) => never {
  return (err) => {
    throw new CommitFailure(
      `${describeFailure(err)}; the earlier set in ${objects.url(folderOf(set.image))}/ is intact`,
      { cause: err },
    )
  }
}

/** A step of a commit that failed: which file, which operation, why. */
export class StepError extends Error {
  readonly step: Step
  readonly op: string

  constructor(step: Step, op: string, cause: unknown) {
    super(`could not ${op} ${step.path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    })
    this.step = step
    this.op = op
  }
}

function describeFailure(err: unknown, fallback?: Step): string {
  if (err instanceof StepError) {
    const name = err.step.path.slice(err.step.path.lastIndexOf('/') + 1)
    const [verb, ...rest] = err.op.split(' ')
    return `could not ${[verb, name, ...rest].join(' ')} (${reason(err.cause)})`
  }
  if (fallback && err instanceof Error && err.name === 'AbortError') return `stopped (${err.message})`
  return err instanceof Error ? err.message : String(err)
}

/** The short why of an error: an errno code, an HTTP status, or the message. */
export function reason(err: unknown): string {
  const e = err as { code?: unknown; cause?: unknown; message?: string }
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code
  return e?.message ?? String(err)
}

function isJournal(value: unknown): value is Journal {
  return (value as Journal | undefined)?.v === 1 && Array.isArray((value as Journal).steps)
}

function folderOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')))
}

function folders(paths: string[]): string[] {
  return [...new Set(paths.map(folderOf))]
}
