import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  workerUrl
} from "./chunk-XYX34ZYA.js";
import {
  loadLz4Block
} from "./chunk-EMGQKNKR.js";

// src/pipeline/spill.ts
import { closeSync } from "node:fs";
import { open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
var BLOCK = 4 << 20;
var MAX_PENDING_WRITES = 4;
function readAheadOnThread(fd, options = {}) {
  const owner = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerUrl("read-ahead-worker"), {
    workerData: { fd, owner, memory: options.memory, dir: options.dir }
  });
  const CREDITS = 2;
  let asked = 0;
  let done = false;
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (asked < CREDITS) worker.postMessage({ more: CREDITS - asked });
      asked = CREDITS;
    },
    destroy(err, callback) {
      if (Atomics.compareExchange(owner, 0, 0, 2) === 0) closeSync(fd);
      if (done) return callback(err);
      done = true;
      worker.terminate().then(
        () => callback(err),
        () => callback(err)
      );
    }
  });
  worker.on("message", (msg) => {
    if ("data" in msg) {
      asked--;
      stream.push(Buffer.from(msg.data));
    } else if ("end" in msg) {
      stream.push(null);
      done = true;
      void worker.terminate();
    } else if ("error" in msg) {
      stream.destroy(new Error(msg.error));
    } else {
      options.onSpill?.(msg.spill);
    }
  });
  worker.once("error", (err) => stream.destroy(err));
  return stream;
}
function readAhead(input, options = {}) {
  const { addon } = loadLz4Block();
  if (!addon) return input;
  return new SpillingReader(input, addon, options);
}
var SpillingReader = class extends Readable {
  queue = [];
  /** Bytes of the queue held in memory (not counting the block being gathered). */
  inMemory = 0;
  /** Data gathered for the next spilled block, once anything went to disk: order is kept that way. */
  gathering = [];
  gathered = 0;
  spilling = false;
  ended = false;
  finished = false;
  /** The reader asked for more and push() has not said stop since. */
  wanted = false;
  file;
  fileEnd = 0;
  writes = Promise.resolve();
  pendingWrites = 0;
  reading = false;
  limit;
  input;
  addon;
  options;
  constructor(input, addon, options) {
    super({ highWaterMark: 1 << 20 });
    this.input = input;
    this.addon = addon;
    this.options = options;
    this.limit = options.memory ?? 16 << 20;
    input.on("data", (chunk) => this.accept(chunk));
    input.once("end", () => {
      this.ended = true;
      this.flushGathered(this.queue.length > 0);
      this.serve();
    });
    input.once("error", (err) => this.destroy(err));
  }
  accept(chunk) {
    if (!this.spilling && this.inMemory + chunk.length <= this.limit) {
      this.queue.push(chunk);
      this.inMemory += chunk.length;
      this.serve();
      return;
    }
    this.spilling = true;
    this.gathering.push(chunk);
    this.gathered += chunk.length;
    if (this.gathered >= BLOCK) this.flushGathered(true);
  }
  /** The gathered bytes as the queue's last item: a block on disk, or (the queue drained) in memory. */
  flushGathered(toDisk) {
    if (this.gathered === 0) return;
    const data = this.gathering.length === 1 ? this.gathering[0] : Buffer.concat(this.gathering);
    this.gathering = [];
    this.gathered = 0;
    if (toDisk) {
      this.queue.push({ written: this.spill(data) });
    } else {
      this.queue.push(data);
      this.inMemory += data.length;
    }
  }
  spill(data) {
    this.file ??= this.openFile();
    const dst = Buffer.allocUnsafe(data.length - 1);
    const compressed = this.addon.compress(data, dst, 1, 0);
    const previous = this.writes;
    if (++this.pendingWrites >= MAX_PENDING_WRITES) this.input.pause();
    const written = (async () => {
      const n = await compressed;
      const bytes = n > 0 ? dst.subarray(0, n) : data;
      await previous;
      const file = await this.file;
      const offset = this.fileEnd;
      this.fileEnd += bytes.length;
      await writeAll(file, bytes, offset);
      this.options.onBlock?.(data.length, bytes.length);
      return { offset, length: bytes.length, raw: data.length, compressed: n > 0 };
    })();
    this.writes = written.then(
      () => {
        if (--this.pendingWrites < MAX_PENDING_WRITES && !this.destroyed) this.input.resume();
      },
      () => void 0
    );
    written.catch(
      (err) => this.destroy(
        new Error(
          `keeping the rootfs stream in ${this.spillDir()} while compression catches up failed (it needs up to half the rootfs's size there): ${err.message}`
        )
      )
    );
    return written;
  }
  spillDir() {
    return this.options.dir ?? (process.env.RUNNER_TEMP || tmpdir());
  }
  async openFile() {
    const path = join(this.spillDir(), `metal-image-spill-${process.pid}-${Date.now()}`);
    const file = await open(path, "wx+", 384);
    await unlink(path);
    this.options.onSpill?.(path);
    return file;
  }
  _read() {
    this.wanted = true;
    this.serve();
  }
  /** Hands the queue's head on while the reader wants more. */
  serve() {
    if (this.reading || this.destroyed) return;
    while (this.wanted) {
      const head = this.queue[0];
      if (head === void 0) {
        if (this.gathered > 0) {
          this.flushGathered(false);
          continue;
        }
        this.spilling = false;
        if (this.ended && !this.finished) {
          this.finished = true;
          this.push(null);
        }
        return;
      }
      if (Buffer.isBuffer(head)) {
        this.queue.shift();
        this.inMemory -= head.length;
        this.wanted = this.push(head);
        continue;
      }
      this.reading = true;
      this.readSpilled(head).then(
        (data) => {
          this.reading = false;
          if (this.destroyed) return;
          this.queue.shift();
          this.wanted = this.push(data);
          this.serve();
        },
        (err) => this.destroy(err)
      );
      return;
    }
  }
  async readSpilled(item) {
    const { offset, length, raw, compressed } = await item.written;
    const file = await this.file;
    const stored = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await file.read(stored, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error("the spill file ended early");
      done += bytesRead;
    }
    if (!compressed) return stored;
    const out = Buffer.allocUnsafe(raw);
    if (this.addon.decompress(stored, out) !== raw) throw new Error("a spilled block does not decode");
    return out;
  }
  _destroy(err, callback) {
    this.input.destroy();
    this.queue.length = 0;
    const file = this.file;
    this.file = void 0;
    if (!file) return callback(err);
    file.then(
      (f) => f.close().then(
        () => callback(err),
        () => callback(err)
      ),
      () => callback(err)
    );
  }
};
async function writeAll(file, data, position) {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

export {
  readAheadOnThread,
  readAhead
};
