import { describe, expect, test } from 'vitest'
import { parseDpkgStatus } from '../../src/packages/dpkg/parse.ts'
import type { RpmPackage } from '../../src/packages/rpm/db.ts'
import {
  buildSbom,
  DPKG_SBOM_STATUSES,
  packageUrl,
  purlEncode,
  SBOM_PROPERTY_ARCH,
  SBOM_PROPERTY_SOURCE,
  type SbomPackage,
  sbomPackagesFromDpkg,
  sbomPackagesFromRpm,
  serializeSbom,
} from '../../src/packages/sbom.ts'
import { type CdxBom } from '../../src/packages/cyclonedx.ts'
import { cyclonedxLicenses, normalizeSpdxExpression } from '../../src/packages/licenses.ts'
import { parseOsRelease } from '../../src/packages/os-release.ts'
import { SBOM_FILE } from '../../src/release/files.ts'
import { SPDX_IDS } from '../../src/packages/spdx-ids.ts'
import {
  ALMA_OS_RELEASE,
  DEBIAN_OS_RELEASE,
  TOOL,
  WHEN,
  expectValid,
  sbom,
  schemaErrors,
  spdxSchema,
} from './sbom-helpers.ts'

// ---------------------------------------------------------------------------------------------------------

describe('the schema validator', () => {
  const minimal = (): CdxBom => sbom([{ type: 'deb', name: 'bash', version: '5.2.15-2+b13', arch: 'amd64' }])

  test('accepts a document buildSbom makes', () => {
    expectValid(minimal())
  })

  // Each of these breaks one rule of the schema; if the validator were not live they would pass.
  test.each<[string, (d: Record<string, unknown> & CdxBom) => void]>([
    ['an unknown component type', (d) => void ((d.components[0] as { type: string }).type = 'package')],
    ['a component without a name', (d) => void delete (d.components[0] as { name?: string }).name],
    ['a malformed serial number', (d) => void (d.serialNumber = 'urn:uuid:not-a-uuid')],
    ['a wrong specVersion type', (d) => void ((d as { specVersion: unknown }).specVersion = 1.6)],
    ['a timestamp that is not a date-time', (d) => void (d.metadata.timestamp = 'yesterday')],
    [
      'a license id outside the SPDX list',
      (d) => void (d.components[0]!.licenses = [{ license: { id: 'GPLv2+' } }]),
    ],
    [
      'an expression beside another license',
      (d) => void (d.components[0]!.licenses = [{ expression: 'MIT' }, { license: { name: 'x' } }]),
    ],
    ['an unknown top-level field', (d) => void (d.extra = true)],
  ])('rejects %s', (_name, breakIt) => {
    const doc = minimal() as Record<string, unknown> & CdxBom
    breakIt(doc)
    expect(schemaErrors(doc).length).toBeGreaterThan(0)
  })
})

