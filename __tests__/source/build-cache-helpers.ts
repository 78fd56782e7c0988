import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { type CacheKeyOptions } from '../../src/source/cache-key.ts'
import { NO_BUILDX_OPTIONS, type BuildConfig } from '../../src/source/config.ts'
import type { Log } from '../../src/util/log.ts'

export function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (line) => lines.push(`info: ${line}`),
    warning: (line) => lines.push(`warning: ${line}`),
    debug() {},
    group: (_name, fn) => fn(),
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Every entry under `dir` with its mode and content: "the same tree" in one comparison. */
export function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const path = join(e.parentPath, e.name)
      const rel = relative(dir, path)
      if (e.isSymbolicLink()) return `${rel} -> ${readlinkSync(path)}`
      const mode = (statSync(path).mode & 0o7777).toString(8)
      if (e.isDirectory()) return `${rel}/ ${mode}`
      return `${rel} ${mode} ${sha256(readFileSync(path))}`
    })
    .sort()
}

// --- cacheKey ---------------------------------------------------------------------------------------------

export const BUILD: BuildConfig = {
  context: '.',
  file: '',
  buildArgs: [
    ['DEBIAN_MIRROR', 'http://deb.debian.org/debian'],
    ['APT_TOKEN', 'hunter2-s3cr3t'],
  ],
  target: '',
  platform: 'linux/amd64',
  noCache: false,
  pull: false,
  labels: [],
  buildkit: 'auto',
  buildx: NO_BUILDX_OPTIONS,
}
export const OPTS: CacheKeyOptions = {
  contextDigest: `sha256:${'c'.repeat(64)}`,
  dockerfileDigest: `sha256:${'d'.repeat(64)}`,
  os: 'debian-12',
}
