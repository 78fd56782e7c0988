import {
  chmodSync,
  closeSync,
  fchmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeSync,
  type Stats,
} from 'node:fs'
import { posix } from 'node:path'
import { ByteReader } from './reader.ts'
import { GoTarReader, type TarHeader } from './tar-reader.ts'

/**
 * Extracts a tar the way metal-hammer does: mholt/archiver v2.1.0's `Tar.Read(reader, "/rootfs")` over Go's
 * archive/tar (see tar-reader.ts), into `root`, which stands for metal-hammer's /rootfs.
 *
 * Per entry: the name is joined to "/rootfs" and must still start with "/rootfs" ("illegal file path");
 * - directories: MkdirAll 0755 (the header's mode is ignored; an existing directory is left as it is);
 * - regular files, and character/block devices and FIFOs: regular files (parents MkdirAll 0755),
 *   created or truncated through a symlink at that path, chmod'ed to the header's permission bits with
 *   setuid/setgid/sticky (no umask), then written;
 * - symlinks: symlink(linkname verbatim), hard links: link("/rootfs/" + linkname); both fail on an
 *   existing path of any type;
 * - a PAX global header is skipped; any other type flag fails ("unknown type flag");
 * - no owner, no times, no xattrs are set (everything is root's, or the extracting user's).
 * Paths resolve like the kernel resolves them on metal-hammer: a symlink with an absolute target, or ".."
 * above the root, leads to metal-hammer's own file system. What would be written there is lost to the
 * installed system; here it is not written at all and reported through `onOutside`, so extraction never
 * touches anything outside `root`. A hard link between the two file systems fails (EXDEV), as there.
 */

/** metal-hammer's chroot prefix: the paths its errors name, and the base of its path checks. */
export const HAMMER_ROOT = '/rootfs'

export class ExtractError extends Error {
  /** The entry's name in the tar. */
  readonly entry: string

  constructor(entry: string, message: string) {
    super(message)
    this.name = 'ExtractError'
    this.entry = entry
  }
}

export interface ExtractOptions {
  /** The directory that stands for /rootfs. */
  root: string
  /** An entry metal-hammer would write outside the target root, where the installed system never sees it. */
  onOutside?: (entry: string, hammerPath: string) => void
  signal?: AbortSignal
}

export interface ExtractFacts {
  entries: number
  dirs: number
  files: number
  /** Character and block devices and FIFOs, written as empty regular files. */
  specials: number
  symlinks: number
  hardlinks: number
  /** Bytes of file data written. */
  bytes: number
  /** Entries metal-hammer would write outside the target root (lost). */
  outside: number
  /** How the archive ended: two zero blocks, or the data ending at an entry boundary (no error either way). */
  end: 'end-of-archive' | 'eof'
}

const GO_ERRNO: Record<string, string> = {
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  EISDIR: 'is a directory',
  ENOENT: 'no such file or directory',
  EXDEV: 'invalid cross-device link',
  ELOOP: 'too many levels of symbolic links',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EMLINK: 'too many links',
  ENAMETOOLONG: 'file name too long',
}

/** A Go *PathError's text: "op path: reason". */
class PathError extends Error {
  readonly code: string
  constructor(op: string, path: string, code: string) {
    super(`${op} ${path}: ${GO_ERRNO[code] ?? code}`)
    this.code = code
  }
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EIO'
}

type Resolved =
  { outside: true } | { outside: false; real: string; stat: Stats | undefined; hammerPath: string }

/**
 * The target root as metal-hammer's kernel sees it: paths under /rootfs, symlinks followed within it.
 * Real directories that resolve to themselves are remembered (nothing turns one into a symlink later).
 */
class Tree {
  private readonly root: string
  private readonly plainDirs = new Set<string>([''])

  constructor(root: string) {
    this.root = root
  }

  /** `hammerPath` is clean and absolute. The last component is followed when it is a symlink and `follow`. */
  resolve(hammerPath: string, follow: boolean): Resolved {
    let rel: string
    if (hammerPath === HAMMER_ROOT) rel = ''
    else if (hammerPath.startsWith(`${HAMMER_ROOT}/`)) rel = hammerPath.slice(HAMMER_ROOT.length + 1)
    else return { outside: true }
    // The fast path: the parent is a plain directory already seen, so only the last component is looked at.
    const slash = rel.lastIndexOf('/')
    const parent = slash < 0 ? '' : rel.slice(0, slash)
    if (rel !== '' && this.plainDirs.has(parent)) {
      const real = posix.join(this.root, rel)
      const stat = lstatOrUndefined(real)
      if (!(stat?.isSymbolicLink() && follow)) return { outside: false, real, stat, hammerPath }
    }
    return this.walk(rel, follow, hammerPath)
  }

