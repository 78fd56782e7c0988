import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { lstat, readdir, readFile, readlink, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, posix, resolve } from 'node:path'
import { execa } from 'execa'
import { errorMessage, StageError } from './errors.ts'
import type { BuildConfig } from './inputs.ts'
import { formatBytes, formatSeconds, type Log } from './log.ts'

/**
 * The build cache: BuildKit's local cache directory (`--cache-to type=local`), kept between workflow runs
 * with @actions/cache.
 *
 * 1. `cacheKey` names the entry after what decides the build's result: the Dockerfile, the build args, the
 *    target, the platform and the build context (`contextDigest`). Restore keys fall back to entries of
 *    the same Dockerfile, then of the same platform and OS: BuildKit reuses whatever steps still match.
 * 2. `restoreBuildCache` brings the newest matching entry into `buildCacheDir()` before the build.
 * 3. `buildKitCacheArgs` gives the build `--cache-from` that directory and `--cache-to` a new one beside
 *    it; after the build, `rotateCacheDir` moves the new one over the old (a local cache directory only
 *    ever grows when exported onto itself).
 * 4. `saveBuildCache` saves it under the key, unless the restore was an exact hit.
 *
 * The key only chooses which cache to start from: BuildKit checks every step against its own cache keys,
 * so a coarse or stale key costs time, never a wrong image.
 */

const KEY_PREFIX = 'metal-image-buildkit-'
/** Hex digits of each digest in a key: 64 bits each, far from colliding among one repository's caches. */
const SEGMENT = 16

// ---------------------------------------------------------------------------------------------
// Keys

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

// ---------------------------------------------------------------------------------------------
// The cache directory and docker's arguments

/**
 * Where BuildKit's local cache lives during a job: an absolute path under RUNNER_TEMP (the cache entry's
 * version hashes the path, so every run must use the same one). Outside GitHub, under the system temp dir.
 */
export function buildCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.RUNNER_TEMP || tmpdir(), 'metal-image-buildkit-cache')
}

/** Where the build exports the new cache (see `rotateCacheDir`). */
export function newCacheDir(dir: string): string {
  return `${dir}.new`
}

/** What `docker buildx` is building with, as far as cache export is concerned (`probeBuildx`). */
export interface BuildxInfo {
  /** The builder's driver: docker, docker-container, kubernetes, remote. */
  driver?: string
  /** Whether the engine uses the containerd image store (then the docker driver can export caches). */
  containerdStore?: boolean
}

export type CacheArgs = { args: string[]; reason?: undefined } | { args: undefined; reason: string }

export const CLASSIC_CANNOT_CACHE =
  'the classic docker build client (docker < 23 with DOCKER_BUILDKIT=1) cannot use a local BuildKit cache: ' +
  'it has no --cache-to, it reads --cache-from as image names only, and the BuildKit built into its engine ' +
  'exports inline cache only. Install the buildx plugin with a docker-container builder ' +
  '(e.g. docker/setup-buildx-action) to cache builds'

/**
 * docker's cache arguments for a BuildKit build, or why there are none for this builder (say it once and
 * build without a cache). `--cache-from` only once the directory holds a cache (a missing one is a
 * WARNING in the build log); `--cache-to` into `newCacheDir(dir)` with mode=max (every stage's steps, not
 * only the final stage's) and ignore-error (a failed export must not fail the build; BuildKit < 0.11
 * ignores the option). Leave out the export (`{ exportCache: false }`) after an exact hit: the key exists
 * already, so nothing new could be saved.
 *
 * For buildx, pass what `probeBuildx()` found: with the docker driver on an engine without the containerd
 * image store, buildx refuses `--cache-to` before building ("Cache export is not supported for the docker
 * driver"), ignore-error or not, which is the default on GitHub's hosted runners without
 * docker/setup-buildx-action. An unknown driver is taken to be able to export.
 */
