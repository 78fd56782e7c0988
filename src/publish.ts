import { availableParallelism } from 'node:os'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { countListed, DpkgParseError, formatDpkgListBytes, parseDpkgStatus } from './dpkg.ts'
import { InputError, StageError } from './errors.ts'
import { Hasher, md5sumLine } from './hash.ts'
import type { Config } from './inputs.ts'
import { TarFormatError, TarInspector } from './inspect.ts'
import { formatBytes, formatSeconds, silentLog, type Log } from './log.ts'
import { Lz4FrameEncoder } from './lz4/frame.ts'
import { reportProgress } from './progress.ts'
import { openSource, type OpenedSource } from './source.ts'
import { defaultPlanContext, makePlan, type Plan, type PlanContext } from './plan.ts'
import { promote } from './promote.ts'
import { openStore } from './store/open.ts'
import type { S3Tuning } from './store/s3.ts'
import type { Store, Transaction } from './store/store.ts'
import { INDEX_FILE, parseIndex, serializeIndex, withEntry } from './versions-index.ts'

export const IMAGE_FILE = 'img.tar.lz4'
export const MD5_FILE = `${IMAGE_FILE}.md5`
export const PACKAGES_FILE = 'packages.txt'
const DPKG_STATUS = 'var/lib/dpkg/status'
/** dpkg's journal of changes not yet folded into status; every dpkg-query applies it when reading. */
const DPKG_UPDATES = /^var\/lib\/dpkg\/updates\/[0-9]+$/
const isDpkgDatabase = (path: string): boolean => path === DPKG_STATUS || DPKG_UPDATES.test(path)

export interface PublishOptions {
  log?: Log
  /** Cancels the run: docker is stopped and nothing is published. */
  signal?: AbortSignal
  /** When, where and in which workflow run; defaults to now, the working directory, GITHUB_*. */
  context?: Partial<PlanContext>
  progressIntervalMs?: number
  /** Tests only: shorter store timeouts and retry delays. */
  storeTuning?: S3Tuning
}

export interface PublishedFile {
  name: string
  url: string
  bytes: number
}

export interface PublishResult {
  imageId: string
  version: string
  semver: string
  /** The newest version that existed before, for this major.minor. */
  previous: string | undefined
  releaseTag: string
  channel: string
  url: string
  md5: string
  /** Compressed bytes. */
  size: number
  /** Undefined when nothing was built (skipped, promoted). */
  rootfsSize: number | undefined
  /** Packages listed in packages.txt; undefined when the rootfs has no dpkg database. */
  packages: number | undefined
  files: PublishedFile[]
  /** How the image was made: the rootfs source, or why nothing was built. */
  method: string
  compressionLevel: number
  timings: { stage: string; ms: number }[]
}

/**
 * The whole job: decide the version and place, get the rootfs (build, image or tar), stream it once
 * through the tar inspector, the LZ4 frame encoder and the hasher into the destination, then publish
 * the image, its md5 and packages.txt together and the version index last. The action and the CLI are
 * thin shells around this function.
 */
