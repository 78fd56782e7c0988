import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  chownSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
} from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { extractArchive, TargetRoot } from './archiver.ts'
import { decodeFirstFrame } from './lz4-decode.ts'
import {
  tail,
  Unframer,
  WORK_FILES,
  type BootInfo,
  type HelperEvent,
  type HelperJob,
  type Phase,
} from './protocol.ts'
import { ByteReader } from './reader.ts'
import { findTool } from './tools.ts'

/**
 * The root helper: runs as root, as PID 1 of its own PID, mount, network, IPC and UTS namespaces (see
 * sandbox.ts), and does what metal-hammer does between its storage setup and kexec:
 *   mount proc, sys, a tmpfs on /tmp and /dev (a bind) in the target root -> extract the image from stdin
 *   with pierrec/lz4 + archiver v2.1.0's rules -> write /etc/metal/install.yaml -> run /install-go or
 *   /install.sh chrooted as root -> read /etc/metal/boot-info.yaml and check its kernel and initrd ->
 *   write /etc/fstab -> (boot) an ext4 disk of the root, the kernel and the initrd for QEMU.
 * Safety: the mounts live only in this mount namespace (they vanish with it); /dev is a tmpfs with a few
 * device nodes made here, never the host's; sysfs is read-only, /proc/sys and /proc/sysrq-trigger too;
 * efivarfs is not mounted; the installer runs without capabilities such as CAP_SYS_ADMIN, CAP_SYS_CHROOT,
 * CAP_MKNOD, CAP_SYS_MODULE, CAP_SYS_RAWIO, and in an empty network namespace. When this process ends,
 * every process of the namespace is killed by the kernel.
 */

const CAP_KEEP = new Set([
  0, // chown
  1, // dac_override
  3, // fowner
  4, // fsetid
  5, // kill
  6, // setgid
  7, // setuid
  8, // setpcap
  10, // net_bind_service
  13, // net_raw
  29, // audit_write
  31, // setfcap
])
/** What metal-hammer would write as its version in /etc/fstab's header. */
const FSTAB_VERSION = 'metal-image-action test'
const INSTALLER_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/',
  TERM: 'linux',
}

class Failure extends Error {
  readonly phase: Phase
  constructor(phase: Phase, message: string) {
    super(message)
    this.phase = phase
  }
}

const emit = (e: HelperEvent): void => void process.stdout.write(`${JSON.stringify(e)}\n`)
const log = (message: string): void => emit({ event: 'log', message })

/** Chunks of the image from stdin, with backpressure; the lifeline's end aborts everything. */
class Input implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = []
  private wake: (() => void) | undefined
  private done = false
  private failed: Error | undefined
  private readonly unframer = new Unframer()

  constructor(onLifelineClosed: () => void) {
    process.stdin.on('data', (chunk: Buffer) => {
      for (const payload of this.unframer.push(chunk)) this.queue.push(payload)
      if (this.unframer.ended) this.done = true
      if (this.queue.length > 64) process.stdin.pause()
      this.wake?.()
    })
    process.stdin.on('end', () => {
      if (!this.done) this.failed = new Error('the image stream stopped before its end')
      this.done = true
      this.wake?.()
      onLifelineClosed()
    })
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const next = this.queue.shift()
      if (next) {
        if (this.queue.length < 16) process.stdin.resume()
        yield next
        continue
      }
      if (this.failed) throw this.failed
      if (this.done) return
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = undefined
    }
  }

  /** Reads and drops the rest of the image (metal-hammer never reads past its first frame and archive end). */
  async drain(): Promise<void> {
    for await (const _ of this) void _
  }
}

