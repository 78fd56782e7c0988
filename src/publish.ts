import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { pipeline } from 'node:stream/promises'
import { contractEntry, ContractChecker, formatContractJson, type ContractDocument } from './contract.ts'
import { InputError, StageError } from './errors.ts'
import { BUILD_INFO_PATH, buildInfoYaml, TarFileInjection, type BuildInfo } from './build-info.ts'
import { gitHead } from './git.ts'
import { Hasher, md5sumLine } from './hash.ts'
import { CHECKSUM_ALGORITHMS, type BuildConfig, type ChecksumAlgorithm, type Config } from './inputs.ts'
import { TarFormatError, TarInspector } from './inspect.ts'
import { diffPackages, formatPackageDiff, PackageListError } from './package-diff.ts'
import { isPackageDatabase, osRelease, readInstalledPackages } from './packages.ts'
import { buildSbom, SBOM_FILE, serializeSbom } from './sbom.ts'
import { formatBytes, formatSeconds, silentLog, type Log } from './log.ts'
import { Lz4FrameEncoder } from './lz4/frame.ts'
import { reportProgress } from './progress.ts'
import { exportInlineCache, openSource, type BuildCacheUse, type OpenedSource } from './source.ts'
import {
  buildCacheDir,
  cacheKey,
  contextDigest,
  dockerfilePath,
  fileDigest,
  newCacheDir,
  restoreBuildCache,
  rotateCacheDir,
  saveBuildCache,
  type RestoredCache,
} from './build-cache.ts'
import { defaultPlanContext, makePlan, type Plan, type PlanContext } from './plan.ts'
import { promote } from './promote.ts'
import { openStore } from './store/open.ts'
import type { S3Tuning } from './store/s3.ts'
import type { Store, Transaction } from './store/store.ts'
import { INDEX_FILE, parseIndex, serializeIndex, withEntry } from './versions-index.ts'

export const IMAGE_FILE = 'img.tar.lz4'
export const MD5_FILE = `${IMAGE_FILE}.md5`
export const PACKAGES_FILE = 'packages.txt'
export const CONTRACT_FILE = 'contract.json'
/** Every checksum file an image may have; those not asked for are removed with an older set's. */
const CHECKSUM_FILES = CHECKSUM_ALGORITHMS.map((alg) => `${IMAGE_FILE}.${alg}`)

export interface PublishOptions {
  log?: Log
  /** Cancels the run: docker is stopped and nothing is published. */
  signal?: AbortSignal
  /** When, where and in which workflow run; defaults to now, the working directory, GITHUB_*. */
  context?: Partial<PlanContext>
  progressIntervalMs?: number
  /**
   * A folder that also gets the image and its companion files as they are written (the workflow
   * artifact of a run that publishes to a bucket); the image is teed, not read back.
   */
  localCopy?: string
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
  /** Every checksum computed (md5 always), lowercase hex. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>
  /** Compressed bytes. */
  size: number
  /** Undefined when nothing was built (skipped, promoted). */
  rootfsSize: number | undefined
  /** Packages listed in packages.txt; undefined when the rootfs has no package database. */
  packages: number | undefined
  /** The contract check; undefined when nothing was built. */
  contract?: ContractDocument
  /** The build cache, for the summary: whether it hit, and whether a new one was saved. */
  cache?: string
  /** What changed in packages.txt since the previous version, as Markdown for the summary. */
  packageChanges?: string
  /** The image, its checksum files and packages.txt on this machine (the workflow artifact's files). */
  localFiles?: { folder: string; names: string[] }
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
  const store = await openStore(config, options.storeTuning)
  if (config.mode === 'promote') return promote(config, store, log)
  const signal = options.signal ?? new AbortController().signal
  // Outside GitHub the build info asks git (three processes): that runs while the version is decided
  // and the rootfs streams; the answer is needed only at the end of the archive.
  const headPending = config.buildInfo ? buildHead(ctx) : undefined
  headPending?.catch(() => {})
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
    const cache = config.cache ? await log.group('Build cache', () => restoreCache(config, log)) : undefined
    source = await log.group(sourceTitle, () => openSource(config.source, log, signal, cache?.use))
    const opened = source
    if (opened.buildMs !== undefined) timings.push({ stage: 'build', ms: opened.buildMs })
    else if (config.source.kind === 'image')
      timings.push({ stage: 'prepare (pull if missing, create container)', ms: performance.now() - prepared })

