import type { ContractFinding } from '../../src/rootfs/contract/checks.ts'
import type { Limits } from '../../src/rootfs/contract/extract.ts'
import { END, entry, header } from './tar-bytes.ts'

// ---------------------------------------------------------------------------------------------------------
// One small archive per way metal-hammer's extraction (archiver v2.1.0 over Go's archive/tar, into /rootfs
// with /proc, /sys, a tmpfs on /tmp and the live /dev mounted, /etc/metal made) goes wrong. Made block by
// block (tar-bytes.ts), so any type flag can be written; read by TarWalker as the pipeline reads them.

export const EXTRACTION_IDS = new Set<string>([
  'tar-type',
  'dotdot-path',
  'parent-path',
  'outside-root',
  'path-exists',
  'hardlink-target',
  'mount-point',
  'proc-sys',
  'live-dev',
  'tmp-vanishes',
  'special-file',
  'extract-unverified',
])

export const f = (name: string, data = 'x', mode = 0o644): Buffer => entry(name, data, { mode })
export const d = (name: string): Buffer => header(`${name}/`, { flag: '5', mode: 0o755 })
export const sym = (name: string, target: string): Buffer =>
  header(name, { flag: '2', mode: 0o777, linkname: target })
export const hard = (name: string, target: string): Buffer => header(name, { flag: '1', linkname: target })
export const node = (name: string, flag: '3' | '4' | '6', mode = 0o666): Buffer =>
  header(name, { flag, mode })
export const typed = (name: string, flag: string): Buffer => entry(name, 'data', { flag })
export const tar = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, END])

/** A directory no test run may find on the host: where the absolute symlinks below point. */
export const NOWHERE = '/nonexistent-metal-image-test'

export interface ExtractCase {
  name: string
  tar: Buffer
  /** The findings of the extraction rules (others, such as the kernel's, are not compared). */
  expect: [id: ContractFinding['id'], level: ContractFinding['level'], path?: string][]
  /** Matched against those findings' messages, in order. */
  messages?: RegExp[]
  /**
   * What GNU tar does extracting it into an empty folder, where it agrees or disagrees instructively:
   * 'fails' (exit 2), 'extracts' (exit 0). Left out for archives with device nodes.
   */
  gnu?: 'fails' | 'extracts'
  limits?: Limits
}

