import { Buffer } from 'node:buffer'
import { compareDebianVersions, compareRpmEvr } from './version-compare.ts'

/**
 * What changed between two packages.txt files: the previous version's (from the store) and the one just built.
 * packages.txt is byte for byte what `dpkg -l` or `rpm -qa` prints in the image (src/dpkg.ts, src/rpm.ts), so
 * this reads those two layouts back, and orders versions the way the package manager that wrote them does:
 * dpkg's lib/dpkg/version.c (1.21.22, unchanged through 1.22.x) and rpm's rpmio/rpmvercmp.c and lib/rpmver.c
 * (4.18, unchanged through 4.20).
 */

export type PackageListKind = 'dpkg' | 'rpm'

/** One installed package as packages.txt lists it. */
export interface ListedPackage {
  /**
   * What identifies it across versions: for dpkg the name as `dpkg -l` prints it (`name` or `name:arch`,
   * dpkg qualifies Multi-Arch: same and foreign-architecture packages); for rpm `name.arch`, as dnf names
   * packages, since multilib images hold the same name for two architectures (`name` alone for headers
   * without an arch, gpg-pubkey).
   */
  key: string
  /** Without the architecture. */
  name: string
  /** dpkg's Architecture column (`<empty>` is null), rpm's arch; null when there is none. */
  arch: string | null
  /** dpkg: `[epoch:]upstream[-revision]` as printed (`<none>` when the package has none); rpm: `version-release`. */
  version: string
}

export interface PackageList {
  /** undefined for an empty file: `dpkg -l` and `rpm -qa` print nothing when nothing is installed. */
  kind: PackageListKind | undefined
  packages: ListedPackage[]
}

export interface PackageChange {
  name: string
  from: string
  to: string
}

export interface PackageDiff {
  kind: PackageListKind | undefined
  added: { name: string; version: string }[]
  removed: { name: string; version: string }[]
  upgraded: PackageChange[]
  downgraded: PackageChange[]
  /** The version text changed but the package manager orders both the same (dpkg: `1.0` and `1.0-0`). */
  changed: PackageChange[]
}

/** The text is neither `dpkg -l` nor `rpm -qa` output. */
export class PackageListError extends Error {
  override name = 'PackageListError'
}

export const DPKG_HEADER = 'Desired=Unknown/Install/Remove/Purge/Hold'
export const DPKG_RULER = /^\+\+\+-(=+)-(=+)-(=+)-(=+)$/
/** Desired, status and error flags of a `dpkg -l` row (lib/dpkg/pkg-show.c pkg_abbrev_*). */
export const DPKG_FLAGS = /^[uihrp][ncHUFWti][ R]$/

/** Reads packages.txt; throws PackageListError when it is not what dpkg -l or rpm -qa print. */
export function parsePackageEntries(text: string): PackageList {
  if (text === '') return { kind: undefined, packages: [] }
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] === DPKG_HEADER) return { kind: 'dpkg', packages: parseDpkgList(lines) }
  return { kind: 'rpm', packages: lines.map((line, i) => parseRpmLine(line, i + 1)) }
}

/**
 * Package key -> version (see ListedPackage). A key that is listed more than once (rpm's install-only
 * packages such as kernel-core, or several gpg-pubkey keys) maps to its versions, lowest first, joined by ", ".
 */
export function parsePackageList(text: string): Map<string, string> {
  const { kind, packages } = parsePackageEntries(text)
  const grouped = groupByKey(packages)
  const cmp = versionComparator(kind)
  return new Map([...grouped].map(([key, versions]) => [key, [...versions].sort(cmp).join(', ')]))
}

export function parseDpkgList(lines: string[]): ListedPackage[] {
  // The header is three legend lines, the column titles and a ruler whose runs of '=' are the column widths.
  const ruler = DPKG_RULER.exec(lines[4] ?? '')
  if (!ruler || !lines[3]?.startsWith('||/ '))
    throw new PackageListError('packages.txt starts like dpkg -l output but its header is not dpkg -l’s')
  const widths = [ruler[1]!.length, ruler[2]!.length, ruler[3]!.length]
  const packages: ListedPackage[] = []
  for (let i = 5; i < lines.length; i++) {
    const row = lines[i]!
    const flags = row.slice(0, 3)
    if (!DPKG_FLAGS.test(flags) || row[3] !== ' ')
      throw new PackageListError(`packages.txt line ${i + 1} is not a dpkg -l row: ${JSON.stringify(row)}`)
    // Config-files: removed, only its conffiles are left. Every other listed status has the package's
    // files (or some of them, when dpkg was interrupted) in the image, whatever the desired state says.
    if (flags[1] === 'c') continue
    const [name, version, arch] = dpkgColumns(row, widths, i + 1)
    const colon = name.indexOf(':')
    packages.push({
      key: name,
      name: colon < 0 ? name : name.slice(0, colon),
      arch: arch === '<empty>' ? null : arch,
      version,
    })
  }
  return packages
}

