import type { Config } from '../config/types.ts'
import { findCredentials, openStore } from '../store/open.ts'
import { currentNotes, runExitCleanups } from '../util/cleanup.ts'
import { holdSignals, takeHeldSignal } from '../util/entry.ts'
import { errorMessage, StageError } from '../util/errors.ts'
import { silentLog } from '../util/log.ts'
import { promote } from './promote.ts'
import { publish } from './publish.ts'
import type { RunResult } from './result.ts'
import type { RunContext, RunOptions } from './run-options.ts'

/** A failed image test (input test), for the action's summary and the test's logs artifact. */
export { TestFailure } from '../verify/test.ts'

/**
 * How long a run that must stop (a signal, the upload-timeout) may take to stop on its own: abort what
 * runs, undo a commit not past its point of no return, remove what it staged. After that it is abandoned:
 * temporary files are removed synchronously and the caller exits.
 */
export const STOP_GRACE_MS = 1200

/**
 * One run of the tool, as the action and the CLI do it: open the destination, then publish or promote.
 * Every option has a default (quiet, never cancelled, now, here, outside a workflow run).
 */
export async function runImage(config: Config, options: Partial<RunOptions> = {}): Promise<RunResult> {
  const full: RunOptions = {
    ...options,
    log: options.log ?? silentLog,
    signal: options.signal ?? new AbortController().signal,
    ctx: options.ctx ?? localContext(),
  }
  const store = await openStore(config.destination, config.store, {
    signal: full.signal,
    log: full.log,
    ...(options.storeTuning ? { tuning: options.storeTuning } : {}),
  })
  const job = config.mode === 'promote' ? promote(config, store, full.log) : publish(config, store, full)
  // The store's budget is a hard ceiling: a run stuck where it cannot be aborted (a pipe that never
  // ends) is abandoned when it runs out, as it is when cancelled.
  return store.signal
    ? abandonAfter(
        job,
        store.signal,
        STOP_GRACE_MS,
        (reason) =>
          new StageError(
            'store',
            `${errorMessage(reason)}: ${currentNotes().join('; ') || 'nothing was published'}`,
          ),
      )
    : job
}

/** A run outside GitHub Actions: now, in the working directory, git tells what is built. */
export function localContext(): RunContext {
  return { now: new Date(), cwd: process.cwd(), run: undefined, head: undefined }
}

/**
 * Whether the client library of a bucket destination finds credentials (instance metadata and workload
 * identity included), bounded in time: the action publishes to a workflow artifact only when it does not.
 */
export async function credentialsFound(destination: string, endpoint = ''): Promise<boolean> {
  return (await findCredentials(destination, { endpoint })).found
}

/**
 * Runs `fn` with a signal that SIGINT and SIGTERM abort (a cancelled workflow sends SIGINT, then
 * SIGTERM): docker is stopped, waits on the network and on locks end, and nothing is published. A run
 * that has not stopped STOP_GRACE_MS after the signal (a read from a pipe that never ends cannot be
 * interrupted), or gets a second signal, is abandoned: its temporary files are removed synchronously and
 * this rejects, so the caller can exit. The handlers stay until the end, so a signal cannot kill the
 * process before it has cleaned up.
 */
export async function withCancellation<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  graceMs = STOP_GRACE_MS,
): Promise<T> {
  const abort = new AbortController()
  let forced: ((err: Error) => void) | undefined
  const cancel = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) return forced?.(cancelled(signal))
    abort.abort(signal)
  }
  process.on('SIGINT', cancel)
  process.on('SIGTERM', cancel)
  // A signal while the modules loaded (entry.ts): the run starts cancelled.
  const early = takeHeldSignal()
  if (early) cancel(early)
  try {
    return await abandonAfter(
      fn(abort.signal),
      abort.signal,
      graceMs,
      (reason) => cancelled(String(reason)),
      (reject) => (forced = reject),
    )
  } finally {
    // Held before ours go: without any listener a signal gets Node's default, death, even between the two.
    holdSignals()
    process.off('SIGINT', cancel)
    process.off('SIGTERM', cancel)
  }
}

function cancelled(signal: string): StageError {
  const notes = currentNotes()
  return new StageError(
    'cancel',
    `cancelled (${signal}): stopped; ${notes.length > 0 ? notes.join('; ') : 'nothing new was published, temporary files removed'}`,
  )
}

/**
 * Settles as `job` does; but once `signal` aborts, waits at most `graceMs` for it, then removes the
 * registered temporary files and rejects with `why(signal.reason)`. `expose` gets the rejecter, to give
 * up at once (a second signal).
 */
function abandonAfter<T>(
  job: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
  why: (reason: unknown) => Error,
  expose?: (reject: (err: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    let settled = false
    const giveUp = (err: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      runExitCleanups()
      reject(err)
    }
    const onAbort = (): void => {
      timer = setTimeout(() => giveUp(why(signal.reason)), graceMs)
    }
    expose?.(giveUp)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    job.then(
      (value) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
