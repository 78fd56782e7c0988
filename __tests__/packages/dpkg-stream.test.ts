import { spawnSync } from 'node:child_process'
import {
  closeSync,
  writeFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { formatDpkgListBytes } from '../../src/packages/dpkg/list.ts'
import { DpkgStatusReader, parseDpkgStatus } from '../../src/packages/dpkg/parse.ts'
import { DPKG_LIMITS, DpkgLimitError, type DpkgLimits } from '../../src/packages/dpkg/types.ts'
import { PackageDatabases } from '../../src/packages/installed.ts'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import type { Log } from '../../src/util/log.ts'
import { requireTool } from '../helpers/env.ts'

// The status file streamed in pieces of any size must read exactly as dpkg-query reads the whole file.
const haveDpkg = requireTool('dpkg-query', 'apt-get install dpkg')
const work = mkdtempSync(join(tmpdir(), 'dpkg-stream-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const FIXTURES = fileURLToPath(new URL('../fixtures/dpkg/', import.meta.url))
const dpkgEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }

/** What reading gives: the packages and warnings, or the error. */
function outcome(pieces: Uint8Array[], limits?: DpkgLimits): string {
  const warnings: string[] = []
  const reader = new DpkgStatusReader({ onWarning: (w) => warnings.push(w), nativeArch: 'amd64', limits })
  for (const piece of pieces) reader.write(piece)
  reader.end()
  try {
    const pkgs = reader.packages()
    return `${formatDpkgListBytes(pkgs, { nativeArch: 'amd64' }).toString('latin1')}\n${warnings.join('\n')}`
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}\n${warnings.join('\n')}`
  }
}

function split(data: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0; at < data.length;) {
    const n = Math.max(1, sizes())
    out.push(data.subarray(at, at + n))
    at += n
  }
  return out
}

/** A deterministic pseudo-random sequence. */
function random(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x / 0x80000000
  }
}

// Pieces of a stanza with dpkg's quirks: CR before LF, ^Z, NUL, blank continuation lines, a lone last byte.
const PARTS = [
  'Package: a\n',
  'Package: B-c\n',
  'Status: install ok installed\n',
  'Status: deinstall ok config-files\n',
  'Status: install reinstreq half-installed\n',
  'Maintainer: m\n',
  'Architecture: amd64\n',
  'Architecture: i386\n',
  'Multi-Arch: same\n',
  'Version: 1.0-1\n',
  'Version: 2:3\n',
  'Description: syn\n long\n .\n more\n',
  'Description: x\0y\n',
  'Description:  \n body\n',
  'Description: cr\r\n \r\n tail\n',
  'X-Thing: value\n \n  \n',
  'Depends: a, b\n',
  'Conffiles:\n /etc/x 0123\n',
  '\n',
  '\n\n',
  '\r\n',
  '\x1a',
  ' \n',
  'Priority: optional\n',
  'Version: 1 2\n',
  'Field\n',
  ': x\n',
]

function randomStatus(next: () => number): Buffer {
  let text = ''
  const n = 1 + Math.floor(next() * 14)
  for (let i = 0; i < n; i++) text += PARTS[Math.floor(next() * PARTS.length)]
  if (next() < 0.2) text += 'Z'
  return Buffer.from(text, 'latin1')
}

/** dpkg-query -l on a status file: stdout, and warnings and errors as our messages say them. */
function dpkgQuery(status: Buffer | string): { stdout: Buffer; stderr: string; status: number | null } {
  const admindir = mkdtempSync(join(work, 'admin-'))
  try {
    mkdirSync(join(admindir, 'updates'))
    mkdirSync(join(admindir, 'info'))
    const file = join(admindir, 'status')
    if (typeof status === 'string') spawnSync('cp', [status, file])
    else writeWhole(file, status)
    const r = spawnSync('dpkg-query', [`--admindir=${admindir}`, '-l'], { env: dpkgEnv, maxBuffer: 1 << 30 })
    return {
      stdout: r.stdout,
      stderr: r.stderr.toString('latin1').replaceAll(admindir, ''),
      status: r.status,
    }
  } finally {
    rmSync(admindir, { recursive: true, force: true })
  }
}

function writeWhole(file: string, data: Uint8Array): void {
  const fd = openSync(file, 'w')
  writeSync(fd, data)
  closeSync(fd)
}

describe('pieces of any size read as the whole file', () => {
  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.status'))
    .map((f) => [f, readFileSync(join(FIXTURES, f))] as const)

  test.each(fixtures)('%s, in pieces of 1, 2, 3, 7 and random sizes', (_name, data) => {
    const whole = outcome([data])
    for (const size of [1, 2, 3, 7]) expect(outcome(split(data, () => size))).toBe(whole)
    const next = random(data.length)
    expect(outcome(split(data, () => Math.floor(next() * 300)))).toBe(whole)
  })

  test('2000 random stanzas with dpkg quirks, byte by byte and in random pieces, against dpkg-query', () => {
    const next = random(7)
    let compared = 0
    for (let i = 0; i < 2000; i++) {
      const data = randomStatus(next)
      const whole = outcome([data])
      expect(outcome(split(data, () => 1)), JSON.stringify(data.toString('latin1'))).toBe(whole)
      expect(outcome(split(data, () => 1 + Math.floor(next() * 9)))).toBe(whole)
      // dpkg-query itself on a tenth of them (a process each).
      if (!haveDpkg || i % 10 !== 0) continue
      const real = dpkgQuery(data)
      const ours = whole.split('\n')
      if (real.status === 0) {
        expect(
          whole.startsWith(real.stdout.toString('latin1')),
          JSON.stringify(data.toString('latin1')),
        ).toBe(true)
      } else {
        expect(real.status).toBe(2)
        expect(ours[0]).toMatch(/^DpkgParseError: /)
        const error = real.stderr.slice(real.stderr.indexOf('dpkg-query: error: ') + 19)
        expect(
          `${whole.slice('DpkgParseError: '.length)}`.startsWith(
            error.split('\n')[0]!.replace("'/status'", "'/var/lib/dpkg/status'"),
          ),
        ).toBe(true)
      }
      compared++
    }
    if (haveDpkg) expect(compared).toBe(200)
  })
})

/** Writes a status file piece by piece (never whole in memory); returns its size. */
function writeStatus(file: string, stanzas: Iterable<string>): number {
  const fd = openSync(file, 'w')
  let size = 0
  let batch = ''
  for (const s of stanzas) {
    batch += s
    if (batch.length > 1 << 20) {
      size += writeSync(fd, batch, null, 'latin1')
      batch = ''
    }
  }
  size += writeSync(fd, batch, null, 'latin1')
  closeSync(fd)
  return size
}

function* bigDescription(mb: number): Generator<string> {
  yield 'Package: dpkg\nStatus: install ok installed\nMaintainer: m\nArchitecture: amd64\nVersion: 1.22\nDescription: package manager\n'
  const line = ` ${'a long description line '.repeat(4)}\n`
  for (let n = 0; n < (mb << 20) / line.length; n++) yield line
  yield '\nPackage: after\nStatus: install ok installed\nMaintainer: m\nArchitecture: all\nVersion: 2\nDescription: next\n'
}

/** A tar holding `status` as var/lib/dpkg/status, read through the inspector in 1 MiB pieces as the pipeline does. */
async function throughInspector(status: string, limits?: DpkgLimits, more: [string, Buffer][] = []) {
  const root = mkdtempSync(join(work, 'root-'))
  mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
  spawnSync('mv', [status, join(root, 'var/lib/dpkg/status')])
  for (const [path, data] of more) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), data)
  }
  const tar = `${root}.tar`
  expect(spawnSync('tar', ['-C', root, '-cf', tar, 'var']).status).toBe(0)
  rmSync(root, { recursive: true, force: true })
  const warnings: string[] = []
  const log: Log = { info() {}, warning: (m) => warnings.push(m), debug() {}, group: (_n, fn) => fn() }
  const databases = new PackageDatabases({ log, limits: { dpkg: limits } })
  const inspector = new TarInspector({
    capture: (p, size) => databases.capture(p, size),
    stream: (p, s) => databases.stream(p, s),
  })
  inspector.resume()
  const fd = openSync(tar, 'r')
  const piece = Buffer.alloc(1 << 20)
  let peak = 0
  const base = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
  for (;;) {
    const n = readSync(fd, piece)
    if (n === 0) break
    await new Promise<void>((resolve, reject) =>
      inspector.write(Buffer.from(piece.subarray(0, n)), (e) => (e ? reject(e) : resolve())),
    )
    const used = process.memoryUsage()
    peak = Math.max(peak, used.heapUsed + used.arrayBuffers - base)
  }
  closeSync(fd)
  await new Promise<void>((resolve, reject) =>
    inspector.end((e?: Error | null) => (e ? reject(e) : resolve())),
  )
  rmSync(tar)
  const read = await databases.read(inspector.facts.files, 'img-1')
  databases.dispose()
  return { read, warnings, peak }
}

describe('a status file larger than anything kept whole', () => {
  test('over 64 MiB, one Description of 70 MB: what dpkg -l prints, in little memory', async () => {
    const file = join(work, 'big.status')
    const size = writeStatus(file, bigDescription(70))
    expect(size).toBeGreaterThan(70 << 20)
    const real = haveDpkg ? dpkgQuery(file) : undefined
    const { read, warnings, peak } = await throughInspector(file)
    expect(warnings).toEqual([])
    expect(read?.count).toBe(2)
    if (real) expect(read!.listing.equals(real.stdout)).toBe(true)
    // The file passed in 1 MiB pieces; nothing of it piles up (the 70 MB value is read, not kept).
    expect(peak).toBeLessThan(24 << 20)
  })

  test('a field beyond the limits is not read, saying which and why', async () => {
    const file = join(work, 'long-synopsis.status')
    writeStatus(file, [
      `Package: x\nStatus: install ok installed\nMaintainer: m\nArchitecture: all\nVersion: 1\nDescription: ${'s'.repeat(3000)}\n`,
    ])
    const { read, warnings } = await throughInspector(file, { ...DPKG_LIMITS, fieldBytes: 2048 })
    expect(read).toBeUndefined()
    expect(warnings).toEqual([
      "The dpkg database in the rootfs is not read: parsing file '/var/lib/dpkg/status' near line 6 package 'x':\n the first line of its 'Description' field is longer than 2048 bytes: more than metal-image reads; no packages.txt is published for img-1",
    ])
  })
})

describe('the files kept whole are small ones', () => {
  const stanza = (name: string, description = 'x') =>
    `Package: ${name}\nStatus: install ok installed\nMaintainer: m\nArchitecture: all\nVersion: 1\nDescription: ${description}\n`

  test("dpkg's update journal over 16 MiB is not kept: the database is not read, saying why", async () => {
    const file = join(work, 'with-updates.status')
    writeStatus(file, [stanza('a')])
    const update = (n: number) => Buffer.from(`${stanza(`u${n}`, 'y'.repeat(9 << 20))}\n`)
    const small = await throughInspector(file, undefined, [
      ['var/lib/dpkg/updates/0001', Buffer.from(stanza('u'))],
    ])
    expect(small.read?.count).toBe(2)
    writeStatus(file, [stanza('a')])
    const { read, warnings } = await throughInspector(file, undefined, [
      ['var/lib/dpkg/updates/0001', update(1)],
      ['var/lib/dpkg/updates/0002', update(2)],
    ])
    expect(read).toBeUndefined()
    expect(warnings).toEqual([
      'The dpkg database in the rootfs is not read: the files of /var/lib/dpkg/updates take more than 16777216 bytes: more than metal-image reads; no packages.txt is published for img-1',
    ])
  })

  test('an os-release over 64 KiB is not kept, with a warning', () => {
    const warnings: string[] = []
    const log: Log = { info() {}, warning: (m) => warnings.push(m), debug() {}, group: (_n, fn) => fn() }
    const databases = new PackageDatabases({ log })
    expect(databases.capture('etc/os-release', 65_536)).toBe(true)
    expect(databases.capture('usr/lib/os-release', 65_537)).toBe(false)
    expect(databases.capture('etc/other', 10)).toBe(false)
    expect(warnings).toEqual([
      '/usr/lib/os-release is 65537 bytes, more than the 65536 metal-image reads: not read, so the SBOM names no distribution from it',
    ])
  })
})

describe('limits', () => {
  const stanza = (i: number) =>
    `Package: p${i}\nStatus: install ok installed\nMaintainer: m\nArchitecture: all\nVersion: ${i}\nDescription: d${i}\n\n`
  const many = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => stanza(i)).join(''))

  test('package instances', () => {
    const limits = { ...DPKG_LIMITS, packages: 10 }
    expect(outcome([many(10)], limits)).toMatch(/^Desired=/)
    expect(outcome([many(11)], limits)).toMatch(
      /^DpkgLimitError: .*more than 10 package instances: more than metal-image reads/s,
    )
  })

  test('bytes kept for all instances, counted once for an instance a later stanza replaces', () => {
    const limits = { ...DPKG_LIMITS, keptBytes: 100 }
    const lib = (status: string) =>
      `Package: lib\nStatus: ${status}\nMaintainer: m\nArchitecture: amd64\nMulti-Arch: same\nVersion: 1\nDescription: ${'d'.repeat(40)}\n\n`
    // About 50 bytes kept, twice over if the replaced stanza were counted too.
    const same = Buffer.from(lib('install ok installed') + lib('deinstall ok config-files'))
    expect(outcome([same], { ...limits, keptBytes: 60 })).toMatch(/^Desired=/)
    expect(outcome([same], { ...limits, keptBytes: 40 })).toMatch(/take more than 40 bytes/)
    expect(outcome([many(20)], limits)).toMatch(/take more than 100 bytes: more than metal-image reads/)
  })

  test('a value that is only looked at for being there may be of any size', () => {
    const limits = { ...DPKG_LIMITS, fieldBytes: 32 }
    const status = Buffer.from(
      `Package: p\nStatus: install ok installed\nMaintainer: ${'m'.repeat(1000)}\nArchitecture: all\nVersion: 1\nDepends: ${'d, '.repeat(500)}d\nX-Other: ${'o'.repeat(1000)}\nDescription: d\n ${'l'.repeat(1000)}\n`,
    )
    expect(outcome([status], limits)).toBe(outcome([status]))
    expect(parseDpkgStatus(status, { limits })[0]?.synopsis).toBe('d')
    expect(() => parseDpkgStatus(`Package: ${'p'.repeat(33)}\n`, { limits })).toThrow(DpkgLimitError)
  })

  test('a field name of any length: duplicates found, messages cut', () => {
    const name = `X-${'n'.repeat(5000)}`
    expect(() => parseDpkgStatus(`Package: p\n${name}: 1\n${name.toUpperCase()}: 2\n`)).toThrow(
      /duplicate value for user-defined field 'X-N{1022}\.\.\.'$/,
    )
    expect(parseDpkgStatus(`Package: p\n${name}: 1\n${name}x: 2\n`)).toHaveLength(1)
  })
})
