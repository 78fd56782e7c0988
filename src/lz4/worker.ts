import { parentPort, workerData } from 'node:worker_threads'
import { HCCompressor } from './hc.ts'

const level = (workerData as { level: number }).level
const hc = new HCCompressor()

parentPort!.on('message', (msg: { id: number; data: ArrayBuffer; length: number }) => {
  try {
    const src = new Uint8Array(msg.data, 0, msg.length)
    // lz4frame compresses into srcSize - 1 bytes: anything that does not fit is stored instead.
    const dst = new Uint8Array(Math.max(0, msg.length - 1))
    const n = msg.length > 1 ? hc.compress(src, dst, level) : 0
    const out = n > 0 ? dst.buffer : null
    const reply = { id: msg.id, src: msg.data, srcLength: msg.length, out, outLength: n }
    parentPort!.postMessage(reply, out ? [msg.data, out] : [msg.data])
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      src: msg.data,
      srcLength: msg.length,
      out: null,
      outLength: 0,
      error: String(err),
    })
  }
})
