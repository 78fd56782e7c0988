import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { workerUrl } from '../../util/workers.ts'
import type { ChildAnswer, ChildRequest } from './child.ts'
import { RPMDB_LIMITS, RpmDbLimitError, type RpmDb, type RpmDbLimits } from './db.ts'
import { RpmDbError } from './error.ts'

/** What reading one database in its own process may take, besides RpmDbLimits. */
export interface IsolationLimits extends RpmDbLimits {
  /** Wall time, from the start of the process (a real database of 5,000 packages takes about a second). */
  ms: number
  /** Resident memory of the process (Node itself takes about 50 MB of it). */
  rssBytes: number
  /** The V8 heap of the process, in MB: the packages read so far live there. */
  heapMb: number
}

export const ISOLATION_LIMITS: IsolationLimits = {
  ...RPMDB_LIMITS,
  ms: 60_000,
  rssBytes: 512 << 20,
  heapMb: 256,
}

/** How often the process's memory is looked at. */
const WATCH_MS = 50

/**
 * Reads the rpm database in the file `file` (a private copy, with its `-wal` beside it if there is one)
 * in a process of its own, which is killed when it takes longer than `limits.ms`, holds more than
 * `limits.rssBytes`, or `signal` aborts: sqlite on a hostile database can run without returning to
 * JavaScript (a view that never yields a row), and only a process can be stopped there. Throws
 * RpmDbError (RpmDbLimitError for a limit), or the signal's reason when it aborted.
 */
export async function readRpmDbIsolated(
  file: string,
  { signal, limits = ISOLATION_LIMITS }: { signal?: AbortSignal; limits?: IsolationLimits } = {},
): Promise<RpmDb> {
  signal?.throwIfAborted()
  const request: ChildRequest = { file, limits: { rows: limits.rows, headerBytes: limits.headerBytes } }
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${limits.heapMb}`,
      '--no-warnings',
      fileURLToPath(workerUrl('rpmdb-reader')),
      JSON.stringify(request),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: {} },
  )
  const out: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
  let stopped: Error | undefined
  const stop = (why: Error): void => {
    stopped ??= why
    child.kill('SIGKILL')
  }
  const timer = setTimeout(
    () => stop(new RpmDbLimitError(`reading it took longer than ${limits.ms / 1000} s: stopped`)),
    limits.ms,
  )
  const watch = setInterval(() => {
    void rssOf(child.pid).then((rss) => {
      if (rss > limits.rssBytes)
        stop(new RpmDbLimitError(`reading it took more than ${limits.rssBytes >> 20} MiB of memory: stopped`))
    })
  }, WATCH_MS)
  const onAbort = (): void =>
    stop(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (c, s) => resolve([c, s]))
    })
    if (signal?.aborted) throw signal.reason
    if (stopped) throw stopped
    if (code !== 0) {
      const outOfMemory = /heap out of memory|Allocation failed/.test(stderr)
      throw new RpmDbLimitError(
        outOfMemory
          ? `reading it took more than its ${limits.heapMb} MB of heap: stopped`
          : `the process reading it failed (${killedBy ?? `exit code ${code}`}): ${stderr.trim().split('\n').at(-1) ?? ''}`,
      )
    }
    const answer = JSON.parse(Buffer.concat(out).toString('utf8')) as ChildAnswer
    if ('error' in answer) {
      const { message, limit } = answer.error
      // The message already names the row; the hnum is kept for callers that look at it.
      const err = limit ? new RpmDbLimitError(message) : new RpmDbError(message)
      Object.defineProperty(err, 'hnum', { value: answer.error.hnum })
      throw err
    }
    const { packages, qa } = answer.ok
    return { packages, qa: Buffer.from(qa, 'base64'), count: packages.length }
  } finally {
    clearTimeout(timer)
    clearInterval(watch)
    signal?.removeEventListener('abort', onAbort)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

/** The resident memory of a process, from /proc (0 where there is none: the time limit still holds). */
async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    return kb ? Number(kb) * 1024 : 0
  } catch {
    return 0
  }
}