function run(tool: string, args: string[]): void {
  execFileSync(findTool(tool), args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Mounts of the target root, in metal-hammer's order (efivarfs left out), each made 0755 first. */
function mountSpecial(root: TargetRoot, dev: string): string[] {
  const mounted: string[] = []
  const point = (path: string): string => {
    const r = root.locate(path)
    if (r === 'outside') throw new Error(`${path} leads outside the root`)
    mkdirSync(r.real, { recursive: true, mode: 0o755 })
    mounted.push(r.real)
    return r.real
  }
  const proc = point('/proc')
  run('mount', ['-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', proc])
  // As container runtimes do: what would reach the host's kernel settings is read-only or hidden.
  for (const p of ['sys', 'sysrq-trigger', 'irq', 'bus', 'fs']) {
    const path = join(proc, p)
    if (!existsSync(path)) continue
    run('mount', ['--bind', path, path])
    run('mount', ['-o', 'remount,bind,ro', path])
    mounted.push(path)
  }
  for (const p of ['kcore', 'keys', 'timer_list', 'sched_debug']) {
    const path = join(proc, p)
    if (!existsSync(path)) continue
    run('mount', ['--bind', join(dev, 'null'), path])
    mounted.push(path)
  }
  run('mount', ['-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sys', point('/sys')])
  run('mount', ['-t', 'tmpfs', 'tmpfs', point('/tmp')])
  run('mount', ['--bind', dev, point('/dev')])
  return mounted
}

/**
 * A /dev of our own: a tmpfs with the harmless device nodes, instead of the host's devtmpfs (an image's
 * dev/ entries are written into whatever /dev holds: metal-hammer chmods its live device nodes).
 */
function scratchDev(dir: string): void {
  mkdirSync(dir, { recursive: true })
  run('mount', ['-t', 'tmpfs', '-o', 'mode=0755,size=4m,nosuid', 'dev', dir])
  for (const [name, minor] of [
    ['null', 3],
    ['zero', 5],
    ['full', 7],
    ['random', 8],
    ['urandom', 9],
  ] as const)
    run('mknod', ['-m', '0666', join(dir, name), 'c', '1', String(minor)])
  // The mount points an init makes in a devtmpfs; no /dev/fd links (udev's, not the kernel's): an
  // image's own dev/fd symlink must not fail here when it would not on a machine.
  for (const d of ['pts', 'shm']) mkdirSync(join(dir, d))
}

/** Kills every other process of this PID namespace and waits until none is left running. */
async function killAll(procDir: string | undefined): Promise<void> {
  if (process.pid !== 1) return
  try {
    process.kill(-1, 'SIGKILL')
  } catch {
    // ESRCH: nothing else runs.
  }
  for (let i = 0; i < 50 && procDir; i++) {
    const alive = readdirSync(procDir).filter((p) => /^\d+$/.test(p) && p !== '1' && !isZombie(procDir, p))
    if (alive.length === 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

function isZombie(procDir: string, pid: string): boolean {
  try {
    return / Z /.test(readFileSync(join(procDir, pid, 'stat'), 'latin1').replace(/^.*\)/, ')'))
  } catch {
    return true
  }
}

async function runInstaller(
  job: HelperJob,
  target: TargetRoot,
  procDir: string,
): Promise<{ binary: string; output: string }> {
  const logPath = join(job.work, WORK_FILES.installerLog)
  const goInstaller = target.locate('/install-go')
  const binary =
    goInstaller !== 'outside' && goInstaller.stat && !goInstaller.stat.isDirectory()
      ? '/install-go'
      : '/install.sh'
  const found = target.locate(binary)
  if (found === 'outside' || !found.stat)
    throw new Failure(
      'install',
      'the image has neither /install-go nor /install.sh: metal-hammer runs one of them chrooted and fails with ' +
        `"fork/exec ${binary}: no such file or directory". (Since 2026 metal-hammer brings its own os-installer ` +
        "and metal-images ship neither; this test runs the image's installer, as metal-hammer v0.13 does.)",
    )
  log(`Running ${binary} chrooted as root (timeout ${Math.round(job.timeoutMs / 1000)} s)`)
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim())
  const drop: number[] = []
  for (let cap = 0; cap <= last; cap++) if (!CAP_KEEP.has(cap)) drop.push(cap)
  const out = openSync(logPath, 'w', 0o644)
  const child = spawn(
    findTool('capsh'),
    [`--chroot=${target.root}`, `--drop=${drop.join(',')}`, `--shell=${binary}`, '--'],
    {
      cwd: target.root,
      env: INSTALLER_ENV,
      stdio: ['ignore', out, out],
      detached: true,
    },
  )
  closeSync(out)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // gone already
    }
  }, job.timeoutMs)
  const code = await new Promise<number | string>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (c, signal) => resolve(c ?? signal ?? 'unknown'))
  })
  clearTimeout(timer)
  // Whatever the installer left running (daemons a package started) must not outlive it.
  await killAll(procDir)
  const output = readFileSync(logPath, 'utf8')
  if (timedOut)
    throw new Failure(
      'install',
      `${binary} did not finish within ${Math.round(job.timeoutMs / 1000)} s (test-timeout); it was killed`,
    )
  if (code !== 0)
    throw new Failure(
      'install',
      `running "${binary}" in chroot failed: ${typeof code === 'number' ? `exit status ${code}` : `signal: ${code}`}`,
    )
  // metal-hammer removes the installer afterwards; a failure to is only a warning there.
  const at = target.locate(binary)
  try {
    if (at !== 'outside') unlinkSync(at.real)
  } catch (err) {
    emit({ event: 'warning', message: `unable to remove ${binary}, ignoring: ${(err as Error).message}` })
  }
  return { binary, output }
}