describe('package URLs', () => {
  test('percent-encoding follows the purl spec: + and / encoded, : and .-_~ kept', () => {
    expect(purlEncode('1:2.4.47-2+b1')).toBe('1:2.4.47-2%2Bb1')
    expect(purlEncode('libstdc++6')).toBe('libstdc%2B%2B6')
    expect(purlEncode('1.0~rc1_x.y-z')).toBe('1.0~rc1_x.y-z')
    expect(purlEncode('a b/c@d?e=f&g#h%')).toBe('a%20b%2Fc%40d%3Fe%3Df%26g%23h%25')
    expect(purlEncode('ü')).toBe('%C3%BC')
  })

  test('the purl spec examples for deb and rpm come out canonical', () => {
    expect(packageUrl('deb', 'debian', 'attr', '1:2.4.47-2+b1', { arch: 'amd64' })).toBe(
      'pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64',
    )
    expect(packageUrl('deb', 'debian', 'curl', '7.50.3-1', { distro: 'jessie', arch: 'i386' })).toBe(
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
    )
    expect(packageUrl('rpm', 'fedora', 'curl', '7.50.3-1.fc25', { arch: 'i386', distro: 'fedora-25' })).toBe(
      'pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25',
    )
    // Canonical qualifiers are sorted by key, so epoch goes last; empty ones are dropped.
    expect(
      packageUrl('rpm', undefined, 'centerim', '4.22.10-1.el6', {
        epoch: '1',
        arch: 'i686',
        distro: 'fedora-25',
        repository_url: '',
      }),
    ).toBe('pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1')
  })

  test('each component decodes back to its name and version (WHATWG URL parsing)', () => {
    const doc = sbom(
      [
        { type: 'deb', name: 'libstdc++6', version: '12.2.0-14+deb12u1', arch: 'amd64' },
        { type: 'deb', name: 'odd', version: '3:1.0~beta+dfsg.1-0+b2', arch: '' },
      ],
      DEBIAN_OS_RELEASE,
    )
    for (const c of doc.components) {
      const url = new URL(c.purl!)
      expect(url.protocol).toBe('pkg:')
      const [type, vendor, nameAtVersion] = url.pathname.split('/')
      expect([type, vendor]).toEqual(['deb', 'debian'])
      const [name, version] = nameAtVersion!.split('@').map(decodeURIComponent)
      expect([name, version]).toEqual([c.name, c.version])
    }
    expect(doc.components.map((c) => c.purl)).toEqual([
      'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12',
      'pkg:deb/debian/odd@3:1.0~beta%2Bdfsg.1-0%2Bb2?distro=debian-12',
    ])
  })
})

describe('/etc/os-release', () => {
  test('shell quoting as os-release(5) allows it', () => {
    const f = parseOsRelease(
      [
        '# comment',
        'ID=debian',
        'VERSION_ID="12"',
        "NAME='Single Quoted'",
        'PRETTY_NAME="say \\"hi\\" \\$HOME \\\\ \\n"',
        'MIXED="a"b\'c\'',
        'TRAILING=value # comment',
        '  INDENTED=yes',
        'not an assignment',
        'EMPTY=',
      ].join('\n'),
    )
    expect(f).toEqual({
      ID: 'debian',
      VERSION_ID: '12',
      NAME: 'Single Quoted',
      PRETTY_NAME: 'say "hi" $HOME \\ \\n',
      MIXED: 'abc',
      TRAILING: 'value',
      INDENTED: 'yes',
      EMPTY: '',
    })
  })

  const deb: SbomPackage = { type: 'deb', name: 'bash', version: '5.2.21-2', arch: 'amd64' }
  test.each([
    [
      'ID and VERSION_ID',
      'ID=ubuntu\nVERSION_ID="24.04"\n',
      'pkg:deb/ubuntu/bash@5.2.21-2?arch=amd64&distro=ubuntu-24.04',
    ],
    [
      'upper-case ID',
      'ID=Debian\nVERSION_ID=13\n',
      'pkg:deb/debian/bash@5.2.21-2?arch=amd64&distro=debian-13',
    ],
    // Debian testing/unstable: no VERSION_ID.
    [
      'only a codename',
      'ID=debian\nVERSION_CODENAME=forky\n',
      'pkg:deb/debian/bash@5.2.21-2?arch=amd64&distro=debian-forky',
    ],
    ['no version at all', 'ID=debian\n', 'pkg:deb/debian/bash@5.2.21-2?arch=amd64'],
    ['no os-release', undefined, 'pkg:deb/debian/bash@5.2.21-2?arch=amd64'],
  ])('distro from %s', (_name, osRelease, purl) => {
    const doc = sbom([deb], osRelease)
    expect(doc.components[0]!.purl).toBe(purl)
    expectValid(doc)
  })

  test('rpm without an os-release ID has no namespace (optional for rpm, required for deb)', () => {
    const doc = sbom([{ type: 'rpm', name: 'bash', version: '5.1.8-9.el9', arch: 'x86_64' }])
    expect(doc.components[0]!.purl).toBe('pkg:rpm/bash@5.1.8-9.el9?arch=x86_64')
  })
})

