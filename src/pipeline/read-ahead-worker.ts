import { Socket } from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'
import { readAhead } from './spill.ts'

/**
 * Reads a producer's pipe on a thread of its own (see spill.ts): the main thread's pipeline work cannot
 * hold it up. Chunks go to the main thread as it asks for them (`more`: how many), each in a buffer of
 * its own that is transferred, not copied twice.
 */
const { fd, owner, memory, dir } = workerData as {
  fd: number
  owner: Int32Array
  memory?: number
  dir?: string
}
const port = parentPort!
// The fd is ours to close from here on, unless the main thread has given up on us already (and closed it).
if (Atomics.compareExchange(owner, 0, 0, 1) !== 0) process.exit(0)
const socket = new Socket({ fd, readable: true, writable: false })
const ahead = readAhead(socket, { memory, dir, onSpill: (file) => port.postMessage({ spill: file }) })
let credits = 0

function pump(): void {
  while (credits > 0) {
    const chunk = ahead.read() as Buffer | null
    if (chunk === null) return
    credits--
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
    const data = whole ? (chunk.buffer as ArrayBuffer) : new Uint8Array(chunk).buffer
    port.postMessage({ data }, [data])
  }
}

ahead.on('readable', pump)
ahead.once('end', () => port.postMessage({ end: true }))
ahead.once('error', (err) => port.postMessage({ error: err.message }))
port.on('message', (msg: { more: number } | { stop: true }) => {
  if ('stop' in msg) {
    ahead.destroy()
    port.close()
    return
  }
  credits += msg.more
  pump()
})
