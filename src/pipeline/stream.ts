import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HC_MIN_LEVEL } from '../lz4/compressor.ts'
import { Lz4FrameEncoder } from '../lz4/frame.ts'
import { BUILD_INFO_PATH, TarFileInjection } from '../rootfs/build-info.ts'
import { EntryReplacements } from '../rootfs/replace.ts'
import type { ContractChecker } from '../rootfs/contract/checker.ts'
import { contractEntry } from '../rootfs/contract/checks.ts'
import { TarFormatError, TarInspector, type EntrySink } from '../rootfs/inspect.ts'
import type { OpenedSource } from '../source/opened.ts'
import { InputError } from '../util/errors.ts'
import { formatBytes, formatSeconds, type Log } from '../util/log.ts'
import { Hasher } from './hash.ts'
import { recycling } from './tee.ts'
import { reportProgress } from './progress.ts'
import { readAheadOnThread } from './spill.ts'

export interface Streamed {
  /** From the start of the stream to its first byte: how long a streamed build ran. */
  firstByteMs: number | undefined
  md5: string
  /** Lowercase hex per algorithm asked for. */
  checksums: Record<string, string>
  /** Compressed bytes. */
  size: number
  rootfsSize: number
  /** Files of the rootfs kept out of the stream (see `capture`). */
  files: Map<string, Buffer>
}

export interface StreamOptions {
  level: number
  checksums: string[]
  /** Content for /etc/metal/build.yaml, put into the rootfs on its way; undefined: the tar as it is. */
  buildInfo: Promise<string> | undefined
  /** Which files of the rootfs to keep (package databases, what the contract reads). */
  capture: (path: string, size: number) => boolean
  /** Files of any size to hand over piece by piece as they pass (package databases). */
  stream?: (path: string, size: number) => EntrySink | undefined
  /** Sees every entry of the rootfs, and the files it wants. */
  contract: ContractChecker | undefined
  log: Log
  signal: AbortSignal
  progressIntervalMs: number | undefined
}

/**
 * The one pass over the rootfs: source -> tar inspector -> LZ4 frame encoder -> hasher -> destination.
 * The uncompressed rootfs is never on disk and never read twice.
 */
export async function streamRootfs(
  source: OpenedSource,
  destination: Writable,
  { level, checksums, buildInfo, capture, stream, contract, log, signal, progressIntervalMs }: StreamOptions,
): Promise<Streamed> {
  log.info(`Rootfs from ${source.method}`)
  // Docker's export or BuildKit must not wait for the CPU our compression and hashing take (workers.ts);
  // a tar on disk has no producer to yield to, and keeping the threads at normal priority keeps less in
  // memory.
  const background = source.producer
  // The encoder is the last stage to read the rootfs's bytes: it gives the source's memory back.
  const encoder = new Lz4FrameEncoder({
    level,
    concurrency: availableParallelism(),
    background,
    release: source.release,
    // A stored block's garbage counts twice: the .deb files near the end of a rootfs are stored, and
    // their memory would otherwise pile up before the next collection (README, benchmark).
    onStored: (bytes) => void (!recycled && inspector.madeGarbage(2 * bytes)),
    onCopied: (bytes) => inspector.madeGarbage(bytes),
    log,
  })
  // Where the store says when it is done with a block, the encoder compresses the next ones into it.
  const recycled = recycling(destination, encoder.recycle)
  const sink = recycled ?? destination
  const inspector = new TarInspector({
    capture: (path, size) => capture(path, size) || (contract?.wants(path) ?? false),
    stream,
    observer: contract && {
      observe: (header) => contract.observe(contractEntry(header)),
      file: (path, content) => contract.file(path, content),
    },
    inject: buildInfo && new TarFileInjection(BUILD_INFO_PATH, buildInfo),
    replace: source.correct && new EntryReplacements(source.correct.paths, source.correct.truth),
    release: source.release,
    // Read into a pool and written from the encoder's blocks: the big buffers are all used again.
    collect: !(source.release && recycled),
  })
  const hasher = new Hasher(checksums, { background })
  const stop = reportProgress(
    () => ({ read: inspector.facts.bytes, written: hasher.bytes }),
    log.info,
    progressIntervalMs,
  )
  const onSpill = (file: string): void =>
    log.info(
      `The rootfs comes faster than it is compressed, and BuildKit's client would keep the difference in ` +
        `its memory: it goes to ${dirname(file)} instead, LZ4-compressed, in a file removed as it is made`,
    )
  // At lz4's fast levels the pipeline keeps up with BuildKit nearly enough that reading ahead costs more
  // (a thread, a spill file) than buildx's client keeps meanwhile (README, benchmark); LZ4 HC does not.
  const input =
    source.takeFd && level >= HC_MIN_LEVEL ? readAheadOnThread(source.takeFd(), { onSpill }) : source.stream
  const start = performance.now()
  try {
    await pipeline([input, inspector, encoder, hasher, sink], { signal })
    await source.exited
  } catch (err) {
    // A producer that failed (a build step, docker export) explains a short or broken stream better
    // than the tar reader does; give it a moment to report before blaming the stream.
    await settledWithin(source.exited, 5000)
    if (err instanceof TarFormatError) throw new InputError(source.input, source.value, err.message)
    // A stage that wrote into the store after the store had failed gets "Cannot call write after a
    // stream was destroyed"; the store's own error (an upload out of retries) says what went wrong.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED')
      throw (sink as Writable).errored ?? destination.errored ?? err
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
