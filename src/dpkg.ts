/**
 * `dpkg -l` without running dpkg: reads a dpkg status database (as found in an image's rootfs) and prints
 * exactly what `dpkg -l` (= `dpkg-query --list`, no patterns) prints inside that image when stdout is not a
 * terminal and the locale is C/POSIX (the `docker run --rm IMAGE bash -c 'dpkg -l' > packages.txt` case).
 *
 * Source references below are to dpkg 1.21.22 (Debian 12); the logic used here is unchanged up to 1.22.21
 * (Ubuntu 24.04 ships 1.22.6). The C-locale widths rely on glibc's C locale being ASCII-only (bytes >= 0x80
 * fail to convert), which holds from Debian 12's glibc 2.36 through 2.42, Ubuntu 24.04's 2.39 included.
 */
import { Buffer, isUtf8 } from 'node:buffer'

export const DPKG_WANTS = ['unknown', 'install', 'hold', 'deinstall', 'purge'] as const
export const DPKG_EFLAGS = ['ok', 'reinstreq'] as const
export const DPKG_STATUSES = [
  'not-installed',
  'config-files',
  'half-installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
  'installed',
] as const
export const DPKG_MULTIARCH = ['no', 'same', 'allowed', 'foreign'] as const

export type DpkgWant = (typeof DPKG_WANTS)[number]
export type DpkgEflag = (typeof DPKG_EFLAGS)[number]
export type DpkgStatus = (typeof DPKG_STATUSES)[number]
export type DpkgMultiArch = (typeof DPKG_MULTIARCH)[number]

/** One package instance of the dpkg database (a `struct pkginfo` with its installed `pkgbin`). */
export interface DpkgPackage {
  /** Lower-cased: dpkg keys and prints packages by the lower-cased name (lib/dpkg/pkg-hash.c pkg_hash_find_set). */
  name: string
  /** The Architecture field; '' when it is missing or empty, which dpkg prints as `<empty>`. */
  architecture: string
  multiArch: DpkgMultiArch
  want: DpkgWant
  eflag: DpkgEflag
  status: DpkgStatus
  /** As dpkg prints it (epoch only when needed, lib/dpkg/parsehelp.c varbufversion); null prints `<none>`. */
  version: string | null
  /** First line of Description; null (no Description at all) prints `(no description available)`. */
  synopsis: string | null
}

export interface DpkgUpdateFile {
  /** File name inside `<admindir>/updates/`; dpkg only reads names made of digits. */
  name: string
  data: string | Uint8Array
}

export interface ParseDpkgStatusOptions {
  /**
   * The journal in `<admindir>/updates/`. dpkg applies it on top of the status file on every read
   * (lib/dpkg/dbmodify.c cleanupdates), so an image whose last dpkg run was interrupted lists it.
   */
  updates?: readonly DpkgUpdateFile[]
  /** Receives what dpkg would print on stderr as warnings (they never reach `dpkg -l`'s stdout). */
  onWarning?: (message: string) => void
  /** Path used in messages. */
  filename?: string
  /** Only used to name packages in messages the way dpkg does (`foo:i386` for foreign ones). */
  nativeArch?: string
}

export interface FormatDpkgListOptions {
  /**
   * The architecture the image's dpkg binary was built for (dpkg's "native" architecture is compiled in;
   * only dpkg >= 1.22.16 run with --root/DPKG_ROOT reads `<admindir>/arch-native` instead, which `docker run`
   * does not do). Defaults to inferDpkgNativeArch().
   */
  nativeArch?: string
}

/** dpkg would refuse to read this database (`dpkg -l` prints nothing on stdout and exits 2). */
export class DpkgParseError extends Error {
  override name = 'DpkgParseError'
}

// ---------------------------------------------------------------------------------------------------------
// Parsing. Everything works on bytes: dpkg is byte-oriented and the C locale makes every width a byte
// count, so values are kept as "binary" strings (one char per byte, latin1) until they are handed out.

const LF = 0x0a
const MSDOS_EOF = 0x1a
const COLON = 0x3a
const HYPHEN = 0x2d

const ST_NOTINSTALLED = 0
const ST_CONFIGFILES = 1
const ST_HALFINSTALLED = 2
const ST_TRIGGERSAWAITED = 5
const ST_TRIGGERSPENDING = 6
const ST_INSTALLED = 7
const MA_SAME = 1
const INT_MAX = 2147483647

// lib/dpkg/c-ctype.c: dpkg's own ASCII classes, independent of the locale.
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c)
// strncasecmp in the C locale folds ASCII only.
const asciiLower = (s: string): string =>
  /[\u0080-\uffff]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.toLowerCase()

interface Version {
  epoch: number
  upstream: string | null
  revision: string
}

