import { statSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { errorMessage, InputError, StageError } from '../util/errors.ts'
import { formatBytes, formatSeconds, type Log } from '../util/log.ts'
import type { GithubContext } from './context.ts'

/**
 * The image as a workflow artifact (@actions/artifact): what a reviewer of a pull request from a fork
 * downloads when the fork's run has no secrets to write to the bucket.
 */

/**
 * The zip's deflate level. img.tar.lz4 is already compressed, so deflating it again costs CPU and saves
 * nothing. At level 0, archiver's zip-stream STOREs every entry (zip method 0): the .lz4 is in the zip
 * byte for byte, and the other files are small.
 */
export const ARTIFACT_COMPRESSION_LEVEL = 0

export interface ImageArtifact {
  /** The artifact's name, e.g. the image id; unique within the workflow run. */
  name: string
  /** Absolute paths of the files, all in `rootDirectory` (they land at the zip's top level). */
  files: string[]
  rootDirectory: string
  /** Days until GitHub deletes the artifact; default: the repository's setting. */
  retentionDays?: number
  log: Log
  /** The run's variables: where the run's page is, and which of the artifact service's are missing. */
  github: Pick<GithubContext, 'runUrl' | 'missingForArtifacts'>
}

export interface UploadedArtifact {
  id: number
  /** The artifact as GitHub shows it: a link for the job summary and the `artifact-url` output. */
  url: string
  /** Bytes of the zip as uploaded. */
  size: number
  /** sha256 of the zip as uploaded, bare hex. */
  digest: string | undefined
}

/** Characters GitHub refuses in artifact names (@actions/artifact checks before uploading). */
const NOT_IN_NAMES = '"<>|*?:\\/\r\n'

/**
 * Uploads `files` as one zipped workflow artifact. Needs the runner's environment (GithubContext.missingForArtifacts);
 * call `decideArtifact` first. Throws StageError when the upload fails, InputError for bad arguments.
 */
export async function uploadImageArtifact(artifact: ImageArtifact): Promise<UploadedArtifact> {
  const { name, files, rootDirectory, retentionDays, log, github } = artifact
  const bad = [...name].find((c) => NOT_IN_NAMES.includes(c))
  if (name === '' || bad !== undefined)
    throw new InputError(
      'artifact-name',
      name,
      name === ''
        ? 'must not be empty'
        : `must not contain ${JSON.stringify(bad)} (GitHub refuses any of ${JSON.stringify(NOT_IN_NAMES)})`,
    )
  checkFiles(files, rootDirectory)
  if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays >= 1))
    throw new InputError(
      'artifact-retention-days',
      String(retentionDays),
      'must be a whole number of days, at least 1',
    )
  const missing = github.missingForArtifacts
  if (missing.length > 0)
    throw new StageError(
      'artifact',
      `Cannot upload the workflow artifact ${name}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. ` +
        'The runner sets these for JavaScript actions only: use the action (uses:), not the CLI in a run: step.',
    )

  // Loaded on demand: the Azure SDK behind it is not needed by anything else (the CLI never uploads).
  const { DefaultArtifactClient } = await import('@actions/artifact')
  const client = new DefaultArtifactClient()
  const started = Date.now()
  let response
  try {
    response = await client.uploadArtifact(name, files, rootDirectory, {
      compressionLevel: ARTIFACT_COMPRESSION_LEVEL,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    })
  } catch (err) {
    throw new StageError('artifact', `Uploading the workflow artifact ${name} failed: ${errorMessage(err)}`, {
      cause: err,
    })
  }
  const { id, size, digest } = response
  if (id === undefined || !Number.isSafeInteger(id))
    throw new StageError(
      'artifact',
      `The workflow artifact ${name} was uploaded but GitHub returned no id for it`,
    )
  const url = `${github.runUrl}/artifacts/${id}`
  log.info(
    `Workflow artifact ${name}: ${formatBytes(size ?? 0)} in ${formatSeconds(Date.now() - started)}, ${url}`,
  )
  return { id, url, size: size ?? 0, digest }
}

