import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { missingForBoot } from '../../src/verify/boot.ts'
import { missingForInstall } from '../../src/verify/sandbox.ts'
import { errorLines, installAction, runAction, type ActionRun } from '../helpers/action.ts'
import { dockerAvailable } from '../helpers/env.ts'

/**
 * Input test against the real engine and QEMU, through the bundled action: the bundled example installs
 * and boots (the one real boot of a real kernel to multi-user.target); an image whose /install.sh exits 1,
 * one whose boot-info.yaml names a missing kernel and one whose init exits (the kernel panics) each fail
 * with the phase named and publish nothing; a run cancelled while the VM boots leaves no VM, no helper,
 * no mount and no scratch folder behind. The failing images are debian:bookworm (debootstrap's minbase)
 * plus an installer; the panicking one borrows the example's kernel and initrd.
 */

const root = resolve(import.meta.dirname, '..', '..')
const missing = [...missingForInstall(), ...missingForBoot()]
if (missing.length && process.env.CI === 'true')
  throw new Error(`CI=true but test: boot cannot run: ${missing}`)
if (missing.length) console.warn(`skipping: test: boot cannot run here: ${missing.join('; ')}`)
const ready = missing.length === 0 && dockerAvailable()

const EXAMPLE = 'verify-e2e-example:latest'
const FAIL_INSTALL = 'verify-e2e-fail-install:latest'
const NO_KERNEL = 'verify-e2e-no-kernel:latest'
const PANIC = 'verify-e2e-panic:latest'
// Level 1: what is tested here is the install and the boot, not the compression (the default, 9, takes minutes).
const OS = { 'os-name': 'debian', 'os-version': '12', 'compression-level': '1' }

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 })
}

/** Builds a small image FROM debian:bookworm with these files (an installer and what it needs). */
function build(tag: string, dockerfile: string, files: Record<string, string>): void {
  const ctx = mkdtempSync(join(tmpdir(), 'verify-e2e-ctx-'))
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile)
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(ctx, name), content, { mode: 0o755 })
  sh('docker', ['build', '-q', '-t', tag, ctx])
}

/** The action's failure message, as the runner shows it (::error:: with its escapes undone). */
function failure(run: ActionRun): string {
  return errorLines(run)
    .join('\n')
    .replace(/^::error::/gm, '')
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')
}

/** Files (not folders) below `dir`: what a run published there. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(join(dir, p)).isFile())
}

/** Scratch folders of the test (not its kept logs) in the temp folder. */
function scratchFolders(): string[] {
  return readdirSync(tmpdir()).filter(
    (n) => n.startsWith('metal-image-test-') && !n.startsWith('metal-image-test-logs-'),
  )
}

/** Nothing of a test may be left: no QEMU, no helper, no mount, no scratch folder. */
function expectNothingLeft(before: string[]): void {
  expect(spawnSync('pgrep', ['-f', 'qemu-system-x86_64.*metal-image-test-']).status, 'a VM is left').toBe(1)
  expect(spawnSync('pgrep', ['-f', 'verify/helper|verify-helper.js']).status, 'a helper is left').toBe(1)
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('metal-image-test-')
  expect(scratchFolders().filter((n) => !before.includes(n))).toEqual([])
}

