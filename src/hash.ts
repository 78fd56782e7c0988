import { createHash, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

/** Hashes the compressed image on its way to the store, so it is never read back to checksum it. */
export class Hasher extends Transform {
  bytes = 0
  private readonly md5: Hash = createHash('md5')
  private digest: string | undefined

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }

  /** Lowercase hex, as md5sum prints it; only once the stream has ended. */
  md5Hex(): string {
    this.digest ??= this.md5.digest('hex')
    return this.digest
  }
}

/** The line `md5sum FILE` prints when run in the file's folder: what metal-hammer and `md5sum -c` read. */
export function md5sumLine(hex: string, fileName: string): string {
  return `${hex}  ${fileName}\n`
}
