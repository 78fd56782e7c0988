/**
 * What metal-hammer's extraction does with each entry, in archive order: mholt/archiver v2.1.0 on top of
 * Go's archive/tar, into /rootfs after metal-hammer has made /etc/metal and mounted procfs, sysfs, a
 * tmpfs on /tmp and the live /dev there. Directories are MkdirAll-ed (following symlinks), files,
 * device nodes and FIFOs written as regular files (through a symlink at their path), symlinks and hard
 * links made with os.Symlink / os.Link, which fail on any existing path; any other type fails.
 *
 * It keeps what exists so far (paths.ts: hashed, bounded) and the targets of symlinks (bounded), so it
 * can tell where each entry lands, whether extraction fails there, and what a hard link links to.
 */
import { normalizeTarPath } from '../tar.ts'
import type { ContractEntry, ContractFinding } from './checks.ts'
import { DIR, FILE, isDir, MADE_DIR, PathTable, SYMLINK, type PathKind } from './paths.ts'
import { abs, Listed, type BrokenLink, type HardLink } from './tree.ts'
import { extractionFindings, type ExtractionLists, type Limits } from './extract-findings.ts'

/** Made by metal-hammer before it extracts: directories (mount points, /etc/metal) and disk.json. */
const PREMADE: [string, PathKind][] = [
  ['proc', MADE_DIR],
  ['sys', MADE_DIR],
  ['tmp', MADE_DIR],
  ['dev', MADE_DIR],
  ['etc', MADE_DIR],
  ['etc/metal', MADE_DIR],
  ['etc/metal/disk.json', FILE],
]
const PREMADE_PATHS = new Set(PREMADE.map(([p]) => p))
const MAX_HOPS = 40

export type { Limits }
/**
 * What the checks keep at most: 16 MiB of hashed paths, the symlink targets (and 32 MiB of their text),
 * the waiting hard links. How far they walk: the components of one path (the kernel's own bound, 40
 * symlinks of up to 4095 bytes, allows 80,000, which crafted links could make every entry walk; a real
 * rootfs walks a dozen), and the characters of all walks together (half a second of CPU; a real
 * rootfs, its directories before their files, walks hardly any).
 */
export const LIMITS: Limits = {
  paths: 1 << 20,
  links: 1 << 17,
  linkBytes: 1 << 25,
  pending: 1 << 12,
  steps: 4096,
  walked: 1 << 24,
}

type Problem = 'not-directory' | 'dangling' | 'missing' | 'loop' | 'outside' | 'unknown'
interface Failed {
  problem: Problem
  at: string
  via?: string
}
/** A directory as extraction reaches it: where it lands in the image (a string, no allocation), or why it cannot. */
type Reached = string | Failed

export class ExtractionCheck {
  private readonly paths: PathTable
  private readonly links = new Map<string, string>()
  private readonly pending = new Map<string, BrokenLink[]>()
  private readonly limits: Limits
  readonly lists: ExtractionLists = {
    unknownType: new Listed(),
    dotdot: new Listed(),
    parent: new Listed(),
    outside: new Listed(),
    exists: new Listed(),
    through: new Listed(),
    hardLinks: new Listed(),
    brokenLinks: new Map(),
    mountPoint: new Listed(),
    procSys: new Listed(),
    procSysDirs: new Listed(),
    liveDev: new Listed(),
    tmp: new Listed(),
    special: new Listed(),
  }
  /** Entries whose checks needed a path or symlink target past the limits. */
  unverified = 0
  /** Characters of paths walked, and of symlink targets kept, against the limits. */
  private walked = 0
  private linkBytes = 0
  private lastDir = ''
  private lastCanon = ''

  constructor(limits: Limits = LIMITS) {
    this.limits = limits
    this.paths = new PathTable(limits.paths)
    for (const [path, kind] of PREMADE) this.paths.set(path, kind)
  }

  /** Bytes the kept paths take (not counting symlink targets). */
  get bytes(): number {
    return this.paths.bytes
  }

