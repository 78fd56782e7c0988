import { normalizeTarPath } from '../tar.ts'
import { MAX_LISTED, type ContractEntryType, type ContractLevel } from './checks.ts'

/**
 * The part of a rootfs the contract can ask about, kept from the entry headers as they stream past, and
 * paths resolved in it as metal-hammer's chroot would resolve them. Memory stays bounded whatever the
 * size of the rootfs: only the paths `tracked` says a check can ask about are kept.
 */

/** Headers kept for resolving paths. A real rootfs needs a few thousand; beyond this, absence is unproven. */
const MAX_NODES = 50_000
/** And their paths' and link targets' characters: names of up to 4095 bytes make 50,000 nodes 400 MB. */
const MAX_NODE_CHARS = 16 << 20
/** Components one resolution walks: a real path takes a dozen; crafted links could make it 80,000. */
const MAX_STEPS = 4096
/** Linux's MAXSYMLINKS: more hops than this is a loop as far as the kernel is concerned. */
const MAX_SYMLINK_HOPS = 40

/** A hard link os.Link cannot make: its target is missing, comes later, is itself, a directory or outside. */
export interface BrokenLink {
  target: string
  why: 'missing' | 'later' | 'not-before' | 'self' | 'directory' | 'outside'
}
/** What a hard link is once made: the file it links to, a copy of a symlink, or nothing. */
export type HardLink =
  { kind: 'file' } | { kind: 'symlink'; linkname: string } | { kind: 'broken'; link: BrokenLink }

export interface Node {
  type: ContractEntryType
  mode: number
  size: number
  linkname: string
  /** A hard link extraction cannot make. */
  broken?: BrokenLink
}

export type Resolved =
  | { kind: 'file' | 'directory' | 'other'; path: string; hops: number; node: Node }
  | { kind: 'missing' | 'not-directory' | 'loop' | 'unknown'; path: string; hops: number }
  | { kind: 'broken-link'; path: string; hops: number; link: BrokenLink }

/** A count of entries plus the first MAX_LISTED of them, by path, each with a short detail. */
export class Listed {
  count = 0
  readonly first = new Map<string, string>()

  add(path: string, detail: string): void {
    if (this.first.has(path)) return void this.first.set(path, detail)
    this.count++
    if (this.first.size < MAX_LISTED) this.first.set(path, detail)
  }

  /** A later entry replaced this path. Paths past the first MAX_LISTED are not remembered, so stay counted. */
  remove(path: string): void {
    if (this.first.delete(path)) this.count--
  }
}

