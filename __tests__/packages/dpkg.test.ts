import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import {
  countListed,
  formatDpkgList,
  formatDpkgListBytes,
  inferDpkgNativeArch,
} from '../../src/packages/dpkg/list.ts'
import { DpkgParseError, type DpkgPackage, type DpkgUpdateFile } from '../../src/packages/dpkg/types.ts'
import { parseDpkgStatus } from '../../src/packages/dpkg/parse.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/dpkg/', import.meta.url))
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name))

// The *.expected files were written by dpkg-query 1.21.22 (Debian 12, amd64) from the *.status next to them.
const FIXTURE_NAMES = [
  'mixed',
  'long',
  'edge-bytes',
  'latin1',
  'nonascii-fields',
  'empty',
  'not-installed-only',
]
const FIXTURE_ARCH = 'amd64'

// --- The real dpkg-query, when this machine has one -------------------------------------------------------

const haveDpkg = !spawnSync('dpkg-query', ['--version']).error
const requireDpkg = process.env.CI === 'true'
const skipReal = !haveDpkg && !requireDpkg
const realSuffix = skipReal ? ' (SKIPPED: dpkg-query is not installed; CI=true makes this a failure)' : ''
const hostArch = haveDpkg
  ? spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim()
  : ''
// docker run gives dpkg no LANG and no COLUMNS; a minimal environment also keeps DPKG_ROOT/DPKG_ADMINDIR out.
const dpkgEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }

interface DpkgRun {
  status: number | null
  stdout: Buffer
  stderr: string
  admindir: string
}

/** `dpkg-query -l` on a throw-away admin directory holding this status file (stdout is a pipe). */
function realDpkgList(status: string | Uint8Array, updates: readonly DpkgUpdateFile[] = []): DpkgRun {
  if (!haveDpkg)
    throw new Error('dpkg-query is not installed, and CI=true requires the real-dpkg comparisons')
  const admindir = mkdtempSync(join(tmpdir(), 'dpkg-list-'))
  try {
    mkdirSync(join(admindir, 'updates'))
    mkdirSync(join(admindir, 'info'))
    writeFileSync(join(admindir, 'status'), status)
    for (const u of updates) writeFileSync(join(admindir, 'updates', u.name), u.data)
    const r = spawnSync('dpkg-query', [`--admindir=${admindir}`, '-l'], { env: dpkgEnv })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('latin1'), admindir }
  } finally {
    rmSync(admindir, { recursive: true, force: true })
  }
}

/** Our warnings as dpkg-query prints them on stderr. */
const asStderr = (warnings: string[]): string => warnings.map((w) => `dpkg-query: warning: ${w}\n`).join('')

function ours(status: string | Uint8Array, admindir: string, nativeArch: string, updates?: DpkgUpdateFile[]) {
  const warnings: string[] = []
  const pkgs = parseDpkgStatus(status, {
    filename: join(admindir, 'status'),
    nativeArch,
    onWarning: (w) => warnings.push(w),
    updates,
  })
  return { pkgs, warnings, out: formatDpkgListBytes(pkgs, { nativeArch }) }
}

// --- Fixtures: recorded dpkg output, and the live dpkg-query ----------------------------------------------

describe('fixtures against recorded dpkg 1.21.22 output', () => {
  test.each(FIXTURE_NAMES)('%s', (name) => {
    const pkgs = parseDpkgStatus(fixture(`${name}.status`))
    const expected = fixture(`${name}.expected`)
    expect(formatDpkgListBytes(pkgs, { nativeArch: FIXTURE_ARCH }).toString('latin1')).toBe(
      expected.toString('latin1'),
    )
    // The fixtures carry a dpkg package of the recorded architecture, so inference gives the same answer.
    expect(formatDpkgListBytes(pkgs).equals(expected)).toBe(true)
    const lines = expected.length ? expected.toString('latin1').split('\n').length - 1 - 5 : 0
    expect(countListed(pkgs)).toBe(lines)
  })
})

