import { closeSync } from 'node:fs'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Worker } from 'node:worker_threads'
import { loadLz4Block, type Lz4Block } from '../lz4/native.ts'
import { workerUrl } from '../util/workers.ts'

/**
 * Reads a producer that must never wait on us, and gives its bytes on in order as the pipeline takes
 * them. BuildKit's client (buildx) receives the tar exporter's stream from the daemon as fast as the
 * daemon sends it, and whatever its stdout cannot take yet stays in its memory: its gRPC receive window
 * grows without a bound, so a stdout that blocks does not slow the daemon. At level 9 the pipeline takes
 * about 65 MB/s and the exporter gives 250: buildx's client reached 2.1 GB for the 1.3 GB benchmark
 * rootfs (README, benchmark). So its stdout is read at once, always, and what the pipeline has not taken
 * yet is kept here: up to `memory` bytes in memory, the rest in an unlinked file of our own, each 4 MiB
 * compressed as an LZ4 block (lz4's fast level, our addon: about 2.5 s of a core per GB, on its own
 * thread), so the uncompressed rootfs never lands on disk and the file vanishes with the process,
 * however it ends. Where the addon does not load, the stream is passed on as it is.
 */
export interface SpillOptions {
  /** Bytes kept in memory before spilling; 16 MiB by default. */
  memory?: number
  /** Where the spill file is made (and at once unlinked): RUNNER_TEMP, else the system's temp folder. */
  dir?: string
  /** Called once, when the first block goes to disk. */
  onSpill?: (file: string) => void
  /** Called for each block on disk: its bytes, and what it took there. */
  onBlock?: (bytes: number, stored: number) => void
}

const BLOCK = 4 << 20
const MAX_PENDING_WRITES = 4

type Item = Buffer | Spilled

interface Spilled {
  /** Settles once the block is on disk: where it is, its stored length, and whether it is compressed. */
  written: Promise<{ offset: number; length: number; raw: number; compressed: boolean }>
}

/**
 * readAhead on a worker thread of its own, reading the pipe `fd` (source/docker.ts): on the main thread
 * the pipeline's own work (the tar walk, the frame, the hashes) held the reads up for 50-160 ms at a time,
 * and BuildKit's client grew to 0.4-1 GB meanwhile.
 */
export function readAheadOnThread(fd: number, options: Omit<SpillOptions, 'onBlock'> = {}): Readable {
  // Who closes `fd`: the worker once it has made its socket of it, else we. Stopped before the worker got
  // that far, the pipe would stay open and the producer blocked on it until it is killed.
  const owner = new Int32Array(new SharedArrayBuffer(4))
  const worker = new Worker(workerUrl('read-ahead-worker'), {
    workerData: { fd, owner, memory: options.memory, dir: options.dir },
  })
  // Chunks asked for and not yet here: a few MiB on their way, whatever the main thread is doing.
  const CREDITS = 2
  let asked = 0
  let done = false
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (asked < CREDITS) worker.postMessage({ more: CREDITS - asked })
      asked = CREDITS
    },
    destroy(err, callback) {
      if (Atomics.compareExchange(owner, 0, 0, 2) === 0) closeSync(fd)
      if (done) return callback(err)
      done = true
      worker.terminate().then(
        () => callback(err),
        () => callback(err),
      )
    },
  })
  type Message = { data: ArrayBuffer } | { end: true } | { error: string } | { spill: string }
  worker.on('message', (msg: Message) => {
    if ('data' in msg) {
      asked--
      stream.push(Buffer.from(msg.data))
    } else if ('end' in msg) {
      stream.push(null)
      done = true
      void worker.terminate()
    } else if ('error' in msg) {
      stream.destroy(new Error(msg.error))
    } else {
      options.onSpill?.(msg.spill)
    }
  })
  worker.once('error', (err) => stream.destroy(err))
  return stream
}

export function readAhead(input: Readable, options: SpillOptions = {}): Readable {
  const { addon } = loadLz4Block()
  if (!addon) return input
  return new SpillingReader(input, addon, options)
}

class SpillingReader extends Readable {
  private readonly queue: Item[] = []
  /** Bytes of the queue held in memory (not counting the block being gathered). */
  private inMemory = 0
  /** Data gathered for the next spilled block, once anything went to disk: order is kept that way. */
  private gathering: Buffer[] = []
  private gathered = 0
  private spilling = false
  private ended = false
  private finished = false
  /** The reader asked for more and push() has not said stop since. */
  private wanted = false
  private file: Promise<FileHandle> | undefined
  private fileEnd = 0
  private writes: Promise<unknown> = Promise.resolve()
  private pendingWrites = 0
  private reading = false
  private readonly limit: number

  private readonly input: Readable
  private readonly addon: Lz4Block
  private readonly options: SpillOptions

