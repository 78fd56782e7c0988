import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chownSync,
  linkSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { extract } from 'tar-stream'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import { normalizeTarPath } from '../../src/rootfs/tar.ts'
import { TarWalker, type TarHeader } from '../../src/rootfs/tar.ts'
import { requireTool } from '../helpers/env.ts'

const haveTar = requireTool('tar', 'apt-get install tar')

/** A small rootfs made with GNU tar, the reference writer. */
function makeTar(files: Record<string, string>, args: string[] = []): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-rootfs-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return execFileSync('tar', ['-C', dir, ...args, '-cf', '-', '.'], { maxBuffer: 1 << 28 })
}

async function inspect(tar: Buffer, capture = ['var/lib/dpkg/status'], chunk = 1000) {
  const inspector = new TarInspector({ capture: (path) => capture.includes(path) })
  const out: Buffer[] = []
  const chunks = function* () {
    for (let i = 0; i < tar.length; i += chunk) yield tar.subarray(i, i + chunk)
  }
  await pipeline(
    Readable.from(chunks()),
    inspector,
    new Writable({
      write(c, _e, cb) {
        out.push(c)
        cb()
      },
    }),
  )
  return { facts: inspector.facts, passed: Buffer.concat(out) }
}

describe.skipIf(!haveTar)('TarInspector', () => {
  test('passes the bytes through unchanged and captures the wanted file', async () => {
    const tar = makeTar({
      'var/lib/dpkg/status': 'Package: x\n',
      'etc/os-release': 'ID=debian\n',
      'usr/bin/big': 'x'.repeat(100_000),
    })
    const { facts, passed } = await inspect(tar)
    expect(passed.equals(tar)).toBe(true)
    expect(facts.bytes).toBe(tar.length)
    expect(facts.files.get('var/lib/dpkg/status')?.toString()).toBe('Package: x\n')
    expect([...facts.files.keys()]).toEqual(['var/lib/dpkg/status'])
    // ., etc, etc/os-release, usr, usr/bin, usr/bin/big, var, var/lib, var/lib/dpkg, var/lib/dpkg/status
    expect(facts.entries).toBe(10)
  })

  test('long paths (pax/GNU headers) and absolute names are normalized', async () => {
    const deep = `${'d'.repeat(120)}/${'e'.repeat(120)}/file`
    const tar = makeTar({ [deep]: 'deep' }, ['--format=pax'])
    const { facts } = await inspect(tar, [deep])
    expect(facts.files.get(deep)?.toString()).toBe('deep')
    expect(normalizeTarPath('./var/lib/dpkg/status')).toBe('var/lib/dpkg/status')
    expect(normalizeTarPath('/var/lib/')).toBe('var/lib')
  })

  test.each([
    ['not a tar', () => Buffer.from('hello, this is not a tar archive\n'.repeat(100)), /not a tar archive/],
    ['empty', () => Buffer.alloc(0), /empty/],
    ['only zero blocks', () => Buffer.alloc(10240), /no entries/],
    [
      'cut in the middle of a file',
      () => makeTar({ a: 'x'.repeat(50_000) }).subarray(0, 20_000),
      /truncated/,
    ],
    [
      'cut after a whole entry, before the end marker',
      () => {
        const tar = makeTar({ a: 'x'.repeat(512) })
        // ".", then "./a" with one data block: 4 blocks, then the zero blocks.
        return tar.subarray(0, 4 * 512)
      },
      /truncated.*end-of-archive marker/,
    ],
    [
      'cut after a file of zeros, where a header would come',
      () => {
        // ".", then "./zeros" with eight zero data blocks: cut right after them, 10 blocks in.
        const tar = makeTar({ zeros: '\0'.repeat(4096) })
        return tar.subarray(0, 10 * 512)
      },
      /truncated.*end-of-archive marker/,
    ],
  ])('%s is an error', async (_name, make, message) => {
    await expect(inspect(make())).rejects.toThrow(message)
  })

  test('a real rootfs tar read in odd chunk sizes gives the same facts', async () => {
    const tar =
      readFileSync('/etc/passwd').length > 0
        ? makeTar({ 'var/lib/dpkg/status': readFileSync('/var/lib/dpkg/status', 'utf8') })
        : Buffer.alloc(0)
    const a = await inspect(tar, undefined, 511)
    const b = await inspect(tar, undefined, 1 << 20)
    expect(a.facts.files.get('var/lib/dpkg/status')!.equals(b.facts.files.get('var/lib/dpkg/status')!)).toBe(
      true,
    )
    expect(a.facts.entries).toBe(b.facts.entries)
  })
})

/** The type flags GNU tar writes, by tar-stream's type names. */
const FLAGS: Record<string, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
}

