import { describe, expect, test } from 'vitest'
import { parseDpkgStatus } from '../../src/packages/dpkg/parse.ts'
import { buildSbom, sbomPackagesFromDpkg } from '../../src/packages/sbom.ts'
import { parseOsRelease } from '../../src/packages/os-release.ts'
import { dockerAvailable, run } from '../helpers/env.ts'
import { TOOL, WHEN, expectValid, purlsOf } from './sbom-helpers.ts'

// ---------------------------------------------------------------------------------------------------------
// Real data: debian:bookworm, as is and after package operations that leave non-`ii` states behind.

const haveDocker = dockerAvailable()
const IMAGE = 'debian:bookworm'

const docker = (script: string): string =>
  run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-ec', script]).toString('utf8')

interface QueryRow {
  abbrev: string
  name: string
  version: string
  arch: string
}

const QUERY = `dpkg-query -W -f '\${db:Status-Abbrev}\\t\${Package}\\t\${Version}\\t\${Architecture}\\n'`
const MARK = '\n----8<----sbom-test----8<----\n'

/** The container's dpkg-query rows, its status file and its os-release, taken after `setup`. */
function snapshot(setup: string): { rows: QueryRow[]; dpkgList: string; status: Buffer; osRelease: Buffer } {
  const out = docker(
    `${setup}\n${QUERY}; printf '${MARK.replace(/\n/g, '\\n')}'; dpkg -l; printf '${MARK.replace(/\n/g, '\\n')}'; ` +
      `cat /var/lib/dpkg/status; printf '${MARK.replace(/\n/g, '\\n')}'; cat /etc/os-release`,
  )
  const [query, dpkgList, status, osRelease] = out.split(MARK)
  expect(osRelease).toBeDefined()
  const rows = query!
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [abbrev, name, version, arch] = l.split('\t')
      return { abbrev: abbrev!, name: name!, version: version!, arch: arch! }
    })
  return { rows, dpkgList: dpkgList!, status: Buffer.from(status!), osRelease: Buffer.from(osRelease!) }
}

const key = (name: string, version: string, arch: string) => `${name} ${version} ${arch}`
const expectedPurl = (r: QueryRow) =>
  `pkg:deb/debian/${r.name.replaceAll('+', '%2B')}@${r.version.replaceAll('+', '%2B')}?arch=${r.arch}&distro=debian-12`

