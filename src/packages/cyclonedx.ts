/** The subset of CycloneDX 1.6 that sbom.ts writes. */
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
