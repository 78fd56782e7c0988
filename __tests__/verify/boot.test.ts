import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { silentLog } from '../../src/util/log.ts'
import {
  BootFailure,
  bootImage,
  DEFAULT_SUCCESS,
  kvmUsable,
  serialConsole,
  type BootOptions,
} from '../../src/verify/boot.ts'

/**
 * bootImage against a stand-in for qemu-system-x86_64 (a shell script first on PATH) that plays a console:
 * what is watched, when it fails, that the VM's whole process group is gone afterwards, and the login
 * for test-command. The real QEMU boots the real example in __tests__/e2e/image-test.itg.test.ts.
 */

const dir = mkdtempSync(join(tmpdir(), 'verify-boot-'))
const argsLog = join(dir, 'args')
const pidFile = join(dir, 'pid')
// A number no other process on the machine sleeps for: how the stand-in's children are found.
const MARK = String(900_000 + (process.pid % 90_000))
const FAKE = `#!/bin/sh
echo "$@" >> "$FAKE_QEMU_ARGS"
echo $$ > "$FAKE_QEMU_PID"
case "$*" in *accel=kvm*) if [ -n "$FAKE_KVM_FAILS" ]; then echo "error: failed to set MSR 0x10a" >&2; exit 134; fi;; esac
case "$FAKE_QEMU_SCENARIO" in
  boot)
    printf 'Linux version 6.1.0\\r\\n[\\033[0;32m  OK  \\033[0m] Reached target multi-user.target - Multi-User System.\\r\\n'
    sleep ${MARK} ;;
  prompt) printf 'Debian GNU/Linux 12 metal-test ttyS0\\r\\n\\r\\nmetal-test login: '; sleep ${MARK} ;;
  panic) printf 'Run /sbin/init as init process\\r\\nKernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\\r\\n'; sleep ${MARK} ;;
  rescue) printf 'ALERT!  UUID=1234 does not exist.  Dropping to a shell!\\r\\n(initramfs) '; sleep ${MARK} ;;
  silent) sleep ${MARK} & wait ;;
  exit) echo 'reboot: Restarting system'; exit 0 ;;
  login)
    printf 'Reached target Multi-User System\\r\\nmetal-test login: '
    user=; while [ -z "$user" ]; do read user; [ -n "$user" ] || printf 'metal-test login: '; done
    printf 'Password: '; read pw
    if [ "$user" != metal ] || [ "$pw" != "$FAKE_PASSWORD" ]; then printf '\\r\\nLogin incorrect\\r\\nmetal-test login: '; sleep ${MARK}; fi
    printf '\\r\\nmetal@metal-test:~$ '
    read -r line; printf '%s\\r\\n' "$line"
    sh -c "$line"
    sleep ${MARK} ;;
esac
`

const saved = { ...process.env }
beforeAll(() => {
  writeFileSync(join(dir, 'qemu-system-x86_64'), FAKE)
  chmodSync(join(dir, 'qemu-system-x86_64'), 0o755)
  process.env.PATH = `${dir}:${process.env.PATH}`
  process.env.FAKE_QEMU_ARGS = argsLog
  process.env.FAKE_QEMU_PID = pidFile
})
afterEach(() => {
  for (const key of ['FAKE_QEMU_SCENARIO', 'FAKE_KVM_FAILS', 'FAKE_PASSWORD']) delete process.env[key]
  rmSync(argsLog, { force: true })
})
afterAll(() => {
  process.env.PATH = saved.PATH
  rmSync(dir, { recursive: true, force: true })
})

function options(over: Partial<BootOptions> = {}): BootOptions {
  return {
    kernel: '/boot/vmlinuz-6.1.0',
    initrd: '/boot/initrd.img-6.1.0',
    cmdline: 'console=ttyS0,115200n8 root=UUID=x init=/sbin/init',
    disk: join(dir, 'disk.img'),
    consoleLog: join(dir, 'console.log'),
    timeoutMs: 20_000,
    success: new RegExp(DEFAULT_SUCCESS),
    command: undefined,
    mac: '00:03:00:11:11:01',
    log: silentLog,
    signal: new AbortController().signal,
    ...over,
  }
}

/** A process that runs (a zombie waiting to be reaped does not). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** Nothing of the stand-in is left: its process and the sleep it started. */
function expectGone(): void {
  expect(running(Number(readFileSync(pidFile, 'utf8')))).toBe(false)
  expect(spawnSync('pgrep', ['-f', `sleep ${MARK}`]).status).toBe(1)
}

async function failure(promise: Promise<unknown>): Promise<BootFailure> {
  try {
    await promise
  } catch (err) {
    if (err instanceof BootFailure) return err
    throw err
  }
  throw new Error('expected the boot to fail')
}