export function buildKitCacheArgs(
  dir: string,
  kind: 'buildx' | 'classic',
  options: BuildxInfo & { exportCache?: boolean } = {},
): CacheArgs {
  if (kind === 'classic') return { args: undefined, reason: CLASSIC_CANNOT_CACHE }
  if (options.driver === 'docker' && !options.containerdStore)
    return {
      args: undefined,
      reason:
        'the buildx builder uses the docker driver, which cannot export a cache unless the engine uses the containerd image store. Create a docker-container builder (e.g. docker/setup-buildx-action) to cache builds',
    }
  if (!isAbsolute(dir)) throw new Error(`the build cache directory must be absolute: ${dir}`)
  const args: string[] = []
  if (existsSync(join(dir, 'index.json'))) args.push('--cache-from', `type=local,src=${dir}`)
  if (options.exportCache !== false)
    args.push('--cache-to', `type=local,dest=${newCacheDir(dir)},mode=max,ignore-error=true`)
  return { args }
}

/**
 * After the build (once the docker process has exited): the cache exported to `newCacheDir(dir)` replaces
 * `dir`. BuildKit exporting onto an existing local cache adds its blobs and never removes old ones, so the
 * directory, and what is saved and restored, would grow with every run. True when a new cache was there;
 * otherwise `dir` stays as it was (and a half-written new one is removed).
 */
export async function rotateCacheDir(dir: string): Promise<boolean> {
  const fresh = newCacheDir(dir)
  if (!holdsCache(fresh)) {
    await rm(fresh, { recursive: true, force: true })
    return false
  }
  await rm(dir, { recursive: true, force: true })
  await rename(fresh, dir)
  return true
}

/** Runs `docker buildx inspect` and `docker info` to fill in `BuildxInfo`; fields it cannot learn stay unset. */
export async function probeBuildx(signal?: AbortSignal): Promise<BuildxInfo> {
  const query = async (args: string[]): Promise<string | undefined> => {
    const result = await execa('docker', args, {
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
      ...(signal ? { cancelSignal: signal } : {}),
    })
    return result.exitCode === 0 ? String(result.stdout) : undefined
  }
  const [inspect, status] = await Promise.all([
    query(['buildx', 'inspect']),
    query(['info', '--format', '{{json .DriverStatus}}']),
  ])
  return {
    ...(inspect === undefined ? {} : { driver: parseBuildxDriver(inspect) }),
    ...(status === undefined ? {} : { containerdStore: usesContainerdStore(status) }),
  }
}

/** The `Driver:` of `docker buildx inspect`'s output (its first one: the builder's, not a node's). */
export function parseBuildxDriver(inspectOutput: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1]
}

/** Whether `docker info --format '{{json .DriverStatus}}'` shows the containerd image store. */
export function usesContainerdStore(driverStatusJson: string): boolean {
  return driverStatusJson.includes('io.containerd.snapshotter')
}

// ---------------------------------------------------------------------------------------------
// @actions/cache

export interface RestoredCache {
  /** exact: the key itself; partial: through a restore key; miss: nothing (or no cache service). */
  hit: 'exact' | 'partial' | 'miss'
  matchedKey?: string
  /** Bytes in the restored directory. */
  bytes?: number
  ms: number
}

export interface SavedCache {
  saved: boolean
  /** The cache entry's id, when saved. */
  id?: number
  bytes?: number
  ms: number
}

let toldUnavailable = false

/**
 * @actions/cache, or undefined (with a notice, the first time) where there is no cache service: outside
 * GitHub Actions, or in a `run:` step, which does not get the runtime token.
 */
async function cacheClient(log: Log): Promise<typeof import('@actions/cache') | undefined> {
  const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((name) => !process.env[name])
  const cache = missing.length === 0 ? await import('@actions/cache') : undefined
  if (cache?.isFeatureAvailable()) return cache
  if (!toldUnavailable) {
    toldUnavailable = true
    log.info(
      `Build cache: not available (${missing.length > 0 ? `${missing.join(' and ')} not set` : 'no cache service'}; ` +
        'only a GitHub Actions job running the action has one): building without restoring or saving a cache',
    )
  }
  return undefined
}

