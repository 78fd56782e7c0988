import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { extract, pack, type Header } from 'tar-stream'

export interface EntryFacts {
  type: string
  mode: number
  uid: number
  gid: number
  size: number
  linkname: string
  sha256: string
}

/** Path -> what the entry is and what it holds, for comparing two rootfs tars entry by entry. */
export async function tarEntries(path: string): Promise<Map<string, EntryFacts>> {
  const entries = new Map<string, EntryFacts>()
  for (const h of await tarHeaders(path)) {
    const name = h.name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
    const { type, mode, uid, gid, size, linkname, sha256 } = h
    entries.set(name, { type, mode: mode & 0o7777, uid, gid, size, linkname, sha256 })
  }
  return entries
}

/** GNU tar's own listing: what the reference tool sees in the archive (names, in order). */
export function gnuTarNames(path: string): string[] {
  return execFileSync('tar', ['-tf', path], { maxBuffer: 1 << 28, encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^(\.?\/)+/, '').replace(/\/+$/, ''))
    .filter((l) => l !== '')
}

/**
 * What a container adds that is not part of the image: docker export writes /.dockerenv and the
 * mount points of the files docker manages; BuildKit's tar exporter has none of them.
 */
export const CONTAINER_ARTIFACTS = [
  '.dockerenv',
  'etc/hostname',
  'etc/hosts',
  'etc/resolv.conf',
  'etc/mtab',
  'dev',
  'proc',
  'sys',
]

export function withoutContainerArtifacts(entries: Map<string, EntryFacts>): Map<string, EntryFacts> {
  const out = new Map(entries)
  for (const name of out.keys()) {
    if (CONTAINER_ARTIFACTS.some((a) => name === a || name.startsWith(`${a}/`))) out.delete(name)
  }
  return out
}

/** An entry's header as written, everything a tar writer chooses, and its content's hash. */
export interface HeaderFacts extends EntryFacts {
  name: string
  mtime: number
  uname: string
  gname: string
  devmajor: number
  devminor: number
  pax: Record<string, string>
}

/** Every header of an archive (a file, or its bytes), in archive order, with its content's hash. */
export async function tarHeaders(tar: Buffer | string): Promise<HeaderFacts[]> {
  const headers: HeaderFacts[] = []
  const parser = extract()
  const done = (async () => {
    for await (const entry of parser) {
      const hash = createHash('sha256')
      for await (const part of entry) hash.update(part as Buffer)
      const h = entry.header
      headers.push({
        name: h.name,
        type: h.type ?? '',
        mode: h.mode ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        size: h.size ?? 0,
        linkname: h.linkname ?? '',
        sha256: hash.digest('hex'),
        mtime: h.mtime?.getTime() ?? 0,
        uname: h.uname ?? '',
        gname: h.gname ?? '',
        devmajor: h.devmajor ?? 0,
        devminor: h.devminor ?? 0,
        pax: { ...(h.pax as Record<string, string> | undefined) },
      })
    }
  })()
  if (typeof tar === 'string') createReadStream(tar).pipe(parser)
  else parser.end(tar)
  await done
  return headers
}

/** An entry for packTar: any header tar-stream writes, and a file's content. */
export type PackEntry = Partial<Header> & { name: string; content?: string }

/** A tar written by tar-stream, entry by entry as given (pax records where a header asks for them). */
export function packTar(entries: readonly PackEntry[]): Promise<Buffer> {
  const archive = pack()
  const parts: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (part) => void parts.push(part as Buffer))
    archive.on('end', () => resolve(Buffer.concat(parts)))
    archive.on('error', reject)
  })
  for (const { content, ...header } of entries) archive.entry(header, content ?? '')
  archive.finalize()
  return done
}