  private walk(rel: string, follow: boolean, hammerPath: string): Resolved {
    let todo = rel === '' ? [] : rel.split('/')
    let done: string[] = []
    let links = 0
    let stat: Stats | undefined = statSync(this.root)
    let plain = true
    while (todo.length > 0) {
      const c = todo.shift()!
      if (c === '' || c === '.') continue
      if (c === '..') {
        // Above the root is metal-hammer's own file system.
        if (done.length === 0) return { outside: true }
        done.pop()
        plain = false
        continue
      }
      const last = todo.length === 0
      const real = posix.join(this.root, ...done, c)
      stat = lstatOrUndefined(real)
      if (stat === undefined) {
        // Missing: nothing further can be followed; the caller creates it (or fails on a missing parent).
        return { outside: false, real: posix.join(real, ...todo), stat: undefined, hammerPath }
      }
      if (stat.isSymbolicLink() && (!last || follow)) {
        if (++links > 40) throw new PathError('stat', hammerPath, 'ELOOP')
        const target = readlinkSync(real)
        plain = false
        if (target.startsWith('/')) {
          const clean = posix.normalize(target).replace(/\/+$/, '') || '/'
          if (clean !== HAMMER_ROOT && !clean.startsWith(`${HAMMER_ROOT}/`)) return { outside: true }
          done = []
          todo = [...clean.slice(HAMMER_ROOT.length).split('/'), ...todo]
        } else {
          todo = [...target.split('/'), ...todo]
        }
        continue
      }
      if (!last && !stat.isDirectory()) throw new PathError('stat', hammerPath, 'ENOTDIR')
      done.push(c)
      if (!last && plain) this.plainDirs.add(done.join('/'))
    }
    if (plain && stat?.isDirectory() && !stat.isSymbolicLink()) this.plainDirs.add(done.join('/'))
    return { outside: false, real: posix.join(this.root, ...done), stat, hammerPath }
  }

  /** os.MkdirAll(path, 0755) as Go runs it; false when the path lies outside the target. */
  mkdirAll(hammerPath: string): boolean {
    // Above /rootfs: metal-hammer's own directories, which exist.
    if (HAMMER_ROOT.startsWith(`${hammerPath}/`) || hammerPath === '/') return true
    const r = this.resolve(hammerPath, true)
    if (r.outside) return false
    if (r.stat) {
      if (r.stat.isDirectory()) return true
      throw new PathError('mkdir', hammerPath, 'ENOTDIR')
    }
    let i = hammerPath.length - 1
    while (i >= 0 && hammerPath[i] === '/') i--
    while (i >= 0 && hammerPath[i] !== '/') i--
    const parent = hammerPath.slice(0, Math.max(i, 0))
    if (parent.length > 0 && !this.mkdirAll(parent)) return false
    const at = this.resolve(hammerPath, false)
    if (at.outside) return false
    try {
      mkdirSync(at.real)
      // metal-hammer runs with umask 022: 0755 whatever the umask here.
      chmodSync(at.real, 0o755)
    } catch (err) {
      const again = lstatOrUndefined(at.real)
      if (again?.isDirectory()) return true
      throw new PathError('mkdir', hammerPath, errnoOf(err))
    }
    return true
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined
    throw err
  }
}

/** filepath.Join("/rootfs", name): joined and cleaned, no trailing slash. */
export function hammerJoin(name: string): string {
  const joined = posix.join(HAMMER_ROOT, name)
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined
}

/**
 * Extracts the tar in `source` into `options.root` with archiver v2.1.0's rules. Resolves when the archive
 * ends (including when the data just stops at an entry boundary, which metal-hammer accepts); rejects with
 * the first error metal-hammer would stop at.
 */