function checkDir(dir: string): void {
  if (!isAbsolute(dir)) throw new Error(`the build cache directory must be absolute: ${dir}`)
}

/**
 * Restores the newest cache entry for `key`, else for the first restore key that has one, into `dir`
 * (emptied first, as on a fresh runner). Never throws for the cache service's failures: they are
 * warnings and a miss, the build goes on without a cache.
 */
export async function restoreBuildCache(
  dir: string,
  key: string,
  restoreKeys: string[],
  log: Log,
): Promise<RestoredCache> {
  checkDir(dir)
  const started = performance.now()
  const cache = await cacheClient(log)
  if (!cache) return { hit: 'miss', ms: 0 }
  await rm(dir, { recursive: true, force: true })
  await rm(newCacheDir(dir), { recursive: true, force: true })
  let matched: string | undefined
  try {
    matched = await cache.restoreCache([dir], key, restoreKeys)
  } catch (err) {
    log.warning(`Build cache: restoring failed, building without it: ${errorMessage(err)}`)
    return { hit: 'miss', ms: performance.now() - started }
  }
  const ms = performance.now() - started
  if (matched === undefined) {
    log.info(`Build cache: no entry for ${key} nor its restore keys; it is saved after the build`)
    return { hit: 'miss', ms }
  }
  if (!holdsCache(dir)) {
    log.warning(
      `Build cache: the entry ${matched} holds no BuildKit cache (no index.json, no saved image); building without it`,
    )
    await rm(dir, { recursive: true, force: true })
    return { hit: 'miss', ms }
  }
  const hit = matched === key ? 'exact' : 'partial'
  const bytes = await treeSize(dir)
  log.info(
    `Build cache: ${hit === 'exact' ? 'exact hit' : `partial hit through ${matched}`}, ` +
      `${formatBytes(bytes)} restored in ${formatSeconds(ms)}`,
  )
  return { hit, matchedKey: matched, bytes, ms }
}

/**
 * Saves `dir` as `key`. Not saved, without an error: nothing to save, the key exists already (or another
 * job is saving it), saving is not allowed here (e.g. a read-only cache token), or the service failed
 * (a warning).
 */
export async function saveBuildCache(dir: string, key: string, log: Log): Promise<SavedCache> {
  checkDir(dir)
  const started = performance.now()
  const cache = await cacheClient(log)
  if (!cache) return { saved: false, ms: 0 }
  if (!holdsCache(dir)) {
    log.info(`Build cache: nothing to save (the build exported no BuildKit cache to ${dir})`)
    return { saved: false, ms: performance.now() - started }
  }
  const bytes = await treeSize(dir)
  let id: number
  try {
    id = await cache.saveCache([dir], key)
  } catch (err) {
    log.warning(`Build cache: saving ${key} failed: ${errorMessage(err)}`)
    return { saved: false, bytes, ms: performance.now() - started }
  }
  const ms = performance.now() - started
  if (id === -1) {
    log.info(
      `Build cache: ${key} not saved (see the cache client's message: an entry of that key exists or is ` +
        'being saved by another job, this job may not write caches, or the cache service failed)',
    )
    return { saved: false, bytes, ms }
  }
  log.info(`Build cache: saved ${formatBytes(bytes)} as ${key} in ${formatSeconds(ms)}`)
  return { saved: true, id, bytes, ms }
}

/** Bytes of the regular files under `dir` (symlinks not followed). */
async function treeSize(dir: string): Promise<number> {
  let total = 0
  const pending = [dir]
  while (pending.length > 0) {
    const current = pending.pop()!
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) pending.push(path)
      else if (entry.isFile()) total += (await lstat(path)).size
    }
  }
  return total
}

/** A local BuildKit cache has its index.json; the classic client's inline cache is a saved image (and its name). */
function holdsCache(dir: string): boolean {
  return existsSync(join(dir, 'index.json')) || existsSync(join(dir, 'ref'))
}
