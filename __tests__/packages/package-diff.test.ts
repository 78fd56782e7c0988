import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  compareDebianVersions,
  compareRpmEvr,
  compareRpmVersions,
} from '../../src/packages/version-compare.ts'
import {
  diffPackages,
  formatPackageDiff,
  PackageListError,
  parsePackageEntries,
  parsePackageList,
  type PackageDiff,
} from '../../src/packages/package-diff.ts'
import { requireTool } from '../helpers/env.ts'

const haveDpkg = requireTool('dpkg', 'apt-get install dpkg')
const haveRpm =
  requireTool('rpm', 'apt-get install rpm') &&
  requireTool('rpmbuild', 'apt-get install rpm') &&
  requireTool('gpg', 'apt-get install gpg')

const work = mkdtempSync(join(tmpdir(), 'package-diff-test-'))
afterAll(() => {
  // makeKey's gpg started an agent for its home directory; it would outlive the test otherwise.
  if (existsSync(join(work, 'gnupg'))) spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...rpmEnv() } })
  rmSync(work, { recursive: true, force: true })
})

// The *.expected files are what dpkg-query 1.21.22 printed for the *.status files next to them.
const dpkgFixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../fixtures/dpkg/${name}.expected`, import.meta.url)), 'utf8')

const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0)

// --- Reading packages.txt -------------------------------------------------------------------------------

describe('parsePackageList reads dpkg -l output', () => {
  test('every listed status but config-files, keyed by the name dpkg prints', () => {
    const list = parsePackageList(dpkgFixture('mixed'))
    expect(Object.fromEntries(list)).toEqual({
      adduser: '3.134',
      'anyarch:any': '1.0',
      bash: '5.2.15-2+b2',
      'blank-in-value': '1.0',
      // Half-installed with no version: dpkg prints <none>.
      broken: '<none>',
      'custom-fields': '1.0+dfsg-1~bpo12+1',
      dpkg: '1.21.22',
      emptydesc: '1.0',
      'epoch-colon': '1:2:3',
      'epoch-padded': '7:1.0',
      'epoch-zero-colon': '0:2:3-1',
      halfconf: '3.0',
      held: '2.0',
      'libc6:amd64': '2.36-9+deb12u4',
      'libc6:arm64': '2.36-9+deb12u4',
      'libc6:i386': '2.36-9+deb12u4',
      'libpam-runtime': '1:1.5.2-6+deb12u1',
      'mixedcase-name': '1.0',
      noarch: '1.0',
      nodesc: '1.0',
      'obsolete-revision': '2.0-1-5',
      // `pi` and `ri`: selected for purge or removal, still installed.
      purging: '2.0',
      'qemu-helper:arm64': '1.0',
      removing: '2.0',
      spaced: '4.5-6',
      tabbed: '1.0',
      'trig-await': '1.0',
      'trig-pend': '1.0',
      unicode: '1.0',
      'unpacked-only': '3.0',
      'utf8-then-tab': '1.0',
      'wine32:i386': '8.0~repack-4',
    })
    // `rc  oldpkg`: removed, only its configuration files are left.
    expect(dpkgFixture('mixed')).toMatch(/^rc {2}oldpkg /m)
    expect(list.has('oldpkg')).toBe(false)
  })

  test('entries carry the bare name and the Architecture column', () => {
    const { kind, packages } = parsePackageEntries(dpkgFixture('mixed'))
    expect(kind).toBe('dpkg')
    expect(packages.find((p) => p.key === 'libc6:i386')).toEqual({
      key: 'libc6:i386',
      name: 'libc6',
      arch: 'i386',
      version: '2.36-9+deb12u4',
    })
    expect(packages.find((p) => p.key === 'noarch')?.arch).toBeNull()
  })

  test.each([
    [
      'long',
      {
        'a-package-with-a-really-extraordinarily-long-name-for-testing-widths':
          '1:2.3.4.5.6.7.8.9.10.11.12.13.14.15~really1.2.3+dfsg-1ubuntu0.24.04.1~ppa1',
        'b:a-very-long-architecture-name': '1',
        c: '1',
      },
    ],
    [
      // Columns are padded in bytes: non-ASCII values are wider in bytes than in characters, and a control
      // character cuts a version short.
      'nonascii-fields',
      {
        'ctrl-version': '1.0',
        dpkg: '1.22.6ubuntu6',
        'odd-arch:ärch': '1.0',
        'odd-version': '1.0~ñandú-beta1',
      },
    ],
    ['edge-bytes', { 'crlf-single': '1.0-1', 'nul-in-description': '1.0' }],
    ['not-installed-only', {}],
    ['empty', {}],
  ])('%s', (name, expected) => {
    expect(Object.fromEntries(parsePackageList(dpkgFixture(name)))).toEqual(expected)
  })

  test('a version dpkg cut to nothing stays in its column', () => {
    const text = [
      ...dpkgFixture('long').split('\n').slice(0, 3),
      '||/ Name           Version      Architecture Description',
      '+++-==============-============-============-===========',
      'ii  cut-version                 amd64        a version starting with a control character',
      'ii  next           1.0          amd64        ok',
      '',
    ].join('\n')
    expect(Object.fromEntries(parsePackageList(text))).toEqual({ 'cut-version': '', next: '1.0' })
  })
})

describe('parsePackageList reads rpm -qa output', () => {
  test.each([
    ['bash-5.1.8-9.el9.x86_64', 'bash.x86_64', 'bash', 'x86_64', '5.1.8-9.el9'],
    // Dashes in the name; the version and release never have one.
    [
      'python3-dnf-plugins-core-4.3.0-13.el9.noarch',
      'python3-dnf-plugins-core.noarch',
      'python3-dnf-plugins-core',
      'noarch',
      '4.3.0-13.el9',
    ],
    ['glibc-2.34-100.el9_4.2.i686', 'glibc.i686', 'glibc', 'i686', '2.34-100.el9_4.2'],
    [
      'beta-lib-1.0~rc1^git2+x_y-0.1_2+b~3.s390x',
      'beta-lib.s390x',
      'beta-lib',
      's390x',
      '1.0~rc1^git2+x_y-0.1_2+b~3',
    ],
    ['lib.plus++_x-2024.01.15-1.aarch64', 'lib.plus++_x.aarch64', 'lib.plus++_x', 'aarch64', '2024.01.15-1'],
    // A header without an arch; the release is a hex timestamp.
    ['gpg-pubkey-fd431d51-4ae0493b', 'gpg-pubkey', 'gpg-pubkey', null, 'fd431d51-4ae0493b'],
  ])('%s', (line, key, name, arch, version) => {
    expect(parsePackageEntries(`${line}\n`)).toEqual({
      kind: 'rpm',
      packages: [{ key, name, arch, version }],
    })
  })

  test('several instances of one package (install-only kernels) keep all their versions', () => {
    const text =
      'kernel-core-5.14.0-503.el9.x86_64\nbash-5.1.8-9.el9.x86_64\nkernel-core-5.14.0-70.el9.x86_64\n'
    expect(Object.fromEntries(parsePackageList(text))).toEqual({
      'kernel-core.x86_64': '5.14.0-70.el9, 5.14.0-503.el9',
      'bash.x86_64': '5.1.8-9.el9',
    })
  })
})

describe('what is not a package list', () => {
  test.each([
    ['free text', 'hello world\n'],
    ['a line with one dash', 'bash-5.1\n'],
    ['a dpkg -l header without its ruler', 'Desired=Unknown/Install/Remove/Purge/Hold\n| Status\n'],
    [
      'a dpkg -l row with flags dpkg does not print',
      dpkgFixture('long').split('\n').slice(0, 5).join('\n') + '\nxx  foo 1 all bar\n',
    ],
  ])('%s', (_name, text) => {
    expect(() => parsePackageList(text)).toThrow(PackageListError)
  })
})

// --- Version order, against the reference tools ---------------------------------------------------------

// [a, b, sign of a - b], as `dpkg --compare-versions` decides.
const DEBIAN_ORDER: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '1.1', -1],
  ['1.10', '1.9', 1],
  ['9', '10', -1],
  ['1.18.0', '1.2.0', 1],
  ['1.0.0', '1.0', 1],
  ['1.00', '1.0', 0],
  ['0.5.12-2', '0.5.012-2', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~', '1.0~~a', 1],
  ['1.0~rc1', '1.0~beta2', 1],
  ['1.0+~', '1.0+', -1],
  ['1.0', '1.0+b1', -1],
  ['1.0', '1.0.1', -1],
  ['1.0a', '1.0', 1],
  ['1.0a', '1.0.', -1],
  ['1.2a', '1.2A', 1],
  ['1.2+', '1.2a', 1],
  ['1.2.3+dfsg-1', '1.2.3-1', 1],
  ['1.2.3+dfsg-1', '1.2.3.1-1', -1],
  ['1.0+really0.9', '1.0', 1],
  ['1:0.1', '2.0', 1],
  ['0:1.0', '1.0', 0],
  ['7:1.0', '07:1.0', 0],
  ['1:2:3', '1:2:4', -1],
  ['1.0-1', '1.0-2', -1],
  ['1.0-1', '1.0', 1],
  ['1.0', '1.0-0', 0],
  ['1.0-0', '1.0-00', 0],
  ['1.0~rc1', '1.0~rc1-1', -1],
  ['1.0-1-5', '1.0-1-4', 1],
  ['2.36-9+deb12u4', '2.36-9+deb12u14', -1],
  ['2.36-9+deb12u4', '2.36-9', 1],
  ['12.2.0-14+deb12u1', '12.2.0-14', 1],
  ['1.2.3-1ubuntu1', '1.2.3-1', 1],
  ['1.2.3-1~bpo12+1', '1.2.3-1', -1],
  ['2026b-0+deb12u1~fake1', '2026b-0+deb12u1', -1],
  ['1:4.13+dfsg1-1+deb12u2', '1:4.13+dfsg1-1+deb12u1', 1],
]

// [a, b, sign of a - b] for rpmvercmp alone: no '-' or ':', which rpm.vercmp would split off.
const RPM_ORDER: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p2', -1],
  ['5.5p10', '5.5p1', 1],
  ['5.5p1', '5.5.1', -1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1],
  ['1.0aa', '1.0a', 1],
  ['1.0a', '1.0.1', -1],
  ['1b.fc17', '1.fc17', -1],
  ['ab', 'ab1', -1],
  ['4.18.0', '4.18.0a', -1],
  ['01', '1', 0],
  ['1_0', '1.0', 0],
  ['1+2', '1.2', 0],
  ['1.0', '1.0.', 0],
  ['1.el9', '1.el9_2', -1],
  ['2.fc38', '10.fc38', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
]

// [a, b, sign of a - b] for [epoch:]version[-release].
const RPM_EVR_ORDER: [string, string, number][] = [
  ['1:1.0-1', '2.0-1', 1],
  ['0:1.0-1', '1.0-1', 0],
  [':1.0-1', '0:1.0-1', 0],
  ['10:1-1', '9:2-1', 1],
  ['1.0-1', '1.0', 1],
  ['1.0-2', '1.0.1-1', -1],
  ['1.0-1-2', '1.0-1-1', 1],
  ['1.0-1.el9', '1.0-1.el9_1', -1],
  ['2.34-100.el9', '2.34-83.el9', 1],
  ['3.0.7-24.el9', '3.0.7-25.el9', -1],
  ['1.0~rc1-1', '1.0-1', -1],
  ...RPM_ORDER,
]

describe('compareDebianVersions', () => {
  test.each(DEBIAN_ORDER)('%s vs %s: %i', (a, b, expected) => {
    expect(sign(compareDebianVersions(a, b))).toBe(expected)
    expect(sign(compareDebianVersions(b, a))).toBe(sign(-expected))
  })

  // dpkg's own answer for every pair: the table above is dpkg's order, not this module's idea of it.
  test.skipIf(!haveDpkg)('the table is what dpkg --compare-versions says', () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }
    const holds = (a: string, op: string, b: string) => {
      const r = spawnSync('dpkg', ['--compare-versions', a, op, b], { env, encoding: 'utf8' })
      if (r.status !== 0 && r.status !== 1)
        throw new Error(`dpkg --compare-versions ${a} ${op} ${b}: ${r.stderr}`)
      return r.status === 0
    }
    const dpkg = DEBIAN_ORDER.map(([a, b]) => [a, b, holds(a, 'lt', b) ? -1 : holds(a, 'eq', b) ? 0 : 1])
    expect(dpkg).toEqual(DEBIAN_ORDER)
  })
})

/** rpm's own comparison of each pair, in one rpm run: rpm.vercmp in rpm's Lua is rpmverCmp on parsed EVRs. */
function rpmVercmp(pairs: readonly [string, string, number][]): [string, string, number][] {
  const lua = pairs.map(([a, b]) => `{[==[${a}]==],[==[${b}]==]}`).join(',')
  const script = `%{lua: for _, p in ipairs({${lua}}) do print(rpm.vercmp(p[1], p[2]) .. ";") end}`
  const r = spawnSync('rpm', ['--eval', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`rpm --eval exited ${r.status}: ${r.stderr}`)
  const results = r.stdout
    .trim()
    .split(';')
    .filter((s) => s !== '')
    .map(Number)
  expect(results).toHaveLength(pairs.length)
  return pairs.map(([a, b], i) => [a, b, sign(results[i]!)])
}

describe('compareRpmVersions and compareRpmEvr', () => {
  test.each(RPM_ORDER)('rpmvercmp %s vs %s: %i', (a, b, expected) => {
    expect(compareRpmVersions(a, b)).toBe(expected)
    expect(compareRpmVersions(b, a)).toBe(sign(-expected))
  })

  test.each(RPM_EVR_ORDER)('EVR %s vs %s: %i', (a, b, expected) => {
    expect(compareRpmEvr(a, b)).toBe(expected)
    expect(compareRpmEvr(b, a)).toBe(sign(-expected))
  })

  test.skipIf(!haveRpm)('the tables are what rpm says', () => {
    expect(rpmVercmp(RPM_EVR_ORDER)).toEqual(RPM_EVR_ORDER)
  })
})

// --- rpm -qa listings from a database rpm itself wrote ---------------------------------------------------

interface Spec {
  name: string
  version: string
  release: string
  epoch?: number
  noarch: boolean
  target?: string
}

const rpmEnv = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: work,
  GNUPGHOME: join(work, 'gnupg'),
})

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { env: rpmEnv(), encoding: 'utf8' })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** Builds each spec with rpmbuild; returns the .rpm file of each, by `name-version`. */
function buildRpms(specs: Spec[]): Map<string, string> {
  const top = join(work, 'rpmbuild')
  const defines = [
    ['_topdir', top],
    ['_tmppath', work],
    ['_build_id_links', 'none'],
    ['__os_install_post', '%{nil}'],
  ].flatMap(([name, value]) => ['--define', `${name} ${value}`])
  const built = new Map<string, string>()
  for (const s of specs) {
    const id = `${s.name}-${s.version}${s.target ? `.${s.target}` : ''}`
    const dir = join(top, 'SPECS')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `${id}.spec`)
    writeFileSync(
      file,
      [
        '%define debug_package %{nil}',
        `Name: ${s.name}`,
        `Version: ${s.version}`,
        `Release: ${s.release}`,
        s.epoch === undefined ? '' : `Epoch: ${s.epoch}`,
        'License: MIT',
        'Summary: a package for the package diff tests',
        s.noarch ? 'BuildArch: noarch' : '',
        '%description',
        'Made by __tests__/package-diff.test.ts.',
        '%install',
        `mkdir -p %{buildroot}/usr/share/${id}`,
        `echo ${id} > %{buildroot}/usr/share/${id}/file`,
        '%files',
        `/usr/share/${id}/file`,
        '',
      ].join('\n'),
    )
    const rpmsDir = join(top, 'RPMS')
    const seen = new Set(listRpms(rpmsDir))
    run('rpmbuild', [...defines, ...(s.target ? ['--target', s.target] : []), '-bb', file])
    const fresh = listRpms(rpmsDir).filter((f) => !seen.has(f))
    if (fresh.length !== 1) throw new Error(`rpmbuild of ${id} made ${fresh.length} packages`)
    built.set(id, fresh[0]!)
  }
  return built
}

function listRpms(dir: string): string[] {
  let arches: string[]
  try {
    arches = readdirSync(dir)
  } catch {
    return []
  }
  return arches.flatMap((a) => readdirSync(join(dir, a)).map((f) => join(dir, a, f)))
}

/** A throw-away OpenPGP key, exported for rpm --import. */
function makeKey(uid: string): string {
  mkdirSync(join(work, 'gnupg'), { recursive: true, mode: 0o700 })
  run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', uid, 'rsa2048', 'sign', 'never'])
  const file = join(work, `${uid.replace(/\W+/g, '_')}.asc`)
  writeFileSync(file, run('gpg', ['--batch', '--armor', '--export', uid]))
  return file
}

describe.skipIf(!haveRpm)('two real rpm -qa listings from one rpm database', () => {
  let before: string
  let after: string
  let hostArch: string
  let keys: string[]

  beforeAll(() => {
    const root = join(work, 'root')
    mkdirSync(root, { recursive: true })
    const rpm = (...args: string[]) => run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args])
    const install = (...files: string[]) =>
      rpm('-i', '--nodeps', '--justdb', '--ignorearch', '--nosignature', ...files)
    const upgrade = (...files: string[]) =>
      rpm('-U', '--oldpackage', '--nodeps', '--justdb', '--ignorearch', '--nosignature', ...files)

    hostArch = run('rpm', ['--eval', '%{_arch}']).trim()
    const pkg = buildRpms([
      { name: 'foo', version: '1.0', release: '1', noarch: false },
      { name: 'foo', version: '1.1', release: '1', noarch: false },
      { name: 'multi', version: '2.0', release: '1', noarch: false },
      { name: 'multi', version: '2.0', release: '1', noarch: false, target: 'i686' },
      { name: 'bar-baz', version: '2.0', release: '1', noarch: true },
      { name: 'bar-baz', version: '2.0~rc1', release: '1', noarch: true },
      { name: 'gone', version: '1', release: '1', noarch: true },
      { name: 'new', version: '0.1', release: '1', noarch: true },
      { name: 'kern', version: '1', release: '1', noarch: false },
      { name: 'kern', version: '2', release: '1', noarch: false },
      { name: 'ep', version: '1.0', release: '1', epoch: 1, noarch: true },
      { name: 'ep', version: '0.9', release: '1', epoch: 2, noarch: true },
    ])
    const file = (id: string) => pkg.get(id)!
    const keyFiles = [makeKey('One <one@example.invalid>'), makeKey('Two <two@example.invalid>')]

    rpm('--define', '_db_backend sqlite', '--initdb')
    install(
      ...['foo-1.0', 'multi-2.0', 'multi-2.0.i686', 'bar-baz-2.0', 'gone-1', 'kern-1', 'ep-1.0'].map(file),
    )
    rpm('--import', keyFiles[0]!)
    keys = [rpm('-q', 'gpg-pubkey', '--qf', '%{version}-%{release}').trim()]
    before = rpm('-qa')

    upgrade(file('foo-1.1'))
    upgrade(file('bar-baz-2.0~rc1'))
    upgrade(file('ep-0.9'))
    rpm('-e', '--nodeps', '--justdb', 'gone', 'multi.i686', `gpg-pubkey-${keys[0]}`)
    install(file('new-0.1'), file('kern-2'))
    rpm('--import', keyFiles[1]!)
    keys.push(rpm('-q', 'gpg-pubkey', '--qf', '%{version}-%{release}').trim())
    after = rpm('-qa')
  })

  test('diffPackages finds exactly the changes made', () => {
    expect(before).toContain(`multi-2.0-1.i686\n`)
    expect(after).toMatch(/^gpg-pubkey-[0-9a-f]{8}-[0-9a-f]{8}$/m)
    expect(diffPackages(before, after)).toEqual({
      kind: 'rpm',
      added: [
        // Another key, not a newer version of the old one.
        { name: 'gpg-pubkey', version: keys[1] },
        // An install-only package keeps its old version beside the new one.
        { name: `kern.${hostArch}`, version: '2-1' },
        { name: 'new.noarch', version: '0.1-1' },
      ],
      removed: [
        { name: 'gone.noarch', version: '1-1' },
        { name: 'gpg-pubkey', version: keys[0] },
        { name: 'multi.i686', version: '2.0-1' },
      ],
      upgraded: [{ name: `foo.${hostArch}`, from: '1.0-1', to: '1.1-1' }],
      downgraded: [
        { name: 'bar-baz.noarch', from: '2.0-1', to: '2.0~rc1-1' },
        // Really an upgrade from epoch 1 to 2, but rpm -qa prints no epochs: packages.txt cannot tell.
        { name: 'ep.noarch', from: '1.0-1', to: '0.9-1' },
      ],
      changed: [],
    })
    expect(parsePackageList(after).get(`kern.${hostArch}`)).toBe('1-1, 2-1')
  })
})

// --- The job summary ------------------------------------------------------------------------------------

describe('formatPackageDiff', () => {
  const diff: PackageDiff = {
    kind: 'dpkg',
    added: [{ name: 'libfoo1:amd64', version: '1.0~rc1-1' }],
    removed: [{ name: 'oldpkg', version: '<none>' }],
    upgraded: [
      { name: 'bash', from: '5.2.15-2+b2', to: '5.2.15-2+b13' },
      { name: 'odd', from: '1|2', to: '1`3' },
    ],
    downgraded: [],
    changed: [],
  }

  test('a count line and a table, versions as code so ~, <none> and | show as they are', () => {
    expect(formatPackageDiff(diff, { since: 'debian-12.0.20261120' })).toBe(
      [
        '### Package changes',
        '',
        '1 added, 1 removed, 2 upgraded since debian-12.0.20261120.',
        '',
        '| Change | Package | From | To |',
        '| --- | --- | --- | --- |',
        '| added | `libfoo1:amd64` |  | `1.0~rc1-1` |',
        '| removed | `oldpkg` | `<none>` |  |',
        '| upgraded | `bash` | `5.2.15-2+b2` | `5.2.15-2+b13` |',
        '| upgraded | `odd` | `1\\|2` | `` 1`3 `` |',
        '',
      ].join('\n'),
    )
  })

  test('capped at max rows; upgrades are what the cap leaves out first', () => {
    const md = formatPackageDiff(diff, { max: 2, heading: '' })
    expect(md).toBe(
      [
        '1 added, 1 removed, 2 upgraded since the previous version.',
        '',
        '| Change | Package | From | To |',
        '| --- | --- | --- | --- |',
        '| added | `libfoo1:amd64` |  | `1.0~rc1-1` |',
        '| removed | `oldpkg` | `<none>` |  |',
        '',
        '… and 2 more.',
        '',
      ].join('\n'),
    )
  })

  test('nothing changed', () => {
    const none = diffPackages(dpkgFixture('mixed'), dpkgFixture('mixed'))
    expect(formatPackageDiff(none, { since: 'debian-12.0.20261120', heading: '' })).toBe(
      'No packages added, removed or changed since debian-12.0.20261120.\n',
    )
  })
})
