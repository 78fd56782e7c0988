import { setTimeout as sleep } from 'node:timers/promises'

export interface RetryPolicy {
  /** performance.now() after which no new attempt starts: the upload-timeout budget. */
  deadline: number
  /** First backoff; each retry doubles the cap, up to maxDelayMs. */
  baseDelayMs: number
  maxDelayMs: number
  signal?: AbortSignal
  /** Told about each retry, for the log. */
  onRetry?: (what: string, attempt: number, delayMs: number, error: unknown) => void
}

export function retryPolicy(budgetMs: number, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { deadline: performance.now() + budgetMs, baseDelayMs: 250, maxDelayMs: 20_000, ...overrides }
}

/** Gave up: the last transient error, after the budget ran out. */
export class RetryBudgetError extends Error {}

/**
 * Runs `fn` until it succeeds, retrying what `isTransient` calls transient with exponential backoff
 * and full jitter (so parallel parts do not retry in lockstep), as long as the budget lasts. Anything
 * else fails at once.
 */
export async function withRetry<T>(
  what: string,
  fn: (attempt: number) => Promise<T>,
  isTransient: (err: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    policy.signal?.throwIfAborted()
    try {
      return await fn(attempt)
    } catch (err) {
      if (!isTransient(err) || policy.signal?.aborted) throw err
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
      const delay = Math.random() * cap
      if (performance.now() + delay >= policy.deadline)
        throw new RetryBudgetError(
          `${what}: still failing after ${attempt} attempts when the upload-timeout budget ran out: ${describe(err)}`,
          { cause: err },
        )
      policy.onRetry?.(what, attempt, delay, err)
      await sleep(delay, undefined, { signal: policy.signal })
    }
  }
}

export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  const code = (err as { code?: string }).code
  return [err.name !== 'Error' ? err.name : '', status ? `HTTP ${status}` : '', code ?? '', err.message]
    .filter(Boolean)
    .join(': ')
}
