import * as core from '@actions/core'
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
    const config = parseInputs((name) => core.getInput(name))
    const result = await publish(config, { log: actionsLog, signal: abort.signal })
    for (const [name, value] of Object.entries(outputsOf(result))) core.setOutput(name, value)
    if (process.env.GITHUB_STEP_SUMMARY) await writeSummary(summaryTables(result))
  } catch (err) {
    core.setFailed(errorMessage(err))
  } finally {
    process.off('SIGINT', cancel)
    process.off('SIGTERM', cancel)
  }
}

async function writeSummary({ facts, files, timings }: ReturnType<typeof summaryTables>): Promise<void> {
  const table = (head: string[], rows: Table) => [
    head.map((data) => ({ data, header: true })),
    ...rows.map((row) => row.map((cell) => cell)),
  ]
  await core.summary
    .addHeading(`metal-stack image ${facts[0]![1]}`, 2)
    .addTable(table(['', 'Value'], facts))
    .addHeading('Published files', 3)
    .addTable(table(['File', 'URL', 'Size'], files))
    .addHeading('Stages', 3)
    .addTable(table(['Stage', 'Time'], timings))
    .write()
}
