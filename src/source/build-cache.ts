import { existsSync } from 'node:fs'
import { lstat, readdir, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { execa } from 'execa'
import { errorMessage } from '../util/errors.ts'
import { formatBytes, formatSeconds, type Log } from '../util/log.ts'

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

/**
 * Runs `docker buildx inspect [builder]` and `docker info` to fill in `BuildxInfo`; fields it cannot learn
 * stay unset.
 */
export async function probeBuildx(signal?: AbortSignal, builder = ''): Promise<BuildxInfo> {
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
    query(['buildx', 'inspect', ...(builder ? [builder] : [])]),
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

/** Whether this job has GitHub's cache service (said once when not). */
export async function cacheServiceAvailable(log: Log): Promise<boolean> {
  return (await cacheClient(log)) !== undefined
}

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
