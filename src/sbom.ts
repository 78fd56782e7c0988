/**
 * The image's SBOM: a CycloneDX 1.6 JSON document listing the installed OS packages (dpkg or rpm), each with
 * a Package URL whose distro comes from the rootfs' /etc/os-release.
 *
 * Choices, so that consumers (grype, Trivy, Dependency-Track) read it like the SBOMs syft and Trivy write:
 * - components are of type `library`: CycloneDX recommends `library` for reusable third-party components
 *   whose nature is unknown, and a package database cannot tell a library package from a program package;
 *   syft and Trivy use `library` for deb and rpm packages too. `operating-system` is the image itself, in
 *   metadata.component.
 * - purls are canonical (purl-spec, "Character encoding" and the deb/rpm type definitions): every byte
 *   outside `A-Za-z0-9.-_~` and `:` is percent-encoded as UTF-8 with upper-case hex, so a Debian `+`
 *   becomes `%2B` and an epoch's `:` stays; qualifiers are sorted by key and empty ones left out.
 * - the serial number is derived, not random: a name-based UUID (version 5) of the document without it. The
 *   same inputs (timestamp included) give the same bytes, so a rebuilt SBOM can be compared with
 *   `cmp`; two builds differ in their timestamp at least, so each still gets its own serial number.
 * - components are sorted (name, architecture, version, type), so the document does not depend on the order
 *   of the package database.
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { DpkgPackage, DpkgStatus } from './dpkg.ts'
import type { RpmPackage } from './rpm.ts'
import { SPDX_IDS } from './spdx-ids.ts'

/** File name beside the image. */
export const SBOM_FILE = 'sbom.cdx.json'
export const CYCLONEDX_SPEC_VERSION = '1.6'

/** Names of the component properties this module writes (CycloneDX has no field for either). */
export const SBOM_PROPERTY_ARCH = 'metal-image:package:architecture'
export const SBOM_PROPERTY_SOURCE = 'metal-image:package:source'

export interface SbomPackage {
  type: 'deb' | 'rpm'
  name: string
  /**
   * deb: the version as dpkg prints it (with the epoch when dpkg shows one, `1:2.38.1-5+deb12u3`).
   * rpm: `version-release` as `rpm -qa` prints it; the epoch is in `epoch`, because the rpm purl carries it
   * as a qualifier.
   */
  version: string
  /** rpm only: the EPOCH tag, when the header has one (0 included: rpm distinguishes 0 from none). */
  epoch?: number
  /** '' when unknown (no Architecture field, rpm's gpg-pubkey headers). */
  arch: string
  /** License strings as the package states them; SPDX expressions are recognised, anything else is a name. */
  licenses?: string[]
  /** The source package, as the package database names it. */
  source?: string
}

export interface BuildSbomInput {
  imageId: string
  /** The image version, as published. */
  version: string
  /** /etc/os-release of the rootfs (following its symlink to usr/lib/os-release), when there is one. */
  osRelease?: Uint8Array | string
  packages: readonly SbomPackage[]
  timestamp: Date
  tool: { name: string; version: string }
}

// The subset of CycloneDX 1.6 this module writes.
export type CdxLicenseChoice =
  { license: { id: string } } | { license: { name: string } } | { expression: string }

export interface CdxProperty {
  name: string
  value: string
}

export interface CdxComponent {
  type: 'library' | 'application' | 'operating-system'
  'bom-ref'?: string
  name: string
  version?: string
  description?: string
  licenses?: CdxLicenseChoice[]
  purl?: string
  properties?: CdxProperty[]
}

export interface CdxBom {
  bomFormat: 'CycloneDX'
  specVersion: string
  serialNumber: string
  version: number
  metadata: {
    timestamp: string
    tools: { components: CdxComponent[] }
    component: CdxComponent
  }
  components: CdxComponent[]
}

// ---------------------------------------------------------------------------------------------------------
// Package sources

