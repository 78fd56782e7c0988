import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { StoreOptions, StoreTuning } from '../../src/store/options.ts'
import { startPeer, type Peer, type PeerKind } from '../helpers/peers.ts'

// Every network wait has its own timeout, retries are counted and back off, and an endpoint that never
// answers well fails the run within deadAfterMs, naming it and the last error; upload-timeout stops
// everything. Loopback stand-ins (helpers/peers.ts) play the misbehaving store: no Swift, no emulator.
// The times are scaled down by tuning (connect 0.5 s, idle 0.4 s, attempt 1 s, dead after 2 s); the
// defaults are 10 s, 20 s, 60 s and 60 s.

const TUNING: StoreTuning = {
  connectMs: 500,
  idleMs: 400,
  requestMs: 1000,
  deadAfterMs: 2000,
  baseDelayMs: 20,
}
const options = (endpoint: string, uploadTimeoutMs = 3_600_000): StoreOptions => ({
  endpoint,
  cacheControl: '',
  acl: '',
  predefinedAcl: '',
  uploadTimeoutMs,
})

const peers: Peer[] = []
const peer = async (kind: PeerKind): Promise<Peer> => {
  const p = await startPeer(kind)
  peers.push(p)
  return p
}
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close()
})

/** Nothing short but the budget. */
const LONG: StoreTuning = { ...TUNING, idleMs: 60_000, requestMs: 60_000, deadAfterMs: 60_000 }

/** A read from a silent endpoint stops when the 0.8 s of upload-timeout run out, whatever else waits. */
async function stopsAtTheCeiling(
  store: { read(path: string): Promise<unknown> },
  url: string,
): Promise<void> {
  const { ms, message } = await failure(store.read('debian/12/versions.json'))
  expect(message).toBe(`reading ${url}/debian/12/versions.json: stopped, the upload-timeout of 0.8s ran out`)
  expect(ms).toBeLessThan(1500)
}

/** How long `promise` takes to reject, and with what. */
async function failure(promise: Promise<unknown>): Promise<{ ms: number; message: string }> {
  const started = performance.now()
  const err = await promise.then(
    () => new Error('it succeeded'),
    (e: unknown) => e as Error,
  )
  return { ms: performance.now() - started, message: err.message }
}

describe('S3: each wait bounded, a dead endpoint named within deadAfterMs', () => {
  const saved = { ...process.env }
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSTANDIN'
    process.env.AWS_SECRET_ACCESS_KEY = 'standin'
  })
  afterAll(() => {
    process.env = saved
  })

  const store = async (endpoint: string, uploadTimeoutMs?: number, tuning: StoreTuning = TUNING) => {
    const { S3Store } = await import('../../src/store/s3.ts')
    return new S3Store('bucket', 'images', options(endpoint, uploadTimeoutMs), { tuning })
  }

  test.each([
    [
      'silent (accepts, never answers)',
      { kind: 'silent' } as PeerKind,
      /no complete answer within|timed out/,
    ],
    ['resetting every connection', { kind: 'reset' } as PeerKind, /ECONNRESET|socket hang up/],
    [
      'answering 500',
      { kind: 'status', status: 500, format: 'xml' } as PeerKind,
      /InternalError: HTTP 500: stand-in failure/,
    ],
    [
      'dripping its answer a byte at a time',
      { kind: 'drip', dripMs: 50 } as PeerKind,
      /no complete answer within/,
    ],
  ])(
    '%s: retried with backoff, then it fails naming the endpoint and the last error',
    async (_name, kind, last) => {
      const p = await peer(kind)
      const s = await store(p.endpoint)
      const { ms, message } = await failure(s.read('debian/12/versions.json'))
      expect(message).toMatch(
        new RegExp(
          `^reading s3://bucket/images/debian/12/versions.json: every request to ${p.endpoint} failed for \\d\\.\\d s \\((\\d+) attempts of this one, (\\d+) retries in this run\\); last error: `,
        ),
      )
      expect(message).toMatch(last)
      // Given up when the next attempt would come after deadAfterMs: no sooner than the backoff allows,
      // no later than deadAfterMs and one attempt.
      expect(ms).toBeGreaterThan(300)
      expect(ms).toBeLessThan(3200)
      // Retried, and counted, but with backoff: not hundreds of attempts in two seconds.
      expect(s.health.retries).toBeGreaterThanOrEqual(1)
      expect(p.requests).toBeGreaterThanOrEqual(2)
      expect(p.requests).toBeLessThan(40)
    },
  )

  test('upload-timeout is a hard ceiling: a silent endpoint stops the run when it runs out', async () => {
    const p = await peer({ kind: 'silent' })
    await stopsAtTheCeiling(await store(p.endpoint, 800, LONG), 's3://bucket/images')
  })

  test('the access check against a silent endpoint fails within deadAfterMs; nothing hangs', async () => {
    const p = await peer({ kind: 'silent' })
    const s = await store(p.endpoint)
    const tx = await failure(s.begin([]))
    expect(tx.message).toMatch(/^checking access: every request to .* failed for 2\.\d s/)
  })

  test('cancelling stops a request in flight at once', async () => {
    const p = await peer({ kind: 'silent' })
    const { S3Store } = await import('../../src/store/s3.ts')
    const cancel = new AbortController()
    const s = new S3Store('bucket', 'images', options(p.endpoint), { signal: cancel.signal, tuning: LONG })
    setTimeout(() => cancel.abort('SIGINT'), 300)
    const { ms, message } = await failure(s.read('debian/12/versions.json'))
    expect(message).toBe('reading s3://bucket/images/debian/12/versions.json: stopped (cancelled: SIGINT)')
    expect(ms).toBeLessThan(800)
  })
})

