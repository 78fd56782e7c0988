/**
 * The metal-hammer contract: what a rootfs must hold to be installable by metal-hammer and os-installer,
 * checked from the tar entry headers while the rootfs streams past, in the same pass as the rest of the
 * pipeline. Nothing is read from the host: every path, symlinks included, is resolved inside the rootfs
 * as metal-hammer's chroot would see it.
 *
 * Memory stays bounded whatever the size of the rootfs: the checker keeps the headers of the few paths
 * a check can ask about (the top two levels of the tree, kernel files, the paths named below), counts
 * the rest, and keeps the body of only a handful of small configuration files.
 */
import {
  CONTRACT_CHECKS,
  type ContractEntry,
  type ContractEntryType,
  type ContractFinding,
  type ContractPackages,
} from './checks.ts'
import {
  checkHostKeys,
  CLOUD_CFG,
  CLOUD_INIT_DISABLED,
  SSH_HOST_KEY,
  SSHD_KEYGEN_UNIT,
  sshDeleteKeysSetting,
} from './ssh.ts'
import { ExtractionCheck, type Limits } from './extract.ts'
import { abs, isRegular, Listed, octal, RootfsTree } from './tree.ts'

/** Configuration files larger than this are not read (a real one is a few KiB). */
const MAX_CAPTURE = 1 << 20

const KERNEL_FILE = /^(?:vmlinuz(?:-.+)?|System\.map(?:-.+)?|initrd\.img(?:-.+)?|initramfs(?:-.+)?\.img)$/
const MACHINE_ID = 'etc/machine-id'

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

/**
 * Fed every entry header of a rootfs tar in archive order (observe), plus the body of the few entries it
 * asks for (file), it reports the contract findings at the end (finish). A later entry for a path
 * replaces an earlier one, as extracting the tar would.
 */
export class ContractChecker {
  /** The paths a check can ask about: kernel files wherever they are, and the named files. */
  private readonly tree = new RootfsTree(
    (path) =>
      TRACKED_DEEP.has(path) ||
      KERNEL_FILE.test(path.slice(path.lastIndexOf('/') + 1)) ||
      SSHD_KEYGEN_UNIT.test(path),
  )
  /** What metal-hammer's extraction makes of each entry. */
  private readonly extraction: ExtractionCheck
  private readonly worldWritable = new Listed()
  private readonly hostKeys = new Listed()
  /** etc/machine-id when it is a regular file; its first bytes once file() delivered them. */
  private machineId: { size: number; head?: string } | undefined
  /** Per cloud-init config file: the ssh_deletekeys value it sets (null: none), undefined until read. */
  private readonly cloudConfigs = new Map<string, { size: number; deleteKeys?: string | null }>()

  constructor(limits?: Limits) {
    this.extraction = new ExtractionCheck(limits)
  }

  /** Bytes the extraction checks keep for the paths of the rootfs (hashed). */
  get extractionBytes(): number {
    return this.extraction.bytes
  }

  /** How many entry headers the checker holds: stays small however large the rootfs is. */
  get recordedEntries(): number {
    return this.tree.nodes.size
  }

  /**
   * Takes the next entry header. Returns true when the checker needs the entry's body: pass it to file(),
   * right away or once the stream has ended.
   */
  observe(entry: ContractEntry): boolean {
    const { path, type } = entry
    const mode = entry.mode & 0o7777
    this.checkWorldWritable(path, type, mode)
    const hardLink = this.extraction.observe(entry)
    if (path === '') return false
    this.tree.implyParents(path)
    if (this.tree.isTracked(path))
      this.tree.record(path, type, mode, entry.size, entry.linkname ?? '', hardLink)

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
    this.extraction.findings(findings)
    this.checkKexec(findings)
    this.checkInstaller(findings)
    this.checkPackages(findings, packages)
    this.checkHygiene(findings)
    checkHostKeys(findings, {
      tree: this.tree,
      hostKeys: this.hostKeys,
      cloudConfigs: this.cloudConfigs,
      cloudInit: this.installed('cloudInit', packages),
    })
    const order = new Map<string, number>(CONTRACT_CHECKS.map((c, i) => [c.id, i]))
    return findings
      .map((f, i) => ({ f, i }))
      .sort((a, b) => order.get(a.f.id)! - order.get(b.f.id)! || a.i - b.i)
      .map(({ f }) => f)
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

  private checkKexec(out: ContractFinding[]): void {
    const boot = this.tree.resolve('boot')
    if (boot.kind !== 'directory' && boot.kind !== 'unknown') {
      const problem =
        boot.kind === 'missing' && boot.hops === 0
          ? '/boot is missing'
          : this.tree.fileProblem('boot', boot)?.text
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
    const names = this.tree.children(dir)
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
        message: `${kernels.length} kernels in /boot (${kernels
          .slice(0, 5)
          .map((v) => `vmlinuz-${v}`)
          .join(', ')}${kernels.length > 5 ? ', ...' : ''}): the installer needs exactly one`,
        path: '/boot',
      })
      return
    }
    const version = kernels[0]!
    const inBoot = (name: string) => ({
      name: `boot/${name}`,
      resolved: this.tree.resolve(`${prefix}${name}`),
    })

    const kernel = inBoot(`vmlinuz-${version}`)
    const kernelProblem = this.tree.fileProblem(kernel.name, kernel.resolved)
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
    else if (initrds.every((i) => this.tree.fileProblem(i.name, i.resolved) !== undefined)) {
      const problems = initrds.map((i) => ({ i, p: this.tree.fileProblem(i.name, i.resolved)! }))
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
      const problem = this.tree.fileProblem(map.name, map.resolved)
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
    const hasGo = this.tree.nodes.has('install-go')
    const hasSh = this.tree.nodes.has('install.sh')
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
    const go = hasGo ? this.tree.resolve('install-go') : undefined
    if (go?.kind === 'broken-link') {
      out.push({
        id: 'installer',
        level: 'error',
        message: `${this.tree.fileProblem('install-go', go)!.text}; metal-hammer would run it chrooted to install the image`,
        path: '/install-go',
      })
      return
    }
    const goRuns = go !== undefined && (go.kind === 'file' || go.kind === 'other' || go.kind === 'unknown')
    if (!goRuns && !hasSh) {
      const why = this.tree.fileProblem('install-go', go!)!.text
      out.push({
        id: 'installer',
        level: 'error',
        message: `${why}, so metal-hammer would run /install.sh, which is missing`,
        path: '/install-go',
      })
      return
    }
    const name = goRuns ? 'install-go' : 'install.sh'
    const resolved = goRuns ? go : this.tree.resolve('install.sh')
    const problem = this.tree.fileProblem(name, resolved)
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

  installed(component: keyof typeof EVIDENCE, packages: ContractPackages | undefined): boolean {
    const { packages: names, files } = EVIDENCE[component]
    return (
      names.some((n) => packages?.names.has(n)) || files.some((f) => this.tree.resolve(f).kind === 'file')
    )
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
    if (this.tree.nodes.has('.dockerenv'))
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
}