/**
 * Name, version and architecture of a row. dpkg pads each column to its width in bytes and cuts a value
 * at its first control character, so a cut version can even be empty: slicing by the ruler's widths gets
 * that right where splitting at blanks would not. Rows that do not line up (a hand-edited file) are split.
 */
export function dpkgColumns(row: string, widths: number[], lineNo: number): [string, string, string] {
  // eslint-disable-next-line no-control-regex
  const bytes = /^[\x00-\x7f]*$/.test(row) ? null : Buffer.from(row, 'utf8')
  const length = bytes ? bytes.length : row.length
  const slice = (start: number, end: number) =>
    bytes ? bytes.subarray(start, end).toString('utf8') : row.slice(start, end)
  const fields: string[] = []
  let at = 4
  let aligned = true
  for (const width of widths) {
    const sep = at + width
    if (sep < length && slice(sep, sep + 1) !== ' ') aligned = false
    fields.push(slice(at, sep).replace(/ +$/, ''))
    at = sep + 1
  }
  if (aligned && fields[0] !== '' && !fields[0]!.includes(' ')) return fields as [string, string, string]
  const words = row.slice(4).split(/ +/)
  if (words.length < 3 || words[0] === '')
    throw new PackageListError(`packages.txt line ${lineNo} is not a dpkg -l row: ${JSON.stringify(row)}`)
  return [words[0]!, words[1]!, words[2]!]
}

/**
 * `name-version-release.arch`: version and release cannot hold a '-' (rpmbuild refuses them), the name can.
 * The arch is what follows the release's last '.', except for gpg-pubkey, whose headers have none (and whose
 * release is a hex timestamp).
 */
export function parseRpmLine(line: string, lineNo: number): ListedPackage {
  const releaseDash = line.lastIndexOf('-')
  const versionDash = releaseDash > 0 ? line.lastIndexOf('-', releaseDash - 1) : -1
  if (versionDash <= 0 || /\s/.test(line))
    throw new PackageListError(
      `packages.txt line ${lineNo} is neither dpkg -l output nor an rpm -qa name-version-release.arch: ${JSON.stringify(line)}`,
    )
  const name = line.slice(0, versionDash)
  const version = line.slice(versionDash + 1, releaseDash)
  let release = line.slice(releaseDash + 1)
  let arch: string | null = null
  const dot = release.lastIndexOf('.')
  if (dot >= 0 && name !== 'gpg-pubkey') {
    arch = release.slice(dot + 1)
    release = release.slice(0, dot)
  }
  return { key: arch === null ? name : `${name}.${arch}`, name, arch, version: `${version}-${release}` }
}

export function groupByKey(packages: readonly ListedPackage[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>()
  for (const p of packages) {
    const versions = grouped.get(p.key)
    if (versions) versions.push(p.version)
    else grouped.set(p.key, [p.version])
  }
  return grouped
}

export const versionComparator = (kind: PackageListKind | undefined): ((a: string, b: string) => number) =>
  kind === 'rpm' ? compareRpmEvr : (a, b) => compareDebianVersions(noneToEmpty(a), noneToEmpty(b))

// dpkg -l prints a missing version as <none>; dpkg orders it as the empty version.
export const noneToEmpty = (v: string): string => (v === '<none>' ? '' : v)

export const byName = <T extends { name: string }>(a: T, b: T): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

/**
 * The packages added, removed, upgraded and downgraded from one packages.txt to the next, each sorted by
 * name. Throws PackageListError when either is not a package list.
 */
export function diffPackages(previous: string, current: string): PackageDiff {
  const before = parsePackageEntries(previous)
  const after = parsePackageEntries(current)
  const kind = after.kind ?? before.kind
  const diff: PackageDiff = { kind, added: [], removed: [], upgraded: [], downgraded: [], changed: [] }
  // A dpkg list and an rpm list (the image changed distribution) share no packages, even where names match.
  const comparable = before.kind === undefined || after.kind === undefined || before.kind === after.kind
  const cmp = versionComparator(kind)
  const change = (name: string, from: string, to: string) => {
    if (from === to) return
    const c = cmp(from, to)
    ;(c < 0 ? diff.upgraded : c > 0 ? diff.downgraded : diff.changed).push({ name, from, to })
  }
  // gpg-pubkey "versions" are key ids: another key is not a newer version of the old one.
  const pairable = (key: string) => comparable && !(kind === 'rpm' && key === 'gpg-pubkey')

  const old = groupByKey(before.packages)
  const now = groupByKey(after.packages)
  const lookup = new Map([...before.packages, ...after.packages].map((p) => [p.key, p]))
  const gone: ListedPackage[] = []
  const fresh: ListedPackage[] = []
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const was = [...(old.get(key) ?? [])]
    const is = [...(now.get(key) ?? [])]
    if (comparable) {
      // Versions on both sides are unchanged instances (an install-only package keeps its older kernels).
      for (let i = was.length - 1; i >= 0; i--) {
        const j = is.indexOf(was[i]!)
        if (j >= 0) {
          was.splice(i, 1)
          is.splice(j, 1)
        }
      }
    }
    if (was.length === 1 && is.length === 1 && pairable(key)) {
      change(key, was[0]!, is[0]!)
      continue
    }
    const entry = (version: string): ListedPackage => ({ ...lookup.get(key)!, version })
    if (is.length === 0 && old.has(key) && !now.has(key)) gone.push(...was.map(entry))
    else if (was.length === 0 && now.has(key) && !old.has(key)) fresh.push(...is.map(entry))
    else {
      diff.removed.push(...was.map((version) => ({ name: key, version })))
      diff.added.push(...is.map((version) => ({ name: key, version })))
    }
  }

  // A package whose key changed but whose name did not is the same package: dpkg starts qualifying one that
  // became Multi-Arch: same (libfoo -> libfoo:amd64), an rpm can move from noarch to an arch. It is shown
  // under its new key.
  const byBareName = (list: ListedPackage[]) => {
    const m = new Map<string, ListedPackage[]>()
    for (const p of list) m.set(p.name, [...(m.get(p.name) ?? []), p])
    return m
  }
  const goneByName = byBareName(gone)
  const freshByName = byBareName(fresh)
  for (const p of gone) {
    const was = goneByName.get(p.name)!
    const is = freshByName.get(p.name)
    if (was.length === 1 && is?.length === 1 && pairable(p.key)) change(is[0]!.key, p.version, is[0]!.version)
    else diff.removed.push({ name: p.key, version: p.version })
  }
  for (const p of fresh) {
    const was = goneByName.get(p.name)
    const is = freshByName.get(p.name)!
    if (!(is.length === 1 && was?.length === 1 && pairable(was[0]!.key)))
      diff.added.push({ name: p.key, version: p.version })
  }

  const sort = <T extends { name: string }>(list: T[], version: (x: T) => string) =>
    list.sort((a, b) => byName(a, b) || cmp(version(a), version(b)))
  sort(diff.added, (x) => x.version)
  sort(diff.removed, (x) => x.version)
  for (const list of [diff.upgraded, diff.downgraded, diff.changed]) sort(list, (x) => x.from)
  return diff
}

