import { Transform, type TransformCallback } from 'node:stream'
import { availableParallelism } from 'node:os'
import { BlockPool, type Release } from '../util/chunk-pool.ts'
import type { Log } from '../util/log.ts'
import { createXxh32, xxh32, type Xxh32 } from './xxh32.ts'
import {
  createBlockCompressor,
  HC_MIN_LEVEL,
  type BlockCompressor,
  type CompressedBlock,
} from './compressor.ts'

/** lz4's own default and metal-images' choice: 4 MiB blocks (BD = 7). */
export const BLOCK_SIZE = 4 * 1024 * 1024
/**
 * A compressed block smaller than this goes downstream as a copy, and its 4 MiB block back into use at
 * once. The stages after the encoder hold what they buffer by bytes (1 MiB each): written from its
 * block, a block of zeros (16 KiB compressed) would keep 4 MiB out of use per 16 KiB buffered, up to
 * 256 MiB a stage. Above this size a copy costs more than the memory it would save.
 */
const COPY_BELOW = 1 << 20
const MAGIC = 0x184d2204
/** Version 01, independent blocks, no block checksums, no content size, content checksum on. */
const FLG = 0b0110_0100
const BD = 7 << 4
const UNCOMPRESSED_BIT = 0x8000_0000

export interface FrameStats {
  /** Uncompressed bytes in. */
  bytesIn: number
  /** Frame bytes out. */
  bytesOut: number
  blocks: number
  /** Blocks stored uncompressed because compression did not make them smaller. */
  storedBlocks: number
}

export interface FrameEncoderOptions {
  /** lz4 command-line levels: 1-2 fast, 3-12 high compression. */
  level: number
  /** Blocks compressed at the same time; bounds memory to about 2 x concurrency x 4 MiB. */
  concurrency?: number
  /** Compress at the background nice value (see workers.ts), for a producer to go first. */
  background?: boolean
  /** Called with each input chunk once it has been copied: its memory may be reused (chunk-pool.ts). */
  release?: Release
  /**
   * Called with the size of each block stored uncompressed (data that does not compress, such as the
   * .deb files in /var/cache/apt): its input buffer goes downstream instead of back into use, so where
   * nothing downstream gives blocks back (recycle), such a block leaves twice the garbage of another.
   */
  onStored?: (bytes: number) => void
  /** Called with the size of each compressed block written from a copy of its own (COPY_BELOW): garbage. */
  onCopied?: (bytes: number) => void
  /** Hears (debug) which block compressor runs. */
  log?: Pick<Log, 'debug'>
}

export async function frameHeader(): Promise<Buffer> {
  const header = Buffer.alloc(7)
  header.writeUInt32LE(MAGIC, 0)
  header[4] = FLG
  header[5] = BD
  header[6] = ((await xxh32(header.subarray(4, 6))) >>> 8) & 0xff
  return header
}

/**
 * Encodes a byte stream as exactly one LZ4 frame, compressing independent 4 MiB blocks in parallel
 * and emitting them in order. metal-hammer's decoder (pierrec/lz4 `NewReader`) stops after the first
 * frame, so the whole image must be a single frame: blocks are compressed concurrently but only ever
 * written as blocks of one frame.
 */
export class Lz4FrameEncoder extends Transform {
  readonly stats: FrameStats = { bytesIn: 0, bytesOut: 0, blocks: 0, storedBlocks: 0 }
  private readonly level: number
  private readonly concurrency: number
  private readonly maxInFlight: number
  private readonly background: boolean
  private readonly release: Release | undefined
  private readonly onStored: ((bytes: number) => void) | undefined
  private readonly onCopied: ((bytes: number) => void) | undefined
  private readonly log: Pick<Log, 'debug'> | undefined
  private compressor: BlockCompressor | undefined
  private hash: Xxh32 | undefined
  private block: Buffer | undefined
  private filled = 0
  /**
   * Input blocks and the blocks they compress into. Input blocks come back once compressed, output
   * blocks once written (recycle). Blocks in flight and what waits for the next stage: 6-8 of them on
   * the bench image and tar, at levels 1 and 9. Spares beyond 16 are left to the garbage collector.
   */
  private readonly pool = new BlockPool(BLOCK_SIZE, 16)
  /**
   * For the last stage to read this stream's chunks: a chunk it has written is given back for the next
   * blocks. Any other chunk is ignored, and a chunk never given back is left to the garbage collector.
   */
  readonly recycle: Release = (chunk) => this.pool.give(chunk)
  /** Blocks in flight, oldest first; each is written as soon as it and all before it are done. */
  private readonly pending: { done?: EncodedBlock }[] = []
  private failure: Error | undefined
  private wake: (() => void) | undefined

