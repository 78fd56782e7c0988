/**
 * Tar entries written byte by byte, for archives no tool writes on purpose: odd type flags, a wrong
 * checksum, a size on a directory, PAX records and GNU long names placed by hand.
 */
export interface RawEntry {
  name: string
  /** Type flag character; default '0'. */
  type?: string
  mode?: number
  data?: Buffer | string
  /** The size field; default the data's length. */
  size?: number
  linkname?: string
  /** ustar (default), gnu ("ustar  \0") or v7 (no magic). */
  format?: 'ustar' | 'gnu' | 'v7'
  prefix?: string
  /** Spoil the checksum. */
  badChecksum?: boolean
  /** Write the size field in base-256. */
  base256?: boolean
}

export function rawHeader(e: RawEntry): Buffer {
  const block = Buffer.alloc(512)
  const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0))
  const size = e.size ?? data.length
  const octal = (value: number, at: number, len: number) =>
    block.write(value.toString(8).padStart(len - 1, '0') + '\0', at, len, 'latin1')
  block.write(e.name, 0, 100, 'utf8')
  octal(e.mode ?? 0o644, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  if (e.base256) {
    block[124] = 0x80
    block.writeBigUInt64BE(BigInt(size), 128)
  } else octal(size, 124, 12)
  octal(1_700_000_000, 136, 12)
  block.write(e.type ?? '0', 156, 1, 'latin1')
  if (e.type === '\0') block[156] = 0
  block.write(e.linkname ?? '', 157, 100, 'utf8')
  const format = e.format ?? 'ustar'
  if (format === 'ustar') block.write('ustar\x0000', 257, 8, 'latin1')
  if (format === 'gnu') block.write('ustar  \x00', 257, 8, 'latin1')
  if (e.prefix) block.write(e.prefix, 345, 155, 'utf8')
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const b of block) sum += b
  if (e.badChecksum) sum += 1
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1')
  return block
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512
  return Buffer.concat([data, Buffer.alloc(pad)])
}

export function rawEntry(e: RawEntry): Buffer {
  const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0))
  return Buffer.concat([rawHeader(e), padded(data)])
}

/** A PAX extended header ('x', or 'g' for a global one) with its records. */
export function paxEntry(records: Record<string, string>, type: 'x' | 'g' = 'x'): Buffer {
  let text = ''
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`
    let len = Buffer.byteLength(body) + 1
    while (String(len).length + Buffer.byteLength(body) !== len) len++
    text += `${len}${body}`
  }
  return rawEntry({ name: 'PaxHeader', type, data: text })
}

/** A GNU long name ('L') or long link name ('K') for the next entry. */
export function gnuLong(value: string, type: 'L' | 'K' = 'L'): Buffer {
  return rawEntry({ name: '././@LongLink', type, data: `${value}\0`, format: 'gnu' })
}

export const END = Buffer.alloc(1024)

export function rawTar(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END])
}
