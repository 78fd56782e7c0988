import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// ---------------------------------------------------------------------------------------------------------
// Tar archives made block by block, for what no tar writer makes on purpose: odd type flags, malformed pax
// records, zero blocks and archives where they should not be. Read back by GNU tar in the tests.

export const BLOCK = 512
export const END = Buffer.alloc(2 * BLOCK)
export const ZERO_BLOCK = Buffer.alloc(BLOCK)

export interface HeaderSpec {
  /** The type flag: '0' a file, '5' a directory, 'x' pax records, or any other byte. */
  flag?: string
  size?: number
  mode?: number
  linkname?: string
  /** Raw bytes for a field, at its offset (after the rest is written, before the checksum). */
  raw?: [offset: number, bytes: Buffer][]
}

/** A ustar header block ("ustar\0" "00"), root-owned, mtime 0, with a valid checksum. */
export function header(name: string | Buffer, spec: HeaderSpec = {}): Buffer {
  const block = Buffer.alloc(BLOCK)
  Buffer.from(name).copy(block, 0)
  const octal = (value: number, at: number, length: number) =>
    block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, at, length, 'latin1')
  octal(spec.mode ?? 0o644, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  octal(spec.size ?? 0, 124, 12)
  octal(0, 136, 12)
  block.write(spec.flag ?? '0', 156, 1, 'latin1')
  if (spec.linkname) Buffer.from(spec.linkname).copy(block, 157)
  block.write('ustar\x0000', 257, 8, 'latin1')
  block.write('root', 265, 'latin1')
  block.write('root', 297, 'latin1')
  for (const [at, bytes] of spec.raw ?? []) bytes.copy(block, at)
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return block
}

export const pad = (data: Buffer): Buffer =>
  Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)])

/** A header and its padded data. */
export function entry(name: string | Buffer, data: string | Buffer = '', spec: HeaderSpec = {}): Buffer {
  const bytes = Buffer.from(data)
  return Buffer.concat([header(name, { ...spec, size: spec.size ?? bytes.length }), pad(bytes)])
}

/** One pax record, `<length> <key>=<value>\n`, its length counting itself. */
export function record(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')])
  let length = body.length + 1
  while (String(length).length + body.length !== length) length++
  return Buffer.concat([Buffer.from(String(length)), body])
}

/** A pax extended header ('x') holding `records` as they are, well-formed or not. */
export const pax = (records: string | Buffer, name = 'PaxHeaders/x'): Buffer =>
  entry(name, records, { flag: 'x' })

export interface GnuTar {
  /** Exit status: 0, or 2 after errors. */
  status: number
  /** What `tar -t` lists, one name a line. */
  names: string[]
  stderr: string
}

/** What GNU tar (the reference) lists for an archive: `tar -t`, or with more options. */
export function gnuList(tar: Buffer, options: string[] = []): GnuTar {
  const r = spawnSync('tar', [...options, '-tf', '-'], { input: tar, encoding: 'utf8' })
  return { status: r.status ?? -1, names: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr }
}

/** GNU tar extracting into a new scratch folder: its exit status and complaints. */
export function gnuExtract(tar: Buffer): { status: number; stderr: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-gnu-x-'))
  const file = join(dir, '..', `${dir.split('/').pop()}.tar`)
  writeFileSync(file, tar)
  const r = spawnSync('tar', ['-C', dir, '-xf', file], { encoding: 'utf8' })
  return { status: r.status ?? -1, stderr: r.stderr, dir }
}

/** A tar GNU tar writes of a folder it is given (`tar -C dir ... -cf - names`). */
export function gnuCreate(dir: string, args: string[]): Buffer {
  return execFileSync('tar', ['-C', dir, ...args], { maxBuffer: 1 << 28 })
}
