import { Buffer } from 'node:buffer'
import { DpkgLimitError, type DpkgLimits, DpkgParseError } from './types.ts'

// ---------------------------------------------------------------------------------------------------------
// Parsing. Everything works on bytes: dpkg is byte-oriented and the C locale makes every width a byte
// count, so values are kept as "binary" strings (one char per byte, latin1) until they are handed out.

export const LF = 0x0a
export const MSDOS_EOF = 0x1a
export const COLON = 0x3a
export const HYPHEN = 0x2d

export const ST_NOTINSTALLED = 0
export const ST_CONFIGFILES = 1
export const ST_HALFINSTALLED = 2
export const ST_TRIGGERSAWAITED = 5
export const ST_TRIGGERSPENDING = 6
export const ST_INSTALLED = 7
export const MA_SAME = 1
export const INT_MAX = 2147483647

// lib/dpkg/c-ctype.c: dpkg's own ASCII classes, independent of the locale.
export const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)
export const isBlank = (c: number): boolean => c === 0x20 || c === 0x09
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
export const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
export const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c)
// strncasecmp in the C locale folds ASCII only.
export const asciiLower = (s: string): string =>
  /[\u0080-\uffff]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase()

export interface Version {
  epoch: number
  upstream: string | null
  revision: string
}

export interface Slot {
  name: string
  want: number
  eflag: number
  status: number
  /** null is DPKG_ARCH_NONE (no field), '' is DPKG_ARCH_EMPTY. */
  arch: string | null
  multiArch: number
  version: Version
  /** Binary synopsis; null when Description is unset. */
  synopsis: string | null
  maintainer: boolean
  configVersion: boolean
  conffiles: boolean
  trigPend: boolean
  trigAw: boolean
}

export const blankSlot = (): Slot => ({
  name: '',
  want: 0,
  eflag: 0,
  status: ST_NOTINSTALLED,
  arch: null,
  multiArch: 0,
  version: { epoch: 0, upstream: null, revision: '' },
  synopsis: null,
  maintainer: false,
  configVersion: false,
  conffiles: false,
  trigPend: false,
  trigAw: false,
})

export interface DbSet {
  /** Instances in creation order; dpkg's `set->pkg` plus its `arch_next` chain. */
  slots: Slot[]
}

export interface Db {
  sets: Map<string, DbSet>
  order: Slot[]
  warn: (message: string) => void
  limits: DpkgLimits
  /** Bytes of the values the instances hold (names, versions, architectures, synopses). */
  kept: number
}

export const installedInstances = (set: DbSet | undefined): number =>
  set ? set.slots.reduce((n, s) => n + (s.status > ST_NOTINSTALLED ? 1 : 0), 0) : 0

export type FileType = 'status' | 'update'

export class ParseState {
  filename: string
  type: FileType
  db: Db
  lno = 0
  /** The stanza being parsed, named in messages. */
  cur: Slot | null = null
  nativeArch: string | undefined

  constructor(filename: string, type: FileType, db: Db) {
    this.filename = filename
    this.type = type
    this.db = db
  }

  private prefix(): string {
    return this.cur?.name
      ? `parsing file '${this.filename}' near line ${this.lno} package '${displayName(this.cur, this.nativeArch)}':\n `
      : `parsing file '${this.filename}' near line ${this.lno}:\n `
  }

  error(message: string): never {
    throw new DpkgParseError(this.prefix() + message)
  }

  /** A limit of ours, not a rule of dpkg's: dpkg would read this database, metal-image does not. */
  limit(message: string): never {
    throw new DpkgLimitError(this.prefix() + message)
  }

  warn(message: string): void {
    this.db.warn(this.prefix() + message)
  }
}

// Short strings (field names, versions) are cheaper to build directly than through a Buffer.
export const latin1 = (buf: Uint8Array, start: number, end: number): string =>
  end - start <= 256
    ? String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[])
    : Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1')

/**
 * lib/dpkg/pkg-show.c pkgbin_name_needs_arch(pnaw_nonambig): "Multi-Arch: same" always, otherwise when the
 * architecture is neither native nor all; never without an architecture.
 */
export const needsArchQualifier = (arch: string, multiArch: number, native: string | undefined): boolean =>
  arch !== '' && (multiArch === MA_SAME || (arch !== native && arch !== 'all'))

/** pkg_name(pnaw_nonambig), as dpkg names packages in messages. */
export const displayName = (pkg: Slot, native: string | undefined): string =>
  pkg.arch && needsArchQualifier(pkg.arch, pkg.multiArch, native) ? `${pkg.name}:${pkg.arch}` : pkg.name

export const LEGAL_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/

