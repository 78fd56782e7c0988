import { describe, expect, test } from 'vitest'
import { Health, retryPolicy, withRetry } from '../../src/store/retry.ts'

// One request that keeps failing while other requests to the same endpoint are answered (the lock's
// renewals every few seconds, during a commit whose PUT hangs each time): the endpoint is not dead, but
// the run cannot go on without that request. It ends within deadAfterMs too, not at the upload-timeout.

describe('a request failing while the endpoint answers others', () => {
  test('gives up after deadAfterMs of its own failures, naming itself and the last error', async () => {
    const health = new Health('http://127.0.0.1:9', 1000)
    // Another request succeeding every 100 ms, as the lock's renewal does.
    const renewals = setInterval(() => health.ok(), 100)
    const started = performance.now()
    try {
      const err = await withRetry(
        'uploading s3://bucket/images/debian/12/sbom.cdx.json',
        async () => {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
        },
        () => true,
        retryPolicy(30_000, { health, baseDelayMs: 20, maxDelayMs: 100 }),
      ).then(
        () => new Error('it succeeded'),
        (e: unknown) => e as Error,
      )
      const ms = performance.now() - started
      expect(err.message).toMatch(
        /^uploading s3:\/\/bucket\/images\/debian\/12\/sbom\.cdx\.json: failed for \d\.\d s \(\d+ attempts; http:\/\/127\.0\.0\.1:9 answered other requests meanwhile\); last error: ECONNRESET: socket hang up$/,
      )
      expect(ms).toBeGreaterThan(800)
      expect(ms).toBeLessThan(2000)
    } finally {
      clearInterval(renewals)
    }
  })

  test('a slow request with one failure gets its whole retry: the count starts when the failure ends', async () => {
    const health = new Health('http://127.0.0.1:9', 1000)
    const renewals = setInterval(() => health.ok(), 100)
    let calls = 0
    try {
      const value = await withRetry(
        'uploading part 3',
        async () => {
          calls++
          // 0.7 s, then a reset; the retry takes 0.5 s: 1.2 s in all, past the 1 s window.
          await new Promise((r) => setTimeout(r, calls === 1 ? 700 : 500))
          if (calls === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
          return 'part 3'
        },
        () => true,
        retryPolicy(30_000, { health, baseDelayMs: 10, maxDelayMs: 20, attemptMs: 2000 }),
      )
      expect([value, calls]).toEqual(['part 3', 2])
    } finally {
      clearInterval(renewals)
    }
  })

  test('a success in between starts its count again', async () => {
    const health = new Health('http://127.0.0.1:9', 1000)
    let calls = 0
    const value = await withRetry(
      'reading x',
      async () => {
        calls++
        if (calls < 4) throw new Error('transient')
        return 'answer'
      },
      () => true,
      retryPolicy(30_000, { health, baseDelayMs: 20, maxDelayMs: 40 }),
    )
    expect([value, calls]).toEqual(['answer', 4])
  })

  test("a timeout's message says so, without a DOMException's numeric code", async () => {
    const health = new Health('http://127.0.0.1:9', 300)
    const err = await withRetry(
      'reading y',
      async (_attempt, signal) => {
        await new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
      },
      () => true,
      retryPolicy(30_000, { health, baseDelayMs: 10, maxDelayMs: 20, attemptMs: 100 }),
    ).catch((e: unknown) => e as Error)
    expect(String((err as Error).message)).toMatch(/last error: TimeoutError: no complete answer within/)
    expect(String((err as Error).message)).not.toMatch(/\b23\b/)
  })
})
