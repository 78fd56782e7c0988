import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { BootFailure, bootImage, missingForBoot, type BootResult } from './boot.ts'
import { installYaml, machineFromYaml, newMachine, type MachineFacts } from './install-yaml.ts'
import { tail, WORK_FILES, type BootInfo, type Phase } from './protocol.ts'
import { HelperFailure, InstallSandbox, missingForInstall, removeWork } from './sandbox.ts'

/**
 * Input `test`: the image as metal-hammer installs it, before anything is published. The published
 * bytes are teed into `input` as they are written; `finish()` then waits for the installer and boots the
 * result. Any failure is a TestFailure, which fails the run before the commit.
 */

export type TestMode = 'off' | 'install' | 'boot'

export interface TestConfig {
  mode: TestMode
  /** A file with the install.yaml to use instead of the generated one. */
  installYaml: string | undefined
  /** For the installer run, and again for the boot (with test-command). */
  timeoutMs: number
  /** Run in the booted system, logged in on the serial console as the console user. */
  command: string | undefined
  /** A console line that proves the boot. */
  success: RegExp
}

/** The test's verdict, for the summary and the test-result output. */
export interface TestDocument {
  mode: Exclude<TestMode, 'off'>
  passed: true
  installer: string
  kernel: string
  initrd: string
  cmdline: string
  /** Boot only. */
  accel?: 'kvm' | 'tcg'
  successLine?: string
  command?: { exitCode: number; output: string }
  /** Seconds per phase. */
  seconds: Partial<Record<Phase, number>>
}

/** A failed test: the phase, what went wrong, the ends of the installer's output and of the console. */
export class TestFailure extends StageError {
  readonly phase: Phase
  readonly reason: string
  readonly installerTail: string | undefined
  readonly consoleTail: string | undefined
  /** The full logs (installer.log, console.log) on this machine. */
  readonly logs: { folder: string; names: string[] }

  constructor(
    phase: Phase,
    reason: string,
    tails: { installer?: string; console?: string },
    logs: { folder: string; names: string[] },
  ) {
    const parts = [`test failed in phase ${phase}: ${reason}; nothing was published`]
    if (tails.installer) parts.push(`--- installer output (last lines) ---\n${tails.installer}`)
    if (tails.console) parts.push(`--- console (last lines) ---\n${tails.console}`)
    if (logs.names.length)
      parts.push(`(full logs: ${logs.names.map((n) => join(logs.folder, n)).join(', ')})`)
    super(`test-${phase}`, parts.join('\n'))
    this.name = 'TestFailure'
    this.phase = phase
    this.reason = reason
    this.installerTail = tails.installer
    this.consoleTail = tails.console
    this.logs = logs
  }
}

const STEP_TITLES: Record<Phase, string> = {
  extract: 'test: extract (beside the compression)',
  install: 'test: install',
  'boot-info': 'test: boot-info.yaml',
  disk: 'test: boot disk',
  boot: 'test: boot',
  command: 'test: test-command',
}

/** `promise`, or the abort's reason as soon as `signal` fires (a cancelled run does not wait for an installer). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** What this machine lacks for the test, as a sentence; undefined when it can run. Checked before the build. */
export function testPrerequisites(config: TestConfig): string | undefined {
  if (config.mode === 'off') return undefined
  const missing = [...missingForInstall(), ...(config.mode === 'boot' ? missingForBoot() : [])]
  if (missing.length === 0) return undefined
  return `test: ${config.mode} cannot run here: ${missing.join('; ')}`
}

export class ImageTest {
  readonly timings: { stage: string; ms: number }[] = []
  private readonly config: TestConfig
  private readonly log: Log
  private readonly signal: AbortSignal
  private readonly work: string
  private readonly logs: string
  private readonly machine: MachineFacts
  private readonly sandbox: InstallSandbox
  private answered = false

  private constructor(config: TestConfig, log: Log, signal: AbortSignal, now: Date) {
    this.config = config
    this.log = log
    this.signal = signal
    const base = process.env.RUNNER_TEMP || tmpdir()
    this.logs = mkdtempSync(join(base, 'metal-image-test-logs-'))
    this.work = mkdtempSync(join(base, 'metal-image-test-'))
    let machine = newMachine()
    let yaml = installYaml(machine, now)
    if (config.installYaml) {
      const path = resolve(config.installYaml)
      try {
        yaml = readFileSync(path, 'utf8')
        machine = machineFromYaml(yaml, machine)
      } catch (err) {
        throw new InputError('test-install-yaml', config.installYaml, (err as Error).message)
      }
    }
    this.machine = machine
    this.sandbox = new InstallSandbox(
      this.work,
      {
        installYaml: yaml,
        rootUuid: machine.rootUuid,
        boot: config.mode === 'boot',
        timeoutMs: config.timeoutMs,
      },
      log,
    )
  }

  /** Starts the root helper; it extracts the image as `input` receives it. */
  static start(config: TestConfig, options: { log: Log; signal: AbortSignal; now: Date }): ImageTest {
    const missing = testPrerequisites(config)
    if (missing) throw new StageError('test', missing)
    return new ImageTest(config, options.log, options.signal, options.now)
  }

