import semver from 'semver'
import { InputError } from '../util/errors.ts'

/**
 * Versions as metal-stack reads them: an image id is `<os>-<major>.<minor>.<patch>`, split at its last
 * "-" (metal-api), the patch is a build date YYYYMMDD, and versions order by semver precedence, parsed
 * leniently (a leading zero in the minor, as in 20.04, is allowed and means 4).
 */
export interface ImageVersion {
  /** <major>.<minor>.<YYYYMMDD> (26.4.20261125; a bare major means .0), or three numbers as given. */
  version: string
  /** The same as semver prints it. */
  semver: string
  /** <os>-<version>, e.g. ubuntu-26.4.20261125, firewall-ubuntu-3.0.20261125, capms-ubuntu-1.32.9. */
  imageId: string
  /** The patch: the build date, YYYYMMDD. */
  date: string
}

const LOOSE = { loose: true }

/** YYYYMMDD of an instant, in UTC: the day a build is dated by wherever it runs. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '')
}

/** Checks that YYYYMMDD names a real calendar day (20280229 yes, 20270229 no). */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date)
  if (!m) return false
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const at = new Date(Date.UTC(year, month - 1, day))
  return (
    year >= 1970 && at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day
  )
}

/**
 * An os-version as metal-images names its folders: one to three numbers, then optionally words that
 * belong to the OS name (`13`, `26.04`, `3.0-ubuntu`, `1.32.9`).
 */
export const OS_VERSION = /^(0|[1-9]\d{0,8})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?((?:-[a-z][a-z0-9]*)*)$/

/**
 * The version and id of a build, as metal-lib parses ids (`GetOsAndSemverFromImage`: the OS before the
 * last "-", a semver after it, at most three numbers):
 * - `13` -> `13.0.<date>`; `26.04` -> `26.4.<date>`: the date is the patch, so a later build sorts higher;
 *   numbers lose leading zeros, which metal-lib's semver parser refused for a while (metal-stack asked
 *   operators to rename `ubuntu-24.04.x` to `ubuntu-24.4.x`); the folder keeps the name as written;
 * - `3.0-ubuntu` (metal-images' firewall folder) -> OS `<os-name>-ubuntu`, version `3.0.<date>`:
 *   `firewall-ubuntu-3.0.20261204`, the id metal-stack uses for it;
 * - `1.32.9` (a Kubernetes version: capms-ubuntu) -> `1.32.9` without a date: semver has no room for a
 *   fourth number, and metal-stack names these images by the Kubernetes version alone
 *   (`capms-ubuntu-1.32.9`), so a rebuild replaces the same id.
 * `imageName` replaces the OS part of the id.
 */
export function imageVersion(osName: string, osVersion: string, date: string, imageName = ''): ImageVersion {
  const m = OS_VERSION.exec(osVersion)
  if (!m) throw new Error(`internal: os-version ${osVersion} was not checked`)
  const numbers = [m[1]!, m[2], m[3]].filter((n) => n !== undefined).map((n) => String(Number(n)))
  const suffix = m[4]!.slice(1)
  const version =
    numbers.length === 3
      ? numbers.join('.')
      : [...numbers, ...(numbers.length === 1 ? ['0'] : []), date].join('.')
  const os = imageName || (suffix ? `${osName}-${suffix}` : osName)
  return { version, semver: semver.parse(version, LOOSE)!.version, imageId: `${os}-${version}`, date }
}

/** Whether the version of an os-version carries the build date (not for three numbers such as 1.32.9). */
export function datedVersion(osVersion: string): boolean {
  return OS_VERSION.exec(osVersion)?.[3] === undefined
}

/** metal-api's reading of an id: the OS before the last "-", a lenient semver after it. */
export function parseImageId(id: string): { os: string; version: string } | undefined {
  const dash = id.lastIndexOf('-')
  if (dash <= 0) return undefined
  const version = id.slice(dash + 1)
  return semver.valid(version, LOOSE) ? { os: id.slice(0, dash), version } : undefined
}

export function isVersion(v: string): boolean {
  return semver.valid(v, LOOSE) !== null
}

export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b, LOOSE)
}

/** Image ids in the order metal-api picks them: by OS, then by semver precedence, newest last. */
export function sortImageIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const pa = parseImageId(a)
    const pb = parseImageId(b)
    if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b)
    return pa.os === pb.os ? compareVersions(pa.version, pb.version) : pa.os < pb.os ? -1 : 1
  })
}

/** Whether two versions share major and minor, the way `ubuntu-20.04` matches `20.4.x`. */
export function sameMajorMinor(a: string, b: string): boolean {
  const pa = semver.parse(a, LOOSE)
  const pb = semver.parse(b, LOOSE)
  return !!pa && !!pb && pa.major === pb.major && pa.minor === pb.minor
}

export type OnConflict = 'fail' | 'overwrite' | 'skip'

export interface VersionDecision {
  action: 'publish' | 'overwrite' | 'skip'
  /** The newest version that already exists for this major.minor, if any. */
  previous: string | undefined
}

/**
 * What to do with a build, given the versions that exist for its major.minor. metal-api resolves
 * `os-major.minor` to the newest patch, so publishing a lower version than an existing one would never
 * be picked; a second build of the same day is what `on-conflict` decides.
 */
export function decideVersion(
  candidate: ImageVersion,
  existing: string[],
  onConflict: OnConflict,
): VersionDecision {
  const relevant = existing.filter((v) => semver.valid(v, LOOSE) && sameMajorMinor(v, candidate.version))
  const newest = relevant.sort(compareVersions).at(-1)
  if (newest && compareVersions(candidate.version, newest) < 0)
    throw new InputError(
      'date',
      candidate.date,
      `version ${candidate.version} would be lower than ${newest}, which already exists: metal-api would never pick it (use a later date)`,
    )
  if (!relevant.some((v) => compareVersions(v, candidate.version) === 0))
    return { action: 'publish', previous: newest }
  if (onConflict === 'fail')
    throw new InputError(
      'on-conflict',
      onConflict,
      `version ${candidate.version} already exists: set on-conflict to overwrite to replace it, or skip to keep it`,
    )
  return { action: onConflict, previous: newest }
}

/**
 * The next release tag in metal-images' form, a date YYYYMMDD: today's, unless a tag of today or later
 * exists, then the day after the newest (tags must be unique and increasing).
 */
export function nextReleaseTag(today: string, tags: string[]): string {
  const dates = tags.filter(isCalendarDate).sort()
  const newest = dates.at(-1)
  if (!newest || newest < today) return today
  const [y, m, d] = [newest.slice(0, 4), newest.slice(4, 6), newest.slice(6, 8)].map(Number)
  return utcDate(new Date(Date.UTC(y!, m! - 1, d! + 1)))
}