describe.skipIf(!ready)('test: install and boot, end to end', () => {
  let action: string
  let work: string
  let before: string[]

  beforeAll(() => {
    sh('bash', [join(root, 'scripts/base-image.sh'), 'debian:bookworm'])
    action = installAction()
    work = mkdtempSync(join(tmpdir(), 'verify-e2e-'))
    before = scratchFolders()
    sh('docker', ['build', '-q', '-t', EXAMPLE, join(root, 'examples/debian')])
    const example = readFileSync(join(root, 'examples/debian/install.sh'), 'utf8')
    build(FAIL_INSTALL, 'FROM debian:bookworm\nCOPY install.sh /install.sh\n', {
      'install.sh':
        '#!/bin/sh\necho "installing"\necho "grub-install: cannot find a GRUB drive for /dev/sda" >&2\nexit 1\n',
    })
    build(NO_KERNEL, 'FROM debian:bookworm\nCOPY install.sh /install.sh\n', {
      'install.sh':
        "#!/bin/sh\nset -e\nmkdir -p /etc/metal\nprintf 'kernel: /boot/vmlinuz-6.1.0-99-amd64\\ninitrd: /boot/initrd.img-6.1.0-99-amd64\\ncmdline: console=ttyS0\\n' > /etc/metal/boot-info.yaml\n",
    })
    // The example's installer and kernel, and an init that exits at once: the kernel panics.
    build(
      PANIC,
      `FROM ${EXAMPLE} AS kernel\nFROM debian:bookworm\nCOPY --from=kernel /boot/ /boot/\nCOPY install.sh /install.sh\nCOPY init /usr/sbin/init\n`,
      { 'install.sh': example, init: '#!/bin/sh\necho "init: nothing to start"\nexit 1\n' },
    )
  }, 1_200_000)

  afterAll(() => {
    spawnSync('docker', ['rmi', '-f', EXAMPLE, FAIL_INSTALL, NO_KERNEL, PANIC])
  })

  test('the bundled example installs with its /install.sh and boots to multi-user.target; test-command runs', async () => {
    const dest = join(work, 'example')
    const run = await runAction(action, {
      image: EXAMPLE,
      ...OS,
      destination: dest,
      test: 'boot',
      'test-command': 'cat /etc/hostname && id -un',
    })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const result = JSON.parse(run.outputs['test-result']!)
    expect(result).toMatchObject({
      mode: 'boot',
      passed: true,
      installer: '/install.sh',
      kernel: expect.stringMatching(/^\/boot\/vmlinuz-6\.1\.0-.*-amd64$/),
      initrd: expect.stringMatching(/^\/boot\/initrd\.img-6\.1\.0-.*-amd64$/),
      cmdline: expect.stringMatching(/^console=ttyS0,115200n8 root=UUID=[0-9a-f-]{36} init=\/sbin\/init /),
      accel: expect.stringMatching(/^(kvm|tcg)$/),
      successLine: expect.stringMatching(/Multi-User System|login:/),
      command: { exitCode: 0, output: 'metal-test\nmetal' },
    })
    for (const phase of ['extract', 'install', 'disk', 'boot', 'command'])
      expect(result.seconds[phase], phase).toBeGreaterThanOrEqual(0)
    // The phases, for the README's figures.
    console.log(`example image test, seconds per phase: ${JSON.stringify(result.seconds)} (${result.accel})`)
    expect(run.summary).toContain('<td>Test</td><td>boot passed: installed with /install.sh and booted')
    expect(run.summary).toMatch(/<td>test: boot \((KVM|TCG)\)<\/td><td>[0-9.]+ s<\/td>/)
    expect(run.summary).toMatch(/<td>test: install<\/td><td>[0-9.]+ s<\/td>/)
    expect(existsSync(join(dest, 'debian/12/img.tar.lz4'))).toBe(true)
    expectNothingLeft(before)
  }, 1_200_000)

  test.each([
    [
      'an /install.sh that exits 1',
      'install',
      FAIL_INSTALL,
      /test failed in phase install: running "\/install.sh" in chroot failed: exit status 1; nothing was published\n--- installer output \(last lines\) ---\ninstalling\ngrub-install: cannot find a GRUB drive for \/dev\/sda/,
    ],
    [
      'a boot-info.yaml naming a missing kernel',
      'boot-info',
      NO_KERNEL,
      /test failed in phase boot-info: boot-info.yaml names the kernel \/boot\/vmlinuz-6.1.0-99-amd64, which does not exist in the image; nothing was published/,
    ],
    [
      'an init that exits at once (the kernel panics)',
      'boot',
      PANIC,
      // The root was mounted, then its init exited (its own last words may not reach the console first).
      /test failed in phase boot: the kernel panicked: .*Kernel panic - not syncing: Attempted to kill init![\s\S]*--- console \(last lines\) ---[\s\S]*EXT4-fs \(vda\): mounted filesystem/,
    ],
  ])(
    '%s fails the run in phase %s and publishes nothing',
    async (_name, phase, image, message) => {
      const dest = join(work, `failing-${phase}`)
      const run = await runAction(action, {
        image,
        ...OS,
        destination: dest,
        contract: 'warn',
        test: 'boot',
        'test-timeout': '5m',
      })
      expect(run.code).toBe(1)
      expect(failure(run)).toMatch(message)
      // Only test-result is set, saying where it failed; the summary shows why.
      expect(Object.keys(run.outputs)).toEqual(['test-result'])
      expect(JSON.parse(run.outputs['test-result']!)).toMatchObject({ passed: false, phase })
      expect(run.summary).toContain(`<h2>Image test failed in phase ${phase}: nothing was published</h2>`)
      // Nothing published: no image, no checksum, no versions.json.
      expect(filesIn(dest)).toEqual([])
      expectNothingLeft(before)
    },
    900_000,
  )

  test.each([['SIGINT'], ['SIGTERM']] as const)(
    'cancelled with %s while the VM boots: nothing published, no VM, helper, mount or scratch folder left',
    async (signal) => {
      const dest = join(work, `cancelled-${signal}`)
      const run = await runAction(
        action,
        { image: PANIC, ...OS, destination: dest, contract: 'warn', test: 'boot' },
        { interruptWhen: /Booting \S+ with (KVM|TCG)/, interruptWith: signal },
      )
      expect(run.code).not.toBe(0)
      expect(failure(run)).toContain('cancelled: nothing was published')
      expect(filesIn(dest)).toEqual([])
      expectNothingLeft(before)
    },
    900_000,
  )
})
