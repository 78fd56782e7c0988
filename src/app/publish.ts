import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { PublishConfig } from '../config/types.ts'
import { PackageDatabases } from '../packages/installed.ts'
import { streamRootfs, type Streamed } from '../pipeline/stream.ts'
import { Tee } from '../pipeline/tee.ts'
import { doneByCallback } from '../util/chunk-pool.ts'
import {
  checksumFile,
  checksumLine,
  IMAGE_FILE,
  MD5_FILE,
  PACKAGES_FILE,
  parseChecksumLine,
  setCommit,
} from '../release/files.ts'
import { makePlan, type Plan } from '../release/plan.ts'
import { indexUpdate } from '../release/versions-index.ts'
import { buildInfoYaml } from '../rootfs/build-info.ts'
import { ContractChecker } from '../rootfs/contract/checker.ts'
import { restoreCache, saveCache, type CacheState } from '../source/cache.ts'
import { openSource, sourceTitle } from '../source/open.ts'
import type { OpenedSource } from '../source/opened.ts'
import { CommitFailure, type Store, type Transaction } from '../store/store.ts'
import { errorMessage, failure, InputError, isSystemError, StageError } from '../util/errors.ts'
import { gitHead } from '../util/git.ts'
import { formatBytes } from '../util/log.ts'
import { ImageTest, testPrerequisites, type TestDocument } from '../verify/test.ts'
import { describeImage } from './describe.ts'
import type { PublishedFile, RunResult } from './result.ts'
import { Phases, type RunOptions } from './run-options.ts'

/**
 * The whole job of mode publish, phase by phase: decide the version and the place, get the rootfs
 * (build, image or tar), stream it once through inspection, compression and hashing into the store,
 * describe it (packages, SBOM, contract), test it (install, boot: the published bytes, teed as they are
 * written), then put the set in place and add it to versions.json.
 */
