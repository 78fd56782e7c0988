import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { InputError } from '../errors.ts'

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
 * A set of files published together into one folder. Everything is written under temporary names in
 * the target folder and renamed into place only when all of it is complete, so a failed or
 * interrupted run leaves no partial file and the previous good set untouched.
 */
export class LocalPublication {
  readonly dir: string
  private readonly temps = new Map<string, string>()
  /** The first folder this publication created, removed again if it fails. */
  private created: string | undefined
  private readonly tag = `${process.pid}-${randomBytes(4).toString('hex')}`

  private constructor(dir: string) {
    this.dir = dir
  }

  /** Creates the folder (remembering what was new) and proves it is writable before any work starts. */
  static async open(root: string, segments: string[], destinationInput: string): Promise<LocalPublication> {
    const dir = join(root, ...segments)
    const rel = relative(root, dir)
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
      throw new InputError(
        'destination',
        destinationInput,
        `the folder ${dir} would be outside the destination`,
      )
    const pub = new LocalPublication(dir)
    try {
      const info = await stat(root).catch(() => undefined)
      if (info && !info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
      pub.created = await mkdirs(dir)
      // Creating the image's temporary file is the writability check.
      await writeFile(pub.tempPath('.probe'), '')
      await unlink(pub.tempPath('.probe'))
      pub.temps.delete('.probe')
    } catch (err) {
      await pub.abort()
      const code = (err as NodeJS.ErrnoException).code ?? ''
      throw new InputError(
        'destination',
        destinationInput,
        `cannot write to ${dir} (${code || (err as Error).message}): expected a writable directory`,
      )
    }
    return pub
  }

  tempPath(name: string): string {
    let path = this.temps.get(name)
    if (!path) {
      path = join(this.dir, `.${name}.${this.tag}.partial`)
      this.temps.set(name, path)
    }
    return path
  }

  createWriteStream(name: string): WriteStream {
    return createWriteStream(this.tempPath(name), { highWaterMark: 1 << 20 })
  }

  async writeFile(name: string, data: string | Uint8Array): Promise<void> {
    await writeFile(this.tempPath(name), data)
  }

  url(name: string): string {
    return pathToFileURL(join(this.dir, name)).href
  }

  path(name: string): string {
    return join(this.dir, name)
  }

  /**
   * Renames the files into place in the given order (the image first, then its checksum) and removes
   * `obsolete` files of an earlier set that this one does not have, so the folder never mixes sets.
   */
  async commit(order: string[], obsolete: string[] = []): Promise<void> {
    for (const name of order) {
      const temp = this.temps.get(name)
      if (!temp) throw new Error(`internal: ${name} was never written`)
      await rename(temp, join(this.dir, name))
      this.temps.delete(name)
    }
    for (const name of obsolete) await rm(join(this.dir, name), { force: true })
    this.created = undefined
  }

  /** Removes everything this publication wrote, including folders it created. Safe to call twice. */
  async abort(): Promise<void> {
    for (const temp of this.temps.values()) await rm(temp, { force: true })
    this.temps.clear()
    if (!this.created) return
    // Remove the folders we made, deepest first, as long as they are empty (never another run's files).
    let dir = this.dir
    const top = this.created
    while (dir.startsWith(top)) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
      if (dir === top) break
      dir = resolve(dir, '..')
    }
    this.created = undefined
  }
}

/**
 * `mkdir -p` that returns the first folder it created. Node's own recursive mkdir never returns for
 * some paths (under /proc it loops forever), so each level is made on its own.
 */
async function mkdirs(dir: string): Promise<string | undefined> {
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
  return missing[0]
}