interface Slot {
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

const blankSlot = (): Slot => ({
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

interface DbSet {
  /** Instances in creation order; dpkg's `set->pkg` plus its `arch_next` chain. */
  slots: Slot[]
}

interface Db {
  sets: Map<string, DbSet>
  order: Slot[]
  warn: (message: string) => void
}

const installedInstances = (set: DbSet | undefined): number =>
  set ? set.slots.reduce((n, s) => n + (s.status > ST_NOTINSTALLED ? 1 : 0), 0) : 0

type FileType = 'status' | 'update'

class ParseState {
  buf: Uint8Array
  filename: string
  type: FileType
  db: Db
  pos = 0
  lno = 0
  /** The stanza being parsed, named in messages. */
  cur: Slot | null = null
  nativeArch: string | undefined
  private nextSub: number
  private nextNul: number

  constructor(buf: Uint8Array, filename: string, type: FileType, db: Db) {
    this.buf = buf
    this.filename = filename
    this.type = type
    this.db = db
    this.nextSub = buf.indexOf(MSDOS_EOF)
    this.nextNul = buf.indexOf(0)
  }

  /** Index of the first LF or ^Z at or after from, or -1. */
  nextTerminator(from: number): number {
    const lf = this.buf.indexOf(LF, from)
    if (this.nextSub >= 0 && this.nextSub < from) this.nextSub = this.buf.indexOf(MSDOS_EOF, from)
    if (this.nextSub < 0) return lf
    return lf < 0 ? this.nextSub : Math.min(lf, this.nextSub)
  }

  /** Index of the first NUL at or after from, or -1. */
  nextNulFrom(from: number): number {
    if (this.nextNul >= 0 && this.nextNul < from) this.nextNul = this.buf.indexOf(0, from)
    return this.nextNul
  }

  private prefix(): string {
    return this.cur?.name
      ? `parsing file '${this.filename}' near line ${this.lno} package '${displayName(this.cur, this.nativeArch)}':\n `
      : `parsing file '${this.filename}' near line ${this.lno}:\n `
  }

  error(message: string): never {
    throw new DpkgParseError(this.prefix() + message)
  }

  warn(message: string): void {
    this.db.warn(this.prefix() + message)
  }
}

// Short strings (field names, versions) are cheaper to build directly than through a Buffer.
const latin1 = (buf: Uint8Array, start: number, end: number): string =>
  end - start <= 256
    ? String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[])
    : Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1')

/**
 * lib/dpkg/pkg-show.c pkgbin_name_needs_arch(pnaw_nonambig): "Multi-Arch: same" always, otherwise when the
 * architecture is neither native nor all; never without an architecture.
 */
const needsArchQualifier = (arch: string, multiArch: number, native: string | undefined): boolean =>
  arch !== '' && (multiArch === MA_SAME || (arch !== native && arch !== 'all'))

/** pkg_name(pnaw_nonambig), as dpkg names packages in messages. */
const displayName = (pkg: Slot, native: string | undefined): string =>
  pkg.arch && needsArchQualifier(pkg.arch, pkg.multiArch, native) ? `${pkg.name}:${pkg.arch}` : pkg.name

const LEGAL_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/

/** lib/dpkg/parsehelp.c pkg_name_is_illegal. */
function pkgNameIllegal(p: string): string | null {
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
function archNameIllegal(p: string): string | null {
  if (p === '') return 'may not be empty string'
  if (!isAlnum(p.charCodeAt(0))) return 'must start with an alphanumeric'
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i)
    if (!isAlnum(c) && c !== HYPHEN)
      return `character '${p[i]}' not allowed (only letters, digits and characters '-')`
  }
  return null
}

type NvMode = 'last' | 'next' | 'fallback'

/**
 * lib/dpkg/fields.c parse_nv: names match as case-insensitive *prefixes*, in table order, so
 * "Installed" is fine and "installedx" is trailing junk. Returns the index and where parsing continues.
 */
function parseNv(str: string, at: number, mode: NvMode, names: readonly string[]): [number, number] | string {
  if (at >= str.length) return 'is missing a value'
  const idx = names.findIndex((n) => asciiLower(str.slice(at, at + n.length)) === n)
  if (idx < 0) return mode === 'fallback' ? [-1, -1] : `has invalid value '${str.slice(at, at + 50)}'`
  let end = at + names[idx]!.length
  while (end < str.length && isSpace(str.charCodeAt(end))) end++
  if (mode !== 'next' && end < str.length) return 'has trailing junk'
  return [idx, end]
}

/** lib/dpkg/parsehelp.c parseversion; warnings are not fatal because status files are parsed laxly. */
function parseVersion(str: string): { version: Version; error?: string; warning?: string } {
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
function describeVersion(v: Version): string | null {
  if (!(v.epoch || v.upstream || v.revision)) return null
  const showEpoch = v.epoch !== 0 || (v.upstream ?? '').includes(':') || v.revision.includes(':')
  return (showEpoch ? `${v.epoch}:` : '') + (v.upstream ?? '') + (v.revision ? `-${v.revision}` : '')
}

/** lib/dpkg/fields.c scan_word: words separated by space, tab or newline. */
const words = (value: string): string[] => value.split(/[ \t\n]+/).filter((w) => w !== '')

const DEPENDENCY_FIELDS = new Set([
  'replaces',
  'provides',
  'depends',
  'pre-depends',
  'recommends',
  'suggests',
  'breaks',
  'conflicts',
  'enhances',
])
const CHAR_FIELDS = ['section', 'installed-size', 'origin', 'maintainer', 'bugs', 'source', 'description']
const ARCHIVE_FIELDS = ['filename', 'size', 'md5sum', 'msdos-filename']
// lib/dpkg/parse.c fieldinfos: the capitalisation dpkg uses in messages.
const KNOWN_FIELDS = new Map<string, string>(
  [
    'Package',
    'Essential',
    'Protected',
    'Status',
    'Priority',
    'Section',
    'Installed-Size',
    'Origin',
    'Maintainer',
    'Bugs',
    'Architecture',
    'Multi-Arch',
    'Source',
    'Version',
    'Config-Version',
    'Replaces',
    'Provides',
    'Depends',
    'Pre-Depends',
    'Recommends',
    'Suggests',
    'Breaks',
    'Conflicts',
    'Enhances',
    'Conffiles',
    'Filename',
    'Size',
    'MD5sum',
    'MSDOS-Filename',
    'Description',
    'Triggers-Pending',
    'Triggers-Awaited',
    'Recommended',
    'Optional',
    'Class',
    'Revision',
    'Package-Revision',
    'Package_Revision',
  ].map((f) => [f.toLowerCase(), f]),
)

/** Applies one field to the stanza being built (lib/dpkg/parse.c pkg_parse_field and lib/dpkg/fields.c). */
function parseField(ps: ParseState, pkg: Slot, key: string, fieldName: string, value: string): void {
  switch (key) {
    case 'package': {
      const e = pkgNameIllegal(value)
      if (e) ps.error(`invalid package name in '${fieldName}' field: ${e}`)
      pkg.name = asciiLower(value)
      return
    }
    case 'essential':
    case 'protected': {
      if (!value) return
      const r = parseNv(value, 0, 'last', ['no', 'yes'])
      if (typeof r === 'string') ps.error(`boolean (yes/no) '${fieldName}' field: ${r}`)
      return
    }
    case 'status': {
      const want = parseNv(value, 0, 'next', DPKG_WANTS)
      if (typeof want === 'string') ps.error(`first (want) word in '${fieldName}' field: ${want}`)
      const eflag = parseNv(value, want[1], 'next', DPKG_EFLAGS)
      if (typeof eflag === 'string') ps.error(`second (error) word in '${fieldName}' field: ${eflag}`)
      const status = parseNv(value, eflag[1], 'last', DPKG_STATUSES)
      if (typeof status === 'string') ps.error(`third (status) word in '${fieldName}' field: ${status}`)
      pkg.want = want[0]
      pkg.eflag = eflag[0]
      pkg.status = status[0]
      return
    }
    case 'class':
    case 'priority': {
      // f_obs_class is f_priority plus a warning.
      if (key === 'class') ps.warn(`obsolete '${fieldName}' field used`)
      if (!value) return
      const r = parseNv(value, 0, 'fallback', [
        'required',
        'important',
        'standard',
        'optional',
        'extra',
        'unknown',
      ])
      if (typeof r === 'string') ps.error(`word in '${fieldName}' field: ${r}`)
      return
    }
    case 'architecture': {
      pkg.arch = value
      const e = value === '' ? null : archNameIllegal(value)
      if (e) ps.warn(`'${value}' is not a valid architecture name in '${fieldName}' field: ${e}`)
      return
    }
    case 'multi-arch': {
      if (!value) return
      const r = parseNv(value, 0, 'last', DPKG_MULTIARCH)
      if (typeof r === 'string') ps.error(`quadstate (foreign/allowed/same/no) '${fieldName}' field: ${r}`)
      pkg.multiArch = r[0]
      return
    }
    case 'version':
    case 'config-version': {
      const r = parseVersion(value)
      const msg = `'${fieldName}' field value '${value.slice(0, 250)}': ${r.error ?? r.warning}`
      if (r.error) ps.error(msg)
      if (r.warning) ps.warn(msg)
      if (key === 'version') pkg.version = r.version
      else pkg.configVersion = true
      return
    }
    case 'revision':
    case 'package-revision':
    case 'package_revision':
      // f_obs_revision: the old split-out Debian revision, folded into the version.
      ps.warn(`obsolete '${fieldName}' field used`)
      if (!value) return
      if (pkg.version.revision) pkg.version.upstream = `${pkg.version.upstream ?? ''}-${pkg.version.revision}`
      pkg.version.revision = value
      return
    case 'recommended':
    case 'optional':
      ps.warn(`obsolete '${fieldName}' field used`)
      return
    case 'conffiles':
      pkg.conffiles = value !== ''
      return
    case 'triggers-pending': {
      const seen = new Set<string>()
      for (const w of words(value)) {
        // lib/dpkg/trigname.c trig_name_is_illegal
        if ([...w].some((ch) => ch <= ' ' || ch >= '\x7f'))
          ps.error(
            `illegal pending trigger name '${w.slice(0, 255)}': trigger name contains invalid character`,
          )
        if (seen.has(w)) ps.error(`duplicate pending trigger '${w.slice(0, 255)}'`)
        seen.add(w)
      }
      pkg.trigPend = seen.size > 0
      return
    }
    case 'triggers-awaited': {
      const seen = new Set<string>()
      for (const w of words(value)) seen.add(awaitedTriggerKey(ps, w))
      pkg.trigAw = seen.size > 0
      return
    }
    default:
      if (CHAR_FIELDS.includes(key)) {
        // f_charfield: an empty value leaves the field unset.
        if (!value) return
        if (key === 'maintainer') pkg.maintainer = true
        return
      }
      if (ARCHIVE_FIELDS.includes(key)) {
        if (!value) ps.error(`empty archive details '${fieldName}' field`)
        ps.error(`archive details '${fieldName}' field not allowed in status file`)
      }
  }
}

/**
 * f_trigaw resolves each word like a command-line package specifier (lib/dpkg/pkg-spec.c); returns a key
 * identifying the awaited instance so duplicates can be refused.
 */
function awaitedTriggerKey(ps: ParseState, word: string): string {
  const colon = word.indexOf(':')
  const name = colon < 0 ? word : word.slice(0, colon)
  const arch = colon < 0 ? null : word.slice(colon + 1)
  const bad = (e: string) => ps.error(`illegal package name in awaited trigger '${word.slice(0, 255)}': ${e}`)
  const e = pkgNameIllegal(name)
  if (e) bad(`illegal package name in specifier '${word}': ${e}`)
  if (arch !== null) {
    const ea = archNameIllegal(arch)
    if (ea) bad(`illegal architecture name in specifier '${word}': ${ea}`)
    return `${asciiLower(name)}:${arch}`
  }
  const set = ps.db.sets.get(asciiLower(name))
  if (installedInstances(set) > 1)
    bad(`ambiguous package name '${asciiLower(name)}' with more than one installed instance`)
  const single = set?.slots.find((s) => s.status > ST_NOTINSTALLED)
  return single ? `${asciiLower(name)}:${single.arch ?? ''}` : asciiLower(name)
}

/**
 * lib/dpkg/parse.c parse_stanza, ported byte for byte (including its quirks: a CR before LF is trailing
 * space, so a lone "\r\n" line continues the previous field instead of ending the stanza). Returns false
 * when only blank lines remain.
 */
function parseStanza(ps: ParseState, pkg: Slot): boolean {
  const buf = ps.buf
  const end = buf.length
  let c = 0
  while (ps.pos < end) {
    c = buf[ps.pos++]!
    if (c !== LF && c !== MSDOS_EOF) break
    ps.lno++
  }
  if (ps.pos >= end) return false

  const encountered = new Set<string>()
  for (;;) {
    const fieldStart = ps.pos - 1
    while (ps.pos < end && !isSpace(c) && c !== COLON && c !== MSDOS_EOF) c = buf[ps.pos++]!
    const fieldLen = ps.pos - fieldStart - 1
    const fieldName = latin1(buf, fieldStart, fieldStart + fieldLen)
    if (fieldLen === 0) ps.error('empty field name')
    if (buf[fieldStart] === HYPHEN) ps.error(`field name '${fieldName}' cannot start with hyphen`)

    while (ps.pos < end && c !== LF && isSpace(c)) c = buf[ps.pos++]!
    if (ps.pos >= end) ps.error(`end of file after field name '${fieldName}'`)
    if (c === LF) ps.error(`newline in field name '${fieldName}'`)
    if (c === MSDOS_EOF) ps.error(`MSDOS end of file (^Z) in field name '${fieldName}'`)
    if (c !== COLON) ps.error(`field name '${fieldName}' must be followed by colon`)

    while (ps.pos < end) {
      c = buf[ps.pos++]!
      if (c === LF || !isSpace(c)) break
    }
    if (ps.pos >= end) ps.error(`end of file before value of field '${fieldName}' (missing final newline)`)
    if (c === MSDOS_EOF)
      ps.error(`MSDOS end of file (^Z) in value of field '${fieldName}' (missing newline?)`)

    let blankLine = false
    const valueStart = ps.pos - 1
    for (;;) {
      if (c === LF || c === MSDOS_EOF) {
        // Status files are parsed with pdb_lax_stanza_parser: a blank line inside a value only warns.
        if (blankLine) ps.warn(`blank line in value of field '${fieldName}'`)
        ps.lno++
        if (ps.pos >= end) break
        c = buf[ps.pos++]!
        if (ps.pos >= end || c === LF || !isSpace(c)) break
        ps.pos--
        blankLine = true
      } else if (blankLine && !isSpace(c)) {
        blankLine = false
      }
      // Equivalent to reading byte by byte up to the next LF or ^Z, at native speed.
      const term = ps.nextTerminator(ps.pos)
      if (term < 0) ps.error(`end of file during value of field '${fieldName}' (missing final newline)`)
      if (blankLine)
        for (let i = ps.pos; i < term; i++)
          if (!isSpace(buf[i]!)) {
            blankLine = false
            break
          }
      c = buf[term]!
      ps.pos = term + 1
    }
    let valueEnd = ps.pos - 1
    while (valueEnd > valueStart && isSpace(buf[valueEnd - 1]!)) valueEnd--

    handleField(ps, pkg, encountered, fieldName, valueStart, valueEnd)

    if (ps.pos >= end || c === LF || c === MSDOS_EOF) break
  }
  if (c === LF) ps.lno++
  return true
}

/** lib/dpkg/parse.c pkg_parse_field: duplicate detection, then the field's reader with a C string value. */
function handleField(
  ps: ParseState,
  pkg: Slot,
  encountered: Set<string>,
  fieldName: string,
  valueStart: number,
  valueEnd: number,
): void {
  const key = asciiLower(fieldName)
  const known = KNOWN_FIELDS.get(key)
  if (known === undefined) {
    if (fieldName.length < 2) ps.error(`user-defined field name '${fieldName}' too short`)
    if (encountered.has(key)) ps.error(`duplicate value for user-defined field '${fieldName}'`)
    encountered.add(key)
    return
  }
  if (encountered.has(key)) ps.error(`duplicate value for '${known}' field`)
  encountered.add(key)
  // dpkg parses these and rejects bad syntax, but nothing of them reaches `dpkg -l`: skipped unchecked.
  if (DEPENDENCY_FIELDS.has(key)) return
  // Readers get a NUL-terminated copy, so an embedded NUL cuts the value.
  const nul = ps.nextNulFrom(valueStart)
  if (nul >= 0 && nul < valueEnd) valueEnd = nul
  if (key === 'description') {
    // Only the synopsis is kept; decoding the long description would be wasted work.
    if (valueEnd === valueStart) return
    const nl = ps.buf.indexOf(LF, valueStart)
    pkg.synopsis = latin1(ps.buf, valueStart, nl >= 0 && nl < valueEnd ? nl : valueEnd)
    return
  }
  parseField(ps, pkg, key, known, latin1(ps.buf, valueStart, valueEnd))
}

/** lib/dpkg/parse.c pkg_parse_verify, the parts that matter for the database contents. */
function verifyStanza(ps: ParseState, pkg: Slot): void {
  if (!pkg.name) ps.error("missing 'Package' field")
  if (pkg.status !== ST_NOTINSTALLED && pkg.status !== ST_HALFINSTALLED) {
    if (pkg.synopsis === null) {
      ps.warn("missing 'Description' field")
      // parse_ensure_have_field: an installed package without Description gets an empty one.
      pkg.synopsis = ''
    }
    if (!pkg.maintainer) ps.warn("missing 'Maintainer' field")
    if (pkg.version.upstream === null) ps.error("missing 'Version' field")
    if (pkg.version.upstream === '') ps.error("empty value for 'Version' field")
  }
  if (pkg.status > ST_HALFINSTALLED) {
    if (pkg.arch === null) ps.warn("missing 'Architecture' field")
    else if (pkg.arch === '') ps.warn("empty value for 'Architecture' field")
  }
  if (pkg.arch === null) pkg.arch = ''
  if (pkg.arch === '' && pkg.multiArch === MA_SAME)
    ps.error("package has 'Multi-Arch: same' field but is missing architecture")
  if (pkg.arch === 'all' && pkg.multiArch === MA_SAME)
    ps.error("package has 'Multi-Arch: same' field but is architecture 'all'")

  if (
    pkg.configVersion &&
    (pkg.status === ST_INSTALLED || pkg.status === ST_NOTINSTALLED || pkg.status === ST_TRIGGERSPENDING)
  )
    ps.error("'Config-Version' field present for package with inappropriate 'Status' field")

  const status = DPKG_STATUSES[pkg.status]
  if (pkg.trigAw && (pkg.status <= ST_CONFIGFILES || pkg.status >= ST_TRIGGERSPENDING))
    ps.error(`package has status ${status} but triggers are awaited`)
  else if (pkg.status === ST_TRIGGERSAWAITED && !pkg.trigAw)
    ps.error(`package has status ${status} but no triggers awaited`)
  if (pkg.trigPend && !(pkg.status === ST_TRIGGERSPENDING || pkg.status === ST_TRIGGERSAWAITED))
    ps.error(`package has status ${status} but triggers are pending`)
  else if (pkg.status === ST_TRIGGERSPENDING && !pkg.trigPend)
    ps.error(`package has status ${status} but no triggers pending`)

  if (pkg.status === ST_NOTINSTALLED && pkg.conffiles)
    ps.warn(`package has status ${status} and has conffiles, forgetting them`)
}

/** lib/dpkg/pkg-hash.c pkg_hash_get_pkg: the instance of this architecture, created if needed. */
function getSlot(db: Db, set: DbSet, name: string, arch: string): Slot {
  const found = set.slots.find((s) => s.arch === arch)
  if (found) return found
  const slot = blankSlot()
  slot.name = name
  slot.arch = arch
  set.slots.push(slot)
  db.order.push(slot)
  return slot
}

/** lib/dpkg/parse.c parse_find_set_slot + parse_find_pkg_slot for status and update files. */
function findSlot(ps: ParseState, pkg: Slot): Slot {
  const db = ps.db
  let set = db.sets.get(pkg.name)
  if (!set) {
    set = { slots: [] }
    db.sets.set(pkg.name, set)
  }
  let single = 0
  let multi = 0
  const count = (p: Slot) => {
    if (p.status === ST_NOTINSTALLED) return
    if (p.multiArch === MA_SAME) multi++
    else single++
  }
  if (ps.type === 'status') count(pkg)
  set.slots.forEach(count)
  if (single > 1)
    ps.error(
      'multiple non-coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg',
    )
  if (single > 0 && multi > 0)
    ps.error(
      'mixed non-coinstallable and coinstallable package instances present; most probably due to an upgrade from an unofficial dpkg',
    )

  const arch = pkg.arch ?? ''
  const selection = ps.type === 'status' && pkg.status === ST_NOTINSTALLED
  const installed = installedInstances(set)
  if (installed > 1 && !selection && pkg.multiArch !== MA_SAME) {
    const ver = describeVersion(pkg.version) ?? '<none>'
    // A plain ohshit in dpkg, without the parse location.
    throw new DpkgParseError(
      `package ${arch ? `${pkg.name}:${arch}` : pkg.name} (${ver}) with field 'Multi-Arch: ${DPKG_MULTIARCH[pkg.multiArch]}' is not co-installable with ${pkg.name} which has multiple installed instances`,
    )
  }
  if (ps.type === 'status' || installed !== 1) return getSlot(db, set, pkg.name, arch)
  // An update for the only installed instance may cross-grade it to another architecture.
  const current = set.slots.find((s) => s.status > ST_NOTINSTALLED)!
  if (current.multiArch === MA_SAME && pkg.multiArch === MA_SAME) return getSlot(db, set, pkg.name, arch)
  return current
}

/**
 * lib/dpkg/parse.c parsedb_parse for one file. Update files are read without a "done" pointer
 * (lib/dpkg/dbmodify.c cleanupdates), so dpkg accepts any number of stanzas in them, even none.
 */
function parseFile(
  db: Db,
  buf: Uint8Array,
  filename: string,
  type: FileType,
  nativeArch: string | undefined,
): void {
  const ps = new ParseState(buf, filename, type, db)
  ps.nativeArch = nativeArch
  for (;;) {
    const pkg = blankSlot()
    ps.cur = pkg
    if (!parseStanza(ps, pkg)) break
    verifyStanza(ps, pkg)
    const slot = findSlot(ps, pkg)
    // pkg_parse_copy: the stanza replaces what the instance held (its name is the set's).
    Object.assign(slot, pkg, { name: slot.name })
    if (ps.pos >= buf.length) break
  }
}

const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data

/** Exact bytes of fields whose bytes are not valid UTF-8, keyed by the lossy text handed out for them. */
type RawField = 'version' | 'architecture' | 'synopsis'
type RawFields = Partial<Record<RawField, { text: string; bin: string }>>
const rawBytes = new WeakMap<DpkgPackage, RawFields>()
const NON_ASCII_BYTE = /[\x80-\xff]/

/** Binary string to text; bytes that are not UTF-8 are decoded lossily and remembered in raw. */
function decode(raw: RawFields, field: RawField, bin: string): string {
  if (!NON_ASCII_BYTE.test(bin)) return bin
  const bytes = Buffer.from(bin, 'latin1')
  const text = bytes.toString('utf8')
  if (!isUtf8(bytes)) raw[field] = { text, bin }
  return text
}

/**
 * Parses a dpkg status file (`<admindir>/status`) the way every dpkg-query invocation reads it, plus the
 * optional updates journal. Returns every package instance dpkg knows, including not-installed ones, in
 * order of first appearance. Throws DpkgParseError where dpkg would refuse the database. Dependency,
 * Conffiles and Triggers-Awaited values are not syntax-checked (dpkg would reject malformed ones).
 */
export function parseDpkgStatus(
  text: string | Uint8Array,
  options: ParseDpkgStatusOptions = {},
): DpkgPackage[] {
  const db: Db = { sets: new Map(), order: [], warn: options.onWarning ?? (() => {}) }
  parseFile(db, toBytes(text), options.filename ?? '/var/lib/dpkg/status', 'status', options.nativeArch)

  const updates = (options.updates ?? []).filter((u) => /^[0-9]+$/.test(u.name))
  for (const u of updates) {
    if (u.name.length > 10)
      throw new DpkgParseError(
        `updates directory contains file '${u.name}' whose name is too long (length=${u.name.length}, max=10)`,
      )
    if (u.name.length !== updates[0]!.name.length)
      throw new DpkgParseError(
        `updates directory contains files with different length names (both ${u.name.length} and ${updates[0]!.name.length})`,
      )
  }
  // scandir(alphasort) in the C locale is byte order; the names are digits of equal length.
  for (const u of [...updates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    parseFile(db, toBytes(u.data), `/var/lib/dpkg/updates/${u.name}`, 'update', options.nativeArch)

  return db.order.map((slot) => {
    const raw: RawFields = {}
    const version = describeVersion(slot.version)
    const pkg: DpkgPackage = {
      name: slot.name,
      architecture: decode(raw, 'architecture', slot.arch ?? ''),
      multiArch: DPKG_MULTIARCH[slot.multiArch]!,
      want: DPKG_WANTS[slot.want]!,
      eflag: DPKG_EFLAGS[slot.eflag]!,
      status: DPKG_STATUSES[slot.status]!,
      version: version === null ? null : decode(raw, 'version', version),
      synopsis: slot.synopsis === null ? null : decode(raw, 'synopsis', slot.synopsis),
    }
    if (Object.keys(raw).length) rawBytes.set(pkg, raw)
    return pkg
  })
}

// ---------------------------------------------------------------------------------------------------------
// Formatting: src/query/main.c listpackages / list_format_* with lib/dpkg/strwide.c in the C locale.

/** The package instances `dpkg -l` lists: all but not-installed ones (src/query/main.c listpackages). */
const listed = (pkgs: readonly DpkgPackage[]): DpkgPackage[] =>
  pkgs.filter((p) => p.status !== 'not-installed')

/** Number of lines after the header that formatDpkgList prints. */
export function countListed(pkgs: readonly DpkgPackage[]): number {
  return listed(pkgs).length
}

/**
 * The native architecture of the dpkg that wrote this database: that of the installed `dpkg` package
 * (dpkg cannot run a binary of another architecture on itself). Falls back to the most common concrete
 * architecture, which only matters for images without dpkg, where `dpkg -l` cannot run anyway.
 */
export function inferDpkgNativeArch(pkgs: readonly DpkgPackage[]): string | undefined {
  const concrete = (p: DpkgPackage) => p.architecture !== '' && p.architecture !== 'all'
  const dpkg = pkgs.find((p) => p.name === 'dpkg' && p.status !== 'not-installed' && concrete(p))
  if (dpkg) return dpkg.architecture
  const counts = new Map<string, number>()
  for (const p of listed(pkgs))
    if (concrete(p)) counts.set(p.architecture, (counts.get(p.architecture) ?? 0) + 1)
  let best: string | undefined
  for (const [arch, n] of counts) if (best === undefined || n > counts.get(best)!) best = arch
  return best
}

/** Text as the bytes dpkg holds (a binary string), cut at NUL like a C string. */
function toBinary(text: string): string {
  const bin = /[\u0080-\uffff]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text
  const nul = bin.indexOf('\0')
  return nul < 0 ? bin : bin.slice(0, nul)
}

/** A public string field as dpkg's bytes, using the exact bytes when parsing had to decode them lossily. */
function binField(pkg: DpkgPackage, field: RawField, value: string): string {
  const raw = rawBytes.get(pkg)?.[field]
  if (raw && raw.text === value) {
    const nul = raw.bin.indexOf('\0')
    return nul < 0 ? raw.bin : raw.bin.slice(0, nul)
  }
  return toBinary(value)
}

const isControl = (c: number): boolean => c < 0x20 || c === 0x7f

/**
 * lib/dpkg/strwide.c str_width in the C locale: glibc's C locale is ASCII (through glibc 2.42), so any byte
 * >= 0x80 makes mbsrtowcs fail and dpkg falls back to the byte length; otherwise wcswidth, which is -1 when
 * a control character is present.
 */
function strWidth(s: string): number {
  let control = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) return s.length
    if (isControl(c)) control = true
  }
  return control ? -1 : s.length
}

/**
 * lib/dpkg/strwide.c str_gen_crop + printf("%-*.*s") in the C locale: walk characters until one does not
 * fit or is a control character (wcwidth -1); on the first byte >= 0x80 mbrtowc fails and dpkg falls back
 * to cropping and padding by bytes. Returns the text printed, padded to its field.
 */
function crop(s: string, maxWidth: number, pad: boolean): string {
  let width = 0
  let i = 0
  let fieldBytes = -1
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) {
      i = Math.min(maxWidth, s.length)
      fieldBytes = maxWidth
      break
    }
    if (isControl(c) || width + 1 > maxWidth) break
    width++
  }
  if (fieldBytes < 0) fieldBytes = i + maxWidth - width
  const out = s.slice(0, i)
  return pad && out.length < fieldBytes ? out + ' '.repeat(fieldBytes - out.length) : out
}