export async function publish(config: PublishConfig, store: Store, options: RunOptions): Promise<RunResult> {
  const { log, signal, ctx } = options
  const phases = new Phases(log)
  // A test that cannot run here fails the run before the build, not after it.
  const cannotTest = testPrerequisites(config.test)
  if (cannotTest) throw new StageError('test', cannotTest)
  // Outside GitHub the build info asks git: that runs while the version is decided and the rootfs
  // streams; the answer is needed only at the end of the archive.
  const buildInfo = config.buildInfo ? Promise.resolve(ctx.head ?? gitHead(ctx.cwd)) : undefined
  buildInfo?.catch(() => {})

  const plan = await makePlan(config, store, ctx)
  const { version } = plan
  log.info(
    `Image ${version.imageId} (semver ${version.semver}) to ${store.url(plan.imageDir)}/` +
      `${plan.decision.previous ? `, after ${plan.decision.previous}` : ''}; compression level ${config.compressionLevel}`,
  )
  if (plan.decision.action === 'skip') return skipped(plan, store, log)

  // A versioned path is created once: of two runs racing to publish it, only one may win.
  const exclusive = config.layout === 'versioned' && plan.decision.action === 'publish'
  const tx = await store.begin([plan.imageDir], { exclusive, log })
  const set = new ImageSet(tx, store, plan.imageDir, options.localCopy, log)
  // From here on the store's budget (upload-timeout) stops the run too.
  const stop = tx.signal
  const databases = new PackageDatabases({ log })
  let source: OpenedSource | undefined
  let cleaned: Promise<void> | undefined
  const cleanup = (): Promise<void> => (cleaned ??= source?.cleanup() ?? Promise.resolve())
  let test: ImageTest | undefined
  let publishedIn: string | undefined
  try {
    const built = config.source.kind === 'build' ? config.source.build : undefined
    const cache: CacheState | undefined =
      config.cache && built
        ? await phases.group('Build cache', () =>
            restoreCache(built, `${config.osName}-${config.osVersion}`, log),
          )
        : undefined
    if (options.localCopy) await mkdir(options.localCopy, { recursive: true })
    const opened = await phases.group(sourceTitle(config.source), () =>
      openSource(config.source, log, stop, cache?.use),
    )
    source = opened
    if (opened.before) phases.timings.push(opened.before)

    const contract = config.contract !== 'off' ? new ContractChecker() : undefined
    if (config.test.mode !== 'off') test = ImageTest.start(config.test, { log, signal, now: ctx.now })
    const streamed: Streamed = await phases.run(
      opened.streamsBuild ? 'Build, export and compress (one stream)' : 'Export and compress',
      'stream: export, inspect, compress, hash, write',
      () =>
        set.naming(
          streamRootfs(opened, set.imageStream(test?.input), {
            level: config.compressionLevel,
            checksums: config.checksums,
            buildInfo: buildInfo?.then((head) =>
              buildInfoYaml({ date: ctx.now, imageId: version.imageId, version: version.version, ...head }),
            ),
            capture: (path, size) => databases.capture(path, size),
            stream: (path, size) => databases.stream(path, size),
            contract,
            log,
            signal: stop,
            progressIntervalMs: options.progressIntervalMs,
          }),
        ),
    )
    // A push is part of the build: it has succeeded once the stream is complete, before anything is published.
    const registry = await opened.pushed?.()
    // What was made only to get the rootfs out (a container, a temporary image name) goes while the
    // image is described and published; the cache, when there is one, still needs the build's.
    if (!cache) cleanup().catch(() => {})
    if (opened.streamsBuild && streamed.firstByteMs !== undefined)
      phases.timings.splice(-1, 0, { stage: 'build (until the first rootfs byte)', ms: streamed.firstByteMs })

    const described = await phases.run('Packages, SBOM and contract', 'packages.txt, SBOM, contract', () =>
      describeImage(streamed, databases, contract, config, plan, store, ctx.now, log, signal),
    )
    const tested = test && (await testImage(test, config.test.mode, phases))
    const files = await phases.run('Publish', 'publish', async () => {
      stop.throwIfAborted()
      for (const [name, data] of described.files) await set.write(name, data)
      for (const alg of config.checksums)
        await set.write(checksumFile(alg), checksumLine(streamed.checksums[alg]!))
      return set.commit(plan, { md5: streamed.md5, size: streamed.size }, config.versionsJson, () =>
        decideAgain(config, store, options, plan, streamed.md5),
      )
    })
    if (typeof files === 'string') return raced(plan, store, files, streamed, phases)
    publishedIn = store.url(plan.imageDir)

    // The image is out; a cache that cannot be saved costs the next build time, not this one.
    const cacheNote =
      cache && built
        ? await phases.group('Build cache', () =>
            saveCache(cache, opened, built, log, signal).catch((err: unknown) => {
              if (signal.aborted) throw err
              log.warning(`Build cache: not saved: ${errorMessage(err)}`)
              return `not saved: ${errorMessage(err)}`
            }),
          )
        : undefined
    return {
      ...imageFacts(plan, store, streamed),
      files,
      method: opened.method,
      ...(registry ? { registry } : {}),
      timings: phases.timings,
      localFiles: set.localFiles([
        IMAGE_FILE,
        ...config.checksums.map(checksumFile),
        ...(described.packages ? [PACKAGES_FILE] : []),
      ]),
      build: {
        rootfsSize: streamed.rootfsSize,
        compressionLevel: config.compressionLevel,
        packages: described.packages?.count,
        contract: described.contract,
        cache: cacheNote,
        packageChanges: described.packageChanges,
        test: tested,
        testLogs: test?.logFiles(),
      },
    }
  } catch (err) {
    await tx.abort()
    // A commit that failed says itself what it left where.
    if (err instanceof CommitFailure) throw err
    if (publishedIn) {
      const what = signal.aborted ? `cancelled (${String(signal.reason)})` : errorMessage(err)
      throw new StageError(
        signal.aborted ? 'cancel' : 'publish',
        `${what} after the new set was published in ${publishedIn}/`,
        { cause: err },
      )
    }
    if (signal.aborted)
      throw new StageError('cancel', `cancelled: nothing was published (${String(signal.reason)})`)
    if (stop.aborted) throw new StageError('store', `${errorMessage(stop.reason)}: nothing was published`)
    throw test?.explain(err) ?? err
  } finally {
    await test?.close()
    databases.dispose()
    await cleanup()
    tx.end()
  }
}

