import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, createWriteStream, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { StringDecoder } from 'node:string_decoder'
import type { Log } from '../util/log.ts'
import { killGroup, killOnExit } from './processes.ts'
import { tail } from './protocol.ts'
import { findTool, whichTool } from './tools.ts'

/**
 * Boots what the installer named in boot-info.yaml, as metal-hammer's kexec would: that kernel, that initrd,
 * that command line verbatim, with the root file system on a disk (virtio) of the installed root. QEMU
 * uses KVM where /dev/kvm works and falls back to TCG where it does not (also when KVM is there but
 * QEMU cannot start with it). The serial console is watched for the success line; a kernel panic,
 * an initramfs rescue shell or systemd's emergency mode fail the boot at once. The VM has a NIC with
 * QEMU's user networking restricted to the VM (no way out), with the MAC install.yaml names.
 */

/** systemd reaching multi-user.target (v252 prints the description, newer versions the unit too), or a getty's prompt. */
export const DEFAULT_SUCCESS = String.raw`Reached target.*Multi-User System|login: *$`

/** Console lines that end a boot attempt: no success can follow them. */
const FATAL: [RegExp, string][] = [
  [/Kernel panic - not syncing/, 'the kernel panicked'],
  [/Dropping to a shell|\(initramfs\) *$/, 'the initramfs gave up and dropped to a shell'],
  [/You are in emergency mode|Entering emergency mode/, 'systemd entered emergency mode'],
]

export interface BootOptions {
  kernel: string
  initrd: string | undefined
  cmdline: string
  disk: string
  /** Where the whole console output goes. */
  consoleLog: string
  timeoutMs: number
  success: RegExp
  /** Run after the success line, logged in on the serial console. */
  command: { text: string; user: string; password: string } | undefined
  mac: string
  log: Log
  signal: AbortSignal
}

export interface BootResult {
  accel: 'kvm' | 'tcg'
  /** The console line that matched. */
  line: string
  /** Milliseconds until the success line. */
  bootMs: number
  command?: { exitCode: number; output: string; ms: number }
}

export class BootFailure extends Error {
  readonly phase: 'boot' | 'command'
  readonly consoleTail: string
  constructor(phase: 'boot' | 'command', message: string, consoleTail: string) {
    super(message)
    this.name = 'BootFailure'
    this.phase = phase
    this.consoleTail = consoleTail
  }
}

export function missingForBoot(): string[] {
  const missing: string[] = []
  if (!whichTool('qemu-system-x86_64')) missing.push('qemu-system-x86_64 (qemu-system-x86)')
  if (!whichTool('mke2fs')) missing.push('mke2fs (e2fsprogs)')
  return missing
}

export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** The serial port the kernel's /dev/console is on: the last console=ttyS<n>; undefined when none. */
export function serialConsole(cmdline: string): number | undefined {
  let port: number | undefined
  for (const m of cmdline.matchAll(/(?:^|\s)console=ttyS(\d+)/g)) port = Number(m[1])
  return port
}

export async function bootImage(o: BootOptions): Promise<BootResult> {
  let cmdline = o.cmdline
  let port = serialConsole(cmdline)
  if (port === undefined) {
    cmdline = `${cmdline} console=ttyS0,115200`.trim()
    port = 0
    o.log.warning('boot-info.yaml names no serial console: console=ttyS0,115200 is added to watch the boot')
  }
  if (port > 3) throw new BootFailure('boot', `the console is ttyS${port}; the VM has ttyS0 to ttyS3`, '')
  writeFileSync(o.consoleLog, '')
  const accels: ('kvm' | 'tcg')[] = kvmUsable() ? ['kvm', 'tcg'] : ['tcg']
  for (const accel of accels) {
    const attempt = await bootOnce(o, cmdline, port, accel)
    if (attempt.kind === 'done') return attempt.result
    o.log.warning(`QEMU could not run with KVM (${attempt.reason}); booting with TCG, which is much slower`)
  }
  throw new BootFailure('boot', 'QEMU could not start', '')
}

type Attempt = { kind: 'done'; result: BootResult } | { kind: 'accel-failed'; reason: string }

