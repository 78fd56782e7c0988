/**
 * The metal-hammer contract (issue 3): what a rootfs must hold to be installable by metal-hammer and
 * os-installer, checked from the tar entry headers while the rootfs streams past, in the same pass as
 * the rest of the pipeline. Nothing is read from the host: every path, symlinks included, is resolved
 * inside the rootfs as metal-hammer's chroot would see it.
 *
 * Memory stays bounded whatever the size of the rootfs: the checker keeps the headers of the few paths
 * a check can ask about (the top two levels of the tree, kernel files, the paths named below), counts
 * the rest, and keeps the body of only a handful of small configuration files.
 */
import type { Header } from 'tar-stream'
import type { TarHeader } from './tar.ts'
import { normalizeTarPath } from './tar.ts'

export type ContractLevel = 'error' | 'warning'
/** The `contract` input: `error` fails the run on an error finding, `warn` only reports, `off` skips. */
export type ContractMode = 'error' | 'warn' | 'off'

/** Every check, in the order findings are reported, with what it requires (for the README's table). */
export const CONTRACT_CHECKS = [
  {
    id: 'kexec-kernel',
    level: 'error',
    description:
      'Exactly one kernel /boot/vmlinuz-<version>, a regular file (symlinks and hard links are followed inside the image): metal-hammer kexecs into it.',
  },
  {
    id: 'kexec-initrd',
    level: 'error',
    description:
      "The kernel's initrd: /boot/initrd.img-<version> (Debian, Ubuntu) or /boot/initramfs-<version>.img (AlmaLinux).",
  },
  {
    id: 'kexec-system-map',
    level: 'error',
    description:
      "The kernel's /boot/System.map-<version> and no other System.map: os-installer finds the kernel version through the one System.map.",
  },
  {
    id: 'installer',
    level: 'error',
    description:
      'The installer metal-hammer runs chrooted: /install-go if present, else /install.sh; a regular file with an execute bit. A warning when neither exists (os-installer setups).',
  },
  {
    id: 'package-frr',
    level: 'warning',
    description: 'FRR, for routing to the host: the frr package, or its zebra daemon.',
  },
  {
    id: 'package-lldp',
    level: 'warning',
    description:
      'An LLDP daemon, to tell whether an allocated machine is alive: go-lldpd (a binary, /usr/local/bin/lldpd) or the lldpd package.',
  },
  {
    id: 'package-ignition-or-cloud-init',
    level: 'warning',
    description: 'ignition or cloud-init, to run the user data on first boot.',
  },
  {
    id: 'dockerenv',
    level: 'warning',
    description: '/.dockerenv, left by docker export, is not in the image.',
  },
  {
    id: 'machine-id',
    level: 'warning',
    description:
      '/etc/machine-id is empty (or "uninitialized"), so every machine gets its own id on first boot.',
  },
  {
    id: 'world-writable',
    level: 'warning',
    description:
      'No regular file, and no directory without the sticky bit, is writable by everyone outside /tmp and /var/tmp (symlinks, device nodes, FIFOs and sticky directories such as /run/lock are fine).',
  },
  {
    id: 'ssh-host-keys',
    level: 'error',
    description:
      'No SSH host key /etc/ssh/ssh_host_*_key in the image, or else something replaces them on first boot: cloud-init (unless ssh_deletekeys is false) or an sshd-keygen unit, then a warning.',
  },
] as const satisfies readonly { id: string; level: ContractLevel; description: string }[]

export type ContractCheckId = (typeof CONTRACT_CHECKS)[number]['id']

export interface ContractFinding {
  id: ContractCheckId
  level: ContractLevel
  /** One line, for the log, an annotation and the summary table. */
  message: string
  /** The path inside the image it concerns, absolute (`/boot/vmlinuz-6.1.0-28-amd64`). */
  path?: string
  /** Findings about many entries (world-writable, ssh-host-keys): how many there are in all ... */
  count?: number
  /** ... and the first of them, at most MAX_LISTED. */
  paths?: string[]
}

export type ContractEntryType =
  'file' | 'link' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo' | 'other'

