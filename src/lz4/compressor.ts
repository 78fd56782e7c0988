import { Worker } from 'node:worker_threads'
import type { Log } from '../util/log.ts'
import { BACKGROUND_NICE, workerUrl } from '../util/workers.ts'
import { loadLz4Block, type Lz4Block } from './native.ts'

export interface CompressedBlock {
  /** The compressed block, or the input itself when compression did not make it smaller. */
  data: Buffer
  stored: boolean
  /** A buffer free for reuse: the input block when `data` is not the input, else the unused output. */
  spare?: Buffer
}

/** Compresses independent LZ4 blocks as lz4frame does: what does not get smaller is stored as is. */
export interface BlockCompressor {
  /**
   * Takes ownership of `block`, which must start at offset 0 of an ArrayBuffer of its own
   * (`Buffer.allocUnsafeSlow`): the buffer may move to another thread. Use `data` from the result
   * afterwards, never `block`.
   */
  compress(block: Buffer): Promise<CompressedBlock>
  close(): Promise<void>
}

/** lz4 1.9.4's command line uses its fast compressor below level 3 (LZ4HC_CLEVEL_MIN). */
export const HC_MIN_LEVEL = 3
export const MAX_LEVEL = 12
/** The frame's block size (frame.ts), the largest block a compressor is given. */
const MAX_BLOCK = 4 << 20
/** Where the addon compresses to: a buffer of at least MAX_BLOCK bytes that it may keep as the result. */
export type TakeBuffer = () => Buffer
const fresh: TakeBuffer = () => Buffer.allocUnsafeSlow(MAX_BLOCK)

/**
 * `background`: compress at the background nice value (see workers.ts), for a producer to go first.
 * `log` hears (debug) which compressor runs. `take`: the buffers blocks compress into (a pool's).
 */
export async function createBlockCompressor(
  level: number,
  concurrency: number,
  background = false,
  log?: Pick<Log, 'debug'>,
  take: TakeBuffer = fresh,
): Promise<BlockCompressor> {
  const native = loadLz4Block()
  if (native.addon) {
    log?.debug(`LZ4 level ${level}: lz4 ${native.addon.version}'s C (${native.file}), a thread per block`)
    return nativeCompressor(native.addon, level, background, take)
  }
  log?.debug(
    `LZ4 level ${level}: ${native.reason}, so src/lz4/hc.ts in worker threads` +
      (level < HC_MIN_LEVEL ? ' (slower, and LZ4 HC: not the bytes of lz4 -1)' : ' (slower)'),
  )
  return workerCompressor(level, concurrency, background)
}

/**
 * lz4's C through native/lz4block.c: every block on a thread of its own, which the frame encoder's limit
 * on blocks in flight keeps to about one per core. Those threads are not worker threads: a cancelled run
 * ends without waiting for the blocks in progress (seconds each at level 12; see the addon).
 */
export function nativeCompressor(
  addon: Lz4Block,
  level: number,
  background: boolean,
  take: TakeBuffer = fresh,
): BlockCompressor {
  const nice = background ? BACKGROUND_NICE : 0
  return {
    async compress(block) {
      // lz4frame compresses into srcSize - 1 bytes: anything that does not fit is stored instead.
      if (block.length <= 1) return { data: block, stored: true }
      // The block is written from where it was compressed: no copy, and with a pool no garbage either.
      const dst = take()
      const n = await addon.compress(block, dst.subarray(0, block.length - 1), level, nice)
      if (n === 0) return { data: block, stored: true, spare: dst }
      return { data: dst.subarray(0, n), stored: false, spare: block }
    },
    // Nothing to wait for: a block still compressing holds its own buffers and is dropped when done.
    async close() {},
  }
}

/** The worker hands back the compressed block (or nothing, when it stored it) and the source block. */
interface HcResult {
  id: number
  src: ArrayBuffer
  srcLength: number
  out: ArrayBuffer | null
  outLength: number
  error?: string
}

/**
 * Where the addon does not load (macOS, musl, another CPU), our TypeScript port of LZ4 HC (src/lz4/hc.ts)
 * runs on a worker thread per core: at levels 3-12 the same bytes at about 0.6x the speed; at 1-2 it is
 * LZ4 HC with two searches per position, smaller and several times slower than lz4's fast compressor.
 * Blocks are transferred, not copied, to and from the workers. Ending them (close) waits for nothing: V8
 * stops the port mid-block.
 */
export function workerCompressor(level: number, concurrency: number, background: boolean): BlockCompressor {
  const workers: Worker[] = []
  const idle: Worker[] = []
  const waiting: (() => void)[] = []
  const callbacks = new Map<number, { resolve: (b: CompressedBlock) => void; reject: (e: Error) => void }>()
  let nextId = 0
  let failure: Error | undefined

  const fail = (err: Error): void => {
    failure ??= err
    for (const cb of callbacks.values()) cb.reject(err)
    callbacks.clear()
  }
  for (let i = 0; i < concurrency; i++) {
    const worker = new Worker(workerUrl('lz4-worker'), { workerData: { level, background } })
    worker.on('message', (msg: HcResult) => {
      const cb = callbacks.get(msg.id)
      callbacks.delete(msg.id)
      idle.push(worker)
      waiting.shift()?.()
      if (!cb) return
      if (msg.error) cb.reject(new Error(`lz4 worker: ${msg.error}`))
      else {
        const src = Buffer.from(msg.src, 0, msg.srcLength)
        cb.resolve(
          msg.out
            ? { data: Buffer.from(msg.out, 0, msg.outLength), stored: false, spare: src }
            : { data: src, stored: true },
        )
      }
    })
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`lz4 worker exited with code ${code}`))
    })
    workers.push(worker)
    idle.push(worker)
  }

  return {
    async compress(block) {
      if (failure) throw failure
      while (idle.length === 0) await new Promise<void>((resolve) => waiting.push(resolve))
      const worker = idle.pop()!
      const id = nextId++
      // The block moves to the worker instead of being copied.
      const data = block.buffer as ArrayBuffer
      return new Promise((resolve, reject) => {
        callbacks.set(id, { resolve, reject })
        worker.postMessage({ id, data, length: block.length }, [data])
      })
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}
