import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import xxhash from 'xxhash-wasm'
import { describe, expect, test } from 'vitest'
import { compressBlockHC, HCCompressor, MAX_BLOCK_SIZE } from '../../src/lz4/hc.ts'

const MIB = 1 << 20
const { h32Raw } = await xxhash()

function lz4Cli(args: string[], input: Uint8Array): Buffer {
  try {
    return execFileSync('lz4', args, { input, maxBuffer: 64 * MIB })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('these tests need the lz4 CLI: apt-get install lz4')
    throw err
  }
}

const lz4Version = /v(\d+\.\d+\.\d+)/.exec(lz4Cli(['--version'], new Uint8Array(0)).toString())?.[1]

/** Wraps one block in a minimal LZ4 frame: independent blocks of up to 4 MiB, no checksums. */
function frameOf(block: Uint8Array): Buffer {
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0])
  header[6] = (h32Raw(header.subarray(4, 6), 0) >>> 8) & 0xff
  const size = Buffer.alloc(4)
  size.writeUInt32LE(block.length)
  return Buffer.concat([header, size, block, Buffer.alloc(4)])
}

/** The block that `lz4 -<level>` writes for an input of at most 4 MiB, and the frame's size. */
function lz4Block(data: Uint8Array, level: number): { block: Buffer; stored: boolean; frameSize: number } {
  const frame = lz4Cli([`-${level}`, '-c'], data)
  // Magic, FLG, BD, HC: no content size in the header.
  expect(frame[4]! & 0x08).toBe(0)
  const size = frame.readUInt32LE(7)
  const len = size & 0x7fffffff
  return { block: frame.subarray(11, 11 + len), stored: (size & 0x80000000) !== 0, frameSize: frame.length }
}

/**
 * Walks a block and checks the rules of the LZ4 block format that decoders do not all enforce: the last sequence
 * has only literals, at least 5 of them, and the last match starts at least 12 bytes before the end; offsets
 * point into the data already decoded. Returns the decoded size and the number of matches, or the first problem.
 */
function parseBlock(block: Uint8Array): { size: number; matches: number } | string {
  let ip = 0
  let out = 0
  let matches = 0
  let lastMatchStart = -1
  const length = (base: number): number => {
    let b: number
    do {
      b = block[ip++]!
      base += b
    } while (b === 255)
    return base
  }
  while (ip < block.length) {
    const token = block[ip++]!
    const literals = token >> 4 === 15 ? length(15) : token >> 4
    ip += literals
    out += literals
    if (ip === block.length) {
      if ((token & 15) !== 0) return `the last sequence has a match`
      if (matches > 0 && literals < 5) return `${literals} literals at the end`
      if (matches > 0 && out - lastMatchStart < 12)
        return `the last match starts ${out - lastMatchStart} from the end`
      return { size: out, matches }
    }
    if (ip + 2 > block.length) return `truncated at ${ip}`
    const offset = block[ip]! | (block[ip + 1]! << 8)
    ip += 2
    if (offset === 0 || offset > out) return `offset ${offset} at output position ${out}`
    lastMatchStart = out
    out += (token & 15) === 15 ? length(19) : (token & 15) + 4
    matches++
  }
  return `literals run past the end`
}

function checkBlockFormat(block: Uint8Array): { size: number; matches: number } {
  const parsed = parseBlock(block)
  if (typeof parsed === 'string') expect.fail(parsed)
  return parsed
}

/** Compresses data at `level` into a dst of data.length - 1 bytes, as lz4frame does. */
function compress(data: Uint8Array, level: number, capacity = data.length - 1): Uint8Array | undefined {
  const dst = new Uint8Array(capacity)
  const n = compressBlockHC(data, dst, level)
  expect(n).toBeGreaterThanOrEqual(0)
  expect(n).toBeLessThanOrEqual(capacity)
  return n === 0 ? undefined : dst.subarray(0, n)
}

/** Checks the block's format rules and decodes it with the lz4 CLI: the original bytes. */
function expectDecodes(block: Uint8Array, data: Uint8Array): void {
  const format = checkBlockFormat(block)
  expect(format.size).toBe(data.length)
  const viaCli = lz4Cli(['-d', '-c'], frameOf(block))
  expect(viaCli.length).toBe(data.length)
  expect(viaCli.equals(data)).toBe(true)
}

/** Real files of this machine, in a fixed order: package copyright texts, then binaries, cut at `limit`. */
function realData(limit: number): Buffer {
  const parts: Buffer[] = []
  let total = 0
  const add = (path: string, max: number): void => {
    try {
      if (!statSync(path).isFile()) return
      const data = readFileSync(path).subarray(0, max - total)
      parts.push(data)
      total += data.length
    } catch {
      // unreadable or vanished: the order of the rest stays deterministic
    }
  }
  for (const pkg of readdirSync('/usr/share/doc').sort()) {
    if (total >= limit / 4) break
    add(join('/usr/share/doc', pkg, 'copyright'), limit / 4)
  }
  for (const name of readdirSync('/usr/bin').sort()) {
    if (total >= limit) break
    add(join('/usr/bin', name), limit)
  }
  expect(total).toBe(limit)
  return Buffer.concat(parts)
}