describe(`fixtures against the live dpkg-query${realSuffix}`, () => {
  test.skipIf(skipReal).each(FIXTURE_NAMES)('%s: same stdout and same warnings', (name) => {
    const status = fixture(`${name}.status`)
    const real = realDpkgList(status)
    expect(real.status).toBe(0)
    const mine = ours(status, real.admindir, hostArch)
    expect(mine.out.toString('latin1')).toBe(real.stdout.toString('latin1'))
    expect(asStderr(mine.warnings)).toBe(real.stderr)
  })
})

describe('what the fixtures exercise', () => {
  const mixed = parseDpkgStatus(fixture('mixed.status'))
  const text = formatDpkgList(mixed, { nativeArch: 'amd64' })
  const line = (name: string) => text.split('\n').find((l) => l.slice(4).startsWith(`${name} `))

  test('header and column widths grow with the widest value', () => {
    const lines = text.split('\n')
    expect(lines.slice(0, 3)).toEqual([
      'Desired=Unknown/Install/Remove/Purge/Hold',
      '| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend',
      '|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)',
    ])
    expect(lines[3]).toBe(`||/ ${'Name'.padEnd(17)} ${'Version'.padEnd(18)} Architecture Description`)
    expect(lines[4]).toBe(`+++-${'='.repeat(17)}-${'='.repeat(18)}-${'='.repeat(12)}-${'='.repeat(60)}`)
  })

  test('architecture qualifiers: Multi-Arch: same always, foreign architectures, never native or all', () => {
    expect(line('libc6:amd64')).toMatch(/^ii {2}libc6:amd64 +2\.36-9\+deb12u4 +amd64 +GNU C Library/)
    expect(line('libc6:i386')).toBeDefined()
    expect(line('wine32:i386')).toBeDefined()
    expect(line('qemu-helper:arm64')).toBeDefined()
    expect(line('anyarch:any')).toBeDefined()
    expect(line('adduser')).toMatch(/ all +add and remove users and groups$/)
    // Sorted by name, then architecture.
    const names = text
      .split('\n')
      .slice(5, -1)
      .map((l) => l.slice(4).split(' ')[0])
    expect(names.indexOf('libc6:amd64')).toBeLessThan(names.indexOf('libc6:arm64'))
    expect(names.indexOf('libc6:arm64')).toBeLessThan(names.indexOf('libc6:i386'))
  })

  test('state letters', () => {
    expect(line('oldpkg')?.slice(0, 3)).toBe('rc ')
    expect(line('removing')?.slice(0, 3)).toBe('ri ')
    expect(line('purging')?.slice(0, 3)).toBe('pi ')
    expect(line('held')?.slice(0, 3)).toBe('hi ')
    expect(line('broken')?.slice(0, 3)).toBe('iHR')
    expect(line('unpacked-only')?.slice(0, 3)).toBe('iU ')
    expect(line('halfconf')?.slice(0, 3)).toBe('iFR')
    expect(line('trig-pend')?.slice(0, 3)).toBe('it ')
    expect(line('trig-await')?.slice(0, 3)).toBe('iW ')
  })

  test('not-installed instances are known but not listed', () => {
    for (const name of ['gone', 'wanted', 'unknown-selection', 'reinst-not-installed']) {
      expect(mixed.find((p) => p.name === name)?.status).toBe('not-installed')
      expect(line(name)).toBeUndefined()
    }
    expect(countListed(mixed)).toBe(mixed.length - 4)
  })

  test('versions: epoch 0 hidden unless the version has a colon, leading zeros dropped', () => {
    expect(line('bash')).toContain(' 5.2.15-2+b2 ')
    expect(line('libpam-runtime')).toContain(' 1:1.5.2-6+deb12u1 ')
    expect(line('epoch-padded')).toContain(' 7:1.0 ')
    expect(line('epoch-zero-colon')).toContain(' 0:2:3-1 ')
    expect(line('epoch-colon')).toContain(' 1:2:3 ')
    expect(line('obsolete-revision')).toContain(' 2.0-1-5 ')
  })

  test('missing values: <none>, <empty>, (no description available), empty synopsis', () => {
    expect(line('broken')).toMatch(/^iHR broken +<none> +<empty> +\(no description available\)$/)
    expect(line('noarch')).toMatch(/ 1\.0 +<empty> +no Architecture field$/)
    // printf("%-*s %s") with an empty description leaves the separating space.
    expect(line('nodesc')).toMatch(/ amd64 {8}$/)
    expect(line('emptydesc')).toMatch(/ amd64 {8}$/)
  })

  test('the C locale: control characters end the synopsis unless a non-ASCII byte comes first', () => {
    expect(line('tabbed')).toMatch(/ amd64 +before$/)
    expect(line('utf8-then-tab')).toMatch(/ é before\tafter: a non-ASCII byte first keeps the whole line$/)
    expect(line('unicode')).toMatch(/ naïve café — 日本語 ✓ under the C locale$/)
  })

  test('case-insensitive field names and Status words; names are lower-cased', () => {
    expect(line('mixedcase-name')).toMatch(/^ii {2}mixedcase-name /)
  })

  test('a whitespace-only continuation line is only a warning, leading/trailing blanks are trimmed', () => {
    expect(line('blank-in-value')).toBeDefined()
    expect(line('spaced')).toMatch(
      /^ii {2}spaced +4\.5-6 +amd64 +leading and trailing blanks are not part of values$/,
    )
  })
})