export async function publish(config: Config, options: PublishOptions = {}): Promise<PublishResult> {
  const log = options.log ?? silentLog
  const ctx = { ...defaultPlanContext(), ...options.context }
  const store = openStore(config, options.storeTuning)
  if (config.mode === 'promote') return promote(config, store, log)
  const signal = options.signal ?? new AbortController().signal
  const timings: PublishResult['timings'] = []
  const timed = async <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now()
    try {
      return await fn()
    } finally {
      timings.push({ stage, ms: performance.now() - start })
    }
  }

  const plan = await makePlan(config, store, ctx)
  const { version } = plan
  const at = (name: string): string => `${plan.imageDir}/${name}`
  log.info(
    `Image ${version.imageId} (semver ${version.semver}) to ${store.url(plan.imageDir)}/` +
      `${plan.decision.previous ? `, after ${plan.decision.previous}` : ''}; compression level ${config.compressionLevel}`,
  )
  const common = {
    imageId: version.imageId,
    version: version.version,
    semver: version.semver,
    previous: plan.decision.previous,
    releaseTag: plan.releaseTag,
    channel: plan.channel.join('/'),
    compressionLevel: config.compressionLevel,
  }
  if (plan.decision.action === 'skip') return skipped(plan, store, common, log)

  // A versioned path is created once: of two runs racing to publish it, only one may win.
  const exclusive = config.layout === 'versioned' && plan.decision.action === 'publish'
  const tx = await store.begin([plan.imageDir], { exclusive })
  let source: OpenedSource | undefined
  try {
    const sourceTitle = { build: 'Build', image: 'Export image', rootfs: 'Read rootfs' }[config.source.kind]
    const prepared = performance.now()
    source = await log.group(sourceTitle, () => openSource(config.source, log, signal))
    const opened = source
    if (opened.buildMs !== undefined) timings.push({ stage: 'build', ms: opened.buildMs })
    else if (config.source.kind === 'image')
      timings.push({ stage: 'prepare (pull if missing, create container)', ms: performance.now() - prepared })

    // With BuildKit the build and the export are one stream: the build is over at its first byte.
    const streaming = config.source.kind === 'build' && opened.buildMs === undefined
    const streamTitle = streaming ? 'Build, export and compress (one stream)' : 'Export and compress'
    const streamed = await log.group(streamTitle, () =>
      timed('stream: export, inspect, compress, hash, write', () =>
        streamRootfs(
          opened,
          tx.createWriteStream(at(IMAGE_FILE)),
          config.compressionLevel,
          log,
          signal,
          options.progressIntervalMs,
        ),
      ),
    )
    if (streaming && streamed.firstByteMs !== undefined)
      timings.splice(timings.length - 1, 0, {
        stage: 'build (until the first rootfs byte)',
        ms: streamed.firstByteMs,
      })

    const packages = await log.group('Packages', () =>
      timed('packages.txt', () => writePackages(streamed.files, tx, at(PACKAGES_FILE), version.imageId, log)),
    )

    const md5Line = md5sumLine(streamed.md5, IMAGE_FILE)
    const files = await log.group('Publish', () =>
      timed('publish', async () => {
        signal.throwIfAborted()
        await tx.writeFile(at(MD5_FILE), md5Line)
        const names = [IMAGE_FILE, MD5_FILE, ...(packages ? [PACKAGES_FILE] : [])]
        // An older packages.txt next to an image without one would describe a different image.
        await tx.commit(names.map(at), {
          retract: [at(MD5_FILE)],
          obsolete: packages ? [] : [at(PACKAGES_FILE)],
        })
        // The index last: a reader of versions.json never sees a version whose files are not all there.
        await writeIndex(store, tx, plan, { md5: streamed.md5, size: streamed.size })
        const sizes: Record<string, number> = {
          [IMAGE_FILE]: streamed.size,
          [MD5_FILE]: md5Line.length,
          [PACKAGES_FILE]: packages?.bytes ?? 0,
        }
        const published = names.map((name) => ({ name, url: store.url(at(name)), bytes: sizes[name]! }))
        for (const f of published) log.info(`${f.url} (${formatBytes(f.bytes)})`)
        return published
      }),
    )

    return {
      ...common,
      url: store.url(at(IMAGE_FILE)),
      md5: streamed.md5,
      size: streamed.size,
      rootfsSize: streamed.rootfsSize,
      packages: packages?.count,
      files,
      method: opened.method,
      timings,
    }
  } catch (err) {
    await tx.abort()
    if (signal.aborted)
      throw new StageError('cancel', `cancelled: nothing was published (${String(signal.reason)})`)
    throw err
  } finally {
    await source?.cleanup()
  }
}

/** Adds this version to versions.json, read again now: another run may have added one meanwhile. */
async function writeIndex(
  store: Store,
  tx: Transaction,
  plan: Plan,
  image: { md5: string; size: number },
): Promise<void> {
  const path = `${plan.indexDir}/${INDEX_FILE}`
  const current = parseIndex(
    (await store.read(path))?.toString(),
    plan.placement.osName,
    plan.placement.osVersion,
  )
  const relative = plan.imageDir === plan.indexDir ? IMAGE_FILE : `${plan.version.date}/${IMAGE_FILE}`
  const index = withEntry(current, {
    version: plan.version.version,
    imageId: plan.version.imageId,
    md5: image.md5,
    size: image.size,
    published: new Date().toISOString(),
    path: relative,
  })
  await tx.writeFile(path, serializeIndex(index))
  await tx.commit([path])
}

