import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { execa } from 'execa'
import { onExit } from '../util/cleanup.ts'
import { StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'

export const DOCKER = 'docker'

/**
 * Runs `docker args` (a removal) when the process exits before the returned function is called: what a
 * run made in the engine must not outlive a run that crashed or was abandoned. Bounded: exit waits for it.
 */
export function dockerOnExit(args: string[]): () => void {
  return onExit(() => void spawnSync(DOCKER, args, { stdio: 'ignore', timeout: 10_000 }))
}

/** Enough of a failing build's output to show the failing step and its error. */
const TAIL_LINES = 25

// ---------------------------------------------------------------------------------------------
// docker

export interface Finished {
  exitCode: number | undefined
  tail: string[]
}

/**
 * Runs docker with its output lines going to the log and the last ones kept for the error message.
 * Never throws with the command line in the message: build args may carry values nobody wants in a log.
 */
export function runDocker(
  args: string[],
  options: {
    log: Log
    signal: AbortSignal
    env?: Record<string, string>
    /** `pipe`: stdout is read as a stream; `fd`: as well, and its pipe's fd is given out (see `OsPipe`). */
    stdout?: 'pipe' | 'fd' | 'log'
  },
): { stdout: Readable | null; takeFd?: () => number; done: Promise<Finished> } {
  const os = options.stdout === 'fd' ? osPipe() : undefined
  const proc = execa(DOCKER, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    // A number is the child's stdout as it is (no stream of execa's in between).
    stdout: (os ? os.writeFd : 'pipe') as 'pipe',
    stderr: 'pipe',
    env: options.env,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5000,
  })
  const tail: string[] = []
  const collect = (stream: Readable | null): Promise<void> => {
    if (!stream) return Promise.resolve()
    const lines = createInterface({ input: stream, crlfDelay: Infinity })
    lines.on('line', (line) => {
      options.log.info(line)
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
    })
    return new Promise((resolve) => lines.on('close', () => resolve()))
  }
  // The child has its own copy of the write end now: only it may hold one, or the reader never sees the end.
  os?.closeWriteFd()
  const piped = options.stdout === 'pipe' || options.stdout === 'fd'
  // execa resumes an unread stdout after one turn of the event loop (its output would be lost): a
  // reader that starts later (the export waits for the init layer's entries) must find it all there.
  if (options.stdout === 'pipe') proc.stdout?.pause()
  const outputs = Promise.all([collect(proc.stderr), piped || os ? Promise.resolve() : collect(proc.stdout)])
  const done = Promise.all([proc, outputs]).then(([result]) => {
    // Not started, or killed before it said anything: say so instead of an empty tail, without execa's
    // shortMessage, which holds the command line.
    if (result.exitCode === undefined && tail.length === 0)
      tail.push(
        result.signal
          ? `docker was ended by ${result.signal} before it printed anything`
          : `docker did not start (${result.code ?? result.originalMessage ?? 'no reason given'})`,
      )
    return { exitCode: result.exitCode, tail }
  })
  if (os) {
    const { stream, takeFd } = os.reader()
    return { stdout: stream, takeFd, done }
  }
  return { stdout: piped ? proc.stdout : null, done }
}

/**
 * A pipe of the operating system for a child's stdout whose read end any thread of ours can read: a
 * worker thread takes BuildKit's tar from it while the main thread is busy with the pipeline (see
 * pipeline/spill.ts). A FIFO made in a private folder and unlinked at once, so nothing else can open it.
 * `reader()` gives a stream that reads it on the main thread, opened only when first read, and `takeFd`,
 * which hands the read end to another reader instead (the stream must not be read after that).
 */
interface OsPipe {
  writeFd: number
  closeWriteFd(): void
  reader(): { stream: Readable; takeFd: () => number }
}

function osPipe(): OsPipe {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-pipe-'))
  const path = join(dir, 'stdout')
  try {
    execFileSync('mkfifo', ['-m', '0600', path])
    // The read end first, non-blocking, so that opening the write end does not wait for a reader.
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const writeFd = openSync(path, constants.O_WRONLY)
    let open = true
    return {
      writeFd,
      closeWriteFd: () => {
        if (open) closeSync(writeFd)
        open = false
      },
      reader: () => lazySocket(readFd),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A stream of a pipe's read end that opens its socket when first read, unless the fd was taken. */
function lazySocket(fd: number): { stream: Readable; takeFd: () => number } {
  let socket: Socket | undefined
  let taken = false
  const stream: Readable = new Readable({
    read() {
      if (taken) return void stream.destroy(new Error('this pipe is read by another reader'))
      if (socket) return void socket.resume()
      socket = new Socket({ fd, readable: true, writable: false })
      socket.on('data', (chunk: Buffer) => {
        if (!stream.push(chunk)) socket!.pause()
      })
      socket.once('end', () => stream.push(null))
      socket.once('error', (err) => stream.destroy(err))
    },
    destroy(err, callback) {
      if (socket) socket.destroy()
      else if (!taken) closeSync(fd)
      callback(err)
    },
  })
  const takeFd = (): number => {
    if (socket || stream.destroyed) throw new Error('the pipe is already being read, or closed')
    taken = true
    return fd
  }
  return { stream, takeFd }
}

/** Output of a short docker command, or undefined when it fails. */
export async function dockerQuery(
  args: string[],
  signal: AbortSignal,
  env?: Record<string, string>,
): Promise<string | undefined> {
  const result = await execa(DOCKER, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    env,
    timeout: 60_000,
  })
  return result.exitCode === 0 ? String(result.stdout).trim() : undefined
}

export async function ensureDaemon(input: string, value: string, signal: AbortSignal): Promise<void> {
  const result = await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    timeout: 30_000,
  })
  if (result.exitCode === 0) return
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  const reason =
    (result as { code?: string }).code === 'ENOENT'
      ? 'the docker command is not installed'
      : lastLine(String(result.stderr)) || result.shortMessage
  throw new StageError(
    'docker',
    `cannot reach the Docker daemon at ${host}, needed for input "${input}" = "${value}": ${reason}. ` +
      'Start the Docker engine (dockerd) or point DOCKER_HOST at one.',
  )
}

export function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  return (lines[lines.length - 1] ?? '').trim()
}

/** Settles when the process has exited: fine on exit code 0, else the failure describing it. */
export function processExit(done: Promise<Finished>, failure: (f: Finished) => Error): Promise<void> {
  const exited = done.then((result) => {
    if (result.exitCode !== 0) throw failure(result)
  })
  // Awaited by publish; until then a rejection is not "unhandled".
  exited.catch(() => {})
  return exited
}

/** An OpenedSource's cleanup: stops the process if it still runs, waits for it, then runs `after`. */
export function stopThen(
  abort: AbortController,
  done: Promise<Finished>,
  after: () => Promise<unknown> = async () => {},
): () => Promise<void> {
  return async () => {
    abort.abort()
    await done.catch(() => {})
    await after()
  }
}