/** Every header as tar-stream's extract reads it: the reference reader this project used before TarWalker. */
async function referenceHeaders(tar: Buffer): Promise<{ headers: TarHeader[]; bodies: Map<string, Buffer> }> {
  const headers: TarHeader[] = []
  const bodies = new Map<string, Buffer>()
  const ex = extract()
  ex.on('entry', (h, body, next) => {
    const parts: Buffer[] = []
    body.on('data', (p) => parts.push(p as Buffer))
    body.on('end', () => {
      // tar-stream leaves pax uid and gid records (ids over 2097151) in h.pax; tar applies them, as TarWalker does.
      const pax = h.pax as Record<string, string> | undefined
      headers.push({
        name: h.name,
        type: h.type ?? null,
        flag: FLAGS[h.type ?? ''] ?? '?',
        mode: h.mode ?? 0,
        uid: pax?.uid ? Number(pax.uid) : (h.uid ?? 0),
        gid: pax?.gid ? Number(pax.gid) : (h.gid ?? 0),
        size: h.size ?? 0,
        linkname: h.linkname ?? null,
      })
      if (h.type === 'file') bodies.set(h.name, Buffer.concat(parts))
      next()
    })
  })
  await pipeline(Readable.from([tar]), ex)
  return { headers, bodies }
}

function walk(tar: Buffer, chunk: number): { headers: TarHeader[]; bodies: Map<string, Buffer> } {
  const headers: TarHeader[] = []
  const bodies = new Map<string, Buffer>()
  const walker = new TarWalker(
    (h) => {
      headers.push({ ...h })
      return h.type === 'file'
    },
    (h, content) => bodies.set(h.name, content),
  )
  // One reused buffer for every chunk, as the sources do: the walker must keep nothing of it.
  const reused = Buffer.alloc(chunk)
  for (let i = 0; i < tar.length; i += chunk) {
    const n = tar.copy(reused, 0, i, i + chunk)
    walker.write(reused.subarray(0, n))
    reused.fill(0xa5)
  }
  walker.end()
  return { headers, bodies }
}

describe.skipIf(!haveTar)('TarWalker reads what tar-stream reads', () => {
  /** Long names and link targets, a hard link, a fifo, an empty file, a big uid, odd sizes. */
  function richTree(format: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'metal-image-rich-'))
    const deep = join(dir, 'd'.repeat(90), 'e'.repeat(90), 'f'.repeat(90))
    mkdirSync(deep, { recursive: true })
    writeFileSync(join(deep, `${'n'.repeat(120)}.txt`), 'deep\n')
    // Over 100 bytes but within ustar's 155-byte prefix and 100-byte name.
    mkdirSync(join(dir, 'm'.repeat(60), 'm'.repeat(60)), { recursive: true })
    writeFileSync(join(dir, 'm'.repeat(60), 'm'.repeat(60), 'medium.txt'), 'medium\n')
    writeFileSync(join(dir, 'empty'), '')
    writeFileSync(join(dir, 'odd'), Buffer.alloc(1537, 7))
    writeFileSync(join(dir, 'blocks'), Buffer.alloc(4096, 1))
    symlinkSync(`${'t'.repeat(150)}/target`, join(dir, 'long-link'))
    symlinkSync('odd', join(dir, 'short-link'))
    linkSync(join(dir, 'odd'), join(dir, 'hard'))
    execFileSync('mkfifo', [join(dir, 'fifo')])
    writeFileSync(join(dir, 'owned'), 'x')
    if (process.getuid?.() === 0)
      chownSync(join(dir, 'owned'), format === 'ustar' ? 70_000 : 3_000_000, 2_500)
    return dir
  }

  test.each(['gnu', 'pax', 'ustar', 'oldgnu'])(
    '%s format, in chunks of 1, 511, 4096 and 1 MiB bytes',
    async (format) => {
      const dir = richTree(format)
      // ustar cannot hold the longest names at all: leave them out there.
      const exclude = format === 'ustar' ? ['--exclude=long-link', `--exclude=${'d'.repeat(90)}`] : []
      const tar = execFileSync('tar', ['-C', dir, `--format=${format}`, ...exclude, '-cf', '-', '.'], {
        maxBuffer: 1 << 28,
      })
      const reference = await referenceHeaders(tar)
      expect(reference.headers.length).toBeGreaterThanOrEqual(11)
      for (const chunk of [1, 511, 4096, 1 << 20]) {
        const ours = walk(tar, chunk)
        expect(ours.headers).toEqual(reference.headers)
        expect(ours.bodies).toEqual(reference.bodies)
      }
    },
  )

  test('a system folder with thousands of entries', async () => {
    const tar = execFileSync('tar', ['-C', '/usr', '-cf', '-', 'share/doc', 'lib/os-release'], {
      maxBuffer: 1 << 30,
    })
    const reference = await referenceHeaders(tar)
    expect(reference.headers.length).toBeGreaterThan(1000)
    const ours = walk(tar, 65_536 + 17)
    expect(ours.headers).toEqual(reference.headers)
    const digests = (bodies: Map<string, Buffer>) =>
      [...bodies].map(([name, body]) => `${name} ${createHash('md5').update(body).digest('hex')}`)
    expect(digests(ours.bodies)).toEqual(digests(reference.bodies))
  })

  test('a header that is not one: the byte where it was expected', () => {
    const tar = makeTar({ a: 'x'.repeat(600) })
    // ".", then "./a" (header at 512, two data blocks): the next header is at 2048.
    tar.fill(0x41, 2048, 2048 + 512)
    expect(() => walk(tar, 700)).toThrow(/not a tar archive \(no valid tar header near byte 2048\)/)
  })
})