  /** The next entry; for a hard link, what it links to (for the checks that follow links). */
  observe(entry: ContractEntry): HardLink | undefined {
    const { type } = entry
    if (entry.path === '') return undefined
    if (type === 'other') return void this.lists.unknownType.add(entry.path, flagName(entry.flag))
    const path = cleanPath(entry.path)
    if (path === undefined) return void this.lists.dotdot.add(entry.path, '')
    const slash = path.lastIndexOf('/')
    const dir = slash < 0 ? '' : path.slice(0, slash)
    const parent = this.reach(dir, true)
    if (typeof parent !== 'string') return void this.problem(entry.path, parent)
    // Where it lands: its own path, unless a symlink on the way leads elsewhere.
    const name = path.slice(slash + 1)
    const canon = parent === dir ? path : parent === '' ? name : `${parent}/${name}`
    if (this.mounts(entry, canon)) return undefined
    const existing = this.paths.get(canon)
    switch (type) {
      case 'directory':
        if (existing === 0) this.create(canon, DIR)
        else if (existing === FILE) this.lists.exists.add(entry.path, 'a directory where a regular file is')
        else if (existing === SYMLINK) {
          // MkdirAll follows the symlink: fine if it leads to a directory.
          const to = this.reach(canon, false)
          if (typeof to !== 'string' && to.problem !== 'outside' && to.problem !== 'unknown')
            this.lists.exists.add(entry.path, `a directory where a symlink to ${this.links.get(canon)} is`)
        }
        return undefined
      case 'symlink':
        if (existing !== 0)
          return void this.lists.exists.add(entry.path, `a symlink where ${what(existing)} is`)
        this.create(canon, SYMLINK, entry.linkname ?? '')
        return undefined
      case 'link':
        if (existing !== 0)
          return void this.lists.exists.add(entry.path, `a hard link where ${what(existing)} is`)
        return this.hardLink(entry, canon)
      default:
        if (type !== 'file' && !canon.startsWith('dev/')) this.lists.special.add(entry.path, `a ${type}`)
        if (existing === 0) this.create(canon, FILE)
        else if (isDir(existing)) this.lists.exists.add(entry.path, `${kindName(type)} where a directory is`)
        else if (existing === SYMLINK) this.through(entry.path, canon, parent)
        return undefined
    }
  }

  /** The findings, by rule. */
  findings(out: ContractFinding[]): void {
    extractionFindings(out, this.lists, this.limits, this.unverified)
  }

  /** Live mounts and what metal-hammer made: true when the entry is at such a path (and reported). */
  private mounts(entry: ContractEntry, canon: string): boolean {
    const { type } = entry
    const dir = type === 'directory'
    if (PREMADE_PATHS.has(canon)) {
      const premade = this.paths.get(canon)
      if (dir ? !isDir(premade) : isDir(premade) || type === 'symlink' || type === 'link')
        this.lists.mountPoint.add(entry.path, `${kindName(type)}`)
      return true
    }
    const slash = canon.indexOf('/')
    const top = slash < 0 ? canon : canon.slice(0, slash)
    if (top === 'dev' && !dir) this.lists.liveDev.add(entry.path, kindName(type))
    else if (top === 'proc' || top === 'sys')
      (dir ? this.lists.procSysDirs : this.lists.procSys).add(entry.path, kindName(type))
    else if (top === 'tmp') this.lists.tmp.add(entry.path, kindName(type))
    return false
  }

