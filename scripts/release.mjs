#!/usr/bin/env node
// The steps of .github/workflows/release.yml that decide something, runnable locally as a dry run:
//
//   node scripts/release.mjs notes v1.2.3   the release notes: CHANGELOG.md's section for 1.2.3
//   node scripts/release.mjs plan v1.2.3    what releasing v1.2.3 does (the commit, the notes, which tags
//                                           move where); fails when it must not happen
//
// Options: --changelog FILE (default: CHANGELOG.md at the top of the repository), --main REF (the branch a
// release must be on; default origin/main, else main), --at REV (the commit when the tag does not exist
// yet, for a dry run before tagging; default HEAD), --output FILE (plan: also append commit=, latest= and
// major-tag= lines for the workflow, e.g. "$GITHUB_OUTPUT"). Runs on any Node >= 20, with git.
import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export class ReleaseError extends Error {}

const TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/

/** vX.Y.Z -> its parts; anything else (v1.2, 1.2.3, v1.2.3-rc.1, v01.2.3) is not a release tag. */
export function parseTag(tag) {
  const m = TAG.exec(tag ?? '')
  if (!m)
    throw new ReleaseError(
      `malformed version tag "${tag ?? ''}": a release tag is v<major>.<minor>.<patch>, e.g. v1.2.3`,
    )
  const [major, minor, patch] = m.slice(1).map(Number)
  return { tag, version: `${major}.${minor}.${patch}`, major, minor, patch }
}

const compare = (a, b) => a.major - b.major || a.minor - b.minor || a.patch - b.patch

/** `## [1.2.3] - 2026-12-04` (brackets and date as Keep a Changelog writes them), `## [Unreleased]`. */
const HEADING = /^##\s+\[?([^\]\s]+)\]?(?:\s+-\s+(\S+))?(.*)$/
const LINK_DEFINITION = /^\[[^\]]+\]:\s+\S+\s*$/

