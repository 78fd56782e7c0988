import type { Store } from '../store/store.ts'
import { INDEX_FILE } from './files.ts'
import { compareVersions, isVersion } from './version.ts'

/** One published version, as listed in versions.json. */
export interface IndexEntry {
  version: string
  imageId: string
  md5: string
  size: number
  /** When it was published, ISO 8601 UTC. */
  published: string
  /** img.tar.lz4 relative to the index's folder: `img.tar.lz4` (flat) or `20261125/img.tar.lz4`. */
  path: string
}

export interface VersionsIndex {
  osName: string
  osVersion: string
  versions: IndexEntry[]
}

/** versions.json of a folder, as it is now (see parseIndex). */
export async function readIndex(
  store: Store,
  dir: string,
  osName: string,
  osVersion: string,
): Promise<VersionsIndex> {
  return parseIndex((await store.read(`${dir}/${INDEX_FILE}`))?.toString(), osName, osVersion)
}

/**
 * versions.json of a folder with an entry added (or replaced): what a commit writes, computed from what
 * the file holds when the folder's lock is held, so an entry another run added meanwhile is kept. Written
 * after the image and before its checksum files: while a checksum file is there, versions.json agrees.
 */
export function indexUpdate(
  dir: string,
  index: Pick<VersionsIndex, 'osName' | 'osVersion'>,
  entry: IndexEntry,
): { path: string; update(current: Buffer | undefined): string } {
  return {
    path: `${dir}/${INDEX_FILE}`,
    update: (current) =>
      serializeIndex(withEntry(parseIndex(current?.toString(), index.osName, index.osVersion), entry)),
  }
}

/**
 * Reads versions.json leniently: an index is a cache of what was published, so a damaged one means
 * "nothing known", never a failed build.
 */
function parseIndex(text: string | undefined, osName: string, osVersion: string): VersionsIndex {
  const empty = { osName, osVersion, versions: [] }
  if (!text) return empty
  try {
    const data = JSON.parse(text) as Partial<VersionsIndex>
    const versions = (Array.isArray(data.versions) ? data.versions : []).filter(
      (e): e is IndexEntry =>
        typeof e?.version === 'string' &&
        isVersion(e.version) &&
        typeof e.imageId === 'string' &&
        typeof e.md5 === 'string' &&
        typeof e.size === 'number' &&
        typeof e.path === 'string',
    )
    return { osName, osVersion, versions }
  } catch {
    return empty
  }
}

/** Adds (or replaces) a version, keeping the list in semver order, newest last. */
function withEntry(index: VersionsIndex, entry: IndexEntry): VersionsIndex {
  const versions = index.versions.filter((e) => compareVersions(e.version, entry.version) !== 0)
  versions.push(entry)
  versions.sort((a, b) => compareVersions(a.version, b.version))
  return { ...index, versions }
}

function serializeIndex(index: VersionsIndex): string {
  return JSON.stringify(index, null, 2) + '\n'
}