/**
 * The dpkg states in which every file of the package is on disk: unpacked and later states. `dpkg -l` lists
 * more (all but not-installed, see countListed): `config-files` packages were removed and only their
 * conffiles remain, and `half-installed` ones had an unpack or removal interrupted, so which files (and
 * which version's) are there is unknown. The first letter of a `dpkg -l` line (the selection: install, hold,
 * deinstall, purge) says what should happen, not what is on disk: `hi` and `ri` packages are installed.
 */
export const DPKG_SBOM_STATUSES: ReadonlySet<DpkgStatus> = new Set<DpkgStatus>([
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
  'installed',
])

/**
 * The packages of a dpkg database (parseDpkgStatus) that are in the image; see DPKG_SBOM_STATUSES. The
 * status file carries no license (that is in /usr/share/doc/<name>/copyright), so none is set.
 */
export function sbomPackagesFromDpkg(pkgs: readonly DpkgPackage[]): SbomPackage[] {
  return pkgs
    .filter((p) => DPKG_SBOM_STATUSES.has(p.status))
    .map((p) => ({ type: 'deb', name: p.name, version: p.version ?? '', arch: p.architecture }))
}

/**
 * The packages of an rpm database (readRpmPackages), all of them: rpm records no install state per package,
 * so every row is a package rpm considers installed. gpg-pubkey entries (imported signing keys) are kept,
 * as `rpm -qa` lists them.
 */
export function sbomPackagesFromRpm(pkgs: readonly RpmPackage[]): SbomPackage[] {
  return pkgs.map((p) => {
    const pkg: SbomPackage = {
      type: 'rpm',
      name: p.name,
      version: [p.version, p.release].filter((s) => s !== null && s !== '').join('-'),
      arch: p.arch ?? '',
    }
    if (p.epoch !== null) pkg.epoch = p.epoch
    if (p.license) pkg.licenses = [p.license]
    // rpm writes SOURCERPM "(none)" into the headers it makes for imported keys.
    if (p.sourceRpm && p.sourceRpm !== '(none)') pkg.source = p.sourceRpm
    return pkg
  })
}

// ---------------------------------------------------------------------------------------------------------
// /etc/os-release

/**
 * Parses os-release(5): shell-style `KEY=value` lines, values possibly quoted and backslash-escaped. Lines
 * that are not assignments are ignored, as systemd does.
 */
export function parseOsRelease(content: Uint8Array | string): Record<string, string> {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8')
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m) out[m[1]!] = shellWord(m[2]!)
  }
  return out
}

/** One shell word: quoted and unquoted parts concatenated, up to unquoted whitespace or a comment. */
function shellWord(s: string): string {
  let out = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "'") {
      const end = s.indexOf("'", i + 1)
      const stop = end < 0 ? s.length : end
      out += s.slice(i + 1, stop)
      i = stop + 1
    } else if (c === '"') {
      i++
      while (i < s.length && s[i] !== '"') {
        // Inside double quotes the backslash only escapes the characters the shell gives a meaning there.
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++
        out += s[i]
        i++
      }
      i++
    } else if (c === '\\') {
      if (i + 1 < s.length) out += s[i + 1]
      i += 2
    } else if (/\s/.test(c) || c === '#') {
      break
    } else {
      out += c
      i++
    }
  }
  return out
}

interface Distro {
  /** The purl namespace (vendor); undefined when unknown. */
  vendor: string | undefined
  /** The `distro` qualifier value; undefined when unknown. */
  distro: string | undefined
  prettyName: string | undefined
}

function distroOf(osRelease: Uint8Array | string | undefined): Distro {
  const f = osRelease === undefined ? {} : parseOsRelease(osRelease)
  // os-release(5) lets the fields be lower-case already; purl wants the vendor lower-cased anyway.
  const id = f.ID?.toLowerCase() || undefined
  // Debian testing and unstable have no VERSION_ID, only a codename.
  const release = f.VERSION_ID || f.VERSION_CODENAME
  return {
    vendor: id,
    distro: id && release ? `${id}-${release}` : undefined,
    prettyName: f.PRETTY_NAME || undefined,
  }
}

