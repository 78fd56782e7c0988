import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, test } from 'vitest'
import { Lz4FrameEncoder } from '../../src/lz4/frame.ts'
import { xxh32 } from '../../src/lz4/xxh32.ts'
import { decodeFirstFrame, LZ4_ERRORS, newFacts, type FrameFacts } from '../../src/verify/lz4-decode.ts'
import { ByteReader } from '../../src/verify/reader.ts'
import { requireTool, run } from '../helpers/env.ts'
import { binariesRootfs } from '../helpers/rootfs.ts'

const haveLz4 = requireTool('lz4', 'apt-get install lz4')

async function decode(
  frame: Buffer,
  chunk = 65536,
  native = true,
): Promise<{ out: Buffer; facts: FrameFacts; trailing: number }> {
  const chunks = function* () {
    for (let i = 0; i < frame.length; i += chunk) yield frame.subarray(i, i + chunk)
  }
  const reader = new ByteReader(Readable.from(chunks()))
  const facts = newFacts()
  const parts: Buffer[] = []
  for await (const part of decodeFirstFrame(reader, facts, { native })) parts.push(Buffer.from(part))
  let trailing = 0
  for (let piece = await reader.some(1 << 20); piece; piece = await reader.some(1 << 20))
    trailing += piece.length
  return { out: Buffer.concat(parts), facts, trailing }
}

function lz4(args: string[], input: Buffer): Buffer {
  return run('lz4', [...args, '-c'], input)
}

/** A frame's header with a new FLG/BD and a correct header checksum. */
async function withDescriptor(frame: Buffer, flg: number, bd: number): Promise<Buffer> {
  const out = Buffer.from(frame)
  out[4] = flg
  out[5] = bd
  out[6] = ((await xxh32(out.subarray(4, 6))) >>> 8) & 0xff
  return out
}