async function bootOnce(
  o: BootOptions,
  cmdline: string,
  port: number,
  accel: 'kvm' | 'tcg',
): Promise<Attempt> {
  const serial: string[] = []
  for (let i = 0; i <= port; i++) serial.push('-serial', i === port ? 'chardev:console' : 'null')
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-machine',
    `q35,accel=${accel}`,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(Math.min(4, availableParallelism())),
    '-m',
    '2048',
    '-kernel',
    o.kernel,
    ...(o.initrd ? ['-initrd', o.initrd] : []),
    '-append',
    cmdline,
    '-drive',
    `file=${o.disk},format=raw,if=virtio,cache=unsafe`,
    '-nic',
    `user,model=virtio-net-pci,restrict=on,mac=${o.mac}`,
    '-chardev',
    'stdio,id=console,signal=off',
    ...serial,
  ]
  const qemu = findTool('qemu-system-x86_64')
  // setpriv --pdeathsig: QEMU dies with this process even when it cannot clean up (SIGKILL).
  const setpriv = whichTool('setpriv')
  const argv = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', qemu, ...args] : [qemu, ...args]
  o.log.info(`Booting ${o.kernel.replace(/.*\//, '')} with ${accel.toUpperCase()}: ${cmdline}`)
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  const unregister = killOnExit(child)
  const consoleFile = createWriteStream(o.consoleLog, { flags: 'a' })
  const watcher = new ConsoleWatcher(child, consoleFile)
  const start = performance.now()
  try {
    const outcome = await watcher.until(o.success, o.timeoutMs, o.signal)
    if (outcome.kind === 'exit') {
      const stderr = watcher.stderr.trim()
      if (accel === 'kvm' && watcher.bytes === 0)
        return { kind: 'accel-failed', reason: tail(stderr, 2) || `exit ${outcome.code}` }
      throw new BootFailure(
        'boot',
        `the VM stopped (QEMU ${outcome.code}) before the success line /${o.success.source}/${stderr ? `: ${tail(stderr, 3)}` : ''}`,
        watcher.tail(),
      )
    }
    if (outcome.kind === 'fatal')
      throw new BootFailure('boot', `${outcome.reason}: ${outcome.line}`, watcher.tail())
    if (outcome.kind === 'timeout')
      throw new BootFailure(
        'boot',
        `no console line matched /${o.success.source}/ within ${Math.round(o.timeoutMs / 1000)} s (test-timeout)`,
        watcher.tail(),
      )
    const bootMs = performance.now() - start
    o.log.info(`Boot reached "${outcome.line.trim()}" after ${(bootMs / 1000).toFixed(1)} s`)
    const result: BootResult = { accel, line: outcome.line, bootMs }
    if (o.command) result.command = await runCommand(watcher, o, Math.max(1000, o.timeoutMs - bootMs))
    return { kind: 'done', result }
  } finally {
    killGroup(child.pid!, 'SIGKILL')
    await watcher.closed
    unregister()
    await new Promise<void>((resolve) => consoleFile.end(resolve))
  }
}

