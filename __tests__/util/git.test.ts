import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { commitDate, gitHead, gitTags } from '../../src/util/git.ts'
import { requireTool } from '../helpers/env.ts'

/** A repository with one commit on branch `feature`, tagged, with a GitHub origin. */
function repository(): { dir: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-git-'))
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_COMMITTER_DATE: '2026-11-23T23:30:00-02:00',
      },
    }).trim()
  git('init', '-q', '-b', 'feature')
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
  git('add', '.')
  git('commit', '-q', '-m', 'first')
  git('tag', 'v1')
  git('remote', 'add', 'origin', 'git@github.com:metal-stack/metal-images.git')
  return { dir, commit: git('rev-parse', 'HEAD') }
}

describe.skipIf(!requireTool('git', 'apt-get install git'))('the local checkout, as git reports it', () => {
  test('repository from the origin remote, the branch and the commit', async () => {
    const { dir, commit } = repository()
    expect(await gitHead(dir)).toEqual({ repository: 'metal-stack/metal-images', ref: 'feature', commit })
    expect(await gitTags(dir)).toEqual(['v1'])
    // The committer date in UTC: 2026-11-24 01:30.
    expect(await commitDate(dir)).toBe('20261124')
  })

  test('outside a repository: empty answers, no error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metal-image-no-git-'))
    expect(await gitHead(dir)).toEqual({ repository: '', ref: '', commit: '' })
    expect(await gitTags(dir)).toBeUndefined()
    expect(await commitDate(dir)).toBeUndefined()
  })
})
