import type { PlanContext } from '../release/plan.ts'
import type { StoreTuning } from '../store/options.ts'
import type { Log } from '../util/log.ts'

export interface RunOptions {
  log: Log
  /** Cancels the run: docker is stopped and nothing is published. */
  signal: AbortSignal
  /** When, where and in which workflow run, and what is being built (for build.yaml). */
  ctx: RunContext
  progressIntervalMs?: number
  /**
   * A folder that also gets the image and its companion files as they are written (the workflow
   * artifact of a run that publishes to a bucket).
   */
  localCopy?: string
  /** Tests only: shorter store timeouts, retry delays and lock leases. */
  storeTuning?: StoreTuning
}

export interface RunContext extends PlanContext {
  /** The repository, ref and commit being built; undefined: ask git in `cwd`. */
  head: { repository: string; ref: string; commit: string } | undefined
}

/** Runs the phases of a job, each in a log group, and keeps how long each took. */
export class Phases {
  readonly timings: { stage: string; ms: number }[] = []
  private readonly log: Log

  constructor(log: Log) {
    this.log = log
  }

  /** A log group whose time is not a stage of its own. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    return this.log.group(title, fn)
  }

  /** A log group whose time is reported as `stage`. */
  run<T>(title: string, stage: string, fn: () => Promise<T>): Promise<T> {
    return this.log.group(title, async () => {
      const start = performance.now()
      try {
        return await fn()
      } finally {
        this.timings.push({ stage, ms: performance.now() - start })
      }
    })
  }
}
