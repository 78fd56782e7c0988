import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { BLOCK_SIZE, Lz4FrameEncoder } from '../../src/lz4/frame.ts'
import { parseFrame } from '../helpers/frame.ts'
import { requireTool, run } from '../helpers/env.ts'
import { realData } from './real-data.ts'

const haveLz4 = requireTool('lz4', 'apt-get install lz4')

async function encode(
  input: Buffer,
  level = 1,
  chunk = 65536,
  onStored?: (bytes: number) => void,
): Promise<Buffer> {
  const parts: Buffer[] = []
  const chunks = function* () {
    for (let i = 0; i < input.length; i += chunk) yield input.subarray(i, i + chunk)
  }
  const enc = Readable.from(chunks()).pipe(new Lz4FrameEncoder({ level, concurrency: 2, onStored }))
  for await (const part of enc) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

function lz4Decode(frame: Buffer): Buffer {
  return run('lz4', ['-d', '-c'], frame)
}

describe.skipIf(!haveLz4)('LZ4 frame writer', () => {
  test.each([
    ['empty input', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x42])],
    ['exactly one block', realData(BLOCK_SIZE)],
    ['one block and one byte', realData(BLOCK_SIZE + 1)],
    ['incompressible data', randomBytes(BLOCK_SIZE + 12345)],
    [
      'many blocks, mixed',
      Buffer.concat([realData(9 * BLOCK_SIZE), randomBytes(BLOCK_SIZE), Buffer.alloc(BLOCK_SIZE + 7)]),
    ],
  ])('%s: one frame that lz4 -d decodes to the exact input', async (_name, input) => {
    const frame = await encode(input)
    const parsed = parseFrame(frame)
    expect(parsed.trailing).toBe(0)
    expect(parsed.blocks.length).toBe(Math.ceil(input.length / BLOCK_SIZE))
    expect(parsed.flg & 0x20).toBe(0x20) // independent blocks
    expect(parsed.flg & 0x04).toBe(0x04) // content checksum
    // lz4 -d checks the content checksum and the header checksum.
    expect(lz4Decode(frame).equals(input)).toBe(true)
  })

  test('incompressible blocks are stored, as lz4 stores them, and reported (they make more garbage)', async () => {
    const input = Buffer.concat([randomBytes(2 * BLOCK_SIZE), realData(BLOCK_SIZE), randomBytes(1000)])
    const stored: number[] = []
    const parsed = parseFrame(await encode(input, 1, 65536, (bytes) => stored.push(bytes)))
    expect(parsed.blocks).toEqual([
      { size: BLOCK_SIZE, stored: true },
      { size: BLOCK_SIZE, stored: true },
      expect.objectContaining({ stored: false }),
      { size: 1000, stored: true },
    ])
    expect(stored).toEqual([BLOCK_SIZE, BLOCK_SIZE, 1000])
  })

  test('the frame header is byte for byte what the lz4 command writes by default', async () => {
    // Above one block: for smaller inputs lz4 picks a smaller block size for the header.
    const input = realData(BLOCK_SIZE + 100_000)
    const ours = await encode(input)
    const theirs = run('lz4', ['-1', '-c'], input)
    expect(ours.subarray(0, 7).toString('hex')).toBe(theirs.subarray(0, 7).toString('hex'))
    // The same trailer, too: the content checksum of the same input.
    expect(ours.subarray(-4).toString('hex')).toBe(theirs.subarray(-4).toString('hex'))
  })

  test('chunking of the input does not change the output', async () => {
    const input = realData(BLOCK_SIZE + 99_999)
    const a = await encode(input, 1, 65536)
    const b = await encode(input, 1, 1_000_003)
    expect(a.equals(b)).toBe(true)
  })

  test.each([1, 2, 3, 9])(
    'at level %i the frame is the very one lz4 writes at that level, stored blocks included',
    async (level) => {
      const input = Buffer.concat([realData(2 * BLOCK_SIZE + 99), randomBytes(BLOCK_SIZE), realData(1000)])
      const ours = await encode(input, level)
      const theirs = run('lz4', [`-${level}`, '-c'], input)
      expect(parseFrame(ours).blocks.map((b) => b.stored)).toEqual([false, false, true, false])
      expect(ours.equals(theirs)).toBe(true)
    },
  )

  test('the frame checker itself catches a second frame', () => {
    // Two frames concatenated decode fine with the lz4 command but not with metal-hammer's reader.
    const one = run('lz4', ['-1', '-c'], Buffer.from('hello'))
    expect(parseFrame(Buffer.concat([one, one])).trailing).toBe(one.length)
  })
})
