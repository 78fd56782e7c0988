// Types of scripts/release.mjs, for the tests that import it.

export class ReleaseError extends Error {}

export interface ReleaseTag {
  tag: string
  version: string
  major: number
  minor: number
  patch: number
}

export interface ChangelogSection {
  version: string
  date: string | undefined
  notes: string
}

export interface Git {
  toplevel(): string
  commitOf(ref: string): string | undefined
  isAncestor(commit: string, ref: string): boolean
  fileAt(commit: string, path: string): string | undefined
  tags(): string[]
}

export interface ReleasePlan {
  tag: string
  version: string
  commit: string
  /** The tag exists; otherwise the commit is `at`. */
  tagged: boolean
  at: string
  mainRef: string
  notes: string
  /** GitHub's "latest" release: no newer vX.Y.Z tag exists. */
  latest: boolean
  newest: string | undefined
  /** The major tag moves (or is created) unless a newer release of the major exists. */
  major: { tag: string; from: string | undefined; to: string } | undefined
  majorStays: { tag: string; newer: string } | undefined
}

export function parseTag(tag: string): ReleaseTag
export function changelogSections(text: string): ChangelogSection[]
export function releaseNotes(changelog: string, version: string): string
export function gitIn(dir: string): Git
export function planRelease(options: {
  tag: string
  changelog: string
  git: Git
  main?: string | undefined
  at?: string
}): ReleasePlan
export function formatPlan(plan: ReleasePlan): string
export function planOutputs(plan: ReleasePlan): string
export function main(argv: string[], io?: { cwd?: string; stdout?: { write(text: string): unknown } }): void
