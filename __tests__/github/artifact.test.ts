import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest'
import {
  decideArtifact,
  uploadImageArtifact,
  type ArtifactContext,
  type ImageArtifact,
  type ArtifactMode,
} from '../../src/github/artifact.ts'
import { githubContext } from '../../src/github/context.ts'
import { InputError, StageError } from '../../src/util/errors.ts'
import type { Log } from '../../src/util/log.ts'

/**
 * The workflow artifact and the build cache against real Azure Blob storage (Azurite) and a stand-in for
 * GitHub's results service (see helpers/results-service.ts for what the stand-in does and does not do).
 */

/** The artifact upload as the action makes it: the run's variables read from the environment at the call. */
const uploadWithEnv = (artifact: Omit<ImageArtifact, 'github'>) =>
  uploadImageArtifact({ ...artifact, github: githubContext() })

const tmp = mkdtempSync(join(tmpdir(), 'artifact-test-'))

afterAll(async () => {
  vi.unstubAllEnvs()
  rmSync(tmp, { recursive: true, force: true })
})

// --- decideArtifact ---------------------------------------------------------------------------------------

/** Webhook payloads as GitHub sends them (trimmed to the fields around the ones that matter). */
const upstream = { full_name: 'metal-stack/metal-images', fork: false, owner: { login: 'metal-stack' } }
const contributorsFork = {
  full_name: 'contributor/metal-images',
  fork: true,
  owner: { login: 'contributor' },
}

function pullRequest(head: unknown, base: unknown): Record<string, unknown> {
  return {
    action: 'synchronize',
    number: 42,
    pull_request: {
      number: 42,
      state: 'open',
      head: { label: 'contributor:more-packages', ref: 'more-packages', sha: 'a'.repeat(40), repo: head },
      base: { label: 'metal-stack:master', ref: 'master', sha: 'b'.repeat(40), repo: base },
    },
    repository: base,
    sender: { login: 'contributor' },
  }
}

const EVENTS = {
  forkPullRequest: { name: 'pull_request', payload: pullRequest(contributorsFork, upstream) },
  sameRepoPullRequest: { name: 'pull_request', payload: pullRequest(upstream, upstream) },
  /** a pull request between two branches of a fork: `fork: true` on both sides, and the fork's secrets */
  pullRequestInsideFork: { name: 'pull_request', payload: pullRequest(contributorsFork, contributorsFork) },
  /** the contributor deleted their fork: GitHub sends `head.repo: null` */
  deletedForkPullRequest: { name: 'pull_request', payload: pullRequest(null, upstream) },
  forkPullRequestReview: {
    name: 'pull_request_review',
    payload: { ...pullRequest(contributorsFork, upstream), review: { state: 'approved' } },
  },
  /** runs in the base repository with its secrets */
  forkPullRequestTarget: { name: 'pull_request_target', payload: pullRequest(contributorsFork, upstream) },
  push: {
    name: 'push',
    payload: {
      ref: 'refs/heads/master',
      before: 'c'.repeat(40),
      after: 'd'.repeat(40),
      repository: upstream,
      pusher: { name: 'maintainer' },
      head_commit: { id: 'd'.repeat(40), message: 'ubuntu: add lldpd' },
    },
  },
  release: {
    name: 'release',
    payload: { action: 'published', release: { tag_name: 'v0.14.0', draft: false }, repository: upstream },
  },
  workflowDispatch: {
    name: 'workflow_dispatch',
    payload: {
      inputs: { distro: 'debian' },
      ref: 'refs/heads/master',
      repository: upstream,
      workflow: '.github/workflows/build.yaml',
    },
  },
  /** what the action sees if the event payload file is missing */
  emptyPullRequest: { name: 'pull_request', payload: {} },
} satisfies Record<string, ArtifactContext['event']>

type Case = [
  what: string,
  mode: ArtifactMode,
  ctx: Partial<ArtifactContext> & { event: ArtifactContext['event'] },
  upload: boolean,
  reason: RegExp,
]

const inGitHub = { inGitHubActions: true, destinationGiven: true, credentialsPresent: false }