/** The version sections of a Keep a Changelog file, in file order: { version, date, notes }. */
export function changelogSections(text) {
  const sections = []
  let current
  for (const line of text.replaceAll('\r\n', '\n').split('\n')) {
    const m = /^## /.test(line) ? HEADING.exec(line) : null
    if (m) {
      current = { version: m[1], date: m[2], lines: [] }
      sections.push(current)
    } else if (/^# /.test(line)) current = undefined
    else if (current && !LINK_DEFINITION.test(line)) current.lines.push(line)
  }
  return sections.map(({ version, date, lines }) => ({ version, date, notes: lines.join('\n').trim() }))
}

/** The release notes of a version: its CHANGELOG section without the heading. */
export function releaseNotes(changelog, version) {
  const sections = changelogSections(changelog)
  const section = sections.find((s) => s.version === version)
  if (!section) {
    const known = sections.map((s) => s.version).filter((v) => v.toLowerCase() !== 'unreleased')
    throw new ReleaseError(
      `CHANGELOG.md has no section for ${version} (it has ${known.length > 0 ? known.join(', ') : 'none'}): ` +
        `add "## [${version}] - YYYY-MM-DD" with the changes, usually by renaming the Unreleased section`,
    )
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(section.date ?? ''))
    throw new ReleaseError(
      `CHANGELOG.md's heading for ${version} has no release date: "## [${version}] - YYYY-MM-DD"`,
    )
  if (section.notes === '') throw new ReleaseError(`CHANGELOG.md's section for ${version} is empty`)
  return section.notes
}

/** git in one repository; undefined where git has no answer (an unknown ref). */
export function gitIn(dir) {
  const git = (...args) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  const maybe = (...args) => {
    try {
      return git(...args)
    } catch {
      return undefined
    }
  }
  return {
    toplevel: () => git('rev-parse', '--show-toplevel'),
    commitOf: (ref) => maybe('rev-parse', '--verify', '--quiet', `${ref}^{commit}`),
    isAncestor: (commit, ref) => maybe('merge-base', '--is-ancestor', commit, ref) !== undefined,
    fileAt: (commit, path) => maybe('show', `${commit}:${path}`),
    tags: () => (maybe('tag', '--list', 'v*') ?? '').split('\n').filter(Boolean),
  }
}

/**
 * What releasing `tag` does, or a ReleaseError saying why it must not happen: a malformed tag, a version
 * CHANGELOG.md lacks, a commit not on main's history, package.json saying another version. The major tag
 * moves to the release unless a newer release of that major exists (a fix to an older minor), and the
 * release is GitHub's "latest" only when no newer release exists at all.
 */
export function planRelease({ tag, changelog, git, main, at = 'HEAD' }) {
  const release = parseTag(tag)
  const notes = releaseNotes(changelog, release.version)

  const tagged = git.commitOf(`refs/tags/${tag}`)
  const commit = tagged ?? git.commitOf(at)
  if (!commit) throw new ReleaseError(`neither the tag ${tag} nor ${at} is a commit here`)

  const mainRef = main ?? ['origin/main', 'main'].find((ref) => git.commitOf(ref))
  if (!mainRef || !git.commitOf(mainRef))
    throw new ReleaseError(
      `cannot check that ${tag} is on main: no ${main ?? 'origin/main or main'} here (fetch it, or pass --main REF)`,
    )
  if (!git.isAncestor(commit, mainRef))
    throw new ReleaseError(
      `${tag} (${commit.slice(0, 12)}) is not on the history of ${mainRef}: releases are made from main`,
    )

  const manifest = git.fileAt(commit, 'package.json')
  const packageVersion = manifest === undefined ? undefined : JSON.parse(manifest).version
  if (packageVersion !== release.version)
    throw new ReleaseError(
      `package.json at ${commit.slice(0, 12)} says version ${packageVersion ?? '(none)'}, the tag ${tag}: ` +
        `set "version": "${release.version}" (npm version ${release.version} --no-git-tag-version) before tagging`,
    )

  const others = git
    .tags()
    .filter((t) => t !== tag && TAG.test(t))
    .map(parseTag)
  const newer = others.filter((o) => compare(o, release) > 0).sort(compare)
  const newerInMajor = newer.filter((o) => o.major === release.major)
  const majorTag = `v${release.major}`
  const majorAt = git.commitOf(`refs/tags/${majorTag}`)
  return {
    tag,
    version: release.version,
    commit,
    tagged: tagged !== undefined,
    at,
    mainRef,
    notes,
    latest: newer.length === 0,
    newest: newer.at(-1)?.tag,
    major: newerInMajor.length === 0 ? { tag: majorTag, from: majorAt, to: commit } : undefined,
    majorStays: newerInMajor.length === 0 ? undefined : { tag: majorTag, newer: newerInMajor.at(-1).tag },
  }
}

export function formatPlan(plan) {
  const short = (sha) => sha.slice(0, 12)
  const lines = [
    `Release ${plan.tag}`,
    `  commit    ${plan.commit}${plan.tagged ? ` (tag ${plan.tag})` : ` (${plan.at}: the tag ${plan.tag} does not exist yet)`}`,
    `  checks    the version is well-formed, on the history of ${plan.mainRef}, and package.json says ${plan.version}`,
    `  notes     CHANGELOG.md's section for ${plan.version}, ${plan.notes.split('\n').length} lines (node scripts/release.mjs notes ${plan.tag})`,
    `  release   gh release create ${plan.tag} --verify-tag --title ${plan.tag} --latest=${plan.latest}` +
      (plan.latest ? '' : ` (${plan.newest} is newer)`),
  ]
  if (plan.major)
    lines.push(
      `  move      ${plan.major.tag}: ${plan.major.from ? `${short(plan.major.from)} -> ` : 'new, at '}${short(plan.major.to)}` +
        (plan.major.from === plan.major.to ? ' (already there)' : ''),
    )
  else lines.push(`  keep      ${plan.majorStays.tag} at ${plan.majorStays.newer}, which is newer`)
  return lines.join('\n') + '\n'
}

/** key=value lines for $GITHUB_OUTPUT. */
export function planOutputs(plan) {
  return `commit=${plan.commit}\nlatest=${plan.latest}\nmajor-tag=${plan.major?.tag ?? ''}\n`
}

function parseArgs(argv) {
  const [command, tag, ...rest] = argv
  const options = {}
  for (let i = 0; i < rest.length; i++) {
    const m = /^--(changelog|main|at|output)(?:=(.*))?$/.exec(rest[i])
    if (!m) throw new ReleaseError(`unknown argument ${rest[i]}`)
    const value = m[2] ?? rest[++i]
    if (value === undefined) throw new ReleaseError(`--${m[1]} needs a value`)
    options[m[1]] = value
  }
  return { command, tag, options }
}

export function main(argv, { cwd = process.cwd(), stdout = process.stdout } = {}) {
  const { command, tag, options } = parseArgs(argv)
  if (command !== 'notes' && command !== 'plan')
    throw new ReleaseError(
      'usage: node scripts/release.mjs notes|plan vX.Y.Z [--changelog FILE] [--main REF] ...',
    )
  const git = gitIn(cwd)
  const changelog = readFileSync(options.changelog ?? join(git.toplevel(), 'CHANGELOG.md'), 'utf8')
  if (command === 'notes') {
    stdout.write(releaseNotes(changelog, parseTag(tag).version) + '\n')
    return
  }
  const plan = planRelease({ tag, changelog, git, main: options.main, at: options.at })
  stdout.write(formatPlan(plan))
  if (options.output) appendFileSync(options.output, planOutputs(plan))
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof ReleaseError)) throw err
    process.stderr.write(`release: ${err.message}\n`)
    process.exit(1)
  }
}