  private hardLink(entry: ContractEntry, canon: string): HardLink {
    const target = cleanPath(normalizeTarPath(entry.linkname ?? ''))
    const broken = (why: BrokenLink['why'], at = target ?? entry.linkname ?? ''): HardLink => {
      const link: BrokenLink = { target: at, why }
      if (why === 'missing') {
        const waiting = this.pending.get(at)
        if (waiting) waiting.push(link)
        else if (this.pending.size < this.limits.pending) this.pending.set(at, [link])
        else link.why = 'not-before'
      }
      this.lists.hardLinks.add(entry.path, '')
      if (this.lists.hardLinks.first.has(entry.path)) this.lists.brokenLinks.set(entry.path, link)
      return { kind: 'broken', link }
    }
    // Go joins the target to /rootfs unchecked: ".." can reach out of it.
    if (target === undefined) return broken('outside')
    if (target === '') return broken('directory')
    const slash = target.lastIndexOf('/')
    const dir = this.reach(slash < 0 ? '' : target.slice(0, slash), false)
    if (typeof dir !== 'string') {
      if (dir.problem === 'unknown') return this.unverifiedLink(canon)
      return broken(dir.problem === 'outside' ? 'outside' : 'missing')
    }
    const name = target.slice(slash + 1)
    const to = dir === '' ? name : `${dir}/${name}`
    if (to === canon) return broken('self', to)
    const kind = this.paths.get(to)
    if (kind === 0) return this.paths.overflowed ? this.unverifiedLink(canon) : broken('missing', to)
    if (isDir(kind)) return broken('directory', to)
    if (kind === SYMLINK) {
      const linkname = this.links.get(to)
      if (linkname === undefined) return this.unverifiedLink(canon)
      this.create(canon, SYMLINK, linkname)
      return { kind: 'symlink', linkname }
    }
    this.create(canon, FILE)
    return { kind: 'file' }
  }

  private unverifiedLink(canon: string): HardLink {
    this.unverified++
    this.create(canon, FILE)
    return { kind: 'file' }
  }

  /** A regular file written where a symlink is: os.Create follows it. */
  private through(path: string, canon: string, dir: string): void {
    const linkname = this.links.get(canon)
    if (linkname === undefined) return void this.unverified++
    const via = `${abs(path)} -> ${linkname}`
    if (linkname.startsWith('/')) return void this.lists.outside.add(path, `through ${via}`)
    const target = dir === '' ? linkname : `${dir}/${linkname}`
    const slash = target.lastIndexOf('/')
    const reached = this.reach(slash < 0 ? '' : target.slice(0, slash), false)
    if (typeof reached !== 'string') {
      if (reached.problem === 'outside') this.lists.outside.add(path, `through ${via}`)
      else if (reached.problem !== 'unknown')
        this.lists.exists.add(path, `a file written through ${via}, which leads nowhere`)
      return
    }
    const name = target.slice(slash + 1)
    const to = reached === '' ? name : `${reached}/${name}`
    const kind = this.paths.get(to)
    if (isDir(kind)) return void this.lists.exists.add(path, `a file written through ${via}, a directory`)
    this.lists.through.add(path, `through ${via}`)
    if (kind === 0) this.create(to, FILE)
  }

  private create(canon: string, kind: PathKind, linkname?: string): void {
    if (!this.paths.set(canon, kind)) this.unverified++
    if (
      kind === SYMLINK &&
      this.links.size < this.limits.links &&
      this.linkBytes + canon.length + linkname!.length <= this.limits.linkBytes
    ) {
      this.links.set(canon, linkname!)
      this.linkBytes += canon.length + linkname!.length
    }
    if (this.pending.size > 0) {
      const waiting = this.pending.get(canon)
      if (waiting) {
        for (const link of waiting) link.why = 'later'
        this.pending.delete(canon)
      }
    }
  }

