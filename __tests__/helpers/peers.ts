import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer, type Socket } from 'node:net'

/**
 * Loopback stand-ins for a store or a metadata server that misbehaves, on 127.0.0.1 (random port):
 * - silent: accepts connections, reads what comes, never answers;
 * - reset: resets every connection as soon as a request arrives;
 * - status: answers every request with `status` (an S3-style XML or GCS-style JSON error body);
 * - drip: answers 200 with a long body, one byte every `dripMs`, never finishing.
 */
export type PeerKind =
  | { kind: 'silent' }
  | { kind: 'reset' }
  /** `only`: requests whose request line matches get the status, the others an empty 200 JSON answer. */
  | { kind: 'status'; status: number; format: 'xml' | 'json'; only?: RegExp }
  | { kind: 'drip'; dripMs: number }

export interface Peer {
  endpoint: string
  port: number
  /** Connections accepted so far. */
  readonly connections: number
  /** Requests that arrived (request heads seen). */
  readonly requests: number
  close(): Promise<void>
}

export async function startPeer(peer: PeerKind): Promise<Peer> {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let connections = 0
  let requests = 0
  const server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let head = ''
    socket.on('data', (data: Buffer) => {
      if (head.includes('\r\n\r\n')) return
      head += data.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      requests++
      const method = head.slice(0, head.indexOf(' '))
      switch (peer.kind) {
        case 'silent':
          return
        case 'reset':
          return void socket.resetAndDestroy()
        case 'status': {
          const line = head.slice(0, head.indexOf('\r\n'))
          const json = peer.format === 'json'
          const failing = !peer.only || peer.only.test(line)
          const status = failing ? peer.status : 200
          const body = !failing
            ? '{}'
            : json
              ? JSON.stringify({ error: { code: peer.status, message: 'stand-in failure' } })
              : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>stand-in failure</Message></Error>`
          // Read (and drop) what the client still sends before closing: a close with unread data is a reset.
          socket.on('data', () => {})
          socket.end(
            `HTTP/1.1 ${status} Stand-in\r\nContent-Type: ${json ? 'application/json' : 'application/xml'}\r\n` +
              `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${method === 'HEAD' ? '' : body}`,
          )
          return
        }
        case 'drip': {
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n',
          )
          const timer = setInterval(() => {
            if (socket.destroyed) return void clearInterval(timer)
            socket.write('x')
          }, peer.dripMs)
          timers.add(timer)
          return
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections
    },
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t)
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

export interface MetadataServer {
  endpoint: string
  /** host:port, as GCE_METADATA_HOST takes it. */
  host: string
  /** Paths asked for, in order. */
  readonly paths: string[]
  close(): Promise<void>
}

/**
 * A cloud metadata server on 127.0.0.1 handing out credentials, as a runner on EC2 (IMDSv2: a session
 * token, then the role's credentials) or GCE (a service account's access token) gets them.
 */
export async function startMetadataServer(
  cloud: 'aws' | 'gce',
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
    accessKeyId: 'AKIDSTANDIN',
    secretAccessKey: 'standin',
  },
): Promise<MetadataServer> {
  const paths: string[] = []
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? ''
    paths.push(`${req.method} ${path}`)
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers })
      res.end(body)
    }
    if (cloud === 'aws') {
      if (req.method === 'PUT' && path === '/latest/api/token') return send(200, 'session-token-standin')
      if (req.headers['x-aws-ec2-metadata-token'] !== 'session-token-standin') return send(401, '')
      if (path === '/latest/meta-data/iam/security-credentials/') return send(200, 'runner-role')
      if (path === '/latest/meta-data/iam/security-credentials/runner-role')
        return send(
          200,
          JSON.stringify({
            Code: 'Success',
            LastUpdated: new Date().toISOString(),
            Type: 'AWS-HMAC',
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            Token: credentials.sessionToken ?? 'session-standin',
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          }),
        )
      return send(404, '')
    }
    const google = { 'Metadata-Flavor': 'Google' }
    if (req.headers['metadata-flavor'] !== 'Google') return send(403, '', google)
    if (path.startsWith('/computeMetadata/v1/instance/service-accounts/default/token'))
      return send(
        200,
        JSON.stringify({ access_token: 'ya29.standin', expires_in: 3599, token_type: 'Bearer' }),
        { ...google, 'Content-Type': 'application/json' },
      )
    if (path.startsWith('/computeMetadata/v1/project/project-id')) return send(200, 'standin-project', google)
    if (path.startsWith('/computeMetadata/v1/instance')) return send(200, '', google)
    return send(404, '', google)
  }
  const server = createHttpServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    endpoint: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