// --- The API -----------------------------------------------------------------------------------------------

describe('parseDpkgStatus', () => {
  test('package fields', () => {
    const [pkg, ...rest] = parseDpkgStatus(
      'Package: Foo\nStatus: hold reinstreq unpacked\nArchitecture: i386\nMulti-Arch: Same\n' +
        'Version: 0:1.2-3\nMaintainer: x\nDescription: first line\n second line\n',
    )
    expect(rest).toEqual([])
    expect(pkg).toEqual({
      name: 'foo',
      architecture: 'i386',
      multiArch: 'same',
      want: 'hold',
      eflag: 'reinstreq',
      status: 'unpacked',
      version: '1.2-3',
      synopsis: 'first line',
    } satisfies DpkgPackage)
  })

  test('defaults of a stanza without Status, Architecture, Version or Description', () => {
    expect(parseDpkgStatus('Package: sel\n')).toEqual([
      {
        name: 'sel',
        architecture: '',
        multiArch: 'no',
        want: 'unknown',
        eflag: 'ok',
        status: 'not-installed',
        version: null,
        synopsis: null,
      },
    ])
  })

  test('an installed package without Description gets an empty one and a warning', () => {
    const warnings: string[] = []
    const [pkg] = parseDpkgStatus(
      'Package: a\nStatus: install ok installed\nMaintainer: x\nArchitecture: all\nVersion: 1\n',
      { onWarning: (w) => warnings.push(w) },
    )
    expect(pkg?.synopsis).toBe('')
    expect(warnings).toEqual([
      "parsing file '/var/lib/dpkg/status' near line 6 package 'a':\n missing 'Description' field",
    ])
  })

  test('accepts a string or bytes, CRLF in a single stanza, and empty input', () => {
    const crlf =
      'Package: a\r\nStatus: install ok installed\r\nMaintainer: x\r\nArchitecture: all\r\nVersion: 1\r\n'
    expect(parseDpkgStatus(crlf)[0]?.version).toBe('1')
    expect(parseDpkgStatus(Buffer.from(crlf))[0]?.name).toBe('a')
    expect(parseDpkgStatus('')).toEqual([])
    expect(parseDpkgStatus(new Uint8Array())).toEqual([])
  })

  test('a later stanza for the same instance replaces the earlier one', () => {
    const stanza = (status: string, version: string) =>
      `Package: lib\nStatus: ${status}\nMaintainer: x\nArchitecture: amd64\nMulti-Arch: same\nVersion: ${version}\nDescription: d\n`
    const pkgs = parseDpkgStatus(
      [stanza('install ok installed', '1'), stanza('install ok unpacked', '2')].join('\n'),
    )
    expect(pkgs).toHaveLength(1)
    expect(pkgs[0]).toMatchObject({ status: 'unpacked', version: '2' })
  })
})

