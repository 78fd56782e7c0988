import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import {
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { pipeline } from 'node:stream/promises'
import { InputError, StageError } from '../util/errors.ts'
import { SetTransaction, type Staging, type Store, type Transaction } from './store.ts'

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

  constructor(root: string, input: string) {
    this.root = root
    this.input = input
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

  /** Starts a set of files published together (see LocalStaging). */
  async begin(folders: string[], options: { exclusive?: boolean } = {}): Promise<Transaction> {
    const staging = new LocalStaging(this, options.exclusive ?? false)
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
    return new SetTransaction(staging)
  }

  resolve(path: string): string {
    const full = join(this.root, ...path.split('/'))
    const rel = relative(this.root, full)
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
      throw new InputError(this.input, this.root, `the path ${path} would be outside the destination`)
    return full
  }
}

/**
 * Files published together. Everything is written under temporary names next to its final place and
 * renamed into place only when all of it is complete, so a failed or interrupted run leaves no
 * partial file and the previous good set untouched; folders it had to create are removed again.
 */
export class LocalStaging implements Staging {
  private readonly store: LocalStore
  private readonly temps = new Map<string, string>()
  /** Folders this transaction created, outermost first. */
  private readonly created: string[] = []
  private readonly tag = `${process.pid}-${randomBytes(4).toString('hex')}`
  private readonly exclusive: boolean
  /** Files written as streams (the image): with `exclusive` they must not exist when put in place. */
  private readonly streamed = new Set<string>()

  constructor(store: LocalStore, exclusive = false) {
    this.store = store
    this.exclusive = exclusive
  }

  /** Creates the folder (remembering what was new) and proves it writable before any work starts. */
  async prepare(folder: string): Promise<void> {
    const dir = this.store.resolve(folder)
    this.created.push(...(await mkdirs(dir)))
    const probe = join(dir, `.probe.${this.tag}`)
    await writeFile(probe, '')
    await unlink(probe)
  }

  tempPath(path: string): string {
    let temp = this.temps.get(path)
    if (!temp) {
      const full = this.store.resolve(path)
      temp = join(dirname(full), `.${full.slice(dirname(full).length + 1)}.${this.tag}.partial`)
      this.temps.set(path, temp)
    }
    return temp
  }

  createWriteStream(path: string): WriteStream {
    this.streamed.add(path)
    return createWriteStream(this.tempPath(path), { highWaterMark: 1 << 20 })
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    await writeFile(this.tempPath(path), data)
  }

  /** A copy of a file of the same store, complete under its temporary name before anything is renamed. */
  async copy(from: string, to: string): Promise<string> {
    await copyFile(this.store.resolve(from), this.tempPath(to))
    const hash = createHash('md5')
    await pipeline(createReadStream(this.tempPath(to)), hash)
    return hash.digest('hex')
  }

  /** Renames a file into place: with `exclusive`, a streamed one only if the name is still free. */
  async place(path: string): Promise<void> {
    const temp = this.temps.get(path)
    if (!temp) throw new Error(`internal: ${path} was never written`)
    if (this.exclusive && this.streamed.has(path)) {
      // link() fails if the name exists: of two runs racing for one versioned path, one wins.
      await link(temp, this.store.resolve(path)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST')
          throw new StageError('store', `${this.store.url(path)} was published by another run first`)
        throw err
      })
      await unlink(temp)
    } else {
      await rename(temp, this.store.resolve(path))
    }
    this.temps.delete(path)
    // Something is in place: the folders made for it stay.
    this.created.length = 0
  }

  async remove(path: string): Promise<void> {
    await rm(this.store.resolve(path), { force: true })
  }

  /** Removes everything this transaction wrote, including folders it created. Safe to call twice. */
  async discard(): Promise<void> {
    for (const temp of this.temps.values()) await rm(temp, { force: true })
    this.temps.clear()
    // Deepest first, and only while empty: never another run's files.
    for (const dir of this.created.reverse()) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
    }
    this.created.length = 0
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
