import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'

/**
 * Who a temporary file, an upload or a lock belongs to, written into its name (or the lock's body), so
 * that a later run can tell a dead run's leftovers from a live run's work without asking anyone:
 * - on the same machine (same boot and process namespace) a run is alive exactly while its process is,
 *   told by the pid and the process's start time (a recycled pid has another);
 * - elsewhere, by the expiry in the name: a run never lives past it (upload-timeout is a hard ceiling on
 *   a bucket), plus a margin for clocks that disagree a little.
 */
export interface Owner {
  /** Hash of the host name, boot id and pid namespace: "the same machine" for pid checks. */
  host: string
  pid: number
  /** The process's start time in clock ticks since boot (Linux), or 0 where it is unknown. */
  start: number
  /** Epoch seconds after which the run is certainly gone. */
  expires: number
  rand: string
}

/** How much a clock elsewhere may be ahead of ours before we would take a live run's files for dead. */
export const CLOCK_MARGIN_S = 120

let machine: string | undefined

/** This machine, as far as pids are comparable: host name, boot and pid namespace. */
export function thisHost(): string {
  machine ??= createHash('sha256')
    .update([hostname(), readOr('/proc/sys/kernel/random/boot_id'), linkOr('/proc/self/ns/pid')].join('\0'))
    .digest('hex')
    .slice(0, 8)
  return machine
}

/** An owner for this process that expires `lifetimeMs` from now. */
export function newOwner(lifetimeMs: number): Owner {
  return {
    host: thisHost(),
    pid: process.pid,
    start: startTime(process.pid) ?? 0,
    expires: Math.ceil((Date.now() + lifetimeMs) / 1000),
    rand: randomBytes(3).toString('hex'),
  }
}

/** `mi-<host>-<pid>-<start>-<expires>-<rand>`, base 36 where it is a number: no dots, safe in any name. */
export function ownerTag(o: Owner): string {
  return ['mi', o.host, o.pid.toString(36), o.start.toString(36), o.expires.toString(36), o.rand].join('-')
}

const TAG = /^mi-([0-9a-f]{8})-([0-9a-z]+)-([0-9a-z]+)-([0-9a-z]+)-([0-9a-f]+)$/

export function parseOwnerTag(tag: string): Owner | undefined {
  const m = TAG.exec(tag)
  if (!m) return undefined
  return {
    host: m[1]!,
    pid: parseInt(m[2]!, 36),
    start: parseInt(m[3]!, 36),
    expires: parseInt(m[4]!, 36),
    rand: m[5]!,
  }
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.host === b.host && a.pid === b.pid && a.start === b.start && a.rand === b.rand
}

/** Whether the owner may still be running (true when that cannot be ruled out). */
export function mayBeAlive(o: Owner, nowMs = Date.now()): boolean {
  if (o.host === thisHost()) return processAlive(o.pid, o.start)
  return nowMs / 1000 <= o.expires + CLOCK_MARGIN_S
}

/** Whether the process `pid`, started at `start` (ticks; 0: unknown), is running on this machine. */
export function processAlive(pid: number, start: number): boolean {
  if (pid === process.pid) return start === 0 || start === (startTime(pid) ?? 0)
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  const now = startTime(pid)
  if (now === undefined) {
    // No /proc (not Linux) or it just went away: a zombie or a gone process reads as not there.
    return start === 0 && !isZombie(pid)
  }
  return start === 0 || now === start
}

/**
 * What a temporary name says: `.<name>.<tag>.<kind>` beside the final name. `partial`: staged content
 * (a file, an object); `previous`: an earlier file kept aside during a commit; `upload`: an S3 multipart
 * upload's id (the upload itself has the final name as its key).
 */
export type TempKind = 'partial' | 'previous' | 'upload'

export function tempName(path: string, owner: Owner, kind: TempKind): string {
  const slash = path.lastIndexOf('/')
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${ownerTag(owner)}.${kind}`
}

/** The final name, owner and kind of a temporary file's base name; undefined for any other name. */
export function parseTempName(base: string): { name: string; owner: Owner; kind: TempKind } | undefined {
  const m = /^\.(.+)\.(mi-[^.]+)\.(partial|previous|upload)$/.exec(base)
  if (!m) return undefined
  const owner = parseOwnerTag(m[2]!)
  return owner ? { name: m[1]!, owner, kind: m[3] as TempKind } : undefined
}

/**
 * Temporary names of earlier releases of this tool, which carry no owner (`.img.tar.lz4.<pid>-<hex>.partial`
 * locally, `img.tar.lz4.<hex>.partial` on buckets): removed once they are a day old.
 */
export function isLegacyTemp(base: string): boolean {
  return /^\.?[a-z0-9.]+\.(\d+-)?[0-9a-f]{8}\.partial$/.test(base) || /^\.probe\.\d+-[0-9a-f]{8}$/.test(base)
}

export const LEGACY_TEMP_AGE_MS = 24 * 3600_000

function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z') return undefined
    return Number(fields[19])
  } catch {
    return undefined
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return ''
  }
}

function linkOr(path: string): string {
  try {
    return readlinkSync(path)
  } catch {
    return ''
  }
}
