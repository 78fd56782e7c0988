import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import { RpmDbError } from './error.ts'

/**
 * An rpm package header blob, parsed and checked as lib/header.c does (hdrblobInit, hdrblobVerifyRegion,
 * hdrblobVerifyInfo, hdrblobImport, findEntry); see db.ts for the sources this follows.
 */

// Header tags (include/rpm/rpmtag.h) and types (RPM_*_TYPE).
export const TAG = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  SHA1HEADER: 269,
  SHA256HEADER: 273,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  NOSOURCE: 1051,
  NOPATCH: 1052,
} as const
const T_INT32 = 4
const T_STRING = 6
const T_BIN = 7
const T_STRING_ARRAY = 8
const T_I18NSTRING = 9
const T_MAX = 9
// Indexed by type, which is checked to be 1-9 before either is used; -1: NUL-terminated strings.
const TYPE_SIZE: readonly number[] = [0, 1, 1, 2, 4, 8, -1, 1, -1, -1]
const TYPE_ALIGN: readonly number[] = [1, 1, 1, 2, 4, 8, 1, 1, 1, 1]
const typeSize = (type: number): number => TYPE_SIZE[type] ?? 0
const typeAlign = (type: number): number => TYPE_ALIGN[type] ?? 1
const isStringType = (type: number): boolean =>
  type === T_STRING || type === T_STRING_ARRAY || type === T_I18NSTRING

/**
 * rpm rejects a header in which a tag it knows has the wrong type (hdrblobVerifyInfo/hdrchkTagType). Only
 * the tags read here are checked; for these a wrong type would otherwise change what is printed.
 */
const STRING_TAGS: ReadonlySet<number> = new Set([
  TAG.HEADERI18NTABLE,
  TAG.SHA1HEADER,
  TAG.SHA256HEADER,
  TAG.NAME,
  TAG.VERSION,
  TAG.RELEASE,
  TAG.LICENSE,
  TAG.ARCH,
  TAG.SOURCERPM,
])
const INT32_TAGS: ReadonlySet<number> = new Set([TAG.EPOCH, TAG.NOSOURCE, TAG.NOPATCH])
const READ_TAGS: ReadonlySet<number> = new Set([...STRING_TAGS, ...INT32_TAGS])

const REGION_ENTRY_SIZE = 16
const HEADER_TAGS_MAX = 0xffff
const HEADER_DATA_MAX = 0x0fffffff
const HEADER_ARRAY_MAX = 0xfffff
const HEADER_MAX_BYTES = 256 * 1024 * 1024
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0])

interface Entry {
  /** Position in the blob's index, for messages. */
  index: number
  tag: number
  type: number
  offset: number
  count: number
}

export class ParsedHeader {
  /** The data store: the blob after the index. */
  readonly data: Buffer
  /** What headerGet finds per tag once dribbles have replaced region entries (hdrblobImport). */
  readonly tags: ReadonlyMap<number, Entry>

  constructor(data: Buffer, tags: ReadonlyMap<number, Entry>) {
    this.data = data
    this.tags = tags
  }

  has(tag: number): boolean {
    return this.tags.has(tag)
  }

  /** headerGetString: one string, or null (absent, not a string, or an array of more than one). */
  string(tag: number): Buffer | null {
    const e = this.tags.get(tag)
    if (!e || !isStringType(e.type)) return null
    // An I18N string yields the entry for the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) in HEADERI18NTABLE,
    // else the first; the table rpmbuild writes starts with "C", so for C, C.UTF-8 or no locale: the first.
    if (e.type === T_STRING_ARRAY && e.count !== 1) return null
    return this.data.subarray(e.offset, this.data.indexOf(0, e.offset))
  }

  /** headerGetNumber for a single INT32 (EPOCH): null when absent or not exactly one value. */
  uint32(tag: number): number | null {
    const e = this.tags.get(tag)
    if (!e || e.type !== T_INT32 || e.count !== 1) return null
    return this.data.readUInt32BE(e.offset)
  }
}

/** strtaglen: bytes taken by `count` NUL-terminated strings at `offset`, or -1 when they overrun the data. */
function stringsLength(data: Buffer, offset: number, count: number): number {
  let pos = offset
  for (let i = 0; i < count; i++) {
    const nul = data.indexOf(0, pos)
    if (nul < 0) return -1
    pos = nul + 1
  }
  return pos - offset
}

/** dataLength for data as stored in a blob, bounded by the end of the data store. */
function dataLength(data: Buffer, type: number, offset: number, count: number): number {
  switch (type) {
    case T_STRING:
      return count === 1 ? stringsLength(data, offset, 1) : -1
    case T_STRING_ARRAY:
    case T_I18NSTRING:
      return stringsLength(data, offset, count)
    default: {
      const length = typeSize(type) * count
      return data.length - offset < length ? -1 : length
    }
  }
}

/** Padding rpm inserts before data of this type at this position (alignDiff: by type size, not alignment). */
function alignDiff(type: number, at: number): number {
  const size = typeSize(type)
  if (size <= 1) return 0
  const diff = size - (at % size)
  return diff === size ? 0 : diff
}

