import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import type { Log } from '../util/log.ts'
import { killOnExit } from './processes.ts'
import { WORK_FILES, type HelperEvent, type HelperJob, type Phase } from './protocol.ts'
import { findTool, whichTool } from './tools.ts'

/**
 * Starts the root helper (helper.ts) in new namespaces and feeds it the image:
 *   [sudo -n] unshare --mount --pid --net --ipc --uts --fork --kill-child -- node helper.js job.json
 * The helper is PID 1 of its PID namespace, so when it ends (done, failed, or its stdin closed because
 * this process went away) the kernel kills every process the installer left, and its mounts vanish
 * with its mount namespace. Needs root or passwordless sudo (GitHub's hosted runners have it).
 */

export type HelperResult = Extract<HelperEvent, { event: 'result' }>

/** Where the helper's entry is: next to the bundle in dist/, or the TypeScript source (tests). */
export function helperPath(): string {
  const url = import.meta.url.endsWith('.ts')
    ? new URL('./helper.ts', import.meta.url)
    : new URL('./verify-helper.js', import.meta.url)
  return url.pathname
}

/** How to become root: nothing when we are, sudo -n when it works without a password; else why not. */
export function rootPrefix(): string[] | string {
  if (process.getuid?.() === 0) return []
  const sudo = whichTool('sudo')
  if (sudo && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore', timeout: 15_000 }).status === 0)
    return [sudo, '-n', '--']
  return 'it needs root, or sudo without a password (as on GitHub-hosted runners), to mount and chroot'
}

/** What the install test needs on this machine that is missing; empty when it can run. */
export function missingForInstall(): string[] {
  const missing: string[] = []
  const root = rootPrefix()
  if (typeof root === 'string') missing.push(root)
  for (const [tool, pkg] of [
    ['unshare', 'util-linux'],
    ['mount', 'util-linux'],
    ['capsh', 'libcap2-bin'],
    ['mknod', 'coreutils'],
  ] as const)
    if (!whichTool(tool)) missing.push(`${tool} (${pkg})`)
  return missing
}

export class InstallSandbox {
  /** The image goes here, as it is published. */
  readonly input: Writable
  /** The helper's answer: its result (it then removes the root while the boot goes on), or why it ended without one. */
  readonly done: Promise<HelperResult>
  /** The helper has ended. */
  readonly closed: Promise<void>
  readonly timings: { step: Phase; ms: number }[] = []
  private readonly child: ChildProcess
  private stderr = ''
  private ended = false

  constructor(work: string, job: Omit<HelperJob, 'work' | 'owner' | 'callerMountNs'>, log: Log) {
    const full: HelperJob = {
      ...job,
      work,
      owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
      callerMountNs: readlinkSync('/proc/self/ns/mnt'),
    }
    const jobPath = join(work, WORK_FILES.job)
    writeFileSync(jobPath, JSON.stringify(full))
    const prefix = rootPrefix()
    if (typeof prefix === 'string') throw new Error(prefix)
    const argv = [
      ...prefix,
      findTool('unshare'),
      '--mount',
      '--pid',
      '--net',
      '--ipc',
      '--uts',
      '--fork',
      '--kill-child',
      '--propagation',
      'private',
      '--',
      process.execPath,
      helperPath(),
      jobPath,
    ]
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const unregister = killOnExit(this.child)
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000)
    })
    // A closed pipe surfaces as the helper's result, not as EPIPE.
    this.child.stdin!.on('error', () => {})
    let result: HelperResult | undefined
    let answer: (r: HelperResult) => void = () => {}
    this.done = new Promise<HelperResult>((resolve) => (answer = resolve))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let e: HelperEvent
      try {
        e = JSON.parse(line) as HelperEvent
      } catch {
        log.info(`test helper: ${line}`)
        return
      }
      if (e.event === 'log') log.info(e.message)
      else if (e.event === 'warning') log.warning(e.message)
      else if (e.event === 'step') this.timings.push({ step: e.step, ms: e.ms })
      else if (e.event === 'extracted')
        log.info(
          `Extracted ${e.entries} entries (${e.bytes} bytes of files) with metal-hammer's rules` +
            (e.end === 'eof' ? '; the archive had no end-of-archive blocks' : ''),
        )
      else if (e.event === 'result') {
        result = e
        answer(e)
      }
    })
    this.closed = new Promise<void>((resolve) => {
      this.child.on('error', (err) =>
        answer({
          event: 'result',
          ok: false,
          phase: 'extract',
          message: `cannot start the test helper: ${err.message}`,
        }),
      )
      this.child.on('close', (code, signal) => {
        this.ended = true
        unregister()
        this.child.stdin!.destroy()
        answer(
          result ?? {
            event: 'result',
            ok: false,
            phase: 'extract',
            message: `the test helper ended (${signal ?? `exit code ${code}`}) without an answer: ${this.stderr.trim().slice(-1000)}`,
          },
        )
        resolve()
      })
    })
    const stdin = this.child.stdin!
    const failed = async (): Promise<Error> => {
      const r = await this.done
      return new HelperFailure(
        r.ok ? { event: 'result', ok: false, phase: 'extract', message: 'the helper took no more data' } : r,
      )
    }
    const head = (n: number): Buffer => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n, 0)
      return b
    }
    this.input = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _enc, cb) => {
        if (this.ended || stdin.destroyed) return void failed().then(cb)
        if (chunk.length === 0) return cb()
        stdin.write(head(chunk.length))
        stdin.write(chunk, (err) => (err ? void failed().then(cb) : cb()))
      },
      final: (cb) => {
        if (this.ended || stdin.destroyed) return void failed().then(cb)
        stdin.write(head(0), (err) => (err ? void failed().then(cb) : cb()))
      },
    })
  }

  /** Waits for the helper to end (it removes the root it extracted); `kill` ends it first. */
  async stop(kill: boolean): Promise<void> {
    if (this.ended) return
    if (!kill) {
      await this.closed
      return
    }
    this.child.stdin!.end()
    try {
      process.kill(-this.child.pid!, 'SIGTERM')
    } catch {
      // gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    }, 10_000)
    await this.closed
    clearTimeout(timer)
  }
}

/** The helper's failure as an error of the test's phase. */
export class HelperFailure extends Error {
  readonly result: Extract<HelperResult, { ok: false }>
  constructor(result: Extract<HelperResult, { ok: false }>) {
    super(result.message)
    this.name = 'HelperFailure'
    this.result = result
  }
}

/** Removes the test's scratch folder; what the helper left as root goes with sudo when needed. */
export function removeWork(work: string): void {
  const prefix = rootPrefix()
  const argv = [
    ...(typeof prefix === 'string' ? [] : prefix),
    findTool('rm'),
    '-rf',
    '--one-file-system',
    work,
  ]
  spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 120_000 })
}
