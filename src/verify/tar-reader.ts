import { ByteReader, UnexpectedEof } from './reader.ts'

/**
 * A tar reader that behaves like Go's archive/tar `Reader.Next` (Go 1.25, what metal-hammer is built with),
 * written from that behaviour, independent of rootfs/tar.ts (the pipeline's own walker): what metal-hammer's
 * extractor is handed is what this yields.
 * - PAX 'x' records (path, linkpath, size) and GNU 'L'/'K' long names apply to the next entry and are
 *   never seen by the caller; a PAX global header 'g' is returned as an entry of its own.
 * - '\0' (old regular file) becomes '0', or '5' when the name ends in "/".
 * - Links, symlinks, devices, directories and FIFOs have no data, whatever their size field says.
 * - Two zero blocks end the archive; so does the data ending at an entry boundary (no end blocks) or in
 *   an entry's padding: both are a clean end, a partial rootfs without an error. Ending inside a header or
 *   an entry's data is "unexpected EOF".
 * - PAX GNU sparse files (formats 0.0, 0.1, 1.0) are read with their holes as zeros; an old GNU sparse
 *   header keeps its type 'S' (which metal-hammer's extractor then refuses).
 */

export const ERR_HEADER = 'archive/tar: invalid tar header'
export const ERR_TOO_LONG = 'archive/tar: header field too long'

export class TarError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarError'
  }
}

export interface TarHeader {
  name: string
  linkname: string
  /** Logical size: what reading the entry yields (a sparse file's full size). */
  size: number
  mode: number
  typeflag: string
  paxRecords: Record<string, string>
}

const BLOCK = 512
/** Go's maxSpecialFileSize: PAX and GNU long-name data beyond it is refused. */
const MAX_SPECIAL = 1 << 20
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6'])

type SparseEntry = { offset: number; length: number }

export class GoTarReader {
  private readonly r: ByteReader
  /** Physical bytes of the current entry not read yet, and its padding. */
  private remaining = 0
  private pad = 0
  /** The current entry's data, as the logical reader sees it. */
  private logicalLeft = 0
  private sparse: { map: SparseEntry[]; pos: number; size: number } | undefined
  private failed: Error | undefined
  /** The archive ended with its two zero blocks (not just with the data). */
  endedWithMarker = false

  constructor(reader: ByteReader) {
    this.r = reader
  }

  /** The next entry; undefined at the end of the archive (or of the data at an entry boundary). */
  async next(): Promise<TarHeader | undefined> {
    if (this.failed) throw this.failed
    try {
      return await this.nextEntry()
    } catch (err) {
      this.failed = err instanceof UnexpectedEof ? new TarError('unexpected EOF') : (err as Error)
      throw this.failed
    }
  }

  /** The current entry's data, piece by piece; UnexpectedEof surfaces as TarError. */
  async *data(): AsyncGenerator<Buffer> {
    try {
      if (this.sparse) {
        yield* this.sparseData()
        return
      }
      while (this.logicalLeft > 0) {
        const piece = await this.r.some(Math.min(this.logicalLeft, 1 << 20))
        if (!piece) throw new UnexpectedEof()
        this.logicalLeft -= piece.length
        this.remaining -= piece.length
        yield piece
      }
    } catch (err) {
      if (err instanceof UnexpectedEof) throw new TarError('unexpected EOF')
      throw err
    }
  }

  private async *sparseData(): AsyncGenerator<Buffer> {
    const s = this.sparse!
    for (const { offset, length } of s.map) {
      if (offset > s.pos) yield* zeros(offset - s.pos)
      let left = length
      while (left > 0) {
        const piece = await this.r.some(Math.min(left, 1 << 20))
        if (!piece) throw new UnexpectedEof()
        left -= piece.length
        this.remaining -= piece.length
        yield piece
      }
      s.pos = offset + length
    }
    if (s.size > s.pos) yield* zeros(s.size - s.pos)
    s.pos = s.size
    this.logicalLeft = 0
  }

