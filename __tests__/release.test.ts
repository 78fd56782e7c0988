import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import {
  changelogSections,
  formatPlan,
  gitIn,
  parseTag,
  planOutputs,
  planRelease,
  releaseNotes,
} from '../scripts/release.mjs'

/**
 * scripts/release.mjs, the decisions of .github/workflows/release.yml (issue 19): the notes a release gets
 * from CHANGELOG.md, which tags move where, and the releases it refuses. Plans run against real git
 * repositories made here.
 */

const root = resolve(import.meta.dirname, '..')
const script = join(root, 'scripts', 'release.mjs')

const SAMPLE = `# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

### Fixed

- Something not released yet.

## [1.1.0] - 2026-12-20

### Added

- A flag.
- Another, over
  two lines.

### Fixed

- A bug.

## [1.0.1] - 2026-12-10

### Fixed

- The first bug.

## [1.0.0] - 2026-12-01

The first release.

## [0.9.0]

Never dated.

## [0.8.0] - 2026-11-01

[unreleased]: https://github.com/metal-stack/metal-image-action/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/metal-stack/metal-image-action/compare/v1.0.1...v1.1.0
[1.0.0]: https://github.com/metal-stack/metal-image-action/releases/tag/v1.0.0
`

describe('parseTag', () => {
  test.each([
    ['v0.1.0', '0.1.0', 0],
    ['v1.2.3', '1.2.3', 1],
    ['v10.0.20', '10.0.20', 10],
  ])('%s is version %s, major %i', (tag, version, major) => {
    expect(parseTag(tag)).toMatchObject({ tag, version, major })
  })

  test.each(['1.2.3', 'v1.2', 'v1', 'v1.2.3-rc.1', 'v1.2.3+build', 'v01.2.3', 'v1.2.3 ', 'V1.2.3', ''])(
    '%j is malformed',
    (tag) => {
      expect(() => parseTag(tag)).toThrow(/malformed version tag/)
    },
  )
})

describe('release notes from CHANGELOG.md', () => {
  test("a version's section, subsections kept, without its heading or the link definitions", () => {
    expect(releaseNotes(SAMPLE, '1.1.0')).toBe(
      '### Added\n\n- A flag.\n- Another, over\n  two lines.\n\n### Fixed\n\n- A bug.',
    )
    expect(releaseNotes(SAMPLE, '1.0.0')).toBe('The first release.')
  })

  test('the sections in file order, Unreleased included', () => {
    expect(changelogSections(SAMPLE).map((s) => [s.version, s.date])).toEqual([
      ['Unreleased', undefined],
      ['1.1.0', '2026-12-20'],
      ['1.0.1', '2026-12-10'],
      ['1.0.0', '2026-12-01'],
      ['0.9.0', undefined],
      ['0.8.0', '2026-11-01'],
    ])
  })

  test.each([
    ['1.2.0', /no section for 1\.2\.0 \(it has 1\.1\.0, 1\.0\.1, 1\.0\.0, 0\.9\.0, 0\.8\.0\)/],
    ['0.9.0', /heading for 0\.9\.0 has no release date/],
    ['0.8.0', /section for 0\.8\.0 is empty/],
  ])('%s: refused', (version, message) => {
    expect(() => releaseNotes(SAMPLE, version)).toThrow(message)
  })

  test("this repository's CHANGELOG.md has notes for package.json's version", () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
    const notes = releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version)
    expect(notes).toMatch(/^### Added$/m)
  })
})

/** A git repository with a history on main, made with the real git. */
function repository() {
  const dir = mkdtempSync(join(tmpdir(), 'release-'))
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim()
  git('init', '--quiet', '--initial-branch=main')
  /** A commit whose package.json says `version`; returns its SHA. */
  const commit = (version: string) => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version }) + '\n')
    writeFileSync(join(dir, 'CHANGELOG.md'), SAMPLE)
    git('add', '.')
    git('commit', '--quiet', '-m', `version ${version}`)
    return git('rev-parse', 'HEAD')
  }
  return { dir, git, commit, env }
}

