import { Transform, type TransformCallback } from 'node:stream'
import { BLOCK, isZero, normalizeTarPath, numeric, paxHeader, ustarName, validChecksum } from './tar.ts'

export const BUILD_INFO_PATH = 'etc/metal/build.yaml'

export interface BuildInfo {
  /** When the build ran (the clock, not the version's date, which may be a commit date). */
  date: Date
  imageId: string
  version: string
  /** `owner/name`, the ref and the commit the image was built from; empty when unknown. */
  repository: string
  ref: string
  commit: string
}

/**
 * /etc/metal/build.yaml: the keys the reference pipeline writes before its build (builddate,
 * commit_ref, commit_sha1, gitrepo), plus the image id and version this build publishes.
 */
export function buildInfoYaml(info: BuildInfo): string {
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`
  return [
    `builddate: ${quote(
      info.date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '+00:00'),
    )}`,
    `commit_ref: ${quote(info.ref)}`,
    `commit_sha1: ${quote(info.commit)}`,
    `gitrepo: ${quote(info.repository)}`,
    `image_id: ${quote(info.imageId)}`,
    `version: ${quote(info.version)}`,
    '',
  ].join('\n')
}

/**
 * Puts one file into a rootfs tar stream on its way past: any entry of that path is dropped (with the
 * pax or GNU long-name headers that belong to it) and the new file, owned by root with mode 0644, goes
 * in just before the end-of-archive marker, with its parent folder if the archive had none. Only
 * headers are looked at; file contents pass through as the same buffers.
 */
export class TarFileInjector extends Transform {
  /** Entries of the path that were dropped. */
  replaced = 0
  private readonly path: string
  private content: Buffer | undefined
  private readonly pendingContent: Promise<Buffer> | undefined
  private readonly mtime: Date
  private readonly parent: string
  /** The last parts of the path and of its folder, as bytes to compare name fields with. */
  private readonly leaf: Buffer
  private readonly parentLeaf: Buffer
  private sawParent = false
  /** Whether the archive names its entries `./etc/...` (tar -C root .) or `etc/...` (docker export). */
  private dotSlash: boolean | undefined
  /** A header block split over chunks. */
  private carry = Buffer.alloc(0)
  /** Bytes of entry data (with padding) still to pass on, or to drop. */
  private dataLeft = 0
  private dropping = false
  /** Extended headers (pax `x`, GNU `L`/`K`) and their data, held until the entry they describe. */
  private held: Buffer[] = []
  private meta: { kind: string; size: number; left: number; parts: Buffer[] } | undefined
  private nextPath: string | undefined
  /** A pax `size` record for the next entry (files of 8 GiB and more): the header's own field may say 0. */
  private nextSize: number | undefined
  private ended = false
  /** The chunk being consumed, and the run of it to pass on unchanged (runStart < 0: none). */
  private chunk: Buffer | undefined
  private runStart = -1
  private runEnd = 0

  /**
   * `content` may still be in the making (build info waits for git): it is needed only at the end of
   * the archive, so the rootfs streams meanwhile.
   */
  constructor(path: string, content: string | Buffer | Promise<string | Buffer>, mtime = new Date()) {
    super({ highWaterMark: 1 << 20 })
    this.path = normalizeTarPath(path)
    const bytes = (c: string | Buffer): Buffer => (typeof c === 'string' ? Buffer.from(c) : c)
    if (content instanceof Promise) {
      this.pendingContent = content.then(bytes)
      // Surfaced when the end of the archive needs it; until then not "unhandled".
      this.pendingContent.catch(() => {})
    } else this.content = bytes(content)
    this.mtime = mtime
    this.parent = this.path.slice(0, Math.max(0, this.path.lastIndexOf('/')))
    this.leaf = Buffer.from(this.path.slice(this.path.lastIndexOf('/') + 1))
    this.parentLeaf = Buffer.from(this.parent.slice(this.parent.lastIndexOf('/') + 1))
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.run(chunk, 0, done)
  }

  private run(chunk: Buffer, from: number, done: TransformCallback): void {
    let stalled: number
    try {
      stalled = this.consume(chunk, from)
    } catch (err) {
      return done(err as Error)
    }
    if (stalled < 0) return done()
    this.pendingContent!.then((content) => {
      this.content = content
      this.run(chunk, stalled, done)
    }, done)
  }

  /**
   * Consumes `chunk` from `from`; -1 when all of it is done, or where to go on once the content has
   * arrived (the end-of-archive marker is there and the content is still being made).
   */
  private consume(chunk: Buffer, from: number): number {
    this.chunk = chunk
    let at = from
    if (this.carry.length === BLOCK) {
      // A split end-of-archive block that waited for the content.
      const block = this.carry
      this.carry = Buffer.alloc(0)
      this.header(block, 0, false)
    }
    while (at < chunk.length) {
      if (this.ended) {
        this.pass(at, chunk.length)
        break
      }
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - at)
        if (!this.dropping) this.pass(at, at + n)
        this.dataLeft -= n
        at += n
        continue
      }
      if (this.meta) {
        const n = Math.min(this.meta.left, chunk.length - at)
        const part = chunk.subarray(at, at + n)
        this.held.push(part)
        this.meta.parts.push(part)
        this.meta.left -= n
        at += n
        if (this.meta.left === 0) this.endMeta()
        continue
      }
      // A header: 512 bytes, possibly split over chunks.
      const need = BLOCK - this.carry.length
      if (this.carry.length === 0 && chunk.length - at >= BLOCK) {
        if (this.content === undefined && isZero(chunk, at)) return this.stall(at)
        this.header(chunk, at, true)
        at += BLOCK
      } else {
        const n = Math.min(need, chunk.length - at)
        this.carry = Buffer.concat([this.carry, chunk.subarray(at, at + n)])
        at += n
        if (this.carry.length === BLOCK) {
          if (this.content === undefined && isZero(this.carry)) return this.stall(at)
          const block = this.carry
          this.carry = Buffer.alloc(0)
          this.header(block, 0, false)
        }
      }
    }
    this.flushRun()
    this.chunk = undefined
    return -1
  }

  private stall(at: number): number {
    this.flushRun()
    this.chunk = undefined
    return at
  }

  /**
   * Bytes of the current chunk that go on unchanged. Consecutive ones go on as one piece: a piece per
   * entry would hand every later stage thousands of small buffers per chunk (and the collector their
   * garbage).
   */
  private pass(from: number, to: number): void {
    if (this.runStart >= 0 && from !== this.runEnd) this.flushRun()
    if (this.runStart < 0) this.runStart = from
    this.runEnd = to
  }

  private flushRun(): void {
    if (this.runStart < 0) return
    this.push(this.chunk!.subarray(this.runStart, this.runEnd))
    this.runStart = -1
  }

  /** Bytes from elsewhere (held headers, the new entry), after what passed before them. */
  private put(data: Buffer): void {
    this.flushRun()
    this.push(data)
  }

  /** A header block: passed on in place when it lies in the current chunk, else emitted. */
  private keep(buf: Buffer, at: number, inChunk: boolean): void {
    if (inChunk) this.pass(at, at + BLOCK)
    else this.put(buf.subarray(at, at + BLOCK))
  }

  override _flush(done: TransformCallback): void {
    // A stream cut off before its end marker gets nothing added: the inspector reports it as truncated.
    for (const part of this.held) this.push(part)
    if (this.carry.length > 0) this.push(this.carry)
    done()
  }

  /** The header block at `buf[at]`: in the chunk being consumed, or the carry. */
  private header(buf: Buffer, at: number, inChunk: boolean): void {
    if (isZero(buf, at)) {
      this.ended = true
      for (const part of this.held) this.put(part)
      this.held = []
      const style = this.dotSlash ? './' : ''
      if (!this.sawParent && this.parent)
        this.put(
          encodeHeader({
            name: `${style}${this.parent}/`,
            type: '5',
            mode: 0o755,
            size: 0,
            mtime: this.mtime,
          }),
        )
      this.put(
        encodeHeader({
          name: `${style}${this.path}`,
          type: '0',
          mode: 0o644,
          size: this.content!.length,
          mtime: this.mtime,
        }),
      )
      this.put(this.content!)
      const pad = (BLOCK - (this.content!.length % BLOCK)) % BLOCK
      if (pad) this.put(Buffer.alloc(pad))
      this.keep(buf, at, inChunk)
      return
    }
    if (!validChecksum(buf, at)) {
      // Not a tar header: pass everything on untouched, for the tar inspector to report.
      this.ended = true
      for (const part of this.held) this.put(part)
      this.held = []
      this.keep(buf, at, inChunk)
      return
    }
    const type = String.fromCharCode(buf[at + 156]!)
    const meta = type === 'x' || type === 'L' || type === 'K' || type === 'g'
    // As TarWalker reads it: a pax size applies to the entry after its record, never to another record.
    const size = (meta ? undefined : this.nextSize) ?? numeric(buf, at + 124, 12)
    if (!meta) this.nextSize = undefined
    const padded = Math.ceil(size / BLOCK) * BLOCK
    if (type === 'x' || type === 'L' || type === 'K') {
      this.held.push(buf.subarray(at, at + BLOCK))
      this.meta = { kind: type, size, left: padded, parts: [] }
      if (padded === 0) this.endMeta()
      return
    }
    if (type === 'g') {
      // A global pax header applies to all that follows; it is passed on as it is.
      this.keep(buf, at, inChunk)
      this.dataLeft = padded
      this.dropping = false
      return
    }
    // Most entries are neither the file nor its folder: decide that from the name field's bytes,
    // without making strings for 20,000 names.
    const name =
      this.nextPath ??
      (this.dotSlash === undefined || this.mayBeOurs(buf, at) ? ustarName(buf, at) : undefined)
    this.nextPath = undefined
    this.dotSlash ??= name!.startsWith('./')
    const path = name === undefined ? undefined : normalizeTarPath(name)
    if (path === this.parent && type === '5') this.sawParent = true
    this.dropping = path === this.path
    if (this.dropping) {
      this.replaced++
      this.held = []
    } else {
      for (const part of this.held) this.put(part)
      this.held = []
      this.keep(buf, at, inChunk)
    }
    this.dataLeft = padded
  }

  /** Whether the ustar name field at `buf[at]` ends with the last part of the file's path or its folder's. */
  private mayBeOurs(buf: Buffer, at: number): boolean {
    let end = buf.indexOf(0, at)
    if (end === -1 || end > at + 100) end = at + 100
    while (end > at && buf[end - 1] === 0x2f) end--
    return (
      endsWith(buf, at, end, this.leaf) ||
      (this.parentLeaf.length > 0 && endsWith(buf, at, end, this.parentLeaf))
    )
  }

  private endMeta(): void {
    const meta = this.meta!
    this.meta = undefined
    const data = Buffer.concat(meta.parts).subarray(0, meta.size)
    if (meta.kind === 'L') this.nextPath = data.toString('utf8').replace(/\0.*$/s, '')
    else if (meta.kind === 'x') {
      const pax = paxHeader(data)
      if (pax.name !== undefined) this.nextPath = pax.name
      if (pax.size !== undefined) this.nextSize = pax.size
    }
  }
}

/** Whether `buf[start, end)` ends with `tail`. */
function endsWith(buf: Buffer, start: number, end: number, tail: Buffer): boolean {
  if (end - start < tail.length) return false
  return buf.compare(tail, 0, tail.length, end - tail.length, end) === 0
}

function encodeHeader(h: { name: string; type: string; mode: number; size: number; mtime: Date }): Buffer {
  const block = Buffer.alloc(BLOCK)
  const name = Buffer.from(h.name)
  if (name.length > 100) throw new Error(`internal: tar name too long: ${h.name}`)
  name.copy(block, 0)
  const octal = (value: number, start: number, length: number) =>
    block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, length, 'latin1')
  octal(h.mode, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  octal(h.size, 124, 12)
  octal(Math.floor(h.mtime.getTime() / 1000), 136, 12)
  block.write(h.type, 156, 1, 'latin1')
  block.write('ustar\0' + '00', 257, 8, 'latin1')
  block.write('root', 265, 32, 'latin1')
  block.write('root', 297, 32, 'latin1')
  // The checksum is computed with its own field as spaces.
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return block
}
