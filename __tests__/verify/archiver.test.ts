import { execFileSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { extractArchive, type ExtractFacts } from '../../src/verify/archiver.ts'
import { requireTool } from '../helpers/env.ts'
import { END, gnuLong, paxEntry, rawEntry, rawTar } from '../helpers/raw-tar.ts'

const scratch = mkdtempSync(join(tmpdir(), 'verify-archiver-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
let n = 0

/** Extracts `tar` into a fresh root (with `prepare` run on it first); returns the root and what happened. */
async function extract(
  tar: Buffer,
  prepare?: (root: string) => void,
  chunk = 4096,
): Promise<{ root: string; facts: ExtractFacts; outside: string[] }> {
  const root = join(scratch, `root-${n++}`)
  mkdirSync(root)
  prepare?.(root)
  const outside: string[] = []
  const chunks = async function* () {
    for (let i = 0; i < tar.length; i += chunk) yield tar.subarray(i, i + chunk)
  }
  const facts = await extractArchive(chunks(), { root, onOutside: (entry) => outside.push(entry) })
  return { root, facts, outside }
}

const mode = (path: string) => lstatSync(path).mode & 0o7777

describe('archiver v2.1.0 rules on crafted tars', () => {
  test('directories are 0755 whatever the header says; files keep their mode with setuid, setgid, sticky', async () => {
    const { root, facts } = await extract(
      rawTar(
        rawEntry({ name: 'tmp/', type: '5', mode: 0o1777 }),
        rawEntry({ name: 'root/', type: '5', mode: 0o700 }),
        rawEntry({ name: 'usr/bin/sudo', mode: 0o4755, data: 'suid' }),
        rawEntry({ name: 'usr/bin/wall', mode: 0o2755, data: 'sgid' }),
        rawEntry({ name: 'etc/shadow', mode: 0o640, data: 'secret' }),
        rawEntry({ name: 'var/tmp-file', mode: 0o1644, data: 'sticky' }),
      ),
    )
    expect(mode(join(root, 'tmp'))).toBe(0o755)
    expect(mode(join(root, 'root'))).toBe(0o755)
    // Parents made on the way are 0755 too.
    expect(mode(join(root, 'usr/bin'))).toBe(0o755)
    expect(mode(join(root, 'usr/bin/sudo'))).toBe(0o4755)
    expect(mode(join(root, 'usr/bin/wall'))).toBe(0o2755)
    expect(mode(join(root, 'etc/shadow'))).toBe(0o640)
    expect(mode(join(root, 'var/tmp-file'))).toBe(0o1644)
    expect(readFileSync(join(root, 'etc/shadow'), 'utf8')).toBe('secret')
    expect(facts).toMatchObject({
      entries: 6,
      dirs: 2,
      files: 4,
      bytes: 4 + 4 + 6 + 6,
      end: 'end-of-archive',
    })
  })

  test('character and block devices and FIFOs become empty regular files with their mode', async () => {
    const { root, facts } = await extract(
      rawTar(
        rawEntry({ name: 'dev/null', type: '3', mode: 0o666 }),
        rawEntry({ name: 'dev/sda', type: '4', mode: 0o660 }),
        // A size on a device is ignored: no data follows it.
        rawEntry({ name: 'run/initctl', type: '6', mode: 0o600, size: 4096 }),
        rawEntry({ name: 'after', data: 'still read' }),
      ),
    )
    for (const [name, m] of [
      ['dev/null', 0o666],
      ['dev/sda', 0o660],
      ['run/initctl', 0o600],
    ] as const) {
      const st = lstatSync(join(root, name))
      expect(st.isFile()).toBe(true)
      expect(st.size).toBe(0)
      expect(st.mode & 0o7777).toBe(m)
    }
    expect(readFileSync(join(root, 'after'), 'utf8')).toBe('still read')
    expect(facts.specials).toBe(3)
  })

  test('symlinks are made verbatim; hard links link to the archive-relative target', async () => {
    const { root, facts } = await extract(
      rawTar(
        rawEntry({ name: 'usr/bin/', type: '5' }),
        rawEntry({ name: 'bin', type: '2', linkname: 'usr/bin' }),
        rawEntry({ name: 'etc/alternatives/editor', type: '2', linkname: '/usr/bin/vim.basic' }),
        rawEntry({ name: 'usr/bin/perl', data: 'perl', mode: 0o755 }),
        rawEntry({ name: 'usr/bin/perl5.36', type: '1', linkname: 'usr/bin/perl' }),
        rawEntry({ name: 'usr/bin/perl-abs', type: '1', linkname: '/usr/bin/perl' }),
      ),
    )
    expect(readlinkSync(join(root, 'bin'))).toBe('usr/bin')
    expect(readlinkSync(join(root, 'etc/alternatives/editor'))).toBe('/usr/bin/vim.basic')
    const ino = statSync(join(root, 'usr/bin/perl')).ino
    expect(statSync(join(root, 'usr/bin/perl5.36')).ino).toBe(ino)
    expect(statSync(join(root, 'usr/bin/perl-abs')).ino).toBe(ino)
    expect(facts).toMatchObject({ symlinks: 2, hardlinks: 2 })
  })

  test('a symlink or hard link at an existing path fails, as os.Symlink and os.Link do', async () => {
    await expect(
      extract(
        rawTar(
          rawEntry({ name: 'lib', type: '2', linkname: 'usr/lib' }),
          rawEntry({ name: 'lib', type: '2', linkname: 'usr/lib' }),
        ),
      ),
    ).rejects.toThrow('/rootfs/lib: making symbolic link for: symlink usr/lib /rootfs/lib: file exists')
    // An image whose /proc is a symlink, on top of the mount point metal-hammer made first.
    await expect(
      extract(rawTar(rawEntry({ name: 'proc', type: '2', linkname: 'x' })), (root) =>
        mkdirSync(join(root, 'proc')),
      ),
    ).rejects.toThrow('making symbolic link for')
    await expect(
      extract(
        rawTar(
          rawEntry({ name: 'a', data: 'a' }),
          rawEntry({ name: 'b', data: 'b' }),
          rawEntry({ name: 'b', type: '1', linkname: 'a' }),
        ),
      ),
    ).rejects.toThrow('/rootfs/b: making hard link for: link /rootfs/a /rootfs/b: file exists')
  })

  test('a hard link to a later or missing entry fails; one leaving the root is a cross-device link', async () => {
    await expect(
      extract(
        rawTar(
          rawEntry({ name: 'usr/bin/perl5.36', type: '1', linkname: 'usr/bin/perl' }),
          rawEntry({ name: 'usr/bin/perl', data: 'perl' }),
        ),
      ),
    ).rejects.toThrow(
      'making hard link for: link /rootfs/usr/bin/perl /rootfs/usr/bin/perl5.36: no such file',
    )
    await expect(
      extract(rawTar(rawEntry({ name: 'passwd', type: '1', linkname: '../etc/passwd' }))),
    ).rejects.toThrow('invalid cross-device link')
  })

  test('a later regular file truncates and rewrites an existing one, and through it its hard links', async () => {
    const { root } = await extract(
      rawTar(
        rawEntry({ name: 'a', data: 'first, longer' }),
        rawEntry({ name: 'b', type: '1', linkname: 'a' }),
        rawEntry({ name: 'a', data: 'second', mode: 0o600 }),
      ),
    )
    expect(readFileSync(join(root, 'a'), 'utf8')).toBe('second')
    expect(readFileSync(join(root, 'b'), 'utf8')).toBe('second')
    expect(mode(join(root, 'b'))).toBe(0o600)
  })

  test('a file where a directory is fails; a directory where a file is fails', async () => {
    await expect(
      extract(rawTar(rawEntry({ name: 'etc/', type: '5' }), rawEntry({ name: 'etc', data: 'x' }))),
    ).rejects.toThrow('/rootfs/etc: creating new file: open /rootfs/etc: is a directory')
    await expect(
      extract(rawTar(rawEntry({ name: 'etc', data: 'x' }), rawEntry({ name: 'etc/passwd', data: 'x' }))),
    ).rejects.toThrow('/rootfs/etc/passwd: making directory for file: mkdir /rootfs/etc: not a directory')
  })

  test('a file is written through a symlink at its path; through an absolute one it would leave the root', async () => {
    const host = join(scratch, 'host-side')
    const { root, outside } = await extract(
      rawTar(
        rawEntry({ name: 'etc/', type: '5' }),
        rawEntry({ name: 'etc/resolv.conf', type: '2', linkname: '../run/resolv.conf' }),
        rawEntry({ name: 'run/', type: '5' }),
        rawEntry({ name: 'etc/resolv.conf', data: 'nameserver 10.0.0.1\n' }),
        rawEntry({ name: 'etc/motd', type: '2', linkname: `${host}/motd` }),
        rawEntry({ name: 'etc/motd', data: 'hello' }),
      ),
    )
    expect(readFileSync(join(root, 'run/resolv.conf'), 'utf8')).toBe('nameserver 10.0.0.1\n')
    expect(lstatSync(join(root, 'etc/resolv.conf')).isSymbolicLink()).toBe(true)
    // metal-hammer would write its own file system's path; here nothing is written there.
    expect(outside).toEqual(['etc/motd'])
    expect(existsSync(host)).toBe(false)
  })

  test('entries below a symlink to an absolute directory land outside the root (lost), below a relative one inside', async () => {
    const { root, outside, facts } = await extract(
      rawTar(
        rawEntry({ name: 'var/', type: '5' }),
        rawEntry({ name: 'var/run', type: '2', linkname: '/run' }),
        rawEntry({ name: 'var/run/sshd/', type: '5' }),
        rawEntry({ name: 'var/run/sshd.pid', data: '1' }),
        rawEntry({ name: 'usr/lib/', type: '5' }),
        rawEntry({ name: 'lib', type: '2', linkname: 'usr/lib' }),
        rawEntry({ name: 'lib/libc.so.6', data: 'libc' }),
        // An absolute target inside /rootfs resolves inside.
        rawEntry({ name: 'lib64', type: '2', linkname: '/rootfs/usr/lib' }),
        rawEntry({ name: 'lib64/ld.so', data: 'ld' }),
      ),
    )
    expect(outside).toEqual(['var/run/sshd/', 'var/run/sshd.pid'])
    expect(facts.outside).toBe(2)
    expect(readFileSync(join(root, 'usr/lib/libc.so.6'), 'utf8')).toBe('libc')
    expect(readFileSync(join(root, 'usr/lib/ld.so'), 'utf8')).toBe('ld')
    expect(existsSync('/run/sshd.pid') && readFileSync('/run/sshd.pid', 'utf8') === '1').toBe(false)
  })

  test('a dangling symlink as a parent fails MkdirAll', async () => {
    await expect(
      extract(
        rawTar(
          rawEntry({ name: 'opt', type: '2', linkname: 'nowhere' }),
          rawEntry({ name: 'opt/x', data: 'x' }),
        ),
      ),
    ).rejects.toThrow('/rootfs/opt/x: making directory for file: mkdir /rootfs/opt: file exists')
  })

  test('names: "../" fails as an illegal path; absolute names and a/../b are cleaned; ../rootfs2 passes the check but leaves the root', async () => {
    await expect(extract(rawTar(rawEntry({ name: '../x', data: 'x' })))).rejects.toThrow(
      '../x: illegal file path',
    )
    const { root, outside } = await extract(
      rawTar(
        rawEntry({ name: '/etc/hostname', data: 'abs' }),
        rawEntry({ name: 'a/../b', data: 'b' }),
        rawEntry({ name: './c', data: 'c' }),
        rawEntry({ name: '../rootfs2/x', data: 'x' }),
      ),
    )
    expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe('abs')
    expect(readFileSync(join(root, 'b'), 'utf8')).toBe('b')
    // Joined and cleaned first: "a" is never made.
    expect(existsSync(join(root, 'a'))).toBe(false)
    expect(readFileSync(join(root, 'c'), 'utf8')).toBe('c')
    expect(outside).toEqual(['../rootfs2/x'])
  })

  test('a PAX global header is skipped; every type flag archiver does not know fails the install', async () => {
    const { root } = await extract(
      rawTar(paxEntry({ comment: 'git archive' }, 'g'), rawEntry({ name: 'README', data: 'r' })),
    )
    expect(readFileSync(join(root, 'README'), 'utf8')).toBe('r')
    for (const type of ['S', '7', 'D', 'V', 'M', 'N', 'A'])
      await expect(extract(rawTar(rawEntry({ name: 'f', type, data: '' })))).rejects.toThrow(
        `f: unknown type flag: ${type}`,
      )
  })

  test('PAX records and GNU long names rename the next entry and are not entries themselves', async () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(60)}`
    const { root, facts } = await extract(
      rawTar(
        paxEntry({ path: `${long}/pax-file`, size: '5' }),
        rawEntry({ name: 'short-name', data: 'hello', size: 999 }),
        gnuLong(`${long}/gnu-file`),
        rawEntry({ name: 'ignored', data: 'gnu', format: 'gnu' }),
        gnuLong('../target-of-long-link', 'K'),
        rawEntry({ name: 'link', type: '2', linkname: 'short', format: 'gnu' }),
        rawEntry({ name: 'name', prefix: 'ustar/prefix', data: 'p' }),
      ),
    )
    expect(readFileSync(join(root, long, 'pax-file'), 'utf8')).toBe('hello')
    expect(readFileSync(join(root, long, 'gnu-file'), 'utf8')).toBe('gnu')
    expect(readlinkSync(join(root, 'link'))).toBe('../target-of-long-link')
    expect(readFileSync(join(root, 'ustar/prefix/name'), 'utf8')).toBe('p')
    expect(facts.entries).toBe(4)
  })

  test("old-style entries: '\\0' is a file, or a directory when the name ends in /; base-256 sizes read", async () => {
    const { root } = await extract(
      rawTar(
        rawEntry({ name: 'olddir/', type: '\0', format: 'v7' }),
        rawEntry({ name: 'olddir/file', type: '\0', format: 'v7', data: 'v7' }),
        rawEntry({ name: 'big', data: 'base256', base256: true }),
      ),
    )
    expect(statSync(join(root, 'olddir')).isDirectory()).toBe(true)
    expect(readFileSync(join(root, 'olddir/file'), 'utf8')).toBe('v7')
    expect(readFileSync(join(root, 'big'), 'utf8')).toBe('base256')
  })

  test('a directory with a size field reads no data: the next block is the next header', async () => {
    const { root } = await extract(
      rawTar(rawEntry({ name: 'd/', type: '5', size: 512 }), rawEntry({ name: 'd/f', data: 'f' })),
    )
    expect(readFileSync(join(root, 'd/f'), 'utf8')).toBe('f')
  })

  test('the end: no end blocks is a clean end (a partial rootfs); data cut inside an entry is unexpected EOF', async () => {
    const entries = Buffer.concat([
      rawEntry({ name: 'a', data: 'a' }),
      rawEntry({ name: 'b', data: 'x'.repeat(2000) }),
    ])
    const cut = await extract(entries.subarray(0, 1024))
    expect(cut.facts).toMatchObject({ entries: 1, end: 'eof' })
    // Cut in the last entry's padding: still clean, as Go's tryReadFull reports io.EOF there.
    const inPadding = await extract(entries.subarray(0, entries.length - 10))
    expect(inPadding.facts).toMatchObject({ entries: 2, end: 'eof' })
    await expect(extract(entries.subarray(0, 1024 + 512 + 100))).rejects.toThrow(
      '/rootfs/b: writing file: unexpected EOF',
    )
    await expect(extract(entries.subarray(0, 1024 + 100))).rejects.toThrow('unexpected EOF')
    // One zero block, then a header: invalid.
    await expect(
      extract(
        Buffer.concat([rawEntry({ name: 'a', data: 'a' }), Buffer.alloc(512), rawEntry({ name: 'b' }), END]),
      ),
    ).rejects.toThrow('archive/tar: invalid tar header')
  })

  test('a header with a wrong checksum fails', async () => {
    await expect(extract(rawTar(rawEntry({ name: 'a', data: 'a', badChecksum: true })))).rejects.toThrow(
      'archive/tar: invalid tar header',
    )
  })

  test('an empty stream extracts nothing, without an error', async () => {
    const { facts } = await extract(Buffer.alloc(0))
    expect(facts).toMatchObject({ entries: 0, end: 'eof' })
  })
})

const haveTar = requireTool('tar', 'apt-get install tar')

describe.runIf(haveTar)('against GNU tar: the same tree, with archiver differences only', () => {
  function tree(): string {
    const src = join(scratch, `src-${n++}`)
    mkdirSync(join(src, 'usr/bin'), { recursive: true })
    mkdirSync(join(src, 'private'), { mode: 0o700 })
    mkdirSync(join(src, 'var/tmp'), { recursive: true })
    execFileSync('chmod', ['1777', join(src, 'var/tmp')])
    writeFileSync(join(src, 'usr/bin/tool'), 'binary'.repeat(1000), { mode: 0o755 })
    execFileSync('chmod', ['4755', join(src, 'usr/bin/tool')])
    writeFileSync(join(src, 'private/key'), 'k', { mode: 0o600 })
    execFileSync('ln', [join(src, 'usr/bin/tool'), join(src, 'usr/bin/tool-link')])
    symlinkSync('usr/bin', join(src, 'bin'))
    symlinkSync('/usr/bin/tool', join(src, 'usr/bin/abs'))
    execFileSync('mkfifo', ['-m', '0620', join(src, 'fifo')])
    const deep = join(src, 'a'.repeat(80), 'b'.repeat(80))
    mkdirSync(deep, { recursive: true })
    writeFileSync(join(deep, 'c'.repeat(120)), 'long')
    // A sparse file: 4 MiB with 8 bytes of data in the middle.
    execFileSync('truncate', ['-s', '4M', join(src, 'sparse')])
    execFileSync('dd', [`of=${join(src, 'sparse')}`, 'bs=1', 'seek=2097152', 'conv=notrunc', 'status=none'], {
      input: 'in-there',
    })
    return src
  }

  test.each([
    ['gnu', ['--format=gnu']],
    ['pax', ['--format=pax']],
    ['pax, sparse 1.0', ['--format=pax', '--sparse', '--sparse-version=1.0']],
    ['pax, sparse 0.1', ['--format=pax', '--sparse', '--sparse-version=0.1']],
  ])('%s', async (_name, args) => {
    const src = tree()
    const tar = execFileSync('tar', ['-C', src, '-c', ...args, '.'], { maxBuffer: 1 << 28 })
    const { root } = await extract(tar, undefined, 65536)
    const ref = join(scratch, `ref-${n++}`)
    mkdirSync(ref)
    execFileSync('tar', ['-C', ref, '-x', '--no-same-owner'], { input: tar })
    // Same names, contents and link targets as GNU tar extracts ...
    const list = (dir: string) =>
      execFileSync('sh', ['-c', `cd '${dir}' && find . | sort`], { encoding: 'utf8' }).split('\n')
    expect(list(root)).toEqual(list(ref))
    expect(readFileSync(join(root, 'usr/bin/tool')).equals(readFileSync(join(ref, 'usr/bin/tool')))).toBe(
      true,
    )
    expect(readFileSync(join(root, 'sparse')).equals(readFileSync(join(ref, 'sparse')))).toBe(true)
    expect(readlinkSync(join(root, 'usr/bin/abs'))).toBe('/usr/bin/tool')
    expect(statSync(join(root, 'usr/bin/tool-link')).ino).toBe(statSync(join(root, 'usr/bin/tool')).ino)
    // ... and archiver's differences: directory modes 0755, a FIFO as a regular file.
    expect(mode(join(ref, 'private'))).toBe(0o700)
    expect(mode(join(root, 'private'))).toBe(0o755)
    expect(mode(join(root, 'var/tmp'))).toBe(0o755)
    expect(mode(join(root, 'usr/bin/tool'))).toBe(0o4755)
    expect(lstatSync(join(ref, 'fifo')).isFIFO()).toBe(true)
    expect(lstatSync(join(root, 'fifo')).isFile()).toBe(true)
    expect(mode(join(root, 'fifo'))).toBe(0o620)
  })

  test('an old GNU sparse entry (type S) fails, as archiver does not know it', async () => {
    const src = tree()
    const tar = execFileSync('tar', ['-C', src, '-c', '--format=gnu', '--sparse', 'sparse'])
    await expect(extract(tar)).rejects.toThrow('sparse: unknown type flag: S')
  })
})
