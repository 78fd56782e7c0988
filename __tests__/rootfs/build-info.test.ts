import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createWriteStream } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  BUILD_INFO_PATH,
  buildInfoYaml,
  pythonIsoformat,
  TarFileInjection,
} from '../../src/rootfs/build-info.ts'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import { tarEntries } from '../helpers/tar.ts'
import { pack } from 'tar-stream'

const info = {
  date: new Date('2026-11-29T12:34:56.789Z'),
  imageId: 'debian-12.0.20261129',
  version: '12.0.20261129',
  repository: 'metal-stack/metal-images',
  ref: "it's-main",
  commit: '0123456789abcdef0123456789abcdef01234567',
}

/** A rootfs folder packed by GNU tar in the given format, with names long enough to need extensions. */
function makeTar(dir: string, format: 'gnu' | 'posix', withBuildInfo: boolean): string {
  const root = mkdtempSync(join(dir, 'root-'))
  const deep = join(
    root,
    'usr/share',
    'a-rather-long-directory-name-'.repeat(3),
    'and-another-long-one-'.repeat(3),
  )
  mkdirSync(deep, { recursive: true })
  writeFileSync(join(deep, 'file-with-a-long-name.txt'), 'x'.repeat(1000))
  mkdirSync(join(root, 'etc'), { recursive: true })
  writeFileSync(join(root, 'etc/hostname'), 'metal\n')
  if (withBuildInfo) {
    mkdirSync(join(root, 'etc/metal'))
    writeFileSync(join(root, 'etc/metal/build.yaml'), 'builddate: old\n'.repeat(100))
    writeFileSync(join(root, 'etc/metal/install.yaml'), 'kept: true\n')
  }
  const tar = `${root}.tar`
  execFileSync('tar', [
    `--format=${format}`,
    '--owner=1000',
    '--group=1000',
    '--mode=go+w',
    '-C',
    root,
    '-cf',
    tar,
    // Both naming styles: `./etc/...` as tar -C root . writes them, `etc/...` as docker export does.
    ...(format === 'gnu' ? ['.'] : ['etc', 'usr']),
  ])
  return tar
}

/** Where the entries end: the offset of the first of the trailing zero blocks (end marker and padding). */
function endOfEntries(tar: Buffer): number {
  let end = tar.length
  while (end >= 512 && tar.subarray(end - 512, end).every((b) => b === 0)) end -= 512
  return end
}

/** An inspector that puts build.yaml in, and keeps no files. */
function injecting(content: string | Promise<string>): {
  inspector: TarInspector
  injection: TarFileInjection
} {
  const injection = new TarFileInjection(BUILD_INFO_PATH, content, info.date)
  return { inspector: new TarInspector({ capture: () => false, inject: injection }), injection }
}

/** Pieces of `piece` bytes, so that headers straddle chunks. */
function* pieces(data: Buffer, piece: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece)
}

/** The tar through the inspector with build info, fed in pieces of `piece` bytes. */
async function inject(
  tar: string,
  piece: number,
): Promise<{ out: string; injection: TarFileInjection; inspector: TarInspector }> {
  const out = `${tar}.out-${piece}`
  const { inspector, injection } = injecting(buildInfoYaml(info))
  await pipeline(Readable.from(pieces(readFileSync(tar), piece)), inspector, createWriteStream(out))
  return { out, injection, inspector }
}

