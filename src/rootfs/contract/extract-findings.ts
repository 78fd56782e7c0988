import type { ContractCheckId, ContractFinding, ContractLevel } from './checks.ts'
import { abs, brokenWhy, type BrokenLink, type Listed } from './tree.ts'

export interface Limits {
  /** Paths kept (8 bytes a slot, at most half the slots full). */
  paths: number
  /** Symlink targets kept (strings), and their characters with their paths'. */
  links: number
  linkBytes: number
  /** Components one walk through the tree may take (symlinks followed), and characters all walks may. */
  steps: number
  walked: number
  /** Hard links waiting for a target that is not there yet. */
  pending: number
}
/** The findings gathered, one list per rule (see extract-findings.ts). */
export interface ExtractionLists {
  unknownType: Listed
  dotdot: Listed
  parent: Listed
  outside: Listed
  exists: Listed
  through: Listed
  hardLinks: Listed
  brokenLinks: Map<string, BrokenLink>
  mountPoint: Listed
  procSys: Listed
  procSysDirs: Listed
  liveDev: Listed
  tmp: Listed
  special: Listed
}

/** The findings of the extraction checks (extract.ts), one per rule and level, each listing the first entries. */
export function extractionFindings(
  out: ContractFinding[],
  lists: ExtractionLists,
  limits: Limits,
  unverified: number,
): void {
  const many = (id: ContractCheckId, level: ContractLevel, listed: Listed, what: What, why: string) =>
    report(out, id, level, listed, what, why)
  many(
    'tar-type',
    'error',
    lists.unknownType,
    'of a type archiver v2.1.0 does not know',
    'metal-hammer\'s install fails at the first ("unknown type flag")',
  )
  many(
    'dotdot-path',
    'error',
    lists.dotdot,
    'with ".." in their names',
    'archiver refuses those that leave the image ("illegal file path"), GNU tar skips them all',
  )
  many(
    'parent-path',
    'error',
    lists.parent,
    'under a path that is no directory when extraction reaches them',
    "archiver's MkdirAll fails there, and the install with it",
  )
  many(
    'outside-root',
    'error',
    lists.outside,
    'written through an absolute symlink (or one climbing above /)',
    "archiver follows it on metal-hammer's own root: the file lands outside the image, or the install fails",
  )
  many(
    'path-exists',
    'error',
    lists.exists,
    'where an earlier entry already is',
    'os.Symlink, os.Link and os.Create fail there, and the install with them',
  )
  many(
    'path-exists',
    'warning',
    lists.through,
    'written through a symlink an earlier entry made',
    'archiver keeps the symlink and writes its target, GNU tar replaces the symlink',
  )
  const links = lists.hardLinks
  if (links.count > 0) {
    for (const [path, link] of lists.brokenLinks)
      links.first.set(path, `to ${abs(link.target)}, ${brokenWhy(link)}`)
    many(
      'hardlink-target',
      'error',
      links,
      ['is a hard link to no file extracted before it', 'are hard links to no file extracted before them'],
      'os.Link fails, and the install with it',
    )
  }
  many(
    'mount-point',
    'error',
    lists.mountPoint,
    [
      'is not what metal-hammer made at its path before extracting',
      'are not what metal-hammer made at their path before extracting',
    ],
    'it makes /proc, /sys, /tmp, /dev, /etc and /etc/metal as directories and writes /etc/metal/disk.json; os.Symlink, os.Link and os.Create fail on them',
  )
  many(
    'proc-sys',
    'error',
    lists.procSys,
    'under /proc or /sys',
    'metal-hammer has procfs and sysfs mounted there while extracting; they refuse new files and mode changes, and the install fails',
  )
  many(
    'proc-sys',
    'warning',
    lists.procSysDirs,
    ['is a directory under /proc or /sys', 'are directories under /proc or /sys'],
    'made only where the live procfs or sysfs has them; elsewhere the install fails',
  )
  many(
    'live-dev',
    'warning',
    lists.liveDev,
    ["under /dev lands on the installer's live /dev", "under /dev land on the installer's live /dev"],
    "metal-hammer binds it there before extracting: a device node there is opened and chmod-ed to the entry's mode, other files are lost with the installer, a symlink fails where the live /dev has the name",
  )
  many(
    'tmp-vanishes',
    'warning',
    lists.tmp,
    'under /tmp',
    'they land in the tmpfs metal-hammer mounts there while extracting, and are gone after the install',
  )
  many(
    'special-file',
    'warning',
    lists.special,
    ['is a device node or FIFO outside /dev', 'are device nodes or FIFOs outside /dev'],
    'archiver writes them as empty regular files',
  )
  if (unverified > 0)
    out.push({
      id: 'extract-unverified',
      level: 'warning',
      message: `${unverified} ${unverified === 1 ? 'entry was' : 'entries were'} not fully checked for extraction: the checks keep up to ${limits.paths} paths, ${limits.links} symlink targets (${limits.linkBytes >> 20} MiB) and ${limits.pending} hard links waiting for a target, and follow up to ${limits.steps} components a path (${limits.walked >> 20} Mi characters in all), and this rootfs needs more`,
      count: unverified,
    })
}

/** What the entries are: one text for both counts, or one for a single entry and one for several. */
type What = string | [one: string, many: string]

function report(
  out: ContractFinding[],
  id: ContractCheckId,
  level: ContractLevel,
  listed: Listed,
  what: What,
  why: string,
): void {
  if (listed.count === 0) return
  const paths = [...listed.first.keys()]
  const shown = [...listed.first]
    .slice(0, 3)
    .map(([path, detail]) => (detail ? `${abs(path)} (${detail})` : abs(path)))
    .join(', ')
  const more = listed.count > 3 ? `, and ${listed.count - 3} more` : ''
  const subject = listed.count === 1 ? '1 entry' : `${listed.count} entries`
  const verb = typeof what === 'string' ? what : what[listed.count === 1 ? 0 : 1]
  out.push({
    id,
    level,
    message: `${subject} ${verb}: ${shown}${more}; ${why}`,
    path: abs(paths[0]!),
    count: listed.count,
    paths: paths.map(abs),
  })
}
