import { Writable } from 'node:stream'

/** Writes to two streams, at the pace of the slower one; done when both are. */
export class Tee extends Writable {
  private readonly targets: Writable[]

  constructor(...targets: Writable[]) {
    super({ highWaterMark: 1 << 20 })
    this.targets = targets
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    Promise.all(this.targets.map((t) => writeTo(t, chunk))).then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    Promise.all(
      this.targets.map(
        (t) =>
          new Promise<void>((resolve, reject) => {
            t.once('error', reject)
            t.end(() => resolve())
          }),
      ),
    ).then(() => done(), done)
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    for (const t of this.targets) t.destroy(err ?? undefined)
    done(err)
  }
}

function writeTo(target: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    target.once('error', onError)
    const ok = target.write(chunk, (err) => {
      if (err) return reject(err)
    })
    const finish = (): void => {
      target.off('error', onError)
      resolve()
    }
    if (ok) finish()
    else target.once('drain', finish)
  })
}