describe('formatDpkgList', () => {
  const pkg = (p: Partial<DpkgPackage> & { name: string }): DpkgPackage => ({
    architecture: 'amd64',
    multiArch: 'no',
    want: 'install',
    eflag: 'ok',
    status: 'installed',
    version: '1.0',
    synopsis: 'synopsis',
    ...p,
  })

  test('nothing listed prints nothing at all (not even the header)', () => {
    expect(formatDpkgList([])).toBe('')
    expect(formatDpkgList([pkg({ name: 'a', status: 'not-installed' })])).toBe('')
    expect(countListed([pkg({ name: 'a', status: 'not-installed' })])).toBe(0)
  })

  test('hand-built packages, sorted by name then architecture', () => {
    const out = formatDpkgList(
      [
        pkg({ name: 'zz', synopsis: null, version: null, architecture: '' }),
        pkg({ name: 'b', architecture: 'i386', multiArch: 'same' }),
        pkg({ name: 'b', multiArch: 'same' }),
        pkg({ name: 'a', want: 'purge', status: 'config-files' }),
      ],
      { nativeArch: 'amd64' },
    )
    expect(out).toBe(
      [
        'Desired=Unknown/Install/Remove/Purge/Hold',
        '| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend',
        '|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)',
        '||/ Name           Version      Architecture Description',
        '+++-==============-============-============-=================================',
        'pc  a              1.0          amd64        synopsis',
        'ii  b:amd64        1.0          amd64        synopsis',
        'ii  b:i386         1.0          i386         synopsis',
        'ii  zz             <none>       <empty>      (no description available)',
        '',
      ].join('\n'),
    )
  })

  test('the sort puts an unqualified instance before qualified ones of the same name', () => {
    // Only reachable with hand-built lists: dpkg refuses databases that mix these (see the error cases).
    const out = formatDpkgList([pkg({ name: 'b', architecture: 'i386' }), pkg({ name: 'b' })], {
      nativeArch: 'amd64',
    })
    expect(
      out
        .split('\n')
        .slice(5, 7)
        .map((l) => l.split(' ')[2]),
    ).toEqual(['b', 'b:i386'])
  })

  test('widths in the C locale: bytes for non-ASCII values, -1 and a cut for control characters', () => {
    const text = fixture('nonascii-fields.expected').toString('utf8')
    expect(text).toContain('\nii  odd-arch:ärch 1.0               ärch        so is')
    expect(text).toContain('\nii  odd-version    1.0~ñandú-beta1 amd64        a version')
    expect(text).toContain('\nii  ctrl-version   1.0               amd64        a DEL')
    expect(formatDpkgList(parseDpkgStatus(fixture('nonascii-fields.status')))).toBe(text)
  })

  test('the native architecture decides which names are qualified', () => {
    const pkgs = parseDpkgStatus(fixture('mixed.status'))
    const i386 = formatDpkgList(pkgs, { nativeArch: 'i386' })
    expect(i386).toMatch(/^ii {2}wine32 +8\.0~repack-4 +i386 /m)
    expect(i386).toMatch(/^ii {2}dpkg:amd64 +1\.21\.22 +amd64 /m)
    expect(i386).toMatch(/^ii {2}libc6:i386 /m)
    expect(formatDpkgList(pkgs)).toMatch(/^ii {2}wine32:i386 /m)
  })

  test('bytes that are not UTF-8 come out exactly from formatDpkgListBytes', () => {
    const pkgs = parseDpkgStatus(fixture('latin1.status'))
    const bytes = formatDpkgListBytes(pkgs, { nativeArch: 'amd64' })
    expect(bytes.includes(Buffer.from('caf\xe9 in ISO-8859-1', 'latin1'))).toBe(true)
    expect(bytes.equals(fixture('latin1.expected'))).toBe(true)
    expect(formatDpkgList(pkgs, { nativeArch: 'amd64' })).toContain('caf\ufffd in ISO-8859-1')
    expect(pkgs.find((p) => p.name === 'latin1')?.synopsis).toBe('caf\ufffd in ISO-8859-1, not UTF-8')
  })
})

