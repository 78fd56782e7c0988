import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, rmdirSync, rmSync, type WriteStream } from 'node:fs'
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { pipeline } from 'node:stream/promises'
import { doneByCallback } from '../util/chunk-pool.ts'
import { onExit, removeOnExit } from '../util/cleanup.ts'
import { InputError, StageError } from '../util/errors.ts'
import { silentLog } from '../util/log.ts'
import { SetTransaction } from './commit.ts'
import { DEFAULT_LOCK_OPTIONS, type LockIO } from './lock.ts'
import { formatBudget } from './retry.ts'
import type { StoreContext } from './options.ts'
import { newOwner, tempName, type Owner, type TempKind } from './owner.ts'
import {
  NotPlaceable,
  type BeginOptions,
  type Objects,
  type Staged,
  type Staging,
  type Store,
  type Transaction,
} from './store.ts'

/** A local run has no time budget; its temporary files are another machine's to remove only after this. */
const LOCAL_LIFETIME_MS = 7 * 24 * 3600_000

/** A destination folder on the local file system: a path or a `file://` URL. */
export function parseLocalDestination(destination: string, cwd = process.cwd()): string {
  if (/^file:/i.test(destination)) {
    try {
      return fileURLToPath(destination)
    } catch (err) {
      throw new InputError('destination', destination, `not a valid file:// URL (${(err as Error).message})`)
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(destination))
    throw new InputError(
      'destination',
      destination,
      'unsupported scheme: expected a local directory (a path or a file:// URL)',
    )
  return resolve(cwd, destination)
}

/**
 * The image folder tree on the local file system. Paths are relative to the destination and use "/";
 * they come from the layout's pure functions, and are checked here again never to leave the root.
 */
export class LocalStore implements Store {
  readonly root: string
  /** The input the root came from, named in errors. */
  private readonly input: string
  private readonly context: StoreContext

  constructor(root: string, input: string, context: StoreContext = {}) {
    this.root = root
    this.input = input
    this.context = context
  }

  url(path: string): string {
    return pathToFileURL(this.resolve(path)).href
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.resolve(path))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw new InputError(
        this.input,
        this.root,
        `cannot read ${this.resolve(path)} (${code}): expected a readable directory`,
      )
    }
  }

  /** Names of the folders directly in `folder` (none when it does not exist). */
  async folders(folder: string): Promise<string[]> {
    try {
      const entries = await readdir(this.resolve(folder), { withFileTypes: true })
      return entries.filter((e) => e.isDirectory()).map((e) => e.name)
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return []
      throw err
    }
  }

  async size(path: string): Promise<number | undefined> {
    return (await stat(this.resolve(path)).catch(() => undefined))?.size
  }

  /** Starts a set of files published together (see commit.ts). */
  async begin(folders: string[], options: BeginOptions = {}): Promise<Transaction> {
    const owner = newOwner(LOCAL_LIFETIME_MS)
    const staging = new LocalStaging(this, owner)
    try {
      for (const folder of folders) await staging.prepare(folder)
    } catch (err) {
      await staging.discard()
      const code = (err as NodeJS.ErrnoException).code ?? ''
      throw new InputError(
        this.input,
        this.root,
        `cannot write to ${this.resolve(folders[0] ?? '')} (${code || (err as Error).message}): expected a writable directory`,
      )
    }
    const tuning = this.context.tuning ?? {}
    const budgetMs = this.context.uploadTimeoutMs ?? 3_600_000
    return new SetTransaction({
      objects: new LocalObjects(this, owner),
      staging,
      owner,
      signal: this.context.signal ?? new AbortController().signal,
      lock: {
        leaseMs: tuning.leaseMs ?? DEFAULT_LOCK_OPTIONS.leaseMs,
        settleMs: tuning.settleMs ?? 300,
        pollMs: tuning.pollMs ?? 100,
        deadline: performance.now() + budgetMs,
        budget: `upload-timeout of ${formatBudget(budgetMs)}`,
      },
      log: options.log ?? silentLog,
      exclusive: options.exclusive ?? false,
    })
  }

  resolve(path: string): string {
    const full = join(this.root, ...path.split('/'))
    const rel = relative(this.root, full)
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
      throw new InputError(this.input, this.root, `the path ${path} would be outside the destination`)
    return full
  }
}