describe('licenses', () => {
  test('SPDX expressions are recognised and normalised; anything else is not one', () => {
    expect(normalizeSpdxExpression('MIT')).toBe('MIT')
    expect(normalizeSpdxExpression('gpl-2.0-or-later')).toBe('GPL-2.0-or-later')
    expect(normalizeSpdxExpression('LGPL-2.1+')).toBe('LGPL-2.1+')
    expect(normalizeSpdxExpression('MPL-1.1+')).toBe('MPL-1.1+')
    expect(normalizeSpdxExpression('GPL-2.0-only  WITH  Classpath-exception-2.0')).toBe(
      'GPL-2.0-only WITH Classpath-exception-2.0',
    )
    expect(normalizeSpdxExpression('(MIT OR Apache-2.0)AND BSD-3-Clause')).toBe(
      '(MIT OR Apache-2.0) AND BSD-3-Clause',
    )
    expect(normalizeSpdxExpression('LicenseRef-Fedora-Public-Domain AND MIT')).toBe(
      'LicenseRef-Fedora-Public-Domain AND MIT',
    )
    for (const notSpdx of [
      'GPLv2+', // Fedora's old short names
      'BSD',
      'GPLv2+ and MIT',
      'MIT and ISC', // lower-case operators
      'Public Domain',
      'MIT AND',
      '(MIT',
      'MIT)',
      'MIT WITH',
      'MIT WITH Apache-2.0+',
      'MIT OR OR ISC',
      '',
    ])
      expect(normalizeSpdxExpression(notSpdx), notSpdx).toBeNull()
  })

  test('one id, one expression, names, several strings', () => {
    expect(cyclonedxLicenses(undefined)).toBeUndefined()
    expect(cyclonedxLicenses([' ', ''])).toBeUndefined()
    expect(cyclonedxLicenses(['mit'])).toEqual([{ license: { id: 'MIT' } }])
    expect(cyclonedxLicenses(['GPL-2.0+'])).toEqual([{ license: { id: 'GPL-2.0+' } }])
    expect(cyclonedxLicenses(['MIT+'])).toEqual([{ expression: 'MIT+' }])
    expect(cyclonedxLicenses(['GPL-3.0-or-later AND LGPL-2.1-or-later'])).toEqual([
      { expression: 'GPL-3.0-or-later AND LGPL-2.1-or-later' },
    ])
    expect(cyclonedxLicenses(['GPLv3+ and GFDL'])).toEqual([{ license: { name: 'GPLv3+ and GFDL' } }])
    expect(cyclonedxLicenses(['MIT', 'GPLv2', 'MIT', 'Zlib OR MIT'])).toEqual([
      { license: { id: 'MIT' } },
      { license: { name: 'GPLv2' } },
      { license: { name: 'Zlib OR MIT' } },
    ])
  })

  test('the built-in SPDX list is a copy of the schema enumeration (no id the schema would reject)', () => {
    const official = new Set(spdxSchema.enum)
    expect(SPDX_IDS.filter((id) => !official.has(id))).toEqual([])
    expect(new Set(SPDX_IDS).size).toBe(SPDX_IDS.length)
    // Only a warning-free fallback to names when the schema has grown; a shrunken copy would be a bug.
    expect(SPDX_IDS.length).toBeGreaterThan(800)
  })
})

// ---------------------------------------------------------------------------------------------------------
// Synthetic databases

const stanza = (name: string, status: string, version = '1.0-1', arch = 'amd64') =>
  `Package: ${name}\nStatus: ${status}\nVersion: ${version}\nArchitecture: ${arch}\n` +
  'Maintainer: m <m@example.org>\nDescription: d\n'