describe('inferDpkgNativeArch', () => {
  const p = (
    name: string,
    architecture: string,
    status: DpkgPackage['status'] = 'installed',
  ): DpkgPackage => ({
    name,
    architecture,
    multiArch: 'no',
    want: 'install',
    eflag: 'ok',
    status,
    version: '1',
    synopsis: '',
  })

  test('the installed dpkg package decides', () => {
    expect(inferDpkgNativeArch([p('a', 'i386'), p('b', 'i386'), p('dpkg', 'arm64')])).toBe('arm64')
    expect(inferDpkgNativeArch(parseDpkgStatus(fixture('mixed.status')))).toBe('amd64')
  })

  test('without one, the most common concrete architecture; nothing when there is none', () => {
    expect(inferDpkgNativeArch([p('dpkg', 'arm64', 'not-installed'), p('a', 'i386'), p('b', 'all')])).toBe(
      'i386',
    )
    expect(inferDpkgNativeArch([p('a', 'all'), p('b', '')])).toBeUndefined()
    expect(inferDpkgNativeArch([])).toBeUndefined()
  })
})

// --- Databases dpkg refuses ---------------------------------------------------------------------------------

const INSTALLED =
  'Status: install ok installed\nMaintainer: x\nArchitecture: amd64\nVersion: 1.0\nDescription: d\n'