export async function extractArchive(
  source: AsyncIterable<Uint8Array>,
  options: ExtractOptions,
): Promise<ExtractFacts> {
  const tree = new Tree(options.root)
  const tar = new GoTarReader(new ByteReader(source))
  const facts: ExtractFacts = {
    entries: 0,
    dirs: 0,
    files: 0,
    specials: 0,
    symlinks: 0,
    hardlinks: 0,
    bytes: 0,
    outside: 0,
    end: 'eof',
  }
  const outside = (hdr: TarHeader, path: string): void => {
    facts.outside++
    options.onOutside?.(hdr.name, path)
  }
  for (;;) {
    options.signal?.throwIfAborted()
    const hdr = await tar.next()
    if (!hdr) break
    facts.entries++
    const path = hammerJoin(hdr.name)
    if (!path.startsWith(HAMMER_ROOT)) throw new ExtractError(hdr.name, `${hdr.name}: illegal file path`)
    const fail = (what: string, err: unknown): never => {
      if (err instanceof ExtractError) throw err
      throw new ExtractError(hdr.name, `${path}: ${what}: ${(err as Error).message}`)
    }
    /** The entry's parents made (MkdirAll 0755, as archiver's writeNew* do), then where the entry goes. */
    const entryPath = (follow: boolean): Resolved => {
      let inside: boolean
      try {
        inside = tree.mkdirAll(posix.dirname(path))
      } catch (err) {
        return fail('making directory for file', err)
      }
      return inside ? tree.resolve(path, follow) : { outside: true }
    }
    switch (hdr.typeflag) {
      case '5':
        try {
          if (!tree.mkdirAll(path)) outside(hdr, path)
        } catch (err) {
          fail('making directory', err)
        }
        facts.dirs++
        break
      case '0':
      case '3':
      case '4':
      case '6': {
        const at = entryPath(true)
        if (at.outside) {
          // Its data is skipped with the entry.
          outside(hdr, path)
          break
        }
        let fd: number
        try {
          if (at.stat?.isDirectory()) throw new PathError('open', path, 'EISDIR')
          fd = openSync(at.real, 'w', 0o644)
        } catch (err) {
          return fail(
            'creating new file',
            err instanceof PathError ? err : new PathError('open', path, errnoOf(err)),
          )
        }
        try {
          try {
            // Before the data, as Go's out.Chmod: permission bits with setuid, setgid and sticky.
            fchmodSync(fd, hdr.mode & 0o7777)
          } catch (err) {
            fail('changing file mode', new PathError('chmod', path, errnoOf(err)))
          }
          for await (const piece of tar.data()) {
            for (let off = 0; off < piece.length;) {
              try {
                off += writeSync(fd, piece, off, piece.length - off)
              } catch (err) {
                fail('writing file', new PathError('write', path, errnoOf(err)))
              }
            }
            facts.bytes += piece.length
          }
        } catch (err) {
          fail('writing file', err)
        } finally {
          closeSync(fd)
        }
        if (hdr.typeflag === '0') facts.files++
        else facts.specials++
        break
      }
      case '2':
      case '1': {
        const what = hdr.typeflag === '2' ? 'making symbolic link for' : 'making hard link for'
        const at = entryPath(false)
        if (hdr.typeflag === '2') {
          if (at.outside) {
            outside(hdr, path)
            break
          }
          try {
            symlinkSync(hdr.linkname, at.real)
          } catch (err) {
            fail(what, new PathError('symlink', `${hdr.linkname} ${path}`, errnoOf(err)))
          }
          facts.symlinks++
        } else {
          const oldPath = posix.join(HAMMER_ROOT, hdr.linkname)
          const from = tree.resolve(oldPath, false)
          if (from.outside !== at.outside) fail(what, new PathError('link', `${oldPath} ${path}`, 'EXDEV'))
          if (from.outside || at.outside) {
            outside(hdr, path)
            break
          }
          try {
            linkSync(from.real, at.real)
          } catch (err) {
            fail(what, new PathError('link', `${oldPath} ${path}`, errnoOf(err)))
          }
          facts.hardlinks++
        }
        break
      }
      case 'g':
        break
      default:
        throw new ExtractError(hdr.name, `${hdr.name}: unknown type flag: ${hdr.typeflag}`)
    }
  }
  facts.end = tar.endedWithMarker ? 'end-of-archive' : 'eof'
  return facts
}

/**
 * The target root for what metal-hammer does after extracting: write install.yaml, look for the
 * installer, read boot-info.yaml, write fstab. Paths are metal-hammer's ("/rootfs/etc/metal/...") and
 * resolve as they do there; `undefined` from a lookup means "not there", "outside" that the path leads
 * to metal-hammer's own file system.
 */
export class TargetRoot {
  readonly root: string
  private readonly tree: Tree

  constructor(root: string) {
    this.root = root
    this.tree = new Tree(root)
  }

  /** Where a path of the image (e.g. /boot/vmlinuz) is, following symlinks: the real path here, or "outside". */
  locate(imagePath: string): { real: string; stat: Stats | undefined } | 'outside' {
    const r = this.tree.resolve(hammerJoin(imagePath), true)
    return r.outside ? 'outside' : { real: r.real, stat: r.stat }
  }

  /** os.MkdirAll(dir, 0755), then os.WriteFile(path, data, mode): an existing file keeps its mode. */
  writeFile(imagePath: string, data: string | Buffer, mode: number): void {
    const path = hammerJoin(imagePath)
    if (!this.tree.mkdirAll(posix.dirname(path))) throw new PathError('open', path, 'EXDEV')
    const at = this.tree.resolve(path, true)
    if (at.outside) throw new PathError('open', path, 'EXDEV')
    const fd = openSync(at.real, 'w', mode)
    try {
      if (!at.stat) fchmodSync(fd, mode)
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    } finally {
      closeSync(fd)
    }
  }
}