describe('dpkg: which packages are in the image', () => {
  const statuses = {
    'not-installed': 'purge ok not-installed',
    'config-files': 'deinstall ok config-files',
    'half-installed': 'install reinstreq half-installed',
    unpacked: 'install ok unpacked',
    'half-configured': 'install reinstreq half-configured',
    'triggers-awaited': 'install ok triggers-awaited',
    'triggers-pending': 'install ok triggers-pending',
    installed: 'install ok installed',
    'hold-installed': 'hold ok installed',
    'deinstall-installed': 'deinstall ok installed',
    'purge-installed': 'purge ok installed',
  }
  const status =
    Object.entries(statuses)
      .map(([name, s]) => {
        let text = stanza(name, s)
        if (s.endsWith('triggers-awaited')) text += 'Triggers-Awaited: installed\n'
        if (s.endsWith('triggers-pending')) text += 'Triggers-Pending: t\n'
        if (s.endsWith('not-installed')) text = `Package: ${name}\nStatus: ${s}\n`
        return text
      })
      .join('\n') + '\n'

  test('files on disk: unpacked up to installed, whatever the selection; not n, c or H', () => {
    const warnings: string[] = []
    const pkgs = parseDpkgStatus(status, { onWarning: (w) => warnings.push(w) })
    expect(warnings).toEqual([])
    expect(pkgs.map((p) => p.status)).toContain('triggers-pending')
    expect(sbomPackagesFromDpkg(pkgs).map((p) => p.name)).toEqual([
      'unpacked',
      'half-configured',
      'triggers-awaited',
      'triggers-pending',
      'installed',
      'hold-installed',
      'deinstall-installed',
      'purge-installed',
    ])
    expect([...DPKG_SBOM_STATUSES].sort()).toEqual(
      ['half-configured', 'installed', 'triggers-awaited', 'triggers-pending', 'unpacked'].sort(),
    )
  })

  test('multi-arch instances are separate components with separate references', () => {
    const pkgs = parseDpkgStatus(
      [
        stanza('libc6', 'install ok installed', '2.36-9+deb12u9', 'amd64') + 'Multi-Arch: same\n',
        stanza('libc6', 'install ok installed', '2.36-9+deb12u9', 'i386') + 'Multi-Arch: same\n',
        stanza('tzdata', 'install ok installed', '2024a-0+deb12u1', 'all'),
      ].join('\n'),
    )
    const doc = sbom(sbomPackagesFromDpkg(pkgs), DEBIAN_OS_RELEASE)
    expect(doc.components.map((c) => c['bom-ref'])).toEqual([
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12',
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=i386&distro=debian-12',
      'pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12',
    ])
    expectValid(doc)
  })
})

const rpmPkg = (p: Partial<RpmPackage> & { name: string }): RpmPackage => {
  const version = p.version === undefined ? '1.0' : p.version
  const release = p.release === undefined ? '1.el9' : p.release
  const arch = p.arch === undefined ? 'x86_64' : p.arch
  const epoch = p.epoch ?? null
  const vr = [version, release].filter((s) => s).join('-')
  return {
    hnum: 1,
    epoch,
    version,
    release,
    arch,
    license: null,
    sourceRpm: `${p.name}-${vr}.src.rpm`,
    evr: `${epoch === null ? '' : `${epoch}:`}${vr}`,
    qa: `${p.name}-${vr}${arch ? `.${arch}` : ''}`,
    ...p,
  }
}

