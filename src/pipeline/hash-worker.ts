import { createHash } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { runInBackground } from '../util/workers.ts'

const { algorithms, background } = workerData as { algorithms: string[]; background: boolean }
if (background) runInBackground()
const hashes = algorithms.map((alg) => createHash(alg))

parentPort!.on('message', (msg: { data: ArrayBuffer; length: number } | { end: true }) => {
  if ('end' in msg) {
    parentPort!.postMessage({ digests: hashes.map((h) => h.digest('hex')) })
    return
  }
  const data = new Uint8Array(msg.data, 0, msg.length)
  for (const h of hashes) h.update(data)
  // The buffer goes back to be filled again: no garbage per message on either side.
  parentPort!.postMessage({ ack: msg.length, data: msg.data }, [msg.data])
})
