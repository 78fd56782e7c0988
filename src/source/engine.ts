import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { ChunkPool } from '../util/chunk-pool.ts'

/** Docker's default socket, where the CLI goes with no DOCKER_HOST and no context. */
export const DEFAULT_SOCKET = '/var/run/docker.sock'
/** A response header larger than this is not the Engine API's. */
const MAX_HEADER = 64 * 1024

/**
 * The unix socket the docker CLI would talk to, or undefined when it would go anywhere else (tcp with
 * TLS, ssh, a context): only then is reading the Engine API ourselves the same as asking the CLI.
 */
export function localEngineSocket(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string | undefined {
  const host = env.DOCKER_HOST
  if (host) return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT === 'default' ? DEFAULT_SOCKET : undefined
  const config = join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json')
  let current: unknown
  try {
    current = (JSON.parse(readFileSync(config, 'utf8')) as { currentContext?: unknown }).currentContext
  } catch {
    // No config (or one the CLI would reject anyway): the CLI uses its default.
  }
  return current === undefined || current === '' || current === 'default' ? DEFAULT_SOCKET : undefined
}

export class EngineError extends Error {
  readonly status: number | undefined

  constructor(message: string, status?: number) {
    super(message)
    this.name = 'EngineError'
    this.status = status
  }
}

/**
 * GET `path` from the Engine API on a unix socket; resolves with the socket positioned at the start of
 * a 200 response's body. HTTP/1.0 on purpose: the daemon then sends the body as it is and closes the
 * connection at its end, where HTTP/1.1 would cut a rootfs into chunked-encoding pieces to parse. This
 * costs about half the CPU of `docker export` into a pipe, and less than node:http (README). `pool`: read into its memory (the caller releases the chunks).
 */
export function engineGet(socketPath: string, path: string, pool?: ChunkPool): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // With a pool, the body is read into its memory instead of a fresh buffer per read.
    const socket: Socket = pool
      ? connect({
          path: socketPath,
          onread: { buffer: () => pool.space(), callback: (n: number) => socket.push(pool.filled(n)) },
        })
      : connect(socketPath)
    let head = Buffer.alloc(0)
    const fail = (err: Error): void => {
      socket.destroy()
      reject(err)
    }
    const onError = (err: NodeJS.ErrnoException): void =>
      fail(new EngineError(`cannot reach the Docker Engine API at ${socketPath}: ${err.code ?? err.message}`))
    const onEnd = (): void =>
      fail(new EngineError(`the Docker Engine API at ${socketPath} closed the connection without an answer`))
    const onReadable = (): void => {
      let chunk: Buffer | null
      while ((chunk = socket.read() as Buffer | null) !== null) {
        head = Buffer.concat([head, chunk])
        const end = head.indexOf('\r\n\r\n')
        if (end === -1) {
          if (head.length > MAX_HEADER)
            return fail(new EngineError('the Docker Engine API sent no HTTP header'))
          continue
        }
        socket.off('readable', onReadable)
        socket.off('error', onError)
        socket.off('end', onEnd)
        const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head.toString('latin1', 0, end))?.[1])
        const body = head.subarray(end + 4)
        if (status === 200) {
          if (body.length > 0) socket.unshift(body)
          return resolve(socket)
        }
        return void errorBody(socket, body).then((message) =>
          fail(new EngineError(message || `HTTP status ${status}`, status)),
        )
      }
    }
    socket.on('error', onError)
    socket.on('end', onEnd)
    socket.on('readable', onReadable)
    socket.write(`GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`)
  })
}

/** The daemon's `{"message": ...}` of an error response, or its text. */
async function errorBody(socket: Socket, start: Buffer): Promise<string> {
  const parts = [start]
  let size = start.length
  try {
    for await (const part of socket) {
      parts.push(part as Buffer)
      size += (part as Buffer).length
      if (size > MAX_HEADER) break
    }
  } catch {
    // What arrived is all there is to say.
  }
  const text = Buffer.concat(parts).toString('utf8').trim()
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    return text
  }
}