describe('rpm', () => {
  // What an AlmaLinux 9 database mixes: SPDX tags (newer builds), Fedora's old names, epochs (0 included),
  // noarch, a source package name, and an imported signing key.
  const rpms: RpmPackage[] = [
    rpmPkg({ name: 'bash', version: '5.1.8', release: '9.el9', license: 'GPL-3.0-or-later' }),
    rpmPkg({ name: 'openssl-libs', epoch: 1, version: '3.2.2', release: '6.el9_5', license: 'Apache-2.0' }),
    rpmPkg({ name: 'shadow-utils', epoch: 2, version: '4.9', release: '10.el9', license: 'BSD and GPLv2+' }),
    rpmPkg({ name: 'zlib', epoch: 0, version: '1.2.11', release: '40.el9', license: 'zlib and Boost' }),
    rpmPkg({
      name: 'glibc-minimal-langpack',
      version: '2.34',
      release: '125.el9_5.1',
      license: 'LGPL-2.1-or-later AND SunPro AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND BSD-3-Clause',
      sourceRpm: 'glibc-2.34-125.el9_5.1.src.rpm',
    }),
    rpmPkg({ name: 'tzdata', version: '2024b', release: '2.el9', arch: 'noarch', license: 'Public Domain' }),
    rpmPkg({ name: 'Judy', version: '1.0.5', release: '28.el9', license: 'LGPLv2+' }),
    rpmPkg({
      name: 'libstdc++',
      version: '11.5.0',
      release: '2.el9.alma.1',
      license: 'GPLv3+ and GPLv3+ with exceptions',
    }),
    rpmPkg({
      name: 'gpg-pubkey',
      version: 'b86b3716',
      release: '61e69f29',
      arch: null,
      license: 'pubkey',
      sourceRpm: '(none)',
    }),
  ]

  test('packages, purls with epoch and distro, licenses, source', () => {
    const pkgs = sbomPackagesFromRpm(rpms)
    expect(pkgs.find((p) => p.name === 'zlib')).toEqual({
      type: 'rpm',
      name: 'zlib',
      version: '1.2.11-40.el9',
      epoch: 0,
      arch: 'x86_64',
      licenses: ['zlib and Boost'],
      source: 'zlib-1.2.11-40.el9.src.rpm',
    })
    const doc = buildSbom({
      imageId: 'almalinux-9',
      version: '9.5.20250102',
      osRelease: Buffer.from(ALMA_OS_RELEASE),
      packages: pkgs,
      timestamp: WHEN,
      tool: TOOL,
    })
    expectValid(doc)
    expect(doc.metadata.component).toEqual({
      type: 'operating-system',
      name: 'almalinux-9',
      version: '9.5.20250102',
      description: 'AlmaLinux 9.5 (Teal Serval)',
    })
    const byName = new Map(doc.components.map((c) => [c.name, c]))
    expect(doc.components).toHaveLength(rpms.length)
    expect(byName.get('openssl-libs')).toEqual({
      type: 'library',
      'bom-ref': 'pkg:rpm/almalinux/openssl-libs@3.2.2-6.el9_5?arch=x86_64&distro=almalinux-9.5&epoch=1',
      name: 'openssl-libs',
      version: '1:3.2.2-6.el9_5',
      licenses: [{ license: { id: 'Apache-2.0' } }],
      purl: 'pkg:rpm/almalinux/openssl-libs@3.2.2-6.el9_5?arch=x86_64&distro=almalinux-9.5&epoch=1',
      properties: [
        { name: SBOM_PROPERTY_ARCH, value: 'x86_64' },
        { name: SBOM_PROPERTY_SOURCE, value: 'openssl-libs-3.2.2-6.el9_5.src.rpm' },
      ],
    })
    expect(byName.get('zlib')!.version).toBe('0:1.2.11-40.el9')
    expect(byName.get('zlib')!.purl).toBe(
      'pkg:rpm/almalinux/zlib@1.2.11-40.el9?arch=x86_64&distro=almalinux-9.5&epoch=0',
    )
    expect(byName.get('bash')!.purl).toBe(
      'pkg:rpm/almalinux/bash@5.1.8-9.el9?arch=x86_64&distro=almalinux-9.5',
    )
    expect(byName.get('libstdc++')!.purl).toBe(
      'pkg:rpm/almalinux/libstdc%2B%2B@11.5.0-2.el9.alma.1?arch=x86_64&distro=almalinux-9.5',
    )
    // rpm names are case-sensitive, unlike deb ones.
    expect(byName.get('Judy')!.purl).toBe(
      'pkg:rpm/almalinux/Judy@1.0.5-28.el9?arch=x86_64&distro=almalinux-9.5',
    )
    expect(byName.get('tzdata')!.purl).toContain('?arch=noarch&')
    expect(byName.get('gpg-pubkey')).toEqual({
      type: 'library',
      'bom-ref': 'pkg:rpm/almalinux/gpg-pubkey@b86b3716-61e69f29?distro=almalinux-9.5',
      name: 'gpg-pubkey',
      version: 'b86b3716-61e69f29',
      licenses: [{ license: { name: 'pubkey' } }],
      purl: 'pkg:rpm/almalinux/gpg-pubkey@b86b3716-61e69f29?distro=almalinux-9.5',
    })

    const licenses = Object.fromEntries(doc.components.map((c) => [c.name, c.licenses]))
    expect(licenses).toMatchObject({
      bash: [{ license: { id: 'GPL-3.0-or-later' } }],
      'shadow-utils': [{ license: { name: 'BSD and GPLv2+' } }],
      zlib: [{ license: { name: 'zlib and Boost' } }],
      'glibc-minimal-langpack': [
        {
          expression:
            'LGPL-2.1-or-later AND SunPro AND LGPL-2.1-or-later WITH GCC-exception-2.0 AND BSD-3-Clause',
        },
      ],
      tzdata: [{ license: { name: 'Public Domain' } }],
      Judy: [{ license: { name: 'LGPLv2+' } }],
    })
  })

  test('a NEVRA listed twice gets two distinct references', () => {
    const twice = sbomPackagesFromRpm([rpmPkg({ name: 'dup' }), rpmPkg({ name: 'dup', hnum: 2 })])
    const doc = sbom(twice, ALMA_OS_RELEASE)
    const refs = doc.components.map((c) => c['bom-ref'])
    expect(refs).toEqual([
      'pkg:rpm/almalinux/dup@1.0-1.el9?arch=x86_64&distro=almalinux-9.5',
      'pkg:rpm/almalinux/dup@1.0-1.el9?arch=x86_64&distro=almalinux-9.5#2',
    ])
    expectValid(doc)
  })
})

