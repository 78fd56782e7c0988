import { execFileSync, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { parseInputs } from '../../src/config/parse.ts'
import { runImage } from '../../src/app/run.ts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  formatRpmQa,
  readRpmDb,
  readRpmPackages,
  RPMDB_PATH,
  RPMDB_WAL_PATH,
  type RpmPackage,
} from '../../src/packages/rpm/db.ts'
import { RpmDbError } from '../../src/packages/rpm/error.ts'
import { requireTool } from '../helpers/env.ts'

// Debian's rpm package has rpm, rpmbuild and the sqlite backend (rpm 4.18 on Debian 12).
const haveRpm = requireTool('rpm', 'apt-get install rpm') && requireTool('rpmbuild', 'apt-get install rpm')

const work = mkdtempSync(join(tmpdir(), 'rpm-test-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// As `docker run IMAGE rpm -qa` sees it: no LANG (which would pick I18N strings), no RPM_* settings.
const rpmEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work }

/** rpm against the database under ROOT/var/lib/rpm (Debian's rpm defaults to ~/.rpmdb, hence --dbpath). */
function rpm(root: string, ...args: string[]): { stdout: Buffer; stderr: string } {
  const r = spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { env: rpmEnv })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`rpm ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`)
  return { stdout: r.stdout, stderr: r.stderr.toString() }
}

const rpmQa = (root: string): Buffer => rpm(root, '-qa').stdout
const dbFile = (root: string): string => join(root, RPMDB_PATH)
const readDb = (root: string): Buffer => readFileSync(dbFile(root))

/** A root holding only a copy of this database file (no -wal, no -shm), as a rootfs stream delivers it. */
function rootWith(name: string, db: Uint8Array, wal?: Uint8Array): string {
  const root = join(work, name)
  mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
  writeFileSync(dbFile(root), db)
  if (wal) writeFileSync(join(root, RPMDB_WAL_PATH), wal)
  return root
}

// --- Building packages --------------------------------------------------------------------------------------

interface Spec {
  name: string
  version: string
  release: string
  epoch?: number
  license: string
  noarch: boolean
}

const SPECS: Spec[] = [
  // Epoch and an SPDX expression for License; rpm -qa leaves the epoch out.
  {
    name: 'alpha',
    version: '1.2.3',
    release: '4.el9',
    epoch: 7,
    license: 'MIT AND (Apache-2.0 OR GPL-2.0-or-later)',
    noarch: true,
  },
  // Every character rpmbuild allows in a version or release besides alphanumerics and '.'.
  {
    name: 'beta-lib',
    version: '1.0~rc1^git2+x_y',
    release: '0.1_2+b~3',
    license: 'GPL-2.0-or-later',
    noarch: false,
  },
  // Epoch 0 is an epoch (evr "0:...") and a license that is not ASCII.
  { name: 'gamma', version: '0', release: '0', epoch: 0, license: 'Lizenz für Äpfel', noarch: true },
  {
    name: 'lib.plus++_x',
    version: '2024.01.15',
    release: '1%{?dist}',
    license: 'BSD-3-Clause',
    noarch: false,
  },
  { name: 'delta', version: '9', release: '1', license: 'Unlicense', noarch: true },
  { name: 'epsilon', version: '10.0', release: '1', license: 'ISC', noarch: true },
]
// Built for a foreign architecture too, as multilib sets do; --ignorearch lets it in.
const FOREIGN_ARCH = 's390x'

function specText(s: Spec): string {
  return [
    '%define debug_package %{nil}',
    `Name: ${s.name}`,
    `Version: ${s.version}`,
    `Release: ${s.release}`,
    s.epoch === undefined ? '' : `Epoch: ${s.epoch}`,
    `License: ${s.license}`,
    'Summary: a package for the rpm -qa tests',
    s.noarch ? 'BuildArch: noarch' : '',
    '%description',
    'Made by __tests__/rpm.test.ts.',
    '%install',
    `mkdir -p %{buildroot}/usr/share/${s.name}`,
    `echo ${s.name} > %{buildroot}/usr/share/${s.name}/file`,
    '%files',
    `/usr/share/${s.name}/file`,
    '',
  ].join('\n')
}