describe.skipIf(!haveDocker)(`real dpkg database (${IMAGE})`, () => {
  test('as shipped: one component per `ii` line, purls as the spec encodes them, schema-valid', () => {
    const { rows, dpkgList, status, osRelease } = snapshot(':')
    const ii = dpkgList.split('\n').filter((l) => l.startsWith('ii '))
    expect(ii.length).toBeGreaterThan(50)

    const packages = sbomPackagesFromDpkg(parseDpkgStatus(status))
    const doc = buildSbom({
      imageId: 'debian-12',
      version: '12',
      osRelease,
      packages,
      timestamp: WHEN,
      tool: TOOL,
    })
    expectValid(doc)
    expect(doc.components).toHaveLength(ii.length)
    expect(parseOsRelease(osRelease).VERSION_ID).toBe('12')

    // Name, version and architecture of every component are what dpkg-query reports.
    expect(doc.components.map((c) => key(c.name, c.version!, purlArch(c.purl!))).sort()).toEqual(
      rows.map((r) => key(r.name, r.version, r.arch)).sort(),
    )
    expect(new Set(doc.components.map((c) => c['bom-ref'])).size).toBe(doc.components.length)

    // Spot checks on the characters that need care: an epoch's ':' stays, '+' becomes %2B.
    const purls = purlsOf(doc)
    const epochs = rows.filter((r) => /^\d+:/.test(r.version))
    const pluses = rows.filter((r) => r.version.includes('+'))
    const plusNames = rows.filter((r) => r.name.includes('+'))
    expect(epochs.length).toBeGreaterThan(0)
    expect(pluses.length).toBeGreaterThan(0)
    expect(plusNames.length).toBeGreaterThan(0)
    for (const r of [...epochs, ...pluses, ...plusNames])
      expect(purls.get(`${r.name} ${r.arch}`)).toBe(expectedPurl(r))
    // Known members of bookworm's base (versions change with point releases, so only their shape is fixed).
    expect(purls.get('bsdutils amd64') ?? purls.get('bsdutils arm64')).toMatch(
      /^pkg:deb\/debian\/bsdutils@1:2\.38\.1-5%2Bdeb12u\d+\?arch=(amd64|arm64)&distro=debian-12$/,
    )
    expect([...purls.values()].find((p) => p.startsWith('pkg:deb/debian/libstdc%2B%2B6@'))).toBeDefined()
  })

  test('after removals, holds, an unpack and a failed configure: the packages whose files are there', () => {
    // e2fsprogs removed (rc: conffiles left), bash held (hi), hostname selected for removal (ri), a package
    // only unpacked (iU, with an epoch, + and ~ in its version) and one whose postinst fails (iF).
    const setup = `
      dpkg -r e2fsprogs >/dev/null
      echo bash hold | dpkg --set-selections
      echo hostname deinstall | dpkg --set-selections
      mkdir -p /t/a/DEBIAN /t/b/DEBIAN
      printf 'Package: sbom-unpacked\\nVersion: 2:1.0+git1~rc1-1\\nArchitecture: all\\nMaintainer: t <t@example.org>\\nDescription: u\\n' > /t/a/DEBIAN/control
      printf 'Package: sbom-halfconf\\nVersion: 1.0-1\\nArchitecture: '"$(dpkg --print-architecture)"'\\nMaintainer: t <t@example.org>\\nDescription: h\\n' > /t/b/DEBIAN/control
      printf '#!/bin/sh\\nexit 1\\n' > /t/b/DEBIAN/postinst
      chmod 755 /t/b/DEBIAN/postinst
      dpkg-deb -b /t/a /t/a.deb >/dev/null
      dpkg-deb -b /t/b /t/b.deb >/dev/null
      dpkg --unpack /t/a.deb >/dev/null
      dpkg -i /t/b.deb >/dev/null 2>&1 || true`
    const { rows, dpkgList, status, osRelease } = snapshot(setup)
    const flags = new Map(rows.map((r) => [r.name, r.abbrev.trim()]))
    expect(
      Object.fromEntries(
        ['e2fsprogs', 'bash', 'hostname', 'sbom-unpacked', 'sbom-halfconf'].map((n) => [n, flags.get(n)]),
      ),
    ).toEqual({
      e2fsprogs: 'rc',
      bash: 'hi',
      hostname: 'ri',
      'sbom-unpacked': 'iU',
      'sbom-halfconf': 'iF',
    })

    const packages = sbomPackagesFromDpkg(parseDpkgStatus(status))
    const doc = buildSbom({
      imageId: 'debian-12',
      version: '12',
      osRelease,
      packages,
      timestamp: WHEN,
      tool: TOOL,
    })
    expectValid(doc)
    // dpkg -l's second column: the status, of which U, F, W, t and i mean the files are all there.
    const present = rows.filter((r) => 'UFWti'.includes(r.abbrev[1]!))
    expect(doc.components.map((c) => key(c.name, c.version!, purlArch(c.purl!))).sort()).toEqual(
      present.map((r) => key(r.name, r.version, r.arch)).sort(),
    )
    const listed = dpkgList.split('\n').filter((l) => /^[uihrp][ncHUFWti][ R] /.test(l))
    expect(doc.components).toHaveLength(listed.filter((l) => 'UFWti'.includes(l[1]!)).length)
    expect(doc.components.length).toBe(listed.length - 1) // all but the rc line

    const purls = purlsOf(doc)
    expect(purls.get('sbom-unpacked all')).toBe(
      'pkg:deb/debian/sbom-unpacked@2:1.0%2Bgit1~rc1-1?arch=all&distro=debian-12',
    )
    expect([...purls.keys()].some((k) => k.startsWith('e2fsprogs '))).toBe(false)
    for (const name of ['bash', 'hostname', 'sbom-halfconf'])
      expect(
        [...purls.keys()].some((k) => k.startsWith(`${name} `)),
        name,
      ).toBe(true)
  })
})

function purlArch(purl: string): string {
  return new URL(purl).searchParams.get('arch') ?? ''
}
