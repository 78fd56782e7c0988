import { execFileSync } from 'node:child_process'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { extract } from 'tar-stream'
import { TarFileInjection } from '../../src/rootfs/build-info.ts'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import { EntryReplacements } from '../../src/rootfs/replace.ts'
import { normalizeTarPath, TarWalker, type TarHeader } from '../../src/rootfs/tar.ts'
import { requireTool } from '../helpers/env.ts'
import { packTar, type PackEntry } from '../helpers/tar.ts'

const haveTar = requireTool('tar', 'apt-get install tar')

type Entry = PackEntry
const makeTar = packTar

interface Listed {
  name: string
  type: string
  mode: number
  mtime: number
  content: string
  linkname: string | null | undefined
  devmajor: number | undefined
}

async function list(tar: Buffer): Promise<Listed[]> {
  const entries: Listed[] = []
  const parser = extract()
  const done = (async () => {
    for await (const entry of parser) {
      const parts: Buffer[] = []
      for await (const part of entry) parts.push(part as Buffer)
      const h = entry.header
      entries.push({
        name: h.name,
        type: h.type ?? '',
        mode: (h.mode ?? 0) & 0o7777,
        mtime: h.mtime?.getTime() ?? 0,
        content: Buffer.concat(parts).toString(),
        linkname: h.linkname,
        devmajor: h.type === 'character-device' ? h.devmajor : undefined,
      })
    }
  })()
  parser.end(tar)
  await done
  return entries
}

const at = (s: number): Date => new Date(s * 1000)
const LONG = `etc/${'x'.repeat(120)}`

/** What `docker export` gives of a container: the init layer's files over the image's. */
const EXPORTED: Entry[] = [
  { name: '.dockerenv', mode: 0o755, mtime: at(9000) },
  { name: 'bin', type: 'symlink', linkname: 'usr/bin', mtime: at(100) },
  { name: 'dev/', type: 'directory', mode: 0o755, mtime: at(9000) },
  { name: 'dev/console', mode: 0o755, mtime: at(9000) },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime: at(100) },
  { name: 'etc/', type: 'directory', mode: 0o755, mtime: at(9000) },
  { name: 'etc/hostname', mode: 0o755, mtime: at(9000) },
  { name: 'etc/hosts', mode: 0o755, mtime: at(9000) },
  { name: LONG, content: 'long\n', mtime: at(100) },
  { name: 'etc/mtab', type: 'symlink', linkname: '/proc/mounts', mtime: at(9000) },
  { name: 'etc/os-release', content: 'ID=debian\n', mtime: at(100) },
  { name: 'proc/', type: 'directory', mode: 0o755, mtime: at(9000) },
  { name: 'usr/bin/big', content: 'b'.repeat(70_000), mtime: at(100) },
]

/** The image's own entries for the init layer's paths (no /.dockerenv, no /etc/hosts, no /proc). */
const TRUTH: Entry[] = [
  { name: 'dev/', type: 'directory', mode: 0o755, mtime: at(200) },
  { name: 'dev/console', type: 'character-device', devmajor: 5, devminor: 1, mode: 0o600, mtime: at(200) },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime: at(100) },
  { name: 'etc/', type: 'directory', mode: 0o700, mtime: at(300) },
  // A pax record (a long link target) before the header: the entry's blocks include it.
  { name: 'etc/hostname', content: 'box\n', mode: 0o644, mtime: at(300), pax: { comment: 'kept' } },
  { name: 'etc/mtab', type: 'symlink', linkname: `../proc/self/mounts${'/.'.repeat(60)}`, mtime: at(300) },
  { name: 'etc/os-release', content: 'ID=not-this-one\n', mtime: at(300) },
]

const PATHS = ['.dockerenv', 'dev', 'dev/console', 'etc', 'etc/hostname', 'etc/hosts', 'etc/mtab', 'proc']

async function run(
  exported: Buffer,
  truth: Buffer,
  options: { chunk: number; inject?: TarFileInjection },
): Promise<{ out: Buffer; inspector: TarInspector; released: number; seen: TarHeader[] }> {
  let released = 0
  const seen: TarHeader[] = []
  const inspector = new TarInspector({
    capture: (path) => path === 'etc/hostname' || path === 'etc/os-release',
    observer: {
      observe: (header) => {
        seen.push(header)
        return false
      },
      file: () => {},
    },
    replace: new EntryReplacements(PATHS, truth),
    inject: options.inject,
    release: (piece) => void (released += piece.length),
  })
  const chunks = function* () {
    for (let i = 0; i < exported.length; i += options.chunk) yield exported.subarray(i, i + options.chunk)
  }
  const out: Buffer[] = []
  await pipeline(
    Readable.from(chunks()),
    inspector,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c)
        cb()
      },
    }),
  )
  return { out: Buffer.concat(out), inspector, released, seen }
}