describe('the tag plan', () => {
  test('a new minor on main: the major tag moves from the previous release to it, latest', () => {
    const repo = repository()
    const first = repo.commit('1.0.1')
    repo.git('tag', 'v1.0.1')
    repo.git('tag', 'v1')
    const second = repo.commit('1.1.0')
    repo.git('tag', 'v1.1.0')
    const plan = planRelease({ tag: 'v1.1.0', changelog: SAMPLE, git: gitIn(repo.dir) })
    expect(plan).toMatchObject({
      version: '1.1.0',
      commit: second,
      tagged: true,
      mainRef: 'main',
      latest: true,
      major: { tag: 'v1', from: first, to: second },
    })
    expect(plan.notes).toBe(releaseNotes(SAMPLE, '1.1.0'))
    expect(formatPlan(plan)).toContain(`move      v1: ${first.slice(0, 12)} -> ${second.slice(0, 12)}`)
    expect(planOutputs(plan)).toBe(`commit=${second}\nlatest=true\nmajor-tag=v1\n`)
  })

  test('the first release of a major creates its tag', () => {
    const repo = repository()
    const head = repo.commit('1.0.0')
    repo.git('tag', 'v1.0.0')
    const plan = planRelease({ tag: 'v1.0.0', changelog: SAMPLE, git: gitIn(repo.dir) })
    expect(plan.major).toEqual({ tag: 'v1', from: undefined, to: head })
    expect(formatPlan(plan)).toContain(`move      v1: new, at ${head.slice(0, 12)}`)
  })

  test('a fix released after a newer minor: the major tag stays, and it is not the latest release', () => {
    const repo = repository()
    repo.commit('1.1.0')
    repo.git('tag', 'v1.1.0')
    repo.git('tag', 'v1')
    repo.commit('1.0.1')
    repo.git('tag', 'v1.0.1')
    const plan = planRelease({ tag: 'v1.0.1', changelog: SAMPLE, git: gitIn(repo.dir) })
    expect(plan).toMatchObject({ latest: false, newest: 'v1.1.0', major: undefined })
    expect(formatPlan(plan)).toContain('keep      v1 at v1.1.0, which is newer')
    expect(formatPlan(plan)).toContain('--latest=false (v1.1.0 is newer)')
    expect(planOutputs(plan)).toMatch(/^latest=false\nmajor-tag=$/m)
  })

  test('before tagging (a dry run): the commit is --at, HEAD by default', () => {
    const repo = repository()
    const head = repo.commit('1.1.0')
    const plan = planRelease({ tag: 'v1.1.0', changelog: SAMPLE, git: gitIn(repo.dir) })
    expect(plan).toMatchObject({ commit: head, tagged: false })
    expect(formatPlan(plan)).toContain('(HEAD: the tag v1.1.0 does not exist yet)')
  })

  test.each([
    ['a malformed version', 'v1.1', {}, /malformed version tag "v1\.1"/],
    ['a version CHANGELOG.md lacks', 'v1.2.0', {}, /CHANGELOG\.md has no section for 1\.2\.0/],
    [
      'a tag off main',
      'v1.1.0',
      { side: true },
      /is not on the history of main: releases are made from main/,
    ],
    [
      'package.json saying another version',
      'v1.1.0',
      { version: '1.0.9' },
      /package\.json .* says version 1\.0\.9/,
    ],
    ['no main to check against', 'v1.1.0', { main: 'origin/main' }, /no origin\/main here/],
  ] as [string, string, { side?: boolean; version?: string; main?: string }, RegExp][])(
    'refuses %s',
    (_name, tag, { side = false, version = '1.1.0', main }, message) => {
      const repo = repository()
      repo.commit('1.0.0')
      if (side) repo.git('checkout', '--quiet', '-b', 'side')
      repo.commit(version)
      repo.git('tag', tag)
      if (side) repo.git('checkout', '--quiet', 'main')
      expect(() => planRelease({ tag, changelog: SAMPLE, git: gitIn(repo.dir), main })).toThrow(message)
    },
  )
})

describe('node scripts/release.mjs, as the workflow calls it', () => {
  const node = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [script, ...args], { cwd, env, encoding: 'utf8' })

  test('notes prints the section; plan prints the plan and appends the outputs', () => {
    const repo = repository()
    const head = repo.commit('1.1.0')
    repo.git('tag', 'v1.1.0')
    const notes = node(['notes', 'v1.1.0'], repo.dir)
    expect(notes.status, notes.stderr).toBe(0)
    expect(notes.stdout).toBe(releaseNotes(SAMPLE, '1.1.0') + '\n')

    const output = join(repo.dir, '..', `${repo.dir.split('/').pop()}-output`)
    writeFileSync(output, 'before=1\n')
    const plan = node(['plan', 'v1.1.0', '--main', 'main', '--output', output], repo.dir)
    expect(plan.status, plan.stderr).toBe(0)
    expect(plan.stdout).toMatch(/^Release v1\.1\.0\n {2}commit {4}[0-9a-f]{40} \(tag v1\.1\.0\)\n/)
    expect(readFileSync(output, 'utf8')).toBe(`before=1\ncommit=${head}\nlatest=true\nmajor-tag=v1\n`)
  })

  test('--changelog reads another file; errors exit 1 with one line on stderr', () => {
    const repo = repository()
    repo.commit('1.1.0')
    const other = join(repo.dir, 'OTHER.md')
    writeFileSync(other, '# Changelog\n\n## [1.1.0] - 2026-12-24\n\nFrom the other file.\n')
    expect(node(['notes', 'v1.1.0', '--changelog', other], repo.dir).stdout).toBe('From the other file.\n')
    const bad = node(['plan', 'v1.1'], repo.dir)
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe(
      'release: malformed version tag "v1.1": a release tag is v<major>.<minor>.<patch>, e.g. v1.2.3\n',
    )
    const usage = node(['publish', 'v1.1.0'], repo.dir)
    expect(usage.status).toBe(1)
    expect(usage.stderr).toMatch(/^release: usage: node scripts\/release\.mjs notes\|plan vX\.Y\.Z/)
  })
})