/** What a commit does on the local file system: renames, and hard links to keep an earlier image aside. */
export class LocalObjects implements Objects {
  readonly lock: LockIO
  private readonly store: LocalStore
  private readonly owner: Owner

  constructor(store: LocalStore, owner: Owner) {
    this.store = store
    this.owner = owner
    this.lock = new LocalLock(store, owner)
  }

  url(path: string): string {
    return this.store.url(path)
  }

  read(path: string): Promise<Buffer | undefined> {
    return this.store.read(path)
  }

  async exists(path: string): Promise<boolean> {
    return (await lstat(this.store.resolve(path)).catch(() => undefined)) !== undefined
  }

  /** Writes a temporary file beside it and renames it over: a reader sees the old bytes or the new. */
  async put(path: string, data: Uint8Array): Promise<void> {
    await atomicWrite(this.store, tempName(`${path}~put`, this.owner, 'partial'), path, data)
  }

  async remove(path: string): Promise<void> {
    // unlink, not rm: rm turns a refused unlink (EPERM) into a confusing ENOTDIR.
    await unlink(this.store.resolve(path)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }

  async list(dir: string, deep = false): Promise<{ name: string; modified?: number }[]> {
    const full = this.store.resolve(dir)
    const entries = await readdir(full, { withFileTypes: true }).catch(() => [])
    const files: { name: string; modified?: number }[] = []
    for (const e of entries) {
      if (e.isDirectory()) {
        if (deep)
          for (const f of await this.list(dir ? `${dir}/${e.name}` : e.name, true))
            files.push({ ...f, name: `${e.name}/${f.name}` })
        continue
      }
      const info = await lstat(join(full, e.name)).catch(() => undefined)
      if (info) files.push({ name: e.name, modified: info.mtimeMs })
    }
    return files
  }

  async place(path: string, staged: Staged, exclusive: boolean): Promise<void> {
    if (staged.kind === 'data') return this.put(path, Buffer.from(staged.data, 'base64'))
    if (staged.kind !== 'file') throw new Error(`internal: a local store cannot place a ${staged.kind}`)
    const temp = this.store.resolve(staged.temp)
    const final = this.store.resolve(path)
    try {
      if (exclusive) {
        // link() fails if the name exists: of two runs racing for one versioned path, one wins.
        await link(temp, final).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err
          if ((await stat(final)).ino === staged.ino) return
          throw new StageError('store', `${this.store.url(path)} was published by another run first`)
        })
        await unlink(temp)
      } else {
        await rename(temp, final)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await this.exists(staged.temp)))
        throw new NotPlaceable(`${this.store.url(staged.temp)} is gone`)
      throw err
    }
  }

  async placed(path: string, staged: Staged): Promise<boolean> {
    if (staged.kind === 'data')
      return (await this.read(path))?.equals(Buffer.from(staged.data, 'base64')) ?? false
    if (staged.kind !== 'file') return false
    return (await stat(this.store.resolve(path)).catch(() => undefined))?.ino === staged.ino
  }

  async drop(staged: Staged): Promise<void> {
    if (staged.kind === 'file') await rm(this.store.resolve(staged.temp), { force: true })
  }

  /** A hard link: the earlier image stays whole under it when the new one is renamed over its name. */
  async keepAside(path: string, temp: string): Promise<Staged | undefined> {
    const full = this.store.resolve(temp)
    await rm(full, { force: true })
    await link(this.store.resolve(path), full)
    return { kind: 'file', temp, ino: (await stat(full)).ino }
  }

  async removeTemp(path: string, _kind: TempKind): Promise<void> {
    await rm(this.store.resolve(path), { force: true })
  }
}

