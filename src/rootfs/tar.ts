import type { Header } from 'tar-stream'

/** A tar archive is made of 512-byte blocks: headers, and data padded to whole blocks. */
export const BLOCK = 512

/** pax and GNU long-name records hold a few names and numbers; more is a broken archive, not a reason to buffer it. */
const MAX_META = 1 << 20

export class TarFormatError extends Error {}

/** `./var/lib/x`, `/var/lib/x` and `var/lib/x` all name the same file of a rootfs. */
export function normalizeTarPath(name: string): string {
  return name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
}

/** An entry's header, with pax and GNU long names and sizes applied; type names as tar-stream has them. */
export interface TarHeader {
  name: string
  /** null for a type flag that is none of these. */
  type: Header['type'] | null
  mode: number
  uid: number
  gid: number
  size: number
  linkname: string | null
}

/**
 * Reads a tar stream's headers as it passes, chunk by chunk, in place: entry data is skipped, not
 * copied, unless `entry` asks for it. Nothing of a chunk is kept after write() returns (a split header
 * or a wanted body is copied), so the caller may reuse the chunk's memory at once; tar-stream's
 * extract keeps chunks and hands out a stream per entry, which cost the main thread about as much as
 * the rest of the pass on a rootfs of 20,000 entries.
 */
export class TarWalker {
  /** Bytes consumed. */
  offset = 0
  entries = 0
  /** Zero bytes at the end of what has been seen so far (an archive ends with two zero blocks). */
  zeroTail = 0
  /**
   * Where the entry being handed to `entry` lies in the archive: from its first block (its pax or GNU
   * long-name records, else its header) to the end of its padded data. What cutting it out removes.
   */
  entryStart = 0
  entryEnd = 0
  /** The first record block of an entry whose own header has not come yet. */
  private recordsStart: number | undefined
  /**
   * Where the entries end: the first zero block where a header should be (the end-of-archive marker),
   * or the pax or GNU records just before it that no entry followed.
   */
  endOfArchive: number | undefined
  private readonly onEntry: (header: TarHeader) => boolean
  private readonly onBody: (header: TarHeader, content: Buffer) => void
  private readonly carry = Buffer.alloc(BLOCK)
  private carried = 0
  /** Data (with padding) of the current entry still to come. */
  private left = 0
  private current: TarHeader | undefined
  /** The current entry's data, when it is wanted (or is a pax or GNU long-name record). */
  private body: Buffer | undefined
  private filled = 0
  private meta: 'x' | 'g' | 'L' | 'K' | undefined
  /** What pax and GNU long-name records say about the next entry. */
  private next: { name?: string; linkname?: string; size?: number; uid?: number; gid?: number } = {}

  /** `entry` sees every header in archive order; returning true asks for its data, given to `body`. */
  constructor(entry: (header: TarHeader) => boolean, body: (header: TarHeader, content: Buffer) => void) {
    this.onEntry = entry
    this.onBody = body
  }

  /**
   * The archive up to here is known entry by entry: after it come only records for an entry whose
   * header has not come yet, or a header not whole yet.
   */
  get settled(): number {
    return this.recordsStart ?? this.offset - this.carried
  }