describe.skipIf(!haveTar)('EntryReplacements in the TarInspector', () => {
  test.each([1, 511, 700, 4096, 1 << 20])(
    'the init layer entries are the image’s, where they stand, in %i-byte chunks',
    async (chunk) => {
      const exported = await makeTar(EXPORTED)
      const truth = await makeTar(TRUTH)
      const { out, inspector, released, seen } = await run(exported, truth, { chunk })
      const entries = await list(out)
      expect(entries.map((e) => e.name)).toEqual([
        'bin',
        'dev/',
        'dev/console',
        'dev/null',
        'etc/',
        'etc/hostname',
        LONG,
        'etc/mtab',
        'etc/os-release',
        'usr/bin/big',
      ])
      const byName = new Map(entries.map((e) => [e.name, e]))
      expect(byName.get('dev/')?.mtime).toBe(200_000)
      expect(byName.get('dev/console')).toMatchObject({ type: 'character-device', devmajor: 5, mode: 0o600 })
      // A folder keeps the stream's mode and owner (BuildKit's copy does not have them), with the true time.
      expect(byName.get('etc/')).toMatchObject({ mode: 0o755, mtime: 300_000 })
      expect(byName.get('etc/hostname')?.content).toBe('box\n')
      expect(byName.get('etc/mtab')?.linkname).toBe(TRUTH[5]!.linkname)
      // Entries outside the replaced paths come from the stream, never from the truth archive.
      expect(byName.get('etc/os-release')?.content).toBe('ID=debian\n')
      expect(byName.get('usr/bin/big')?.content).toBe('b'.repeat(70_000))
      // GNU tar reads the result as the same list, with nothing after the end.
      const gnu = execFileSync('tar', ['-tf', '-'], { input: out, encoding: 'utf8' }).trim().split('\n')
      expect(gnu).toEqual(entries.map((e) => e.name))
      // The checks see what is published: the replacements, not the container's files.
      expect(inspector.facts.files.get('etc/hostname')?.toString()).toBe('box\n')
      expect(seen.map((h) => h.name)).toEqual(entries.map((e) => e.name))
      expect(seen.find((h) => h.name === 'dev/console')?.type).toBe('character-device')
      expect(inspector.facts.entries).toBe(entries.length)
      expect(inspector.facts.bytes).toBe(out.length)
      // The stream's memory of what was left out is given back; the rest is the encoder's to give back.
      expect(released).toBe(
        bytesOf(
          exported,
          PATHS.filter((p) => p !== 'dev' && p !== 'etc'),
        ),
      )
    },
  )

  test('with the build info put in at the end of the same archive', async () => {
    const exported = await makeTar(EXPORTED)
    const truth = await makeTar(TRUTH)
    const inject = new TarFileInjection('etc/metal/build.yaml', 'built: yes\n', at(500))
    const { out, inspector } = await run(exported, truth, { chunk: 333, inject })
    const entries = await list(out)
    expect(entries.slice(-2).map((e) => [e.name, e.content])).toEqual([
      ['etc/metal/', ''],
      ['etc/metal/build.yaml', 'built: yes\n'],
    ])
    expect(entries.find((e) => e.name === 'etc/hostname')?.content).toBe('box\n')
    expect(entries.some((e) => e.name === '.dockerenv')).toBe(false)
    expect(inspector.facts.entries).toBe(entries.length)
  })

  test('a truth archive that is cut off is refused', async () => {
    const truth = await makeTar(TRUTH)
    expect(() => new EntryReplacements(PATHS, truth.subarray(0, truth.length - 1024))).toThrow(
      /end-of-archive/,
    )
  })
})

/** The bytes of the entries of `paths` in `tar`, records and padding included: what leaving them out removes. */
function bytesOf(tar: Buffer, paths: string[]): number {
  let total = 0
  const walker: TarWalker = new TarWalker(
    (header) => {
      if (paths.includes(normalizeTarPath(header.name))) total += walker.entryEnd - walker.entryStart
      return false
    },
    () => {},
  )
  walker.write(tar)
  return total
}
