import { isUtf8 } from 'node:buffer'

/**
 * pax extended headers ('x'), read as strictly as the strictest of the two readers that matter: GNU tar
 * 1.34 (the reference) and Go's archive/tar (metal-hammer's). What either refuses is refused here, so
 * no entry is described under a name or size one of them would not give it.
 */

/** What the records of one 'x' header say about the entry after it. */
export interface PaxRecords {
  path?: string
  linkpath?: string
  size?: number
  uid?: number
  gid?: number
  /** A PAX-format GNU sparse file (0.0, 0.1, 1.0): its real name and size; its data is stored packed. */
  sparse?: { name?: string; size?: number }
}

/** Who refuses a malformed record: both readers, only one of them, or neither but they read it differently. */
type Refusers = 'both' | 'gnu' | 'go' | 'differ' | 'none'

/**
 * Linux's PATH_MAX, with its terminating NUL: no path or symlink target of a filesystem is longer, so no
 * machine could extract a longer name. Refusing it bounds what every later stage keeps per name.
 */
export const MAX_NAME = 4095

/** A name or link target longer than MAX_NAME: not malformed for either reader, but never extractable. */
export class NameTooLong extends Error {
  constructor(what: string, bytes: number) {
    super(
      `a ${what} of ${bytes} bytes: Linux takes at most ${MAX_NAME} (PATH_MAX), so no machine could extract it`,
    )
  }
}

export class PaxError extends Error {
  constructor(message: string, refusers: Refusers) {
    const who =
      refusers === 'both'
        ? 'GNU tar and metal-hammer (Go archive/tar) both refuse it'
        : refusers === 'go'
          ? 'metal-hammer (Go archive/tar) refuses it, where GNU tar reads it otherwise'
          : refusers === 'gnu'
            ? 'GNU tar refuses it, where metal-hammer (Go archive/tar) reads it otherwise'
            : refusers === 'differ'
              ? 'GNU tar and metal-hammer (Go archive/tar) read it differently'
              : 'both readers take it, but no disk holds a file that large'
    super(`${message}; ${who}`)
  }
}

const DIGITS = /^\d+$/
const TIME = /^-?\d+(?:\.\d*)?$/
const SPARSE_NUMBERS = new Set([
  'GNU.sparse.size',
  'GNU.sparse.realsize',
  'GNU.sparse.numblocks',
  'GNU.sparse.offset',
  'GNU.sparse.numbytes',
  'GNU.sparse.major',
  'GNU.sparse.minor',
])
/** GNU tar's ranges: ids are 32-bit; sizes must also be exact in a JavaScript number. */
const MAX_ID = 0xffff_ffff

/**
 * The records of one pax header (`<length> <key>=<value>\n` each, nothing else). Throws PaxError,
 * naming the record, at the first one GNU tar or Go's reader would refuse.
 */
export function parsePax(data: Buffer): PaxRecords {
  const raw = new Map<string, Buffer>()
  let at = 0
  for (let n = 1; at < data.length; n++) {
    const where = `record ${n} (byte ${at})`
    let i = at
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39) i++
    // Go reads the length up to the first space; GNU tar skips blanks before it and stops at NUL bytes.
    if (i === at) {
      const blank = data[at] === 0x20 || data[at] === 0x09 || data[at] === 0
      throw new PaxError(`${where} does not start with its length`, blank ? 'go' : 'both')
    }
    if (data[i] !== 0x20) throw new PaxError(`${where}: its length is not followed by a space`, 'both')
    const length = Number(data.toString('latin1', at, i))
    if (length > data.length - at)
      throw new PaxError(
        `${where} says it is ${length} bytes long, but only ${data.length - at} bytes are left in the header`,
        'both',
      )
    const end = at + length
    if (length < 5 || data[end - 1] !== 0x0a)
      throw new PaxError(`${where} does not end with a newline where its length ${length} says`, 'both')
    const eq = data.indexOf(0x3d, i + 1)
    if (eq === -1 || eq >= end - 1)
      throw new PaxError(`${where} has no "=" between its key and value`, 'both')
    if (eq === i + 1) throw new PaxError(`${where} has an empty key`, 'go')
    const key = data.toString('latin1', i + 1, eq)
    // GNU tar skips blanks after the length, Go takes them into the key.
    if (data[i + 1] === 0x20 || data[i + 1] === 0x09)
      throw new PaxError(`${where} has more than one blank after its length`, 'differ')
    if (key.includes('\0')) throw new PaxError(`${where}: a NUL byte in its key`, 'go')
    const value = data.subarray(eq + 1, end - 1)
    check(key, value, where)
    // A later record for the same key wins, in both readers.
    raw.set(key, value)
    at = end
  }
  return records(raw)
}