/** Binary-string form of the listing; see formatDpkgList. */
function formatBinary(pkgs: readonly DpkgPackage[], options: FormatDpkgListOptions): string {
  const rows = listed(pkgs)
  // The header is printed lazily by the first listed package: no packages, no output at all.
  if (rows.length === 0) return ''
  const native = options.nativeArch ?? inferDpkgNativeArch(pkgs)

  const lines = rows.map((p) => {
    const arch = binField(p, 'architecture', p.architecture)
    const needsArch = needsArchQualifier(arch, DPKG_MULTIARCH.indexOf(p.multiArch), native)
    return {
      p,
      needsArch,
      arch,
      name: toBinary(p.name) + (needsArch ? `:${arch}` : ''),
      version: p.version === null ? '<none>' : binField(p, 'version', p.version),
      archDesc: arch === '' ? '<empty>' : arch,
      // lib/dpkg/pkg-show.c pkg_synopsis: up to the first newline.
      synopsis:
        p.synopsis === null
          ? '(no description available)'
          : binField(p, 'synopsis', p.synopsis).split('\n')[0]!,
    }
  })

  // lib/dpkg/pkg-show.c pkg_sorter_by_nonambig_name_arch: name, then unqualified before qualified, then
  // architecture, all strcmp (byte order, which binary strings compare in).
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  lines.sort(
    (a, b) =>
      cmp(a.p.name, b.p.name) ||
      (a.needsArch === b.needsArch ? (a.needsArch ? cmp(a.arch, b.arch) : 0) : a.needsArch ? 1 : -1),
  )

  // src/query/main.c list_format_init: fixed minimums grown to the widest value; the description
  // column uses the synopsis byte length, not its display width.
  let nw = 14
  let vw = 12
  let aw = 12
  let dw = 33
  for (const l of lines) {
    nw = Math.max(nw, strWidth(l.name))
    vw = Math.max(vw, strWidth(l.version))
    aw = Math.max(aw, strWidth(l.archDesc))
    dw = Math.max(dw, l.synopsis.length)
  }

  const row = (flags: string, name: string, version: string, arch: string, desc: string, descWidth: number) =>
    `${flags} ${crop(name, nw, true)} ${crop(version, vw, true)} ${crop(arch, aw, true)} ${crop(desc, descWidth, false)}\n`

  let out =
    'Desired=Unknown/Install/Remove/Purge/Hold\n' +
    '| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n' +
    '|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n' +
    row('||/', 'Name', 'Version', 'Architecture', 'Description', dw) +
    `+++-${'='.repeat(nw)}-${'='.repeat(vw)}-${'='.repeat(aw)}-${'='.repeat(dw)}\n`
  for (const l of lines) {
    // lib/dpkg/pkg-show.c pkg_abbrev_want / pkg_abbrev_status / pkg_abbrev_eflag
    const flags =
      'uihrp'[DPKG_WANTS.indexOf(l.p.want)]! +
      'ncHUFWti'[DPKG_STATUSES.indexOf(l.p.status)]! +
      ' R'[DPKG_EFLAGS.indexOf(l.p.eflag)]!
    out += row(flags, l.name, l.version, l.archDesc, l.synopsis, l.synopsis.length)
  }
  return out
}

/**
 * Exactly the bytes `dpkg -l` writes to stdout for this database (stdout not a tty, C locale; COLUMNS
 * plays no part since dpkg 1.19.1 sizes columns to their contents). Empty when nothing is listed.
 */
export function formatDpkgListBytes(
  pkgs: readonly DpkgPackage[],
  options: FormatDpkgListOptions = {},
): Buffer {
  return Buffer.from(formatBinary(pkgs, options), 'latin1')
}

/**
 * formatDpkgListBytes as text. dpkg only prints whole fields or ASCII prefixes of them, so this is exact
 * whenever the database is valid UTF-8; for databases that are not, write formatDpkgListBytes instead.
 */
export function formatDpkgList(pkgs: readonly DpkgPackage[], options: FormatDpkgListOptions = {}): string {
  return formatDpkgListBytes(pkgs, options).toString('utf8')
}
