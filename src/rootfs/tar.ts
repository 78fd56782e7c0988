import type { Header } from 'tar-stream'
import { decodeName, MAX_NAME, NameTooLong, PaxError, parsePax, type PaxRecords } from './pax.ts'

/** A tar archive is made of 512-byte blocks: headers, and data padded to whole blocks. */
export const BLOCK = 512

/** pax and GNU long-name records hold a few names and numbers; more is a broken archive, not a reason to buffer it. */
const MAX_META = 1 << 20
/** Zeros read after the end-of-archive marker before the stream is taken for something else. */
const MAX_AFTER_END = 64 << 20

export class TarFormatError extends Error {}

/** `./var/lib/x`, `/var/lib/x` and `var/lib/x` all name the same file of a rootfs. */
export function normalizeTarPath(name: string): string {
  // Most names need nothing: they start with neither "." nor "/" and do not end with "/".
  const first = name.charCodeAt(0)
  if (first !== 0x2e && first !== 0x2f && name.charCodeAt(name.length - 1) !== 0x2f) return name
  return name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
}

/** An entry's header, with pax and GNU long names and sizes applied; type names as tar-stream has them. */
export interface TarHeader {
  name: string
  /** null for a type flag that is none of these. */
  type: Header['type'] | null
  /** The type flag as written: '0', '5', 'S', ... ('\0' for an old-style regular file). */
  flag: string
  mode: number
  uid: number
  gid: number
  /** The file's size (a sparse file's full size; 0 for hard links and directories, which have no data). */
  size: number
  linkname: string | null
}

/** Types whose header GNU tar and Go's reader both follow with no data, whatever its size field says. */
const NO_DATA = new Set([0x31, 0x35])
/** Types GNU tar reads size bytes of data after and Go's reader none: they must say 0. */
const HEADER_ONLY = new Set([0x32, 0x33, 0x34, 0x36])

/** What records before an entry's header say about it. An 'x' replaces an earlier 'x', as in both readers. */
interface Pending {
  pax?: PaxRecords
  /** Where the 'x' header was, and why its records were refused. */
  paxAt?: number
  paxError?: string
  longName?: string
  longLink?: string
}

/**
 * Reads a tar stream's headers as it passes, chunk by chunk, in place: entry data is skipped, not
 * copied, unless `entry` asks for it. Nothing of a chunk is kept after write() returns (a split header
 * or a wanted body is copied), so the caller may reuse the chunk's memory at once; tar-stream's
 * extract keeps chunks and hands out a stream per entry, which cost the main thread about as much as
 * the rest of the pass on a rootfs of 20,000 entries.
 *
 * It reads what GNU tar and metal-hammer (Go's archive/tar) extract, and refuses (TarFormatError) what
 * they would read differently or not at all: it stops at the first zero block, as GNU tar does, and
 * refuses anything after the end marker but zeros; it refuses malformed pax records and number
 * fields, and data after a header that one reader skips and the other reads.
 */
export class TarWalker {
  /** Bytes consumed. */
  offset = 0
  entries = 0
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
  /** Zero blocks seen where a header should be: 2 is the end-of-archive marker, after which only zeros may come. */
  private zeroBlocks = 0
  /** Where the end-of-archive marker ends. */
  private endAt = 0
  private zeroAt = 0
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
  private metaAt = 0
  private next: Pending = {}
  /** An old GNU sparse entry ('S') whose extension blocks are still to come, before its data. */
  private sparse: { header: TarHeader; start: number; data: number } | undefined

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

  /** The end-of-archive marker (two zero blocks) has been read. */
  get ended(): boolean {
    return this.zeroBlocks === 2
  }