const ROOT: Node = { type: 'directory', mode: 0o755, size: 0, linkname: '' }
export const abs = (path: string): string => `/${path}`
export const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`
export const isRegular = (type: ContractEntryType): boolean => type === 'file' || type === 'link'

export class RootfsTree {
  readonly nodes = new Map<string, Node>()
  /** MAX_NODES or MAX_NODE_CHARS was reached: a path that is not recorded may still exist. */
  private overflow = false
  private chars = 0
  private readonly deep: (path: string) => boolean

  /**
   * `deep`: the paths below the top two levels a check can ask about. The top two levels are always
   * kept (so /boot, /install.sh and the directory symlinks of a merged /usr resolve, and their absence
   * is certain).
   */
  constructor(deep: (path: string) => boolean) {
    this.deep = deep
  }

  isTracked(path: string): boolean {
    const first = path.indexOf('/')
    if (first < 0 || path.indexOf('/', first + 1) < 0) return true
    return this.deep(path)
  }

  /** The names directly in a directory, as far as they are kept. */
  children(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`
    const names: string[] = []
    for (const path of this.nodes.keys())
      if (path.startsWith(prefix) && path.length > prefix.length && !path.includes('/', prefix.length))
        names.push(path.slice(prefix.length))
    return names.sort()
  }

  /** `hardLink`: what extraction made of a hard link (extract.ts), when it was checked. */
  record(
    path: string,
    type: ContractEntryType,
    mode: number,
    size: number,
    linkname: string,
    hardLink?: HardLink,
  ): void {
    if (type === 'link') {
      if (hardLink?.kind === 'broken')
        return this.put(path, { type: 'link', mode, size, linkname, broken: hardLink.link })
      // A hard link to a symlink is another symlink to the same place.
      if (hardLink?.kind === 'symlink')
        return this.put(path, { type: 'symlink', mode, size: 0, linkname: hardLink.linkname })
      if (hardLink?.kind === 'file') return this.put(path, { type: 'file', mode, size, linkname: '' })
      // A hard link is the file it names; keep that file's kind if it is known (a hard-linked symlink).
      const target = this.nodes.get(normalizeTarPath(linkname))
      if (target !== undefined && target.type === 'symlink') return this.put(path, { ...target, mode })
      return this.put(path, { type: 'file', mode, size, linkname: '' })
    }
    this.put(path, { type, mode, size, linkname: type === 'symlink' ? linkname : '' })
  }

  private put(path: string, node: Node): void {
    const kept = this.nodes.get(path)
    const chars =
      this.chars + path.length + node.linkname.length - (kept ? path.length + kept.linkname.length : 0)
    if ((!kept && this.nodes.size >= MAX_NODES) || chars > MAX_NODE_CHARS) {
      this.overflow = true
      return
    }
    this.chars = chars
    this.nodes.set(path, node)
  }

  /** A tar need not list a file's directories; the top two levels must be known to be sure of absence. */
  implyParents(path: string): void {
    const first = path.indexOf('/')
    if (first < 0) return
    this.implyDirectory(path.slice(0, first))
    const second = path.indexOf('/', first + 1)
    if (second >= 0) this.implyDirectory(path.slice(0, second))
  }

  private implyDirectory(path: string): void {
    if (!this.nodes.has(path)) this.put(path, { type: 'directory', mode: 0o755, size: 0, linkname: '' })
  }

  /**
   * Walks `path` component by component as the kernel would under chroot: symlinks are followed
   * (relative to their directory, absolute ones from the rootfs root, `..` stops at the root), a hop
   * count over MAX_SYMLINK_HOPS is a loop. A component the checker does not track is taken for a plain
   * directory; a final path it does not track is 'unknown' rather than missing.
   */
  resolve(path: string): Resolved {
    const todo = path.split('/').reverse()
    const at: string[] = []
    let hops = 0
    let steps = 0
    let last: Node | undefined = ROOT
    while (todo.length > 0) {
      const part = todo.pop()!
      if (++steps > MAX_STEPS) return { kind: 'unknown', path: at.join('/'), hops }
      // Like the kernel: anything after a file, even `/` or `/.`, needs it to be a directory.
      if (last !== undefined && last.type !== 'directory')
        return { kind: 'not-directory', path: at.join('/'), hops }
      if (part === '' || part === '.') continue
      if (part === '..') {
        at.pop()
        last = this.directoryAt(at)
        continue
      }
      const candidate = at.length === 0 ? part : `${at.join('/')}/${part}`
      const node = this.nodes.get(candidate)
      if (node === undefined) {
        if (this.isTracked(candidate)) {
          const rest = [candidate, ...todo.reverse()].filter((p) => p !== '' && p !== '.').join('/')
          return { kind: this.overflow ? 'unknown' : 'missing', path: rest, hops }
        }
        at.push(part)
        last = undefined
        continue
      }
      if (node.broken) return { kind: 'broken-link', path: candidate, hops, link: node.broken }
      if (node.type === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return { kind: 'loop', path: candidate, hops }
        if (node.linkname.startsWith('/')) at.length = 0
        // One by one: a spread of a long target's parts would overflow the call stack.
        const parts = node.linkname.split('/')
        for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!)
        last = this.directoryAt(at)
        continue
      }
      at.push(part)
      last = node
    }
    const final = at.join('/')
    if (last === undefined) return { kind: 'unknown', path: final, hops }
    const kind = last.type === 'directory' ? 'directory' : isRegular(last.type) ? 'file' : 'other'
    return { kind, path: final, hops, node: last }
  }

  /** The node of a resolved directory path; undefined when it is not tracked. */
  private directoryAt(at: readonly string[]): Node | undefined {
    return at.length === 0 ? ROOT : this.nodes.get(at.join('/'))
  }

  /** Why `name` (as the installer would open it) is not a usable regular file, or undefined if it is. */
  fileProblem(name: string, resolved: Resolved): { level: ContractLevel; text: string } | undefined {
    const via = resolved.hops > 0 ? ` (a symlink to ${abs(resolved.path)})` : ''
    switch (resolved.kind) {
      case 'file':
        return undefined
      case 'directory':
        return { level: 'error', text: `${abs(name)} is a directory${via}` }
      case 'other':
        return { level: 'error', text: `${abs(name)} is a ${resolved.node.type}, not a regular file${via}` }
      case 'loop':
        return { level: 'error', text: `${abs(name)} is a symlink loop (through ${abs(resolved.path)})` }
      case 'not-directory':
        return {
          level: 'error',
          text: `${abs(name)} cannot be opened: ${abs(resolved.path)} is not a directory`,
        }
      case 'missing':
        return {
          level: 'error',
          text:
            resolved.hops > 0
              ? `${abs(name)} is a symlink to ${abs(resolved.path)}, which is not in the image`
              : `${abs(name)} is missing`,
        }
      case 'broken-link':
        return {
          level: 'error',
          text: `${abs(name)}${resolved.hops > 0 ? ` leads to ${abs(resolved.path)}, which` : ''} is a hard link to ${abs(resolved.link.target)}, ${brokenWhy(resolved.link)}: os.Link fails in extraction`,
        }
      case 'unknown':
        return {
          level: 'warning',
          text: `${abs(name)} leads to ${abs(resolved.path)}, a path this streaming check does not track: not verified`,
        }
    }
  }
}

/** Why a hard link cannot be made, after "a hard link to <target>, ". */
export function brokenWhy(link: BrokenLink): string {
  switch (link.why) {
    case 'missing':
      return 'which is not in the image'
    case 'later':
      return 'which comes only later in the archive'
    case 'not-before':
      return 'which is not in the archive before it'
    case 'self':
      return 'itself'
    case 'directory':
      return 'a directory'
    case 'outside':
      return 'outside the image'
  }
}