  /** Throws TarFormatError at a block that should be a header and is not one. */
  write(chunk: Buffer): void {
    this.trackZeroTail(chunk)
    let at = 0
    while (at < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - at)
        if (this.body && this.filled < this.body.length) {
          const wanted = Math.min(n, this.body.length - this.filled)
          chunk.copy(this.body, this.filled, at, at + wanted)
          this.filled += wanted
        }
        this.left -= n
        at += n
        this.offset += n
        if (this.left === 0) this.endEntry()
        continue
      }
      if (this.carried === 0 && chunk.length - at >= BLOCK) {
        this.header(chunk, at, this.offset)
        at += BLOCK
        this.offset += BLOCK
        continue
      }
      const n = chunk.copy(this.carry, this.carried, at, Math.min(chunk.length, at + BLOCK - this.carried))
      this.carried += n
      at += n
      this.offset += n
      if (this.carried === BLOCK) {
        this.carried = 0
        this.header(this.carry, 0, this.offset - BLOCK)
      }
    }
  }

  /** Throws TarFormatError when the stream stopped inside an entry or a header. */
  end(): void {
    if (this.left > 0 || this.carried > 0)
      throw new TarFormatError(
        `the tar archive is truncated: it ends in the middle of an entry after ${this.offset} bytes`,
      )
  }

  /** A header block at `buf[at]`, the archive's byte `start`. */
  private header(buf: Buffer, at: number, start: number): void {
    if (isZero(buf, at)) {
      if (this.endOfArchive === undefined) {
        this.endOfArchive = this.recordsStart ?? start
        this.recordsStart = undefined
      }
      return
    }
    if (!validChecksum(buf, at) || !hasUstarMagic(buf, at))
      throw new TarFormatError(`not a tar archive (no valid tar header near byte ${start})`)
    const flag = buf[at + 156]!
    // x: pax records for the next entry, g: for all (not applied, as in tar-stream), L/K: GNU long name/link.
    if (flag === 0x78 || flag === 0x67 || flag === 0x4c || flag === 0x4b) {
      // A global record (g) belongs to no one entry.
      if (flag !== 0x67) this.recordsStart ??= start
      const size = numeric(buf, at + 124, 12)
      if (size > MAX_META)
        throw new TarFormatError(`not a valid tar archive: a ${size}-byte extended header near byte ${start}`)
      this.left = Math.ceil(size / BLOCK) * BLOCK
      this.meta = String.fromCharCode(flag) as 'x' | 'g' | 'L' | 'K'
      this.body = Buffer.allocUnsafe(size)
      this.filled = 0
      if (this.left === 0) this.endEntry()
      return
    }
    const size = this.next.size ?? numeric(buf, at + 124, 12)
    this.left = Math.ceil(size / BLOCK) * BLOCK
    let type = typeName(flag)
    const next = this.next
    this.next = {}
    const name = next.name ?? ustarName(buf, at)
    if (type === 'file' && flag === 0 && name.endsWith('/')) type = 'directory'
    const header: TarHeader = {
      name,
      type,
      mode: numeric(buf, at + 100, 8),
      uid: next.uid ?? numeric(buf, at + 108, 8),
      gid: next.gid ?? numeric(buf, at + 116, 8),
      size,
      linkname: next.linkname ?? (buf[at + 157] === 0 ? null : text(buf, at + 157, 100)),
    }
    this.entries++
    this.current = header
    this.entryStart = this.recordsStart ?? start
    this.entryEnd = start + BLOCK + this.left
    this.recordsStart = undefined
    this.body = this.onEntry(header) ? Buffer.allocUnsafe(size) : undefined
    this.filled = 0
    if (this.left === 0) this.endEntry()
  }

  private endEntry(): void {
    const body = this.body
    this.body = undefined
    const meta = this.meta
    this.meta = undefined
    if (meta) {
      const data = body!.subarray(0, this.filled)
      if (meta === 'L') this.next.name = data.toString('utf8').replace(/\0.*$/s, '')
      else if (meta === 'K') this.next.linkname = data.toString('utf8').replace(/\0.*$/s, '')
      else if (meta === 'x') Object.assign(this.next, paxHeader(data))
      return
    }
    if (body) this.onBody(this.current!, body)
  }

  private trackZeroTail(chunk: Buffer): void {
    let i = chunk.length - 1
    while (i >= 0 && chunk[i] === 0) i--
    this.zeroTail = i < 0 ? this.zeroTail + chunk.length : chunk.length - 1 - i
  }
}

/** tar-stream's names for the type flags. */
function typeName(flag: number): Header['type'] | null {
  switch (flag) {
    case 0:
    case 0x30:
      return 'file'
    case 0x31:
      return 'link'
    case 0x32:
      return 'symlink'
    case 0x33:
      return 'character-device'
    case 0x34:
      return 'block-device'
    case 0x35:
      return 'directory'
    case 0x36:
      return 'fifo'
    case 0x37:
      return 'contiguous-file'
    default:
      return null
  }
}