  private async nextEntry(): Promise<TarHeader | undefined> {
    let pax: Record<string, string> = {}
    let longName: string | undefined
    let longLink: string | undefined
    for (;;) {
      // Skip the rest of the previous entry (a short skip is unexpected EOF), then its padding (a short
      // padding is a clean end, as Go's tryReadFull reports io.EOF).
      if (this.remaining > 0 && !(await this.r.skip(this.remaining))) throw new UnexpectedEof()
      this.remaining = 0
      if (this.pad > 0 && !(await this.r.skip(this.pad))) return undefined
      this.pad = 0
      this.sparse = undefined

      const block = await this.r.full(BLOCK)
      if (block === undefined) return undefined
      if (isZero(block)) {
        const second = await this.r.full(BLOCK)
        if (second === undefined) return undefined
        if (isZero(second)) {
          this.endedWithMarker = true
          return undefined
        }
        throw new TarError(ERR_HEADER)
      }
      const hdr = parseHeader(block)
      this.setData(hdr.typeflag, hdr.size)

      if (hdr.typeflag === 'x' || hdr.typeflag === 'g') {
        const records = parsePax(await this.special())
        if (hdr.typeflag === 'g') {
          mergePax(hdr, records)
          return hdr
        }
        pax = records
        continue
      }
      if (hdr.typeflag === 'L' || hdr.typeflag === 'K') {
        const value = cstring(await this.special())
        if (hdr.typeflag === 'L') longName = value
        else longLink = value
        continue
      }
      mergePax(hdr, pax)
      if (longName !== undefined) hdr.name = longName
      if (longLink !== undefined) hdr.linkname = longLink
      if (hdr.typeflag === '\0') hdr.typeflag = hdr.name.endsWith('/') ? '5' : '0'
      this.setData(hdr.typeflag, hdr.size)
      await this.sparseHeaders(hdr)
      return hdr
    }
  }

  private setData(typeflag: string, size: number): void {
    const n = HEADER_ONLY.has(typeflag) ? 0 : size
    if (n < 0) throw new TarError(ERR_HEADER)
    this.remaining = n
    this.logicalLeft = n
    this.pad = (BLOCK - (n % BLOCK)) % BLOCK
  }

  /** The data of a PAX or GNU long-name entry. */
  private async special(): Promise<Buffer> {
    if (this.remaining > MAX_SPECIAL) throw new TarError(ERR_TOO_LONG)
    const data = await this.r.exactly(this.remaining)
    this.remaining = 0
    this.logicalLeft = 0
    return data
  }

  /** PAX GNU sparse files: the map from the records (0.0, 0.1) or the data's start (1.0). */
  private async sparseHeaders(hdr: TarHeader): Promise<void> {
    const rec = hdr.paxRecords
    const major = rec['GNU.sparse.major'] ?? ''
    const minor = rec['GNU.sparse.minor'] ?? ''
    let is1: boolean
    if (major === '0' && (minor === '0' || minor === '1')) is1 = false
    else if (major === '1' && minor === '0') is1 = true
    else if (major !== '' || minor !== '') return
    else if (rec['GNU.sparse.map']) is1 = false
    else return
    if (rec['GNU.sparse.name']) hdr.name = rec['GNU.sparse.name']
    const real = rec['GNU.sparse.size'] || rec['GNU.sparse.realsize']
    if (real) hdr.size = parseDecimal(real)
    let numbers: number[]
    if (is1) {
      // Decimal numbers, one a line, padded to a block: count, then offset/length pairs.
      const lines: number[] = []
      let text = ''
      let count: number | undefined
      while (count === undefined || lines.length < 1 + 2 * count) {
        const block = await this.r.exactly(BLOCK)
        this.remaining -= BLOCK
        text += block.toString('latin1')
        const parts = text.split('\n')
        text = parts.pop()!
        for (const p of parts) {
          lines.push(parseDecimal(p))
          if (count === undefined) count = lines[0]
        }
      }
      numbers = lines.slice(1, 1 + 2 * count)
    } else {
      const map = rec['GNU.sparse.map'] ?? ''
      numbers = map === '' ? [] : map.split(',').map(parseDecimal)
      if (numbers.length % 2 !== 0) throw new TarError(ERR_HEADER)
    }
    const map: SparseEntry[] = []
    let end = 0
    for (let i = 0; i < numbers.length; i += 2) {
      const offset = numbers[i]!
      const length = numbers[i + 1]!
      if (offset < end || offset + length > hdr.size) throw new TarError(ERR_HEADER)
      map.push({ offset, length })
      end = offset + length
    }
    this.sparse = { map, pos: 0, size: hdr.size }
    this.logicalLeft = hdr.size
  }
}

function* zeros(n: number): Generator<Buffer> {
  const chunk = Buffer.alloc(Math.min(n, 1 << 20))
  for (let left = n; left > 0; left -= chunk.length)
    yield left >= chunk.length ? chunk : chunk.subarray(0, left)
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false
  return true
}

/** Up to the first NUL; names are UTF-8 (a name that is not cannot be created the same way here). */
function cstring(b: Buffer): string {
  const nul = b.indexOf(0)
  const raw = nul >= 0 ? b.subarray(0, nul) : b
  const text = raw.toString('utf8')
  if (!Buffer.from(text, 'utf8').equals(raw))
    throw new TarError(
      `a file name that is not UTF-8 (${raw.toString('latin1')}): not supported by this extractor`,
    )
  return text
}