describe('the document', () => {
  const pkgs: SbomPackage[] = [
    { type: 'deb', name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64' },
    { type: 'deb', name: 'bash', version: '5.2.15-2+b13', arch: 'amd64' },
    { type: 'deb', name: 'base-files', version: '12.4+deb12u15', arch: 'amd64' },
  ]

  test('shape: format, metadata naming the image and the tool, sorted components', () => {
    const doc = sbom(pkgs, DEBIAN_OS_RELEASE)
    expectValid(doc)
    expect(SBOM_FILE).toBe('sbom.cdx.json')
    expect(Object.keys(doc)).toEqual([
      'bomFormat',
      'specVersion',
      'serialNumber',
      'version',
      'metadata',
      'components',
    ])
    expect(doc).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 })
    expect(doc.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(doc.metadata).toEqual({
      timestamp: '2025-01-02T03:04:05.000Z',
      tools: { components: [{ type: 'application', name: TOOL.name, version: TOOL.version }] },
      component: {
        type: 'operating-system',
        name: 'debian-12',
        version: '12.0.20250102',
        description: 'Debian GNU/Linux 12 (bookworm)',
      },
    })
    expect(doc.components.map((c) => c.name)).toEqual(['base-files', 'bash', 'zlib1g'])
    expect(doc.components[2]).toEqual({
      type: 'library',
      'bom-ref': 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
      name: 'zlib1g',
      version: '1:1.2.13.dfsg-1',
      purl: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
      properties: [{ name: SBOM_PROPERTY_ARCH, value: 'amd64' }],
    })
  })

  test('stable: same input in another order gives the same bytes; another build another serial', () => {
    const a = serializeSbom(sbom(pkgs, DEBIAN_OS_RELEASE))
    const b = serializeSbom(sbom([...pkgs].reverse(), DEBIAN_OS_RELEASE))
    expect(b).toBe(a)
    expect(a.endsWith('}\n')).toBe(true)
    expect(a).toBe(`${JSON.stringify(JSON.parse(a), null, 2)}\n`)
    const later = buildSbom({
      imageId: 'debian-12',
      version: '12.0.20250102',
      osRelease: Buffer.from(DEBIAN_OS_RELEASE),
      packages: pkgs,
      timestamp: new Date(WHEN.getTime() + 1000),
      tool: TOOL,
    })
    expect(later.serialNumber).not.toBe(JSON.parse(a).serialNumber)
  })

  test('an empty package list is still a valid document', () => {
    const doc = sbom([], DEBIAN_OS_RELEASE)
    expect(doc.components).toEqual([])
    expectValid(doc)
  })

  test('a package without a name is refused', () => {
    expect(() => sbom([{ type: 'deb', name: '', version: '1', arch: 'amd64' }])).toThrow(/no name/)
  })
})