// ---------------------------------------------------------------------------------------------------------
// The job summary.

export interface FormatPackageDiffOptions {
  /** Table rows at most; the rest are counted. Default 200. */
  max?: number
  /** The version compared with, named in the count line (`since debian-12.0.20261120`). */
  since?: string
  /** The section's heading line; '' for none. Default `### Package changes`. */
  heading?: string
}

/** GitHub's Markdown would otherwise read `~a~` as strikethrough, `<none>` as a tag, `|` as a cell border. */
export function code(s: string): string {
  const cell = s.replaceAll('|', '\\|')
  // A backtick inside needs a longer fence, and spaces so it does not touch the fence.
  return s.includes('`') ? `\`\` ${cell} \`\`` : `\`${cell}\``
}

export const escapeText = (s: string): string => s.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)

/**
 * The diff as a Markdown section for the job summary: a count line ("3 added, 1 removed, 12 upgraded since
 * …") and a table of the changes, at most `max` rows, followed by how many were left out.
 */
export function formatPackageDiff(diff: PackageDiff, options: FormatPackageDiffOptions = {}): string {
  const max = Math.max(0, options.max ?? 200)
  const heading = options.heading ?? '### Package changes'
  const since =
    options.since === undefined ? 'since the previous version' : `since ${escapeText(options.since)}`
  const out: string[] = heading ? [heading, ''] : []

  const counts = [
    `${diff.added.length} added`,
    `${diff.removed.length} removed`,
    `${diff.upgraded.length} upgraded`,
  ]
  if (diff.downgraded.length > 0) counts.push(`${diff.downgraded.length} downgraded`)
  if (diff.changed.length > 0) counts.push(`${diff.changed.length} changed`)
  const total =
    diff.added.length +
    diff.removed.length +
    diff.upgraded.length +
    diff.downgraded.length +
    diff.changed.length
  if (total === 0) {
    out.push(`No packages added, removed or changed ${since}.`)
    return out.join('\n') + '\n'
  }
  out.push(`${counts.join(', ')} ${since}.`)

  // Upgrades are the bulk of a routine rebuild, so they come last, where the cap cuts.
  const rows: string[][] = [
    ...diff.added.map((p) => ['added', p.name, '', p.version]),
    ...diff.removed.map((p) => ['removed', p.name, p.version, '']),
    ...diff.downgraded.map((p) => ['downgraded', p.name, p.from, p.to]),
    ...diff.changed.map((p) => ['changed', p.name, p.from, p.to]),
    ...diff.upgraded.map((p) => ['upgraded', p.name, p.from, p.to]),
  ]
  if (max > 0) {
    out.push('', '| Change | Package | From | To |', '| --- | --- | --- | --- |')
    for (const [kind, name, from, to] of rows.slice(0, max))
      out.push(`| ${kind} | ${code(name!)} | ${from ? code(from) : ''} | ${to ? code(to) : ''} |`)
  }
  if (rows.length > max) out.push('', `… and ${rows.length - max} more.`)
  return out.join('\n') + '\n'
}
