import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { TarInspector, normalizeTarPath } from '../src/inspect.ts'
import { requireTool } from './helpers/env.ts'

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
  const inspector = new TarInspector((path) => capture.includes(path))
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