// ---------------------------------------------------------------------------------------------------------
// Package URLs

/** purl-spec percent-encoding: UTF-8, everything but `A-Za-z0-9.-_~` and `:` as %XX. */
export function purlEncode(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    const safe =
      (byte >= 0x30 && byte <= 0x3a) || // 0-9 and ':'
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x2e ||
      byte === 0x5f ||
      byte === 0x7e
    out += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** A canonical purl: qualifiers sorted by key, those without a value left out. */
export function packageUrl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers: Record<string, string | undefined> = {},
): string {
  let purl = `pkg:${type}/`
  if (namespace) purl += `${purlEncode(namespace)}/`
  purl += purlEncode(name)
  if (version) purl += `@${purlEncode(version)}`
  const q = Object.entries(qualifiers)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${purlEncode(v)}`)
  return q.length > 0 ? `${purl}?${q.join('&')}` : purl
}

function purlOf(p: SbomPackage, d: Distro): string {
  if (p.type === 'deb') {
    // The deb type requires a namespace; an image with dpkg but no os-release is Debian-like at least.
    return packageUrl('deb', (d.vendor ?? 'debian').toLowerCase(), p.name.toLowerCase(), p.version, {
      arch: p.arch,
      distro: d.distro,
    })
  }
  return packageUrl('rpm', d.vendor, p.name, p.version, {
    arch: p.arch,
    distro: d.distro,
    epoch: p.epoch === undefined ? undefined : String(p.epoch),
  })
}

// ---------------------------------------------------------------------------------------------------------
// Licenses

const SPDX_BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]))
const LICENSE_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/

/**
 * The expression in canonical form (identifiers in the SPDX list's case, single spaces), or null when the
 * string is not an SPDX license expression (SPDX 2.3 annex D) made of listed identifiers. Operators must be
 * upper-case: the lower-case `and`/`or` of Fedora's older license tags come with non-SPDX names. Licenses and
 * exceptions are not told apart (CycloneDX's list mixes them), so this is a little lax after WITH.
 */
export function normalizeSpdxExpression(s: string): string | null {
  const tokens = s.match(/[()]|[^\s()]+/g) ?? []
  let i = 0
  const id = (allowPlus: boolean): string | null => {
    const t = tokens[i]
    if (t === undefined || t === 'AND' || t === 'OR' || t === 'WITH' || t === '(' || t === ')') return null
    i++
    if (allowPlus && LICENSE_REF.test(t)) return t
    const exact = SPDX_BY_LOWER.get(t.toLowerCase())
    if (exact) return exact
    const base = allowPlus && t.endsWith('+') ? SPDX_BY_LOWER.get(t.slice(0, -1).toLowerCase()) : undefined
    return base ? `${base}+` : null
  }
  const atom = (): string | null => {
    if (tokens[i] !== '(') return id(true)
    i++
    const inner = or()
    if (inner === null || tokens[i] !== ')') return null
    i++
    return `(${inner})`
  }
  const withExpr = (): string | null => {
    const left = atom()
    if (left === null || tokens[i] !== 'WITH') return left
    i++
    const exception = id(false)
    return exception === null ? null : `${left} WITH ${exception}`
  }
  const chain = (next: () => string | null, op: string) => (): string | null => {
    let left = next()
    while (left !== null && tokens[i] === op) {
      i++
      const right = next()
      left = right === null ? null : `${left} ${op} ${right}`
    }
    return left
  }
  const and = chain(withExpr, 'AND')
  const or = chain(and, 'OR')
  const result = or()
  return result !== null && i === tokens.length ? result : null
}

/**
 * CycloneDX licenses for a package's license strings. The schema allows either one expression or a list of
 * licenses, each an SPDX id or a name: a lone string that is a listed id becomes `{license: {id}}`, a lone
 * SPDX expression `{expression}`, anything else (and every string when there are several) an id or a name.
 */
export function cyclonedxLicenses(licenses: readonly string[] | undefined): CdxLicenseChoice[] | undefined {
  const strings = [...new Set((licenses ?? []).map((s) => s.trim()).filter((s) => s !== ''))]
  if (strings.length === 0) return undefined
  const asLicense = (s: string): CdxLicenseChoice => {
    const id = SPDX_BY_LOWER.get(s.toLowerCase())
    return id ? { license: { id } } : { license: { name: s } }
  }
  if (strings.length === 1) {
    const s = strings[0]!
    if (SPDX_BY_LOWER.has(s.toLowerCase())) return [asLicense(s)]
    const expression = normalizeSpdxExpression(s)
    return [expression === null ? { license: { name: s } } : { expression }]
  }
  return strings.map(asLicense)
}

// ---------------------------------------------------------------------------------------------------------
// The document

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// Any fixed UUID: it only scopes the name-based serial numbers to this program.
const SERIAL_NAMESPACE = Buffer.from('5b0f6f3c8d2a4e0e9c1d7a4b2e6f9a13', 'hex')

/** RFC 9562 version 5 (SHA-1, name-based) UUID. */
function uuidV5(name: string): string {
  const h = createHash('sha1').update(SERIAL_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16)
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

function component(p: SbomPackage, d: Distro): CdxComponent {
  if (!p.name) throw new Error(`an SBOM ${p.type} package has no name`)
  const c: CdxComponent = { type: 'library', name: p.name }
  // As rpm's %{evr} prints it: versions that differ only in their epoch must not read the same.
  const version =
    p.type === 'rpm' && p.epoch !== undefined && p.version ? `${p.epoch}:${p.version}` : p.version
  if (version) c.version = version
  const licenses = cyclonedxLicenses(p.licenses)
  if (licenses) c.licenses = licenses
  c.purl = purlOf(p, d)
  const properties: CdxProperty[] = []
  if (p.arch) properties.push({ name: SBOM_PROPERTY_ARCH, value: p.arch })
  if (p.source) properties.push({ name: SBOM_PROPERTY_SOURCE, value: p.source })
  if (properties.length > 0) c.properties = properties
  return c
}

/** The CycloneDX 1.6 document for an image; serialize it with serializeSbom. */
export function buildSbom(input: BuildSbomInput): CdxBom {
  const d = distroOf(input.osRelease)
  const sorted = [...input.packages].sort(
    (a, b) =>
      cmp(a.name, b.name) ||
      cmp(a.arch, b.arch) ||
      cmp(a.version, b.version) ||
      (a.epoch ?? -1) - (b.epoch ?? -1) ||
      cmp(a.type, b.type),
  )
  // The purl is the natural reference, but references must be unique and an rpm database can hold the
  // same NEVRA twice (rpm -qa then prints it twice).
  const refs = new Map<string, number>()
  const components = sorted.map((p) => {
    const { type, ...rest } = component(p, d)
    const n = (refs.get(rest.purl!) ?? 0) + 1
    refs.set(rest.purl!, n)
    return { type, 'bom-ref': n === 1 ? rest.purl! : `${rest.purl!}#${n}`, ...rest }
  })

  const image: CdxComponent = { type: 'operating-system', name: input.imageId, version: input.version }
  if (d.prettyName) image.description = d.prettyName
  const metadata: CdxBom['metadata'] = {
    timestamp: input.timestamp.toISOString(),
    tools: { components: [{ type: 'application', name: input.tool.name, version: input.tool.version }] },
    component: image,
  }
  const body = { metadata, components }
  return {
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${uuidV5(JSON.stringify(body))}`,
    version: 1,
    ...body,
  }
}

/** The file content: 2-space JSON and a final newline; key order is the order buildSbom builds. */
export function serializeSbom(doc: CdxBom): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}
