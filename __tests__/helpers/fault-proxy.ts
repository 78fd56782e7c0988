import { connect, createServer, type Socket } from 'node:net'

/** A fault that one request takes. */
export type Fault =
  | { kind: 'reset'; bytes: number }
  | { kind: 'stall'; ms: number }
  | { kind: 'answer503' }
  | { kind: 'answer404' }
  | { kind: 'dropAnswer' }

/**
 * Which requests a fault may be taken by (default: any), e.g. only part uploads:
 * `(r) => r.method === 'PUT' && r.target.includes('partNumber=')`. `target` is the request target as sent
 * (path and query).
 */
export type RequestMatch = (request: { method: string; target: string }) => boolean

export interface SeenRequest {
  /** 1-based number of the client connection the request came on. */
  connection: number
  method: string
  target: string
  fault?: Fault['kind']
}

export interface FaultProxy {
  readonly host: '127.0.0.1'
  readonly port: number
  /** `http://127.0.0.1:<port>`, to use as the S3 endpoint. */
  readonly endpoint: string
  /** Client connections accepted so far. */
  readonly connections: number
  /** Requests (request heads) seen so far, faulted or not. */
  readonly requests: SeenRequest[]
  /** Faults that took effect so far, by kind. */
  readonly injected: {
    reset: number
    stall: number
    answer503: number
    answer404: number
    dropAnswer: number
  }
  /** The sum of `injected`. */
  readonly faultsInjected: number
  /** Faults armed that no request has taken yet. */
  readonly pending: number
  /**
   * The next `times` requests each get their connection reset (RST, `socket.resetAndDestroy()`) once n
   * bytes of it (head and body, counted from the start of that request) were forwarded to the target.
   * A request shorter than n bytes is forwarded whole, and the count goes on into the next request on the
   * same connection. n = 0 resets when the request head arrives, before anything is forwarded.
   */
  resetAfterBytes(n: number, times?: number, match?: RequestMatch): void
  /**
   * The next `times` requests are held for ms: nothing of them (or of what follows on the connection) is
   * forwarded until then, and afterwards it is forwarded as usual, if the client is still there.
   */
  stall(ms: number, times?: number, match?: RequestMatch): void
  /**
   * The next `times` requests are answered by the proxy itself, without forwarding: once the request
   * body was read (at once for `Expect: 100-continue`), a valid HTTP/1.1 503 with an S3 `SlowDown` error
   * body and `Connection: close`; then the connection is closed.
   */
  answer503(times?: number, match?: RequestMatch): void
  /**
   * The same with a 404 NoSuchKey: a read the store answers from a stale replica (OpenStack Swift can),
   * for an object that is there.
   */
  answer404(times?: number, match?: RequestMatch): void
  /**
   * The next `times` requests are forwarded whole, and the connection is reset when the target's answer
   * starts: the store did what was asked, the client never hears so (a lost answer).
   */
  dropAnswer(times?: number, match?: RequestMatch): void
  /** Drops the faults not taken yet. */
  clear(): void
  /** Stops listening and destroys every connection. */
  close(): Promise<void>
}

const MAX_HEAD = 64 * 1024

type Body =
  | { kind: 'none' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; phase: 'size' | 'data' | 'crlf' | 'trailer'; remaining: number }