/** rpmbuild -bb, in a top directory of its own; returns the .rpm files by package name. */
function buildPackages(): Map<string, string[]> {
  const top = join(work, 'rpmbuild')
  const specs = SPECS.map((s) => {
    mkdirSync(join(top, 'SPECS'), { recursive: true })
    const file = join(top, 'SPECS', `${s.name}.spec`)
    writeFileSync(file, specText(s))
    return file
  })
  const defines = [
    ['_topdir', top],
    ['_tmppath', work],
    ['_build_id_links', 'none'],
    // The brp-* scripts strip ELF files with file(1) and binutils, which the machine need not have; there
    // is nothing to strip.
    ['__os_install_post', '%{nil}'],
  ].flatMap(([name, value]) => ['--define', `${name} ${value}`])
  const rpmbuild = (...args: string[]) => {
    const r = spawnSync('rpmbuild', [...defines, ...args], { env: rpmEnv, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`rpmbuild ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  }
  rpmbuild('-bb', ...specs)
  rpmbuild('-bb', '--target', FOREIGN_ARCH, specs[1]!)
  const built = new Map<string, string[]>()
  for (const arch of readdirSync(join(top, 'RPMS'))) {
    for (const f of readdirSync(join(top, 'RPMS', arch))) {
      const spec = SPECS.find((s) => f.startsWith(`${s.name}-`) && /^[0-9]/.test(f.slice(s.name.length + 1)))
      if (!spec) throw new Error(`unexpected package ${f}`)
      built.set(spec.name, [...(built.get(spec.name) ?? []), join(top, 'RPMS', arch, f)])
    }
  }
  return built
}

// A public key only (made with gpg --quick-gen-key rsa2048); rpm --import turns it into a gpg-pubkey header.
const PUBKEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mQENBGsMGgwBCACw6eY+XouQmXOUuJbFxcoubZ9wfZeB7JwTjAgeN4U28k6TzBK3
Jq92PhZ79Nft0iKF4flJYayFazAIz7NygncfWmB3YQJY2d4T3yJ+drns+ujQ9drR
ALKNsI6Vyr6vfGEF3HCqsZThdUCAaI8hCI2nCzt/E16v04MmQSW7c1ci7fcoJIJ8
78dI1286qTShJa9Yxd6z+AGAYafxuMQCFKoQJKyklMUZuxhFcb2hK4x7ivfeSn0C
6cebIysdJzPezYfbNln/vD5k8cvp9VriGLAKsWvoiHbl5ObY5EcEtxr8Kz1Net1x
vBcdGnTMrA63X2Z6j9YN6aKfuhM/9DnQygdFABEBAAG0H1Rlc3QgS2V5IDx0ZXN0
QGV4YW1wbGUuaW52YWxpZD6JAU4EEwEKADgWIQSWHU/IKtIX3nB8G0uqzUtFqYL9
FgUCawwaDAIbAwULCQgHAgYVCgkICwIEFgIDAQIeAQIXgAAKCRCqzUtFqYL9FkwJ
B/44jOTUISmZvY3t946Oax2MePfJAYvmHvVRORSPLhzVM9syHbrq92KVdXqwzuNZ
y3WWVuKhS4exjiN7xUgPJAzrNik1kxVPuLphZ16yrnFVmuMDgA15vJxb+7JuypqZ
mn7GNoaQSP7XI9kQaPhnIuw3N67eZHQ97mEru3a4y4RCQuePVBuPci+BJDhZQUQz
oM2tUbKRo/lKooOerK173NXYpOKgh1iQmmTMx4qxY83xpznKlB/qmaS53eXTHpCy
rI0ClYj95tyMecmpUCNuqq/rDy9X1/jVzNZ8RVpv+jy6ov74MsMO8dqchkBYq5aI
Vyf1rvP2UsaVWhdvF9ScToKq
=YXU7
-----END PGP PUBLIC KEY BLOCK-----
`

/** rpm --initdb in a fresh root (the sqlite backend is Debian's default; the define makes sure). */
function initRoot(name: string): string {
  const root = join(work, name)
  mkdirSync(root, { recursive: true })
  rpm(root, '--define', '_db_backend sqlite', '--initdb')
  return root
}

const hnumOf = (root: string, name: string): number =>
  Number(rpm(root, '-q', name, '--qf', '%{dbinstance}').stdout.toString())

const install = (root: string, files: string[]) =>
  rpm(root, '-i', '--nodeps', '--justdb', '--ignorearch', '--nosignature', ...files)

// --- Against the real rpm --------------------------------------------------------------------------------

describe.skipIf(!haveRpm)('a database made by rpm, against rpm -qa', () => {
  let built: Map<string, string[]>
  let root: string
  const files = (...names: string[]) => names.flatMap((n) => built.get(n) ?? [])

  beforeAll(() => {
    built = buildPackages()
    root = initRoot('main')
    // Several transactions, one erase in between: hnums 1.., a gap, and later rows after it.
    install(root, files('alpha', 'beta-lib'))
    writeFileSync(join(work, 'key.asc'), PUBKEY)
    rpm(root, '--import', join(work, 'key.asc'))
    install(root, files('delta', 'gamma'))
    rpm(root, '-e', '--nodeps', '--justdb', 'delta')
    install(root, files('lib.plus++_x', 'epsilon'))
  })

  test('formatRpmQa is byte for byte what rpm -qa prints', () => {
    const expected = rpmQa(root)
    const out = formatRpmQa(readDb(root))
    expect(out.toString('latin1')).toBe(expected.toString('latin1'))
    expect(out.equals(expected)).toBe(true)
    // Not sorted: rpm lists in row order, and this database was filled out of name order.
    const names = out.toString().trimEnd().split('\n')
    expect(names).not.toEqual([...names].sort())
    expect(names).toHaveLength(readRpmPackages(readDb(root)).length)
  })

  test('through the whole pipeline: a rootfs tar with this database publishes packages.txt = rpm -qa, and rpm purls', async () => {
    // An AlmaLinux-like rootfs: the rpm database and os-release, nothing else.
    mkdirSync(join(root, 'etc'), { recursive: true })
    writeFileSync(join(root, 'etc/os-release'), 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.5"\n')
    const tar = join(work, 'alma-rootfs.tar')
    execFileSync('tar', ['-C', root, '-cf', tar, 'etc', 'var'])
    const dest = join(work, 'published')
    const values: Record<string, string> = {
      rootfs: tar,
      'os-name': 'almalinux',
      'os-version': '9',
      destination: dest,
      contract: 'off',
    }
    const result = await runImage(parseInputs((n) => values[n] ?? ''))
    const listing = readFileSync(join(dest, 'almalinux/9/packages.txt'))
    expect(listing.equals(rpmQa(root))).toBe(true)
    expect(result.build?.packages).toBe(rpmQa(root).toString().trimEnd().split('\n').length)
    const sbom = JSON.parse(readFileSync(join(dest, 'almalinux/9/sbom.cdx.json'), 'utf8'))
    expect(sbom.components.length).toBe(result.build?.packages)
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toContainEqual(
      expect.stringMatching(/^pkg:rpm\/almalinux\/alpha@.*distro=almalinux-9\.5/),
    )
  })

  test('the lines are N-V-R.A, epoch left out, gpg-pubkey without an arch', () => {
    const lines = formatRpmQa(readDb(root)).toString().split('\n')
    expect(lines).toContain('alpha-1.2.3-4.el9.noarch')
    expect(lines).toContain('beta-lib-1.0~rc1^git2+x_y-0.1_2+b~3.s390x')
    expect(lines).toContain('gamma-0-0.noarch')
    const key = rpm(root, '-q', 'gpg-pubkey', '--qf', '%{version}-%{release}').stdout.toString()
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}$/)
    expect(lines).toContain(`gpg-pubkey-${key}`)
    expect(lines.filter((l) => l.startsWith('delta-'))).toEqual([])
  })

  test('readRpmPackages gives what rpm --queryformat gives for each package, in the same order', () => {
    const tags = ['dbinstance', 'name', 'epoch', 'version', 'release', 'arch', 'license', 'sourcerpm', 'evr']
    const qf = tags.map((t) => `%{${t}}`).join('\\t') + '\\n'
    const expected = rpm(root, '-qa', '--qf', qf).stdout.toString('utf8')
    const none = (v: string | number | null) => (v === null ? '(none)' : String(v))
    const ours = readRpmPackages(readDb(root))
      .map((p: RpmPackage) =>
        [p.hnum, p.name, p.epoch, p.version, p.release, p.arch, p.license, p.sourceRpm, p.evr]
          .map(none)
          .join('\t'),
      )
      .map((l) => `${l}\n`)
      .join('')
    expect(ours).toBe(expected)
    const alpha = readRpmPackages(readDb(root)).find((p) => p.name === 'alpha')
    expect(alpha).toMatchObject({
      epoch: 7,
      evr: '7:1.2.3-4.el9',
      license: SPECS[0]!.license,
      arch: 'noarch',
    })
  })

  test('the erased package left a gap in the rows, and later rows come after it', () => {
    const { packages, count, qa } = readRpmDb(readDb(root))
    const hnums = packages.map((p) => p.hnum)
    expect(hnums).toEqual([...hnums].sort((a, b) => a - b))
    expect(hnums.some((h, i) => i > 0 && h !== hnums[i - 1]! + 1)).toBe(true)
    expect(count).toBe(packages.length)
    expect(qa.toString().split('\n').at(-2)).toBe(packages.at(-1)!.qa)
  })

  test('an empty database prints nothing', () => {
    const empty = initRoot('empty')
    expect(rpmQa(empty).length).toBe(0)
    expect(formatRpmQa(readDb(empty)).length).toBe(0)
    expect(readRpmDb(readDb(empty)).count).toBe(0)
  })

  test('transactions only in the -wal file count when the log comes along, as they do for rpm', () => {
    const dir = join(work, 'wal-writer')
    mkdirSync(dir)
    const file = join(dir, 'rpmdb.sqlite')
    copyFileSync(dbFile(root), file)
    // The index tables refer to Packages rows; rpm -qa does not read them.
    const writer = new DatabaseSync(file, { enableForeignKeyConstraints: false })
    let main: Buffer
    let wal: Buffer
    try {
      // rpm left the file in WAL mode; with no automatic checkpoint the changes stay in the log.
      expect(writer.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
      writer.exec('PRAGMA wal_autocheckpoint = 0')
      writer.exec(`DELETE FROM Packages WHERE hnum = ${hnumOf(root, 'alpha')}`)
      writer.exec('INSERT INTO Packages (blob) SELECT blob FROM Packages ORDER BY hnum LIMIT 1')
      main = readFileSync(file)
      wal = readFileSync(`${file}-wal`)
    } finally {
      writer.close()
    }
    expect(wal.length).toBeGreaterThan(0)

    const withLog = rpmQa(rootWith('wal', main, wal))
    expect(withLog.equals(rpmQa(root))).toBe(false)
    expect(formatRpmQa(main, { wal }).equals(withLog)).toBe(true)
    // Without the log the database is as it was before those transactions, for rpm and for us.
    const before = rpmQa(rootWith('wal-lost', main))
    expect(before.equals(rpmQa(root))).toBe(true)
    expect(formatRpmQa(main).equals(before)).toBe(true)
  })

  test('a header whose region no longer matches its SHA256 digest: rpm skips it, we refuse', () => {
    const damaged = rootWith('damaged', readDb(root))
    const db = new DatabaseSync(dbFile(damaged))
    let hnum: number
    try {
      hnum = hnumOf(root, 'gamma')
      const row = db.prepare('SELECT blob FROM Packages WHERE hnum = ?').get(hnum)!
      const blob = Buffer.from(row.blob as Uint8Array)
      // The description text sits inside the immutable region; change one letter of it.
      const at = blob.indexOf('Made by')
      expect(at).toBeGreaterThan(0)
      blob[at] = 'm'.charCodeAt(0)
      db.prepare('UPDATE Packages SET blob = ? WHERE hnum = ?').run(blob, hnum)
    } finally {
      db.close()
    }
    const r = rpm(damaged, '-qa')
    expect(r.stderr).toContain(`skipping h#`)
    expect(r.stderr).toContain('SHA256 digest: BAD')
    expect(r.stdout.toString()).not.toContain('gamma')
    expect(() => formatRpmQa(readDb(damaged))).toThrow(RpmDbError)
    try {
      formatRpmQa(readDb(damaged))
    } catch (err) {
      expect((err as RpmDbError).hnum).toBe(hnum)
      expect((err as Error).message).toMatch(new RegExp(`hnum=${hnum}: header SHA256 digest does not match`))
    }
  })
})

// --- Hand-made headers --------------------------------------------------------------------------------------

// The on-disk header format (lib/header.c): an immutable region (tag 63) whose trailer closes its data,
// followed by "dribble" entries rpm adds on install. Here only as much as the tests need.
const T = { INT32: 4, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 }
const TAGS = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  NOSOURCE: 1051,
}

interface Field {
  tag: number
  type: number
  count: number
  data: Buffer
}

const str = (tag: number, value: string | Buffer): Field => ({
  tag,
  type: T.STRING,
  count: 1,
  data: Buffer.concat([Buffer.from(value), Buffer.from([0])]),
})
const strs = (tag: number, type: number, ...values: string[]): Field => ({
  tag,
  type,
  count: values.length,
  data: Buffer.from(values.map((v) => `${v}\0`).join('')),
})
const int32 = (tag: number, ...values: number[]): Field => {
  const data = Buffer.alloc(4 * values.length)
  values.forEach((v, i) => data.writeUInt32BE(v, 4 * i))
  return { tag, type: T.INT32, count: values.length, data }
}

function header(region: Field[], dribbles: Field[] = []): Buffer {
  const index: Buffer[] = []
  const data: Buffer[] = []
  let size = 0
  const entry = (tag: number, type: number, offset: number, count: number) => {
    const e = Buffer.alloc(16)
    e.writeInt32BE(tag, 0)
    e.writeInt32BE(type, 4)
    e.writeInt32BE(offset, 8)
    e.writeInt32BE(count, 12)
    return e
  }
  const place = (f: Field) => {
    const pad = f.type === T.INT32 ? (4 - (size % 4)) % 4 : 0
    data.push(Buffer.alloc(pad))
    size += pad
    index.push(entry(f.tag, f.type, size, f.count))
    data.push(f.data)
    size += f.data.length
  }
  region.forEach(place)
  const trailerAt = size
  data.push(entry(63, T.BIN, -16 * (region.length + 1), 16))
  size += 16
  dribbles.forEach(place)
  const head = Buffer.alloc(8)
  head.writeInt32BE(1 + index.length, 0)
  head.writeInt32BE(size, 4)
  return Buffer.concat([head, entry(63, T.BIN, trailerAt, 16), ...index, ...data])
}

const nvra = (name: string, arch?: string, ...more: Field[]): Field[] => [
  str(TAGS.NAME, name),
  str(TAGS.VERSION, '1.0'),
  str(TAGS.RELEASE, '2'),
  ...(arch === undefined ? [] : [str(TAGS.ARCH, arch)]),
  ...more,
]
const binary = (name: string, arch = 'x86_64') =>
  header(nvra(name, arch, str(TAGS.SOURCERPM, `${name}.src.rpm`)))

let template: Buffer | undefined

/**
 * An empty database as rpm --initdb makes it (rpm will not open one without its index tables), or, without
 * rpm, one with just the Packages table of lib/backend/sqlite.c: all this module reads.
 */
function emptyDb(): Buffer {
  if (template) return template
  if (haveRpm) return (template = readDb(initRoot('template')))
  const file = join(mkdtempSync(join(work, 'template-')), 'rpmdb.sqlite')
  const db = new DatabaseSync(file)
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)')
  db.close()
  return (template = readFileSync(file))
}

/** A database holding these blobs as rows 1, 2, ... */
function makeDb(...blobs: Uint8Array[]): Buffer {
  const file = join(mkdtempSync(join(work, 'db-')), 'rpmdb.sqlite')
  writeFileSync(file, emptyDb())
  const db = new DatabaseSync(file)
  try {
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)')
    for (const b of blobs) insert.run(b)
  } finally {
    db.close()
  }
  return readFileSync(file)
}

const HANDMADE: [string, Buffer, string][] = [
  ['a binary package', binary('plain'), 'plain-1.0-2.x86_64'],
  [
    'no ARCH, with SOURCERPM (like gpg-pubkey)',
    header(nvra('noarch-tag', undefined, str(TAGS.SOURCERPM, '(none)'))),
    'noarch-tag-1.0-2',
  ],
  ['no SOURCERPM: a source header', header(nvra('srcpkg', 'x86_64')), 'srcpkg-1.0-2.src'],
  [
    'no SOURCERPM, NOSOURCE',
    header(nvra('nosrcpkg', 'x86_64', int32(TAGS.NOSOURCE, 0))),
    'nosrcpkg-1.0-2.nosrc',
  ],
  [
    'a dribble replaces the region entry of the same tag',
    header(nvra('dribbled', 'x86_64', str(TAGS.SOURCERPM, 'x.src.rpm')), [str(TAGS.ARCH, 'i686')]),
    'dribbled-1.0-2.i686',
  ],
  ['an empty ARCH', header(nvra('emptyarch', '', str(TAGS.SOURCERPM, 'x'))), 'emptyarch-1.0-2.'],
  [
    'a dribble also replaces several region entries of its tag',
    header(nvra('dups', 'x86_64', str(TAGS.ARCH, 'ppc64le'), str(TAGS.SOURCERPM, 'x')), [
      str(TAGS.ARCH, 'aarch64'),
    ]),
    'dups-1.0-2.aarch64',
  ],
  [
    'no VERSION',
    header([str(TAGS.NAME, 'nover'), str(TAGS.RELEASE, '3'), str(TAGS.SOURCERPM, 'x')]),
    'nover-3',
  ],
  [
    'bytes that are not UTF-8, passed through',
    header([
      str(TAGS.NAME, 'latin'),
      str(TAGS.VERSION, Buffer.from([0x31, 0xe9])),
      str(TAGS.RELEASE, '1'),
      str(TAGS.ARCH, 'noarch'),
      str(TAGS.SOURCERPM, 'x'),
    ]),
    'latin-1\xe9-1.noarch',
  ],
  [
    'a NAME array of two: headerGetString gives nothing',
    header([
      strs(TAGS.NAME, T.STRING_ARRAY, 'a', 'b'),
      str(TAGS.VERSION, '1'),
      str(TAGS.RELEASE, '1'),
      str(TAGS.SOURCERPM, 'x'),
    ]),
    '1-1',
  ],
  [
    'an I18N VERSION: the first (C locale) string',
    header([
      str(TAGS.NAME, 'i18n'),
      strs(TAGS.VERSION, T.I18NSTRING, 'c', 'de'),
      str(TAGS.RELEASE, '1'),
      str(TAGS.SOURCERPM, 'x'),
    ]),
    'i18n-c-1',
  ],
]

describe('hand-made headers', () => {
  const db = makeDb(...HANDMADE.map(([, blob]) => blob))
  const expected = Buffer.from(HANDMADE.map(([, , line]) => `${line}\n`).join(''), 'latin1')

  test('are printed as rpm 4.18 prints them', () => {
    expect(formatRpmQa(db).toString('latin1')).toBe(expected.toString('latin1'))
  })

  test.skipIf(!haveRpm)('and rpm -qa agrees', () => {
    expect(rpmQa(rootWith('handmade', db)).toString('latin1')).toBe(expected.toString('latin1'))
  })

  test('fields for the SBOM', () => {
    const pkgs = readRpmPackages(db)
    const [plain, noArch] = pkgs
    const latin = pkgs.find((p) => p.name === 'latin')
    expect(plain).toEqual({
      hnum: 1,
      name: 'plain',
      epoch: null,
      version: '1.0',
      release: '2',
      arch: 'x86_64',
      license: null,
      sourceRpm: 'plain.src.rpm',
      evr: '1.0-2',
      qa: 'plain-1.0-2.x86_64',
    })
    expect(noArch!.arch).toBeNull()
    expect(latin!.version).toBe('1\ufffd')
  })
})

// --- Databases rpm would not read as they are ---------------------------------------------------------------

const good = binary('good')
const corrupt = (f: (b: Buffer) => void): Buffer => {
  const b = Buffer.from(good)
  f(b)
  return b
}
const unterminated = (b: Buffer): Buffer => {
  b[b.length - 1] = 0x41
  return b
}
const dataStart = good.readInt32BE(0) * 16 + 8

const MALFORMED: [string, Buffer, RegExp][] = [
  ['one byte short', good.subarray(0, -1), /header blob is \d+ bytes, its size fields say/],
  ['shorter than the size fields', good.subarray(0, 5), /shorter than its 8-byte size fields/],
  ['too many index entries claimed', corrupt((b) => b.writeInt32BE(0x10000, 0)), /index entries/],
  [
    'an unknown data type',
    corrupt((b) => b.writeInt32BE(42, 24 + 4)),
    /index entry 1 \(tag 1000, type 42.*unknown data type/,
  ],
  [
    'the last string without its NUL',
    unterminated(header(nvra('x', 'noarch'), [str(TAGS.LICENSE, 'MIT')])),
    /index entry 5 \(tag 1014.*its data runs past the end of the header/,
  ],
  [
    'a region trailer that is not one',
    corrupt((b) => b.writeInt32BE(62, b.readInt32BE(16) + dataStart)),
    /region trailer is bad/,
  ],
  ['a tag below 100 outside the region tag', corrupt((b) => b.writeInt32BE(50, 24)), /tag out of range/],
  ['no NAME', header([str(TAGS.VERSION, '1'), str(TAGS.RELEASE, '1')]), /header has no NAME/],
  ['an EPOCH that is a string', header(nvra('x', 'noarch', str(1003, '1'))), /an int32 tag of another type/],
]

describe('malformed headers throw RpmDbError naming the row', () => {
  test.each(MALFORMED)('%s', (_name, blob, message) => {
    const db = makeDb(good, blob)
    let error: unknown
    try {
      formatRpmQa(db)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(RpmDbError)
    expect((error as RpmDbError).hnum).toBe(2)
    expect((error as Error).message).toMatch(/^rpm database, package row hnum=2: /)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).toMatch(/rpm -qa would skip this package$/)
  })

  test.skipIf(!haveRpm).each(MALFORMED)('rpm -qa skips it too: %s', (name, blob) => {
    const r = rpm(
      rootWith(`malformed-${MALFORMED.findIndex(([n]) => n === name)}`, makeDb(good, blob)),
      '-qa',
    )
    expect(r.stdout.toString()).toBe('good-1.0-2.x86_64\n')
    expect(r.stderr).toMatch(/skipping/)
  })

  test('a tag we read, twice in the same part of the header', () => {
    // rpm prints whichever entry its binary search over the sorted index meets (glibc's qsort and bsearch
    // decide), so no answer here would be rpm's by design rather than by accident.
    const twice = header(nvra('x', 'noarch', str(TAGS.SOURCERPM, 'x')), [
      str(TAGS.ARCH, 'a'),
      str(TAGS.ARCH, 'b'),
    ])
    expect(() => formatRpmQa(makeDb(good, twice))).toThrow(/hnum=2: tag 1022 appears more than once/)
  })

  test('an empty blob', () => {
    expect(() => formatRpmQa(makeDb(good, new Uint8Array(0)))).toThrow(
      /hnum=2: the header blob is empty or NULL/,
    )
  })
})

describe('files that are not an rpm database', () => {
  test('not sqlite at all', () => {
    expect(() => formatRpmQa(Buffer.from('this is not a database, not even close'.repeat(200)))).toThrow(
      /cannot read the Packages table: file is not a database/,
    )
  })

  test('sqlite without a Packages table', () => {
    const dir = mkdtempSync(join(work, 'other-'))
    const db = new DatabaseSync(join(dir, 'x.sqlite'))
    db.exec('CREATE TABLE t (x)')
    db.close()
    expect(() => formatRpmQa(readFileSync(join(dir, 'x.sqlite')))).toThrow(RpmDbError)
    expect(() => formatRpmQa(readFileSync(join(dir, 'x.sqlite')))).toThrow(/no such table: Packages/)
  })

  test('leaves no temporary files behind, also when it throws', () => {
    const ours = () => readdirSync(tmpdir()).filter((n) => n.startsWith('rpmdb-'))
    const before = ours()
    formatRpmQa(makeDb(good))
    expect(() => formatRpmQa(Buffer.alloc(4096, 1))).toThrow(RpmDbError)
    expect(ours()).toEqual(before)
  })
})
