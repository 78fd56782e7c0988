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