describe('GCS: no crash on a 500, each wait bounded', () => {
  const saved = process.env.STORAGE_EMULATOR_HOST
  afterAll(() => {
    if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST
    else process.env.STORAGE_EMULATOR_HOST = saved
  })

  const store = async (endpoint: string, uploadTimeoutMs?: number, tuning: StoreTuning = TUNING) => {
    process.env.STORAGE_EMULATOR_HOST = endpoint
    const { GcsStore } = await import('../../src/store/gcs.ts')
    return new GcsStore('bucket', 'images', options('', uploadTimeoutMs), { tuning })
  }

  test.each([
    ['answering 500', { kind: 'status', status: 500, format: 'json' } as PeerKind, /500: .*stand-in failure/],
    ['silent', { kind: 'silent' } as PeerKind, /no complete answer within/],
    [
      'resetting every connection',
      { kind: 'reset' } as PeerKind,
      /ECONNRESET|socket hang up|other side closed|fetch failed/,
    ],
  ])(
    '%s: a read fails naming the endpoint and the last error, and the process does not crash',
    async (_n, kind, last) => {
      const p = await peer(kind)
      const s = await store(p.endpoint)
      // The client's own retries of a streamed download crashed the process with ERR_STREAM_UNABLE_TO_PIPE
      // (an uncaught exception vitest reports as a failed run).
      const { ms, message } = await failure(s.read('debian/12/versions.json'))
      expect(message).toMatch(
        new RegExp(
          `^reading gs://bucket/images/debian/12/versions.json: every request to ${p.endpoint} failed for \\d\\.\\d s`,
        ),
      )
      expect(message).toMatch(last)
      expect(ms).toBeLessThan(3200)
      expect(p.requests).toBeGreaterThanOrEqual(2)
    },
  )

  test('the image upload to an endpoint answering 500 fails cleanly, naming the upload and the 500', async () => {
    // Listing (the access check) works; uploads get 500.
    const p = await peer({ kind: 'status', status: 500, format: 'json', only: /\/upload\// })
    const s = await store(p.endpoint)
    const tx = await s.begin(['debian/12'])
    const source = new PassThrough()
    source.end(Buffer.alloc(3 << 20, 1))
    const { ms, message } = await failure(pipeline(source, tx.createWriteStream('debian/12/img.tar.lz4')))
    expect(message).toMatch(
      /^uploading gs:\/\/bucket\/images\/debian\/12\/\.img\.tar\.lz4\.mi-[^ ]+\.partial in bucket gs:\/\/bucket failed: .*500.*stand-in failure/,
    )
    expect(ms).toBeLessThan(10_000)
    await tx.abort()
  })

  test('upload-timeout is a hard ceiling', async () => {
    const p = await peer({ kind: 'silent' })
    await stopsAtTheCeiling(await store(p.endpoint, 800, LONG), 'gs://bucket/images')
  })
})
