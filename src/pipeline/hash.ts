import { Transform, type TransformCallback } from 'node:stream'
import { Worker } from 'node:worker_threads'
import { workerUrl } from '../util/workers.ts'

/** Bytes sent to the hashing thread in one message; big enough that messaging costs nothing. */
const BATCH = 4 << 20
/** Bytes the hashing thread may be behind before the stream waits for it. */
const MAX_BEHIND = 8 << 20

/**
 * Hashes the compressed image on its way to the store, so it is never read back to checksum it. The
 * hashing runs on a thread of its own: md5 costs about a second of CPU per GB, which on the main
 * thread would hold up the whole pipeline.
 */
export class Hasher extends Transform {
  bytes = 0
  /** Lowercase hex per algorithm, as `<alg>sum` prints it; set once the stream has ended. */
  digests: Record<string, string> | undefined
  private readonly algorithms: string[]
  private readonly worker: Worker
  /** The batch being filled, and emptied ones back from the worker. */
  private batch: Buffer | undefined
  private batched = 0
  private readonly spares: Buffer[] = []
  private behind = 0
  private whenCaughtUp: (() => void) | undefined
  private failure: Error | undefined
  private readonly result: Promise<string[]>

  /** `background`: hash at the background nice value (see workers.ts), for a producer to go first. */
  constructor(algorithms: string[] = ['md5'], { background = false } = {}) {
    super({ highWaterMark: 1 << 20 })
    this.algorithms = algorithms
    this.worker = new Worker(workerUrl('hash-worker'), { workerData: { algorithms, background } })
    this.result = new Promise((resolve, reject) => {
      this.worker.on('message', (msg: { ack: number; data: ArrayBuffer } | { digests: string[] }) => {
        if ('digests' in msg) return resolve(msg.digests)
        this.spares.push(Buffer.from(msg.data))
        this.behind -= msg.ack
        if (this.behind <= MAX_BEHIND) this.wakeUp()
      })
      this.worker.on('error', (err) => {
        this.failure = err
        this.wakeUp()
        reject(err)
      })
    })
    this.result.catch(() => {})
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    // One copy into a buffer the worker borrows and hands back; the chunk itself goes on downstream.
    for (let offset = 0; offset < chunk.length;) {
      this.batch ??= this.spares.pop() ?? Buffer.allocUnsafeSlow(BATCH)
      const n = chunk.copy(this.batch, this.batched, offset)
      this.batched += n
      offset += n
      if (this.batched === BATCH) this.send()
    }
    if (this.behind <= MAX_BEHIND) return done(null, chunk)
    this.whenCaughtUp = () => done(this.failure ?? null, chunk)
  }

  override _flush(done: TransformCallback): void {
    this.send()
    this.worker.postMessage({ end: true })
    this.result.then(
      (digests) => {
        this.digests = Object.fromEntries(this.algorithms.map((alg, i) => [alg, digests[i]!]))
        void this.worker.terminate()
        done()
      },
      (err: Error) => done(err),
    )
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    this.worker.terminate().then(
      () => done(err),
      () => done(err),
    )
  }

  md5Hex(): string {
    const md5 = this.digests?.md5
    if (!md5) throw new Error('internal: md5 asked for before the image stream ended')
    return md5
  }

  private send(): void {
    if (!this.batch || this.batched === 0) return
    const data = this.batch.buffer as ArrayBuffer
    this.behind += this.batched
    this.worker.postMessage({ data, length: this.batched }, [data])
    this.batch = undefined
    this.batched = 0
  }

  private wakeUp(): void {
    const resume = this.whenCaughtUp
    this.whenCaughtUp = undefined
    resume?.()
  }
}