/** Logs in on the console as the installer's console user and runs the command, between markers. */
async function runCommand(
  w: ConsoleWatcher,
  o: BootOptions,
  budgetMs: number,
): Promise<NonNullable<BootResult['command']>> {
  const { text, user, password } = o.command!
  const start = performance.now()
  const deadline = () => Math.max(1, budgetMs - (performance.now() - start))
  // Each step reads on from the line after the previous one's match.
  let from = w.lines.length
  const step = async (
    re: RegExp,
    what: string,
    ms = deadline(),
  ): Promise<{ line: string; index: number } | undefined> => {
    const r = await w.until(re, ms, o.signal, { from, fatal: /Login incorrect/ })
    if (r.kind === 'match') {
      from = r.index + 1
      return r
    }
    if (r.kind === 'timeout' && ms < deadline()) return undefined
    const why = r.kind === 'timeout' ? 'timed out' : r.kind === 'exit' ? 'the VM stopped' : r.line
    throw new BootFailure('command', `test-command: ${what}: ${why}`, w.tail())
  }
  from = Math.max(0, w.lines.length - 1)
  // The getty may not have printed its prompt yet; an empty line makes it print it again.
  if (!(await step(/login: *$/, 'no login prompt on the console', Math.min(5000, deadline())))) {
    w.send('\n')
    await step(/login: *$/, 'no login prompt on the console')
  }
  w.send(`${user}\n`)
  await step(/[Pp]assword: *$/, `no password prompt for ${user}`)
  w.send(`${password}\n`)
  // login flushes what was typed ahead: wait for the shell, by its prompt ($ or #) or a quiet console.
  await w.settled(/[$#] *$/, 3000, Math.min(60_000, deadline()), o.signal)
  // The markers are written so that the echo of the typed line does not match them.
  const encoded = Buffer.from(text).toString('base64')
  w.send(
    `printf '%s\\n' "@@verify""-begin"; echo ${encoded} | base64 -d | sh 2>&1; printf '%s %s\\n' "@@verify""-end" "$?"\n`,
  )
  const begin = (await step(/^@@verify-begin$/, 'the command did not start (login failed?)'))!
  const end = (await step(/^@@verify-end \d+$/, 'the command did not finish'))!
  const output = w.lines.slice(begin.index + 1, end.index).join('\n')
  const exitCode = Number(/(\d+)$/.exec(end.line)![1])
  return { exitCode, output, ms: performance.now() - start }
}

type Outcome =
  | { kind: 'match'; line: string; index: number }
  | { kind: 'fatal'; line: string; reason: string }
  | { kind: 'timeout' }
  | { kind: 'exit'; code: string }

/** A console line without terminal colors and carriage returns. */
function clean(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
}

/** The serial console as lines (colors removed), with the partial last line matched too (prompts). */
class ConsoleWatcher {
  readonly lines: string[] = []
  stderr = ''
  bytes = 0
  private lastData = performance.now()
  readonly closed: Promise<void>
  /** The unfinished last line as it came, and cleaned. */
  private raw = ''
  private partial = ''
  private readonly decoder = new StringDecoder('utf8')
  private exit: string | undefined
  private listener: (() => void) | undefined
  private readonly child: ChildProcess

  constructor(child: ChildProcess, file: NodeJS.WritableStream) {
    this.child = child
    child.stdin!.on('error', () => {})
    child.stdout!.on('data', (d: Buffer) => {
      this.bytes += d.length
      this.lastData = performance.now()
      file.write(d)
      const parts = (this.raw + this.decoder.write(d)).split('\n')
      this.raw = parts.pop()!
      this.lines.push(...parts.map(clean))
      this.partial = clean(this.raw)
      this.listener?.()
    })
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000)
    })
    this.closed = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        this.exit = signal ?? `exit code ${code}`
        this.listener?.()
        resolve()
      }),
    )
  }

  send(text: string): void {
    this.child.stdin!.write(text)
  }

  /** Resolves once the unfinished last line matches `prompt`, or nothing came for `quietMs`, or after `maxMs`. */
  async settled(prompt: RegExp, quietMs: number, maxMs: number, signal: AbortSignal): Promise<void> {
    const start = performance.now()
    while (performance.now() - start < maxMs) {
      signal.throwIfAborted()
      if (
        prompt.test(this.partial) ||
        performance.now() - this.lastData >= quietMs ||
        this.exit !== undefined
      )
        return
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  tail(lines = 40): string {
    return tail([...this.lines, this.partial].join('\n'), lines)
  }

  /** Waits for a line matching `re` (from the next unread line on), a fatal line, the VM's end, or the time. */
  until(
    re: RegExp,
    ms: number,
    signal: AbortSignal,
    { from, fatal }: { from?: number; fatal?: RegExp } = {},
  ): Promise<Outcome> {
    let next = from ?? this.lines.length
    return new Promise<Outcome>((resolve, reject) => {
      const finish = (o: Outcome | Error): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        this.listener = undefined
        if (o instanceof Error) reject(o)
        else resolve(o)
      }
      const check = (): void => {
        for (; next < this.lines.length; next++) {
          const line = this.lines[next]!
          if (re.test(line)) return finish({ kind: 'match', line, index: next })
          const bad = FATAL.find(([f]) => f.test(line))
          if (bad) return finish({ kind: 'fatal', line, reason: bad[1] })
          if (fatal?.test(line)) return finish({ kind: 'fatal', line, reason: 'refused' })
        }
        if (this.partial && re.test(this.partial))
          return finish({ kind: 'match', line: this.partial, index: this.lines.length })
        if (this.exit !== undefined) return finish({ kind: 'exit', code: this.exit })
      }
      const onAbort = (): void =>
        finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)))
      const timer = setTimeout(() => finish({ kind: 'timeout' }), ms)
      signal.addEventListener('abort', onAbort)
      if (signal.aborted) return onAbort()
      this.listener = check
      check()
    })
  }
}