// A rootfs-like tar of this machine's real binaries: it compresses as an image does.
const scratch = mkdtempSync(join(tmpdir(), 'verify-lz4-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
const data = readFileSync(binariesRootfs(scratch)).subarray(0, 24 << 20)

describe.runIf(haveLz4)('LZ4 frames as pierrec/lz4 reads them, checked against the lz4 tool', () => {
  test.each([
    ['default (4 MiB independent blocks, content checksum)', []],
    ['64 KiB blocks', ['-B4']],
    ['256 KiB blocks', ['-B5']],
    ['1 MiB blocks', ['-B6']],
    ['linked blocks', ['-BD']],
    ['linked 64 KiB blocks', ['-B4', '-BD']],
    ['content size in the header', ['--content-size']],
    ['block checksums', ['-BX']],
    ['no content checksum', ['--no-frame-crc']],
    ['high compression', ['-9']],
    ['legacy format', ['-l']],
  ])('%s', async (_name, args) => {
    const frame = lz4(args, data)
    // Blocks decoded natively (lz4's C, our addon) and by our own decodeBlock: the same bytes as the input.
    for (const native of [true, false]) {
      const { out, facts, trailing } = await decode(frame, 100_003, native)
      expect(out.equals(data), `native: ${native}`).toBe(true)
      expect(facts.bytes).toBe(data.length)
      expect(facts.legacy).toBe(args.includes('-l'))
      expect(trailing).toBe(0)
    }
  })

  test('incompressible data comes as stored blocks and decodes', async () => {
    const random = randomBytes(9 << 20)
    const frame = lz4([], random)
    expect(frame.length).toBeGreaterThan(random.length)
    expect((await decode(frame)).out.equals(random)).toBe(true)
  })

  test('our encoder, at a fast and a high level, decodes to its input', async () => {
    for (const level of [1, 9]) {
      const parts: Buffer[] = []
      const enc = Readable.from([data.subarray(0, 12 << 20)]).pipe(
        new Lz4FrameEncoder({ level, concurrency: 2 }),
      )
      for await (const part of enc) parts.push(part as Buffer)
      const { out, facts } = await decode(Buffer.concat(parts))
      expect(out.equals(data.subarray(0, 12 << 20))).toBe(true)
      expect(facts.end).toBe('end-mark')
    }
  })

  test('only the first frame is read: a second one is left unread, without an error', async () => {
    const first = lz4([], data.subarray(0, 5 << 20))
    const second = lz4([], data.subarray(5 << 20, 9 << 20))
    const { out, facts, trailing } = await decode(Buffer.concat([first, second]))
    expect(out.equals(data.subarray(0, 5 << 20))).toBe(true)
    expect(facts.end).toBe('end-mark')
    expect(facts.consumed).toBe(first.length)
    expect(trailing).toBe(second.length)
    // The lz4 tool reads both: the difference metal-hammer's users never see.
    expect(run('lz4', ['-d', '-c'], Buffer.concat([first, second])).length).toBe(9 << 20)
  })

  test('skippable frames are skipped before the first frame', async () => {
    const skippable = Buffer.alloc(8 + 100)
    skippable.writeUInt32LE(0x184d2a53, 0)
    skippable.writeUInt32LE(100, 4)
    const frame = lz4([], data.subarray(0, 1 << 20))
    const { out } = await decode(Buffer.concat([skippable, frame]))
    expect(out.equals(data.subarray(0, 1 << 20))).toBe(true)
  })

  test('the data ending at a block boundary reads as a clean end; inside a block it fails', async () => {
    const frame = lz4(['-B4', '--no-frame-crc'], data.subarray(0, 1 << 20))
    // Header (7 bytes), then the first block: its size word and its bytes.
    const firstBlock = 7 + 4 + (frame.readUInt32LE(7) & 0x7fffffff)
    const cut = await decode(frame.subarray(0, firstBlock))
    expect(cut.facts.end).toBe('eof')
    expect(cut.out.equals(data.subarray(0, 64 << 10))).toBe(true)
    await expect(decode(frame.subarray(0, firstBlock - 10))).rejects.toThrow('lz4: unexpected EOF')
  })

  test('no data at all is an empty stream, not an error (archive/tar then sees no entry)', async () => {
    const { out, facts } = await decode(Buffer.alloc(0))
    expect(out.length).toBe(0)
    expect(facts.end).toBe('empty')
  })

  test('errors carry pierrec/lz4 messages', async () => {
    const frame = lz4([], data.subarray(0, 2 << 20))
    await expect(decode(Buffer.from('not an lz4 frame'))).rejects.toThrow(LZ4_ERRORS.badMagic)

    const badHeader = Buffer.from(frame)
    badHeader[6] = badHeader[6]! ^ 0xff
    await expect(decode(badHeader)).rejects.toThrow(LZ4_ERRORS.headerChecksum)

    // Block size index 3 (8 MiB) is valid only in the legacy format.
    await expect(decode(await withDescriptor(frame, frame[4]!, 3 << 4))).rejects.toThrow(LZ4_ERRORS.blockSize)

    const badSum = Buffer.from(frame)
    badSum[badSum.length - 1] = badSum[badSum.length - 1]! ^ 0x01
    await expect(decode(badSum)).rejects.toThrow(LZ4_ERRORS.frameChecksum)

    const badBlock = Buffer.from(lz4(['-BX'], data.subarray(0, 1 << 20)))
    badBlock[200] = badBlock[200]! ^ 0x01
    await expect(decode(badBlock)).rejects.toThrow(LZ4_ERRORS.blockChecksum)

    // A match offset of 0 inside the first block's sequences, for either block decoder.
    const corrupt = Buffer.from(frame)
    const size = corrupt.readUInt32LE(7) & 0x7fffffff
    corrupt.fill(0, 11 + 1, 11 + size)
    for (const native of [true, false])
      await expect(decode(corrupt, 65536, native)).rejects.toThrow(/lz4: invalid (source|frame checksum)/)
  })

  test('decodes a rootfs-sized stream at a useful speed', async () => {
    const frame = lz4(['-1'], data)
    const start = performance.now()
    await decode(frame, 1 << 20, false)
    const mbps = data.length / 1e6 / ((performance.now() - start) / 1000)
    // Our own block decoder: 100-300 MB/s here when the machine is not busy (lz4's C several times that);
    // a rootfs of 1.5 GB must not take minutes.
    expect(mbps).toBeGreaterThan(20)
  })
})