/**
 * The folder's lock as a file: created with O_EXCL (exactly one run succeeds), replaced by writing a
 * temporary file and renaming it over (the holder's renewals; taking over a dead holder's lock).
 */
class LocalLock implements LockIO {
  readonly exact = { create: true, replace: false }
  private readonly store: LocalStore
  private readonly owner: Owner

  constructor(store: LocalStore, owner: Owner) {
    this.store = store
    this.owner = owner
  }

  async read(path: string): Promise<{ body: Buffer; version: string } | undefined> {
    const full = this.store.resolve(path)
    try {
      const handle = await open(full, 'r')
      try {
        const info = await handle.stat({ bigint: true })
        return { body: await handle.readFile(), version: `${info.ino}:${info.ctimeNs}:${info.size}` }
      } finally {
        await handle.close()
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw lockError(this.store, path, 'read', err)
    }
  }

  async create(path: string, body: Buffer): Promise<string | undefined> {
    // Written whole under a temporary name, then linked to the lock's name (which fails if it exists):
    // a run killed in between leaves a temporary file for the sweep, never an empty lock that nobody
    // can read and every run waits a lease for.
    const temp = this.store.resolve(tempName(path, this.owner, 'partial'))
    const unregister = removeOnExit(temp)
    try {
      const handle = await open(temp, 'wx')
      try {
        await handle.writeFile(body)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await link(temp, this.store.resolve(path))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined
      throw lockError(this.store, path, 'create', err)
    } finally {
      await rm(temp, { force: true })
      unregister()
    }
    return (await this.read(path))?.version
  }

  async replace(path: string, body: Buffer, version: string): Promise<string | undefined> {
    if ((await this.read(path))?.version !== version) return undefined
    await atomicWrite(this.store, tempName(path, this.owner, 'partial'), path, body).catch((err: unknown) => {
      throw lockError(this.store, path, 'replace', err)
    })
    return (await this.read(path))?.version
  }

  async remove(path: string, version: string): Promise<void> {
    if ((await this.read(path))?.version !== version) return
    await rm(this.store.resolve(path), { force: true })
  }
}

function lockError(store: LocalStore, path: string, op: string, err: unknown): StageError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
  return new StageError('store', `could not ${op} the lock ${store.url(path)} (${code})`, { cause: err })
}

async function atomicWrite(store: LocalStore, temp: string, path: string, data: Uint8Array): Promise<void> {
  const full = store.resolve(temp)
  const unregister = removeOnExit(full)
  try {
    await writeFile(full, data)
    await rename(full, store.resolve(path))
  } catch (err) {
    await rm(full, { force: true })
    throw err
  } finally {
    unregister()
  }
}

/**
 * Files staged for a set: written under temporary names next to their final place (which carry the run
 * that owns them, owner.ts), removed on exit unless a commit's journal holds them.
 */
export class LocalStaging implements Staging {
  private readonly store: LocalStore
  private readonly owner: Owner
  /** Temporary files by their store path, and how to stop removing them on exit. */
  private readonly temps = new Map<string, () => void>()
  private readonly streams = new Set<WriteStream>()
  /** Folders this transaction created, outermost first. */
  private readonly created: string[] = []
  /**
   * Per prepared folder, the probe file that stays until the first staged file is there: a folder is
   * never empty while a run is about to write into it, so another run that created it and gives up (its
   * discard removes the folders it made while empty) cannot take it away in between.
   */
  private readonly probes = new Map<string, string>()

  constructor(store: LocalStore, owner: Owner) {
    this.store = store
    this.owner = owner
  }

  /** Folders made for this set, removed (while empty) when the process ends before the set is in place. */
  private unregisterFolders: (() => void) | undefined

  /** Creates the folder (remembering what was new) and proves it writable before any work starts. */
  async prepare(folder: string): Promise<void> {
    const dir = this.store.resolve(folder)
    this.created.push(...(await mkdirs(dir)))
    this.unregisterFolders ??= onExit(() => {
      for (const made of [...this.created].reverse()) rmdirSync(made)
    })
    const probe = this.temp(`${folder}/.probe`)
    await writeFile(this.store.resolve(probe), '')
    this.probes.set(folder, probe)
  }

