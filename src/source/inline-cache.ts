import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { buildArgs } from './build-args.ts'
import type { BuildConfig } from './config.ts'
import { DOCKER } from './docker.ts'

// ---------------------------------------------------------------------------------------------
// The classic client's build cache: an image with BuildKit's inline cache, kept as a saved image

const INLINE_IMAGE = 'image.tar.gz'

/** Loads the image a restored cache holds; its name, or undefined when there is none. */
export async function loadInlineCache(
  dir: string,
  log: Log,
  signal: AbortSignal,
): Promise<string | undefined> {
  const ref = (await readFile(join(dir, 'ref'), 'utf8').catch(() => '')).trim()
  if (!ref) return undefined
  const result = await execa(DOCKER, ['load', '-q', '-i', join(dir, INLINE_IMAGE)], {
    reject: false,
    cancelSignal: signal,
  })
  if (result.exitCode !== 0) {
    log.warning(
      `Build cache: the restored image could not be loaded, building without: ${String(result.stderr).trim()}`,
    )
    return undefined
  }
  log.info(`Build cache: loaded ${ref} (its inline cache is used with --cache-from)`)
  return ref
}

/**
 * After a classic BuildKit build: the same build once more, tagged and with BUILDKIT_INLINE_CACHE=1 (every
 * step comes from the engine's cache, so this takes a moment), saved gzip-compressed into `dir` for the
 * next run, and the tag removed again. The next run loads it and builds with --cache-from.
 */
export async function exportInlineCache(
  config: BuildConfig,
  ref: string,
  dir: string,
  signal: AbortSignal,
): Promise<void> {
  const { args } = buildArgs(config)
  const env = { DOCKER_BUILDKIT: '1' }
  const tagged = await execa(
    DOCKER,
    ['build', '-q', '-t', ref, '--build-arg', 'BUILDKIT_INLINE_CACHE=1', ...args, config.context],
    { env, reject: false, cancelSignal: signal },
  )
  if (tagged.exitCode !== 0)
    throw new StageError(
      'build',
      `tagging the build for its cache failed: ${String(tagged.stderr).trim().split('\n').slice(-3).join(' ')}`,
    )
  await saveTagged(ref, dir, signal)
}

/**
 * An image the build left in the engine with its inline cache (buildx's docker driver), saved into `dir`
 * for the next run under `ref`.
 */
export async function saveInlineCache(
  image: string,
  ref: string,
  dir: string,
  signal: AbortSignal,
): Promise<void> {
  const tagged = await execa(DOCKER, ['tag', image, ref], { reject: false, cancelSignal: signal })
  if (tagged.exitCode !== 0)
    throw new StageError('build', `tagging the build for its cache failed: ${String(tagged.stderr).trim()}`)
  await saveTagged(ref, dir, signal)
}

/** Saves `ref` gzip-compressed into `dir` (emptied first), then removes the name. */
async function saveTagged(ref: string, dir: string, signal: AbortSignal): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    // Compressed as it is written: the cache never holds the image's layers uncompressed on disk.
    await execa('sh', ['-c', 'docker save "$1" | gzip -1 > "$2"', 'sh', ref, join(dir, INLINE_IMAGE)], {
      cancelSignal: signal,
    })
    await writeFile(join(dir, 'ref'), `${ref}\n`)
  } finally {
    await execa(DOCKER, ['rmi', ref], { reject: false })
  }
}