function describe(e: Entry): string {
  return `index entry ${e.index} (tag ${e.tag}, type ${e.type}, offset ${e.offset}, count ${e.count})`
}

/**
 * regionSwab's size accounting in the "fast" mode rpmdbNextIterator imports with: the data the entries
 * cover, each aligned, starting from `dl`; a string's size is the distance to the next entry's data.
 */
function swabLength(data: Buffer, entries: readonly Entry[], dl: number, fail: (m: string) => never): number {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!
    const next = entries[i + 1]
    const length =
      next && typeSize(e.type) === -1 ? next.offset - e.offset : dataLength(data, e.type, e.offset, e.count)
    if (length < 0 || length > HEADER_DATA_MAX) fail(`${describe(e)}: its data does not fit`)
    dl += alignDiff(e.type, dl) + length
  }
  return dl
}

export function parseHeader(blob: Uint8Array, hnum: number): ParsedHeader {
  const fail = (message: string): never => {
    throw new RpmDbError(`${message}; rpm -qa would skip this package`, hnum)
  }
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (buf.length < 8) fail(`header blob of ${buf.length} bytes is shorter than its 8-byte size fields`)
  const il = buf.readInt32BE(0)
  const dl = buf.readInt32BE(4)
  if (il < 0 || il > HEADER_TAGS_MAX) fail(`header claims ${il} index entries (0-${HEADER_TAGS_MAX})`)
  if (dl < 0 || dl > HEADER_DATA_MAX) fail(`header claims ${dl} bytes of data (0-${HEADER_DATA_MAX})`)
  const size = 8 + 16 * il + dl
  if (size >= HEADER_MAX_BYTES || size !== buf.length)
    fail(`header blob is ${buf.length} bytes, its size fields say 8 + 16 * ${il} + ${dl} = ${size}`)
  const data = buf.subarray(8 + 16 * il)
  const entries: Entry[] = []
  for (let i = 0; i < il; i++) {
    const at = 8 + 16 * i
    entries.push({
      index: i,
      tag: buf.readInt32BE(at),
      type: buf.readInt32BE(at + 4),
      offset: buf.readInt32BE(at + 8),
      count: buf.readInt32BE(at + 12),
    })
  }

  // hdrblobVerifyRegion: a blob that starts with a region tag must carry that region's trailer.
  if (il < 1) fail('header has no index entries')
  const first = entries[0]!
  let regionTag = 0
  let ril = 0
  let rdl = 0
  if (
    first.tag === TAG.HEADERSIGNATURES ||
    first.tag === TAG.HEADERIMMUTABLE ||
    first.tag === TAG.HEADERIMAGE
  ) {
    regionTag = first.tag
    if (first.type !== T_BIN || first.count !== REGION_ENTRY_SIZE)
      fail(`region tag is bad: ${describe(first)}`)
    if (first.offset + REGION_ENTRY_SIZE < 0 || first.offset + REGION_ENTRY_SIZE > dl)
      fail(`region trailer lies outside the data: ${describe(first)}`)
    // Relative to the data store, which a small negative offset puts back into the index, as in rpm.
    const t = 8 + 16 * il + first.offset
    let trailerTag = buf.readInt32BE(t)
    if (regionTag === TAG.HEADERSIGNATURES && trailerTag === TAG.HEADERIMAGE) trailerTag = regionTag
    const trailerOffset = -buf.readInt32BE(t + 8)
    if (trailerTag !== regionTag || buf.readInt32BE(t + 4) !== T_BIN || buf.readInt32BE(t + 12) !== 16)
      fail(`region trailer is bad (tag ${trailerTag}, type ${buf.readInt32BE(t + 4)})`)
    rdl = first.offset + REGION_ENTRY_SIZE
    ril = Math.trunc(trailerOffset / 16)
    if (trailerOffset % 16 !== 0 || ril < 0 || ril > il || rdl > dl)
      fail(`region does not fit in the header (ril ${ril}, il ${il}, rdl ${rdl}, dl ${dl})`)
  }

  // hdrblobVerifyInfo: every other entry is a sane tag whose data fits, in ascending, non-overlapping order.
  let end = 0
  for (const e of regionTag ? entries.slice(1) : entries) {
    const bad = (why: string): never => fail(`${describe(e)}: ${why}`)
    if (end > e.offset) bad('its data overlaps the previous entry')
    if (e.tag < TAG.HEADERI18NTABLE) bad('tag out of range')
    if (e.type < 1 || e.type > T_MAX) bad('unknown data type')
    if (e.count < 1 || e.count > dl) bad('count out of range')
    if (e.offset & (typeAlign(e.type) - 1)) bad('data is misaligned')
    if (e.offset < 0 || e.offset > dl) bad('data offset out of range')
    if (e.type !== T_BIN && e.count > HEADER_ARRAY_MAX) bad('array too long')
    if (regionTag === TAG.HEADERIMMUTABLE || regionTag === TAG.HEADERIMAGE) {
      if (STRING_TAGS.has(e.tag) && !isStringType(e.type)) bad('a string tag of another type')
      if (INT32_TAGS.has(e.tag) && e.type !== T_INT32) bad('an int32 tag of another type')
    }
    const length = dataLength(data, e.type, e.offset, e.count)
    end = e.offset + length
    if (length <= 0 || end > dl) bad('its data runs past the end of the header')
    if (regionTag && end > rdl - REGION_ENTRY_SIZE && e.offset < rdl)
      bad('its data overlaps the region trailer')
  }

  // headerCheck, before import: the digests of the immutable region, where the header carries them.
  const digests = [
    { tag: TAG.SHA256HEADER, algorithm: 'sha256', size: 65 },
    { tag: TAG.SHA1HEADER, algorithm: 'sha1', size: 41 },
  ]
  for (const d of digests) {
    const e = entries.find((x) => x.tag === d.tag)
    // hdrblobGet gives up on numeric types, and rpm then treats the digest as absent.
    if (!e || (typeSize(e.type) !== 1 && typeSize(e.type) !== -1)) continue
    const what = `header ${d.algorithm.toUpperCase()} digest`
    if (e.type !== T_STRING) fail(`${what}: tag ${d.tag} has type ${e.type}, not a string`)
    const stored = data.subarray(e.offset, e.offset + d.size - 1).toString('latin1')
    if (data[e.offset + d.size - 1] !== 0 || !/^[0-9a-fA-F]*$/.test(stored))
      fail(`${what}: not ${d.size - 1} hex digits`)
    const hash = createHash(d.algorithm)
    const sizes = Buffer.alloc(8)
    sizes.writeInt32BE(ril, 0)
    sizes.writeInt32BE(rdl, 4)
    hash
      .update(HEADER_MAGIC)
      .update(sizes)
      .update(buf.subarray(8, 8 + 16 * ril))
      .update(data.subarray(0, rdl))
    const actual = hash.digest('hex')
    if (actual !== stored.toLowerCase()) fail(`${what} does not match: stored ${stored}, computed ${actual}`)
  }

  // hdrblobImport: a region's entries, then the "dribbles" rpm appended outside it on install, which replace
  // region entries of the same tag. The data must add up to dl exactly.
  let region: Entry[]
  let dribbles: Entry[] = []
  if (!regionTag) {
    region = entries
    if (swabLength(data, region, 0, fail) !== dl) fail('header data size does not add up to its size field')
  } else {
    const regionCount = first.offset !== 0 ? ril : il
    region = entries.slice(1, regionCount)
    dribbles = entries.slice(regionCount)
    let total = swabLength(data, region, 0, fail)
    total = swabLength(data, dribbles, total, fail)
    if (total + REGION_ENTRY_SIZE !== dl) fail('header data size does not add up to its size field')
  }
  const tags = new Map<number, Entry>()
  const ambiguous = new Set<number>()
  for (const part of [region, dribbles]) {
    const seen = new Set<number>()
    for (const e of part) {
      if (seen.has(e.tag)) ambiguous.add(e.tag)
      else if (part === dribbles) ambiguous.delete(e.tag)
      seen.add(e.tag)
      tags.set(e.tag, e)
    }
  }
  // rpm finds one of several same-tag entries by binary search: which one it gets is not defined.
  for (const tag of ambiguous) if (READ_TAGS.has(tag)) fail(`tag ${tag} appears more than once`)
  const h = new ParsedHeader(data, tags)
  if (!h.has(TAG.NAME)) fail('header has no NAME')
  return h
}

