import { createHash, randomBytes } from 'node:crypto'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, test } from 'vitest'
import { loadLz4Block } from '../../src/lz4/native.ts'
import { readAhead, readAheadOnThread } from '../../src/pipeline/spill.ts'

const dir = mkdtempSync(join(tmpdir(), 'metal-image-spill-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 64 KiB chunks as a pipe gives them: text that compresses, now and then a run of random bytes. */
function producer(chunks: number, events: string[]): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256')
  let i = 0
  const stream = new Readable({
    highWaterMark: 1 << 16,
    read() {
      if (i === chunks) {
        events.push('input ended')
        this.push(null)
        return
      }
      const chunk =
        i % 7 === 3
          ? randomBytes(1 << 16)
          : Buffer.from(
              `line ${i} of a rootfs tar, usr/share/doc/package-${i % 97}/copyright\n`.repeat(1200),
            ).subarray(0, 1 << 16)
      i++
      hash.update(chunk)
      this.push(chunk)
    },
  })
  return { stream, digest: () => hash.digest('hex') }
}

/** Reads like a compressor that takes `msPerMiB` for each MiB (0: as fast as it comes). */
async function consume(stream: Readable, events: string[], msPerMiB: number): Promise<string> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
    events.push(`read ${bytes}`)
    if (msPerMiB > 0) await sleep((msPerMiB * (chunk as Buffer).length) / (1 << 20))
  }
  return hash.digest('hex')
}

describe.skipIf(!loadLz4Block().addon)('readAhead: a producer that is never made to wait', () => {
  test('a slow reader gets every byte in order; the producer ends long before, the rest on disk, compressed', async () => {
    const events: string[] = []
    const spilled: string[] = []
    const { stream, digest } = producer(640, events) // 40 MiB
    const blocks: [number, number][] = []
    const ahead = readAhead(stream, {
      memory: 4 << 20,
      dir,
      onSpill: (file) => spilled.push(file),
      onBlock: (bytes, stored) => blocks.push([bytes, stored]),
    })
    const got = await consume(ahead, events, 20)
    expect(got).toBe(digest())
    // The producer finished while the reader had taken less than a quarter of its 40 MiB.
    const before = events.slice(0, events.indexOf('input ended')).filter((e) => e.startsWith('read'))
    const readBefore = Number(before.at(-1)?.slice(5) ?? 0)
    expect(readBefore).toBeLessThan(10 << 20)
    expect(spilled).toHaveLength(1)
    // Most of it went to disk, 4 MiB at a time, and took less room there than in the stream.
    const onDisk = blocks.reduce((sum, [bytes]) => sum + bytes, 0)
    expect(onDisk).toBeGreaterThan(20 << 20)
    expect(blocks.every(([bytes]) => bytes <= 4 << 20)).toBe(true)
    expect(blocks.reduce((sum, [, stored]) => sum + stored, 0)).toBeLessThan(onDisk / 2)
    // Unlinked as soon as it was made: nothing is left behind, whatever ends the process.
    expect(existsSync(spilled[0]!)).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })

  test('a reader that keeps up: nothing goes to disk', async () => {
    const events: string[] = []
    const spilled: string[] = []
    const { stream, digest } = producer(320, events)
    const got = await consume(
      readAhead(stream, { memory: 64 << 20, dir, onSpill: (f) => spilled.push(f) }),
      events,
      0,
    )
    expect(got).toBe(digest())
    expect(spilled).toEqual([])
  })

  test('spilling, catching up, spilling again: still every byte in order', async () => {
    const events: string[] = []
    const { stream, digest } = producer(1200, events)
    let blocks = 0
    const ahead = readAhead(stream, { memory: 1 << 20, dir, onBlock: () => blocks++ })
    const hash = createHash('sha256')
    let n = 0
    for await (const chunk of ahead) {
      hash.update(chunk as Buffer)
      // Slow, fast, slow: the queue empties in between.
      if (++n % 16 < 4) await sleep((40 * (chunk as Buffer).length) / (1 << 20))
    }
    expect(hash.digest('hex')).toBe(digest())
    expect(blocks).toBeGreaterThan(1)
  })

  test("the producer's error reaches the reader", async () => {
    let i = 0
    const failing = new Readable({
      read() {
        if (i++ < 100) this.push(Buffer.alloc(1 << 16, 1))
        else this.destroy(new Error('docker export: unexpected EOF'))
      },
    })
    await expect(consume(readAhead(failing, { memory: 1 << 20, dir }), [], 1)).rejects.toThrow(
      'docker export: unexpected EOF',
    )
  })

  test('a spill folder that cannot take it: the error names the folder, and the reader fails', async () => {
    const events: string[] = []
    const { stream } = producer(640, events)
    const missing = join(dir, 'no-such-folder')
    await expect(consume(readAhead(stream, { memory: 1 << 20, dir: missing }), events, 20)).rejects.toThrow(
      `keeping the rootfs stream in ${missing} while compression catches up failed`,
    )
  })

  test('destroying the reader stops the producer and closes the spill file', async () => {
    const events: string[] = []
    const { stream } = producer(100_000, events)
    const ahead = readAhead(stream, { memory: 1 << 20, dir })
    await sleep(50)
    ahead.destroy()
    await sleep(20)
    expect(stream.destroyed).toBe(true)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe.skipIf(!loadLz4Block().addon)('readAheadOnThread: a pipe read on a worker thread', () => {
  test("a child's stdout through a FIFO's fd: every byte, in order, while the reader is slow", async () => {
    const fifo = join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writeFd = openSync(fifo, constants.O_WRONLY)
    rmSync(fifo)
    // About 22 MB of text, as a producer would write it, and its digest from the same command.
    const script = 'seq 1 3000000'
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', writeFd, 'inherit'] })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    closeSync(writeFd)
    const expected = createHash('sha256')
      .update(execFileSync('sh', ['-c', script], { maxBuffer: 64 << 20 }))
      .digest('hex')
    const spilled: string[] = []
    const stream = readAheadOnThread(readFd, { memory: 2 << 20, dir, onSpill: (f) => spilled.push(f) })
    const got = await consume(stream, [], 40)
    expect(await exited).toBe(0)
    expect(got).toBe(expected)
    expect(spilled).toHaveLength(1)
    expect(readdirSync(dir)).toEqual([])
  })

  test.each([0, 300])(
    'destroyed %i ms after the start: the producer gets a broken pipe at once',
    async (ms) => {
      const fifo = join(dir, 'fifo')
      execFileSync('mkfifo', [fifo])
      const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
      const writeFd = openSync(fifo, constants.O_WRONLY)
      rmSync(fifo)
      const child = spawn('cat', ['/dev/zero'], { stdio: ['ignore', writeFd, 'ignore'] })
      const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
      closeSync(writeFd)
      const stream = readAheadOnThread(readFd, { memory: 1 << 20, dir })
      stream.on('data', () => stream.pause())
      await sleep(ms)
      stream.destroy()
      const signal = await Promise.race([exited, sleep(3000).then(() => 'still running')])
      child.kill()
      expect(signal).toBe('SIGPIPE')
    },
  )
})
