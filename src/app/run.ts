import type { Config } from '../config/types.ts'
import { openStore } from '../store/open.ts'
import { silentLog } from '../util/log.ts'
import { promote } from './promote.ts'
import { publish } from './publish.ts'
import type { RunResult } from './result.ts'
import type { RunContext, RunOptions } from './run-options.ts'

/** A failed image test (input test), for the action's summary and the test's logs artifact. */
export { TestFailure } from '../verify/test.ts'

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
  const store = await openStore(config.destination, config.store, options.storeTuning)
  return config.mode === 'promote' ? promote(config, store, full.log) : publish(config, store, full)
}

/** A run outside GitHub Actions: now, in the working directory, git tells what is built. */
export function localContext(): RunContext {
  return { now: new Date(), cwd: process.cwd(), run: undefined, head: undefined }
}

/**
 * Runs `fn` with a signal that SIGINT and SIGTERM abort (a cancelled workflow sends SIGINT, then
 * SIGTERM): docker is stopped and nothing is published. The handlers stay until the end, so a second
 * signal cannot kill the process before it has cleaned up.
 */
export async function withCancellation<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController()
  const cancel = (signal: NodeJS.Signals): void => abort.abort(signal)
  process.on('SIGINT', cancel)
  process.on('SIGTERM', cancel)
  try {
    return await fn(abort.signal)
  } finally {
    process.off('SIGINT', cancel)
    process.off('SIGTERM', cancel)
  }
}