const as = (status: string) => INSTALLED.replace('install ok installed', status)
const ERROR_CASES: [string, string, string][] = [
  [
    'duplicate field',
    'Package: foo\nStatus: install ok installed\nPackage: bar\n',
    "duplicate value for 'Package'",
  ],
  [
    'CRLF between stanzas',
    'Package: a\r\nStatus: install ok installed\r\nMaintainer: x\r\nArchitecture: amd64\r\nVersion: 1\r\n' +
      'Description: d\r\n\r\nPackage: b\r\nStatus: install ok installed\r\n',
    "duplicate value for 'Package'",
  ],
  ['no Package', INSTALLED, "missing 'Package' field"],
  ['illegal name', `Package: -foo\n${INSTALLED}`, 'must start with an alphanumeric character'],
  ['illegal name character', `Package: foo!bar\n${INSTALLED}`, "character '!' not allowed"],
  ['bad want', 'Package: foo\nStatus: instal ok installed\n', "first (want) word in 'Status' field"],
  ['status junk', 'Package: foo\nStatus: install ok installedx\n', 'has trailing junk'],
  ['status word missing', 'Package: foo\nStatus: install ok\n', 'is missing a value'],
  [
    'installed without Version',
    `Package: foo\n${INSTALLED.replace('Version: 1.0\n', '')}`,
    "missing 'Version'",
  ],
  ['version with spaces', 'Package: foo\nVersion: 1.0 2\n', 'version string has embedded spaces'],
  ['epoch without digits', 'Package: foo\nVersion: a:1\n', 'epoch in version is empty'],
  ['epoch not a number', 'Package: foo\nVersion: 1a:1\n', 'epoch in version is not number'],
  ['nothing after the epoch', 'Package: foo\nVersion: 1:\n', 'nothing after colon in version number'],
  ['empty revision', 'Package: foo\nVersion: 1.0-\n', 'revision number is empty'],
  ['empty upstream version', 'Package: foo\nVersion: -1\n', 'version number is empty'],
  ['empty epoch', 'Package: foo\nVersion: :1\n', 'epoch in version is empty'],
  ['negative epoch', 'Package: foo\nVersion: -1:1\n', 'epoch in version is negative'],
  ['huge epoch', 'Package: foo\nVersion: 99999999999:1\n', 'epoch in version is too big'],
  [
    'empty Version',
    'Package: foo\nStatus: install reinstreq half-installed\nVersion:\nMaintainer: x\n',
    'empty',
  ],
  [
    'Multi-Arch: same, Architecture: all',
    `Package: foo\nMulti-Arch: same\n${INSTALLED.replace('amd64', 'all')}`,
    "is architecture 'all'",
  ],
  [
    'Multi-Arch: same without Architecture',
    `Package: foo\nMulti-Arch: same\n${INSTALLED.replace('Architecture: amd64\n', '')}`,
    'but is missing architecture',
  ],
  ['bad Multi-Arch', 'Package: foo\nMulti-Arch: sometimes\n', 'quadstate'],
  ['bad Essential', 'Package: foo\nEssential: maybe\n', 'boolean (yes/no)'],
  ['Filename in status', 'Package: foo\nFilename: pool/f/foo.deb\n', 'not allowed in status file'],
  ['empty Size', 'Package: foo\nSize:\nStatus: install ok installed\n', "empty archive details 'Size'"],
  [
    'Config-Version when installed',
    `Package: foo\nConfig-Version: 1.0\n${INSTALLED}`,
    "'Config-Version' field",
  ],
  [
    'triggers-pending without triggers',
    `Package: foo\n${as('install ok triggers-pending')}`,
    'no triggers pending',
  ],
  [
    'pending triggers when installed',
    `Package: foo\nTriggers-Pending: ldconfig\n${INSTALLED}`,
    'triggers are pending',
  ],
  [
    'triggers-awaited without triggers',
    `Package: foo\n${as('install ok triggers-awaited')}`,
    'no triggers awaited',
  ],
  [
    'awaited triggers when installed',
    `Package: foo\nTriggers-Awaited: bar\n${INSTALLED}`,
    'triggers are awaited',
  ],
  [
    'duplicate pending trigger',
    `Package: foo\nTriggers-Pending: a a\n${as('install ok triggers-pending')}`,
    'duplicate pending trigger',
  ],
  [
    'illegal awaited trigger',
    `Package: foo\nTriggers-Awaited: -bar\n${as('install ok triggers-awaited')}`,
    'illegal package name in awaited trigger',
  ],
  [
    'two installed single-instance architectures',
    `Package: foo\n${INSTALLED}\nPackage: foo\n${INSTALLED.replace('amd64', 'i386')}`,
    'multiple non-coinstallable package instances',
  ],
  [
    'the same single instance twice',
    `Package: foo\n${INSTALLED}\nPackage: foo\n${INSTALLED}`,
    'non-coinstallable',
  ],
  [
    'mixed Multi-Arch',
    `Package: foo\nMulti-Arch: same\n${INSTALLED}\nPackage: foo\n${INSTALLED.replace('amd64', 'i386')}`,
    'mixed non-coinstallable and coinstallable',
  ],
  [
    'missing final newline',
    'Package: foo\nStatus: install ok installed\nVersion: 1',
    'missing final newline',
  ],
  ['no colon', 'Package foo\n', 'must be followed by colon'],
  ['empty field name', 'Package: foo\n: bar\n', 'empty field name'],
  ['field name with a leading hyphen', 'Package: foo\n-X: y\n', 'cannot start with hyphen'],
  ['one-letter user field', 'Package: foo\nX: y\n', 'too short'],
  ['duplicate user field', 'Package: foo\nX-A: 1\nx-a: 2\n', "duplicate value for user-defined field 'x-a'"],
  ['newline in field name', 'Package: foo\nStatus\nX-A: y\n', 'newline in field name'],
  [
    'Priority with junk',
    'Package: foo\nPriority: optional junk\n',
    "word in 'Priority' field: has trailing junk",
  ],
  ['empty last value', 'Package: foo\nStatus:\n', 'end of file before value'],
  ['end of file after a name', 'Package: foo\nStatus:', "end of file after field name 'Status'"],
]