    const copyDir = options.localCopy
    if (copyDir) await mkdir(copyDir, { recursive: true })
    const imageDestination = (): Writable => {
      const toStore = tx.createWriteStream(at(IMAGE_FILE))
      return copyDir ? new Tee(toStore, createWriteStream(join(copyDir, IMAGE_FILE))) : toStore
    }
    const buildInfo = headPending?.then((head) =>
      buildInfoYaml({ date: ctx.now, imageId: version.imageId, version: version.version, ...head }),
    )
    // With BuildKit the build and the export are one stream: the build is over at its first byte.
    const streaming = config.source.kind === 'build' && opened.buildMs === undefined
    const streamTitle = streaming ? 'Build, export and compress (one stream)' : 'Export and compress'
    const streamed = await log.group(streamTitle, () =>
      timed('stream: export, inspect, compress, hash, write', () =>
        streamRootfs(opened, imageDestination(), {
          level: config.compressionLevel,
          checksums: config.checksums,
          buildInfo,
          checkContract: config.contract !== 'off',
          log,
          signal,
          progressIntervalMs: options.progressIntervalMs,
        }),
      ),
    )
    if (streaming && streamed.firstByteMs !== undefined)
      timings.splice(timings.length - 1, 0, {
        stage: 'build (until the first rootfs byte)',
        ms: streamed.firstByteMs,
      })

    // Bytes of each companion file, for the log and the summary.
    const sizes: Record<string, number> = { [IMAGE_FILE]: streamed.size }
    const write = async (name: string, data: string | Buffer): Promise<void> => {
      await tx.writeFile(at(name), data)
      if (copyDir) await writeFile(join(copyDir, name), data)
      sizes[name] = data.length
    }
    const installed = await log.group('Packages, SBOM and contract', () =>
      timed('packages.txt, SBOM, contract', async () => {
        const found = readInstalledPackages(streamed.files, version.imageId, log)
        if (found) await write(PACKAGES_FILE, found.listing)
        const packageChanges = found ? await packagesSince(store, plan, found.listing, log) : undefined
        if (config.sbom) {
          const sbom = serializeSbom(
            buildSbom({
              imageId: version.imageId,
              version: version.version,
              osRelease: osRelease(streamed.files),
              packages: found?.sbom ?? [],
              timestamp: ctx.now,
              tool: { name: 'metal-image-action', version: TOOL_VERSION },
            }),
          )
          await write(SBOM_FILE, sbom)
          log.info(`${SBOM_FILE}: CycloneDX 1.6, ${found?.sbom.length ?? 0} components`)
        }
        const contract = streamed.contract
          ? checkContract(streamed.contract, found?.names, config.contract, log)
          : undefined
        if (contract) await write(CONTRACT_FILE, contract.file)
        return { found, contract, packageChanges }
      }),
    )
    const packages = installed.found
    const contract = installed.contract

    const files = await log.group('Publish', () =>
      timed('publish', async () => {
        signal.throwIfAborted()
        const sums = config.checksums.map((alg) => `${IMAGE_FILE}.${alg}`)
        for (const alg of config.checksums)
          await write(`${IMAGE_FILE}.${alg}`, md5sumLine(streamed.checksums[alg]!, IMAGE_FILE))
        const names = [
          IMAGE_FILE,
          ...sums,
          ...(packages ? [PACKAGES_FILE] : []),
          ...(contract ? [CONTRACT_FILE] : []),
          ...(config.sbom ? [SBOM_FILE] : []),
        ]
        // Old checksums go before the new image shows; files this set lacks (a checksum not asked for
        // now, packages.txt of an image with dpkg) would describe a different image: they go too.
        await tx.commit(names.map(at), {
          retract: CHECKSUM_FILES.map(at),
          obsolete: [...CHECKSUM_FILES, PACKAGES_FILE, CONTRACT_FILE, SBOM_FILE]
            .filter((n) => !names.includes(n))
            .map(at),
        })
        // The index last: a reader of versions.json never sees a version whose files are not all there.
        await writeIndex(store, tx, plan, { md5: streamed.md5, size: streamed.size })
        const published = names.map((name) => ({ name, url: store.url(at(name)), bytes: sizes[name]! }))
        for (const f of published) log.info(`${f.url} (${formatBytes(f.bytes)})`)
        return published
      }),
    )

    // The image is out; a cache that cannot be saved costs the next build time, not this one.
    const built = config.source.kind === 'build' ? config.source.build : undefined
    const cacheNote =
      cache && built
        ? await log.group('Build cache', () => saveCache(cache, opened, built, log, signal))
        : undefined
    return {
      ...common,
      cache: cacheNote,
      url: store.url(at(IMAGE_FILE)),
      md5: streamed.md5,
      checksums: streamed.checksums,
      size: streamed.size,
      rootfsSize: streamed.rootfsSize,
      packages: packages?.count,
      contract: contract?.document,
      packageChanges: installed.packageChanges,
      localFiles: localFilesOf(store.url(at(IMAGE_FILE)), copyDir, [
        IMAGE_FILE,
        ...config.checksums.map((alg) => `${IMAGE_FILE}.${alg}`),
        ...(packages ? [PACKAGES_FILE] : []),
      ]),
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
    'url' | 'md5' | 'checksums' | 'size' | 'rootfsSize' | 'packages' | 'files' | 'method' | 'timings'
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
    checksums: { md5 },
    size: entry?.size ?? 0,
    rootfsSize: undefined,
    packages: undefined,
    files: [],
    method: 'skipped: this version already exists',
    timings: [],
  }
}

