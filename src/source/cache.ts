import { createHash } from 'node:crypto'
import type { Log } from '../util/log.ts'
import {
  buildCacheDir,
  cacheServiceAvailable,
  newCacheDir,
  restoreBuildCache,
  rotateCacheDir,
  saveBuildCache,
  type RestoredCache,
} from './build-cache.ts'
import { cacheKey, contextDigest, dockerfilePath, fileDigest } from './cache-key.ts'
import { isRemoteContext, type BuildConfig } from './config.ts'
import { exportInlineCache, saveInlineCache } from './inline-cache.ts'
import type { BuildCacheUse, OpenedSource } from './opened.ts'

/** A restored build cache, to build with and to save after. */
export interface CacheState {
  use: BuildCacheUse
  key: string
  restored: RestoredCache
}

/**
 * Restores the BuildKit cache for a build (not with no-cache). `os` (e.g. debian-12) is part of the key:
 * images of different OSes never share a cache entry.
 */
export async function restoreCache(
  build: BuildConfig,
  os: string,
  log: Log,
): Promise<CacheState | undefined> {
  if (build.noCache) {
    log.info('Build cache: not used: no-cache is set')
    return undefined
  }
  // Without the service nothing is restored into the folder, and nothing found there may be used: outside
  // a job it is a shared temporary folder anyone could have filled.
  if (!(await cacheServiceAvailable(log))) return undefined
  const remote = isRemoteContext(build.context)
  const file = dockerfilePath(build)
  const keys = cacheKey(build, {
    contextDigest: remote
      ? createHash('sha256').update(build.context).digest('hex')
      : await contextDigest(build.context, file),
    dockerfileDigest: remote ? '' : await fileDigest(file),
    os,
  })
  const dir = buildCacheDir()
  const restored = await restoreBuildCache(dir, keys.key, keys.restoreKeys, log)
  const inlineRef = `metal-image-cache/${createHash('sha256').update(keys.key).digest('hex').slice(0, 16)}:inline`
  return { use: { dir, exportCache: restored.hit !== 'exact', inlineRef }, key: keys.key, restored }
}

/** Saves the cache the build exported (not after an exact hit: it is already saved); says what happened. */
export async function saveCache(
  cache: CacheState,
  source: OpenedSource,
  build: BuildConfig,
  log: Log,
  signal: AbortSignal,
): Promise<string> {
  const { hit, matchedKey } = cache.restored
  const restored = hit === 'miss' ? 'miss' : `${hit} hit (${matchedKey})`
  if (!source.cacheKind) return `${restored}; not used by this builder`
  if (hit === 'exact') return restored
  if (source.cacheKind === 'inline') {
    const dir = newCacheDir(cache.use.dir)
    if (source.cacheImage) await saveInlineCache(source.cacheImage, cache.use.inlineRef, dir, signal)
    else await exportInlineCache(build, cache.use.inlineRef, dir, signal)
  }
  const saved = (await rotateCacheDir(cache.use.dir))
    ? await saveBuildCache(cache.use.dir, cache.key, log)
    : undefined
  return `${restored}; ${saved?.saved ? `saved as ${cache.key}` : 'not saved'}`
}