/**
 * A TCP proxy on 127.0.0.1 (random port) in front of target, for testing retries. It forwards bytes
 * unchanged in both directions but follows the HTTP/1.1 request framing (Content-Length or chunked) of
 * what the client sends, so that faults are taken by requests, not connections: whether a request opens
 * a new connection or reuses a kept-alive one (the AWS SDK keeps connections alive), it takes the first
 * armed fault it matches, in the order they were armed, at most one per request.
 */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const queue: { fault: Fault; match: RequestMatch | undefined }[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const injected = { reset: 0, stall: 0, answer503: 0, answer404: 0, dropAnswer: 0 }
  const requests: SeenRequest[] = []
  let connections = 0

  const arm = (fault: Fault, times: number, match: RequestMatch | undefined) => {
    if (!Number.isInteger(times) || times < 0) throw new RangeError(`times must be an integer >= 0: ${times}`)
    for (let i = 0; i < times; i++) queue.push({ fault, match })
  }
  // The first armed fault this request matches, taken off the queue.
  const take = (request: { method: string; target: string }): Fault | undefined => {
    const i = queue.findIndex((q) => q.match === undefined || q.match(request))
    return i < 0 ? undefined : queue.splice(i, 1)[0]?.fault
  }
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
    return t
  }

  const server = createServer({ noDelay: true }, (client) => {
    const id = ++connections
    const upstream = connect({ host: target.host, port: target.port, noDelay: true })
    sockets.add(client)
    sockets.add(upstream)
    let buf: Buffer = Buffer.alloc(0)
    let body: Body | undefined // undefined: waiting for a request head
    let forwarded = 0
    let resetAt = Infinity
    let heldHead: Buffer | undefined // a parsed request head not forwarded yet (held while stalled)
    let answering: { head: boolean; notFound: boolean } | undefined // the current request gets the answer, once read
    let paused = false
    let dropping = false // the answer now coming from the target is to be lost
    let done = false
    let clientEnded = false

    const finish = () => {
      done = true
      client.destroy()
      upstream.destroy()
    }
    client.on('close', () => {
      sockets.delete(client)
      if (!done) finish()
    })
    upstream.on('close', () => {
      sockets.delete(upstream)
      // The target closed (idle keep-alive timeout, or after a response with Connection: close).
      if (!done) client.end()
    })
    client.on('error', () => finish())
    // Once done (reset, or a 503 being sent), the target side no longer matters: do not cut the 503 short.
    upstream.on('error', () => (done ? upstream.destroy() : finish()))
    upstream.on('data', (d: Buffer) => {
      if (dropping) {
        injected.dropAnswer++
        done = true
        upstream.destroy()
        client.resetAndDestroy()
        return
      }
      if (!client.write(d)) upstream.pause()
    })
    client.on('drain', () => upstream.resume())
    upstream.on('drain', () => {
      if (!paused) client.resume()
    })
    upstream.on('end', () => client.end())
    client.on('data', (d: Buffer) => {
      if (done) return
      buf = buf.length ? Buffer.concat([buf, d]) : d
      pump()
    })
    client.on('end', () => {
      clientEnded = true
      pump()
    })

    const forward = (bytes: Buffer) => {
      if (bytes.length === 0) return
      const room = resetAt - forwarded
      if (bytes.length >= room) {
        upstream.end(bytes.subarray(0, room))
        forwarded = resetAt
        injected.reset++
        done = true
        client.resetAndDestroy()
        return
      }
      forwarded += bytes.length
      if (!upstream.write(bytes)) client.pause()
    }

    const answer = (head: boolean, notFound: boolean) => {
      injected[notFound ? 'answer404' : 'answer503']++
      done = true
      upstream.destroy()
      const requestId = `faultproxy${injected.answer503 + injected.answer404}`
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        (notFound
          ? '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>'
          : `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>`) +
        `<RequestId>${requestId}</RequestId></Error>`
      const response =
        (notFound ? 'HTTP/1.1 404 Not Found\r\n' : 'HTTP/1.1 503 Service Unavailable\r\n') +
        'Content-Type: application/xml\r\n' +
        `Content-Length: ${Buffer.byteLength(xml)}\r\n` +
        `x-amz-request-id: ${requestId}\r\n` +
        `Date: ${new Date().toUTCString()}\r\n` +
        'Connection: close\r\n\r\n' +
        (head ? '' : xml)
      // Half-close and keep reading (and dropping) what the client still sends: destroying a socket with
      // unread data sends a RST, which can reach the client before it has read the response.
      client.end(response)
      client.resume()
      later(5_000, () => client.destroy()).unref()
    }

    // Runs the client->target direction: parses request heads, takes faults, forwards or drops bytes.
    const pump = () => {
      while (!done && !paused) {
        if (heldHead) {
          const h = heldHead
          heldHead = undefined
          forward(h)
          continue
        }
        if (body === undefined) {
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) {
            if (buf.length > MAX_HEAD) finish()
            else if (clientEnded) upstream.end()
            return
          }
          const headBytes = buf.subarray(0, end + 4)
          buf = buf.subarray(end + 4)
          const head = parseHead(headBytes.toString('latin1'))
          body = head.body
          const fault = take(head)
          requests.push({ connection: id, method: head.method, target: head.target, fault: fault?.kind })
          if (fault?.kind === 'answer503' || fault?.kind === 'answer404') {
            answering = { head: head.method === 'HEAD', notFound: fault.kind === 'answer404' }
            // The client waits for "100 Continue" before it sends the body: answer now.
            if (head.expectContinue) return answer(answering.head, answering.notFound)
            continue
          }
          heldHead = headBytes
          if (fault?.kind === 'dropAnswer') dropping = true
          if (fault?.kind === 'reset') resetAt = Math.min(resetAt, forwarded + fault.bytes)
          if (fault?.kind === 'stall') {
            injected.stall++
            paused = true
            client.pause()
            later(fault.ms, () => {
              paused = false
              client.resume()
              pump()
            })
          }
          continue
        }
        let used: { bytes: number; done: boolean }
        try {
          used = consumeBody(body, buf)
        } catch {
          return finish() // not HTTP/1.1 framing we can follow
        }
        const chunk = buf.subarray(0, used.bytes)
        buf = buf.subarray(used.bytes)
        if (!answering) forward(chunk)
        if (!used.done) {
          if (clientEnded && !done) upstream.end()
          return
        }
        body = undefined
        if (answering) return answer(answering.head, answering.notFound)
      }
    }
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => ok())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('fault proxy has no TCP address')
  const port = address.port

  return {
    host: '127.0.0.1',
    port,
    endpoint: `http://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    requests,
    injected,
    get faultsInjected() {
      return injected.reset + injected.stall + injected.answer503 + injected.answer404 + injected.dropAnswer
    },
    get pending() {
      return queue.length
    },
    resetAfterBytes(n, times = 1, match) {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer >= 0: ${n}`)
      arm({ kind: 'reset', bytes: n }, times, match)
    },
    stall(ms, times = 1, match) {
      if (!(ms >= 0)) throw new RangeError(`ms must be >= 0: ${ms}`)
      arm({ kind: 'stall', ms }, times, match)
    },
    answer503(times = 1, match) {
      arm({ kind: 'answer503' }, times, match)
    },
    answer404(times = 1, match) {
      arm({ kind: 'answer404' }, times, match)
    },
    dropAnswer(times = 1, match) {
      arm({ kind: 'dropAnswer' }, times, match)
    },
    clear() {
      queue.length = 0
    },
    close() {
      queue.length = 0
      for (const t of timers) clearTimeout(t)
      timers.clear()
      for (const s of sockets) s.destroy()
      return new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}