function checkFiles(files: string[], rootDirectory: string): void {
  if (files.length === 0) throw new StageError('artifact', 'No files to put in the workflow artifact')
  if (!isAbsolute(rootDirectory))
    throw new StageError('artifact', `The artifact's root directory must be absolute: ${rootDirectory}`)
  const root = resolve(rootDirectory)
  for (const file of files) {
    const rel = relative(root, resolve(file))
    if (!isAbsolute(file) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
      throw new StageError('artifact', `${file} is not an absolute path inside ${root}`)
    if (!statSync(file, { throwIfNoEntry: false })?.isFile())
      throw new StageError('artifact', `${file} is not a file: nothing to put in the workflow artifact`)
  }
}

// --- when to upload -----------------------------------------------------------------------------------

/** The `artifact` input. */
export type ArtifactMode = 'auto' | 'true' | 'false'

export interface ArtifactContext {
  /** GITHUB_ACTIONS=true and the runner's artifact variables are there (the action, not the CLI). */
  inGitHubActions: boolean
  /** The user gave a `destination` (not the default). */
  destinationGiven: boolean
  /** The destination's credentials are there (secrets reach the job). */
  credentialsPresent: boolean
  /** `github.context.eventName` and `github.context.payload` (the webhook payload of the event). */
  event: { name: string; payload: unknown }
}

export interface ArtifactDecision {
  upload: boolean
  /** Why, for the log; when `upload` is false outside GitHub, the notice to show. */
  reason: string
}

/**
 * Whether to upload the image as a workflow artifact. Pure: everything it looks at is in `ctx`.
 *
 * `auto` uploads when no destination is given, or when the destination's credentials are missing on a
 * pull request from a fork (GitHub gives such runs no secrets: the bucket cannot be written, the reviewer
 * still wants the image). `true` always uploads, `false` never. Outside GitHub Actions there are no
 * workflow artifacts: `true` is an InputError, `auto` a notice.
 */
export function decideArtifact(mode: ArtifactMode, ctx: ArtifactContext): ArtifactDecision {
  if (mode === 'false') return { upload: false, reason: 'input "artifact" is false' }
  if (!ctx.inGitHubActions) {
    if (mode === 'true')
      throw new InputError(
        'artifact',
        mode,
        'workflow artifacts exist only in GitHub Actions (this run is not a GitHub Actions job); use "auto" or "false" here',
      )
    return {
      upload: false,
      reason: 'Not running in GitHub Actions: no workflow artifact is uploaded (input "artifact" is auto)',
    }
  }
  if (mode === 'true') return { upload: true, reason: 'input "artifact" is true' }
  if (!ctx.destinationGiven)
    return { upload: true, reason: 'no destination is given: the image is uploaded as a workflow artifact' }
  if (ctx.credentialsPresent)
    return { upload: false, reason: 'the destination is given and its credentials are there: no artifact' }
  const fork = forkOfPullRequest(ctx.event)
  if (fork !== undefined)
    return {
      upload: true,
      reason:
        `pull request from the fork ${fork}: GitHub gives it no secrets, so the destination's credentials ` +
        'are missing; the image is uploaded as a workflow artifact instead',
    }
  return {
    upload: false,
    reason:
      "the destination's credentials are missing, but this is not a pull request from a fork: no artifact " +
      '(set the credentials, or artifact: true)',
  }
}

/** Events whose runs get no secrets when the pull request comes from a fork (pull_request_target does). */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment'])

/**
 * The head repository's full name when `event` is a pull request from another repository, else undefined.
 * Compares the head and base repositories' full names; `head.repo.fork` alone is not enough, since a pull
 * request between two branches of a fork has `fork: true` and gets the fork's secrets. Only when the
 * names are missing does `fork: true` count; a null head repo means the fork was deleted.
 */
export function forkOfPullRequest(event: ArtifactContext['event']): string | undefined {
  if (!PULL_REQUEST_EVENTS.has(event.name)) return undefined
  const pr = field(event.payload, 'pull_request')
  if (pr === undefined) return undefined
  const headRepo = field(field(pr, 'head'), 'repo')
  const baseRepo = field(field(pr, 'base'), 'repo')
  if (headRepo === null) return '(deleted fork)'
  const head = field(headRepo, 'full_name')
  const base = field(baseRepo, 'full_name')
  if (typeof head === 'string' && typeof base === 'string')
    return head.toLowerCase() === base.toLowerCase() ? undefined : head
  return field(headRepo, 'fork') === true ? (typeof head === 'string' ? head : '(unknown fork)') : undefined
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}