/** The test's own phases (install, boot) after the stream fed it; its sub-stages go to the timings. */
async function testImage(test: ImageTest, mode: string, phases: Phases): Promise<TestDocument> {
  return phases.group(mode === 'boot' ? 'Test: install and boot' : 'Test: install', async () => {
    try {
      return await test.finish()
    } finally {
      phases.timings.push(...test.timings)
    }
  })
}

/** The facts of the plan every result carries. */
function planFacts(
  plan: Plan,
): Pick<RunResult, 'imageId' | 'version' | 'semver' | 'previous' | 'releaseTag' | 'channel'> {
  return {
    imageId: plan.version.imageId,
    version: plan.version.version,
    semver: plan.version.semver,
    previous: plan.decision.previous,
    releaseTag: plan.releaseTag,
    channel: plan.channel.join('/'),
  }
}

/** on-conflict: skip, and this version exists: no build, the existing image's facts as the result. */
async function skipped(plan: Plan, store: Store, log: RunOptions['log']): Promise<RunResult> {
  // The version exists and none is newer, so the folder holds it in either layout.
  const path = `${plan.imageDir}/${IMAGE_FILE}`
  const entry = plan.index.versions.find((e) => e.version === plan.version.version)
  const md5 = entry?.md5 ?? (await store.read(`${path}.md5`))?.toString().slice(0, 32) ?? ''
  log.info(`${plan.version.imageId} already exists at ${store.url(path)}; on-conflict is skip: nothing built`)
  return {
    ...planFacts(plan),
    url: store.url(path),
    md5,
    checksums: { md5 },
    size: entry?.size ?? 0,
    files: [],
    method: 'skipped: this version already exists',
    timings: [],
  }
}

/**
 * Under the folder's lock, before anything is touched: the plan made again against what the folder holds
 * now. Another run may have published since this one planned: a version now lower than a published one,
 * or one that exists where on-conflict fails, lost the race (unless it is the very same image: then
 * there is nothing to do); on-conflict skip skips. Returns why the set is not committed, if it is not.
 */
async function decideAgain(
  config: PublishConfig,
  store: Store,
  options: RunOptions,
  plan: Plan,
  md5: string,
): Promise<string | undefined> {
  let now: Plan
  try {
    now = await makePlan(config, store, options.ctx)
  } catch (err) {
    if (!(err instanceof InputError) || !['date', 'on-conflict'].includes(err.input)) throw err
    const there = parseChecksumLine((await store.read(`${plan.imageDir}/${MD5_FILE}`))?.toString())
    if (there === md5)
      return `another run published the same image (md5 ${md5}) to ${store.url(plan.imageDir)}/ first: nothing to do`
    throw new StageError(
      'store',
      `lost the race for ${store.url(plan.imageDir)}/: another run published there while this one was building (${err.message.replace(/^input "[^"]+"( = "[^"]*")?: /, '')}); nothing of this run was published, the other run's files are untouched`,
    )
  }
  if (now.decision.action === 'skip')
    return `${now.version.imageId} was published by another run while this one was building; on-conflict is skip: nothing published`
  return undefined
}

/** The facts of an image this run made, whether it published it or not. */
function imageFacts(
  plan: Plan,
  store: Store,
  streamed: Streamed,
): Pick<RunResult, 'url' | 'md5' | 'checksums' | 'size'> & ReturnType<typeof planFacts> {
  return {
    ...planFacts(plan),
    url: store.url(`${plan.imageDir}/${IMAGE_FILE}`),
    md5: streamed.md5,
    checksums: streamed.checksums,
    size: streamed.size,
  }
}

/** The result of a run whose set was not committed because another run got there first. */
function raced(plan: Plan, store: Store, reason: string, streamed: Streamed, phases: Phases): RunResult {
  return {
    ...imageFacts(plan, store, streamed),
    files: [],
    method: reason,
    timings: phases.timings,
  }
}

/**
 * The files of one image, written to the transaction and, when asked, to a local copy (the workflow
 * artifact of a run that publishes to a bucket: the image is teed, not read back).
 */
class ImageSet {
  private readonly sizes = new Map<string, number>()
  private readonly tx: Transaction
  private readonly store: Store
  private readonly dir: string
  private readonly copyDir: string | undefined
  private readonly log: RunOptions['log']
  /** Errors of the image's write streams, and where each was writing. */
  private readonly streamErrors = new WeakMap<Error, string>()

