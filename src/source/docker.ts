import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { execa } from 'execa'
import { StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'

export const DOCKER = 'docker'
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
  options: { log: Log; signal: AbortSignal; env?: Record<string, string>; stdout?: 'pipe' | 'log' },
): { stdout: Readable | null; done: Promise<Finished> } {
  const proc = execa(DOCKER, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
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
  const piped = options.stdout === 'pipe'
  const outputs = Promise.all([collect(proc.stderr), piped ? Promise.resolve() : collect(proc.stdout)])
  const done = Promise.all([proc, outputs]).then(([result]) => {
    // Not started at all (no docker binary): say so instead of an empty tail.
    if (result.exitCode === undefined && tail.length === 0)
      tail.push(result.shortMessage ?? 'docker did not start')
    return { exitCode: result.exitCode, tail }
  })
  return { stdout: piped ? proc.stdout : null, done }
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