function records(raw: Map<string, Buffer>): PaxRecords {
  const out: PaxRecords = {}
  const text = (key: string) => raw.get(key)?.toString('latin1')
  const path = raw.get('path')
  if (path) out.path = decodeName(path)
  const linkpath = raw.get('linkpath')
  if (linkpath) out.linkpath = decodeName(linkpath)
  for (const key of ['size', 'uid', 'gid'] as const) {
    const value = text(key)
    if (value !== undefined) out[key] = Number(value)
  }
  // Go applies GNU's sparse records for versions 0.0, 0.1 and 1.0, or a map without a version (0.0).
  const major = text('GNU.sparse.major')
  const minor = text('GNU.sparse.minor')
  const versioned = (major === '0' && (minor === '0' || minor === '1')) || (major === '1' && minor === '0')
  const unversioned =
    major === undefined && minor === undefined && (raw.has('GNU.sparse.map') || raw.has('GNU.sparse.offset'))
  if (versioned || unversioned) {
    const name = raw.get('GNU.sparse.name')
    const size = text('GNU.sparse.size') ?? text('GNU.sparse.realsize')
    out.sparse = {}
    if (name?.length) out.sparse.name = decodeName(name)
    if (size !== undefined) out.sparse.size = Number(size)
  }
  return out
}

function check(key: string, value: Buffer, where: string): void {
  const text = () => value.toString('latin1')
  switch (key) {
    case 'path':
    case 'linkpath':
    case 'GNU.sparse.name':
      // A pax "delete this field": Go keeps the ustar field, GNU tar takes an empty name.
      if (value.length === 0 && key !== 'GNU.sparse.name')
        throw new PaxError(`${where}: an empty ${key}`, 'differ')
      if (value.includes(0)) throw new PaxError(`${where}: a NUL byte in ${key}`, 'go')
      if (value.length > MAX_NAME)
        throw new NameTooLong(key === 'linkpath' ? 'link target' : 'name', value.length)
      return
    case 'uname':
    case 'gname':
      if (value.includes(0)) throw new PaxError(`${where}: a NUL byte in ${key}`, 'go')
      return
    case 'size':
    case 'uid':
    case 'gid': {
      const max = key === 'size' ? Number.MAX_SAFE_INTEGER : MAX_ID
      if (DIGITS.test(text()) && Number(text()) <= max) return
      // Go takes a sign, and any 64-bit id (negative ones too); GNU tar only digits, ids up to 2^32-1.
      const goReads = key === 'size' ? /^\+\d{1,15}$/.test(text()) : /^[-+]?\d{1,18}$/.test(text())
      throw new PaxError(
        `${where}: ${key}=${JSON.stringify(text())} is not a number from 0 to ${max}`,
        goReads ? 'gnu' : 'both',
      )
    }
    case 'mtime':
    case 'atime':
    case 'ctime':
      if (!TIME.test(text()))
        throw new PaxError(`${where}: ${key}=${JSON.stringify(text())} is not a time`, 'both')
      return
    default:
      if (!SPARSE_NUMBERS.has(key)) return
      if (!DIGITS.test(text()))
        throw new PaxError(`${where}: ${key}=${JSON.stringify(text())} is not a number`, 'both')
      // Both readers take these as 64-bit numbers; a size past 2^53 would not be exact here, and no disk holds it.
      if (Number(text()) > Number.MAX_SAFE_INTEGER)
        throw new PaxError(
          `${where}: ${key}=${JSON.stringify(text().slice(0, 40))} is larger than ${Number.MAX_SAFE_INTEGER}`,
          BigInt(text()) > 0x7fff_ffff_ffff_ffffn ? 'both' : 'none',
        )
  }
}

/**
 * A name as both readers take it: its bytes. Valid UTF-8 (and so ASCII) is decoded; other bytes (names
 * written in Latin-1, say) are shown as \xNN, so two different names never decode to the same string.
 */
export function decodeName(bytes: Buffer): string {
  let ascii = true
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i]! >= 0x80) {
      ascii = false
      break
    }
  if (ascii) return bytes.toString('latin1')
  if (isUtf8(bytes)) return bytes.toString('utf8')
  // Runs of ASCII and escapes joined once: one string, not a chain of a node per byte.
  const parts: string[] = []
  let from = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 0x80) continue
    parts.push(bytes.toString('latin1', from, i), `\\x${b.toString(16).padStart(2, '0')}`)
    from = i + 1
  }
  parts.push(bytes.toString('latin1', from))
  return parts.join('')
}