  /** The published bytes go here too (a Tee beside the store). */
  get input(): Writable {
    return this.sandbox.input
  }

  /** Waits for the installer and its checks, then boots; throws TestFailure. */
  async finish(): Promise<TestDocument> {
    const result = await untilAborted(this.sandbox.done, this.signal)
    this.answered = true
    for (const s of this.sandbox.timings) this.timings.push({ stage: STEP_TITLES[s.step], ms: s.ms })
    this.keep(WORK_FILES.installerLog, 'installer.log')
    if (!result.ok) throw this.failure(result.phase, result.message, { installer: result.installerTail })
    this.log.info(
      `${result.installer} exited 0; boot-info.yaml: kernel ${result.bootInfo.kernel}, ` +
        `initrd ${result.bootInfo.initrd || '(none)'}, cmdline "${result.bootInfo.cmdline}"`,
    )
    if (result.installerTail) this.log.info(`Installer output (last lines):\n${result.installerTail}`)
    const doc: TestDocument = {
      mode: this.config.mode === 'boot' ? 'boot' : 'install',
      passed: true,
      installer: result.installer,
      kernel: result.bootInfo.kernel,
      initrd: result.bootInfo.initrd,
      cmdline: result.bootInfo.cmdline,
      seconds: this.seconds(),
    }
    if (this.config.mode !== 'boot') return doc
    const boot = await this.boot(result.bootInfo)
    doc.accel = boot.accel
    doc.successLine = boot.line.trim()
    if (boot.command) doc.command = { exitCode: boot.command.exitCode, output: boot.command.output }
    doc.seconds = this.seconds()
    return doc
  }

  private async boot(info: BootInfo): Promise<BootResult> {
    const consoleLog = join(this.logs, 'console.log')
    const start = performance.now()
    let boot: BootResult
    try {
      boot = await bootImage({
        kernel: join(this.work, WORK_FILES.kernel),
        initrd: info.initrd ? join(this.work, WORK_FILES.initrd) : undefined,
        cmdline: info.cmdline,
        disk: join(this.work, WORK_FILES.disk),
        consoleLog,
        timeoutMs: this.config.timeoutMs,
        success: this.config.success,
        command: this.config.command
          ? { text: this.config.command, user: 'metal', password: this.machine.password }
          : undefined,
        mac: this.machine.mac,
        log: this.log,
        signal: this.signal,
      })
    } catch (err) {
      this.timings.push({ stage: STEP_TITLES.boot, ms: performance.now() - start })
      if (err instanceof BootFailure) throw this.failure(err.phase, err.message, { console: err.consoleTail })
      throw err
    }
    this.timings.push({ stage: `${STEP_TITLES.boot} (${boot.accel.toUpperCase()})`, ms: boot.bootMs })
    if (boot.command) {
      this.timings.push({ stage: STEP_TITLES.command, ms: boot.command.ms })
      this.log.info(`test-command exited ${boot.command.exitCode}:\n${tail(boot.command.output, 50)}`)
      if (boot.command.exitCode !== 0)
        throw this.failure('command', `test-command exited with ${boot.command.exitCode}`, {
          console: tail(boot.command.output, 40),
        })
    }
    return boot
  }

  private seconds(): TestDocument['seconds'] {
    const out: TestDocument['seconds'] = {}
    for (const s of this.sandbox.timings) out[s.step] = Math.round(s.ms / 100) / 10
    for (const t of this.timings) {
      if (t.stage.startsWith(STEP_TITLES.boot)) out.boot = Math.round(t.ms / 100) / 10
      if (t.stage === STEP_TITLES.command) out.command = Math.round(t.ms / 100) / 10
    }
    return out
  }

  /** Copies a log out of the scratch folder (which goes) into the logs folder (which stays). */
  private keep(name: string, as: string): string | undefined {
    const from = join(this.work, name)
    if (!existsSync(from)) return undefined
    mkdirSync(this.logs, { recursive: true })
    copyFileSync(from, join(this.logs, as))
    return join(this.logs, as)
  }

  /** The logs kept so far (installer.log, console.log). */
  logFiles(): { folder: string; names: string[] } {
    const names = ['installer.log', 'console.log'].filter((n) => existsSync(join(this.logs, n)))
    return { folder: this.logs, names }
  }

  private failure(
    phase: Phase,
    reason: string,
    tails: { installer?: string; console?: string },
  ): TestFailure {
    return new TestFailure(phase, reason, tails, this.logFiles())
  }

  /**
   * Removes the scratch folder (the logs stay). After a result the helper is let finish removing its root;
   * otherwise (a failed or cancelled run) it is ended, and every process of its namespaces with it.
   */
  async close(): Promise<void> {
    await this.sandbox.stop(!this.answered)
    removeWork(this.work)
  }

  /** A failure of the helper that reached the stream (extraction failed) as the test's failure. */
  explain(err: unknown): unknown {
    if (!(err instanceof HelperFailure)) return err
    this.keep(WORK_FILES.installerLog, 'installer.log')
    return this.failure(err.result.phase, err.result.message, { installer: err.result.installerTail })
  }
}
