import { Buffer, isUtf8 } from 'node:buffer'
import { createHash, type Hash } from 'node:crypto'
import { DEPENDENCY_FIELDS, KNOWN_FIELDS, parseField } from './fields.ts'
import {
  DPKG_EFLAGS,
  DPKG_MULTIARCH,
  DPKG_STATUSES,
  DPKG_WANTS,
  DPKG_LIMITS,
  type DpkgLimits,
  type DpkgPackage,
  DpkgParseError,
  NON_ASCII_BYTE,
  type ParseDpkgStatusOptions,
  type RawField,
  type RawFields,
  rawBytes,
  toBytes,
} from './types.ts'
import {
  COLON,
  type Db,
  type DbSet,
  type FileType,
  HYPHEN,
  LF,
  MA_SAME,
  MSDOS_EOF,
  ParseState,
  ST_CONFIGFILES,
  ST_HALFINSTALLED,
  ST_INSTALLED,
  ST_NOTINSTALLED,
  ST_TRIGGERSAWAITED,
  ST_TRIGGERSPENDING,
  type Slot,
  asciiLower,
  blankSlot,
  describeVersion,
  installedInstances,
  isSpace,
  latin1,
} from './state.ts'

/** Field names kept whole; a longer one (only a user-defined field can be) is kept as a digest. */
const NAME_KEEP = 1024

// The tokenizer's states: where in a stanza the next byte is.
const BETWEEN = 0 // blank lines before a stanza
const NAME = 1 // a field name
const PRECOLON = 2 // blanks between the name and its colon
const POSTCOLON = 3 // blanks between the colon and the value
const VALUE = 4 // a line of a value
const AFTER_TERM = 5 // just after a value line's LF or ^Z: a continuation line, a new field, or the end

/**
 * One field's value as it streams past: its first `fieldBytes` bytes, and where its first NUL and LF and
 * its last non-blank byte are, whatever its length.
 */
export class FieldValue {
  head: Buffer
  /** Bytes seen. */
  length = 0
  /** Length once trailing blanks are trimmed, as dpkg trims them. */
  trimmed = 0
  nul = -1
  lf = -1

  constructor(cap: number) {
    this.head = Buffer.allocUnsafe(Math.min(cap, 4096))
    this.cap = cap
  }

  private readonly cap: number

  reset(): void {
    this.length = this.trimmed = 0
    this.nul = this.lf = -1
  }

  /** Takes buf[from, to), where `nul` is the first NUL at or after `from` (or -1). */
  add(buf: Uint8Array, from: number, to: number, nul: number): void {
    if (from >= to) return
    const at = this.length
    if (at < this.cap) {
      const n = Math.min(to - from, this.cap - at)
      if (at + n > this.head.length) {
        const grown = Buffer.allocUnsafe(Math.min(this.cap, Math.max(2 * this.head.length, at + n)))
        this.head.copy(grown, 0, 0, at)
        this.head = grown
      }
      if (n < 64) for (let k = 0; k < n; k++) this.head[at + k] = buf[from + k]!
      else this.head.set(buf.subarray(from, from + n), at)
    }
    if (this.nul < 0 && nul >= 0 && nul < to) this.nul = at + nul - from
    for (let i = to - 1; i >= from; i--)
      if (!isSpace(buf[i]!)) {
        this.trimmed = at + i - from + 1
        break
      }
    this.length = at + to - from
  }

  /** Takes the LF or ^Z that ended a line. */
  addTerminator(c: number): void {
    const at = this.length
    if (c === LF) {
      if (this.lf < 0) this.lf = at
    } else {
      this.trimmed = at + 1
    }
    if (at < this.cap) {
      if (at >= this.head.length) {
        const grown = Buffer.allocUnsafe(Math.min(this.cap, 2 * this.head.length))
        this.head.copy(grown, 0, 0, at)
        this.head = grown
      }
      this.head[at] = c
    }
    this.length = at + 1
  }