/** One tar entry header: what the checker is fed, in archive order. */
export interface ContractEntry {
  /** Normalized (normalizeTarPath): no leading `./` or `/`, no trailing `/`; '' is the root. */
  path: string
  /** 'link' is a tar hard link: the same file as the earlier entry it names. */
  type: ContractEntryType
  /** Permission bits, with setuid/setgid/sticky (07777). */
  mode: number
  uid?: number
  gid?: number
  size: number
  /** A symlink's target as stored (not normalized: absolute and relative differ), a hard link's entry name. */
  linkname?: string
}

/** Installed packages, from the image's package database (dpkg status, rpm), when it has one. */
export interface ContractPackages {
  names: ReadonlySet<string>
}

const ENTRY_TYPES = new Set<string>([
  'file',
  'link',
  'symlink',
  'directory',
  'character-device',
  'block-device',
  'fifo',
])

/** A header as TarWalker (or, in tests, tar-stream) reads it, as a ContractEntry. */
export function contractEntry(header: TarHeader | Header): ContractEntry {
  // tar-stream reports a type flag it does not know as null; a contiguous file is a regular file on Linux.
  const type = header.type as string | null
  return {
    path: normalizeTarPath(header.name),
    type:
      type === 'contiguous-file'
        ? 'file'
        : type !== null && ENTRY_TYPES.has(type)
          ? (type as ContractEntryType)
          : 'other',
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid,
    gid: header.gid,
    size: header.size ?? 0,
    linkname: header.linkname ?? undefined,
  }
}

/** Paths listed in a finding about many entries; the count covers all of them. */
export const MAX_LISTED = 20
/** Headers kept for resolving paths. A real rootfs needs a few thousand; beyond this, absence is unproven. */
const MAX_NODES = 50_000
/** Linux's MAXSYMLINKS: more hops than this is a loop as far as the kernel is concerned. */
const MAX_SYMLINK_HOPS = 40
/** Configuration files larger than this are not read (a real one is a few KiB). */
const MAX_CAPTURE = 1 << 20

const KERNEL_FILE = /^(?:vmlinuz(?:-.+)?|System\.map(?:-.+)?|initrd\.img(?:-.+)?|initramfs(?:-.+)?\.img)$/
const SSH_HOST_KEY = /^etc\/ssh\/ssh_host_[^/]*_key$/
const SSHD_KEYGEN_UNIT =
  /^(?:etc|run|usr\/lib|lib|usr\/local\/lib)\/systemd\/system\/(sshd-keygen(?:@\.service|\.service))$/
const CLOUD_CFG = /^etc\/cloud\/(?:cloud\.cfg|cloud\.cfg\.d\/[^/]+\.cfg)$/
const MACHINE_ID = 'etc/machine-id'
const CLOUD_INIT_DISABLED = 'etc/cloud/cloud-init.disabled'

/**
 * Files that show a component is installed when no package database says so. metal-images installs
 * go-lldpd and ignition as plain binaries (go-lldpd's release tarball unpacks usr/local/bin/lldpd and
 * etc/systemd/system/lldpd.service; ignition is copied to usr/local/bin), so their presence can only be
 * told from files; FRR and cloud-init come from packages, but may be built from source too.
 */
const EVIDENCE = {
  frr: { packages: ['frr'], files: ['usr/lib/frr/zebra', 'usr/libexec/frr/zebra', 'usr/local/sbin/zebra'] },
  lldp: {
    packages: ['lldpd', 'go-lldpd'],
    files: ['usr/local/bin/lldpd', 'usr/local/sbin/lldpd', 'usr/sbin/lldpd'],
  },
  ignition: {
    packages: ['ignition'],
    files: ['usr/local/bin/ignition', 'usr/bin/ignition', 'usr/lib/dracut/modules.d/30ignition/ignition'],
  },
  cloudInit: { packages: ['cloud-init'], files: ['usr/bin/cloud-init', 'usr/local/bin/cloud-init'] },
} as const

const TRACKED_DEEP = new Set<string>([
  ...Object.values(EVIDENCE).flatMap((e) => e.files),
  'etc/cloud/cloud.cfg',
  CLOUD_INIT_DISABLED,
])