export const EXTRACT_CASES: ExtractCase[] = [
  {
    name: 'plain files, directories, symlinks and hard links extract',
    tar: tar(
      d('usr'),
      d('usr/bin'),
      f('usr/bin/a'),
      hard('usr/bin/b', 'usr/bin/a'),
      sym('bin', 'usr/bin'),
      f('bin/c'),
    ),
    expect: [],
    gnu: 'extracts',
  },
  // tar-type
  {
    name: 'type flags archiver v2.1.0 does not know',
    tar: tar(
      typed('c', '7'),
      typed('v', 'V'),
      typed('dump', 'D'),
      typed('m', 'M'),
      typed('n', 'N'),
      typed('z', 'Z'),
    ),
    expect: [['tar-type', 'error', '/c']],
    messages: [
      /^6 entries of a type archiver v2\.1\.0 does not know: \/c \(type '7', a contiguous file\), \/v \(type 'V', a GNU volume label\), \/dump \(type 'D', a GNU directory dump\), and 3 more; metal-hammer's install fails at the first \("unknown type flag"\)$/,
    ],
  },
  // dotdot-path
  {
    name: '".." in entry names',
    tar: tar(d('a'), f('../escape'), f('a/../b'), f('a/../../c')),
    expect: [['dotdot-path', 'error', '/../escape']],
    messages: [/^3 entries with "\.\." in their names: /],
    gnu: 'fails',
  },
  {
    name: '"." and empty components are cleaned as filepath.Join does',
    tar: tar(d('a'), f('a/./b'), f('a//c'), sym('a/./b', 'x')),
    expect: [['path-exists', 'error', '/a/./b']],
    messages: [/\/a\/\.\/b \(a symlink where a regular file is\)/],
  },
  // parent-path
  {
    name: 'an entry under a regular file',
    tar: tar(f('file'), f('file/x')),
    expect: [['parent-path', 'error', '/file/x']],
    messages: [/\/file\/x \(\/file is a regular file\)/],
    gnu: 'fails',
  },
  {
    name: 'an entry under a dangling symlink',
    tar: tar(sym('lib', 'usr/lib'), f('lib/x')),
    expect: [['parent-path', 'error', '/lib/x']],
    messages: [/\/lib\/x \(\/usr does not exist \(yet\) \(through \/lib -> usr\/lib\)\)/],
    gnu: 'fails',
  },
  {
    name: 'an entry under a symlink whose target comes only later',
    tar: tar(sym('lib', 'usr/lib'), f('lib/x'), d('usr'), d('usr/lib'), f('lib/y')),
    expect: [['parent-path', 'error', '/lib/x']],
    gnu: 'fails',
  },
  {
    name: 'an entry under a symlink loop',
    tar: tar(sym('l1', 'l2'), sym('l2', 'l1'), f('l1/x')),
    expect: [['parent-path', 'error', '/l1/x']],
    messages: [/is a symlink loop/],
    gnu: 'fails',
  },
  // outside-root
  {
    name: "an entry under an absolute symlink lands on metal-hammer's root",
    tar: tar(d('var'), sym('var/run', `${NOWHERE}/run`), f('var/run/x')),
    expect: [['outside-root', 'error', '/var/run/x']],
    messages: [new RegExp(`/var/run/x \\(through /var/run -> ${NOWHERE}/run\\)`)],
    gnu: 'fails',
  },
  {
    name: 'an entry under a relative symlink that climbs above /',
    tar: tar(d('a'), sym('a/up', '../..'), f('a/up/x')),
    expect: [['outside-root', 'error', '/a/up/x']],
    gnu: 'fails',
  },
  {
    name: 'a file written through an absolute symlink at its own path',
    tar: tar(sym('motd', `${NOWHERE}/motd`), f('motd')),
    expect: [['outside-root', 'error', '/motd']],
    gnu: 'extracts',
  },
  // path-exists
  {
    name: 'a symlink where a file is (GNU tar replaces it, os.Symlink fails)',
    tar: tar(f('x'), sym('x', 'y')),
    expect: [['path-exists', 'error', '/x']],
    messages: [
      /^1 entry where an earlier entry already is: \/x \(a symlink where a regular file is\); os\.Symlink/,
    ],
    gnu: 'extracts',
  },
  {
    name: 'a symlink where a directory was made for earlier entries',
    tar: tar(f('usr/bin/a'), sym('usr/bin', 'sbin')),
    expect: [['path-exists', 'error', '/usr/bin']],
    messages: [/a symlink where a directory is/],
    gnu: 'fails',
  },
  {
    name: 'a hard link where a file is, a file where a directory is, a directory where a file is',
    tar: tar(f('a'), f('b'), hard('b', 'a'), d('dir'), f('dir'), f('file'), d('file')),
    expect: [['path-exists', 'error', '/b']],
    messages: [
      /^3 entries where .*\/b \(a hard link where a regular file is\), \/dir \(a regular file where a directory is\), \/file \(a directory where a regular file is\)/,
    ],
    // GNU tar replaces each of them.
    gnu: 'extracts',
  },
  {
    name: 'a directory where a symlink to a directory is: MkdirAll follows it',
    tar: tar(d('usr'), d('usr/lib'), sym('lib', 'usr/lib'), d('lib')),
    expect: [],
  },
  {
    name: 'a file written through a symlink in the image: a warning',
    tar: tar(d('etc'), f('etc/real'), sym('etc/alias', 'real'), f('etc/alias', 'new')),
    expect: [['path-exists', 'warning', '/etc/alias']],
    messages: [
      /^1 entry written through a symlink an earlier entry made: \/etc\/alias \(through \/etc\/alias -> real\); archiver keeps the symlink/,
    ],
    gnu: 'extracts',
  },
  // hardlink-target
  {
    name: 'hard links to a later, a missing, itself, a directory and outside',
    tar: tar(
      hard('early', 'target'),
      f('target'),
      hard('gone', 'missing'),
      hard('self', 'self'),
      d('dir'),
      hard('todir', 'dir'),
      hard('out', '../etc/passwd'),
    ),
    expect: [['hardlink-target', 'error', '/early']],
    messages: [
      /^5 entries are hard links to no file extracted before them: \/early \(to \/target, which comes only later in the archive\), \/gone \(to \/missing, which is not in the image\), \/self \(to \/self, itself\), and 2 more; os\.Link fails/,
    ],
    gnu: 'fails',
  },
  {
    name: 'a hard link to a symlink is another symlink; through a symlinked directory it finds its target',
    tar: tar(
      d('usr'),
      d('usr/lib'),
      f('usr/lib/a'),
      sym('lib', 'usr/lib'),
      sym('s', 'usr'),
      hard('b', 'lib/a'),
      hard('t', 's'),
      f('t/lib/c'),
    ),
    expect: [],
    gnu: 'extracts',
  },
  // mount-point
  {
    name: 'symlinks and files where metal-hammer made directories, a directory where it wrote disk.json',
    tar: tar(
      sym('etc', 'usr/etc'),
      sym('tmp', 'var/tmp'),
      f('etc/metal'),
      d('etc/metal/disk.json'),
      f('proc'),
    ),
    expect: [['mount-point', 'error', '/etc']],
    messages: [
      /^5 entries are not what metal-hammer made at their path before extracting: \/etc \(a symlink\), \/tmp \(a symlink\), \/etc\/metal \(a regular file\), and 2 more/,
    ],
  },
  {
    name: 'the directories metal-hammer made, and a regular /etc/metal/disk.json, are fine',
    tar: tar(d('proc'), d('sys'), d('dev'), d('etc'), d('etc/metal'), f('etc/metal/disk.json'), d('tmp')),
    expect: [],
  },
  // proc-sys, live-dev, tmp-vanishes, special-file
  {
    name: 'files under /proc and /sys fail, directories there are a warning',
    tar: tar(d('proc'), f('proc/cpuinfo'), d('sys'), d('sys/kernel'), sym('sys/kernel/x', 'y')),
    expect: [
      ['proc-sys', 'error', '/proc/cpuinfo'],
      ['proc-sys', 'warning', '/sys/kernel'],
    ],
    messages: [
      /^2 entries under \/proc or \/sys: \/proc\/cpuinfo \(a regular file\), \/sys\/kernel\/x \(a symlink\); metal-hammer has procfs/,
    ],
  },
  {
    name: "what docker export puts in /dev lands on the installer's live /dev",
    tar: tar(
      d('dev'),
      f('dev/console', '', 0o755),
      node('dev/null', '3'),
      sym('dev/fd', '/proc/self/fd'),
      d('dev/pts'),
      d('dev/shm'),
    ),
    expect: [['live-dev', 'warning', '/dev/console']],
    messages: [
      /^3 entries under \/dev land on the installer's live \/dev: \/dev\/console \(a regular file\), \/dev\/null \(a character-device\), \/dev\/fd \(a symlink\); metal-hammer binds it there/,
    ],
  },
  {
    name: 'entries under /tmp vanish with the tmpfs',
    tar: tar(d('tmp'), f('tmp/cache'), d('tmp/dir')),
    expect: [['tmp-vanishes', 'warning', '/tmp/cache']],
    messages: [/^2 entries under \/tmp: .*gone after the install$/],
  },
  {
    name: 'device nodes and FIFOs outside /dev become regular files',
    tar: tar(d('run'), node('run/initctl', '6'), node('lib/loop0', '4', 0o660)),
    expect: [['special-file', 'warning', '/run/initctl']],
    messages: [
      /^2 entries are device nodes or FIFOs outside \/dev: \/run\/initctl \(a fifo\), \/lib\/loop0 \(a block-device\); archiver writes them as empty regular files$/,
    ],
  },
  // extract-unverified
  {
    name: 'past the limits, entries are counted as unverified instead of judged',
    tar: tar(
      ...Array.from({ length: 30 }, (_, i) => f(`d${i % 3}/f${i}`)),
      hard('late', 'never'),
      sym('s', 'd0'),
      f('s/x'),
    ),
    limits: { paths: 16, links: 0, linkBytes: 1 << 20, pending: 0, steps: 100, walked: 1 << 20 },
    expect: [['extract-unverified', 'warning', undefined]],
    messages: [
      /^\d+ entries were not fully checked for extraction: the checks keep up to 16 paths, 0 symlink targets/,
    ],
  },
  {
    // A symlink whose target makes every walk through it long: the walk stops at the bound, and the
    // entries behind it count as unverified instead of each costing the whole target.
    name: 'a walk through symlinks longer than the bound is not followed',
    tar: tar(d('a'), sym('s', `${'./'.repeat(60)}a`), f('s/x'), f('s/y'), f('a/z')),
    limits: { paths: 1 << 10, links: 1 << 10, linkBytes: 1 << 20, pending: 16, steps: 50, walked: 1 << 20 },
    expect: [['extract-unverified', 'warning', undefined]],
    messages: [/^2 entries were not fully checked for extraction: .* follow up to 50 components a path/],
  },
  {
    // Past the characters all walks may take, later walks through symlinks are not followed either.
    name: 'walks past the budget of all walks are not followed',
    tar: tar(d('a'), sym('s', 'a'), ...Array.from({ length: 20 }, (_, i) => f(`s/d${i}/f`))),
    limits: { paths: 1 << 10, links: 1 << 10, linkBytes: 1 << 20, pending: 16, steps: 50, walked: 40 },
    expect: [['extract-unverified', 'warning', undefined]],
  },
  {
    // Symlink targets past their budget of characters are not kept: a walk through them is unverified.
    name: 'symlink targets past their budget are not kept',
    tar: tar(d('a'), sym('s', 'a'), sym('t', `${'a/'.repeat(30)}.`), f('s/x'), f('t/y')),
    limits: { paths: 1 << 10, links: 1 << 10, linkBytes: 10, pending: 16, steps: 50, walked: 1 << 20 },
    expect: [['extract-unverified', 'warning', undefined]],
    messages: [/^1 entry was not fully checked/],
  },
]