  /** The end of what a reader sees: trimmed, and cut at a NUL (readers get a C string). */
  get end(): number {
    return this.nul >= 0 && this.nul < this.trimmed ? this.nul : this.trimmed
  }

  /** The first `n` bytes (n <= cap), as a binary string. */
  text(n: number): string {
    return latin1(this.head, 0, n)
  }
}

/**
 * lib/dpkg/parse.c parse_stanza and parsedb_parse for one file, ported byte for byte (including their
 * quirks: a CR before LF is trailing space, so a lone "\r\n" line continues the previous field instead of
 * ending the stanza; a single byte after the last newline is ignored), as a push parser: the file comes
 * in pieces of any size, and only the field being read is held, up to `fieldBytes` of it. dpkg decides
 * some things by whether a byte is the file's last, so the last byte seen waits for the next piece or
 * for end().
 */
export class FileParser {
  private readonly ps: ParseState
  private readonly limits: DpkgLimits
  private state = BETWEEN
  private held = -1
  private readonly one = new Uint8Array(1)
  private pkg: Slot = blankSlot()
  private encountered = new Set<string>()
  // The field name: its first NAME_KEEP bytes, and a digest of all of it when it is longer.
  private readonly name = Buffer.allocUnsafe(NAME_KEEP)
  private nameLength = 0
  private nameDigest: Hash | undefined
  private nameText = ''
  private readonly value: FieldValue
  private blankLine = false
  /** The LF or ^Z that ended the last value line, in state AFTER_TERM. */
  private term = 0
  // Where the next ^Z and NUL are in the piece being read (both are rare: one search per piece).
  private subIn: Uint8Array | undefined
  private subAt = -1
  private nulIn: Uint8Array | undefined
  private nulAt = -1

  constructor(ps: ParseState) {
    this.ps = ps
    this.limits = ps.db.limits
    this.value = new FieldValue(this.limits.fieldBytes)
  }

  write(buf: Uint8Array): void {
    if (buf.length === 0) return
    if (this.held >= 0) this.runByte(this.held)
    this.run(buf, 0, buf.length - 1)
    this.held = buf[buf.length - 1]!
  }

  end(): void {
    if (this.held >= 0) this.last(this.held)
    this.held = -1
  }

  /** Bytes buf[i, end), none of them the file's last. */
  private run(buf: Uint8Array, i: number, end: number): void {
    const ps = this.ps
    while (i < end) {
      switch (this.state) {
        case BETWEEN: {
          const c = buf[i++]!
          if (c === LF || c === MSDOS_EOF) ps.lno++
          else this.startStanza(c)
          break
        }
        case NAME: {
          const c = buf[i]!
          if (isSpace(c) || c === COLON || c === MSDOS_EOF) {
            this.endName()
            this.state = PRECOLON
          } else {
            this.nameByte(c)
            i++
          }
          break
        }
        case PRECOLON: {
          const c = buf[i++]!
          if (c !== LF && isSpace(c)) break
          const fieldName = this.fieldName()
          if (c === LF) ps.error(`newline in field name '${fieldName}'`)
          if (c === MSDOS_EOF) ps.error(`MSDOS end of file (^Z) in field name '${fieldName}'`)
          if (c !== COLON) ps.error(`field name '${fieldName}' must be followed by colon`)
          this.state = POSTCOLON
          break
        }
        case POSTCOLON: {
          const c = buf[i]!
          if (c !== LF && isSpace(c)) {
            i++
            break
          }
          if (c === MSDOS_EOF)
            ps.error(`MSDOS end of file (^Z) in value of field '${this.fieldName()}' (missing newline?)`)
          this.value.reset()
          this.blankLine = false
          this.state = VALUE
          break
        }
        case VALUE: {
          const t = this.nextTerminator(buf, i, end)
          const to = t < 0 ? end : t
          if (this.blankLine)
            for (let k = i; k < to; k++)
              if (!isSpace(buf[k]!)) {
                this.blankLine = false
                break
              }
          this.value.add(buf, i, to, this.nextNul(buf, i))
          i = to
          if (t < 0) break
          this.terminator(buf[t]!)
          i++
          break
        }
        case AFTER_TERM: {
          const c = buf[i]!
          this.value.addTerminator(this.term)
          if (c === LF || !isSpace(c)) {
            i++
            this.endField()
            if (c === LF || c === MSDOS_EOF) this.endStanza(c)
            else this.startField(c)
          } else {
            // A continuation line: its bytes are the value's.
            this.blankLine = true
            this.state = VALUE
          }
          break
        }
      }
    }
  }

