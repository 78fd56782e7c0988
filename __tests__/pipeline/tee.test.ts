import { createHash } from 'node:crypto'
import { Readable, Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, test } from 'vitest'
import { Lz4FrameEncoder } from '../../src/lz4/frame.ts'
import { recycling, Tee } from '../../src/pipeline/tee.ts'
import { doneByCallback } from '../../src/util/chunk-pool.ts'
import { requireTool, run } from '../helpers/env.ts'
import { realData } from '../lz4/real-data.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A store that reads each chunk only when it "writes" it, `delayMs` later, and calls back after: as a
 * file stream does. Keeps what it read.
 */
function slowStore(delayMs: number): Writable & { parts: Buffer[] } {
  const parts: Buffer[] = []
  const w = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, done) {
      setTimeout(() => {
        parts.push(Buffer.from(chunk))
        done()
      }, delayMs)
    },
  })
  return Object.assign(w, { parts })
}

describe('Tee: chunks given back once every target has written them', () => {
  test('release comes after the last target’s callback, never before', async () => {
    const fast = doneByCallback(slowStore(1))
    const slow = doneByCallback(slowStore(30))
    const tee = recycling(new Tee(fast, slow), (chunk) => released.push([chunk, slow.parts.length]))!
    const released: [Buffer, number][] = []
    expect(tee).toBeInstanceOf(Tee)
    const chunks = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')]
    await pipeline(Readable.from(chunks), tee)
    expect(released.map(([c]) => c)).toEqual(chunks)
    // Each was released once the slow target had it: after its own write there, not before.
    expect(released.map(([, written]) => written)).toEqual([1, 2, 3])
  })

  test('no release where a target may keep a chunk after its callback (not marked)', () => {
    expect(recycling(new Tee(doneByCallback(slowStore(0)), slowStore(0)), () => {})).toBeUndefined()
    expect(recycling(slowStore(0), () => {})).toBeUndefined()
    expect(recycling(doneByCallback(slowStore(0)), () => {})).toBeInstanceOf(Tee)
  })

  test('a target failing between writes fails the pipeline with its own error', async () => {
    const target = doneByCallback(slowStore(0))
    const tee = recycling(target, () => {})!
    const source = new Readable({ read() {} })
    source.push(Buffer.from('a'))
    const done = pipeline(source, tee)
    await sleep(20)
    target.destroy(new Error('the disk is full'))
    await expect(done).rejects.toThrow('the disk is full')
  })

  test('a target whose write fails fails the pipeline with that error, not the "stream destroyed" of the next', async () => {
    // As the S3 upload does when a part's retries run out: its write fails, and it is destroyed by
    // aborting the upload, which takes a while; its 'error' comes only then, and a write meanwhile
    // fails with "Cannot call write after a stream was destroyed".
    const target = new Writable({
      write(_chunk, _enc, done) {
        setTimeout(() => done(new Error('still failing when the upload-timeout budget ran out')), 10)
      },
      destroy(err, done) {
        setTimeout(() => done(err), 100)
      },
    })
    const chunks = async function* () {
      for (let i = 0; i < 20; i++) {
        yield Buffer.alloc(10)
        await sleep(5)
      }
    }
    await expect(pipeline(Readable.from(chunks()), new Tee(target))).rejects.toThrow(
      /^still failing when the upload-timeout budget ran out$/,
    )
  })
})

describe.skipIf(!requireTool('lz4', 'apt-get install lz4'))(
  'LZ4 frame encoder with its blocks given back',
  () => {
    test('a slow store gets every block intact (lz4 -1’s frame), and the blocks are used again', async () => {
      const input = realData(40 << 20)
      const encoder = new Lz4FrameEncoder({ level: 1, concurrency: 2 })
      const store = doneByCallback(slowStore(5))
      const chunks = function* () {
        for (let i = 0; i < input.length; i += 1 << 16) yield input.subarray(i, i + (1 << 16))
      }
      await pipeline(Readable.from(chunks()), encoder, recycling(store, encoder.recycle)!)
      const frame = Buffer.concat(store.parts)
      const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
      expect(md5(frame)).toBe(md5(run('lz4', ['-1', '-c'], input)))
      const { allocated, reused } = (
        encoder as unknown as { pool: { stats: { allocated: number; reused: number } } }
      ).pool.stats
      // 10 input blocks and 10 output blocks: most of them memory given back.
      expect(reused).toBeGreaterThan(10)
      expect(allocated).toBeLessThan(12)
    })

    test.each([
      ['real files', realData(80 << 20)],
      // 16 KiB a block compressed: written from their 4 MiB blocks, 64 would fit in a stage's 1 MiB.
      ['zeros', Buffer.alloc(80 << 20)],
    ])(
      'a store slower than compression holds up the input: few blocks are ever out (%s)',
      async (_, input) => {
        const encoder = new Lz4FrameEncoder({ level: 1, concurrency: 2 })
        // Blocks come back once written: how many were taken is how many were ever out at once.
        const store = doneByCallback(slowStore(1))
        const chunks = function* () {
          for (let i = 0; i < input.length; i += 1 << 20) yield input.subarray(i, i + (1 << 20))
        }
        // A hashing stage slower than compression (sha512) between the encoder and the store.
        const hashing = new Transform({
          transform: (chunk: Buffer, _enc, done) => setTimeout(() => done(null, chunk), 10),
        })
        await pipeline(Readable.from(chunks()), encoder, hashing, recycling(store, encoder.recycle)!)
        expect(Buffer.concat(store.parts).equals(run('lz4', ['-1', '-c'], input))).toBe(true)
        const { allocated } = (encoder as unknown as { pool: { stats: { allocated: number } } }).pool.stats
        // 20 blocks in, 20 out: in flight (3 and their outputs), the one filling, one ready for the store.
        expect(allocated).toBeLessThanOrEqual(10)
      },
    )
  },
)
