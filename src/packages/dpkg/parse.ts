import { Buffer, isUtf8 } from 'node:buffer'
import { DEPENDENCY_FIELDS, KNOWN_FIELDS, parseField } from './fields.ts'
import {
  DPKG_EFLAGS,
  DPKG_MULTIARCH,
  DPKG_STATUSES,
  DPKG_WANTS,
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

/**
 * lib/dpkg/parse.c parse_stanza, ported byte for byte (including its quirks: a CR before LF is trailing
 * space, so a lone "\r\n" line continues the previous field instead of ending the stanza). Returns false
 * when only blank lines remain.
 */
export function parseStanza(ps: ParseState, pkg: Slot): boolean {
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
export function handleField(
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
 * lib/dpkg/parse.c parsedb_parse for one file. Update files are read without a "done" pointer
 * (lib/dpkg/dbmodify.c cleanupdates), so dpkg accepts any number of stanzas in them, even none.
 */
export function parseFile(
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
/** Binary string to text; bytes that are not UTF-8 are decoded lossily and remembered in raw. */
export function decode(raw: RawFields, field: RawField, bin: string): string {
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
