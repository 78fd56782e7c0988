import { join } from 'node:path'
import * as core from '@actions/core'
import { outputsOf } from '../app/outputs.ts'
import type { RunResult } from '../app/result.ts'
import { credentialsFound, runImage, TestFailure, withCancellation } from '../app/run.ts'
import { parseInputs } from '../config/parse.ts'
import { secretValues } from '../config/secret-values.ts'
import type { Config } from '../config/types.ts'
import { errorMessage } from '../util/errors.ts'
import { inert, redact } from '../util/redact.ts'
import type { Log } from '../util/log.ts'
import { decideArtifact, uploadImageArtifact, type UploadedArtifact } from './artifact.ts'
import { githubContext, type GithubContext } from './context.ts'
import { summaryTables, testFailureSummary, type Table } from './summary.ts'

/** Every line goes out without credentials of a URL in it, and none can be read as a workflow command. */
const shown = (message: string): string => inert(redact(message))
const actionsLog: Log = {
  info: (message) => core.info(shown(message)),
  warning: (message) => core.warning(shown(message)),
  debug: (message) => core.debug(shown(message)),
  group: (name, fn) => core.group(shown(name), fn),
}

/** The GitHub Action: inputs from INPUT_*, outputs to GITHUB_OUTPUT, a job summary; exit code 1 on failure. */
export async function run(): Promise<void> {
  // What a failed image test needs to report: where its logs may go as an artifact.
  let logsArtifact:
    ((logs: { folder: string; names: string[] }) => Promise<UploadedArtifact | undefined>) | undefined
  let stepSummary: string | undefined
  try {
    // Nothing prints these, but a failing library might: the runner masks them in the log.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'CLOUDSDK_AUTH_ACCESS_TOKEN'])
      if (process.env[name]) core.setSecret(process.env[name])
    const github = githubContext()
    stepSummary = github.stepSummary
    let config = parseInputs((name) => core.getInput(name))
    // A multi-line secret's lines too: the runner masks line by line what a build prints.
    if (config.mode === 'publish') for (const value of secretValues(config.source)) core.setSecret(value)
    const artifact = config.mode === 'publish' ? await artifactPlan(config, github) : undefined
    if (artifact?.upload && config.mode === 'publish') {
      const publishing = config
      // The image test's logs go beside the image's artifact, under a name of their own.
      logsArtifact = async (logs) =>
        logs.names.length === 0
          ? undefined
          : core.group("Workflow artifact: the image test's logs", () =>
              uploadImageArtifact({
                name: `${publishing.artifact.name || `${publishing.osName}-${publishing.osVersion}`}-test-logs`,
                files: logs.names.map((n) => join(logs.folder, n)),
                rootDirectory: logs.folder,
                retentionDays: publishing.artifact.retentionDays,
                log: actionsLog,
                github,
              }),
            )
    }
    if (artifact?.destination) config = { ...config, ...artifact.destination }
    const ctx = { now: new Date(), cwd: process.cwd(), run: github.run, head: github.head }
    const result = await withCancellation((signal) =>
      runImage(config, { log: actionsLog, signal, ctx, localCopy: artifact?.localCopy }),
    )
    let uploaded: UploadedArtifact | undefined
    if (artifact?.upload && result.localFiles && config.mode === 'publish') {
      const files = result.localFiles
      uploaded = await core.group('Workflow artifact', () =>
        uploadImageArtifact({
          name: config.mode === 'publish' ? config.artifact.name || result.imageId : result.imageId,
          files: files.names.map((n) => join(files.folder, n)),
          rootDirectory: files.folder,
          retentionDays: config.mode === 'publish' ? config.artifact.retentionDays : undefined,
          log: actionsLog,
          github,
        }),
      )
    }
    if (uploaded && result.build?.testLogs) await logsArtifact?.(result.build.testLogs)
    for (const [name, value] of Object.entries(outputsOf(result, uploaded))) core.setOutput(name, value)
    if (github.stepSummary) await writeSummary(result, uploaded, config.store.endpoint)
  } catch (err) {
    if (err instanceof TestFailure) await reportTestFailure(err, logsArtifact, stepSummary)
    core.setFailed(redact(errorMessage(err)))
  }
}

/** A failed image test: test-result says so, the summary shows why, the full logs go to an artifact. */
async function reportTestFailure(
  failure: TestFailure,
  logsArtifact:
    ((logs: { folder: string; names: string[] }) => Promise<UploadedArtifact | undefined>) | undefined,
  stepSummary: string | undefined,
): Promise<void> {
  core.setOutput(
    'test-result',
    JSON.stringify({ passed: false, phase: failure.phase, message: failure.reason }),
  )
  let artifact: UploadedArtifact | undefined
  try {
    artifact = await logsArtifact?.(failure.logs)
  } catch (err) {
    core.warning(shown(`The image test's logs could not be uploaded: ${errorMessage(err)}`))
  }
  if (stepSummary) await core.summary.addRaw(testFailureSummary(failure, artifact), true).write()
}

/**
 * Whether the image also goes to a workflow artifact, and where the bucket run keeps its local copy for
 * it. A fork's pull request gets no secrets: the bucket cannot be written, so the artifact is all there is.
 */
async function artifactPlan(
  config: Extract<Config, { mode: 'publish' }>,
  github: GithubContext,
): Promise<{ upload: boolean; localCopy?: string; destination?: Pick<Config, 'destination' | 'store'> }> {
  // Only auto and true ask: a run that never uploads an artifact has nothing to decide.
  const present =
    config.artifact.mode === 'false' || !config.destinationGiven
      ? true
      : await credentialsFound(config.destination, config.store.endpoint)
  const decision = decideArtifact(config.artifact.mode, {
    inGitHubActions: !github.missingForArtifacts.some((k) => k.startsWith('ACTIONS_')),
    destinationGiven: config.destinationGiven,
    credentialsPresent: present,
    event: github.event,
  })
  core.info(shown(decision.reason))
  const scratch = join(github.runnerTemp, 'metal-image-artifact')
  if (decision.upload && !present) {
    core.notice(
      `No credentials for ${config.destination} in this run: the image goes to a workflow artifact only`,
    )
    return {
      upload: true,
      destination: { destination: join(scratch, 'images'), store: { ...config.store, endpoint: '' } },
    }
  }
  if (decision.upload && /^(s3|gs):\/\//.test(config.destination))
    return { upload: true, localCopy: join(scratch, 'copy') }
  return { upload: decision.upload }
}

async function writeSummary(
  result: RunResult,
  artifact: UploadedArtifact | undefined,
  endpoint: string,
): Promise<void> {
  const { facts, files, timings, contract, packageChanges } = summaryTables(result, artifact, endpoint)
  const table = (head: string[], rows: Table) => [head.map((data) => ({ data, header: true })), ...rows]
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
