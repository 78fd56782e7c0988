import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { decideArtifact, uploadImageArtifact, type UploadedArtifact } from './artifact.ts'
import { errorMessage } from './errors.ts'
import { parseInputs } from './inputs.ts'
import type { Log } from './log.ts'
import { publish } from './publish.ts'
import { outputsOf, summaryTables, type Table } from './report.ts'

const actionsLog: Log = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
  group: (name, fn) => core.group(name, fn),
}

/** The GitHub Action: inputs from INPUT_*, outputs to GITHUB_OUTPUT, a job summary; exit code 1 on failure. */
export async function run(): Promise<void> {
  const abort = new AbortController()
  // A cancelled workflow sends SIGINT, then SIGTERM: stop docker and publish nothing. The handlers stay
  // until the end so a second signal cannot kill the process before it has cleaned up.
  const cancel = (signal: NodeJS.Signals): void => abort.abort(signal)
  process.on('SIGINT', cancel)
  process.on('SIGTERM', cancel)
  try {
    // Nothing prints these, but a failing library might: the runner masks them in the log.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'CLOUDSDK_AUTH_ACCESS_TOKEN'])
      if (process.env[name]) core.setSecret(process.env[name])
    let config = parseInputs((name) => core.getInput(name))
    const decision = decideArtifact(config.artifact.mode, {
      inGitHubActions: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL),
      destinationGiven: config.destinationGiven,
      credentialsPresent: credentialsPresent(config.destination),
      event: githubEvent(),
    })
    core.info(decision.reason)
    const scratch = join(process.env.RUNNER_TEMP || '/tmp', 'metal-image-artifact')
    let localCopy: string | undefined
    if (decision.upload && !credentialsPresent(config.destination)) {
      // A fork's pull request: the bucket cannot be written, so the artifact is all there is.
      core.notice(
        `No credentials for ${config.destination} in this run: the image goes to a workflow artifact only`,
      )
      config = { ...config, destination: join(scratch, 'images'), store: { ...config.store, endpoint: '' } }
    } else if (decision.upload && /^(s3|gs):\/\//.test(config.destination)) {
      localCopy = join(scratch, 'copy')
    }
    const result = await publish(config, { log: actionsLog, signal: abort.signal, localCopy })
    let artifact: UploadedArtifact | undefined
    if (decision.upload && result.localFiles)
      artifact = await core.group('Workflow artifact', () =>
        uploadImageArtifact({
          name: config.artifact.name || result.imageId,
          files: result.localFiles!.names.map((n) => join(result.localFiles!.folder, n)),
          rootDirectory: result.localFiles!.folder,
          retentionDays: config.artifact.retentionDays,
          log: actionsLog,
        }),
      )
    for (const [name, value] of Object.entries(outputsOf(result, artifact))) core.setOutput(name, value)
    if (process.env.GITHUB_STEP_SUMMARY)
      await writeSummary(summaryTables(result, artifact, config.store.endpoint))
  } catch (err) {
    core.setFailed(errorMessage(err))
  } finally {
    process.off('SIGINT', cancel)
    process.off('SIGTERM', cancel)
  }
}

async function writeSummary({
  facts,
  files,
  timings,
  contract,
  packageChanges,
}: ReturnType<typeof summaryTables>): Promise<void> {
  const table = (head: string[], rows: Table) => [
    head.map((data) => ({ data, header: true })),
    ...rows.map((row) => row.map((cell) => cell)),
  ]
  const summary = core.summary
    .addHeading(`metal-stack image ${facts[0]![1]}`, 2)
    .addTable(table(['', 'Value'], facts))
  // Markdown, as GitHub renders the summary file: the reviewer's first question about an image change.
  if (packageChanges) summary.addRaw(`\n${packageChanges}\n`, true)
  summary
    .addHeading('Published files', 3)
    .addTable(table(['File', 'URL', 'Size'], files))
    .addHeading('Contract (metal-hammer)', 3)
  if (contract.length > 0) summary.addTable(table(['Level', 'Check', 'Finding', 'Path'], contract))
  else summary.addRaw('No findings.', true)
  await summary
    .addHeading('Stages', 3)
    .addTable(table(['Stage', 'Time'], timings))
    .write()
}

/** Whether the destination's credentials reached this job (a fork's pull request gets no secrets). */
function credentialsPresent(destination: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (destination.startsWith('s3://'))
    return Boolean(
      env.AWS_ACCESS_KEY_ID ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_PROFILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
    )
  if (destination.startsWith('gs://'))
    return Boolean(
      env.GOOGLE_APPLICATION_CREDENTIALS ||
      env.GOOGLE_GHA_CREDS_PATH ||
      env.CLOUDSDK_AUTH_ACCESS_TOKEN ||
      env.STORAGE_EMULATOR_HOST,
    )
  return true
}

function githubEvent(env: NodeJS.ProcessEnv = process.env): { name: string; payload: unknown } {
  let payload: unknown = {}
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    // No payload: the event name alone decides.
  }
  return { name: env.GITHUB_EVENT_NAME ?? '', payload }
}
