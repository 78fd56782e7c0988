import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/chunk-pool.ts
var SLAB = 1 << 20;
var MIN_READ = 64 << 10;
var MAX_SPARE = 16;
var ChunkPool = class {
  slabs = /* @__PURE__ */ new WeakMap();
  spares = [];
  current;
  used = 0;
  /** Slabs allocated, and slabs reused: what the tests and the bench look at. */
  stats = { allocated: 0, reused: 0 };
  /** Where the next read goes. */
  space() {
    if (!this.current || SLAB - this.used < MIN_READ) this.next();
    return this.current.buffer.subarray(this.used);
  }
  /** `n` bytes were read into the last space(): the chunk to pass on. */
  filled(n) {
    const chunk = this.current.buffer.subarray(this.used, this.used + n);
    this.used += n;
    this.current.outstanding += n;
    return chunk;
  }
  /** The chunk (or a piece of it) is no longer read by anyone. Chunks not from this pool are ignored. */
  release(chunk) {
    const slab = this.slabs.get(chunk.buffer);
    if (!slab) return;
    slab.outstanding -= chunk.length;
    if (slab.outstanding === 0 && slab.retired) this.spare(slab);
  }
  next() {
    const old = this.current;
    if (old) {
      old.retired = true;
      if (old.outstanding === 0) this.spare(old);
    }
    const reused = this.spares.pop();
    if (reused) {
      reused.retired = false;
      this.stats.reused++;
      this.current = reused;
    } else {
      this.stats.allocated++;
      const buffer = Buffer.allocUnsafeSlow(SLAB);
      this.current = { buffer, outstanding: 0, retired: false };
      this.slabs.set(buffer.buffer, this.current);
    }
    this.used = 0;
  }
  spare(slab) {
    if (this.spares.length < MAX_SPARE) this.spares.push(slab);
    else this.slabs.delete(slab.buffer.buffer);
  }
};
var DONE_BY_CALLBACK = /* @__PURE__ */ Symbol("metal-image: the write callback means the chunk is done with");
function doneByCallback(stream) {
  return Object.assign(stream, { [DONE_BY_CALLBACK]: true });
}
function isDoneByCallback(stream) {
  return stream[DONE_BY_CALLBACK] === true;
}
var BlockPool = class {
  /** Our buffers, and whether each is out (true) or spare. */
  ours = /* @__PURE__ */ new WeakMap();
  spares = [];
  size;
  maxSpare;
  stats = { allocated: 0, reused: 0 };
  constructor(size, maxSpare) {
    this.size = size;
    this.maxSpare = maxSpare;
  }
  /** A buffer of the pool's size at offset 0 of its own ArrayBuffer (it may move to another thread). */
  take() {
    let buffer = this.spares.pop();
    if (buffer) this.stats.reused++;
    else {
      buffer = Buffer.allocUnsafeSlow(this.size);
      this.stats.allocated++;
    }
    this.ours.set(buffer.buffer, true);
    return buffer;
  }
  /**
   * Nobody reads `view` (a view of a buffer from take()) any more. Views of other memory are ignored, and
   * so is a second give() of a buffer already back: it is never handed out twice.
   */
  give(view) {
    const memory = view.buffer;
    if (this.ours.get(memory) === true) this.spare(memory);
  }
  /**
   * Takes `buffer` as a spare whether it came from take() or not: for memory that nobody else can hold,
   * such as a block handed back by the thread it was moved to (which arrives as another ArrayBuffer).
   */
  adopt(buffer) {
    if (this.ours.get(buffer.buffer) !== false) this.spare(buffer.buffer);
  }
  spare(memory) {
    if (memory.byteLength !== this.size) return;
    if (this.spares.length >= this.maxSpare) return void this.ours.delete(memory);
    this.ours.set(memory, false);
    this.spares.push(Buffer.from(memory));
  }
};

export {
  ChunkPool,
  doneByCallback,
  isDoneByCallback,
  BlockPool
};