  /**
   * `dir` as extraction reaches it, component by component under /rootfs: symlinks followed (an
   * absolute one, or `..` above /rootfs, leaves the image: the kernel resolves them on metal-hammer's
   * own root). `create`: MkdirAll makes the missing directories of the path itself (not those a
   * symlink leads to); otherwise (os.Link's target) a missing one is missing.
   */
  private reach(dir: string, create: boolean): Reached {
    if (dir === '') return ''
    if (dir === this.lastDir) return this.lastCanon
    // A directory kept under this very path is where it lands: kept paths are where things landed.
    if (isDir(this.paths.get(dir))) return this.remember(dir, dir)
    const todo = dir.split('/').reverse()
    let linked = 0
    let cur = ''
    let hops = 0
    let via: string | undefined
    let steps = 0
    while (todo.length > 0) {
      const part = todo.pop()!
      // Past the bounds the walk is not followed: the entry is counted as not fully checked.
      if (++steps > this.limits.steps || this.walked > this.limits.walked)
        return { problem: 'unknown', at: cur }
      this.walked += cur.length + part.length
      const fromLink = linked > 0
      if (fromLink) linked--
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (cur === '') return { problem: 'outside', at: cur, via }
        cur = cur.slice(0, Math.max(0, cur.lastIndexOf('/')))
        continue
      }
      const next = cur === '' ? part : `${cur}/${part}`
      const kind = this.paths.get(next)
      if (isDir(kind)) {
        cur = next
        continue
      }
      if (kind === 0) {
        if (this.paths.overflowed) return { problem: 'unknown', at: next }
        if (fromLink || !create) return { problem: fromLink ? 'dangling' : 'missing', at: next, via }
        this.create(next, MADE_DIR)
        cur = next
        continue
      }
      if (kind === FILE) return { problem: 'not-directory', at: next, via }
      if (++hops > MAX_HOPS) return { problem: 'loop', at: next, via }
      const target = this.links.get(next)
      if (target === undefined) return { problem: 'unknown', at: next }
      via = `${abs(next)} -> ${target}`
      if (target.startsWith('/')) return { problem: 'outside', at: next, via }
      const parts = target.split('/')
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!)
      linked += parts.length
    }
    return create ? this.remember(dir, cur) : cur
  }

  private remember(dir: string, canon: string): string {
    this.lastDir = dir
    this.lastCanon = canon
    return canon
  }

  private problem(path: string, reached: Failed): void {
    const { problem, at, via } = reached
    const through = via ? ` (through ${via})` : ''
    switch (problem) {
      case 'unknown':
        return void this.unverified++
      case 'outside':
        return void this.lists.outside.add(path, `through ${via ?? '..'}`)
      case 'not-directory':
        return void this.lists.parent.add(path, `${abs(at)} is a regular file${through}`)
      case 'loop':
        return void this.lists.parent.add(path, `${abs(at)} is a symlink loop`)
      default:
        return void this.lists.parent.add(path, `${abs(at)} does not exist (yet)${through}`)
    }
  }
}

/**
 * The path as filepath.Join cleans it (`a/./b`, `a//b`), or undefined when it has a `..` component:
 * archiver refuses those that leave the target, GNU tar all of them.
 */
export function cleanPath(path: string): string | undefined {
  // Most paths have no component starting with "." and no "//": nothing to clean.
  if (path.charCodeAt(0) !== 0x2e && !path.includes('/.') && !path.includes('//')) return path
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  return parts.includes('..') ? undefined : parts.join('/')
}

function what(kind: number): string {
  return kind === FILE ? 'a regular file' : kind === SYMLINK ? 'a symlink' : 'a directory'
}

function kindName(type: ContractEntry['type']): string {
  return type === 'file' ? 'a regular file' : type === 'link' ? 'a hard link' : `a ${type}`
}

const FLAGS: Record<string, string> = {
  S: 'an old GNU sparse file',
  '7': 'a contiguous file',
  D: 'a GNU directory dump',
  V: 'a GNU volume label',
  M: 'a GNU multi-volume continuation',
  N: 'an old GNU long name',
}

function flagName(flag: string | undefined): string {
  const shown =
    flag === undefined ? '?' : /^[\x21-\x7e]$/.test(flag) ? flag : `\\x${flag.charCodeAt(0).toString(16)}`
  return `type '${shown}'${FLAGS[flag ?? ''] ? `, ${FLAGS[flag!]}` : ''}`
}
