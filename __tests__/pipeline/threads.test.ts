import { readdirSync, readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { describe, expect, test } from 'vitest'
import { Hasher } from '../../src/pipeline/hash.ts'
import { BACKGROUND_NICE } from '../../src/util/workers.ts'

/** Field 19 of /proc/.../stat: the nice value of one thread. */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

function threads(): { name: string; nice: number }[] {
  return readdirSync('/proc/self/task').map((tid) => ({
    name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
    nice: niceOf(`/proc/self/task/${tid}/stat`),
  }))
}

describe.skipIf(process.platform !== 'linux')('compression and hashing threads run behind the rest', () => {
  test('runInBackground lowers the calling worker thread only', async () => {
    const mainBefore = niceOf('/proc/thread-self/stat')
    const workers = new URL('../../src/util/workers.ts', import.meta.url).href
    const worker = new Worker(
      `import { runInBackground } from ${JSON.stringify(workers)}
       import { readFileSync } from 'node:fs'
       import { parentPort } from 'node:worker_threads'
       const nice = () => { const s = readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]) }
       const before = nice()
       runInBackground()
       parentPort.postMessage({ before, after: nice() })`,
      { eval: true, type: 'module' } as ConstructorParameters<typeof Worker>[1],
    )
    const seen = await new Promise<{ before: number; after: number }>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(seen.after).toBe(Math.max(seen.before, BACKGROUND_NICE))
    expect(niceOf('/proc/thread-self/stat')).toBe(mainBefore)
  })

  // The LZ4 blocks' own threads (native/lz4block.c): __tests__/lz4/native.test.ts.

  test('in the background, the hashing thread runs at the background nice value; otherwise not', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    const workerNices = () =>
      threads()
        .filter((t) => t.name === 'WorkerThread')
        .map((t) => t.nice)
    /** Samples the worker threads' nice values for `ms` while a hasher is running, then ends it. */
    const whileHashing = async (background: boolean, ms: number): Promise<number[]> => {
      const hasher = new Hasher(['md5'], { background })
      hasher.resume()
      hasher.write(Buffer.alloc(2 << 20, 1))
      const seen: number[] = []
      for (let t = 0; t < ms; t += 50) {
        await sleep(50)
        seen.push(...workerNices())
      }
      const done = new Promise((resolve, reject) => hasher.on('finish', resolve).on('error', reject))
      hasher.end()
      await done
      return seen
    }
    // The worker lowers its priority as its script starts, within a second of being created.
    expect(await whileHashing(true, 2000)).toContain(BACKGROUND_NICE)
    await sleep(300)
    const normal = await whileHashing(false, 1000)
    expect(normal.length).toBeGreaterThan(0)
    expect(normal).not.toContain(BACKGROUND_NICE)
  })
})
