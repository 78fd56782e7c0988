import { InputError } from '../util/errors.ts'

/** The parts of a workflow run that decide where its images go. */
export interface RunContext {
  eventName: string
  /** refs/heads/<branch>, refs/tags/<tag>, refs/pull/<n>/merge */
  ref: string
  defaultBranch: string | undefined
  pullRequest: { number: number; headRef: string } | undefined
  releaseTag: string | undefined
}

/**
 * The channel a run publishes to, as metal-images lays out its bucket: the default branch is `stable`,
 * a pull request `pull_requests/<number>-<head branch, last path part>`, a release or tag its tag, any
 * other branch its name made path-safe. Outside GitHub Actions there is no channel segment.
 */
export function deriveChannel(run: RunContext | undefined): string {
  if (!run) return ''
  if (run.pullRequest) {
    const branch = run.pullRequest.headRef.split('/').filter(Boolean).at(-1) ?? ''
    return `pull_requests/${run.pullRequest.number}${branch ? `-${pathSafe(branch)}` : ''}`
  }
  if (run.releaseTag) return pathSafe(run.releaseTag)
  if (run.ref.startsWith('refs/tags/')) return pathSafe(run.ref.slice('refs/tags/'.length))
  if (run.ref.startsWith('refs/heads/')) {
    const branch = run.ref.slice('refs/heads/'.length)
    return branch === run.defaultBranch ? 'stable' : pathSafe(branch)
  }
  return ''
}

/** A name as one folder name: anything but letters, digits, ".", "_" and "-" becomes "-". */
export function pathSafe(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .replace(/\.\.+/g, '.')
  return safe === '' ? '-' : safe
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

/**
 * Splits a channel given as an input into folder names, refusing anything that could leave the
 * destination or make an odd key in a bucket: `..`, absolute paths, empty segments, unsafe characters.
 */
export function channelSegments(channel: string, input = 'channel'): string[] {
  if (channel === '') return []
  const segments = channel.split('/')
  for (const segment of segments) {
    // A folder name longer than NAME_MAX (255) cannot be made; the whole stays well within PATH_MAX.
    if (!SEGMENT.test(segment) || segment.includes('..') || segment.length > 255 || channel.length > 1024)
      throw new InputError(
        input,
        channel,
        'expected folder names of letters, digits, ".", "_" and "-" separated by "/" (no "..", no leading or double "/"), each at most 255 characters, 1024 in all',
      )
  }
  return segments
}