  constructor(
    tx: Transaction,
    store: Store,
    dir: string,
    copyDir: string | undefined,
    log: RunOptions['log'],
  ) {
    this.tx = tx
    this.store = store
    this.dir = dir
    this.copyDir = copyDir
    this.log = log
  }

  /** Where the image is written: the store, the local copy, and `test` (the image test's input). */
  imageStream(test?: Writable): Writable {
    const toStore = this.watch(this.tx.createWriteStream(`${this.dir}/${IMAGE_FILE}`), this.storeDir())
    const copies = [
      ...(this.copyDir
        ? [this.watch(doneByCallback(createWriteStream(join(this.copyDir, IMAGE_FILE))), this.copyDir)]
        : []),
      ...(test ? [test] : []),
    ]
    return copies.length ? new Tee(toStore, ...copies) : toStore
  }

  /** The stream's failure, when it was writing the image, says so: `cannot write img.tar.lz4 to ...: the disk is full`. */
  async naming<T>(streaming: Promise<T>): Promise<T> {
    return streaming.catch((err: unknown) => {
      const where = err instanceof Error ? this.streamErrors.get(err) : undefined
      throw where && isSystemError(err) ? failure('store', `write ${IMAGE_FILE} to ${where}`, err) : err
    })
  }

  async write(name: string, data: string | Buffer): Promise<void> {
    const named = (where: string) => (err: unknown) => {
      throw isSystemError(err) ? failure('store', `write ${name} to ${where}`, err) : err
    }
    await this.tx.writeFile(`${this.dir}/${name}`, data).catch(named(this.storeDir()))
    if (this.copyDir) await writeFile(join(this.copyDir, name), data).catch(named(this.copyDir))
    this.sizes.set(name, data.length)
  }

  /** The destination folder as the user wrote it: a path for a local one. */
  private storeDir(): string {
    const url = this.store.url(this.dir)
    return url.startsWith('file://') ? fileURLToPath(url) : url
  }

  private watch<S extends Writable>(stream: S, where: string): S {
    stream.on('error', (err) => this.streamErrors.set(err, where))
    return stream
  }

  /**
   * Puts the set in place with its versions.json entry, under the folder's lock (store/commit.ts), once
   * `decide` agrees. Returns the published files, or why nothing was published.
   */
  async commit(
    plan: Plan,
    image: { md5: string; size: number },
    index: boolean,
    decide: () => Promise<string | undefined>,
  ): Promise<PublishedFile[] | string> {
    const at = (name: string): string => `${this.dir}/${name}`
    const roles = setCommit([IMAGE_FILE, ...this.sizes.keys()])
    const outcome = await this.tx.commit({
      lockDir: plan.indexDir,
      image: at(IMAGE_FILE),
      companions: roles.companions.map(at),
      seal: roles.seal.map(at),
      retract: roles.retract.map(at),
      obsolete: roles.obsolete.map(at),
      index: index
        ? indexUpdate(plan.indexDir, plan.placement, {
            version: plan.version.version,
            imageId: plan.version.imageId,
            md5: image.md5,
            size: image.size,
            published: new Date().toISOString(),
            path: plan.imageDir === plan.indexDir ? IMAGE_FILE : `${plan.version.date}/${IMAGE_FILE}`,
          })
        : undefined,
      decide,
    })
    if (!outcome.committed) {
      this.log.info(outcome.reason)
      return outcome.reason
    }
    this.sizes.set(IMAGE_FILE, image.size)
    const published = roles.order.map((name) => ({
      name,
      url: this.store.url(at(name)),
      bytes: this.sizes.get(name)!,
    }))
    for (const f of published) this.log.info(`${f.url} (${formatBytes(f.bytes)})`)
    return published
  }

  /** Where the image's files are on this machine: the copy's folder, or the destination folder itself. */
  localFiles(names: string[]): RunResult['localFiles'] {
    if (this.copyDir) return { folder: this.copyDir, names }
    const url = this.store.url(`${this.dir}/${IMAGE_FILE}`)
    if (url.startsWith('file://')) return { folder: dirname(fileURLToPath(url)), names }
    return undefined
  }
}