describe('databases dpkg refuses', () => {
  test.each(ERROR_CASES)('%s', (_name, status, detail) => {
    expect(() => parseDpkgStatus(status)).toThrow(DpkgParseError)
    expect(() => parseDpkgStatus(status)).toThrow(detail)
  })
})

describe(`databases dpkg refuses, against the live dpkg-query${realSuffix}`, () => {
  test.skipIf(skipReal).each(ERROR_CASES)('%s: same error, nothing on stdout', (_name, status) => {
    const real = realDpkgList(status)
    expect(real.status).toBe(2)
    expect(real.stdout.length).toBe(0)
    let message = ''
    try {
      parseDpkgStatus(status, { filename: join(real.admindir, 'status'), nativeArch: hostArch })
    } catch (e) {
      message = `dpkg-query: error: ${(e as Error).message}\n`
    }
    expect(message).toBe(real.stderr.slice(real.stderr.indexOf('dpkg-query: error: ')))
  })
})

// --- The updates journal ------------------------------------------------------------------------------------

const stanza = (name: string, status: string, arch: string, version: string, extra = '') =>
  `Package: ${name}\nStatus: ${status}\nMaintainer: x\nArchitecture: ${arch}\nVersion: ${version}\n${extra}` +
  `Description: ${name} ${version}\n`
const UPDATES_STATUS = [
  stanza('foo', 'install ok installed', 'amd64', '1.0'),
  stanza('baz', 'install ok installed', 'amd64', '1.0'),
  stanza('lib', 'install ok installed', 'amd64', '1.0', 'Multi-Arch: same\n'),
  stanza('gone', 'install ok installed', 'amd64', '1.0'),
].join('\n')
const UPDATES: DpkgUpdateFile[] = [
  {
    name: '0001',
    data: `${stanza('bar', 'install ok unpacked', 'all', '0.1')}\n${stanza('qux', 'install ok installed', 'amd64', '9')}`,
  },
  { name: '0000', data: stanza('foo', 'install reinstreq half-configured', 'amd64', '2.0') },
  { name: '0002', data: stanza('baz', 'install ok installed', 'i386', '1.1') },
  { name: '0003', data: stanza('lib', 'install ok installed', 'i386', '1.0', 'Multi-Arch: same\n') },
  { name: '0004', data: '' },
  { name: '0005', data: stanza('gone', 'purge ok not-installed', 'amd64', '1.0') },
  { name: 'tmp.i', data: 'not a stanza' },
]

describe('the updates journal', () => {
  test('is applied in name order; a single-instance update cross-grades', () => {
    const out = formatDpkgList(parseDpkgStatus(UPDATES_STATUS, { updates: UPDATES }), { nativeArch: 'amd64' })
    expect(out.split('\n').slice(5)).toEqual([
      'iU  bar            0.1          all          bar 0.1',
      'ii  baz:i386       1.1          i386         baz 1.1',
      'iFR foo            2.0          amd64        foo 2.0',
      'ii  lib:amd64      1.0          amd64        lib 1.0',
      'ii  lib:i386       1.0          i386         lib 1.0',
      'ii  qux            9            amd64        qux 9',
      '',
    ])
  })

  test('names of different lengths are refused', () => {
    const updates = [...UPDATES, { name: '12345', data: '' }]
    expect(() => parseDpkgStatus(UPDATES_STATUS, { updates })).toThrow('different length names')
  })

  test.skipIf(skipReal)(`matches dpkg-query${realSuffix}`, () => {
    const real = realDpkgList(UPDATES_STATUS, UPDATES)
    expect(real.status).toBe(0)
    expect(ours(UPDATES_STATUS, real.admindir, hostArch, UPDATES).out.equals(real.stdout)).toBe(true)
  })
})

