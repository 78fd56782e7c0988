import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readAheadOnThread } from '../../src/pipeline/spill.ts'
import { TarInspector } from '../../src/rootfs/inspect.ts'
import { EntryReplacements } from '../../src/rootfs/replace.ts'
import { exportImage, INIT_LAYER_PATHS } from '../../src/source/image-fs.ts'
import type { Log } from '../../src/util/log.ts'
import { buildxAvailable, dockerAvailable, sh } from '../helpers/env.ts'
import { packTar, tarHeaders, type PackEntry } from '../helpers/tar.ts'

/**
 * `image:` gives the image's own filesystem: a container's export with docker's init layer put right
 * from a small BuildKit copy (or, where that copy cannot be made, BuildKit's exporter of the whole image).
 * The reference is BuildKit's tar exporter `FROM <image>`, header for header: names in order, modes,
 * owners and their names, times, device numbers, pax records, contents.
 */

const root = resolve(import.meta.dirname, '..', '..')
const ready = dockerAvailable() && buildxAvailable()
const PLATFORM = `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => void lines.push(m),
    warning: (m) => void lines.push(`warning: ${m}`),
    debug: () => {},
    group: (_n, fn) => fn(),
  }
}

/** What BuildKit's tar exporter gives of `FROM image` on the engine's builder. */
function reference(image: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'imgfs-ref-'))
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${image}\n`)
  return execFileSync(
    'docker',
    ['buildx', 'build', '--builder', 'default', '--progress', 'quiet', '-o', 'type=tar,dest=-', dir],
    { maxBuffer: 1 << 30 },
  )
}

/** The source as the pipeline reads it: the export, corrected by the inspector. */
async function ours(image: string): Promise<{ tar: Buffer; method: string; log: string[] }> {
  const log = recordingLog()
  const source = await exportImage(image, PLATFORM, log, new AbortController().signal)
  const out: Buffer[] = []
  try {
    await pipeline(
      // BuildKit's exporter is read as the pipeline reads it at LZ4 HC levels: by a worker, spilling.
      source.takeFd ? readAheadOnThread(source.takeFd()) : source.stream,
      new TarInspector({
        capture: () => false,
        replace: source.correct && new EntryReplacements(source.correct.paths, source.correct.truth),
        release: source.release,
      }),
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(Buffer.from(chunk))
          source.release?.(chunk)
          done()
        },
      }),
    )
    await source.exited
  } finally {
    await source.cleanup()
  }
  return { tar: Buffer.concat(out), method: source.method, log: log.lines }
}

/**
 * A file capability (vfs_cap_data v2: cap_net_raw permitted), the one extended attribute docker's export
 * writes (moby's archive reads security.capability only): where an image has others (user.*), the export
 * has not, and neither has this source. Debian's and Ubuntu's images have only this one (ping).
 */
const CAPABILITY = 'SCHILY.xattr.security.capability'
const NET_RAW = '\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'

async function importTar(name: string, entries: PackEntry[]): Promise<void> {
  execFileSync('docker', ['import', '-', name], { input: await packTar(entries) })
}

