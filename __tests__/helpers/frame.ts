/**
 * An independent reader of the LZ4 frame layout (not the encoder's code): walks the header, the block
 * size words and the end mark, and reports what follows the first frame. metal-hammer's decoder reads
 * only the first frame, so "nothing after it" is the property that matters.
 */
export interface ParsedFrame {
  flg: number
  bd: number
  blocks: { size: number; stored: boolean }[]
  contentChecksum: number | undefined
  /** Bytes left after the end of the first frame. */
  trailing: number
}

export function parseFrame(buf: Buffer): ParsedFrame {
  if (buf.length < 7 || buf.readUInt32LE(0) !== 0x184d2204) throw new Error('no LZ4 frame magic')
  const flg = buf[4]!
  const bd = buf[5]!
  let pos = 7 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0)
  const blockChecksums = (flg & 0x10) !== 0
  const blocks: ParsedFrame['blocks'] = []
  for (;;) {
    if (pos + 4 > buf.length) throw new Error(`frame cut off at ${pos}`)
    const word = buf.readUInt32LE(pos)
    pos += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    blocks.push({ size, stored: (word & 0x80000000) !== 0 })
    pos += size + (blockChecksums ? 4 : 0)
  }
  let contentChecksum: number | undefined
  if (flg & 0x04) {
    contentChecksum = buf.readUInt32LE(pos)
    pos += 4
  }
  if (pos > buf.length) throw new Error('frame cut off in its trailer')
  return { flg, bd, blocks, contentChecksum, trailing: buf.length - pos }
}
