import type { PromoteConfig } from '../config/types.ts'
import {
  COMPANION_FILES,
  IMAGE_FILE,
  INDEX_FILE,
  MD5_FILE,
  parseChecksumLine,
  setCommit,
} from '../release/files.ts'
import { imageVersion, isCalendarDate } from '../release/version.ts'
import { indexUpdate, readIndex, type IndexEntry } from '../release/versions-index.ts'
import type { Store } from '../store/store.ts'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import type { RunResult } from './result.ts'

/**
 * metal-images does not rebuild releases ("we do not have reproducible builds"): it copies what stable
 * holds to the release's folder. This does that, checks the copy against the md5 published with the
 * image, and never replaces an existing target unless on-conflict says so.
 */
export async function promote(config: PromoteConfig, store: Store, log: Log): Promise<RunResult> {
  const started = performance.now()
  const os = [config.osName, config.osVersion]
  const fromDir = [...config.fromChannel, ...os].join('/')
  const toDir = [...config.toChannel, ...os].join('/')
  const entry = await pickVersion(config, store, fromDir)
  const version = imageVersion(config.osName, config.osVersion, entry.date, config.imageName)
  const sub = config.layout === 'versioned' ? `/${entry.date}` : ''
  const src = `${fromDir}${sub}`
  const dst = `${toDir}${sub}`
  const fromInput = config.fromChannel.join('/')

  const md5 = parseChecksumLine((await store.read(`${src}/${MD5_FILE}`))?.toString())
  if ((await store.size(`${src}/${IMAGE_FILE}`)) === undefined || !md5)
    throw new InputError('from-channel', fromInput, `no image with its md5 at ${store.url(src)}/`)
  const present = await Promise.all(
    COMPANION_FILES.map(async (name) =>
      (await store.size(`${src}/${name}`)) !== undefined ? name : undefined,
    ),
  )
  const roles = setCommit([IMAGE_FILE, ...present.filter((n) => n !== undefined)])

  const common = {
    imageId: version.imageId,
    version: version.version,
    semver: version.semver,
    previous: undefined,
    releaseTag: '',
    channel: config.toChannel.join('/'),
    url: store.url(`${dst}/${IMAGE_FILE}`),
    md5,
    checksums: { md5 },
  }
  if ((await store.size(`${dst}/${IMAGE_FILE}`)) !== undefined) {
    if (config.onConflict === 'skip') {
      log.info(`${store.url(dst)}/ already holds an image; on-conflict is skip: nothing copied`)
      return {
        ...common,
        size: entry.size,
        files: [],
        method: 'promotion skipped: the target exists',
        timings: [],
      }
    }
    if (config.onConflict === 'fail')
      throw new InputError(
        'to-channel',
        config.toChannel.join('/'),
        `${store.url(dst)}/ already holds an image: set on-conflict to overwrite to replace it`,
      )
  }

  const tx = await store.begin([dst], { log })
  const at = (dir: string) => (name: string) => `${dir}/${name}`
  try {
    let copied = ''
    for (const name of roles.order) {
      const md5OfCopy = await tx.copy(`${src}/${name}`, `${dst}/${name}`)
      if (name === IMAGE_FILE) copied = md5OfCopy
    }
    if (copied !== md5)
      throw new StageError(
        'promote',
        `the copy of ${store.url(`${src}/${IMAGE_FILE}`)} has md5 ${copied}, not ${md5}`,
      )
    const outcome = await tx.commit({
      lockDir: toDir,
      image: at(dst)(IMAGE_FILE),
      companions: roles.companions.map(at(dst)),
      seal: roles.seal.map(at(dst)),
      retract: roles.retract.map(at(dst)),
      obsolete: roles.obsolete.map(at(dst)),
      ...(config.versionsJson
        ? {
            index: indexUpdate(toDir, config, {
              version: version.version,
              imageId: version.imageId,
              md5,
              size: entry.size || ((await store.size(`${src}/${IMAGE_FILE}`)) ?? 0),
              published: new Date().toISOString(),
              path: `${sub.slice(1)}${sub ? '/' : ''}${IMAGE_FILE}`,
            }),
          }
        : {}),
      // Another promotion may have filled the target while this one copied.
      decide: async () => {
        if ((await store.size(`${dst}/${IMAGE_FILE}`)) === undefined || config.onConflict === 'overwrite')
          return undefined
        const there = parseChecksumLine((await store.read(`${dst}/${MD5_FILE}`))?.toString())
        if (config.onConflict === 'skip' || there === md5)
          return `${store.url(dst)}/ was filled by another run meanwhile${there === md5 ? ' with the same image' : ''}: nothing copied`
        throw new StageError(
          'promote',
          `lost the race for ${store.url(dst)}/: another run put an image there while this one copied; nothing of this run was published`,
        )
      },
    })
    if (!outcome.committed) {
      log.info(outcome.reason)
      return { ...common, size: entry.size, files: [], method: outcome.reason, timings: [] }
    }
    const size = (await store.size(`${dst}/${IMAGE_FILE}`)) ?? entry.size
    log.info(`${version.imageId}: ${store.url(src)}/ -> ${store.url(dst)}/ (md5 ${md5} checked)`)
    return {
      ...common,
      size,
      files: roles.order.map((name) => ({ name, url: store.url(`${dst}/${name}`), bytes: 0 })),
      method: `promoted from ${fromInput}`,
      timings: [{ stage: 'promote (copy, md5 check)', ms: performance.now() - started }],
    }
  } catch (err) {
    await tx.abort()
    throw err
  } finally {
    tx.end()
  }
}

/** The version to promote: `date` if given, else the newest the source's index (or folders) knows. */
async function pickVersion(
  config: PromoteConfig,
  store: Store,
  fromDir: string,
): Promise<{ date: string; size: number }> {
  const index = await readIndex(store, fromDir, config.osName, config.osVersion)
  const dateOf = (e: IndexEntry): string => e.version.slice(e.version.lastIndexOf('.') + 1)
  if (config.date.kind === 'fixed') {
    const wanted = config.date.date
    const entry = index.versions.find((e) => dateOf(e) === wanted)
    return { date: wanted, size: entry?.size ?? 0 }
  }
  const newest = index.versions.at(-1)
  if (newest) return { date: dateOf(newest), size: newest.size }
  if (config.layout === 'versioned') {
    const dates = (await store.folders(fromDir)).filter(isCalendarDate).sort()
    const date = dates.at(-1)
    if (date) return { date, size: 0 }
  }
  throw new InputError(
    'from-channel',
    config.fromChannel.join('/'),
    `no ${INDEX_FILE} at ${store.url(fromDir)}/ to tell which version is there: set date to the version's YYYYMMDD`,
  )
}