  constructor(input: Readable, addon: Lz4Block, options: SpillOptions) {
    super({ highWaterMark: 1 << 20 })
    this.input = input
    this.addon = addon
    this.options = options
    this.limit = options.memory ?? 16 << 20
    input.on('data', (chunk: Buffer) => this.accept(chunk))
    input.once('end', () => {
      this.ended = true
      this.flushGathered(this.queue.length > 0)
      this.serve()
    })
    input.once('error', (err) => this.destroy(err))
  }

  private accept(chunk: Buffer): void {
    if (!this.spilling && this.inMemory + chunk.length <= this.limit) {
      this.queue.push(chunk)
      this.inMemory += chunk.length
      this.serve()
      return
    }
    // Once spilling, every byte goes behind what is on disk, until the queue has emptied.
    this.spilling = true
    this.gathering.push(chunk)
    this.gathered += chunk.length
    if (this.gathered >= BLOCK) this.flushGathered(true)
  }

  /** The gathered bytes as the queue's last item: a block on disk, or (the queue drained) in memory. */
  private flushGathered(toDisk: boolean): void {
    if (this.gathered === 0) return
    const data = this.gathering.length === 1 ? this.gathering[0]! : Buffer.concat(this.gathering)
    this.gathering = []
    this.gathered = 0
    if (toDisk) {
      this.queue.push({ written: this.spill(data) })
    } else {
      this.queue.push(data)
      this.inMemory += data.length
    }
  }

  private spill(data: Buffer): Spilled['written'] {
    this.file ??= this.openFile()
    const dst = Buffer.allocUnsafe(data.length - 1)
    const compressed = this.addon.compress(data, dst, 1, 0)
    const previous = this.writes
    // A disk slower than the producer: a few blocks wait for it, then the producer does.
    if (++this.pendingWrites >= MAX_PENDING_WRITES) this.input.pause()
    const written = (async () => {
      const n = await compressed
      // A block that does not get smaller is stored as it is.
      const bytes = n > 0 ? dst.subarray(0, n) : data
      await previous
      const file = await this.file!
      const offset = this.fileEnd
      this.fileEnd += bytes.length
      await writeAll(file, bytes, offset)
      this.options.onBlock?.(data.length, bytes.length)
      return { offset, length: bytes.length, raw: data.length, compressed: n > 0 }
    })()
    this.writes = written.then(
      () => {
        if (--this.pendingWrites < MAX_PENDING_WRITES && !this.destroyed) this.input.resume()
      },
      () => undefined,
    )
    written.catch((err: Error) =>
      this.destroy(
        new Error(
          `keeping the rootfs stream in ${this.spillDir()} while compression catches up failed ` +
            `(it needs up to half the rootfs's size there): ${err.message}`,
        ),
      ),
    )
    return written
  }

  private spillDir(): string {
    return this.options.dir ?? (process.env.RUNNER_TEMP || tmpdir())
  }

  private async openFile(): Promise<FileHandle> {
    const path = join(this.spillDir(), `metal-image-spill-${process.pid}-${Date.now()}`)
    const file = await open(path, 'wx+', 0o600)
    await unlink(path)
    this.options.onSpill?.(path)
    return file
  }

  override _read(): void {
    this.wanted = true
    this.serve()
  }

  /** Hands the queue's head on while the reader wants more. */
  private serve(): void {
    if (this.reading || this.destroyed) return
    while (this.wanted) {
      const head = this.queue[0]
      if (head === undefined) {
        // Caught up: what was gathered for the disk goes on from memory instead.
        if (this.gathered > 0) {
          this.flushGathered(false)
          continue
        }
        this.spilling = false
        if (this.ended && !this.finished) {
          this.finished = true
          this.push(null)
        }
        return
      }
      if (Buffer.isBuffer(head)) {
        this.queue.shift()
        this.inMemory -= head.length
        this.wanted = this.push(head)
        continue
      }
      this.reading = true
      this.readSpilled(head).then(
        (data) => {
          this.reading = false
          if (this.destroyed) return
          this.queue.shift()
          this.wanted = this.push(data)
          this.serve()
        },
        (err: Error) => this.destroy(err),
      )
      return
    }
  }

  private async readSpilled(item: Spilled): Promise<Buffer> {
    const { offset, length, raw, compressed } = await item.written
    const file = await this.file!
    const stored = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await file.read(stored, done, length - done, offset + done)
      if (bytesRead === 0) throw new Error('the spill file ended early')
      done += bytesRead
    }
    if (!compressed) return stored
    const out = Buffer.allocUnsafe(raw)
    if (this.addon.decompress(stored, out) !== raw) throw new Error('a spilled block does not decode')
    return out
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.input.destroy()
    this.queue.length = 0
    const file = this.file
    this.file = undefined
    if (!file) return callback(err)
    file.then(
      (f) =>
        f.close().then(
          () => callback(err),
          () => callback(err),
        ),
      () => callback(err),
    )
  }
}

async function writeAll(file: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < data.length) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done)
    done += bytesWritten
  }
}
