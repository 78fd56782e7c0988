import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { beforeAll, expect } from 'vitest'
import { buildSbom, SBOM_PROPERTY_ARCH, type SbomPackage, serializeSbom } from '../../src/packages/sbom.ts'
import { type CdxBom } from '../../src/packages/cyclonedx.ts'

// ---------------------------------------------------------------------------------------------------------
// The official CycloneDX 1.6 JSON schema, as @cyclonedx/cyclonedx-library ships it. Its $refs name the
// SNAPSHOT files by URL, so they are registered under those URLs (as the library's own validator does).

export const SCHEMA_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res/schema',
)
export const readSchema = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>
export const spdxSchema = readSchema('spdx.SNAPSHOT.schema.json') as { enum: string[] }

export let validateBom: ValidateFunction

beforeAll(() => {
  const ajv = new Ajv({
    // The schema uses annotation keywords of its own (meta:enum) that strict mode rejects.
    strict: false,
    allErrors: true,
    schemas: {
      'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': spdxSchema,
      'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': readSchema(
        'jsf-0.82.SNAPSHOT.schema.json',
      ),
    },
  })
  addFormatsModule.default(ajv)
  // Formats ajv-formats lacks; the CycloneDX library's validator accepts any value for them too.
  ajv.addFormat('iri-reference', true)
  ajv.addFormat('idn-email', true)
  validateBom = ajv.compile(readSchema('bom-1.6.SNAPSHOT.schema.json'))
})

export function schemaErrors(doc: unknown): ErrorObject[] {
  // Through the serialized form: what is validated is what would be written to sbom.cdx.json.
  const parsed: unknown = JSON.parse(typeof doc === 'string' ? doc : JSON.stringify(doc))
  return validateBom(parsed) ? [] : (validateBom.errors ?? [])
}

export function expectValid(doc: CdxBom): void {
  expect(schemaErrors(serializeSbom(doc))).toEqual([])
}

export const TOOL = { name: 'metal-image-action', version: '0.1.0' }
export const WHEN = new Date('2025-01-02T03:04:05.000Z')
export const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`
export const ALMA_OS_RELEASE = `NAME="AlmaLinux"
VERSION="9.5 (Teal Serval)"
ID="almalinux"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.5"
PRETTY_NAME="AlmaLinux 9.5 (Teal Serval)"
`

export const sbom = (packages: SbomPackage[], osRelease?: string): CdxBom =>
  buildSbom({
    imageId: 'debian-12',
    version: '12.0.20250102',
    osRelease: osRelease === undefined ? undefined : Buffer.from(osRelease),
    packages,
    timestamp: WHEN,
    tool: TOOL,
  })

export const purlsOf = (doc: CdxBom): Map<string, string> =>
  new Map(
    doc.components.map((c) => [
      `${c.name} ${c.properties?.find((p) => p.name === SBOM_PROPERTY_ARCH)?.value ?? ''}`,
      c.purl!,
    ]),
  )
