import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/**
 * Where a worker thread's (or a child process's) entry file is: next to the bundle in dist/ (scripts/bundle.mjs names them),
 * or the TypeScript source when running from src/ (tests, Node's type stripping).
 */
const SOURCES = {
  'lz4-worker': '../lz4/worker.ts',
  'hash-worker': '../pipeline/hash-worker.ts',
  'rpmdb-reader': '../packages/rpm/child.ts',
} as const

export function workerUrl(entry: keyof typeof SOURCES): URL {
  return new URL(import.meta.url.endsWith('.ts') ? SOURCES[entry] : `./${entry}.js`, import.meta.url)
}

/**
 * The nice value of the threads that only compress or hash, when the rootfs comes from docker (an export
 * or a BuildKit build): they can always catch up, the producer cannot. With every core compressing, a
 * producer at the same priority gets starved (the README's benchmark section has the figures).
 */
export const BACKGROUND_NICE = 10

/** Lowers the calling thread's priority; on Linux a nice value belongs to a thread, not the process. */
export function runInBackground(): void {
  try {
    setPriority(BACKGROUND_NICE)
  } catch {
    // Best effort: a platform or sandbox that refuses it just runs at normal priority.
  }
}

/**
 * The same for libuv's thread pool, where lz4-napi compresses at the fast level: those threads run no
 * JavaScript of ours, so they are found by name. The pool starts all its threads at its first use.
 */
export function runThreadPoolInBackground(): void {
  if (process.platform !== 'linux') return
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'libuv-worker')
        setPriority(Number(tid), BACKGROUND_NICE)
    }
  } catch {
    // As above: best effort.
  }
}