describe.skipIf(!ready)("image: the image's own filesystem", () => {
  const made: string[] = []
  const containersBefore = (): string => sh('docker', ['ps', '-aq']).trim()

  beforeAll(async () => {
    sh('bash', [join(root, 'scripts/base-image.sh'), 'debian:bookworm'])
    const own = mkdtempSync(join(tmpdir(), 'imgfs-own-'))
    writeFileSync(
      join(own, 'Dockerfile'),
      'FROM debian:bookworm\nCOPY hosts hostname resolv.conf /etc/\nRUN rm -f /etc/mtab && echo fixture > /etc/mtab\n',
    )
    writeFileSync(join(own, 'hosts'), '127.0.0.1 own\n')
    writeFileSync(join(own, 'hostname'), 'own\n')
    writeFileSync(join(own, 'resolv.conf'), 'nameserver 192.0.2.7\n')
    sh('docker', ['buildx', 'build', '--builder', 'default', '-q', '-t', 'imgfs/own:1', own])
    made.push('imgfs/own:1')

    // What no Dockerfile makes: an image with its own /.dockerenv (made from a container export), /etc
    // owned by someone else with mode 0750, /etc/hosts a link, no /dev/pts or /dev/shm, a file capability.
    const t = new Date('2021-03-04T05:06:07Z')
    await importTar('imgfs/imported:1', [
      { name: '.dockerenv', content: 'from an export\n', mode: 0o644, mtime: t },
      { name: 'dev/', type: 'directory', mode: 0o711, mtime: t },
      { name: 'dev/console', type: 'character-device', devmajor: 5, devminor: 1, mode: 0o620, mtime: t },
      { name: 'etc/', type: 'directory', mode: 0o750, uid: 1, gid: 2, mtime: t },
      { name: 'etc/hostname', content: 'imported\n', mode: 0o600, uid: 3, gid: 4, mtime: t },
      { name: 'etc/hosts', type: 'symlink', linkname: '../run/hosts', mtime: t },
      { name: 'etc/os-release', content: 'ID=fixture\n', mtime: t },
      {
        name: 'usr/bin/ping',
        content: 'not really\n',
        mode: 0o755,
        mtime: t,
        pax: { [CAPABILITY]: NET_RAW },
      },
      { name: 'proc/', type: 'directory', mode: 0o555, mtime: t },
      { name: 'sys/', type: 'directory', mode: 0o555, mtime: t },
      { name: `usr/${'long/'.repeat(30)}file`, content: 'deep\n', mtime: t },
    ])
    made.push('imgfs/imported:1')

    // No /etc at all: the copy of /etc cannot be made, BuildKit exports the whole image.
    const bare = mkdtempSync(join(tmpdir(), 'imgfs-bare-'))
    writeFileSync(join(bare, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /hello\n')
    sh('docker', ['buildx', 'build', '--builder', 'default', '-q', '-t', 'imgfs/bare:1', bare])
    made.push('imgfs/bare:1')
  }, 300_000)

  afterAll(() => {
    for (const name of made) spawnSync('docker', ['rmi', '-f', name])
  })

  test.each(['imgfs/own:1', 'imgfs/imported:1'])(
    '%s: a container export with the init layer put right equals BuildKit’s exporter, header for header',
    async (image) => {
      const before = containersBefore()
      const { tar, method } = await ours(image)
      expect(method).toContain("docker's init layer put right from the image")
      const [got, want] = await Promise.all([tarHeaders(tar), tarHeaders(reference(image))])
      expect(got.map((h) => h.name)).toEqual(want.map((h) => h.name))
      for (let i = 0; i < want.length; i++) expect(got[i], want[i]!.name).toEqual(want[i])
      // GNU tar reads it whole.
      expect(execFileSync('tar', ['-tf', '-'], { input: tar, maxBuffer: 1 << 28 }).length).toBeGreaterThan(0)
      expect(containersBefore()).toBe(before)
    },
    120_000,
  )

  test('what it puts right is what a plain container export gets wrong', async () => {
    const { tar } = await ours('imgfs/imported:1')
    const byName = new Map((await tarHeaders(tar)).map((h) => [h.name.replace(/\/$/, ''), h]))
    const container = sh('docker', ['create', 'imgfs/imported:1', '/x']).trim()
    let exported: Buffer
    try {
      exported = execFileSync('docker', ['export', container], { maxBuffer: 1 << 28 })
    } finally {
      sh('docker', ['rm', '-f', container])
    }
    const plain = new Map((await tarHeaders(exported)).map((h) => [h.name.replace(/\/$/, ''), h]))
    for (const path of ['.dockerenv', 'dev', 'dev/console', 'etc', 'etc/hostname', 'etc/hosts'])
      expect(plain.get(path), path).not.toEqual(byName.get(path))
    for (const path of ['dev/pts', 'dev/shm', 'etc/mtab', 'etc/resolv.conf']) {
      expect(plain.has(path), path).toBe(true)
      expect(byName.has(path), path).toBe(false)
    }
    expect(byName.get('.dockerenv')?.size).toBe('from an export\n'.length)
    expect(byName.get('etc')).toMatchObject({ mode: 0o750, uid: 1, gid: 2 })
    expect(byName.get('etc/hosts')).toMatchObject({ type: 'symlink', linkname: '../run/hosts' })
    expect(byName.get('usr/bin/ping')?.pax[CAPABILITY]).toBe(NET_RAW)
    // Every path the init layer touches was looked at.
    expect(INIT_LAYER_PATHS.every((p) => plain.has(p))).toBe(true)
  }, 120_000)

  test('an image without /etc: BuildKit exports the whole image, the same filesystem', async () => {
    const { tar, method, log } = await ours('imgfs/bare:1')
    expect(method).toBe("BuildKit's tar exporter FROM imgfs/bare:1 (the image's own filesystem)")
    expect(log.join('\n')).toContain("BuildKit's tar exporter reads the whole image instead")
    expect(await tarHeaders(tar)).toEqual(await tarHeaders(reference('imgfs/bare:1')))
  }, 120_000)
})
