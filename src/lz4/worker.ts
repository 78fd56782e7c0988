import { parentPort, workerData } from 'node:worker_threads'
import { HCCompressor, MAX_BLOCK_SIZE } from './hc.ts'
import { runInBackground } from '../util/workers.ts'

const { level, background } = workerData as { level: number; background: boolean }
if (background) runInBackground()
const hc = new HCCompressor()
// Compressing into one buffer for the worker's life and sending an exact-size copy keeps this thread
// free of 4 MiB garbage per block, which its isolate would collect late (peak RSS).
const scratch = new Uint8Array(MAX_BLOCK_SIZE)

parentPort!.on('message', (msg: { id: number; data: ArrayBuffer; length: number }) => {
  try {
    const src = new Uint8Array(msg.data, 0, msg.length)
    // lz4frame compresses into srcSize - 1 bytes: anything that does not fit is stored instead.
    const n = msg.length > 1 ? hc.compress(src, scratch.subarray(0, msg.length - 1), level) : 0
    const out = n > 0 ? scratch.slice(0, n).buffer : null
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
