import type { Socket } from 'node:net'
import { execa } from 'execa'
import { ChunkPool } from '../util/chunk-pool.ts'
import { errorMessage, InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { DOCKER, dockerOnExit, lastLine, processExit, runDocker, stopThen, type Finished } from './docker.ts'
import { EngineError, engineGet, localEngineSocket } from './engine.ts'
import type { OpenedSource } from './opened.ts'

/**
 * The filesystem of a container of `image` (present locally), through `docker create` + `docker export`:
 * what image-fs.ts falls back to where BuildKit cannot read the image. The container adds its own files
 * (/.dockerenv, and /etc/hostname, /etc/hosts, /etc/resolv.conf as empty mount points).
 */
export async function exportContainer(
  image: string,
  platform: string,
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  // The container is never started: it only gives docker export a filesystem to read. The command
  // is a placeholder because images made by `docker import` have none and create would refuse them.
  log.info(`docker create --platform ${platform} ${image}, then export it`)
  const created = await execa(DOCKER, ['create', '--platform', platform, image, '/metal-image-export'], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
  })
  if (created.exitCode !== 0)
    throw new InputError('image', image, `docker create failed: ${lastLine(String(created.stderr))}`)
  const container = String(created.stdout).trim()
  const forget = dockerOnExit(['rm', '--force', container])
  const removeContainer = async (): Promise<void> => {
    // Bounded like untag() (built-image.ts): cleanup must end even when the daemon does not answer. The
    // removal on exit stays registered until this one has worked (an exit may cut it short).
    const removed = await execa(DOCKER, ['rm', '--force', container], {
      reject: false,
      stdin: 'ignore',
      timeout: 30_000,
    })
    if (removed.exitCode === 0) forget()
  }
  try {
    const socket = localEngineSocket()
    const viaApi = socket ? await engineExport(socket, container, image, log) : undefined
    if (viaApi) return { ...viaApi, cleanup: () => viaApi.cleanup().then(removeContainer) }
    const abort = new AbortController()
    const { stdout, done } = runDocker(['export', container], {
      log,
      signal: AbortSignal.any([signal, abort.signal]),
      stdout: 'pipe',
    })
    const failure = (f: Finished): Error =>
      new StageError(
        'export',
        `docker export of ${image} failed (exit code ${f.exitCode}): ${f.tail.join('\n')}`,
      )
    return {
      stream: stdout!,
      exited: processExit(done, failure),
      method: 'docker create + docker export',
      input: 'image',
      value: image,
      producer: true,
      streamsBuild: false,
      cleanup: stopThen(abort, done, removeContainer),
    }
  } catch (err) {
    await removeContainer()
    throw new StageError('export', `docker export of ${image} failed: ${errorMessage(err)}`)
  }
}

/**
 * docker export without the CLI: the daemon's export read straight from its socket. The CLI would only
 * copy the same bytes into a pipe, with about as much CPU as the compression's spare core has to give.
 * Undefined (use the CLI) when the socket cannot be reached; a daemon's refusal is an error.
 */
async function engineExport(
  socketPath: string,
  container: string,
  image: string,
  log: Log,
): Promise<OpenedSource | undefined> {
  let socket: Socket
  const pool = new ChunkPool()
  try {
    socket = await engineGet(socketPath, `/containers/${encodeURIComponent(container)}/export`, pool)
  } catch (err) {
    if (err instanceof EngineError && err.status !== undefined) throw err
    log.info(`${errorMessage(err)}; using docker export`)
    return undefined
  }
  const exited = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve)
    socket.once('close', () => resolve())
    socket.once('error', (err) =>
      reject(
        new StageError(
          'export',
          `docker export of ${image} failed: the Engine API connection broke (${errorMessage(err)})`,
        ),
      ),
    )
  })
  exited.catch(() => {})
  return {
    stream: socket,
    exited,
    method: 'docker create + export from the Engine API',
    input: 'image',
    value: image,
    producer: true,
    streamsBuild: false,
    cleanup: async () => void socket.destroy(),
    release: (chunk) => pool.release(chunk),
  }
}
