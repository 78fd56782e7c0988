import { readFileSync } from 'node:fs'
import type { RunContext } from '../release/channel.ts'

/**
 * The workflow run as GitHub describes it to a step: GITHUB_* and the runner's variables and the event
 * payload. Read here once; nothing else in the code looks at them.
 */
export interface GithubContext {
  /** The run, for the channel; undefined outside GitHub Actions. */
  run: RunContext | undefined
  /** The event's name and webhook payload, for the artifact decision. */
  event: { name: string; payload: unknown }
  /** The repository, ref and commit being built, for /etc/metal/build.yaml; undefined outside Actions. */
  head: { repository: string; ref: string; commit: string } | undefined
  /** The run's page, where its artifacts are linked from. */
  runUrl: string | undefined
  /** The runner's variables that @actions/artifact needs and that are missing (JavaScript actions get them). */
  missingForArtifacts: string[]
  runnerTemp: string
  stepSummary: string | undefined
}

interface EventPayload {
  repository?: { default_branch?: string }
  pull_request?: { number?: number; head?: { ref?: string } }
  release?: { tag_name?: string }
}

const ARTIFACT_ENV = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID']

export function githubContext(env: NodeJS.ProcessEnv = process.env): GithubContext {
  let payload: unknown = {}
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    // No payload to read: the variables alone still tell branch and tag.
  }
  const run = runContext(env, (payload ?? {}) as EventPayload)
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  return {
    run,
    event: { name: env.GITHUB_EVENT_NAME ?? '', payload },
    head:
      run && env.GITHUB_SHA
        ? {
            repository: env.GITHUB_REPOSITORY ?? '',
            ref: commitRef(env),
            commit: env.GITHUB_SHA,
          }
        : undefined,
    runUrl:
      env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    missingForArtifacts: ARTIFACT_ENV.filter((key) => !env[key]),
    runnerTemp: env.RUNNER_TEMP || '/tmp',
    stepSummary: env.GITHUB_STEP_SUMMARY || undefined,
  }
}

/** The parts of the run that decide where its images go; undefined outside GitHub Actions. */
export function runContext(env: NodeJS.ProcessEnv, event: EventPayload): RunContext | undefined {
  if (env.GITHUB_ACTIONS !== 'true' || !env.GITHUB_EVENT_NAME) return undefined
  const pr = event.pull_request
  return {
    eventName: env.GITHUB_EVENT_NAME,
    ref: env.GITHUB_REF ?? '',
    defaultBranch: event.repository?.default_branch,
    pullRequest:
      pr?.number !== undefined
        ? { number: pr.number, headRef: pr.head?.ref ?? env.GITHUB_HEAD_REF ?? '' }
        : undefined,
    releaseTag: event.release?.tag_name,
  }
}

/**
 * The commit_ref prepare.sh writes into build.yaml: for a pull request the last path segment of the head
 * branch (sh's `${GITHUB_HEAD_REF##*` + `/}`), otherwise the third "/"-field of GITHUB_REF (`refs/heads/master` ->
 * `master`; `refs/heads/feature/x` -> `feature`, as awk -F / '{print $3}' gives it).
 */
function commitRef(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_HEAD_REF) return env.GITHUB_HEAD_REF.slice(env.GITHUB_HEAD_REF.lastIndexOf('/') + 1)
  return (env.GITHUB_REF ?? '').split('/')[2] ?? ''
}
