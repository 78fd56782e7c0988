import { outputsOf } from '../../src/app/outputs.ts'
import { runImage } from '../../src/app/run.ts'
import type { InputName } from '../../src/config/inputs.ts'
import { parseInputs } from '../../src/config/parse.ts'
import { githubContext } from '../../src/github/context.ts'
import { errorMessage } from '../../src/util/errors.ts'
import { errorLines, installAction, runAction } from './action.ts'

/** One run of the tool, as a test sees it: the exit code, the outputs, the error lines, the summary. */
export interface Run {
  code: number | null
  outputs: Record<string, string>
  errors: string[]
  /** The job summary (the bundled action), or what src/ gives it (the package changes). */
  summary: string
  log: string
}

export type Runner = (
  inputs: Record<string, string>,
  options?: { cwd?: string; env?: Record<string, string> },
) => Promise<Run>

/** The action from dist/ in a process of its own, as GitHub runs it (integration tests). */
export function bundledRunner(): Runner {
  const action = installAction()
  return async (inputs, options = {}) => {
    const env = { GITHUB_ACTIONS: 'true', ...options.env }
    const run = await runAction(action, inputs, { ...options, env })
    return { ...run, errors: errorLines(run), log: run.stdout }
  }
}

/**
 * The same run through src/ in this process (unit tests): the inputs parsed as the action parses them,
 * the workflow run read from `env` as the action reads GITHUB_*, the outputs as it sets them.
 */
export function sourceRunner(): Runner {
  return async (inputs, options = {}) => {
    const env = { GITHUB_ACTIONS: 'true', ...options.env }
    const github = githubContext(env)
    try {
      const config = parseInputs((name: InputName) => inputs[name] ?? '')
      const ctx = { now: new Date(), cwd: options.cwd ?? process.cwd(), run: github.run, head: github.head }
      const result = await runImage(config, { ctx })
      return {
        code: 0,
        outputs: outputsOf(result),
        errors: [],
        summary: result.build?.packageChanges ?? '',
        log: '',
      }
    } catch (err) {
      return { code: 1, outputs: {}, errors: [errorMessage(err)], summary: '', log: errorMessage(err) }
    }
  }
}
