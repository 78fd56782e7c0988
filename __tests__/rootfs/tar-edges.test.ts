import { mkdirSync, mkdtempSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import { TarFormatError, type TarHeader } from '../../src/rootfs/tar.ts'
import { requireTool } from '../helpers/env.ts'
import { END, ZERO_BLOCK, entry, gnuCreate, gnuList, header, pax, record } from './tar-bytes.ts'

// What GNU tar 1.34 (the reference) and metal-hammer's Go archive/tar read, against what TarInspector reads:
// where they stop, which records they refuse, how they frame the data. Every archive here is also read by
// `tar -t`, and the test states what GNU tar did with it.

const haveTar = requireTool('tar', 'apt-get install tar')

/** TarInspector as the pipeline runs it: every header observed, the dpkg status captured, 700-byte chunks. */
async function read(
  tar: Buffer,
): Promise<{ headers: TarHeader[]; files: Map<string, Buffer>; error?: Error }> {
  const headers: TarHeader[] = []
  const inspector = new TarInspector({
    capture: (path) => path === 'var/lib/dpkg/status',
    observer: { observe: (h) => (headers.push(h), false), file: () => {} },
  })
  const chunks = function* () {
    for (let i = 0; i < tar.length; i += 700) yield tar.subarray(i, i + 700)
  }
  const sink = new Writable({ write: (_c, _e, cb) => cb() })
  try {
    await pipeline(Readable.from(chunks()), inspector, sink)
  } catch (err) {
    return { headers, files: inspector.facts.files, error: err as Error }
  }
  return { headers, files: inspector.facts.files }
}

const names = (headers: TarHeader[]) => headers.map((h) => h.name)

/** A small rootfs written by GNU tar: a dpkg status listing `pkg`. */
function dpkgRootfs(pkg: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-dpkg-'))
  mkdirSync(join(dir, 'var/lib/dpkg'), { recursive: true })
  writeFileSync(join(dir, 'var/lib/dpkg/status'), `Package: ${pkg}\nStatus: install ok installed\n\n`)
  return gnuCreate(dir, ['-cf', '-', 'var'])
}

describe.skipIf(!haveTar)('the inspector stops where GNU tar stops', () => {
  test('a lone zero block: GNU tar stops there (with a warning) and extracts nothing after it; refused', async () => {
    const tar = Buffer.concat([entry('a', 'A'), ZERO_BLOCK, entry('evil-backdoor', 'B'), END])
    const gnu = gnuList(tar)
    expect(gnu).toMatchObject({ status: 0, names: ['a'] })
    expect(gnu.stderr).toMatch(/A lone zero block at/)
    // --ignore-zeros is not the default: only with it does GNU tar read on.
    expect(gnuList(tar, ['--ignore-zeros']).names).toEqual(['a', 'evil-backdoor'])
    const ours = await read(tar)
    expect(names(ours.headers)).toEqual(gnu.names)
    expect(ours.error).toBeInstanceOf(TarFormatError)
    expect(ours.error!.message).toMatch(
      /^a lone zero block at byte 1024 is followed by more entries \(at byte 1536: "evil-backdoor"\): GNU tar .* metal-hammer's Go tar reader fails on it/,
    )
  })

  test('a second archive after the end marker (cat a.tar b.tar): GNU tar ignores it; refused, naming it', async () => {
    const first = dpkgRootfs('base-files')
    const second = dpkgRootfs('evil-backdoor')
    const tar = Buffer.concat([first, second])
    const gnu = gnuList(tar)
    expect(gnu).toMatchObject({
      status: 0,
      names: ['var/', 'var/lib/', 'var/lib/dpkg/', 'var/lib/dpkg/status'],
    })
    expect(gnu.stderr).toBe('')
    expect(gnuList(tar, ['--ignore-zeros']).names).toHaveLength(8)
    const ours = await read(tar)
    expect(names(ours.headers)).toEqual(gnu.names)
    expect(ours.error!.message).toMatch(
      new RegExp(
        `^the tar archive goes on after its end-of-archive marker \\(at byte 2560\\): a second tar archive starts at byte ${first.length} \\(its first entry "var/"\\)\\. GNU tar \\(without --ignore-zeros\\) and metal-hammer stop at the marker`,
      ),
    )
    // The evil package was never read as the image's package database.
    expect(ours.files.get('var/lib/dpkg/status')?.toString()).toMatch(/^Package: base-files\n/)
  })

  test.each([
    ['right after the marker', Buffer.from('junk'), 2048],
    [
      'after zero padding, not on a block boundary',
      Buffer.concat([Buffer.alloc(700), Buffer.from('x')]),
      2048 + 700,
    ],
  ])(
    'other data after the end marker (%s): GNU tar ignores it; refused at its byte',
    async (_n, tail, at) => {
      const tar = Buffer.concat([entry('a', 'A'), END, tail])
      expect(gnuList(tar)).toMatchObject({ status: 0, names: ['a'] })
      const ours = await read(tar)
      expect(ours.error!.message).toContain(`: data that is no tar header comes at byte ${at}.`)
    },
  )

  test('zeros without end after the marker (a device such as /dev/zero) are refused after 64 MiB', async () => {
    const chunk = Buffer.alloc(1 << 20)
    const zeros = function* () {
      yield Buffer.concat([entry('a', 'A'), END])
      for (let i = 0; i < 80; i++) yield chunk
    }
    const inspector = new TarInspector({ capture: () => false })
    const sink = new Writable({ write: (_c, _e, cb) => cb() })
    await expect(pipeline(Readable.from(zeros()), inspector, sink)).rejects.toThrow(
      /^more than 64 MiB of zeros after the end-of-archive marker at byte 2048: not the padding of a tar file$/,
    )
    // 63 MiB of them are padding, however odd.
    const padded = Buffer.concat([entry('a', 'A'), END, Buffer.alloc(63 << 20)])
    expect((await read(padded)).error).toBeUndefined()
  })

  test('zeros after the end marker (a record padded by tar, any length) are fine', async () => {
    for (const tail of [Buffer.alloc(0), Buffer.alloc(9216), Buffer.alloc(700)]) {
      const tar = Buffer.concat([entry('a', 'A'), END, tail])
      expect(gnuList(tar)).toMatchObject({ status: 0, names: ['a'] })
      const ours = await read(tar)
      expect(ours.error).toBeUndefined()
      expect(names(ours.headers)).toEqual(['a'])
    }
  })

  test('one zero block and the end of the stream: GNU tar warns and reads it; refused as cut off', async () => {
    const tar = Buffer.concat([entry('a', 'A'), ZERO_BLOCK])
    const gnu = gnuList(tar)
    expect(gnu).toMatchObject({ status: 0, names: ['a'] })
    expect(gnu.stderr).toMatch(/A lone zero block/)
    expect((await read(tar)).error!.message).toMatch(/truncated.*without the end-of-archive marker/)
  })
})

/** GNU tar 1.34's exit status: 0, or 2 when it complained about the pax header (and still extracted). */
const PAX_CASES: [name: string, records: Buffer, gnuStatus: number, ours: RegExp | string][] = [
  ['well-formed', record('path', 'long-name'), 0, 'long-name'],
  ['a length too small', Buffer.from('10 path=long-name\n'), 2, /does not end with a newline .*both refuse/],
  [
    'a length too large',
    Buffer.from('30 path=long-name\n'),
    2,
    /says it is 30 bytes long, but only 18 .*both refuse/,
  ],
  [
    'a length that is no number',
    Buffer.from('x8 path=long-name\n'),
    2,
    /does not start with its length; .*both refuse/,
  ],
  [
    'no space after the length',
    Buffer.from('18path=long-name\n'),
    2,
    /not followed by a space; .*both refuse/,
  ],
  ['no "="', Buffer.from('17 pathlong-name\n'), 2, /has no "=" .*both refuse/],
  ['a zero length', Buffer.from('0 path=x\n'), 2, /both refuse/],
  [
    'a newline after the last record',
    Buffer.concat([record('path', 'long-name'), Buffer.from('\n')]),
    2,
    /record 2 .*both refuse/,
  ],
  ['size not a number', record('size', 'abc'), 2, /size="abc" .*both refuse/],
  ['size negative', record('size', '-1'), 2, /size="-1" .*both refuse/],
  ['uid not a number', record('uid', 'abc'), 2, /uid="abc" .*both refuse/],
  ['gid too large', record('gid', '99999999999999999999999'), 2, /both refuse/],
  ['mtime not a time', record('mtime', 'abc'), 2, /mtime="abc" is not a time; .*both refuse/],
  ['GNU.sparse.size not a number', record('GNU.sparse.size', 'abc'), 2, /both refuse/],
  [
    'GNU.sparse.realsize past 64 bits',
    record('GNU.sparse.realsize', '99999999999999999999999999'),
    2,
    /is larger than 9007199254740991; .*both refuse/,
  ],
  // Refused by Go's reader (metal-hammer) only.
  [
    'NUL bytes after the records',
    Buffer.concat([record('path', 'long-name'), Buffer.alloc(20)]),
    0,
    /metal-hammer \(Go archive\/tar\) refuses it/,
  ],
  [
    'a blank before the length',
    Buffer.from(' 19 path=long-name\n'),
    0,
    /metal-hammer \(Go archive\/tar\) refuses it/,
  ],
  ['an empty key', record('', 'v'), 0, /has an empty key; metal-hammer/],
  ['a NUL byte in path', record('path', Buffer.from('long\0name')), 0, /a NUL byte in path; metal-hammer/],
  // Refused by GNU tar only.
  ['uid negative', record('uid', '-5'), 2, /GNU tar refuses it, where metal-hammer/],
  // Read differently: GNU tar lists it as "." (with a warning), Go keeps the ustar name.
  [
    'an empty path',
    record('path', ''),
    0,
    /an empty path; GNU tar and metal-hammer \(Go archive\/tar\) read it differently/,
  ],
  // Read alike.
  ['a fraction of a second', record('mtime', '12.5'), 0, 'short'],
  ['an unknown key', record('foo.bar', 'baz'), 0, 'short'],
  [
    'path twice: the last wins',
    Buffer.concat([record('path', 'first'), record('path', 'second')]),
    0,
    'second',
  ],
]

describe.skipIf(!haveTar)('pax records are read as strictly as GNU tar and Go read them', () => {
  test.each(PAX_CASES)('%s', async (_name, records, gnuStatus, expected) => {
    const tar = Buffer.concat([pax(records), entry('short', 'DATA'), END])
    expect(gnuList(tar).status).toBe(gnuStatus)
    const ours = await read(tar)
    if (typeof expected === 'string') {
      expect(ours.error).toBeUndefined()
      return expect(names(ours.headers)).toEqual([expected])
    }
    expect(ours.error).toBeInstanceOf(TarFormatError)
    // The entry is named, and where its pax header is.
    expect(ours.error!.message).toMatch(
      /^"short" \(its header at byte 1024\): its pax extended header at byte 0 is malformed: /,
    )
    expect(ours.error!.message).toMatch(expected)
    expect(ours.headers).toEqual([])
  })

  test('a second pax header replaces the first, as in GNU tar', async () => {
    const tar = Buffer.concat([pax(record('path', 'p1')), pax(record('uid', '7')), entry('short', 'D'), END])
    expect(gnuList(tar).names).toEqual(['short'])
    expect((await read(tar)).headers.map((h) => [h.name, h.uid])).toEqual([['short', 7]])
  })

  test('a name that is not UTF-8 is kept byte for byte, as both readers do, not folded into another', async () => {
    const tar = Buffer.concat([
      pax(record('path', Buffer.from('bad\xffname', 'latin1'))),
      entry('x', 'A'),
      pax(record('path', Buffer.from('bad\xfename', 'latin1'))),
      entry('y', 'B'),
      END,
    ])
    const gnu = gnuList(tar)
    expect(gnu).toMatchObject({ status: 0, names: ['bad\\377name', 'bad\\376name'] })
    expect(names((await read(tar)).headers)).toEqual(['bad\\xffname', 'bad\\xfename'])
  })
})

describe.skipIf(!haveTar)('names no filesystem can hold are refused before anything keeps them', () => {
  // Linux's PATH_MAX is 4096 with the NUL: a path or symlink target of 4096 bytes cannot be made, so no
  // machine could extract it, while both readers list it; refusing it bounds what each name costs later.
  const long = (bytes: number) => `${'d/'.repeat(Math.floor((bytes - 1) / 2))}f`.padEnd(bytes, 'f')
  const longLink = (flag: 'L' | 'K', value: string) =>
    entry('././@LongLink', Buffer.from(`${value}\0`), { flag })

  test.each([
    [
      'a pax path',
      (n: number) => Buffer.concat([pax(record('path', long(n))), entry('short', 'A')]),
      /^the pax extended header at byte 0: a name of 4096 bytes/,
    ],
    [
      'a pax link target',
      (n: number) =>
        Buffer.concat([pax(record('linkpath', long(n))), header('s', { flag: '2', linkname: 'x' })]),
      /^the pax extended header at byte 0: a link target of 4096 bytes/,
    ],
    [
      'a GNU long name',
      (n: number) => Buffer.concat([longLink('L', long(n)), entry('short', 'A')]),
      /^the GNU long name record at byte 0: a name of 4096 bytes/,
    ],
    [
      'a GNU long link',
      (n: number) => Buffer.concat([longLink('K', long(n)), header('s', { flag: '2', linkname: 'x' })]),
      /^the GNU long link record at byte 0: a link target of 4096 bytes/,
    ],
  ])('%s of 4095 bytes is read, of 4096 refused', async (_what, make, message) => {
    const fits = Buffer.concat([make(4095), END])
    expect(gnuList(fits).status).toBe(0)
    const read4095 = await read(fits)
    expect(read4095.error).toBeUndefined()
    expect(read4095.headers).toHaveLength(1)
    const over = Buffer.concat([make(4096), END])
    expect(gnuList(over).status).toBe(0)
    const ours = await read(over)
    expect(ours.error).toBeInstanceOf(TarFormatError)
    expect(ours.error!.message).toMatch(message)
    expect(ours.error!.message).toMatch(
      /Linux takes at most 4095 \(PATH_MAX\), so no machine could extract it$/,
    )
    expect(ours.headers).toEqual([])
  })

  test('a long name that is not UTF-8 becomes one string, each byte shown as \\xNN', async () => {
    const name = Buffer.concat([Buffer.from('a/'), Buffer.alloc(4000, 0xff), Buffer.from('z')])
    const ours = await read(Buffer.concat([pax(record('path', name)), entry('short', 'A'), END]))
    expect(ours.headers.map((h) => h.name)).toEqual([`a/${'\\xff'.repeat(4000)}z`])
  })
})

describe.skipIf(!haveTar)('header fields and data framing as both readers see them', () => {
  test.each([
    ['size', 124, '0000000001x\0', /its size field is "0000000001x\\u0000", not an octal number/],
    ['mode', 100, '06x4\0\0\0\0', /its mode field/],
    ['mtime', 136, '0000000001z\0', /its mtime field/],
  ])('garbage in the %s field: GNU tar refuses it, so do we', async (_f, at, bytes, message) => {
    const tar = Buffer.concat([
      header('a', { size: 1, raw: [[at, Buffer.from(bytes, 'latin1')]] }),
      Buffer.alloc(512),
      entry('b', 'B'),
      END,
    ])
    expect(gnuList(tar).status).toBe(2)
    expect((await read(tar)).error!.message).toMatch(message)
  })

  test('an all-NUL field is 0 for both', async () => {
    const tar = Buffer.concat([
      header('a', { size: 1, raw: [[136, Buffer.alloc(12)]] }),
      Buffer.alloc(512),
      END,
    ])
    expect(gnuList(tar)).toMatchObject({ status: 0, names: ['a'] })
    expect((await read(tar)).error).toBeUndefined()
  })

  test.each([
    ['2', 'symlink', true],
    ['3', 'character-device', true],
    ['6', 'fifo', true],
    ['1', 'link', false],
    ['5', 'directory', false],
  ])('a %s header (%s) with a size field of 512', async (flag, type, refused) => {
    const tar = Buffer.concat([
      entry('a', 'A'),
      header(flag === '5' ? 'dir/' : 'odd', { flag, size: 512, linkname: flag < '3' ? 'a' : '' }),
      entry('hidden', 'H'),
      END,
    ])
    const gnu = gnuList(tar)
    const ours = await read(tar)
    if (refused) {
      // GNU tar reads a block of data after it, Go's reader none: they would see different entries.
      expect(gnu.stderr).toMatch(/Skipping to next header/)
      expect(ours.error!.message).toMatch(
        new RegExp(`a ${type} header with a size of 512 bytes: GNU tar reads`),
      )
    } else {
      // Both read no data after a hard link or a directory, whatever the size field says.
      expect(gnu.names.at(-1)).toBe('hidden')
      expect(ours.error).toBeUndefined()
      expect(names(ours.headers).at(-1)).toBe('hidden')
    }
  })
})

describe.skipIf(!haveTar)('sparse files as GNU tar writes them', () => {
  function sparseDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'metal-image-sparse-'))
    const fd = openSync(join(dir, 'sparse'), 'w')
    // Ten data regions: more than an old GNU header holds (4), so extension blocks follow it.
    for (let i = 0; i < 10; i++) writeSync(fd, `data${i}`, i << 20)
    closeSync(fd)
    writeFileSync(join(dir, 'after'), 'after\n')
    return dir
  }

  test.each([
    ['gnu', []],
    ['pax', ['--sparse-version=0.0']],
    ['pax', ['--sparse-version=0.1']],
    ['pax', ['--sparse-version=1.0']],
  ])('--format=%s %s: the same entries, names and sizes as tar -tv', async (format, extra) => {
    const tar = gnuCreate(sparseDir(), [`--format=${format}`, '-S', ...extra, '-cf', '-', 'sparse', 'after'])
    const gnu = gnuList(tar, ['-v'])
    expect(gnu.status).toBe(0)
    const ours = await read(tar)
    expect(ours.error).toBeUndefined()
    expect(names(ours.headers)).toEqual(['sparse', 'after'])
    expect(gnu.names[0]).toContain(` ${ours.headers[0]!.size} `)
    // The old GNU format keeps its own type flag ('S'), which metal-hammer's extractor does not know.
    expect(ours.headers[0]!.flag).toBe(format === 'gnu' ? 'S' : '0')
  })
})