const LEVELS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
const sample = realData(MIB)

describe('compressBlockHC edge inputs', () => {
  test.each([1, 2, 3, 4, 5, 7, 8, 11, 12])('%i bytes become one literal-only sequence', (n) => {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff)
    for (const level of [3, 9, 12]) {
      const block = compress(data, level, n + 16)!
      expect(block).toBeDefined()
      expect([...block]).toEqual([n << 4, ...data])
      expectDecodes(block, data)
      // lz4frame passes n - 1 bytes of room, where n + 1 bytes cannot fit: the caller stores the block.
      expect(compress(data, level)).toBeUndefined()
      expect(compress(data, level, n)).toBeUndefined()
      expect(compress(data, level, n + 1)).toEqual(block)
    }
  })

  test('12 equal bytes are too short for a match, 13 are not', () => {
    const twelve = new Uint8Array(12).fill(7)
    expect(checkBlockFormat(compress(twelve, 9, 64)!).matches).toBe(0)
    const thirteen = new Uint8Array(13).fill(7)
    const block = compress(thirteen, 9, 64)!
    // One literal, a match of 7 at offset 1, then the 5 last literals.
    expect([...block]).toEqual([0x13, 7, 1, 0, 0x50, 7, 7, 7, 7, 7])
    expect(checkBlockFormat(block).matches).toBe(1)
    expectDecodes(block, thirteen)
  })

  test('4 MiB of zeros', () => {
    const data = new Uint8Array(4 * MIB)
    for (const level of [3, 9, 12]) {
      const block = compress(data, level)!
      expect(block.length).toBeLessThan(17000)
      expectDecodes(block, data)
      expect(Math.abs(block.length / lz4Block(data, level).block.length - 1)).toBeLessThan(0.01)
    }
  })

  test('incompressible data does not fit in length - 1 bytes', () => {
    const data = randomBytes(MIB)
    for (const level of [3, 9, 12]) {
      expect(compress(data, level)).toBeUndefined()
      expect(lz4Block(data, level).stored).toBe(true)
      // With room for the worst case the literals are written out and decode.
      const block = compress(data, level, data.length + Math.floor(data.length / 255) + 16)!
      expect(block.length).toBeGreaterThan(data.length)
      expectDecodes(block, data)
    }
  })

  test.each([
    ['period 1', 'a'],
    ['period 2', 'ab'],
    ['period 3', 'abc'],
    ['period 4', 'abcd'],
    ['period 7', 'abcdefg'],
    ['period 19', 'the quick brown fox'],
  ])('short repeats, %s', (_, unit) => {
    // Long enough for a match to start 12+ bytes before the end and to pay for itself.
    for (const n of [13, 14, 20, 31, 64, 100, 1000, 70000].filter((n) => n >= 4 * unit.length + 12)) {
      const data = Buffer.from(unit.repeat(Math.ceil(n / unit.length)).slice(0, n))
      for (const level of LEVELS) {
        const block = compress(data, level)!
        expect(block, `${n} bytes at level ${level}`).toBeDefined()
        expect(checkBlockFormat(block).matches).toBeGreaterThan(0)
        expectDecodes(block, data)
      }
    }
  })

  test('repeats far apart, near the 64 KiB window, and mixed with noise', () => {
    const noise = randomBytes(200_000)
    const data = Buffer.concat([
      noise.subarray(0, 1000),
      noise.subarray(100_000, 165_535),
      noise.subarray(0, 1000), // exactly 65535 bytes after the first copy
      noise.subarray(0, 2000), // farther than 65535 bytes from the first copy's start
      Buffer.alloc(3000, 0x20),
      noise.subarray(50_000, 51_000),
      Buffer.from('xyxyxyxyxyxyxyxyxyxyxyxyxyxyxy'),
    ])
    for (const level of LEVELS) {
      const block = compress(data, level)!
      expectDecodes(block, data)
      expect(Math.abs(block.length / lz4Block(data, level).block.length - 1)).toBeLessThan(0.01)
    }
  })
})