interface Streamed {
  /** From the start of the stream to its first byte: how long a streamed build ran. */
  firstByteMs: number | undefined
  md5: string
  checksums: Partial<Record<ChecksumAlgorithm, string>>
  size: number
  rootfsSize: number
  files: Map<string, Buffer>
  contract: ContractChecker | undefined
}

interface StreamOptions {
  level: number
  checksums: ChecksumAlgorithm[]
  /** Content for /etc/metal/build.yaml, put into the rootfs on its way; undefined: the tar as it is. */
  buildInfo: Promise<string> | undefined
  checkContract: boolean
  log: Log
  signal: AbortSignal
  progressIntervalMs: number | undefined
}

async function streamRootfs(
  source: OpenedSource,
  destination: Writable,
  { level, checksums, buildInfo, checkContract, log, signal, progressIntervalMs }: StreamOptions,
): Promise<Streamed> {
  log.info(`Rootfs from ${source.method}`)
  const contract = checkContract ? new ContractChecker() : undefined
  const inspector = new TarInspector({
    capture: (path) => isPackageDatabase(path) || (contract?.wants(path) ?? false),
    observer: contract && {
      observe: (header) => contract.observe(contractEntry(header)),
      file: (path, content) => contract.file(path, content),
    },
    inject: buildInfo && new TarFileInjection(BUILD_INFO_PATH, buildInfo),
    release: source.release,
  })
  // Docker's export or BuildKit must not wait for the CPU our compression and hashing take (workers.ts);
  // a tar on disk has no producer to yield to, and keeping the threads at normal priority keeps less in
  // memory (about 15 MB less peak RSS on the bench tar).
  const background = source.input !== 'rootfs'
  // The encoder is the last stage to read the rootfs's bytes: it gives the source's memory back.
  const encoder = new Lz4FrameEncoder({
    level,
    concurrency: availableParallelism(),
    background,
    release: source.release,
    // A stored block's garbage counts twice: on the bench rootfs, whose .deb files near the end are
    // stored, peak RSS went from 193-247 MB to 198-223 MB in six alternating runs, in the same time.
    onStored: (bytes) => inspector.madeGarbage(2 * bytes),
  })
  const hasher = new Hasher(checksums, { background })
  const stop = reportProgress(
    () => ({ read: inspector.facts.bytes, written: hasher.bytes }),
    log.info,
    progressIntervalMs,
  )
  const start = performance.now()
  try {
    await pipeline([source.stream, inspector, encoder, hasher, destination], { signal })
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
    checksums: hasher.digests!,
    size: hasher.bytes,
    rootfsSize,
    files: inspector.facts.files,
    contract,
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

/** What /etc/metal/build.yaml records of the source: the workflow run's repository, ref and commit, or the local checkout's. */
async function buildHead(ctx: PlanContext): Promise<Pick<BuildInfo, 'repository' | 'ref' | 'commit'>> {
  const env = process.env
  return ctx.run && env.GITHUB_SHA
    ? {
        repository: env.GITHUB_REPOSITORY ?? '',
        ref: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.GITHUB_REF || '',
        commit: env.GITHUB_SHA,
      }
    : gitHead(ctx.cwd)
}

/** What the tool writes into SBOMs; kept equal to package.json's version by __tests__/report.test.ts. */
export const TOOL_VERSION = '0.1.0'

/**
 * Finishes the contract check: one log line (and annotation) per finding, then the verdict. In mode
 * error a violation fails the run here, before anything is committed: nothing is published.
 */
function checkContract(
  checker: ContractChecker,
  names: Set<string> | undefined,
  mode: Config['contract'],
  log: Log,
): ReturnType<typeof formatContractJson> {
  const result = formatContractJson(checker.finish(names ? { names } : undefined), mode)
  for (const f of result.document.findings) {
    const line = `contract ${f.level} [${f.id}] ${f.message}${f.path ? ` (${f.path})` : ''}`
    if (f.level === 'error' || mode === 'warn') log.warning(line)
    else log.info(line)
  }
  const { errors, warnings } = result.document
  log.info(`contract: ${errors} errors, ${warnings} warnings (mode ${mode})`)
  if (result.document.failed) {
    const first = result.document.findings.filter((f) => f.level === 'error')
    throw new InputError(
      'contract',
      mode,
      `the rootfs breaks metal-hammer's contract, so nothing was published: ${first.map((f) => `[${f.id}] ${f.message}`).join('; ')}. Fix the image, or set contract to warn to publish it anyway`,
    )
  }
  return result
}

/** Where the image's files are on this machine: the copy's folder, or the destination folder itself. */
function localFilesOf(
  imageUrl: string,
  copyDir: string | undefined,
  names: string[],
): PublishResult['localFiles'] {
  if (copyDir) return { folder: copyDir, names }
  if (imageUrl.startsWith('file://')) return { folder: dirname(fileURLToPath(imageUrl)), names }
  return undefined
}

/** Writes to two streams, at the pace of the slower one; done when both are. */
class Tee extends Writable {
  private readonly targets: Writable[]

  constructor(...targets: Writable[]) {
    super({ highWaterMark: 1 << 20 })
    this.targets = targets
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    Promise.all(this.targets.map((t) => writeTo(t, chunk))).then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    Promise.all(
      this.targets.map(
        (t) =>
          new Promise<void>((resolve, reject) => {
            t.once('error', reject)
            t.end(() => resolve())
          }),
      ),
    ).then(() => done(), done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    for (const t of this.targets) t.destroy(err ?? undefined)
    done(err)
  }
}

function writeTo(target: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    target.once('error', onError)
    const ok = target.write(chunk, (err) => {
      if (err) return reject(err)
    })
    const finish = (): void => {
      target.off('error', onError)
      resolve()
    }
    if (ok) finish()
    else target.once('drain', finish)
  })
}

/**
 * The packages added, removed and upgraded since the previous version, from its packages.txt in the
 * store (read before this run replaces it): what a reviewer of an image change looks at first.
 */
async function packagesSince(
  store: Store,
  plan: Plan,
  listing: Buffer,
  log: Log,
): Promise<string | undefined> {
  const previous = plan.decision.previous
  if (!previous) return undefined
  const folder =
    plan.imageDir === plan.indexDir ? plan.imageDir : `${plan.indexDir}/${previous.split('.').at(-1)}`
  const before = await store.read(`${folder}/${PACKAGES_FILE}`)
  if (!before) return undefined
  try {
    const diff = diffPackages(before.toString('latin1'), listing.toString('latin1'))
    const since = `${plan.placement.osName}-${previous}`
    log.info(
      `packages since ${since}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.upgraded.length} upgraded, ${diff.downgraded.length} downgraded`,
    )
    return formatPackageDiff(diff, { since })
  } catch (err) {
    if (!(err instanceof PackageListError)) throw err
    log.warning(`The previous ${PACKAGES_FILE} in ${store.url(folder)} cannot be read: ${err.message}`)
    return undefined
  }
}

interface CacheState {
  use: BuildCacheUse
  key: string
  restored: RestoredCache
}

/** Restores the BuildKit cache for a build with `cache: true` (not with no-cache). */
async function restoreCache(config: Config, log: Log): Promise<CacheState | undefined> {
  if (!config.cache || config.source.kind !== 'build') return undefined
  const build = config.source.build
  if (build.noCache) {
    log.info('Build cache: not used: no-cache is set')
    return undefined
  }
  const remote = /^(https?:\/\/|git@|github\.com\/)/.test(build.context)
  const file = dockerfilePath(build)
  const keys = cacheKey(build, {
    contextDigest: remote
      ? createHash('sha256').update(build.context).digest('hex')
      : await contextDigest(build.context, file),
    dockerfileDigest: remote ? '' : await fileDigest(file),
    os: `${config.osName}-${config.osVersion}`,
  })
  const dir = buildCacheDir()
  const restored = await restoreBuildCache(dir, keys.key, keys.restoreKeys, log)
  const inlineRef = `metal-image-cache/${createHash('sha256').update(keys.key).digest('hex').slice(0, 16)}:inline`
  return { use: { dir, exportCache: restored.hit !== 'exact', inlineRef }, key: keys.key, restored }
}

/** Saves the cache the build exported (not after an exact hit: it is already saved); says what happened. */
async function saveCache(
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
  if (source.cacheKind === 'inline')
    await exportInlineCache(build, cache.use.inlineRef, newCacheDir(cache.use.dir), signal)
  const saved = (await rotateCacheDir(cache.use.dir))
    ? await saveBuildCache(cache.use.dir, cache.key, log)
    : undefined
  return `${restored}; ${saved?.saved ? `saved as ${cache.key}` : 'not saved'}`
}