// --- This machine's own database -------------------------------------------------------------------------

describe(`this machine's dpkg database${realSuffix}`, () => {
  const hasDb = existsSync('/var/lib/dpkg/status')
  test.skipIf(skipReal || (!hasDb && !requireDpkg))('formatDpkgList equals `dpkg -l`', () => {
    const updatesDir = '/var/lib/dpkg/updates'
    const updates = existsSync(updatesDir)
      ? readdirSync(updatesDir).map((name) => ({ name, data: readFileSync(join(updatesDir, name)) }))
      : []
    if (!haveDpkg) throw new Error('dpkg is not installed, and CI=true requires the real-dpkg comparisons')
    const pkgs = parseDpkgStatus(readFileSync('/var/lib/dpkg/status'), { updates })
    const real = spawnSync('dpkg', ['-l'], { env: dpkgEnv })
    expect(real.status).toBe(0)
    // No nativeArch: inferring it from the installed dpkg package must match the real one.
    expect(inferDpkgNativeArch(pkgs)).toBe(hostArch)
    expect(formatDpkgList(pkgs)).toBe(real.stdout.toString('utf8'))
    expect(formatDpkgListBytes(pkgs).equals(real.stdout)).toBe(true)
    expect(countListed(pkgs)).toBe(real.stdout.toString('latin1').split('\n').length - 1 - 5)
  })
})

// --- Size --------------------------------------------------------------------------------------------------

/** A realistic database of n packages, about 1 KB each. */
function syntheticStatus(n: number): string {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const arch = i % 7 === 0 ? 'all' : 'amd64'
    const same = i % 5 === 0 && arch !== 'all'
    out.push(
      `Package: pkg-${i.toString(36)}-${'x'.repeat(i % 23)}\n` +
        `Status: ${i % 97 === 0 ? 'deinstall ok config-files' : 'install ok installed'}\n` +
        `Priority: optional\nSection: libs\nInstalled-Size: ${i * 13}\n` +
        `Maintainer: Some Maintainer <maint${i}@example.org>\nArchitecture: ${arch}\n` +
        (same ? 'Multi-Arch: same\n' : '') +
        `Source: src-${i}\nVersion: ${i % 3 ? `${i % 4}:` : ''}${i}.${i % 10}.${i % 7}-${i % 5}+deb12u${i % 9}\n` +
        `Depends: libc6 (>= 2.34), libfoo${i % 50} (>= 1.${i % 20}), bar | baz (<< ${i})\n` +
        (i % 97 === 0 ? '' : `Conffiles:\n /etc/pkg-${i}/a.conf 0123456789abcdef0123456789abcdef\n`) +
        `Description: synopsis number ${i} ${'word '.repeat(i % 17)}\n` +
        ` ${'Long description text that wraps at about seventy columns or so. '.repeat(8).trim()}\n .\n` +
        ` ${'More paragraphs follow here. '.repeat(6).trim()}\n` +
        `Homepage: https://example.org/${i}\n`,
    )
  }
  return out.join('\n')
}

describe('size', () => {
  const status = Buffer.from(syntheticStatus(1500))

  // Speed is the benchmark's business (npm run bench), not a timed test's.
  test('1500 packages (~1.5 MB) parse and format', () => {
    expect(status.length).toBeGreaterThan(1_000_000)
    const pkgs = parseDpkgStatus(status)
    formatDpkgListBytes(pkgs, { nativeArch: 'amd64' })
    expect(countListed(pkgs)).toBe(1500)
  })

  test.skipIf(skipReal)(`matches dpkg-query${realSuffix}`, () => {
    const real = realDpkgList(status)
    expect(real.status).toBe(0)
    expect(ours(status, real.admindir, hostArch).out.equals(real.stdout)).toBe(true)
  })
})