  /** One byte that is not the file's last, outside any piece. */
  private runByte(c: number): void {
    this.one[0] = c
    this.run(this.one, 0, 1)
    // The searches remembered for the piece are not for the next byte in it.
    this.subIn = this.nulIn = undefined
  }

  /** The file's last byte. */
  private last(c: number): void {
    const ps = this.ps
    switch (this.state) {
      case BETWEEN:
        return
      case NAME:
        this.endName()
        return ps.error(`end of file after field name '${this.fieldName()}'`)
      case PRECOLON:
        return ps.error(`end of file after field name '${this.fieldName()}'`)
      case POSTCOLON:
        return ps.error(`end of file before value of field '${this.fieldName()}' (missing final newline)`)
      case VALUE:
        if (c !== LF && c !== MSDOS_EOF)
          ps.error(`end of file during value of field '${this.fieldName()}' (missing final newline)`)
        // The value ends before its last terminator.
        this.terminator(c)
        this.endField()
        this.endStanza(c)
        return
      case AFTER_TERM:
        this.value.addTerminator(this.term)
        this.endField()
        this.endStanza(c)
    }
  }

  /** The LF or ^Z at the end of a value line. */
  private terminator(c: number): void {
    if (this.blankLine) this.ps.warn(`blank line in value of field '${this.fieldName()}'`)
    this.ps.lno++
    this.term = c
    this.state = AFTER_TERM
  }

  private startStanza(c: number): void {
    this.pkg = blankSlot()
    this.ps.cur = this.pkg
    this.encountered = new Set()
    this.startField(c)
  }

  private startField(c: number): void {
    this.nameLength = 0
    this.nameDigest = undefined
    this.state = NAME
    // A first byte that ends the name leaves it empty: an error.
    if (isSpace(c) || c === COLON || c === MSDOS_EOF) this.endName()
    this.nameByte(c)
  }

  private nameByte(c: number): void {
    if (this.nameLength < NAME_KEEP) this.name[this.nameLength] = c
    else {
      if (!this.nameDigest) {
        this.nameDigest = createHash('sha256')
        this.nameDigest.update(lowerAscii(this.name))
      }
      this.nameDigest.update(lowerAscii(Uint8Array.of(c)))
    }
    this.nameLength++
  }

  private endName(): void {
    const kept = latin1(this.name, 0, Math.min(this.nameLength, NAME_KEEP))
    this.nameText = this.nameLength > NAME_KEEP ? `${kept}...` : kept
    if (this.nameLength === 0) this.ps.error('empty field name')
    if (this.name[0] === HYPHEN) this.ps.error(`field name '${this.fieldName()}' cannot start with hyphen`)
  }

  /** The name as messages show it (once endName() has seen all of it). */
  private fieldName(): string {
    return this.nameText
  }

  private endField(): void {
    const key =
      this.nameLength > NAME_KEEP
        ? `#${this.nameLength}:${this.nameDigest!.copy().digest('hex')}`
        : asciiLower(this.fieldName())
    handleField(this.ps, this.pkg, this.encountered, this.fieldName(), key, this.value)
  }