export const utf8 = new TextDecoder('utf-8')
export const text = (b: Buffer | null): string | null => (b === null ? null : utf8.decode(b))

/** getNEVRA: each part that is there, name and version followed by '-'. */
export function nevr(h: ParsedHeader, withEpoch: boolean): Buffer {
  const parts: Buffer[] = []
  if (!withEpoch) {
    const name = h.string(TAG.NAME)
    if (name) parts.push(name, Buffer.from('-'))
  }
  const epoch = withEpoch ? h.uint32(TAG.EPOCH) : null
  if (epoch !== null) parts.push(Buffer.from(`${epoch}:`))
  const version = h.string(TAG.VERSION)
  if (version) parts.push(version, Buffer.from('-'))
  const release = h.string(TAG.RELEASE)
  if (release) parts.push(release)
  return Buffer.concat(parts)
}

/** archsuffixTag: headers without SOURCERPM are source packages (headerIsSource). */
export function archSuffix(h: ParsedHeader): Buffer {
  if (!h.has(TAG.SOURCERPM)) return Buffer.from(h.has(TAG.NOSOURCE) || h.has(TAG.NOPATCH) ? '.nosrc' : '.src')
  const arch = h.string(TAG.ARCH)
  return arch ? Buffer.concat([Buffer.from('.'), arch]) : Buffer.alloc(0)
}