interface Node {
  type: ContractEntryType
  mode: number
  size: number
  linkname: string
}

type Resolved =
  | { kind: 'file' | 'directory' | 'other'; path: string; hops: number; node: Node }
  | { kind: 'missing' | 'not-directory' | 'loop' | 'unknown'; path: string; hops: number }

/** A count of entries plus the first MAX_LISTED of them, by path, each with a short detail. */
class Listed {
  count = 0
  readonly first = new Map<string, string>()

  add(path: string, detail: string): void {
    if (this.first.has(path)) return void this.first.set(path, detail)
    this.count++
    if (this.first.size < MAX_LISTED) this.first.set(path, detail)
  }

  /** A later entry replaced this path. Paths past the first MAX_LISTED are not remembered, so stay counted. */
  remove(path: string): void {
    if (this.first.delete(path)) this.count--
  }
}

const ROOT: Node = { type: 'directory', mode: 0o755, size: 0, linkname: '' }
const abs = (path: string): string => `/${path}`
const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`
const isRegular = (type: ContractEntryType): boolean => type === 'file' || type === 'link'

/**
 * Fed every entry header of a rootfs tar in archive order (observe), plus the body of the few entries it
 * asks for (file), it reports the contract findings at the end (finish). A later entry for a path
 * replaces an earlier one, as extracting the tar would.
 */
export class ContractChecker {
  private readonly nodes = new Map<string, Node>()
  /** MAX_NODES was reached: a path that is not recorded may still exist. */
  private overflow = false
  private readonly worldWritable = new Listed()
  private readonly hostKeys = new Listed()
  /** etc/machine-id when it is a regular file; its first bytes once file() delivered them. */
  private machineId: { size: number; head?: string } | undefined
  /** Per cloud-init config file: the ssh_deletekeys value it sets (null: none), undefined until read. */
  private readonly cloudConfigs = new Map<string, { size: number; deleteKeys?: string | null }>()

  /** How many entry headers the checker holds: stays small however large the rootfs is. */
  get recordedEntries(): number {
    return this.nodes.size
  }

  /**
   * Takes the next entry header. Returns true when the checker needs the entry's body: pass it to file(),
   * right away or once the stream has ended.
   */
  observe(entry: ContractEntry): boolean {
    const { path, type } = entry
    const mode = entry.mode & 0o7777
    this.checkWorldWritable(path, type, mode)
    if (path === '') return false
    this.implyParents(path)
    if (this.isTracked(path)) this.record(path, type, mode, entry.size, entry.linkname ?? '')

    if (SSH_HOST_KEY.test(path)) {
      // An empty file is no key (sshd refuses it); a symlink points at a key kept elsewhere.
      if ((type === 'file' && entry.size > 0) || type === 'link') this.hostKeys.add(path, abs(path))
      else this.hostKeys.remove(path)
    }
    const small = type === 'file' && entry.size <= MAX_CAPTURE
    if (path === MACHINE_ID) {
      this.machineId = type === 'file' ? { size: entry.size } : undefined
      return small && entry.size > 0
    }
    if (CLOUD_CFG.test(path)) {
      if (type === 'file') this.cloudConfigs.set(path, { size: entry.size })
      else this.cloudConfigs.delete(path)
      return small
    }
    return false
  }

  /** The paths whose content the checker reads, for a capture predicate such as TarInspector's. */
  wants(path: string): boolean {
    return path === MACHINE_ID || CLOUD_CFG.test(path)
  }

  /**
   * The body of an entry observe() asked for. Ignored unless it is the body of the latest entry for
   * that path (a regular file of this size), so content captured earlier for a replaced entry is harmless.
   */
  file(path: string, content: Buffer): void {
    if (path === MACHINE_ID && this.machineId?.size === content.length) {
      this.machineId.head = content.subarray(0, 64).toString('latin1')
      return
    }
    const config = this.cloudConfigs.get(path)
    if (config !== undefined && config.size === content.length && content.length <= MAX_CAPTURE)
      config.deleteKeys = sshDeleteKeysSetting(content.toString('utf8'))
  }

  /** The findings, in CONTRACT_CHECKS order. `packages` is undefined when the image has no package database. */
  finish(packages?: ContractPackages): ContractFinding[] {
    const findings: ContractFinding[] = []
    this.checkKexec(findings)
    this.checkInstaller(findings)
    this.checkPackages(findings, packages)
    this.checkHygiene(findings)
    this.checkHostKeys(findings, packages)
    const order = new Map<string, number>(CONTRACT_CHECKS.map((c, i) => [c.id, i]))
    return findings
      .map((f, i) => ({ f, i }))
      .sort((a, b) => order.get(a.f.id)! - order.get(b.f.id)! || a.i - b.i)
      .map(({ f }) => f)
  }

  // ---------------------------------------------------------------------------------------------------
  // What is kept while the stream passes.

  /**
   * The paths a check can ask about: the top two levels of the tree (so /boot, /install.sh and the
   * directory symlinks of a merged /usr resolve, and their absence is certain), kernel files wherever
   * they are (a /boot symlink or a /boot/vmlinuz-* symlink may lead anywhere), and the named files.
   */
  private isTracked(path: string): boolean {
    const first = path.indexOf('/')
    if (first < 0 || path.indexOf('/', first + 1) < 0) return true
    return (
      TRACKED_DEEP.has(path) ||
      KERNEL_FILE.test(path.slice(path.lastIndexOf('/') + 1)) ||
      SSHD_KEYGEN_UNIT.test(path)
    )
  }

  private record(path: string, type: ContractEntryType, mode: number, size: number, linkname: string): void {
    if (type === 'link') {
      // A hard link is the file it names; keep that file's kind if it is known (a hard-linked symlink).
      const target = this.nodes.get(normalizeTarPath(linkname))
      if (target !== undefined && target.type === 'symlink') return this.put(path, { ...target, mode })
      return this.put(path, { type: 'file', mode, size, linkname: '' })
    }
    this.put(path, { type, mode, size, linkname: type === 'symlink' ? linkname : '' })
  }

  private put(path: string, node: Node): void {
    if (!this.nodes.has(path) && this.nodes.size >= MAX_NODES) {
      this.overflow = true
      return
    }
    this.nodes.set(path, node)
  }

  /** A tar need not list a file's directories; the top two levels must be known to be sure of absence. */
  private implyParents(path: string): void {
    const first = path.indexOf('/')
    if (first < 0) return
    this.implyDirectory(path.slice(0, first))
    const second = path.indexOf('/', first + 1)
    if (second >= 0) this.implyDirectory(path.slice(0, second))
  }

  private implyDirectory(path: string): void {
    if (!this.nodes.has(path)) this.put(path, { type: 'directory', mode: 0o755, size: 0, linkname: '' })
  }

  private checkWorldWritable(path: string, type: ContractEntryType, mode: number): void {
    // Symlinks are always 0777 and device nodes are meant for everyone (/dev/null); a directory with the
    // sticky bit only lets owners delete their own files, the usual way to share one (/run/lock).
    const writable =
      (mode & 0o002) !== 0 &&
      (isRegular(type) || (type === 'directory' && (mode & 0o1000) === 0)) &&
      !(path === 'tmp' || path.startsWith('tmp/') || path === 'var/tmp' || path.startsWith('var/tmp/'))
    if (!writable) return this.worldWritable.remove(path)
    const shown = path === '' ? '/' : `${abs(path)}${type === 'directory' ? '/' : ''}`
    this.worldWritable.add(path, `${shown} (${octal(mode)})`)
  }

  // ---------------------------------------------------------------------------------------------------
  // Paths resolved inside the rootfs.

  /**
   * Walks `path` component by component as the kernel would under chroot: symlinks are followed
   * (relative to their directory, absolute ones from the rootfs root, `..` stops at the root), a hop
   * count over MAX_SYMLINK_HOPS is a loop. A component the checker does not track is taken for a plain
   * directory; a final path it does not track is 'unknown' rather than missing.
   */
  private resolve(path: string): Resolved {
    const todo = path.split('/').reverse()
    const at: string[] = []
    let hops = 0
    let last: Node | undefined = ROOT
    while (todo.length > 0) {
      const part = todo.pop()!
      // Like the kernel: anything after a file, even `/` or `/.`, needs it to be a directory.
      if (last !== undefined && last.type !== 'directory')
        return { kind: 'not-directory', path: at.join('/'), hops }
      if (part === '' || part === '.') continue
      if (part === '..') {
        at.pop()
        last = this.directoryAt(at)
        continue
      }
      const candidate = at.length === 0 ? part : `${at.join('/')}/${part}`
      const node = this.nodes.get(candidate)
      if (node === undefined) {
        if (this.isTracked(candidate)) {
          const rest = [candidate, ...todo.reverse()].filter((p) => p !== '' && p !== '.').join('/')
          return { kind: this.overflow ? 'unknown' : 'missing', path: rest, hops }
        }
        at.push(part)
        last = undefined
        continue
      }
      if (node.type === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return { kind: 'loop', path: candidate, hops }
        if (node.linkname.startsWith('/')) at.length = 0
        todo.push(...node.linkname.split('/').reverse())
        last = this.directoryAt(at)
        continue
      }
      at.push(part)
      last = node
    }
    const final = at.join('/')
    if (last === undefined) return { kind: 'unknown', path: final, hops }
    const kind = last.type === 'directory' ? 'directory' : isRegular(last.type) ? 'file' : 'other'
    return { kind, path: final, hops, node: last }
  }

  /** The node of a resolved directory path; undefined when it is not tracked. */
  private directoryAt(at: readonly string[]): Node | undefined {
    return at.length === 0 ? ROOT : this.nodes.get(at.join('/'))
  }

  /** Why `name` (as the installer would open it) is not a usable regular file, or undefined if it is. */
  private fileProblem(name: string, resolved: Resolved): { level: ContractLevel; text: string } | undefined {
    const via = resolved.hops > 0 ? ` (a symlink to ${abs(resolved.path)})` : ''
    switch (resolved.kind) {
      case 'file':
        return undefined
      case 'directory':
        return { level: 'error', text: `${abs(name)} is a directory${via}` }
      case 'other':
        return { level: 'error', text: `${abs(name)} is a ${resolved.node.type}, not a regular file${via}` }
      case 'loop':
        return { level: 'error', text: `${abs(name)} is a symlink loop (through ${abs(resolved.path)})` }
      case 'not-directory':
        return {
          level: 'error',
          text: `${abs(name)} cannot be opened: ${abs(resolved.path)} is not a directory`,
        }
      case 'missing':
        return {
          level: 'error',
          text:
            resolved.hops > 0
              ? `${abs(name)} is a symlink to ${abs(resolved.path)}, which is not in the image`
              : `${abs(name)} is missing`,
        }
      case 'unknown':
        return {
          level: 'warning',
          text: `${abs(name)} leads to ${abs(resolved.path)}, a path this streaming check does not track: not verified`,
        }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // The checks.

  private checkKexec(out: ContractFinding[]): void {
    const boot = this.resolve('boot')
    if (boot.kind !== 'directory' && boot.kind !== 'unknown') {
      const problem =
        boot.kind === 'missing' && boot.hops === 0 ? '/boot is missing' : this.fileProblem('boot', boot)?.text
      out.push({
        id: 'kexec-kernel',
        level: 'error',
        message: `no kernel: ${problem ?? '/boot is not a directory'}; metal-hammer kexecs into /boot/vmlinuz-<version>`,
        path: '/boot',
      })
      return
    }
    const dir = boot.path
    const prefix = dir === '' ? '' : `${dir}/`
    const names: string[] = []
    for (const path of this.nodes.keys())
      if (path.startsWith(prefix) && path.length > prefix.length && !path.includes('/', prefix.length))
        names.push(path.slice(prefix.length))
    names.sort()
    const versions = (pattern: RegExp) =>
      names.flatMap((n) => {
        const m = pattern.exec(n)
        return m ? [m[1]!] : []
      })
    const kernels = versions(/^vmlinuz-(.+)$/)
    if (kernels.length === 0) {
      out.push({
        id: 'kexec-kernel',
        level: 'error',
        message:
          'no kernel: /boot has no vmlinuz-<version>, and metal-hammer kexecs into the kernel of the image',
        path: '/boot',
      })
      return
    }
    if (kernels.length > 1) {
      out.push({
        id: 'kexec-kernel',
        level: 'error',
        message: `${kernels.length} kernels in /boot (${kernels.map((v) => `vmlinuz-${v}`).join(', ')}): the installer needs exactly one`,
        path: '/boot',
      })
      return
    }
    const version = kernels[0]!
    const inBoot = (name: string) => ({ name: `boot/${name}`, resolved: this.resolve(`${prefix}${name}`) })

    const kernel = inBoot(`vmlinuz-${version}`)
    const kernelProblem = this.fileProblem(kernel.name, kernel.resolved)
    if (kernelProblem)
      out.push({
        id: 'kexec-kernel',
        level: kernelProblem.level,
        message: kernelProblem.text,
        path: abs(kernel.name),
      })

    const initrds = [`initrd.img-${version}`, `initramfs-${version}.img`]
      .filter((n) => names.includes(n))
      .map(inBoot)
    if (initrds.length === 0)
      out.push({
        id: 'kexec-initrd',
        level: 'error',
        message: `kernel ${version} has no initrd: neither /boot/initrd.img-${version} nor /boot/initramfs-${version}.img`,
        path: `/boot/initrd.img-${version}`,
      })
    else if (initrds.every((i) => this.fileProblem(i.name, i.resolved) !== undefined)) {
      const problems = initrds.map((i) => ({ i, p: this.fileProblem(i.name, i.resolved)! }))
      const shown = problems.find(({ p }) => p.level === 'warning') ?? problems[0]!
      out.push({ id: 'kexec-initrd', level: shown.p.level, message: shown.p.text, path: abs(shown.i.name) })
    }

    const map = inBoot(`System.map-${version}`)
    if (!names.includes(`System.map-${version}`))
      out.push({
        id: 'kexec-system-map',
        level: 'error',
        message: `kernel ${version} has no /boot/System.map-${version}; os-installer finds the kernel version through it`,
        path: abs(map.name),
      })
    else {
      const problem = this.fileProblem(map.name, map.resolved)
      if (problem)
        out.push({ id: 'kexec-system-map', level: problem.level, message: problem.text, path: abs(map.name) })
    }
    for (const other of versions(/^System\.map-(.+)$/).filter((v) => v !== version))
      out.push({
        id: 'kexec-system-map',
        level: 'error',
        message: `/boot/System.map-${other} belongs to no kernel in /boot; os-installer needs exactly one System.map`,
        path: `/boot/System.map-${other}`,
      })
  }

  private checkInstaller(out: ContractFinding[]): void {
    const hasGo = this.nodes.has('install-go')
    const hasSh = this.nodes.has('install.sh')
    if (!hasGo && !hasSh) {
      out.push({
        id: 'installer',
        level: 'warning',
        message: 'neither /install.sh nor /install-go: fine only if the image is installed by os-installer',
        path: '/install.sh',
      })
      return
    }
    // metal-hammer runs /install-go when it exists and is not a directory (os.Stat), else /install.sh.
    const go = hasGo ? this.resolve('install-go') : undefined
    const goRuns = go !== undefined && (go.kind === 'file' || go.kind === 'other' || go.kind === 'unknown')
    if (!goRuns && !hasSh) {
      const why = this.fileProblem('install-go', go!)!.text
      out.push({
        id: 'installer',
        level: 'error',
        message: `${why}, so metal-hammer would run /install.sh, which is missing`,
        path: '/install-go',
      })
      return
    }
    const name = goRuns ? 'install-go' : 'install.sh'
    const resolved = goRuns ? go : this.resolve('install.sh')
    const problem = this.fileProblem(name, resolved)
    if (problem) {
      out.push({
        id: 'installer',
        level: problem.level,
        message: `${problem.text}; metal-hammer runs it chrooted to install the image`,
        path: abs(name),
      })
      return
    }
    if (resolved.kind === 'file' && (resolved.node.mode & 0o111) === 0)
      out.push({
        id: 'installer',
        level: 'error',
        message: `${abs(name)} is not executable (mode ${octal(resolved.node.mode)}); metal-hammer runs it chrooted to install the image`,
        path: abs(name),
      })
  }

  private installed(component: keyof typeof EVIDENCE, packages: ContractPackages | undefined): boolean {
    const { packages: names, files } = EVIDENCE[component]
    return names.some((n) => packages?.names.has(n)) || files.some((f) => this.resolve(f).kind === 'file')
  }

  private checkPackages(out: ContractFinding[], packages: ContractPackages | undefined): void {
    if (!this.installed('frr', packages))
      out.push({
        id: 'package-frr',
        level: 'warning',
        message:
          'FRR is not installed (no frr package, no zebra daemon): metal-stack routes to the host with it',
      })
    if (!this.installed('lldp', packages))
      out.push({
        id: 'package-lldp',
        level: 'warning',
        message:
          'no LLDP daemon (go-lldpd in /usr/local/bin/lldpd, or the lldpd package): metal-stack checks that an allocated machine is alive with it',
      })
    if (!this.installed('ignition', packages) && !this.installed('cloudInit', packages))
      out.push({
        id: 'package-ignition-or-cloud-init',
        level: 'warning',
        message:
          "neither ignition nor cloud-init is installed: the machine's user data will not run on first boot",
      })
  }

  private checkHygiene(out: ContractFinding[]): void {
    if (this.nodes.has('.dockerenv'))
      out.push({
        id: 'dockerenv',
        level: 'warning',
        message:
          '/.dockerenv is in the image (docker export adds it): tools that look for it think they run in a container',
        path: '/.dockerenv',
      })
    const id = this.machineId
    // systemd gives a machine a new id on first boot only when the file is empty or says "uninitialized".
    const content = id?.head?.trim()
    if (id !== undefined && id.size > 0 && content !== '' && content !== 'uninitialized')
      out.push({
        id: 'machine-id',
        level: 'warning',
        message: `/etc/machine-id is not empty${content === undefined ? '' : ` (${content.slice(0, 32)})`}: every machine installed from the image would have the same id`,
        path: '/etc/machine-id',
      })
    const ww = this.worldWritable
    if (ww.count > 0) {
      const listed = [...ww.first.values()]
      const more = ww.count > 3 ? `, and ${ww.count - 3} more` : ''
      out.push({
        id: 'world-writable',
        level: 'warning',
        message: `${ww.count} world-writable ${ww.count === 1 ? 'entry' : 'entries'} outside /tmp and /var/tmp: ${listed.slice(0, 3).join(', ')}${more}`,
        path: abs([...ww.first.keys()][0]!),
        count: ww.count,
        paths: [...ww.first.keys()].map(abs),
      })
    }
  }

  private checkHostKeys(out: ContractFinding[], packages: ContractPackages | undefined): void {
    const keys = this.hostKeys
    if (keys.count === 0) return
    const paths = [...keys.first.keys()].map(abs)
    const shown = `${paths.slice(0, 3).join(', ')}${keys.count > 3 ? ', ...' : ''}`
    const mechanisms: string[] = []
    const obstacles: string[] = []

    if (this.installed('cloudInit', packages)) {
      const setting = this.cloudSshDeleteKeys()
      if (this.nodes.has(CLOUD_INIT_DISABLED))
        obstacles.push(`cloud-init is disabled by /${CLOUD_INIT_DISABLED}`)
      else if (setting !== undefined && !isTrue(setting.value))
        obstacles.push(
          `cloud-init keeps them: ssh_deletekeys is ${setting.value || 'empty'} in /${setting.file}`,
        )
      else mechanisms.push("cloud-init's ssh module deletes and regenerates them on first boot")
    }
    const keygen = this.sshdKeygenUnit()
    if (keygen.unit !== undefined)
      mechanisms.push(
        `an sshd-keygen unit (${abs(keygen.unit)}) generates host keys at boot, but such units usually create only missing ones`,
      )
    else if (keygen.masked) obstacles.push('the sshd-keygen unit is masked')

    const count = `${keys.count} SSH host ${keys.count === 1 ? 'key' : 'keys'} in the image (${shown})`
    if (mechanisms.length === 0)
      out.push({
        id: 'ssh-host-keys',
        level: 'error',
        message: `${count}: every machine installed from it would share them${obstacles.length ? `; ${obstacles.join('; ')}` : ''}`,
        path: paths[0],
        count: keys.count,
        paths,
      })
    else
      out.push({
        id: 'ssh-host-keys',
        level: 'warning',
        message: `${count}: ${mechanisms.join('; ')}`,
        path: paths[0],
        count: keys.count,
        paths,
      })
  }

  /** cloud-init reads cloud.cfg, then cloud.cfg.d/*.cfg in name order; a later value wins. */
  private cloudSshDeleteKeys(): { value: string; file: string } | undefined {
    const files = [...this.cloudConfigs.keys()].sort((a, b) =>
      a === 'etc/cloud/cloud.cfg' ? -1 : b === 'etc/cloud/cloud.cfg' ? 1 : a < b ? -1 : a > b ? 1 : 0,
    )
    let found: { value: string; file: string } | undefined
    for (const file of files) {
      const value = this.cloudConfigs.get(file)!.deleteKeys
      if (typeof value === 'string') found = { value, file }
    }
    return found
  }

  /** The first sshd-keygen unit that systemd would run, and whether one was found masked. */
  private sshdKeygenUnit(): { unit?: string; masked: boolean } {
    let masked = false
    for (const unit of [...this.nodes.keys()].filter((p) => SSHD_KEYGEN_UNIT.test(p)).sort()) {
      const name = SSHD_KEYGEN_UNIT.exec(unit)![1]!
      // A unit linked to /dev/null in /etc or /run is masked: systemd will not run it.
      if (
        ['etc', 'run'].some(
          (dir) => this.nodes.get(`${dir}/systemd/system/${name}`)?.linkname === '/dev/null',
        )
      ) {
        masked = true
        continue
      }
      if (this.resolve(unit).kind === 'file') return { unit, masked }
    }
    return { masked }
  }
}

/**
 * The last top-level `ssh_deletekeys:` of one cloud-init YAML file, as written (quotes removed), or null
 * when the file does not set it. A line scan, not a YAML parser: cloud-init's own files write it as a
 * plain top-level key; flow-style documents (`{ssh_deletekeys: false}`) are not understood.
 */
export function sshDeleteKeysSetting(text: string): string | null {
  let value: string | null = null
  for (const line of text.split(/\r?\n/)) {
    const m = /^ssh_deletekeys[ \t]*:(.*)$/.exec(line)
    if (!m) continue
    let v = m[1]!.replace(/(^|[ \t])#.*$/, '').trim()
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1)
    value = v
  }
  return value
}

/** cloud-init's util.translate_bool: YAML booleans and the strings true/1/on/yes are true; all else is false. */
function isTrue(value: string): boolean {
  return ['true', '1', 'on', 'yes'].includes(value.trim().toLowerCase())
}

export interface ContractDocument {
  mode: ContractMode
  /** The image keeps the contract: no error finding (warnings allowed). */
  passed: boolean
  /** The run fails and nothing is published: mode `error` and the image did not pass. */
  failed: boolean
  errors: number
  warnings: number
  findings: ContractFinding[]
}

/** With mode `off` nothing was checked: no findings, passed. */
export function contractDocument(findings: readonly ContractFinding[], mode: ContractMode): ContractDocument {
  const kept = mode === 'off' ? [] : [...findings]
  const errors = kept.filter((f) => f.level === 'error').length
  return {
    mode,
    passed: errors === 0,
    failed: mode === 'error' && errors > 0,
    errors,
    warnings: kept.length - errors,
    findings: kept,
  }
}

/** `file`: contract.json beside the image (indented); `output`: the same document on one line, for the `contract` output. */
export function formatContractJson(
  findings: readonly ContractFinding[],
  mode: ContractMode,
): { document: ContractDocument; file: string; output: string } {
  const document = contractDocument(findings, mode)
  return { document, file: `${JSON.stringify(document, null, 2)}\n`, output: JSON.stringify(document) }
}
