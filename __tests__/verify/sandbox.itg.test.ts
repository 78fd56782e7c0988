import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { silentLog } from '../../src/util/log.ts'
import { DEFAULT_SUCCESS } from '../../src/verify/boot.ts'
import { installYaml, newMachine } from '../../src/verify/install-yaml.ts'
import { WORK_FILES } from '../../src/verify/protocol.ts'
import { HelperFailure, InstallSandbox, missingForInstall, removeWork } from '../../src/verify/sandbox.ts'
import { ImageTest, TestFailure, type TestConfig, type TestDocument } from '../../src/verify/test.ts'
import { installer, tinyImage, writesBootInfo } from '../helpers/tiny-root.ts'

/**
 * The install test's root helper for real: namespaces, mounts, the installer chrooted, the checks, the
 * boot disk, and that nothing is left behind (processes, mounts, files). Tiny roots made of this
 * machine's own binaries; no Docker, no QEMU. Needs root or passwordless sudo.
 */

const missing = missingForInstall()
if (missing.length && process.env.CI === 'true')
  throw new Error(`CI=true but the install test cannot run: ${missing}`)
if (missing.length) console.warn(`skipping: ${missing.join('; ')}`)
const haveDebugfs = spawnSync('sh', ['-c', 'command -v debugfs && command -v mke2fs']).status === 0

const KERNEL = {
  '/boot/vmlinuz-6.1.0-test': { content: 'kernel' },
  '/boot/initrd.img-6.1.0-test': { content: 'initrd' },
}
const GOOD_BOOT_INFO = writesBootInfo('/boot/vmlinuz-6.1.0-test', '/boot/initrd.img-6.1.0-test')
// A number nothing else on the machine sleeps for: how processes an installer left are found.
const MARK = String(800_000 + (process.pid % 90_000))

function config(over: Partial<TestConfig> = {}): TestConfig {
  return {
    mode: 'install',
    installYaml: undefined,
    timeoutMs: 60_000,
    command: undefined,
    success: new RegExp(DEFAULT_SUCCESS),
    ...over,
  }
}

/** The helper on its own, for what ImageTest does not show: the disk it makes, stopping it, a lost caller. */
function newSandbox(work: string, boot = false): { sandbox: InstallSandbox; rootUuid: string } {
  const machine = newMachine()
  const sandbox = new InstallSandbox(
    work,
    { installYaml: installYaml(machine, new Date()), rootUuid: machine.rootUuid, boot, timeoutMs: 60_000 },
    silentLog,
  )
  return { sandbox, rootUuid: machine.rootUuid }
}

/** Runs the install test on an image; the document, or the failure. */
async function runTest(image: Buffer, over: Partial<TestConfig> = {}): Promise<TestDocument | TestFailure> {
  const messages: string[] = []
  const log = {
    ...silentLog,
    info: (m: string) => void messages.push(m),
    warning: (m: string) => void messages.push(m),
  }
  const t = ImageTest.start(config(over), { log, signal: new AbortController().signal, now: new Date() })
  try {
    await pipeline(Readable.from([image]), t.input).catch((err: unknown) => {
      throw t.explain(err)
    })
    return await t.finish()
  } catch (err) {
    if (err instanceof TestFailure) return err
    throw err
  } finally {
    await t.close()
    expect(spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status, 'a process the installer left runs on').toBe(1)
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('metal-image-test-')
  }
}

