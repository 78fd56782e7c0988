import { setPriority } from 'node:os'

/**
 * Where a worker thread's (or a child process's) entry file is: next to the bundle in dist/ (scripts/bundle.mjs names them),
 * or the TypeScript source when running from src/ (tests, Node's type stripping).
 */
const SOURCES = {
  'lz4-worker': '../lz4/worker.ts',
  'hash-worker': '../pipeline/hash-worker.ts',
  'read-ahead-worker': '../pipeline/read-ahead-worker.ts',
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
