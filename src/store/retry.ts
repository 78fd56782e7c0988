import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { StageError } from '../util/errors.ts'
import { formatSeconds } from '../util/log.ts'

/**
 * Requests made inside `shielded.run(signal, ...)` are bound to that signal instead of the store's (which
 * cancellation and the time budget abort): a commit past its point of no return finishes its few small
 * writes rather than stopping half-way.
 */
export const shielded = new AsyncLocalStorage<AbortSignal>()

/** How long each wait on the network may take, besides the whole publication's budget. */
export interface Timeouts {
  /** TCP (and TLS) connection. */
  connectMs: number
  /** No byte moving either way on an open connection, including the wait for the first byte of the answer. */
  idleMs: number
  /** One attempt of a small request, start to end (a server that drips its answer byte by byte). */
  requestMs: number
  /** No successful answer from the endpoint for this long, while requests kept failing: it is dead. */
  deadAfterMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 10_000,
  idleMs: 20_000,
  requestMs: 60_000,
  deadAfterMs: 60_000,
}

/** The defaults with what a test's tuning sets instead. */
export function timeoutsFrom(tuning: Partial<Timeouts>): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS }
  for (const key of ['connectMs', 'idleMs', 'requestMs', 'deadAfterMs'] as const)
    if (tuning[key] !== undefined) out[key] = tuning[key]
  return out
}