  /** Throws TarFormatError at a block that should be a header and is not one. */
  write(chunk: Buffer): void {
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

  /** Throws TarFormatError when the stream stopped inside an entry or a header, or went on after its end. */
  end(): void {
    if (this.ended && this.carried > 0 && !isZero(this.carry, 0, this.carried))
      throw this.afterEnd(this.carry, 0, this.offset - this.carried, this.carried)
    if (this.left > 0 || this.sparse || (this.carried > 0 && !this.ended))
      throw new TarFormatError(
        `the tar archive is truncated: it ends in the middle of an entry after ${this.offset} bytes`,
      )
  }

  /** A header block at `buf[at]`, the archive's byte `start`. */
  private header(buf: Buffer, at: number, start: number): void {
    if (this.sparse) return this.sparseExtension(buf, at, start)
    if (this.zeroBlocks === 2) {
      if (!isZero(buf, at)) throw this.afterEnd(buf, at, start, BLOCK)
      // A record's padding is kilobytes; zeros without end (a device, /dev/zero) are not a tar file.
      if (start - this.endAt >= MAX_AFTER_END)
        throw new TarFormatError(
          `more than ${MAX_AFTER_END >> 20} MiB of zeros after the end-of-archive marker at byte ${this.endAt}: not the padding of a tar file`,
        )
      return
    }
    if (isZero(buf, at)) {
      if (this.zeroBlocks === 1) {
        this.endAt = start + BLOCK
        return void (this.zeroBlocks = 2)
      }
      if (this.next.paxError)
        throw new TarFormatError(`the pax extended header at byte ${this.next.paxAt} ${this.next.paxError}`)
      this.endOfArchive = this.recordsStart ?? start
      this.recordsStart = undefined
      this.zeroBlocks = 1
      this.zeroAt = start
      return
    }
    const valid = validChecksum(buf, at) && hasUstarMagic(buf, at)
    if (this.zeroBlocks === 1)
      throw new TarFormatError(
        `a lone zero block at byte ${this.zeroAt} is followed by ${valid ? `more entries (at byte ${start}: ${JSON.stringify(ustarName(buf, at))})` : `data at byte ${start}`}: ` +
          'GNU tar takes it for the end of the archive and extracts nothing after it ("A lone zero ' +
          'block"), metal-hammer\'s Go tar reader fails on it ("invalid tar header"), so the rootfs is ' +
          'refused; remove the zero block',
      )
    if (!valid) throw new TarFormatError(`not a tar archive (no valid tar header near byte ${start})`)
    const flag = buf[at + 156]!
    // x: pax records for the next entry, g: for all (not applied, as in tar-stream and Go's reader),
    // L/K: GNU long name/link.
    if (flag === 0x78 || flag === 0x67 || flag === 0x4c || flag === 0x4b) {
      // A global record (g) belongs to no one entry.
      if (flag !== 0x67) this.recordsStart ??= start
      const size = this.number(buf, at, 124, 12, 'size', () => `the extended header at byte ${start}`)
      if (size > MAX_META)
        throw new TarFormatError(`not a valid tar archive: a ${size}-byte extended header near byte ${start}`)
      this.left = Math.ceil(size / BLOCK) * BLOCK
      this.meta = String.fromCharCode(flag) as 'x' | 'g' | 'L' | 'K'
      this.metaAt = start
      this.body = Buffer.allocUnsafe(size)
      this.filled = 0
      if (this.left === 0) this.endEntry()
      return
    }
    const next = this.next
    this.next = {}
    let name = next.pax?.path ?? next.longName ?? ustarName(buf, at)
    const what = () => `${JSON.stringify(name)} (its header at byte ${start})`
    if (next.paxError)
      throw new TarFormatError(`${what()}: its pax extended header at byte ${next.paxAt} ${next.paxError}`)
    let type = typeName(flag)
    if (type === 'file' && flag === 0 && name.endsWith('/')) type = 'directory'
    const mode = this.number(buf, at, 100, 8, 'mode', what)
    // Go's reader checks every field, even those pax records replace.
    const uid = this.number(buf, at, 108, 8, 'uid', what)
    const gid = this.number(buf, at, 116, 8, 'gid', what)
    const stored = this.number(buf, at, 124, 12, 'size', what)
    this.number(buf, at, 136, 12, 'mtime', what)
    let data = next.pax?.size ?? stored
    let size = data
    if (NO_DATA.has(flag)) data = size = 0
    else if (HEADER_ONLY.has(flag) && data > 0)
      throw new TarFormatError(
        `${what()}: a ${type} header with a size of ${data} bytes: GNU tar reads that much data after ` +
          `it, metal-hammer's Go tar reader none, so they would read the rest of the archive differently`,
      )
    const sparse = next.pax?.sparse
    if (sparse) {
      name = sparse.name ?? name
      size = sparse.size ?? size
    }
    const header: TarHeader = {
      name,
      type,
      flag: String.fromCharCode(flag),
      mode,
      uid: next.pax?.uid ?? uid,
      gid: next.pax?.gid ?? gid,
      size,
      linkname:
        next.pax?.linkpath ?? next.longLink ?? (buf[at + 157] === 0 ? null : text(buf, at + 157, 100)),
    }
    const entryStart = this.recordsStart ?? start
    this.recordsStart = undefined
    // Old GNU sparse: the real size in the header, the map in extension blocks before the data.
    if (flag === 0x53) {
      header.size = numeric(buf, at + 483, 12)
      if (buf[at + 482] !== 0) return void (this.sparse = { header, start: entryStart, data })
    }
    this.begin(header, entryStart, start + BLOCK, data, sparse === undefined && flag !== 0x53)
  }

  /** Hands an entry to `entry`; its data (`data` bytes, padded) starts at `dataAt`. */
  private begin(header: TarHeader, start: number, dataAt: number, data: number, readable: boolean): void {
    this.left = Math.ceil(data / BLOCK) * BLOCK
    this.entries++
    this.current = header
    this.entryStart = start
    this.entryEnd = dataAt + this.left
    // A sparse file's data is stored packed: it is not the file's content, so it is never handed out.
    this.body = this.onEntry(header) && readable ? Buffer.allocUnsafe(data) : undefined
    this.filled = 0
    if (this.left === 0) this.endEntry()
  }

  /** An extension block of an old GNU sparse header: more of its map, and whether another follows. */
  private sparseExtension(buf: Buffer, at: number, start: number): void {
    if (buf[at + 504] !== 0) return
    const { header, start: entryStart, data } = this.sparse!
    this.sparse = undefined
    this.begin(header, entryStart, start + BLOCK, data, false)
  }

  private endEntry(): void {
    const body = this.body
    this.body = undefined
    const meta = this.meta
    this.meta = undefined
    if (meta) {
      const data = body!.subarray(0, this.filled)
      if (meta === 'L' || meta === 'K') {
        const nul = data.indexOf(0)
        const bytes = nul === -1 ? data : data.subarray(0, nul)
        if (bytes.length > MAX_NAME)
          throw new TarFormatError(
            `the GNU long ${meta === 'L' ? 'name' : 'link'} record at byte ${this.metaAt}: ${new NameTooLong(meta === 'L' ? 'name' : 'link target', bytes.length).message}`,
          )
        const value = decodeName(bytes)
        if (meta === 'L') this.next.longName = value
        else this.next.longLink = value
      } else if (meta === 'x') this.paxRecords(data)
      // Both readers parse a global header too, and fail on a malformed one.
      else this.paxRecords(data, true)
      return
    }
    if (body) this.onBody(this.current!, body)
  }

  private paxRecords(data: Buffer, global = false): void {
    const at = this.metaAt
    try {
      const pax = parsePax(data)
      if (!global) this.next = { ...this.next, pax, paxAt: at, paxError: undefined }
    } catch (err) {
      if (err instanceof NameTooLong)
        throw new TarFormatError(
          `the pax ${global ? 'global' : 'extended'} header at byte ${at}: ${err.message}`,
        )
      if (!(err instanceof PaxError)) throw err
      const why = `is malformed: ${err.message}`
      if (global) throw new TarFormatError(`the pax global header at byte ${at} ${why}`)
      this.next = { ...this.next, pax: undefined, paxAt: at, paxError: why }
    }
  }

  /**
   * A number field: octal (or GNU's base-256) as both GNU tar and Go's reader read it alike. An empty
   * field is 0; anything else but digits between blanks is refused.
   */
  private number(
    buf: Buffer,
    at: number,
    offset: number,
    length: number,
    field: string,
    what: () => string,
  ): number {
    const n = strictNumeric(buf, at + offset, length)
    if (Number.isNaN(n))
      throw new TarFormatError(
        `${what()}: its ${field} field is ${JSON.stringify(buf.toString('latin1', at + offset, at + offset + length))}, not an octal number; GNU tar and metal-hammer's Go tar reader refuse or misread it`,
      )
    return n
  }

  /** What comes after the end-of-archive marker, at `buf[at]` (the archive's byte `start`), `length` bytes of it. */
  private afterEnd(buf: Buffer, at: number, start: number, length: number): TarFormatError {
    let first = at
    while (first < at + length - 1 && buf[first] === 0) first++
    const what =
      length === BLOCK && validChecksum(buf, at) && hasUstarMagic(buf, at)
        ? `a second tar archive starts at byte ${start} (its first entry ${JSON.stringify(ustarName(buf, at))})`
        : `data that is no tar header comes at byte ${start + first - at}`
    return new TarFormatError(
      `the tar archive goes on after its end-of-archive marker (at byte ${this.zeroAt}): ${what}. ` +
        'GNU tar (without --ignore-zeros) and metal-hammer stop at the marker and extract none of it, so ' +
        'the image would not be what packages.txt, the SBOM and the contract describe, and the rootfs is ' +
        'refused; make it one archive (tar --concatenate) or cut what follows the marker',
    )
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

export function validChecksum(block: Buffer, at = 0): boolean {
  // The checksum is the sum of all bytes with its own field counted as spaces.
  let sum = 8 * 0x20
  for (let i = at; i < at + 148; i++) sum += block[i]!
  for (let i = at + 156; i < at + BLOCK; i++) sum += block[i]!
  return sum === octal(block, at + 148, 8)
}

/** Sets a header's modification time (whole seconds, as Go's and GNU tar write it) and its checksum. */
export function setMtime(block: Buffer, seconds: number): void {
  block.write(`${seconds.toString(8).padStart(11, '0')}\0`, 136, 12, 'latin1')
  block.fill(0x20, 148, 156)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += block[i]!
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
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
  const n = strictNumeric(block, start, length)
  return Number.isNaN(n) ? 0 : n
}

/**
 * A numeric field as GNU tar and Go's reader both read it: GNU's base-256 (high bit set), or blanks,
 * octal digits, then only NULs and blanks; all NULs is 0. NaN for anything else (where the two read
 * different numbers, or refuse it).
 */
function strictNumeric(block: Buffer, start: number, length: number): number {
  // GNU base-256 for values of 8 GiB (sizes) and more: the top bit of the first byte marks it.
  if (block[start]! & 0x80) {
    let n = block[start]! & 0x7f
    for (let i = start + 1; i < start + length; i++) n = n * 256 + block[i]!
    return n
  }
  const end = start + length
  let i = start
  while (i < end && block[i] === 0x20) i++
  let n = 0
  const first = i
  for (; i < end; i++) {
    const c = block[i]!
    if (c < 0x30 || c > 0x37) break
    n = n * 8 + (c - 0x30)
  }
  if (i === first && i < end && block[i] !== 0) return Number.NaN
  for (; i < end; i++) if (block[i] !== 0 && block[i] !== 0x20) return Number.NaN
  return n
}

/** A NUL-terminated text field. */
export function text(block: Buffer, start: number, length: number): string {
  const nul = block.indexOf(0, start)
  const end = nul === -1 || nul > start + length ? start + length : nul
  return decodeName(block.subarray(start, end))
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