/** lib/dpkg/parsehelp.c pkg_name_is_illegal. */
export function pkgNameIllegal(p: string): string | null {
  if (LEGAL_NAME.test(p)) return null
  if (p === '') return 'may not be empty string'
  if (!isAlnum(p.charCodeAt(0))) return 'must start with an alphanumeric character'
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i)
    if (!isAlnum(c) && c !== 0x2d && c !== 0x2b && c !== 0x2e && c !== 0x5f)
      return `character '${p[i]}' not allowed (only letters, digits and characters '-+._')`
  }
  return null
}

/** lib/dpkg/arch.c dpkg_arch_name_is_illegal. */
export function archNameIllegal(p: string): string | null {
  if (p === '') return 'may not be empty string'
  if (!isAlnum(p.charCodeAt(0))) return 'must start with an alphanumeric'
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i)
    if (!isAlnum(c) && c !== HYPHEN)
      return `character '${p[i]}' not allowed (only letters, digits and characters '-')`
  }
  return null
}

export type NvMode = 'last' | 'next' | 'fallback'

/**
 * lib/dpkg/fields.c parse_nv: names match as case-insensitive *prefixes*, in table order, so
 * "Installed" is fine and "installedx" is trailing junk. Returns the index and where parsing continues.
 */
export function parseNv(
  str: string,
  at: number,
  mode: NvMode,
  names: readonly string[],
): [number, number] | string {
  if (at >= str.length) return 'is missing a value'
  const idx = names.findIndex((n) => asciiLower(str.slice(at, at + n.length)) === n)
  if (idx < 0) return mode === 'fallback' ? [-1, -1] : `has invalid value '${str.slice(at, at + 50)}'`
  let end = at + names[idx]!.length
  while (end < str.length && isSpace(str.charCodeAt(end))) end++
  if (mode !== 'next' && end < str.length) return 'has trailing junk'
  return [idx, end]
}

/** lib/dpkg/parsehelp.c parseversion; warnings are not fatal because status files are parsed laxly. */
export function parseVersion(str: string): { version: Version; error?: string; warning?: string } {
  const version: Version = { epoch: 0, upstream: null, revision: '' }
  const fail = (error: string) => ({ version, error })
  let start = 0
  while (start < str.length && isBlank(str.charCodeAt(start))) start++
  if (start >= str.length) return fail('version string is empty')
  let end = start
  while (end < str.length && !isBlank(str.charCodeAt(end))) end++
  let p = end
  while (p < str.length && isBlank(str.charCodeAt(p))) p++
  if (p < str.length) return fail('version string has embedded spaces')

  const colon = str.indexOf(':', start)
  if (colon >= 0) {
    // strtol(): optional space and sign, then decimal digits.
    let q = start
    while (q < str.length && isSpace(str.charCodeAt(q))) q++
    const negative = str[q] === '-'
    if (str[q] === '-' || str[q] === '+') q++
    const digits = q
    while (q < str.length && isDigit(str.charCodeAt(q))) q++
    if (q === digits) return fail('epoch in version is empty')
    if (q !== colon) return fail('epoch in version is not number')
    const value = Number(str.slice(digits, q))
    if (negative && value !== 0) return fail('epoch in version is negative')
    if (value > INT_MAX) return fail('epoch in version is too big')
    if (colon + 1 >= str.length) return fail('nothing after colon in version number')
    version.epoch = value
    start = colon + 1
  }
  let upstream = str.slice(start, end)
  const hyphen = upstream.lastIndexOf('-')
  version.upstream = upstream
  if (hyphen >= 0) {
    const revision = upstream.slice(hyphen + 1)
    upstream = upstream.slice(0, hyphen)
    version.upstream = upstream
    if (revision === '') return fail('revision number is empty')
    version.revision = revision
  }
  if (upstream === '') return fail('version number is empty')
  if (!isDigit(upstream.charCodeAt(0)))
    return { version, warning: 'version number does not start with digit' }
  for (let i = 1; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i)
    if (!isAlnum(c) && !'.-+~:'.includes(upstream[i]!))
      return { version, warning: 'invalid character in version number' }
  }
  for (let i = 0; i < version.revision.length; i++) {
    const c = version.revision.charCodeAt(i)
    if (!isAlnum(c) && !'.+~'.includes(version.revision[i]!))
      return { version, warning: 'invalid character in revision number' }
  }
  return { version }
}

/** lib/dpkg/parsehelp.c versiondescribe(vdew_nonambig); null where dpkg prints `<none>`. */
export function describeVersion(v: Version): string | null {
  if (!(v.epoch || v.upstream || v.revision)) return null
  const showEpoch = v.epoch !== 0 || (v.upstream ?? '').includes(':') || v.revision.includes(':')
  return (showEpoch ? `${v.epoch}:` : '') + (v.upstream ?? '') + (v.revision ? `-${v.revision}` : '')
}