function readBootInfo(target: TargetRoot): BootInfo {
  const at = target.locate('/etc/metal/boot-info.yaml')
  if (at === 'outside' || !at.stat)
    throw new Failure(
      'boot-info',
      '/etc/metal/boot-info.yaml is missing after the installer ran: the installer must write it (kernel, initrd, ' +
        'cmdline); metal-hammer fails with "unable to read boot-info.yaml"',
    )
  let doc: unknown
  try {
    doc = parse(readFileSync(at.real, 'utf8'))
  } catch (err) {
    throw new Failure('boot-info', `/etc/metal/boot-info.yaml is not valid YAML: ${(err as Error).message}`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Failure(
      'boot-info',
      '/etc/metal/boot-info.yaml is not a YAML mapping of kernel, initrd, cmdline',
    )
  const y = doc as Record<string, unknown>
  // yaml.v3 puts any scalar into a string field as written; a mapping or a list is an error.
  const field = (key: string): string => {
    const v = y[key]
    if (v === undefined || v === null) return ''
    if (typeof v === 'object')
      throw new Failure(
        'boot-info',
        `/etc/metal/boot-info.yaml: ${key} is not a string (yaml.v3 cannot unmarshal it)`,
      )
    return String(v)
  }
  const info = {
    kernel: field('kernel'),
    initrd: field('initrd'),
    cmdline: field('cmdline'),
    bootloaderId: field('bootloader_id'),
  }
  const check = (what: string, path: string): void => {
    const found = target.locate(path)
    if (found === 'outside')
      throw new Failure(
        'boot-info',
        `boot-info.yaml names the ${what} ${path}, which leads out of the image (a symlink with an absolute target): ` +
          'metal-hammer looks it up on its own file system and cannot copy it for kexec',
      )
    if (!found.stat)
      throw new Failure(
        'boot-info',
        `boot-info.yaml names the ${what} ${path}, which does not exist in the image`,
      )
    if (!found.stat.isFile())
      throw new Failure('boot-info', `boot-info.yaml names the ${what} ${path}, which is not a regular file`)
  }
  if (info.kernel === '') throw new Failure('boot-info', 'boot-info.yaml names no kernel')
  check('kernel', info.kernel)
  if (info.initrd !== '') check('initrd', info.initrd)
  return info
}

/** Unmounts in reverse order; a busy mount is detached, one that is not there is passed over. */
function unmountAll(mounted: string[]): void {
  for (const path of [...mounted].reverse()) {
    try {
      run('umount', [path])
    } catch {
      try {
        run('umount', ['-l', path])
      } catch {
        // Not mounted (its mount failed): the namespace's end drops whatever is left.
      }
    }
  }
}

async function makeDisk(job: HelperJob, target: TargetRoot, info: BootInfo): Promise<void> {
  const kernel = target.locate(info.kernel)
  if (kernel !== 'outside') copyFileSync(kernel.real, join(job.work, WORK_FILES.kernel))
  if (info.initrd !== '') {
    const initrd = target.locate(info.initrd)
    if (initrd !== 'outside') copyFileSync(initrd.real, join(job.work, WORK_FILES.initrd))
  }
  const du = (args: string[]) =>
    Number(execFileSync(findTool('du'), [...args, '-sx', target.root], { encoding: 'utf8' }).split(/\s/)[0])
  const kib = du(['-k'])
  const inodes = du(['--inodes'])
  // Room for what a first boot writes (journal, machine-id, keys), and inodes to spare.
  const size = Math.max(1 << 20, Math.ceil(kib * 1.2) + (512 << 10))
  const disk = join(job.work, WORK_FILES.disk)
  const args = [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-L',
    'root',
    '-U',
    job.rootUuid,
    '-N',
    String(Math.ceil(inodes * 1.5) + 16384),
  ]
  // e2fsprogs 1.47 turns orphan_file on, which kernels before 5.15 cannot mount; metal-images turns it off too.
  const features = mke2fsKnowsOrphanFile() ? ['-O', '^orphan_file'] : []
  log(`Making an ext4 disk of the root: ${Math.round(size / 1024)} MiB, ${Math.round(kib / 1024)} MiB used`)
  execFileSync(findTool('mke2fs'), [...args, ...features, '-d', target.root, disk, `${size}k`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function mke2fsKnowsOrphanFile(): boolean {
  // mke2fs -V prints its version on stderr.
  const out = spawnSync(findTool('mke2fs'), ['-V'], { encoding: 'utf8' })
  const m = /mke2fs (\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`)
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 47)
}

/** The files the test process reads (and removes) become its own. */
function giveToOwner(job: HelperJob): void {
  for (const name of [WORK_FILES.installerLog, WORK_FILES.disk, WORK_FILES.kernel, WORK_FILES.initrd]) {
    const path = join(job.work, name)
    if (existsSync(path)) chownSync(path, job.owner.uid, job.owner.gid)
  }
}

async function main(): Promise<number> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HelperJob
  // Only ever as init of a fresh PID namespace and in a mount namespace of our own: kill(-1) and the
  // mounts below would otherwise reach the host.
  const ownMountNs = readlinkSync('/proc/self/ns/mnt') !== job.callerMountNs
  if (process.pid !== 1 || !ownMountNs || process.getuid?.() !== 0) {
    emit({
      event: 'result',
      ok: false,
      phase: 'extract',
      message: 'the helper must run as root, as PID 1 of new PID and mount namespaces',
    })
    return 2
  }
  process.umask(0o022)
  let phase: Phase = 'extract'
  let mounted: string[] = []
  let procDir: string | undefined
  const dev = join(job.work, WORK_FILES.dev)
  const rootDir = join(job.work, WORK_FILES.root)
  const stop = (code: number): never => {
    // The kernel kills the namespace's processes and drops its mounts when PID 1 exits.
    process.exit(code)
  }
  // The test process closes stdin only after this process ended: before, it means the test process is gone.
  const input = new Input(() => stop(3))
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(4))
  let installerTail: string | undefined
  try {
    mkdirSync(rootDir, { mode: 0o755 })
    const target = new TargetRoot(rootDir)
    // What mkfs and metal-hammer's storage setup leave before the image arrives.
    mkdirSync(join(rootDir, 'lost+found'), { mode: 0o700 })
    scratchDev(dev)
    mounted = mountSpecial(target, dev)
    procDir = join(rootDir, 'proc')
    target.writeFile(
      '/etc/metal/disk.json',
      JSON.stringify(
        {
          Device: 'legacy',
          Partitions: [{ Label: 'root', Filesystem: 'ext4', Properties: { UUID: job.rootUuid } }],
        },
        null,
        2,
      ),
      0o600,
    )

    let start = performance.now()
    const outside: string[] = []
    const reader = new ByteReader(input)
    const facts = await extractArchive(decodeFirstFrame(reader), {
      root: rootDir,
      onOutside: (entry, path) => {
        if (outside.length < 10) outside.push(`${entry} (${path})`)
      },
    })
    await input.drain()
    emit({
      event: 'extracted',
      entries: facts.entries,
      bytes: facts.bytes,
      outside: facts.outside,
      end: facts.end,
    })
    if (facts.outside > 0)
      emit({
        event: 'warning',
        message:
          `${facts.outside} entries lie below a symlink to an absolute path (or leave the root): metal-hammer writes ` +
          `them to its own file system, so the installed system does not have them: ${outside.join(', ')}`,
      })
    emit({ event: 'step', step: 'extract', ms: performance.now() - start })

    phase = 'install'
    start = performance.now()
    target.writeFile('/etc/metal/install.yaml', job.installYaml, 0o600)
    const installer = await runInstaller(job, target, procDir)
    installerTail = tail(installer.output)
    emit({ event: 'step', step: 'install', ms: performance.now() - start })

    phase = 'boot-info'
    const info = readBootInfo(target)
    // After the installer, metal-hammer writes fstab from its layout, over the image's.
    target.writeFile(
      '/etc/fstab',
      `# created by metal-hammer: "${FSTAB_VERSION}"\nUUID=${job.rootUuid} / ext4 defaults 0 1\n`,
      0o644,
    )
    unmountAll(mounted)
    mounted = []

    if (job.boot) {
      phase = 'disk'
      start = performance.now()
      await makeDisk(job, target, info)
      emit({ event: 'step', step: 'disk', ms: performance.now() - start })
    }
    giveToOwner(job)
    emit({ event: 'result', ok: true, installer: installer.binary, bootInfo: info, installerTail })
    return 0
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (installerTail === undefined && existsSync(join(job.work, WORK_FILES.installerLog)))
      installerTail = tail(readFileSync(join(job.work, WORK_FILES.installerLog), 'utf8'))
    giveToOwner(job)
    emit({
      event: 'result',
      ok: false,
      phase: err instanceof Failure ? err.phase : phase,
      message,
      installerTail,
    })
    return 1
  } finally {
    await killAll(procDir && mounted.length ? procDir : undefined)
    if (mounted.length) unmountAll(mounted)
    try {
      run('umount', ['-l', dev])
    } catch {
      // not mounted
    }
    // The root is root's: it goes now (no mounts left in it), while the test process boots the disk.
    try {
      execFileSync(findTool('rm'), ['-rf', '--one-file-system', rootDir, dev])
    } catch {
      // The test process removes what is left.
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    emit({
      event: 'result',
      ok: false,
      phase: 'extract',
      message: `helper: ${(err as Error).stack ?? String(err)}`,
    })
    process.exit(1)
  },
)