  constructor(options: FrameEncoderOptions) {
    super({ writableHighWaterMark: 1 << 20, readableHighWaterMark: 1 << 20 })
    this.level = options.level
    this.background = options.background ?? false
    this.release = options.release
    this.onStored = options.onStored
    this.onCopied = options.onCopied
    this.log = options.log
    this.concurrency = Math.max(1, options.concurrency ?? availableParallelism())
    // At the fast level one block beyond one per thread keeps the threads busy while this thread fills
    // the next (a block compresses in about as long as it takes to fill); a high-compression block takes
    // a hundred times longer than that, so there one per thread is enough and saves memory.
    this.maxInFlight = this.concurrency + (options.level < HC_MIN_LEVEL ? 1 : 0)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.hash) {
      this.start().then(() => this._transform(chunk, _enc, done), done)
      return
    }
    this.hash.update(chunk)
    this.stats.bytesIn += chunk.length
    // Synchronous unless a full block has to wait for room: most chunks (64 KiB from a pipe) only fill
    // the current block, and a promise per chunk would cost more than the copy.
    let offset = 0
    const fill = (): void => {
      while (offset < chunk.length) {
        this.block ??= this.pool.take()
        const n = chunk.copy(this.block, this.filled, offset)
        this.filled += n
        offset += n
        if (this.filled === BLOCK_SIZE) {
          this.submit()
          if (this.full()) return void this.room().then(fill, done)
        }
      }
      this.release?.(chunk)
      done()
    }
    fill()
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(), done)
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    const compressor = this.compressor
    this.compressor = undefined
    this.pending.length = 0
    if (!compressor) return done(err)
    compressor.close().then(
      () => done(err),
      () => done(err),
    )
  }

  private async start(): Promise<void> {
    this.compressor = await createBlockCompressor(
      this.level,
      this.concurrency,
      this.background,
      this.log,
      () => this.pool.take(),
    )
    this.hash = await createXxh32()
    this.emit_(await frameHeader())
  }

  private submit(): void {
    const block = this.block!.subarray(0, this.filled)
    this.block = undefined
    this.filled = 0
    const slot: { done?: EncodedBlock } = {}
    this.pending.push(slot)
    this.compressor!.compress(block)
      .then(encodeBlock)
      .then(
        (encoded) => {
          slot.done = encoded
          this.emitReady()
        },
        (err: Error) => {
          this.failure ??= err
        },
      )
      .finally(() => this.wake?.())
  }

  /**
   * No room for another block: as many in flight as allowed, or the next stage has not taken what is
   * ready. Blocks are pushed as they finish, and Transform holds up the input only for what was pushed
   * during its own call: with a slower stage after this one, blocks finished in between piled up here
   * (35 of them, 140 MiB, on the bench tar at level 1 with sha256 and sha512; 7 with this).
   */
  private full(): boolean {
    return this.pending.length >= this.maxInFlight || this.readableLength >= this.readableHighWaterMark
  }

  private async room(): Promise<void> {
    while (this.full()) await this.progress()
  }

  /** The next stage wants more: a block may wait for it (room). */
  override _read(size: number): void {
    super._read(size)
    this.wake?.()
  }

  /** Waits until a block finishes; throws when one failed. */
  private async progress(): Promise<void> {
    if (!this.failure) await new Promise<void>((resolve) => (this.wake = resolve))
    if (this.failure) throw this.failure
  }

  private emitReady(): void {
    if (this.destroyed) return
    while (this.pending[0]?.done) {
      const { sizeWord, stored, spare, data: compressed } = this.pending.shift()!.done!
      let data = compressed
      // Never a buffer a compression thread may still read: this one's block is done.
      if (spare) this.pool.adopt(spare)
      this.stats.blocks++
      if (stored) {
        this.stats.storedBlocks++
        this.onStored?.(data.length)
      } else if (data.length < COPY_BELOW && data.buffer.byteLength === BLOCK_SIZE) {
        data = Buffer.from(compressed)
        this.pool.give(compressed)
        this.onCopied?.(data.length)
      }
      this.emit_(sizeWord)
      this.emit_(data)
    }
  }

  private async finish(): Promise<void> {
    if (!this.hash) await this.start()
    if (this.filled > 0) this.submit()
    while (this.pending.length > 0) await this.progress()
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(0, 0)
    trailer.writeUInt32LE(this.hash!.digest(), 4)
    this.emit_(trailer)
    const compressor = this.compressor
    this.compressor = undefined
    await compressor?.close()
  }

  private emit_(buf: Buffer): void {
    this.stats.bytesOut += buf.length
    this.push(buf)
  }
}

interface EncodedBlock extends CompressedBlock {
  sizeWord: Buffer
}

function encodeBlock(block: CompressedBlock): EncodedBlock {
  const sizeWord = Buffer.alloc(4)
  sizeWord.writeUInt32LE((block.stored ? UNCOMPRESSED_BIT | block.data.length : block.data.length) >>> 0, 0)
  return { ...block, sizeWord }
}