/** The pax records tar readers apply to the next entry: path, linkpath, size, uid, gid. */
export function paxHeader(data: Buffer): {
  name?: string
  linkname?: string
  size?: number
  uid?: number
  gid?: number
} {
  const out: { name?: string; linkname?: string; size?: number; uid?: number; gid?: number } = {}
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space === -1) break
    const length = Number.parseInt(data.toString('latin1', at, space), 10)
    if (!(length > 0)) break
    const record = data.toString('utf8', space + 1, at + length - 1)
    const eq = record.indexOf('=')
    const key = record.slice(0, eq)
    const value = record.slice(eq + 1)
    if (key === 'path') out.name = value
    else if (key === 'linkpath') out.linkname = value
    else if (key === 'size' || key === 'uid' || key === 'gid') {
      const n = Number.parseInt(value, 10)
      if (Number.isSafeInteger(n) && n >= 0) out[key] = n
    }
    at += length
  }
  return out
}

export function validChecksum(block: Buffer, at = 0): boolean {
  // The checksum is the sum of all bytes with its own field counted as spaces.
  let sum = 8 * 0x20
  for (let i = at; i < at + 148; i++) sum += block[i]!
  for (let i = at + 156; i < at + BLOCK; i++) sum += block[i]!
  return sum === octal(block, at + 148, 8)
}

export function isZero(block: Buffer, at = 0, length = BLOCK): boolean {
  for (let i = at; i < at + length; i++) if (block[i] !== 0) return false
  return true
}

/** "ustar" at 257: POSIX ("ustar\0") and GNU ("ustar  ") headers alike; tar-stream reads no other. */
function hasUstarMagic(block: Buffer, at: number): boolean {
  return (
    block[at + 257] === 0x75 &&
    block[at + 258] === 0x73 &&
    block[at + 259] === 0x74 &&
    block[at + 260] === 0x61 &&
    block[at + 261] === 0x72
  )
}

/** A numeric field: octal digits, optionally padded with spaces and ended by NUL or space; NaN if none. */
export function octal(block: Buffer, start: number, length: number): number {
  let i = start
  const end = start + length
  while (i < end && block[i] === 0x20) i++
  let n = 0
  let digits = 0
  for (; i < end; i++) {
    const c = block[i]!
    if (c < 0x30 || c > 0x37) break
    n = n * 8 + (c - 0x30)
    digits++
  }
  return digits > 0 ? n : Number.NaN
}

/** A numeric field in octal, or GNU's base-256 (high bit set) for values octal cannot hold; 0 if empty. */
export function numeric(block: Buffer, start: number, length: number): number {
  // GNU base-256 for values of 8 GiB (sizes) and more: the top bit of the first byte marks it.
  if (block[start]! & 0x80) {
    let n = block[start]! & 0x7f
    for (let i = start + 1; i < start + length; i++) n = n * 256 + block[i]!
    return n
  }
  const n = octal(block, start, length)
  return Number.isNaN(n) ? 0 : n
}

/** A NUL-terminated text field. */
export function text(block: Buffer, start: number, length: number): string {
  const nul = block.indexOf(0, start)
  const end = nul === -1 || nul > start + length ? start + length : nul
  return block.toString('utf8', start, end)
}

/** POSIX "ustar\0" (GNU's own format writes "ustar  \0" and uses the prefix field for other things). */
export function isPosixUstar(block: Buffer, at = 0): boolean {
  return hasUstarMagic(block, at) && block[at + 262] === 0
}

export function ustarName(block: Buffer, at = 0): string {
  const name = text(block, at, 100)
  const prefix = isPosixUstar(block, at) && block[at + 345] !== 0 ? text(block, at + 345, 155) : ''
  return prefix ? `${prefix}/${name}` : name
}
