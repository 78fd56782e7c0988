import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { extract } from 'tar-stream'

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
  const parser = extract()
  const done = (async () => {
    for await (const entry of parser) {
      const hash = createHash('sha256')
      for await (const part of entry) hash.update(part as Buffer)
      const h = entry.header
      const name = h.name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
      entries.set(name, {
        type: h.type,
        mode: h.mode & 0o7777,
        uid: h.uid,
        gid: h.gid,
        size: h.size ?? 0,
        linkname: h.linkname ?? '',
        sha256: hash.digest('hex'),
      })
    }
  })()
  createReadStream(path).pipe(parser)
  await done
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