describe.skipIf(missing.length > 0)("the install test: metal-hammer's steps in namespaces", () => {
  test('a good installer passes: install.yaml written, boot-info.yaml read, its kernel and initrd found', async () => {
    const doc = await runTest(
      tinyImage({
        ...KERNEL,
        '/install.sh': installer(
          [
            'grep -q "^root_uuid: " /etc/metal/install.yaml',
            'grep -q "^console: ttyS0,115200n8" /etc/metal/install.yaml',
            'echo "hostname is $(grep ^hostname: /etc/metal/install.yaml)"',
            GOOD_BOOT_INFO,
          ].join('\n'),
        ),
      }),
    )
    expect(doc).toMatchObject({
      mode: 'install',
      passed: true,
      installer: '/install.sh',
      kernel: '/boot/vmlinuz-6.1.0-test',
      initrd: '/boot/initrd.img-6.1.0-test',
      cmdline: 'console=ttyS0 root=UUID=x',
    })
    expect((doc as TestDocument).seconds.install).toBeGreaterThanOrEqual(0)
  })

  test('/install-go is preferred over /install.sh', async () => {
    const doc = await runTest(
      tinyImage({ ...KERNEL, '/install.sh': installer('exit 1'), '/install-go': installer(GOOD_BOOT_INFO) }),
    )
    expect(doc).toMatchObject({ installer: '/install-go' })
  })

  test('an installer that exits 1 fails the install phase, with its output', async () => {
    const err = await runTest(
      tinyImage({ ...KERNEL, '/install.sh': installer('echo "grub-install: no disk found" >&2\nexit 1') }),
    )
    expect(err).toBeInstanceOf(TestFailure)
    const f = err as TestFailure
    expect(f.phase).toBe('install')
    expect(f.message).toMatch(
      /^test failed in phase install: running "\/install.sh" in chroot failed: exit status 1; nothing was published/,
    )
    expect(f.installerTail).toContain('grub-install: no disk found')
    expect(readFileSync(join(f.logs.folder, 'installer.log'), 'utf8')).toContain(
      'grub-install: no disk found',
    )
  })

  test('no installer at all says so', async () => {
    const f = (await runTest(tinyImage({ ...KERNEL }))) as TestFailure
    expect(f.phase).toBe('install')
    expect(f.message).toContain('the image has neither /install-go nor /install.sh')
  })

  test.each([
    ['no boot-info.yaml', 'true', {}, '/etc/metal/boot-info.yaml is missing after the installer ran'],
    [
      'a missing kernel',
      writesBootInfo('/boot/vmlinuz-9.9.9', '/boot/initrd.img-6.1.0-test'),
      {},
      'boot-info.yaml names the kernel /boot/vmlinuz-9.9.9, which does not exist in the image',
    ],
    [
      'a missing initrd',
      writesBootInfo('/boot/vmlinuz-6.1.0-test', '/boot/initrd.img-9'),
      {},
      'names the initrd /boot/initrd.img-9, which does not exist',
    ],
    [
      'a kernel behind an absolute symlink (metal-hammer resolves it on its own root)',
      writesBootInfo('/vmlinuz', '/boot/initrd.img-6.1.0-test'),
      { '/vmlinuz': { symlink: '/boot/vmlinuz-6.1.0-test' } },
      'leads out of the image',
    ],
    [
      'a kernel that is a directory',
      writesBootInfo('/boot', '/boot/initrd.img-6.1.0-test'),
      {},
      'which is not a regular file',
    ],
  ] as const)('%s fails the boot-info phase', async (_name, body, extra, message) => {
    const f = (await runTest(
      tinyImage({ ...KERNEL, ...extra, '/install.sh': installer(body) }),
    )) as TestFailure
    expect(f).toBeInstanceOf(TestFailure)
    expect(f.phase).toBe('boot-info')
    expect(f.message).toContain(message)
  })

  test('an installer that does not finish is killed at test-timeout, with what it started', async () => {
    const start = performance.now()
    const f = (await runTest(
      tinyImage({ ...KERNEL, '/install.sh': installer(`sleep ${MARK} &\nsleep ${MARK}`) }),
      { timeoutMs: 1500 },
    )) as TestFailure
    expect(f.phase).toBe('install')
    expect(f.message).toContain('/install.sh did not finish within 2 s (test-timeout)')
    expect(performance.now() - start).toBeLessThan(30_000)
  })

  test('what an installer leaves running dies with the namespace; its hostname, mounts and network are its own', async () => {
    const doc = await runTest(
      tinyImage({
        ...KERNEL,
        '/install.sh': installer(
          [
            `sleep ${MARK} &`,
            // No CAP_SYS_ADMIN: neither the host's name nor a mount; no network but loopback.
            'hostname metal-image-test-renamed 2>/dev/null && exit 7 || true',
            'ls /sys/class/net > /tmp/net',
            'grep -qv "^lo$" /tmp/net && exit 8 || true',
            // No CAP_MKNOD: no way to a disk of the host.
            'mknod /dev/sda-test b 8 0 2>/dev/null && exit 9 || true',
            // sysfs and /proc/sys are read-only.
            'echo 1 > /proc/sys/kernel/sysrq 2>/dev/null && exit 10 || true',
            GOOD_BOOT_INFO,
          ].join('\n'),
        ),
      }),
    )
    expect(doc).toMatchObject({ passed: true })
    expect(hostname()).not.toBe('metal-image-test-renamed')
  })

  test("image entries below /proc fail as on a machine; below /dev they reach the test's own /dev, never the host's", async () => {
    const before = statSync('/dev/null').mode
    const f = (await runTest(
      tinyImage({ ...KERNEL, '/proc/oops': { content: 'x' }, '/install.sh': installer(GOOD_BOOT_INFO) }),
    )) as TestFailure
    expect(f.phase).toBe('extract')
    expect(f.message).toContain('/rootfs/proc/oops: creating new file')
    // A dev/null of mode 0600 in the image: metal-hammer would chmod its live /dev/null; here the test's own.
    const doc = await runTest(
      tinyImage({
        ...KERNEL,
        '/dev/null': { content: '', mode: 0o600 },
        '/install.sh': installer(`ls -l /dev/null | grep -q '^crw-------'\n${GOOD_BOOT_INFO}`),
      }),
    )
    expect(doc).toMatchObject({ passed: true })
    expect(statSync('/dev/null').mode).toBe(before)
  })

  test("an extraction error fails the stream at once, as the test's extract phase", async () => {
    const bad = execFileSync('sh', [
      '-c',
      `d=$(mktemp -d) && cd "$d" && mkdir a && echo x > a/f && tar --owner=0 --group=0 -c --transform 's,^a/f,../f,' a/f | lz4 -c && rm -rf "$d"`,
    ])
    const f = (await runTest(bad)) as TestFailure
    expect(f.phase).toBe('extract')
    expect(f.message).toContain('../f: illegal file path')
  })
})

