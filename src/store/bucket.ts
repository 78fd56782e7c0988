import { StageError } from '../util/errors.ts'
import type { LockIO } from './lock.ts'
import type { TempKind } from './owner.ts'
import type { Objects, Staged } from './store.ts'

/** What a bucket's client offers a commit: the same few calls on S3 and GCS. */
export interface BucketClient {
  url(path: string): string
  read(path: string): Promise<Buffer | undefined>
  exists(path: string): Promise<boolean>
  /** Writes small content with its md5, which the store checks. */
  write(path: string, data: Uint8Array): Promise<unknown>
  delete(path: string): Promise<void>
  listing(dir: string, deep?: boolean): Promise<{ objects: { name: string; modified?: number }[] }>
}

/**
 * What a commit does with a bucket, where S3 and GCS do it alike: small files are written whole under
 * their names (one request replaces an object atomically). Putting staged objects in place (a multipart
 * upload completed, a temporary object copied) is each store's own.
 */
export abstract class BucketObjects<C extends BucketClient> implements Objects {
  abstract readonly lock: LockIO
  protected readonly s: C

  constructor(client: C) {
    this.s = client
  }

  url(path: string): string {
    return this.s.url(path)
  }

  read(path: string): Promise<Buffer | undefined> {
    return this.s.read(path)
  }

  exists(path: string): Promise<boolean> {
    return this.s.exists(path)
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    await this.s.write(path, data)
  }

  remove(path: string): Promise<void> {
    return this.s.delete(path)
  }

  async list(dir: string, deep = false): Promise<{ name: string; modified?: number }[]> {
    return (await this.s.listing(dir, deep)).objects
  }

  async place(path: string, staged: Staged, exclusive: boolean): Promise<void> {
    if (staged.kind === 'data') return this.put(path, Buffer.from(staged.data, 'base64'))
    return this.placeObject(path, staged, exclusive)
  }

  async placed(path: string, staged: Staged): Promise<boolean> {
    if (staged.kind === 'data')
      return (await this.read(path))?.equals(Buffer.from(staged.data, 'base64')) ?? false
    return this.placedObject(path, staged)
  }

  protected abstract placeObject(path: string, staged: Staged, exclusive: boolean): Promise<void>
  protected abstract placedObject(path: string, staged: Staged): Promise<boolean>
  abstract drop(staged: Staged): Promise<void>
  abstract removeTemp(path: string, kind: TempKind): Promise<void>
}

/**
 * The most a file read whole may have: versions.json, the lock, checksum files, and packages.txt or an SBOM
 * kept for an undo are far smaller. A store that sends more (a hostile or broken one, a 2 GB versions.json)
 * is refused before the bytes cost memory.
 */
export const MAX_READ_BYTES = 64 << 20

/** A small object's bytes from its stream, refused past MAX_READ_BYTES (`declared`: its Content-Length). */
export async function readWhole(
  stream: AsyncIterable<Uint8Array> & { destroy?(): void },
  url: string,
  declared?: number,
): Promise<Buffer> {
  const refuse = (size: string): StageError => {
    stream.destroy?.()
    return new StageError(
      'store',
      `${url} is ${size}: more than the 64 MiB a file this tool reads may have (versions.json, a checksum file, the lock)`,
    )
  }
  if (declared !== undefined && declared > MAX_READ_BYTES) throw refuse(`${declared} bytes`)
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of stream) {
    total += chunk.length
    if (total > MAX_READ_BYTES) throw refuse(`larger than that`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, total)
}