describe('build info in the rootfs', () => {
  test("prepare.sh's lines: shell assignments that sh reads back exactly, quotes included", () => {
    const text = buildInfoYaml({ ...info, repository: `o'brien/"images" $HOME \\` })
    const lines = text.trimEnd().split('\n')
    expect(lines.map((l) => l.slice(0, l.indexOf('=')))).toEqual([
      'builddate',
      'commit_ref',
      'commit_sha1',
      'gitrepo',
      'image_id',
      'version',
    ])
    const file = join(mkdtempSync(join(tmpdir(), 'metal-image-build-yaml-')), 'build.yaml')
    writeFileSync(file, text)
    const read = execFileSync(
      'sh',
      [
        '-c',
        '. "$1" && printf "%s\\n" "$builddate" "$commit_ref" "$commit_sha1" "$gitrepo" "$image_id" "$version"',
        'sh',
        file,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, TZ: process.env.TZ ?? '' } },
    )
    expect(read.split('\n').slice(0, 6)).toEqual([
      pythonIsoformat(info.date),
      "it's-main",
      info.commit,
      `o'brien/"images" $HOME \\`,
      'debian-12.0.20261129',
      '12.0.20261129',
    ])
  })

  test("builddate as python's datetime.now().isoformat(' '): local time, microseconds only when not zero", () => {
    const local = new Date(2026, 11, 4, 20, 11, 13, 123)
    expect(pythonIsoformat(local)).toBe('2026-12-04 20:11:13.123000')
    expect(pythonIsoformat(new Date(2026, 0, 2, 3, 4, 5, 0))).toBe('2026-01-02 03:04:05')
    // What python itself prints for the same local time, where a python3 is there to ask.
    const python = spawnSync(
      'python3',
      ['-c', 'import datetime; print(datetime.datetime(2026,12,4,20,11,13,123000).isoformat(" "))'],
      {
        encoding: 'utf8',
      },
    )
    if (python.status === 0) expect(python.stdout.trim()).toBe(pythonIsoformat(local))
  })

  const dir = mkdtempSync(join(tmpdir(), 'metal-image-build-info-'))
  describe.each(['gnu', 'posix'] as const)('%s tar', (format) => {
    test.each([
      [true, 1 << 20],
      [true, 333],
      [false, 1 << 20],
      [false, 7],
    ])(
      'existing file %s, read in %i-byte pieces: replaced, root 0644, everything else unchanged',
      async (withOld, piece) => {
        const tar = makeTar(dir, format, withOld)
        const { out, injection, inspector } = await inject(tar, piece)
        expect(injection.replaced).toBe(withOld ? 1 : 0)
        // The facts describe the archive as it goes out.
        expect(inspector.facts.bytes).toBe(readFileSync(out).length)
        const listed = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).trim().split('\n')
        expect(inspector.facts.entries).toBe(listed.length)
        // GNU tar reads the result whole, with exactly one build.yaml, owned by root, mode 0644.
        const listing = execFileSync('tar', ['--numeric-owner', '-tvf', out], { encoding: 'utf8' })
        const lines = listing.split('\n').filter((l) => l.endsWith('etc/metal/build.yaml'))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2026-11-29 /)
        const name = format === 'gnu' ? './etc/metal/build.yaml' : 'etc/metal/build.yaml'
        expect(execFileSync('tar', ['-xOf', out, name], { encoding: 'utf8' })).toBe(buildInfoYaml(info))
        const [before, after] = await Promise.all([tarEntries(tar), tarEntries(out)])
        before.delete('etc/metal/build.yaml')
        const added = after.get('etc/metal/build.yaml')
        after.delete('etc/metal/build.yaml')
        expect(added).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 })
        // The old entry's own pax record (GNU tar's posix format writes one per entry) went with it.
        if (format === 'posix') expect(readFileSync(tar).includes('PaxHeaders/build.yaml')).toBe(withOld)
        expect(readFileSync(out).includes('PaxHeaders/build.yaml')).toBe(false)
        if (!withOld) {
          // The folder is made too, as root 0755, so extraction does not invent it.
          expect(after.get('etc/metal')).toMatchObject({ type: 'directory', mode: 0o755, uid: 0 })
          after.delete('etc/metal')
        }
        expect(after).toEqual(before)
        // The long names came through (GNU long-name or pax headers kept with their entries).
        expect([...after.keys()].some((k) => k.length > 150)).toBe(true)
      },
    )
  })

  test.each([1 << 20, 333])(
    'content still being made (git): the archive streams up to its end, then the file goes in (%i-byte pieces)',
    async (piece) => {
      const tar = makeTar(dir, 'gnu', true)
      const expected = readFileSync((await inject(tar, 1 << 20)).out)
      const data = readFileSync(tar)
      let resolve!: (content: string) => void
      const content = new Promise<string>((r) => (resolve = r))
      const { inspector } = injecting(content)
      const out: Buffer[] = []
      let passedBeforeContent = -1
      // Handed the content only once nothing more comes out: everything before the end marker went through.
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          out.push(chunk)
          done()
        },
      })
      let seen = -1
      const waiting = setInterval(() => {
        const passed = out.reduce((n, c) => n + c.length, 0)
        if (passed > 0 && passed === seen) {
          clearInterval(waiting)
          passedBeforeContent = passed
          resolve(buildInfoYaml(info))
        }
        seen = passed
      }, 50)
      await pipeline(Readable.from(pieces(data, piece)), inspector, sink)
      clearInterval(waiting)
      const result = Buffer.concat(out)
      expect(result.equals(expected)).toBe(true)
      // Every entry but the replaced build.yaml had gone through; only the new entry and the end were held back.
      expect(passedBeforeContent).toBeGreaterThan(0)
      expect(result.subarray(0, passedBeforeContent).equals(expected.subarray(0, passedBeforeContent))).toBe(
        true,
      )
      const newEntry = 512 + Math.ceil(buildInfoYaml(info).length / 512) * 512
      expect(passedBeforeContent).toBe(expected.length - newEntry - (data.length - endOfEntries(data)))
    },
  )

  test('a file whose size only its pax record holds (8 GiB and more) is skipped by that size', async () => {
    // tar-stream writes the pax record; the ustar size field is then zeroed, as writers do for sizes
    // octal cannot hold. GNU tar reads the result by the pax size.
    const packed = pack()
    packed.entry({ name: 'etc/', type: 'directory', mode: 0o755 })
    packed.entry({ name: 'big', size: 1500, pax: { size: '1500' } }, Buffer.alloc(1500, 0x41))
    packed.entry({ name: 'after', size: 2 }, 'ok')
    packed.finalize()
    const parts: Buffer[] = []
    for await (const part of packed) parts.push(part as Buffer)
    const tar = Buffer.concat(parts)
    // etc/ at 0, the pax header at 512 with its records at 1024: big's own header is at 1536.
    expect(tar[512 + 156]).toBe(0x78)
    const at = 1536
    expect(tar[at + 156]).toBe(0x30)
    tar.write('00000000000\0', at + 124, 12, 'latin1')
    tar.fill(0x20, at + 148, at + 156)
    let sum = 0
    for (let i = at; i < at + 512; i++) sum += tar[i]!
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 8, 'latin1')
    const file = join(dir, 'pax-size.tar')
    writeFileSync(file, tar)
    expect(execFileSync('tar', ['-tvf', file], { encoding: 'utf8' })).toMatch(/ 1500 .* big\n/)

    const { out, injection } = await inject(file, 700)
    expect(injection.replaced).toBe(0)
    expect(execFileSync('tar', ['-xOf', out, 'after'], { encoding: 'utf8' })).toBe('ok')
    expect(execFileSync('tar', ['-xOf', out, 'etc/metal/build.yaml'], { encoding: 'utf8' })).toBe(
      buildInfoYaml(info),
    )
  })

  /** The inspector's output and error (if any) for `data` in 1000-byte pieces. */
  async function run(data: Buffer): Promise<{ out: Buffer; error: unknown; injection: TarFileInjection }> {
    const { inspector, injection } = injecting(buildInfoYaml(info))
    const out: Buffer[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk)
        done()
      },
    })
    const error = await pipeline(Readable.from(pieces(data, 1000)), inspector, sink).then(
      () => undefined,
      (err: unknown) => err,
    )
    return { out: Buffer.concat(out), error, injection }
  }

  test('a stream cut off is an error wherever it ends', async () => {
    const data = readFileSync(makeTar(dir, 'posix', true))
    // GNU tar's posix format: the pax record of the old build.yaml, then its header, then its data.
    const records = data.indexOf('etc/metal/PaxHeaders/build.yaml')
    const header = data.indexOf('etc/metal/build.yaml')
    expect([records % 512, header % 512, header - records]).toEqual([0, 0, 1024])
    for (const [cut, replaced] of [
      [records + 600, 0], // inside its pax record: the entry never came
      [header + 700, 1], // inside its data
      [endOfEntries(data) + 512, 1], // after one zero block of the two
    ] as const) {
      const { error, injection } = await run(data.subarray(0, cut))
      expect(String(error)).toMatch(/truncated/)
      expect(injection.replaced).toBe(replaced)
    }
  })

  test('records that no entry follows, before the end marker: the file goes in before them', async () => {
    const data = readFileSync(makeTar(dir, 'posix', false))
    // A pax record renaming "the next entry", then the end marker: GNU tar reads this without a complaint.
    const record = '20 path=etc/renamed\n'
    expect(record.length).toBe(20)
    const paxHeader = Buffer.alloc(512)
    paxHeader.write('PaxHeaders/orphan', 0)
    paxHeader.write('0000644\0', 100)
    paxHeader.write(`${record.length.toString(8).padStart(11, '0')}\0`, 124)
    paxHeader.write('x', 156)
    paxHeader.write('ustar\0' + '00', 257, 'latin1')
    paxHeader.fill(0x20, 148, 156)
    const sum = paxHeader.reduce((a, b) => a + b, 0)
    paxHeader.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    const body = Buffer.alloc(512)
    body.write(record)
    const orphaned = Buffer.concat([
      data.subarray(0, endOfEntries(data)),
      paxHeader,
      body,
      Buffer.alloc(1024),
    ])
    const file = join(dir, 'orphan.tar')
    writeFileSync(file, orphaned)
    execFileSync('tar', ['-tf', file])

    const { out, error } = await run(orphaned)
    expect(error).toBeUndefined()
    const result = join(dir, 'orphan.out.tar')
    writeFileSync(result, out)
    // In before the record, so the record renames nothing of ours.
    const listing = execFileSync('tar', ['-tf', result], { encoding: 'utf8' }).split('\n')
    expect(listing.filter((l) => l.endsWith('build.yaml'))).toEqual(['etc/metal/build.yaml'])
    expect(listing).not.toContain('etc/renamed')
    expect(execFileSync('tar', ['-xOf', result, 'etc/metal/build.yaml'], { encoding: 'utf8' })).toBe(
      buildInfoYaml(info),
    )
  })

  test('every entry of the path goes, the last one right before the end marker too', async () => {
    const tar = makeTar(dir, 'posix', true)
    // Appended again: a second build.yaml, the archive's last entry.
    const root = tar.replace(/\.tar$/, '')
    execFileSync('tar', ['--format=posix', '-C', root, '-rf', tar, 'etc/metal/build.yaml'])
    const { out, error, injection } = await run(readFileSync(tar))
    expect(error).toBeUndefined()
    expect(injection.replaced).toBe(2)
    const result = `${tar}.twice.out`
    writeFileSync(result, out)
    const listing = execFileSync('tar', ['-tf', result], { encoding: 'utf8' }).split('\n')
    expect(listing.filter((l) => l.endsWith('build.yaml'))).toEqual(['etc/metal/build.yaml'])
    expect(out.includes('PaxHeaders/build.yaml')).toBe(false)
  })

  test('content that cannot be made fails the stream', async () => {
    const tar = makeTar(dir, 'gnu', false)
    const { inspector } = injecting(Promise.reject(new Error('git is broken')))
    await expect(
      pipeline(
        Readable.from(pieces(readFileSync(tar), 4096)),
        inspector,
        new Writable({ write: (_c, _e, cb) => cb() }),
      ),
    ).rejects.toThrow('git is broken')
  })
})

test('a stream that is not a tar is an error, with nothing added', async () => {
  const junk = Buffer.from('this is not a tar archive\n'.repeat(100))
  const { inspector } = injecting('x')
  await expect(
    pipeline(Readable.from([junk]), inspector, new Writable({ write: (_c, _e, cb) => cb() })),
  ).rejects.toThrow(/not a tar archive/)
  expect(inspector.facts.bytes).toBe(0)
})
