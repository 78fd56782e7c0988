import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  diffPackages,
  formatPackageDiff,
  parsePackageList,
  type PackageDiff,
} from '../../src/packages/package-diff.ts'
import { dockerAvailable } from '../helpers/env.ts'

const haveDocker = dockerAvailable()

const work = mkdtempSync(join(tmpdir(), 'package-diff-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// --- Diffs of real listings -----------------------------------------------------------------------------

/** The diff the other way round: what was added was removed, upgrades are downgrades. */
function reversed(d: PackageDiff): PackageDiff {
  const swap = (list: { name: string; from: string; to: string }[]) =>
    list.map(({ name, from, to }) => ({ name, from: to, to: from }))
  return {
    kind: d.kind,
    added: d.removed,
    removed: d.added,
    upgraded: swap(d.downgraded),
    downgraded: swap(d.upgraded),
    changed: swap(d.changed),
  }
}

// Everything happens offline inside one container: dpkg removes, a fake version edit in the status file
// stands for upgrades and downgrades, and dpkg-deb builds the packages that get added.
const DPKG_SCENARIO = String.raw`
set -e
exec 3>&1 1>&2
dpkg -l >&3
echo @@@ >&3
dpkg --print-architecture >&3
dpkg-query -W -f='${'${Package}'} ${'${Version}'}\n' apt hostname tzdata dash gpgv libsemanage-common grep >&3
echo @@@ >&3
dpkg --purge --force-depends gpgv
dpkg --remove --force-depends libsemanage-common
sed -i \
  -e '/^Package: apt$/,/^$/ s/^Version: .*/&+fake1/' \
  -e '/^Package: hostname$/,/^$/ s/^Version: /&1:/' \
  -e '/^Package: tzdata$/,/^$/ s/^Version: .*/&~fake1/' \
  -e '/^Package: dash$/,/^$/ s/^Version: 0\.5\.12-/Version: 0.5.012-/' \
  -e '/^Package: mawk$/,/^$/ s/^Multi-Arch: .*/Multi-Arch: same/' \
  -e '/^Package: grep$/,/^$/ { /^Multi-Arch:/d; s/^Version: .*/&+fake2\nMulti-Arch: same/ }' \
  /var/lib/dpkg/status
build() {
  mkdir -p /tmp/$1/DEBIAN
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMulti-Arch: %s\nMaintainer: t <t@example.invalid>\nDescription: test\n' \
    "$1" "$2" "$3" "$4" > /tmp/$1/DEBIAN/control
  dpkg-deb --root-owner-group -b /tmp/$1 /tmp/$1.deb
}
build metal-diff-test 1.0-1 all foreign
build metal-diff-lib 2.0 i386 same
dpkg --add-architecture i386
dpkg -i /tmp/metal-diff-test.deb /tmp/metal-diff-lib.deb
echo 'bash hold' | dpkg --set-selections
dpkg -l >&3
`

describe.skipIf(!haveDocker)('two real dpkg -l listings from debian:bookworm', () => {
  let before: string
  let after: string
  let arch: string
  const version = new Map<string, string>()

  beforeAll(() => {
    const r = spawnSync(
      'docker',
      ['run', '--rm', '--network', 'none', 'debian:bookworm', 'sh', '-c', DPKG_SCENARIO],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      },
    )
    if (r.status !== 0) throw new Error(`docker run exited ${r.status}: ${r.stderr}`)
    const [first, facts, second] = r.stdout.split('@@@\n') as [string, string, string]
    before = first
    after = second
    const [archLine, ...versions] = facts.trim().split('\n')
    arch = archLine!
    for (const line of versions) {
      const [name, v] = line.split(' ')
      version.set(name!, v!)
    }
  })

  test('the second listing has what the scenario is about', () => {
    // Removed with its conffiles left, held, and a package dpkg now qualifies with its architecture.
    expect(after).toMatch(/^rc {2}libsemanage-common /m)
    expect(after).toMatch(/^hi {2}bash /m)
    expect(after).toMatch(new RegExp(`^ii {2}mawk:${arch} `, 'm'))
    expect(before).toMatch(/^ii {2}mawk /m)
    expect(after).toMatch(/^ii {2}metal-diff-lib:i386 +2\.0 +i386 /m)
  })

  test('diffPackages finds exactly the changes made', () => {
    const v = (name: string) => version.get(name)!
    expect(diffPackages(before, after)).toEqual({
      kind: 'dpkg',
      added: [
        { name: 'metal-diff-lib:i386', version: '2.0' },
        { name: 'metal-diff-test', version: '1.0-1' },
      ],
      removed: [
        { name: 'gpgv', version: v('gpgv') },
        { name: 'libsemanage-common', version: v('libsemanage-common') },
      ],
      upgraded: [
        { name: 'apt', from: v('apt'), to: `${v('apt')}+fake1` },
        // Now Multi-Arch: same, so listed under a new name: still the same package.
        { name: `grep:${arch}`, from: v('grep'), to: `${v('grep')}+fake2` },
        { name: 'hostname', from: v('hostname'), to: `1:${v('hostname')}` },
      ],
      downgraded: [{ name: 'tzdata', from: v('tzdata'), to: `${v('tzdata')}~fake1` }],
      changed: [{ name: 'dash', from: v('dash'), to: v('dash').replace(/^0\.5\.12-/, '0.5.012-') }],
    })
    expect(v('dash')).toMatch(/^0\.5\.12-/)
  })

  test('the other way round, and against itself', () => {
    const forward = diffPackages(before, after)
    const backward = diffPackages(after, before)
    // Under its new name going forward, its old one going back.
    const grep = (d: PackageDiff) =>
      d.downgraded.map((c) => (c.name === `grep:${arch}` ? { ...c, name: 'grep' } : c))
    expect(backward).toEqual({ ...reversed(forward), downgraded: grep(reversed(forward)) })
    expect(diffPackages(before, before)).toEqual({
      kind: 'dpkg',
      added: [],
      removed: [],
      upgraded: [],
      downgraded: [],
      changed: [],
    })
    // An image that had no packages before: everything is new.
    expect(diffPackages('', before).added).toHaveLength(parsePackageList(before).size)
  })

  test('the summary section', () => {
    const md = formatPackageDiff(diffPackages(before, after), { since: 'debian-12.0.20261120' })
    expect(md.split('\n').slice(0, 5)).toEqual([
      '### Package changes',
      '',
      '2 added, 2 removed, 3 upgraded, 1 downgraded, 1 changed since debian-12.0.20261120.',
      '',
      '| Change | Package | From | To |',
    ])
    expect(md).toContain(
      `| downgraded | \`tzdata\` | \`${version.get('tzdata')}\` | \`${version.get('tzdata')}~fake1\` |`,
    )
  })
})
