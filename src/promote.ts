import { InputError, StageError } from './errors.ts'
import type { Config } from './inputs.ts'
import type { Log } from './log.ts'
import type { PublishResult } from './publish.ts'
import type { Store } from './store/store.ts'
import { imageVersion, isCalendarDate } from './version.ts'
import { INDEX_FILE, parseIndex, serializeIndex, withEntry, type IndexEntry } from './versions-index.ts'

const IMAGE = 'img.tar.lz4'
const MD5 = 'img.tar.lz4.md5'
const PACKAGES = 'packages.txt'
/** The files that travel with the image when present: everything a build may have written beside it. */
const COMPANIONS = [
  MD5,
  'img.tar.lz4.sha256',
  'img.tar.lz4.sha512',
  PACKAGES,
  'contract.json',
  'sbom.cdx.json',
]

/**
 * metal-images does not rebuild releases ("we do not have reproducible builds"): it copies what stable
 * holds to the release's folder. This does that, checks the copy against the md5 published with the
 * image, and never replaces an existing target unless on-conflict says so.
 */
export async function promote(config: Config, store: Store, log: Log): Promise<PublishResult> {
  const started = performance.now()
  const os = [config.osName, config.osVersion]
  const fromDir = [...config.fromChannel, ...os].join('/')
  const toDir = [...config.toChannel, ...os].join('/')
  const entry = await pickVersion(config, store, fromDir)
  const version = imageVersion(config.osName, config.osVersion, entry.date)
  const sub = config.layout === 'versioned' ? `/${entry.date}` : ''
  const src = `${fromDir}${sub}`
  const dst = `${toDir}${sub}`
  const fromInput = config.fromChannel.join('/')

  const md5Text = (await store.read(`${src}/${MD5}`))?.toString()
  const md5 = /^([0-9a-f]{32}) {2}img\.tar\.lz4\n?$/.exec(md5Text ?? '')?.[1]
  if ((await store.size(`${src}/${IMAGE}`)) === undefined || !md5)
    throw new InputError('from-channel', fromInput, `no image with its md5 at ${store.url(src)}/`)
  const present = await Promise.all(
    COMPANIONS.map(async (name) => ((await store.size(`${src}/${name}`)) !== undefined ? name : undefined)),
  )
  const companions = present.filter((name) => name !== undefined)

  const common = {
    imageId: version.imageId,
    version: version.version,
    semver: version.semver,
    previous: undefined,
    releaseTag: '',
    channel: config.toChannel.join('/'),
    url: store.url(`${dst}/${IMAGE}`),
    md5,
    checksums: { md5 },
    compressionLevel: config.compressionLevel,
    rootfsSize: undefined,
    packages: undefined,
  }
  if ((await store.size(`${dst}/${IMAGE}`)) !== undefined) {
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

  const names = [IMAGE, ...companions]
  const tx = await store.begin([dst])
  try {
    let copied = ''
    for (const name of names) {
      const md5OfCopy = await tx.copy(`${src}/${name}`, `${dst}/${name}`)
      if (name === IMAGE) copied = md5OfCopy
    }
    if (copied !== md5)
      throw new StageError(
        'promote',
        `the copy of ${store.url(`${src}/${IMAGE}`)} has md5 ${copied}, not ${md5}`,
      )
    await tx.commit(
      names.map((n) => `${dst}/${n}`),
      {
        retract: COMPANIONS.filter((n) => n.startsWith(`${IMAGE}.`)).map((n) => `${dst}/${n}`),
        obsolete: COMPANIONS.filter((n) => !companions.includes(n)).map((n) => `${dst}/${n}`),
      },
    )
    const indexPath = `${toDir}/${INDEX_FILE}`
    const index = parseIndex((await store.read(indexPath))?.toString(), config.osName, config.osVersion)
    const size = (await store.size(`${dst}/${IMAGE}`)) ?? entry.size
    const promoted: IndexEntry = {
      version: version.version,
      imageId: version.imageId,
      md5,
      size,
      published: new Date().toISOString(),
      path: `${sub.slice(1)}${sub ? '/' : ''}${IMAGE}`,
    }
    await tx.writeFile(indexPath, serializeIndex(withEntry(index, promoted)))
    await tx.commit([indexPath])
    log.info(`${version.imageId}: ${store.url(src)}/ -> ${store.url(dst)}/ (md5 ${md5} checked)`)
    return {
      ...common,
      size,
      files: names.map((name) => ({ name, url: store.url(`${dst}/${name}`), bytes: 0 })),
      method: `promoted from ${fromInput}`,
      timings: [{ stage: 'promote (copy, md5 check)', ms: performance.now() - started }],
    }
  } catch (err) {
    await tx.abort()
    throw err
  }
}

/** The version to promote: `date` if given, else the newest the source's index (or folders) knows. */
async function pickVersion(
  config: Config,
  store: Store,
  fromDir: string,
): Promise<{ date: string; size: number }> {
  const index = parseIndex(
    (await store.read(`${fromDir}/${INDEX_FILE}`))?.toString(),
    config.osName,
    config.osVersion,
  )
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