  /** The folder holds a staged file now: its probe goes. */
  private async dropProbe(path: string): Promise<void> {
    const folder = path.slice(0, Math.max(0, path.lastIndexOf('/')))
    const probe = this.probes.get(folder)
    if (!probe) return
    this.probes.delete(folder)
    await unlink(this.store.resolve(probe)).catch(() => {})
    this.temps.get(probe)?.()
    this.temps.delete(probe)
  }

  /** A temporary name for `path`, removed on exit until handed over. */
  private temp(path: string): string {
    const temp = tempName(path, this.owner, 'partial')
    if (!this.temps.has(temp)) this.temps.set(temp, removeOnExit(this.store.resolve(temp)))
    return temp
  }

  private async stagedFile(temp: string): Promise<Staged> {
    return { kind: 'file', temp, ino: (await stat(this.store.resolve(temp))).ino }
  }

  createWriteStream(path: string): WriteStream & { staged(): Promise<Staged> } {
    const temp = this.temp(path)
    // A file stream's write callback follows the write: the image's blocks can be used again then.
    const stream = doneByCallback(createWriteStream(this.store.resolve(temp), { highWaterMark: 1 << 20 }))
    stream.once('open', () => void this.dropProbe(path))
    this.streams.add(stream)
    return Object.assign(stream, { staged: () => this.stagedFile(temp) })
  }

  async writeFile(path: string, data: Uint8Array): Promise<Staged> {
    const temp = this.temp(path)
    await writeFile(this.store.resolve(temp), data)
    await this.dropProbe(path)
    return this.stagedFile(temp)
  }

  /** A copy of a file of the same store, complete under its temporary name before anything is renamed. */
  async copy(from: string, to: string): Promise<{ staged: Staged; md5: string }> {
    const temp = this.temp(to)
    await copyFile(this.store.resolve(from), this.store.resolve(temp))
    await this.dropProbe(to)
    const hash = createHash('md5')
    await pipeline(createReadStream(this.store.resolve(temp)), hash)
    return { staged: await this.stagedFile(temp), md5: hash.digest('hex') }
  }

  handOver(staged: Staged): void {
    // The set goes in now: the folders made for it stay, even if this process ends.
    this.keepFolders()
    if (staged.kind !== 'file') return
    this.temps.get(staged.temp)?.()
    this.temps.delete(staged.temp)
  }

  /** Removes temporary files not handed over, and the folders this transaction created if empty. */
  async discard(): Promise<void> {
    for (const stream of this.streams) stream.destroy()
    this.streams.clear()
    for (const [temp, unregister] of this.temps) {
      await rm(this.store.resolve(temp), { force: true })
      unregister()
    }
    this.temps.clear()
    this.probes.clear()
    // Deepest first, and only while empty: never another run's files.
    for (const dir of this.created.reverse()) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
    }
    this.created.length = 0
    this.unregisterFolders?.()
  }

  /** The set is in place: the folders made for it stay, and no probe (none is left once files are staged). */
  keepFolders(): void {
    this.created.length = 0
    this.unregisterFolders?.()
    for (const [folder, probe] of this.probes) {
      this.probes.delete(folder)
      rmSync(this.store.resolve(probe), { force: true })
      this.temps.get(probe)?.()
      this.temps.delete(probe)
    }
  }
}

/**
 * `mkdir -p` that returns the folders it created, outermost first. Node's own recursive mkdir never
 * returns for some paths (under /proc it loops forever), so each level is made on its own.
 */
async function mkdirs(dir: string): Promise<string[]> {
  const missing: string[] = []
  let at = dir
  for (;;) {
    const info = await stat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: 'ENOTDIR' })
      break
    }
    missing.unshift(at)
    const parent = resolve(at, '..')
    if (parent === at) break
    at = parent
  }
  for (const folder of missing) {
    await mkdir(folder).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
  }
  return missing
}
