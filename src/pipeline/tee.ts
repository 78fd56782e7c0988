import { Writable } from 'node:stream'
import { isDoneByCallback, type Release } from '../util/chunk-pool.ts'

/** Writes to one or more streams, at the pace of the slowest; done when all are. Can give chunks back (recycle). */
export class Tee extends Writable {
  private readonly targets: Writable[]
  private release: Release | undefined

  constructor(...targets: Writable[]) {
    super({ highWaterMark: 1 << 20 })
    this.targets = targets
    // A target that fails between two writes fails the Tee at once, with its own error (which says what
    // went wrong where), not with the 'stream destroyed' of the next write.
    for (const t of targets) t.on('error', (err) => this.destroy(err))
  }

  /**
   * Hands every chunk to `release` once all targets have written it, when every target is marked
   * (doneByCallback in chunk-pool.ts); whether it will.
   */
  recycle(release: Release): boolean {
    if (!this.targets.every(isDoneByCallback)) return false
    this.release = release
    return true
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    let unwritten = this.targets.length
    const written = this.release && ((): void => void (--unwritten === 0 && this.release!(chunk)))
    Promise.all(this.targets.map((t) => writeTo(t, chunk, written))).then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    Promise.all(
      this.targets.map(
        (t) =>
          new Promise<void>((resolve, reject) => {
            t.once('error', reject)
            t.end((err?: Error | null) => (err ? reject(t.errored ?? err) : resolve()))
          }),
      ),
    ).then(() => done(), done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    for (const t of this.targets) t.destroy(err ?? undefined)
    done(err)
  }
}

/**
 * Hands every chunk written to `destination` to `release` once written, where `destination` says it is
 * done with a chunk by its write callback (or is a Tee of such streams): the stream to write to instead,
 * or undefined where chunks cannot be given back.
 */
export function recycling(destination: Writable, release: Release): Writable | undefined {
  if (destination instanceof Tee) return destination.recycle(release) ? destination : undefined
  if (!isDoneByCallback(destination)) return undefined
  const tee = new Tee(destination)
  tee.recycle(release)
  return tee
}

/** Resolves once `target` takes more (backpressure); `written` once it has written the chunk. */
function writeTo(target: Writable, chunk: Buffer, written?: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    target.once('error', onError)
    const ok = target.write(chunk, (err) => {
      // A target whose write failed (an upload out of retries) fails the writes queued behind it with
      // ERR_STREAM_DESTROYED before it emits its error: the error it failed with says what went wrong.
      if (err) return reject(target.errored ?? err)
      written?.()
    })
    const finish = (): void => {
      target.off('error', onError)
      resolve()
    }
    if (ok) finish()
    else target.once('drain', finish)
  })
}
