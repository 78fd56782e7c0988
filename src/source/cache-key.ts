import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import { join, posix, resolve } from 'node:path'
import { errorMessage, StageError } from '../util/errors.ts'
import type { BuildConfig } from './config.ts'

/**
 * The build cache's key: what decides a build's result (see build-cache.ts for how the cache is kept).
 */

const KEY_PREFIX = 'metal-image-buildkit-'
/** Hex digits of each digest in a key: 64 bits each, far from colliding among one repository's caches. */
const SEGMENT = 16

export interface CacheKeyOptions {
  /** `contextDigest()` of the build context. For a remote context (git or https URL), a digest of the URL. */
  contextDigest: string
  /** `fileDigest()` of the Dockerfile (`dockerfilePath(build)`). */
  dockerfileDigest: string
  /** The OS the image is of, e.g. `debian-12` (os-name and os-version); a segment of every key. */
  os?: string
}

export interface CacheKeys {
  key: string
  /** Most specific first, as @actions/cache tries them (each is a prefix of `key`). */
  restoreKeys: string[]
}

/**
 * The cache key of a build, and the restore keys for partial hits:
 *
 *     metal-image-buildkit-<platform>-<os>_<dockerfile>_<args and target>_<context>
 *
 * each `<...>` after the OS being 16 hex digits of a sha256. Build arg values may be secrets: only
 * digests of them go into the key (the key is visible to anyone who can read the repository's caches).
 * Restore keys: the same Dockerfile, args and target with any context; the same Dockerfile with any args;
 * the same platform and OS with any Dockerfile. Labels, `pull` and `no-cache` are not part of the key:
 * they do not change what a cached step produces.
 */
export function cacheKey(build: BuildConfig, opts: CacheKeyOptions): CacheKeys {
  const platform = keySafe(build.platform.toLowerCase(), /[^a-z0-9/._]/g) || 'default'
  const os = keySafe(opts.os ?? '', /[^A-Za-z0-9.-]/g) || 'any'
  // Docker keeps the last value of an arg given twice; the order of different args does not matter.
  const args = new Map(build.buildArgs.map(([name, value]) => [name, sha256(`build-arg\0${value}`)]))
  const config = JSON.stringify({
    target: build.target,
    args: [...args].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  })
  const base = `${KEY_PREFIX}${platform}-${os}_`
  const dockerfile = sha256(`dockerfile\0${opts.dockerfileDigest}`).slice(0, SEGMENT)
  const settings = sha256(`settings\0${config}`).slice(0, SEGMENT)
  const context = sha256(`context\0${opts.contextDigest}`).slice(0, SEGMENT)
  return {
    key: `${base}${dockerfile}_${settings}_${context}`,
    restoreKeys: [`${base}${dockerfile}_${settings}_`, `${base}${dockerfile}_`, base],
  }
}

/** `_` ends the OS segment and `,` is not allowed in cache keys: neither may come from a value. */
function keySafe(value: string, bad: RegExp): string {
  return value.replace(bad, '-')
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** The Dockerfile a build uses, resolved as `docker build` (and source.ts) resolve it. */
export function dockerfilePath(build: Pick<BuildConfig, 'context' | 'file'>): string {
  return build.file ? resolve(build.file) : resolve(build.context, 'Dockerfile')
}

/** `sha256:<hex>` of a file's content, read as a stream. */
export async function fileDigest(path: string): Promise<string> {
  return `sha256:${await hashFile(path)}`
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256')
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')))
  })
}

// ---------------------------------------------------------------------------------------------
// The build context

/**
 * `sha256:<hex>` over what `docker build` would send of `contextDir`: every file, directory and symlink
 * that the ignore file does not exclude, each as its relative path, type, permission bits and, for files,
 * size and content hash (symlinks: their target). Modification times are left out (a fresh checkout sets
 * new ones; BuildKit's checksums ignore them), and so are owners. Files are read one at a time as streams,
 * so memory does not grow with their size.
 *
 * The ignore file is `<dockerfile>.dockerignore` when it exists (BuildKit's Dockerfile-specific ignore
 * file), else `<contextDir>/.dockerignore`. Supported as moby's patternmatcher reads it: `#` comment
 * lines, `!` exceptions (the last matching pattern wins), `*`, `?`, `[...]` classes (with `[!...]`
 * negation), `**` for any number of directories, `\` escapes, a leading `/`, and a pattern matching a
 * directory excluding everything in it. Not supported: Windows separators, and the exact handling of
 * malformed patterns (an unclosed `[` matches itself here, where docker may refuse the file). Where a
 * pattern could be read two ways, the digest may cover a file docker leaves out: that only makes a cache
 * miss more likely, never a wrong build.
 */
export async function contextDigest(contextDir: string, dockerfile: string): Promise<string> {
  const hash = createHash('sha256')
  hash.update('metal-image context v1\n')
  for await (const entry of contextEntries(contextDir, dockerfile)) {
    const { type, path, mode } = entry
    if (type === 'file') hash.update(`f\0${path}\0${mode}\0${entry.size}\0${entry.sha256}\n`)
    else if (type === 'dir') hash.update(`d\0${path}\0${mode}\n`)
    else if (type === 'symlink') hash.update(`l\0${path}\0${entry.target}\n`)
    else hash.update(`o\0${path}\0${mode}\n`)
  }
  return `sha256:${hash.digest('hex')}`
}

