import type { Writable } from 'node:stream'

/** Reads go into 1 MiB slabs: a few dozen reads each, and few enough to keep a handful spare. */
const SLAB = 1 << 20
/** A read gets at least this much room (a pipe or socket hands out at most 64 KiB at a time). */
const MIN_READ = 64 << 10
/** Spare slabs kept for reuse; a burst beyond this is left to the garbage collector. */
const MAX_SPARE = 16

interface Slab {
  buffer: Buffer
  /** Bytes handed out and not released yet. */
  outstanding: number
  /** No more reads go into it: it is spare again once everything handed out is released. */
  retired: boolean
}

/**
 * The memory the rootfs is read into, used again once the LZ4 encoder has copied it. Streaming a
 * rootfs through fresh buffers (64 KiB a socket read, 512 KiB a file read) makes a gigabyte of
 * garbage outside V8's heap, and V8 answers every few dozen MB of it with a full collection: about a
 * fifth of the main thread's time on the bench image, and the largest part of the peak RSS.
 *
 * A chunk is a view into a slab; release() gives its bytes back. A slab is reused only when every
 * byte handed out of it has been released, so a stage that keeps a view without passing it on (or
 * passes on a copy instead) only keeps that slab from being reused: it can never be overwritten
 * under anyone.
 */
export class ChunkPool {
  private readonly slabs = new WeakMap<ArrayBuffer, Slab>()
  private readonly spares: Slab[] = []
  private current: Slab | undefined
  private used = 0
  /** Slabs allocated, and slabs reused: what the tests and the bench look at. */
  readonly stats = { allocated: 0, reused: 0 }

  /** Where the next read goes. */
  space(): Buffer {
    if (!this.current || SLAB - this.used < MIN_READ) this.next()
    return this.current!.buffer.subarray(this.used)
  }

  /** `n` bytes were read into the last space(): the chunk to pass on. */
  filled(n: number): Buffer {
    const chunk = this.current!.buffer.subarray(this.used, this.used + n)
    this.used += n
    this.current!.outstanding += n
    return chunk
  }

  /** The chunk (or a piece of it) is no longer read by anyone. Chunks not from this pool are ignored. */
  release(chunk: Buffer): void {
    const slab = this.slabs.get(chunk.buffer as ArrayBuffer)
    if (!slab) return
    slab.outstanding -= chunk.length
    if (slab.outstanding === 0 && slab.retired) this.spare(slab)
  }

  private next(): void {
    const old = this.current
    if (old) {
      old.retired = true
      if (old.outstanding === 0) this.spare(old)
    }
    const reused = this.spares.pop()
    if (reused) {
      reused.retired = false
      this.stats.reused++
      this.current = reused
    } else {
      this.stats.allocated++
      const buffer = Buffer.allocUnsafeSlow(SLAB)
      this.current = { buffer, outstanding: 0, retired: false }
      this.slabs.set(buffer.buffer as ArrayBuffer, this.current)
    }
    this.used = 0
  }

  private spare(slab: Slab): void {
    if (this.spares.length < MAX_SPARE) this.spares.push(slab)
    else this.slabs.delete(slab.buffer.buffer as ArrayBuffer)
  }
}

/** What a stage that is the last to read the rootfs's bytes calls when it is done with a chunk. */
export type Release = (chunk: Buffer) => void

const DONE_BY_CALLBACK = Symbol('metal-image: the write callback means the chunk is done with')

/**
 * Marks a stream whose write callback comes only once it no longer reads the chunk: a file stream (the
 * callback follows the write to the file), an upload that copies what it is given into its parts. Never
 * mark one that may keep a chunk past the callback (a client that buffers what it may have to send
 * again): its chunks would be overwritten under it (pipeline/tee.ts gives them back).
 */
export function doneByCallback<W extends Writable>(stream: W): W {
  return Object.assign(stream, { [DONE_BY_CALLBACK]: true })
}

export function isDoneByCallback(stream: Writable): boolean {
  return (stream as Writable & { [DONE_BY_CALLBACK]?: boolean })[DONE_BY_CALLBACK] === true
}

/**
 * Buffers of one size used again and again: the LZ4 frame encoder's 4 MiB input blocks and the blocks it
 * compresses into. A compressed block goes downstream as a view of one of them, and comes back with
 * give() once the last stage has written it (tee.ts); one that never comes back is left to the garbage
 * collector. Without this, every block of the image is a fresh buffer that only a full collection
 * frees: most of the garbage a run makes, and most of its collections' cost.
 */
export class BlockPool {
  /** Our buffers, and whether each is out (true) or spare. */
  private readonly ours = new WeakMap<ArrayBuffer, boolean>()
  private readonly spares: Buffer[] = []
  private readonly size: number
  private readonly maxSpare: number
  readonly stats = { allocated: 0, reused: 0 }

  constructor(size: number, maxSpare: number) {
    this.size = size
    this.maxSpare = maxSpare
  }

  /** A buffer of the pool's size at offset 0 of its own ArrayBuffer (it may move to another thread). */
  take(): Buffer {
    let buffer = this.spares.pop()
    if (buffer) this.stats.reused++
    else {
      buffer = Buffer.allocUnsafeSlow(this.size)
      this.stats.allocated++
    }
    this.ours.set(buffer.buffer as ArrayBuffer, true)
    return buffer
  }

  /**
   * Nobody reads `view` (a view of a buffer from take()) any more. Views of other memory are ignored, and
   * so is a second give() of a buffer already back: it is never handed out twice.
   */
  give(view: Uint8Array): void {
    const memory = view.buffer as ArrayBuffer
    if (this.ours.get(memory) === true) this.spare(memory)
  }

  /**
   * Takes `buffer` as a spare whether it came from take() or not: for memory that nobody else can hold,
   * such as a block handed back by the thread it was moved to (which arrives as another ArrayBuffer).
   */
  adopt(buffer: Uint8Array): void {
    if (this.ours.get(buffer.buffer as ArrayBuffer) !== false) this.spare(buffer.buffer as ArrayBuffer)
  }

  private spare(memory: ArrayBuffer): void {
    if (memory.byteLength !== this.size) return
    if (this.spares.length >= this.maxSpare) return void this.ours.delete(memory)
    this.ours.set(memory, false)
    this.spares.push(Buffer.from(memory))
  }
}