describe.skipIf(missing.length > 0 || !haveDebugfs)('the boot disk the helper makes', () => {
  test("ext4, label root, install.yaml's root UUID, with the installed root: fstab rewritten, installer removed, /tmp empty", async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-test-disk-'))
    const { sandbox, rootUuid } = newSandbox(work, true)
    const image = tinyImage({
      ...KERNEL,
      '/etc/fstab': { content: '/dev/sda1 / ext4 defaults 0 1\n' },
      '/tmp/from-image': { content: 'lands in the tmpfs' },
      '/install.sh': installer(`test -e /tmp/from-image\n${GOOD_BOOT_INFO}`),
    })
    await pipeline(Readable.from([image]), sandbox.input)
    const result = await sandbox.done
    expect(result).toMatchObject({ ok: true })
    try {
      const disk = join(work, WORK_FILES.disk)
      expect(execFileSync('blkid', ['-o', 'export', disk], { encoding: 'utf8' })).toMatch(
        new RegExp(`UUID=${rootUuid}[\\s\\S]*TYPE=ext4|TYPE=ext4[\\s\\S]*UUID=${rootUuid}`),
      )
      const cat = (path: string) =>
        execFileSync('debugfs', ['-R', `cat ${path}`, disk], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
      const ls = (path: string) =>
        execFileSync('debugfs', ['-R', `ls -l ${path}`, disk], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
      expect(cat('/etc/fstab')).toBe(
        `# created by metal-hammer: "metal-image-action test"\nUUID=${rootUuid} / ext4 defaults 0 1\n`,
      )
      expect(cat('/etc/metal/install.yaml')).toContain(`root_uuid: ${rootUuid}`)
      expect(ls('/etc/metal')).toMatch(/100600 .* install\.yaml/)
      expect(cat('/etc/metal/disk.json')).toContain(rootUuid)
      expect(ls('/')).not.toContain('install.sh')
      expect(ls('/tmp')).not.toContain('from-image')
      expect(readFileSync(join(work, WORK_FILES.kernel), 'utf8')).toBe('kernel')
      expect(readFileSync(join(work, WORK_FILES.initrd), 'utf8')).toBe('initrd')
      // The files the boot reads are the test process's; the root the helper extracted is gone.
      expect(statSync(disk).uid).toBe(process.getuid!())
      await sandbox.stop(false)
      expect(readdirSync(work).sort()).toEqual(['disk.img', 'initrd', 'installer.log', 'job.json', 'kernel'])
    } finally {
      await sandbox.stop(true)
      removeWork(work)
    }
    expect(existsSync(work)).toBe(false)
  })
})

describe.skipIf(missing.length > 0)('nothing outlives the test', () => {
  test('stopping the test mid-install ends the helper and the installer', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-test-stop-'))
    const { sandbox } = newSandbox(work)
    await pipeline(Readable.from([tinyImage({ '/install.sh': installer(`sleep ${MARK}`) })]), sandbox.input)
    for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status !== 0; i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status).toBe(0)
    await sandbox.stop(true)
    expect(spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status).toBe(1)
    removeWork(work)
    expect(existsSync(work)).toBe(false)
  })

  test('the test process killed outright (SIGKILL): its helper and the installer end too (stdin is their lifeline)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-test-orphan-'))
    const image = join(work, 'image.lz4')
    writeFileSync(image, tinyImage({ '/install.sh': installer(`sleep ${MARK}`) }))
    const script = join(work, 'start.ts')
    const src = join(import.meta.dirname, '../../src')
    writeFileSync(
      script,
      `import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { InstallSandbox } from ${JSON.stringify(join(src, 'verify/sandbox.ts'))}
import { installYaml, newMachine } from ${JSON.stringify(join(src, 'verify/install-yaml.ts'))}
import { silentLog } from ${JSON.stringify(join(src, 'util/log.ts'))}
const m = newMachine()
const s = new InstallSandbox(${JSON.stringify(join(work, 'w'))}, { installYaml: installYaml(m, new Date()), rootUuid: m.rootUuid, boot: false, timeoutMs: 60000 }, silentLog)
await pipeline(createReadStream(${JSON.stringify(image)}), s.input)
await new Promise(() => {})
`,
    )
    execFileSync('mkdir', [join(work, 'w')])
    const child = spawn(process.execPath, [script], { stdio: 'ignore' })
    for (let i = 0; i < 150 && spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status !== 0; i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status).toBe(0)
    child.kill('SIGKILL')
    let left = 0
    for (let i = 0; i < 100; i++) {
      left = spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status === 0 ? 1 : 0
      if (!left) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(left).toBe(0)
    expect(spawnSync('pgrep', ['-f', join(work, 'w', WORK_FILES.job)]).status).toBe(1)
    removeWork(work)
  })

  test('a failing helper surfaces through the image stream as its failure', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-test-fail-'))
    const { sandbox } = newSandbox(work)
    // Not LZ4 at all: the helper fails at the first bytes; the stream must not hang or report EPIPE.
    const junk = Buffer.alloc(8 << 20, 0x41)
    const err = await pipeline(Readable.from([junk, junk, junk]), sandbox.input).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(HelperFailure)
    expect((err as HelperFailure).message).toContain('lz4: bad magic number')
    await sandbox.stop(true)
    removeWork(work)
  })
})