export type ContextEntry =
  | { type: 'file'; path: string; mode: string; size: number; sha256: string }
  | { type: 'dir' | 'other'; path: string; mode: string }
  | { type: 'symlink'; path: string; mode: string; target: string }

/**
 * What `contextDigest` covers, one entry at a time: paths relative to the context, `/`-separated, in a
 * fixed order (depth-first, names in code-unit order); modes as octal permission bits (with setuid,
 * setgid and sticky). Files are hashed as streams, one at a time.
 */
export async function* contextEntries(contextDir: string, dockerfile: string): AsyncGenerator<ContextEntry> {
  const root = resolve(contextDir)
  const matcher = new IgnoreMatcher(await readIgnoreFile(root, dockerfile))
  const pending: string[] = ['']
  while (pending.length > 0) {
    const rel = pending.pop()!
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch((err: unknown) => {
      throw new StageError(
        'cache',
        `cannot read ${join(root, rel)} for the build context digest: ${errorMessage(err)}`,
      )
    })
    const names = entries.map((e) => e.name).sort(compareNames)
    const subdirs: string[] = []
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`
      const full = join(root, path)
      const info = await lstat(full)
      const mode = modeBits(info.mode)
      const excluded = matcher.matches(path)
      if (info.isDirectory()) {
        // Inside an excluded directory an exception may still bring files back: look only then.
        if (excluded && !matcher.hasExceptions) continue
        if (!excluded) yield { type: 'dir', path, mode }
        subdirs.push(path)
        continue
      }
      if (excluded) continue
      if (info.isFile()) {
        const sha256 = await hashFile(full).catch((err: unknown) => {
          throw new StageError(
            'cache',
            `cannot read ${full} for the build context digest: ${errorMessage(err)}`,
          )
        })
        yield { type: 'file', path, mode, size: info.size, sha256 }
      } else if (info.isSymbolicLink()) {
        yield { type: 'symlink', path, mode, target: await readlink(full) }
      } else {
        yield { type: 'other', path, mode: info.mode.toString(8) }
      }
    }
    for (const dir of subdirs.reverse()) pending.push(dir)
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Permission bits with setuid, setgid and sticky; the file type is recorded separately. */
function modeBits(mode: number): string {
  return (mode & 0o7777).toString(8)
}

async function readIgnoreFile(root: string, dockerfile: string): Promise<string> {
  const file = dockerfile ? resolve(dockerfile) : join(root, 'Dockerfile')
  for (const candidate of [`${file}.dockerignore`, join(root, '.dockerignore')]) {
    const text = await readFile(candidate, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined
      throw new StageError('cache', `cannot read ${candidate}: ${errorMessage(err)}`)
    })
    if (text !== undefined) return text
  }
  return ''
}

interface IgnorePattern {
  regexp: RegExp
  exception: boolean
}

/**
 * .dockerignore patterns, read and matched as moby's patternmatcher does (see `contextDigest` for what
 * is and is not supported). Exported for the tests.
 */
export class IgnoreMatcher {
  readonly patterns: IgnorePattern[]
  readonly hasExceptions: boolean

  constructor(text: string) {
    this.patterns = []
    for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
      if (raw.startsWith('#')) continue
      let pattern = raw.trim()
      if (pattern === '') continue
      const exception = pattern.startsWith('!')
      if (exception) pattern = pattern.slice(1).trim()
      if (pattern === '') continue
      pattern = posix.normalize(pattern)
      if (pattern.length > 1 && pattern.endsWith('/')) pattern = pattern.slice(0, -1)
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1)
      this.patterns.push({ regexp: compile(pattern), exception })
    }
    this.hasExceptions = this.patterns.some((p) => p.exception)
  }

  /** Whether `path` (relative, `/`-separated) is excluded: by a pattern on it or on a parent directory. */
  matches(path: string): boolean {
    const parents: string[] = []
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) parents.push(path.slice(0, i))
    let excluded = false
    for (const { regexp, exception } of this.patterns) {
      // An exception only matters once excluded, an exclusion only while not.
      if (exception !== excluded) continue
      if (regexp.test(path) || parents.some((parent) => regexp.test(parent))) excluded = !exception
    }
    return excluded
  }
}

function compile(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++
        if (pattern[i + 1] === '/') i++
        // `**` at the end takes everything; elsewhere any number of directories, none included
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?'
      } else {
        re += '[^/]*'
      }
    } else if (ch === '?') {
      re += '[^/]'
    } else if (ch === '\\') {
      const next = pattern[i + 1]
      if (next === undefined) re += '\\\\'
      else {
        re += escapeRegExp(next)
        i++
      }
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end === -1) {
        re += '\\['
        continue
      }
      const body = pattern.slice(i + 1, end)
      // Go's filepath.Match negates with `[^...]` and `[!...]`
      re += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`
      i = end
    } else {
      re += escapeRegExp(ch)
    }
  }
  re += '$'
  try {
    return new RegExp(re)
  } catch {
    // an odd character class: match the pattern literally rather than fail the build
    return new RegExp(`^${escapeRegExp(pattern)}$`)
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