describe('the boot, against a stand-in for QEMU', () => {
  test('success: the line is found (colors removed), the VM is stopped and its console kept', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'boot'
    const result = await bootImage(options())
    expect(result.line).toBe('[  OK  ] Reached target multi-user.target - Multi-User System.')
    expect(readFileSync(join(dir, 'console.log'), 'utf8')).toContain('Linux version 6.1.0')
    expectGone()
    const args = readFileSync(argsLog, 'utf8').trim().split('\n').at(-1)!
    expect(args).toContain('-kernel /boot/vmlinuz-6.1.0 -initrd /boot/initrd.img-6.1.0')
    expect(args).toContain('-append console=ttyS0,115200n8 root=UUID=x init=/sbin/init')
    expect(args).toContain(`-drive file=${join(dir, 'disk.img')},format=raw,if=virtio`)
    expect(args).toContain('-nic user,model=virtio-net-pci,restrict=on,mac=00:03:00:11:11:01')
    expect(args).toContain('-no-reboot')
  })

  test('a login prompt, an unfinished line, counts', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'prompt'
    expect((await bootImage(options())).line).toBe('metal-test login: ')
  })

  test('KVM that QEMU cannot start with falls back to TCG', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'boot'
    process.env.FAKE_KVM_FAILS = '1'
    const result = await bootImage(options())
    expect(result.accel).toBe('tcg')
    const runs = readFileSync(argsLog, 'utf8').trim().split('\n')
    if (kvmUsable()) {
      expect(runs).toHaveLength(2)
      expect(runs[0]).toContain('accel=kvm')
    } else expect(runs).toHaveLength(1)
    expect(runs.at(-1)).toContain('q35,accel=tcg -cpu max')
  })

  test('the console is the last console=ttyS<n>; none named adds ttyS0', async () => {
    expect(serialConsole('console=tty0 console=ttyS1,115200n8')).toBe(1)
    expect(serialConsole('console=ttyS0 console=tty0')).toBe(0)
    expect(serialConsole('root=/dev/vda')).toBeUndefined()
    process.env.FAKE_QEMU_SCENARIO = 'boot'
    await bootImage(options({ cmdline: 'console=ttyS1,115200n8 root=UUID=x' }))
    expect(readFileSync(argsLog, 'utf8')).toContain('-serial null -serial chardev:console')
    rmSync(argsLog)
    await bootImage(options({ cmdline: 'root=UUID=x' }))
    expect(readFileSync(argsLog, 'utf8')).toContain('-append root=UUID=x console=ttyS0,115200 ')
  })

  test.each([
    ['panic', /the kernel panicked: Kernel panic - not syncing: Attempted to kill init!/],
    ['rescue', /the initramfs gave up and dropped to a shell/],
    ['exit', /the VM stopped \(QEMU exit code 0\) before the success line/],
  ])('%s fails the boot at once, with the console tail', async (scenario, message) => {
    process.env.FAKE_QEMU_SCENARIO = scenario
    const start = performance.now()
    const err = await failure(bootImage(options()))
    expect(err.phase).toBe('boot')
    expect(err.message).toMatch(message)
    expect(err.consoleTail).not.toBe('')
    expect(performance.now() - start).toBeLessThan(10_000)
    expectGone()
  })

  test('no success line within the timeout fails, and the VM is killed', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'silent'
    const err = await failure(bootImage(options({ timeoutMs: 1500 })))
    expect(err.message).toContain(
      'no console line matched /Reached target.*Multi-User System|login: *$/ within 2 s',
    )
    expectGone()
  })

  test('cancelling (the run got SIGINT) kills the VM and its children', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'silent'
    const abort = new AbortController()
    const booting = bootImage(options({ signal: abort.signal }))
    await new Promise((r) => setTimeout(r, 800))
    abort.abort(new Error('SIGINT'))
    await expect(booting).rejects.toThrow('SIGINT')
    expectGone()
  })

  test('the VM dies with this process even when it is killed outright (setpriv --pdeathsig)', async () => {
    const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv']).status === 0
    if (!hasSetpriv) return
    const script = join(dir, 'boot-and-wait.ts')
    writeFileSync(
      script,
      `import { bootImage, DEFAULT_SUCCESS } from ${JSON.stringify(join(import.meta.dirname, '../../src/verify/boot.ts'))}
import { silentLog } from ${JSON.stringify(join(import.meta.dirname, '../../src/util/log.ts'))}
await bootImage({ kernel: 'k', initrd: undefined, cmdline: 'console=ttyS0', disk: 'd', consoleLog: ${JSON.stringify(join(dir, 'c2.log'))},
  timeoutMs: 60000, success: new RegExp(DEFAULT_SUCCESS), command: undefined, mac: '00:03:00:11:11:01', log: silentLog,
  signal: new AbortController().signal })
`,
    )
    rmSync(pidFile, { force: true })
    const child = spawn(process.execPath, [script], { env: { ...process.env, FAKE_QEMU_SCENARIO: 'silent' } })
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100))
    expect(existsSync(pidFile)).toBe(true)
    child.kill('SIGKILL')
    await new Promise((r) => child.on('close', r))
    // The stand-in goes at once; the sleep it forked is the kernel's to reap, not ours to wait for.
    await new Promise((r) => setTimeout(r, 500))
    expect(running(Number(readFileSync(pidFile, 'utf8')))).toBe(false)
    spawnSync('pkill', ['-f', `sleep ${MARK}`])
  })

  test('test-command: logs in as metal with the password, runs the command, reads its output and exit code', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'login'
    process.env.FAKE_PASSWORD = 'EShBPP3mFJdVd4+p'
    const result = await bootImage(
      options({
        command: {
          text: 'echo "hello from $(echo the VM)"\nexit 3',
          user: 'metal',
          password: 'EShBPP3mFJdVd4+p',
        },
      }),
    )
    expect(result.command).toMatchObject({ exitCode: 3, output: 'hello from the VM' })
    expectGone()
  })

  test('test-command: a refused login fails the command phase', async () => {
    process.env.FAKE_QEMU_SCENARIO = 'login'
    process.env.FAKE_PASSWORD = 'right'
    const err = await failure(
      bootImage(options({ command: { text: 'true', user: 'metal', password: 'wrong' }, timeoutMs: 5000 })),
    )
    expect(err.phase).toBe('command')
    expect(err.message).toContain('Login incorrect')
    expectGone()
  })
})
