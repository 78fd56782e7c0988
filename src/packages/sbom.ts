import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { DpkgPackage, DpkgStatus } from './dpkg/types.ts'
import type { RpmPackage } from './rpm/db.ts'
import { cyclonedxLicenses } from './licenses.ts'
import { type Distro, distroOf } from './os-release.ts'
import { type CdxBom, type CdxComponent, type CdxProperty } from './cyclonedx.ts'

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

export function purlOf(p: SbomPackage, d: Distro): string {
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
// The document

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// Any fixed UUID: it only scopes the name-based serial numbers to this program.
export const SERIAL_NAMESPACE = Buffer.from('5b0f6f3c8d2a4e0e9c1d7a4b2e6f9a13', 'hex')

/** RFC 9562 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string): string {
  const h = createHash('sha1').update(SERIAL_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16)
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

export function component(p: SbomPackage, d: Distro): CdxComponent {
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