const CASES: Case[] = [
  ['no destination, push', 'auto', { event: EVENTS.push, destinationGiven: false }, true, /no destination/],
  [
    'no destination, fork pull request',
    'auto',
    { event: EVENTS.forkPullRequest, destinationGiven: false },
    true,
    /no destination/,
  ],
  [
    'destination without credentials, fork pull request',
    'auto',
    { event: EVENTS.forkPullRequest },
    true,
    /fork contributor\/metal-images.*credentials are missing/,
  ],
  [
    'destination without credentials, review on a fork pull request',
    'auto',
    { event: EVENTS.forkPullRequestReview },
    true,
    /fork contributor\/metal-images/,
  ],
  [
    'destination without credentials, pull request from a deleted fork',
    'auto',
    { event: EVENTS.deletedForkPullRequest },
    true,
    /deleted fork/,
  ],
  [
    'destination with credentials, fork pull request',
    'auto',
    { event: EVENTS.forkPullRequest, credentialsPresent: true },
    false,
    /credentials are there/,
  ],
  [
    'destination without credentials, pull request from the same repository',
    'auto',
    { event: EVENTS.sameRepoPullRequest },
    false,
    /not a pull request from a fork/,
  ],
  [
    'destination without credentials, pull request between branches of a fork',
    'auto',
    { event: EVENTS.pullRequestInsideFork },
    false,
    /not a pull request from a fork/,
  ],
  [
    'destination without credentials, pull_request_target from a fork',
    'auto',
    { event: EVENTS.forkPullRequestTarget },
    false,
    /not a pull request from a fork/,
  ],
  [
    'destination without credentials, pull request without payload',
    'auto',
    { event: EVENTS.emptyPullRequest },
    false,
    /not a pull request from a fork/,
  ],
  [
    'destination with credentials, push',
    'auto',
    { event: EVENTS.push, credentialsPresent: true },
    false,
    /credentials are there/,
  ],
  ['destination without credentials, push', 'auto', { event: EVENTS.push }, false, /not a pull request/],
  [
    'destination without credentials, release',
    'auto',
    { event: EVENTS.release },
    false,
    /not a pull request/,
  ],
  [
    'destination without credentials, workflow_dispatch',
    'auto',
    { event: EVENTS.workflowDispatch },
    false,
    /not a pull request/,
  ],
  [
    'true, destination with credentials, push',
    'true',
    { event: EVENTS.push, credentialsPresent: true },
    true,
    /is true/,
  ],
  [
    'true, destination with credentials, release',
    'true',
    { event: EVENTS.release, credentialsPresent: true },
    true,
    /is true/,
  ],
  [
    'false, no destination, fork pull request',
    'false',
    { event: EVENTS.forkPullRequest, destinationGiven: false },
    false,
    /is false/,
  ],
  ['false, outside GitHub', 'false', { event: EVENTS.push, inGitHubActions: false }, false, /is false/],
  [
    'auto, outside GitHub, no destination',
    'auto',
    { event: { name: '', payload: undefined }, inGitHubActions: false, destinationGiven: false },
    false,
    /^Not running in GitHub Actions: no workflow artifact .*"artifact" is auto/,
  ],
]

describe('decideArtifact', () => {
  test.each(CASES)('%s (artifact: %s)', (_what, mode, ctx, upload, reason) => {
    const decision = decideArtifact(mode, { ...inGitHub, ...ctx })
    expect(decision.upload).toBe(upload)
    expect(decision.reason).toMatch(reason)
  })

  test('artifact: true outside GitHub is an error naming the input', () => {
    const outside = { ...inGitHub, inGitHubActions: false, event: { name: '', payload: undefined } }
    expect(() => decideArtifact('true', outside)).toThrow(InputError)
    expect(() => decideArtifact('true', outside)).toThrow(
      /^input "artifact" = "true": .*only in GitHub Actions/,
    )
  })
})

// --- uploadImageArtifact: checks before any request --------------------------------------------------------

const quiet: Log = { info() {}, warning() {}, debug() {}, group: (_name, fn) => fn() }

describe('uploadImageArtifact checks its arguments and environment first', () => {
  const dir = join(tmp, 'checks')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'img.tar.lz4')
  writeFileSync(file, 'x')

  afterEach(() => {
    vi.unstubAllEnvs()
  })

  test('files outside the root directory, missing files and relative paths are refused', async () => {
    const base = { name: 'debian-12.0.20250101', rootDirectory: dir, log: quiet }
    await expect(uploadWithEnv({ ...base, files: [] })).rejects.toThrow(/No files/)
    await expect(uploadWithEnv({ ...base, files: ['/etc/hostname'] })).rejects.toThrow(
      /not an absolute path inside/,
    )
    await expect(uploadWithEnv({ ...base, files: ['img.tar.lz4'] })).rejects.toThrow(
      /not an absolute path inside/,
    )
    await expect(uploadWithEnv({ ...base, files: [join(dir, 'missing')] })).rejects.toThrow(/is not a file/)
    await expect(uploadWithEnv({ ...base, files: [file], rootDirectory: 'rel' })).rejects.toThrow(/absolute/)
  })

  test('a name GitHub would refuse is an input error', async () => {
    const base = { files: [file], rootDirectory: dir, log: quiet }
    await expect(uploadWithEnv({ ...base, name: '' })).rejects.toThrow(
      /^input "artifact-name": must not be empty/,
    )
    await expect(uploadWithEnv({ ...base, name: 'debian/12' })).rejects.toThrow(
      /^input "artifact-name" = "debian\/12": must not contain "\/"/,
    )
  })

  test('retention days must be a whole number, at least 1', async () => {
    const base = { name: 'debian-12.0.20250101', files: [file], rootDirectory: dir, log: quiet }
    for (const retentionDays of [0, -1, 1.5, Number.NaN])
      await expect(uploadWithEnv({ ...base, retentionDays })).rejects.toThrow(
        /^input "artifact-retention-days"/,
      )
  })

  test("without the runner's variables it says which are missing", async () => {
    for (const key of ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID'])
      vi.stubEnv(key, undefined)
    const upload = uploadWithEnv({
      name: 'debian-12.0.20250101',
      files: [file],
      rootDirectory: dir,
      log: quiet,
    })
    await expect(upload).rejects.toThrow(StageError)
    await expect(upload).rejects.toThrow(
      /ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID are not set/,
    )
  })
})