/** 1h, 30m, 90s: a budget as the input is written. */
export function formatBudget(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`
}

/**
 * One endpoint's record: when it last answered and since when it has been failing, and how many
 * requests were retried. Shared by every request to it, so parallel part uploads that all fail make one
 * verdict: a dead endpoint fails the run within deadAfterMs, naming it and the last error.
 */
export class Health {
  readonly endpoint: string
  readonly deadAfterMs: number
  retries = 0
  private failingSince: number | undefined
  private lastError: unknown

  constructor(endpoint: string, deadAfterMs: number) {
    this.endpoint = endpoint
    this.deadAfterMs = deadAfterMs
  }

  ok(): void {
    this.failingSince = undefined
  }

  /** How long an attempt may take before the endpoint would count as dead; undefined while it is well. */
  remainingMs(): number | undefined {
    if (this.failingSince === undefined) return undefined
    return Math.max(1, Math.ceil(this.deadAfterMs - (performance.now() - this.failingSince)))
  }

  /**
   * Records a failed attempt that started at `started`; whether the endpoint counts as dead by the time
   * a retry after `delayMs` would start (no point in waiting for that).
   */
  failed(started: number, err: unknown, delayMs = 0): boolean {
    this.failingSince = Math.min(this.failingSince ?? started, started)
    this.lastError = err
    return performance.now() + delayMs - this.failingSince >= this.deadAfterMs
  }

  /**
   * One request that kept failing for deadAfterMs while others to the endpoint were answered (the lock's
   * renewals, say): as good as dead for this run, which cannot go on without it.
   */
  stuckError(what: string, attempts: number, since: number, err: unknown): StageError {
    return new StageError(
      'store',
      `${what}: failed for ${formatSeconds(performance.now() - since)} (${attempts} attempts; ${this.endpoint} answered other requests meanwhile); last error: ${describe(err)}`,
      { cause: err },
    )
  }

  deadError(what: string, attempts: number): StageError {
    const s = formatSeconds(performance.now() - (this.failingSince ?? performance.now()))
    return new StageError(
      'store',
      `${what}: every request to ${this.endpoint} failed for ${s} (${attempts} attempts of this one, ${this.retries} retries in this run); last error: ${describe(this.lastError)}`,
      { cause: this.lastError },
    )
  }
}

export interface RetryPolicy {
  /** performance.now() after which nothing is attempted: the upload-timeout budget. */
  deadline: number
  /** First backoff; each retry doubles the cap, up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
  /** Cancellation and the budget: aborts waits and requests. */
  signal?: AbortSignal
  health?: Health
  /** One attempt's limit; undefined: the client's own timeouts only. */
  attemptMs?: number
  /** Told about each retry, for the log. */
  onRetry?: (what: string, attempt: number, delayMs: number, error: unknown) => void
}

export function retryPolicy(budgetMs: number, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { deadline: performance.now() + budgetMs, baseDelayMs: 250, maxDelayMs: 20_000, ...overrides }
}

/** Gave up: the last transient error, after the budget ran out. */
export class RetryBudgetError extends StageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store', message, options)
    this.name = 'RetryBudgetError'
  }
}

/** The signal a request is bound to: the commit's shield, else the given one. */
export function requestSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return shielded.getStore() ?? signal
}

/**
 * Runs `fn` until it succeeds, retrying what `isTransient` calls transient with exponential backoff
 * and full jitter (so parallel parts do not retry in lockstep), as long as the budget lasts and the
 * endpoint is not dead. Each attempt gets a signal that ends it after `attemptMs`. Anything else fails
 * at once.
 */
export async function withRetry<T>(
  what: string,
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  isTransient: (err: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  const outer = requestSignal(policy.signal)
  // Since its first failure ended: the endpoint's verdict is reset by any request to it that succeeds,
  // this request's only by its own success. Counted from the end, and never cutting an attempt short,
  // so a slow request (an S3 part may take 180 s) with one reset gets its full retry.
  let failingSince: number | undefined
  const window = policy.health?.deadAfterMs ?? Infinity
  for (let attempt = 1; ; attempt++) {
    outer?.throwIfAborted()
    const started = performance.now()
    // An endpoint failing for a while gets no attempt that outlasts its verdict.
    const limit = Math.min(policy.attemptMs ?? Infinity, policy.health?.remainingMs() ?? Infinity)
    const timeout = Number.isFinite(limit) ? AbortSignal.timeout(Math.ceil(limit)) : undefined
    const signal = timeout && outer ? AbortSignal.any([outer, timeout]) : (timeout ?? outer)
    try {
      const result = await fn(attempt, signal)
      policy.health?.ok()
      return result
    } catch (err) {
      if (outer?.aborted) throw outer.reason
      const timedOut = timeout?.aborted === true
      const error = timedOut
        ? Object.assign(new Error(`no complete answer within ${formatSeconds(limit)}`), {
            name: 'TimeoutError',
            cause: err,
          })
        : err
      if (!timedOut && !isTransient(err)) {
        // An answer, if a refusal: the endpoint is there.
        policy.health?.ok()
        throw err
      }
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.random() * cap
      if (policy.health?.failed(started, error, delay)) throw policy.health.deadError(what, attempt)
      if (failingSince === undefined) failingSince = performance.now()
      else if (performance.now() + delay - failingSince >= window)
        throw policy.health!.stuckError(what, attempt, failingSince, error)
      if (performance.now() + delay >= policy.deadline)
        throw new RetryBudgetError(
          `${what}: still failing after ${attempt} attempts when the upload-timeout budget ran out: ${describe(error)}`,
          { cause: error },
        )
      if (policy.health) policy.health.retries++
      policy.onRetry?.(what, attempt, delay, error)
      await sleep(delay, undefined, outer ? { signal: outer } : {}).catch(() => outer?.throwIfAborted())
    }
  }
}

/**
 * The store's own end: cancellation, or the time budget (upload-timeout) running out, which is a hard
 * ceiling: every request in flight is stopped then, whatever it waits for.
 */
export function ceiling(budgetMs: number, signal: AbortSignal | undefined, label: string): AbortSignal {
  const budget = new AbortController()
  const timer = setTimeout(
    () => budget.abort(new StageError('store', `the ${label} ran out`)),
    Math.min(budgetMs, 2 ** 31 - 1),
  )
  timer.unref()
  return signal ? AbortSignal.any([signal, budget.signal]) : budget.signal
}

/**
 * The error for a request that `signal` stopped (the run was cancelled, or its budget ran out); undefined
 * when `err` is another failure.
 */
export function stopped(what: string, err: unknown, signal: AbortSignal): StageError | undefined {
  if (!signal.aborted || err !== signal.reason) return undefined
  return new StageError(
    'store',
    typeof err === 'string'
      ? `${what}: stopped (cancelled: ${err})`
      : `${what}: stopped, ${(err as Error).message}`,
    { cause: err },
  )
}

/** Awaits `promise`, but no longer than `signal` lets: a client call that cannot be aborted is left behind. */
export async function until<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  const code = (err as { code?: string | number }).code
  const cause = (err as { cause?: unknown }).cause
  // A DOMException's numeric code (23 for a timeout) says nothing its name does not.
  const base = [
    err.name !== 'Error' ? err.name : '',
    status ? `HTTP ${status}` : '',
    typeof code === 'string' || !(err instanceof DOMException) ? (code ?? '') : '',
    err.message,
  ]
    .filter(Boolean)
    .join(': ')
  return err.name === 'TimeoutError' && cause instanceof Error ? `${base} (${describe(cause)})` : base
}