  /** lib/dpkg/parse.c parsedb_parse, after each stanza. */
  private endStanza(c: number): void {
    const ps = this.ps
    if (c === LF) ps.lno++
    const pkg = this.pkg
    verifyStanza(ps, pkg)
    const db = ps.db
    const known = db.order.length
    const slot = findSlot(ps, pkg)
    // pkg_parse_copy: the stanza replaces what the instance held (its name is the set's).
    db.kept += keptBytes(pkg) - (db.order.length > known ? 0 : keptBytes(slot))
    Object.assign(slot, pkg, { name: slot.name })
    if (db.order.length > this.limits.packages)
      ps.limit(`more than ${this.limits.packages} package instances: more than metal-image reads`)
    if (db.kept > this.limits.keptBytes)
      ps.limit(
        `the names, versions and descriptions of the packages take more than ${this.limits.keptBytes} bytes: more than metal-image reads`,
      )
    this.state = BETWEEN
  }

  /** Index of the first NUL at or after `from`, or -1. */
  private nextNul(buf: Uint8Array, from: number): number {
    if (this.nulIn !== buf || (this.nulAt >= 0 && this.nulAt < from)) {
      this.nulIn = buf
      this.nulAt = buf.indexOf(0, from)
    }
    return this.nulAt
  }

  /** Index of the first LF or ^Z in buf[from, end), or -1. */
  private nextTerminator(buf: Uint8Array, from: number, end: number): number {
    if (this.subIn !== buf || (this.subAt >= 0 && this.subAt < from)) {
      this.subIn = buf
      this.subAt = buf.indexOf(MSDOS_EOF, from)
    }
    let t = buf.indexOf(LF, from)
    if (this.subAt >= 0 && (t < 0 || this.subAt < t)) t = this.subAt
    return t >= 0 && t < end ? t : -1
  }
}

const lowerAscii = (bytes: Uint8Array): Uint8Array => bytes.map((b) => (b >= 0x41 && b <= 0x5a ? b + 32 : b))

/** What an instance holds in strings, for DpkgLimits.keptBytes. */
function keptBytes(slot: Slot): number {
  const v = slot.version
  return (
    slot.name.length +
    (slot.arch?.length ?? 0) +
    (slot.synopsis?.length ?? 0) +
    (v.upstream?.length ?? 0) +
    v.revision.length
  )
}

/** Fields whose value dpkg parses or `dpkg -l` prints: read whole, up to DpkgLimits.fieldBytes. */
const READ_WHOLE = new Set([
  'package',
  'essential',
  'protected',
  'status',
  'class',
  'priority',
  'architecture',
  'multi-arch',
  'version',
  'config-version',
  'revision',
  'package-revision',
  'package_revision',
  'triggers-pending',
  'triggers-awaited',
])

/**
 * lib/dpkg/parse.c pkg_parse_field: duplicate detection, then the field's reader with a C string value.
 * `key` is the lower-cased name (a digest of it for very long ones).
 */
export function handleField(
  ps: ParseState,
  pkg: Slot,
  encountered: Set<string>,
  fieldName: string,
  key: string,
  value: FieldValue,
): void {
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
  const end = value.end
  const limit = ps.db.limits.fieldBytes
  if (key === 'description') {
    // Only the synopsis is kept: the long description may be of any size.
    if (end === 0) return
    const synopsis = value.lf >= 0 && value.lf < end ? value.lf : end
    if (synopsis > limit)
      ps.limit(
        `the first line of its 'Description' field is longer than ${limit} bytes: more than metal-image reads`,
      )
    pkg.synopsis = value.text(synopsis)
    return
  }
  if (!READ_WHOLE.has(key)) {
    // The other fields dpkg reads only for being there (or empty): a prefix tells as much as all of it.
    parseField(ps, pkg, key, known, value.text(Math.min(end, 64)))
    return
  }
  if (end > limit) ps.limit(`its '${known}' field is longer than ${limit} bytes: more than metal-image reads`)
  parseField(ps, pkg, key, known, value.text(end))
}

