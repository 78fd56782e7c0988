import semver from 'semver'
import { InputError } from '../util/errors.ts'

/**
 * Versions as metal-stack reads them: an image id is `<os>-<major>.<minor>.<patch>`, split at its last
 * "-" (metal-api), the patch is a build date YYYYMMDD, and versions order by semver precedence, parsed
 * leniently (a leading zero in the minor, as in 20.04, is allowed and means 4).
 */
export interface ImageVersion {
  /** <major>.<minor>.<YYYYMMDD> with the minor as written: 24.04.20261125; a bare major means .0. */
  version: string
  /** The same, normalised to semver: 24.4.20261125. */
  semver: string
  /** <os-name>-<version>, e.g. ubuntu-24.04.20261125. */
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

export function imageVersion(osName: string, osVersion: string, date: string): ImageVersion {
  const [major, minor = '0'] = osVersion.split('.')
  const version = `${major}.${minor}.${date}`
  return { version, semver: semver.parse(version, LOOSE)!.version, imageId: `${osName}-${version}`, date }
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
