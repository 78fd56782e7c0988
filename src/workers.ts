/**
 * Where a worker thread's entry file is: next to the bundle in dist/ (scripts/bundle.mjs names them),
 * or the TypeScript source when running from src/ (tests, Node's type stripping).
 */
const SOURCES = { 'lz4-worker': './lz4/worker.ts', 'hash-worker': './hash-worker.ts' } as const

export function workerUrl(entry: keyof typeof SOURCES): URL {
  return new URL(import.meta.url.endsWith('.ts') ? SOURCES[entry] : `./${entry}.js`, import.meta.url)
}