/** lib/dpkg/parse.c pkg_parse_verify, the parts that matter for the database contents. */
export function verifyStanza(ps: ParseState, pkg: Slot): void {
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
export function getSlot(db: Db, set: DbSet, name: string, arch: string): Slot {
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
export function findSlot(ps: ParseState, pkg: Slot): Slot {
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
 * lib/dpkg/parse.c parsedb_parse for one file held whole. Update files are read without a "done" pointer
 * (lib/dpkg/dbmodify.c cleanupdates), so dpkg accepts any number of stanzas in them, even none.
 */
export function parseFile(
  db: Db,
  buf: Uint8Array,
  filename: string,
  type: FileType,
  nativeArch: string | undefined,
): void {
  const ps = new ParseState(filename, type, db)
  ps.nativeArch = nativeArch
  const parser = new FileParser(ps)
  parser.write(buf)
  parser.end()
}
/** Binary string to text; bytes that are not UTF-8 are decoded lossily and remembered in raw. */
export function decode(raw: RawFields, field: RawField, bin: string): string {
  if (!NON_ASCII_BYTE.test(bin)) return bin
  const bytes = Buffer.from(bin, 'latin1')
  const text = bytes.toString('utf8')
  if (!isUtf8(bytes)) raw[field] = { text, bin }
  return text
}

/**
 * Reads a dpkg status file (`<admindir>/status`) the way every dpkg-query invocation reads it, as it
 * streams past in pieces of any size, in memory bounded by DpkgLimits (not by the file's size). A
 * database dpkg would refuse is not thrown at write(), which never throws, but at packages().
 */
export class DpkgStatusReader {
  private readonly db: Db
  private readonly parser: FileParser
  private readonly ps: ParseState
  private readonly options: ParseDpkgStatusOptions
  private failed: { error: unknown } | undefined
  private ended = false

  constructor(options: ParseDpkgStatusOptions = {}) {
    this.options = options
    this.db = {
      sets: new Map(),
      order: [],
      warn: options.onWarning ?? (() => {}),
      limits: options.limits ?? DPKG_LIMITS,
      kept: 0,
    }
    const ps = new ParseState(options.filename ?? '/var/lib/dpkg/status', 'status', this.db)
    ps.nativeArch = options.nativeArch
    this.ps = ps
    this.parser = new FileParser(ps)
  }

  write(piece: Uint8Array): void {
    if (this.failed) return
    try {
      this.parser.write(piece)
    } catch (error) {
      this.failed = { error }
    }
  }

  end(): void {
    if (this.failed || this.ended) return
    this.ended = true
    try {
      this.parser.end()
    } catch (error) {
      this.failed = { error }
    }
  }

  /**
   * Every package instance dpkg knows, including not-installed ones, in order of first appearance, with
   * the updates journal applied (by default options.updates). Throws DpkgParseError where dpkg would
   * refuse the database, DpkgLimitError where it is larger than DpkgLimits. Call once, after end().
   */
  packages(journal = this.options.updates ?? []): DpkgPackage[] {
    if (this.failed) throw this.failed.error
    if (!this.ended) throw new DpkgParseError(`${this.ps.filename}: the stream ended inside it`)
    const { db, options } = this
    const updates = journal.filter((u) => /^[0-9]+$/.test(u.name))
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
}

/**
 * Parses a dpkg status file held whole (see DpkgStatusReader), plus the optional updates journal.
 * Dependency, Conffiles and Triggers-Awaited values are not syntax-checked (dpkg would reject malformed ones).
 */
export function parseDpkgStatus(
  text: string | Uint8Array,
  options: ParseDpkgStatusOptions = {},
): DpkgPackage[] {
  const reader = new DpkgStatusReader(options)
  reader.write(toBytes(text))
  reader.end()
  return reader.packages()
}