function parseHead(head: string): {
  method: string
  target: string
  body: Body
  expectContinue: boolean
} {
  const [requestLine = '', ...lines] = head.split('\r\n')
  const [method = '', target = ''] = requestLine.split(' ')
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const te = headers.get('transfer-encoding')?.toLowerCase()
  const length = Number(headers.get('content-length') ?? 0)
  const body: Body =
    te !== undefined && te.includes('chunked')
      ? { kind: 'chunked', phase: 'size', remaining: 0 }
      : length > 0
        ? { kind: 'length', remaining: length }
        : { kind: 'none' }
  return { method, target, body, expectContinue: headers.get('expect')?.toLowerCase() === '100-continue' }
}

/** How many bytes at the start of buf belong to the current request body, and whether it ends there. */
function consumeBody(body: Body, buf: Buffer): { bytes: number; done: boolean } {
  if (body.kind === 'none') return { bytes: 0, done: true }
  if (body.kind === 'length') {
    const bytes = Math.min(body.remaining, buf.length)
    body.remaining -= bytes
    return { bytes, done: body.remaining === 0 }
  }
  let at = 0
  for (;;) {
    if (body.phase === 'data') {
      const take = Math.min(body.remaining, buf.length - at)
      at += take
      body.remaining -= take
      if (body.remaining > 0) return { bytes: at, done: false }
      body.phase = 'crlf'
    }
    if (body.phase === 'crlf') {
      if (buf.length - at < 2) return { bytes: at, done: false }
      at += 2
      body.phase = 'size'
    }
    const eol = buf.indexOf('\r\n', at)
    if (eol < 0) return { bytes: at, done: false }
    const line = buf.subarray(at, eol).toString('latin1')
    at = eol + 2
    if (body.phase === 'trailer') {
      if (line === '') return { bytes: at, done: true }
      continue
    }
    const size = Number.parseInt(line.split(';')[0] ?? '', 16)
    if (Number.isNaN(size)) throw new Error(`fault proxy: bad chunk size line ${JSON.stringify(line)}`)
    if (size === 0) body.phase = 'trailer'
    else {
      body.phase = 'data'
      body.remaining = size
    }
  }
}
