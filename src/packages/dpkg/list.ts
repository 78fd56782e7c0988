import { Buffer } from 'node:buffer'
import {
  DPKG_EFLAGS,
  DPKG_MULTIARCH,
  DPKG_STATUSES,
  DPKG_WANTS,
  type DpkgPackage,
  type FormatDpkgListOptions,
  type RawField,
  rawBytes,
} from './types.ts'
import { needsArchQualifier } from './state.ts'

// ---------------------------------------------------------------------------------------------------------
// Formatting: src/query/main.c listpackages / list_format_* with lib/dpkg/strwide.c in the C locale.

/** The package instances `dpkg -l` lists: all but not-installed ones (src/query/main.c listpackages). */
export const listed = (pkgs: readonly DpkgPackage[]): DpkgPackage[] =>
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
export function toBinary(text: string): string {
  const bin = /[\u0080-\uffff]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text
  const nul = bin.indexOf('\0')
  return nul < 0 ? bin : bin.slice(0, nul)
}

/** A public string field as dpkg's bytes, using the exact bytes when parsing had to decode them lossily. */
export function binField(pkg: DpkgPackage, field: RawField, value: string): string {
  const raw = rawBytes.get(pkg)?.[field]
  if (raw && raw.text === value) {
    const nul = raw.bin.indexOf('\0')
    return nul < 0 ? raw.bin : raw.bin.slice(0, nul)
  }
  return toBinary(value)
}

export const isControl = (c: number): boolean => c < 0x20 || c === 0x7f

/**
 * lib/dpkg/strwide.c str_width in the C locale: glibc's C locale is ASCII (through glibc 2.42), so any byte
 * >= 0x80 makes mbsrtowcs fail and dpkg falls back to the byte length; otherwise wcswidth, which is -1 when
 * a control character is present.
 */
export function strWidth(s: string): number {
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
export function crop(s: string, maxWidth: number, pad: boolean): string {
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
export function formatBinary(pkgs: readonly DpkgPackage[], options: FormatDpkgListOptions): string {
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