describe('compressBlockHC on real data', () => {
  test.each(LEVELS)('level %i decodes, and its size is within one percent of lz4 at that level', (level) => {
    const block = compress(sample, level)!
    expectDecodes(block, sample)
    const ref = lz4Block(sample, level)
    expect(ref.stored).toBe(false)
    // lz4 -c: a 7-byte header, the block size, the block, the end mark and the content checksum.
    expect(ref.frameSize).toBe(ref.block.length + 19)
    const ratio = block.length / ref.block.length
    expect(ratio).toBeGreaterThan(0.99)
    expect(ratio).toBeLessThan(1.01)
    // Not a trivial block: real data compresses, but not to nothing.
    expect(block.length).toBeLessThan(sample.length * 0.8)
    expect(block.length).toBeGreaterThan(sample.length * 0.1)
  })

  // The implementation makes lz4 1.9.4's choices, so with that CLI the blocks are identical.
  test.skipIf(lz4Version !== '1.9.4').each(LEVELS)('level %i is byte for byte lz4 1.9.4', (level) => {
    expect(Buffer.from(compress(sample, level)!).equals(lz4Block(sample, level).block)).toBe(true)
  })

  // Literal runs between matches, runs of 1- and 2-byte patterns (the pattern analysis) that start right after
  // literals, runs longer than the 64 KiB window, and equal bytes that put consecutive positions on one hash chain.
  test.skipIf(lz4Version !== '1.9.4')('runs and patterns between noise are byte for byte lz4 1.9.4', () => {
    const noise = randomBytes(300_000)
    const parts: Buffer[] = []
    let at = 0
    const take = (n: number): Buffer => noise.subarray(at, (at += n))
    for (const run of [5, 13, 64, 300, 4000, 70_000]) {
      parts.push(take(777), Buffer.alloc(run, 0), take(31))
      parts.push(Buffer.from('\x01\x02'.repeat(run >> 1), 'latin1'), take(100), Buffer.alloc(run, 0xff))
      parts.push(
        noise.subarray(0, 200),
        take(50),
        Buffer.from('ab'.repeat(run >> 2) + 'abc'.repeat(run >> 3)),
      )
    }
    // Runs that start outside the window of a later search within them or in another run.
    for (const run of [65_000, 66_000, 90_000])
      parts.push(take(40), Buffer.alloc(run, 0), take(9), Buffer.alloc(run >> 4, 0))
    parts.push(take(5000), Buffer.alloc(20, 7))
    const data = Buffer.concat(parts)
    expect(data.length).toBeLessThan(MAX_BLOCK_SIZE)
    for (const level of LEVELS) {
      const block = compress(data, level)!
      expect(Buffer.from(block).equals(lz4Block(data, level).block), `level ${level}`).toBe(true)
    }
  })

  test('a block that needs exactly dst.length bytes fits, one byte less gives 0', () => {
    const data = sample.subarray(0, 300_000)
    for (const level of [3, 9, 12]) {
      const block = compress(data, level)!
      expect(compress(data, level, block.length)).toEqual(block)
      expect(compress(data, level, block.length - 1)).toBeUndefined()
      expect(compress(data, level, block.length >> 1)).toBeUndefined()
    }
  })

  test('a full 4 MiB block at level 9', () => {
    const data = Buffer.concat([sample, realData(4 * MIB).subarray(MIB)])
    expect(data.length).toBe(4 * MIB)
    const block = compress(data, 9)!
    expectDecodes(block, data)
    expect(Math.abs(block.length / lz4Block(data, 9).block.length - 1)).toBeLessThan(0.01)
  })
})

describe('HCCompressor', () => {
  test('reused state gives the same blocks as a fresh one, in any order', () => {
    const a = sample.subarray(0, 300_000)
    const b = sample.subarray(500_000, 900_000)
    const fresh = (data: Uint8Array, level: number): Buffer => {
      const dst = new Uint8Array(data.length)
      return Buffer.from(dst.subarray(0, new HCCompressor().compress(data, dst, level)))
    }
    const reused = new HCCompressor()
    const dst = new Uint8Array(b.length)
    for (const [data, level] of [
      [a, 9],
      [b, 3],
      [a, 12],
      [b, 9],
      [a, 9],
    ] as const) {
      const n = reused.compress(data, dst, level)
      expect(n).toBeGreaterThan(0)
      expect(Buffer.from(dst.subarray(0, n)).equals(fresh(data, level))).toBe(true)
    }
  })

  test('input views at any offset, and on shared memory, give the same block', () => {
    const data = sample.subarray(0, 200_000)
    const expected = Buffer.from(compress(data, 9)!)
    const padded = new Uint8Array(data.length + 3)
    padded.set(data, 3)
    expect(Buffer.from(compress(padded.subarray(3), 9)!).equals(expected)).toBe(true)
    const shared = new Uint8Array(new SharedArrayBuffer(data.length))
    shared.set(data)
    expect(Buffer.from(compress(shared, 9)!).equals(expected)).toBe(true)
  })

  test('blocks of up to 4 MiB, the largest an LZ4 frame has', () => {
    expect(MAX_BLOCK_SIZE).toBe(4 * MIB)
    const dst = new Uint8Array(64)
    expect(() => compressBlockHC(new Uint8Array(MAX_BLOCK_SIZE + 1), dst, 9)).toThrow(RangeError)
    expect(
      compressBlockHC(new Uint8Array(MAX_BLOCK_SIZE), new Uint8Array(MAX_BLOCK_SIZE), 9),
    ).toBeGreaterThan(0)
  })

  test('levels are clamped like LZ4_compress_HC_extStateHC', () => {
    const data = sample.subarray(0, 100_000)
    const at = (level: number): Buffer => Buffer.from(compress(data, level)!)
    expect(at(0).equals(at(9))).toBe(true)
    expect(at(-5).equals(at(9))).toBe(true)
    expect(at(13).equals(at(12))).toBe(true)
    expect(at(3).equals(at(9))).toBe(false)
    expect(at(3).length).toBeGreaterThan(at(9).length)
  })
})
