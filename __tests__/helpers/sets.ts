import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SetTransaction } from '../../src/store/commit.ts'
import { LocalObjects, LocalStaging, LocalStore } from '../../src/store/local.ts'
import { newOwner } from '../../src/store/owner.ts'
import type { Objects, SetCommit, Staged } from '../../src/store/store.ts'
import { silentLog, type Log } from '../../src/util/log.ts'
import { indexUpdate } from '../../src/release/versions-index.ts'
import { CHECKSUM_FILES, checksumLine, setCommit } from '../../src/release/files.ts'

export const md5 = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex')

/** The changes a commit makes to a store, numbered from 0 in the order they happen. */
export type Change = { op: 'place' | 'remove' | 'put' | 'keepAside'; path: string; n: number }

/**
 * A store's commit operations with a hook before each change (a fault to inject, a kill, a count).
 * `keepAside: false`: like a bucket, an image that was replaced cannot be put back.
 */
export function hooked(
  objects: Objects,
  before: (change: Change) => void | Promise<void>,
  options: { keepAside?: boolean } = {},
): Objects {
  let n = 0
  const hook = async (op: Change['op'], path: string): Promise<void> => before({ op, path, n: n++ })
  return {
    lock: objects.lock,
    url: (p) => objects.url(p),
    read: (p) => objects.read(p),
    exists: (p) => objects.exists(p),
    list: (d) => objects.list(d),
    placed: (p, s) => objects.placed(p, s),
    drop: (s) => objects.drop(s),
    removeTemp: (p, k) => objects.removeTemp(p, k),
    place: async (p: string, s: Staged, e: boolean) => (await hook('place', p), objects.place(p, s, e)),
    remove: async (p: string) => (await hook('remove', p), objects.remove(p)),
    put: async (p: string, d: Uint8Array) => (await hook('put', p), objects.put(p, d)),
    ...(options.keepAside === false || !objects.keepAside
      ? {}
      : {
          keepAside: async (p: string, t: string) => (await hook('keepAside', p), objects.keepAside!(p, t)),
        }),
  }
}

/** A local transaction whose commit operations go through `wrap` (a fault, a kill), with short lock times. */
export async function localTransaction(
  root: string,
  dir: string,
  wrap: (objects: Objects) => Objects = (o) => o,
  options: { log?: Log; signal?: AbortSignal; leaseMs?: number; outlivesExit?: boolean } = {},
): Promise<SetTransaction> {
  const store = new LocalStore(root, 'destination')
  const owner = newOwner(3600_000)
  const staging = new LocalStaging(store, owner)
  await staging.prepare(dir)
  // As a bucket's staging: what it stages stays when the process ends.
  if (options.outlivesExit) Object.defineProperty(staging, 'outlivesExit', { value: true })
  return new SetTransaction({
    objects: wrap(new LocalObjects(store, owner)),
    staging,
    owner,
    signal: options.signal ?? new AbortController().signal,
    lock: {
      leaseMs: options.leaseMs ?? 10_000,
      settleMs: 50,
      pollMs: 20,
      deadline: performance.now() + 60_000,
      budget: 'test budget',
    },
    log: options.log ?? silentLog,
    exclusive: false,
  })
}

/** One image's files, as publish() writes them: the image, its md5, and companions named in `files`. */
export interface TestSet {
  name: string
  version: string
  image: string
  files: Record<string, string>
}

export function testSet(name: string, version: string, companions: string[], imageBytes = 0): TestSet {
  const image = `image ${name} `.padEnd(Math.max(imageBytes, 10), name)
  const files: Record<string, string> = { 'img.tar.lz4.md5': checksumLine(md5(image)) }
  for (const c of companions) files[c] = `${c} of ${name}\n`
  return { name, version, image, files }
}

/**
 * Stages `set` in `dir` and commits it the way publish() does, versions.json included (in `lockDir`, the
 * versioned layout's folder above the date folders, when it is not `dir`).
 */
export async function commitTestSet(
  tx: SetTransaction,
  dir: string,
  set: TestSet,
  decide?: () => Promise<string | undefined>,
  lockDir = dir,
): Promise<void> {
  const at = (n: string): string => `${dir}/${n}`
  const stream = tx.createWriteStream(at('img.tar.lz4'))
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject)
    stream.end(set.image, () => resolve())
  })
  for (const [name, data] of Object.entries(set.files)) await tx.writeFile(at(name), data)
  const roles = setCommit(['img.tar.lz4', ...Object.keys(set.files)])
  const commit: SetCommit = {
    lockDir,
    image: at('img.tar.lz4'),
    companions: roles.companions.map(at),
    seal: roles.seal.map(at),
    retract: roles.retract.map(at),
    obsolete: roles.obsolete.map(at),
    index: indexUpdate(
      lockDir,
      { osName: 'debian', osVersion: '12' },
      {
        version: set.version,
        imageId: `debian-${set.version}`,
        md5: md5(set.image),
        size: set.image.length,
        published: '2026-12-01T00:00:00.000Z',
        path: dir === lockDir ? 'img.tar.lz4' : `${dir.slice(lockDir.length + 1)}/img.tar.lz4`,
      },
    ),
    ...(decide ? { decide } : {}),
  }
  const outcome = await tx.commit(commit)
  if (!outcome.committed) throw new Error(`not committed: ${outcome.reason}`)
}

/** A folder's files and their bytes (versions.json as the md5s it lists), hidden ones under `hidden`. */
export interface FolderState {
  files: Record<string, string>
  index: string[]
  hidden: string[]
}

export function folderState(dir: string): FolderState {
  const files: Record<string, string> = {}
  const hidden: string[] = []
  let index: string[] = []
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (name.startsWith('.')) hidden.push(name)
    else if (name === 'versions.json')
      index = (
        JSON.parse(readFileSync(join(dir, name), 'utf8')) as { versions: { md5: string }[] }
      ).versions.map((v) => v.md5)
    else files[name] = readFileSync(join(dir, name), 'utf8')
  }
  return { files, index, hidden }
}

/** The state a folder has when exactly `set` was committed after the sets in `before`. */
export function expectedState(set: TestSet, before: TestSet[] = []): FolderState {
  return {
    files: { 'img.tar.lz4': set.image, ...set.files },
    index: [...before.map((s) => md5(s.image)), md5(set.image)],
    hidden: [],
  }
}

/**
 * What must hold at every instant: a checksum file present agrees with the image beside it, and
 * versions.json's newest entry with both. (Without a checksum file the folder is mid-commit.)
 */
export function sealViolations(state: FolderState): string[] {
  const problems: string[] = []
  const image = state.files['img.tar.lz4']
  for (const name of CHECKSUM_FILES) {
    const line = state.files[name]
    if (line === undefined || name !== 'img.tar.lz4.md5') continue
    if (image === undefined) problems.push(`${name} without an image`)
    else if (line !== checksumLine(md5(image))) problems.push(`${name} does not match the image`)
    else if (state.index.at(-1) !== md5(image))
      problems.push(`versions.json's newest entry does not match ${name}`)
  }
  return problems
}