function parseHeader(block: Buffer): TarHeader {
  // The checksum, as unsigned and as signed bytes, with its own field counted as spaces.
  const sum = parseOctal(block.subarray(148, 156))
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!
    unsigned += c
    signed += c > 127 ? c - 256 : c
  }
  if (sum === undefined || (sum !== unsigned && sum !== signed)) throw new TarError(ERR_HEADER)
  const magic = block.toString('latin1', 257, 263)
  const version = block.toString('latin1', 263, 265)
  const trailer = block.toString('latin1', 508, 512)
  const star = magic === 'ustar\0' && trailer === 'tar\0'
  const ustar = magic === 'ustar\0' && !star
  const fields = [parseNumeric(block.subarray(124, 136)), parseNumeric(block.subarray(100, 108))]
  if (fields.some((n) => n === undefined)) throw new TarError(ERR_HEADER)
  const hdr: TarHeader = {
    typeflag: String.fromCharCode(block[156]!),
    name: cstring(block.subarray(0, 100)),
    linkname: cstring(block.subarray(157, 257)),
    size: fields[0]!,
    mode: fields[1]!,
    paxRecords: {},
  }
  // The other numeric fields are parsed too: a malformed one fails the header, as in Go.
  for (const [from, to] of [
    [108, 116],
    [116, 124],
    [136, 148],
  ] as const)
    if (parseNumeric(block.subarray(from, to)) === undefined) throw new TarError(ERR_HEADER)
  const gnu = magic === 'ustar ' && version === ' \0'
  if (ustar || star || gnu) {
    for (const [from, to] of [
      [329, 337],
      [337, 345],
    ] as const)
      if (parseNumeric(block.subarray(from, to)) === undefined) throw new TarError(ERR_HEADER)
    const prefix = ustar ? cstring(block.subarray(345, 500)) : star ? cstring(block.subarray(345, 476)) : ''
    if (prefix.length > 0) hdr.name = `${prefix}/${hdr.name}`
  }
  return hdr
}

/** Go's parseNumeric: base-256 when the high bit is set, else octal; undefined where Go reports ErrHeader. */
export function parseNumeric(b: Buffer): number | undefined {
  if (b.length > 0 && b[0]! & 0x80) {
    const inv = b[0]! & 0x40 ? 0xff : 0
    let x = 0n
    for (let i = 0; i < b.length; i++) {
      let c = b[i]! ^ inv
      if (i === 0) c &= 0x7f
      if (x >> 56n > 0n) return undefined
      x = (x << 8n) | BigInt(c)
    }
    if (x >> 63n > 0n) return undefined
    const value = inv ? -Number(x) - 1 : Number(x)
    return value
  }
  return parseOctal(b)
}

function parseOctal(b: Buffer): number | undefined {
  let start = 0
  let end = b.length
  while (start < end && (b[start] === 0x20 || b[start] === 0)) start++
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--
  if (start === end) return 0
  const nul = b.subarray(start, end).indexOf(0)
  const text = b.toString('latin1', start, nul >= 0 ? start + nul : end)
  if (!/^[0-7]+$/.test(text)) return undefined
  return parseInt(text, 8)
}

function parseDecimal(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new TarError(ERR_HEADER)
  return Number(text)
}

/** PAX records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {}
  const sparse: string[] = []
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space < 0) throw new TarError(ERR_HEADER)
    const lenText = data.toString('latin1', pos, space)
    if (!/^[0-9]+$/.test(lenText)) throw new TarError(ERR_HEADER)
    const len = Number(lenText)
    if (len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 0x0a)
      throw new TarError(ERR_HEADER)
    const record = data.subarray(space + 1, pos + len - 1)
    const eq = record.indexOf(0x3d)
    if (eq <= 0) throw new TarError(ERR_HEADER)
    const key = record.toString('utf8', 0, eq)
    const value = record.toString('utf8', eq + 1)
    if ((key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname') && value.includes('\0'))
      throw new TarError(ERR_HEADER)
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') sparse.push(value)
    else records[key] = value
    pos += len
  }
  if (sparse.length > 0) records['GNU.sparse.map'] = sparse.join(',')
  return records
}

function mergePax(hdr: TarHeader, records: Record<string, string>): void {
  for (const [key, value] of Object.entries(records)) {
    if (key === 'path') hdr.name = value
    else if (key === 'linkpath') hdr.linkname = value
    else if (key === 'size') {
      if (!/^-?[0-9]+$/.test(value)) throw new TarError(ERR_HEADER)
      hdr.size = Number(value)
    }
  }
  hdr.paxRecords = records
}