/** on-conflict: skip, and this version exists: no build, the existing image's facts as the result. */
async function skipped(
  plan: Plan,
  store: Store,
  common: Omit<
    PublishResult,
    'url' | 'md5' | 'size' | 'rootfsSize' | 'packages' | 'files' | 'method' | 'timings'
  >,
  log: Log,
): Promise<PublishResult> {
  // The version exists and none is newer, so the folder holds it in either layout.
  const path = `${plan.imageDir}/${IMAGE_FILE}`
  const entry = plan.index.versions.find((e) => e.version === plan.version.version)
  const md5 = entry?.md5 ?? (await store.read(`${path}.md5`))?.toString().slice(0, 32) ?? ''
  log.info(`${plan.version.imageId} already exists at ${store.url(path)}; on-conflict is skip: nothing built`)
  return {
    ...common,
    url: store.url(path),
    md5,
    size: entry?.size ?? 0,
    rootfsSize: undefined,
    packages: undefined,
    files: [],
    method: 'skipped: this version already exists',
    timings: [],
  }
}

/** packages.txt as `dpkg -l` prints it in the image, from the dpkg database read out of the stream. */
async function writePackages(
  files: Map<string, Buffer>,
  tx: Transaction,
  path: string,
  imageId: string,
  log: Log,
): Promise<{ count: number; bytes: number } | undefined> {
  const status = files.get(DPKG_STATUS)
  if (!status) {
    log.warning(
      `The rootfs has no dpkg database (/${DPKG_STATUS}): no ${PACKAGES_FILE} is published for ${imageId}`,
    )
    return undefined
  }
  const updates = [...files]
    .filter(([path]) => DPKG_UPDATES.test(path))
    .map(([path, data]) => ({ name: path.slice(path.lastIndexOf('/') + 1), data }))
  let pkgs
  try {
    pkgs = parseDpkgStatus(status, {
      updates,
      filename: `/${DPKG_STATUS}`,
      onWarning: (w) => log.debug(`dpkg: ${w}`),
    })
  } catch (err) {
    if (!(err instanceof DpkgParseError)) throw err
    // dpkg -l itself would fail on this database; the image may still work, so say it and go on.
    log.warning(
      `The dpkg database in the rootfs is unreadable, as dpkg would find it: ${err.message}; no ${PACKAGES_FILE} is published for ${imageId}`,
    )
    return undefined
  }
  // Bytes, not a string: a status file need not be valid UTF-8 and dpkg -l copies its bytes through.
  const listing = formatDpkgListBytes(pkgs)
  await tx.writeFile(path, listing)
  const count = countListed(pkgs)
  log.info(`${count} packages listed in ${PACKAGES_FILE} (what dpkg -l prints in the image)`)
  return { count, bytes: listing.length }
}

interface Streamed {
  /** From the start of the stream to its first byte: how long a streamed build ran. */
  firstByteMs: number | undefined
  md5: string
  size: number
  rootfsSize: number
  files: Map<string, Buffer>
}

async function streamRootfs(
  source: OpenedSource,
  destination: Writable,
  level: number,
  log: Log,
  signal: AbortSignal,
  progressIntervalMs?: number,
): Promise<Streamed> {
  log.info(`Rootfs from ${source.method}`)
  const inspector = new TarInspector(isDpkgDatabase)
  const encoder = new Lz4FrameEncoder({ level, concurrency: availableParallelism() })
  const hasher = new Hasher()
  const stop = reportProgress(
    () => ({ read: inspector.facts.bytes, written: hasher.bytes }),
    log.info,
    progressIntervalMs,
  )
  const start = performance.now()
  try {
    await pipeline(source.stream, inspector, encoder, hasher, destination, { signal })
    await source.exited
  } catch (err) {
    // A producer that failed (a build step, docker export) explains a short or broken stream better
    // than the tar reader does; give it a moment to report before blaming the stream.
    await settledWithin(source.exited, 5000)
    if (err instanceof TarFormatError) throw new InputError(source.input, source.value, err.message)
    throw err
  } finally {
    stop()
  }
  const ms = performance.now() - start
  const { bytes: rootfsSize, entries, firstByteAt } = inspector.facts
  log.info(
    `${formatBytes(rootfsSize)} rootfs (${entries} entries) -> ${formatBytes(hasher.bytes)} ` +
      `img.tar.lz4 (${((100 * hasher.bytes) / Math.max(1, rootfsSize)).toFixed(1)} %) in ${formatSeconds(ms)}, ` +
      `${formatBytes(rootfsSize / (ms / 1000))}/s; ${encoder.stats.blocks} blocks, one LZ4 frame`,
  )
  return {
    firstByteMs: firstByteAt === undefined ? undefined : firstByteAt - start,
    md5: hasher.md5Hex(),
    size: hasher.bytes,
    rootfsSize,
    files: inspector.facts.files,
  }
}

/** Rejects like `promise` if it settles within `ms`; resolves otherwise. */
async function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  } finally {
    clearTimeout(timer)
  }
}
