import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', '..')

/**
 * A copy of action.yml and dist/ alone, as GitHub checks out an action: no node_modules, no src/, no
 * package.json. If the bundle needed anything else, running from here fails.
 */
export function installAction(): string {
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-action-'))
  cpSync(join(root, 'action.yml'), join(dir, 'action.yml'))
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true })
  return dir
}

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/** Runs the action the way the runner does: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. */
export async function runAction(
  actionDir: string,
  inputs: Record<string, string>,
  options: {
    cwd?: string
    env?: Record<string, string>
    interruptWhen?: RegExp
    /** What interrupts it when `interruptWhen` matches; SIGINT, as a cancelled workflow run sends first. */
    interruptWith?: NodeJS.Signals
  } = {},
): Promise<ActionRun> {
  const work = mkdtempSync(join(tmpdir(), 'metal-image-run-'))
  const outputFile = join(work, 'output')
  const summaryFile = join(work, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('INPUT_') && !key.startsWith('GITHUB_')) env[key] = value
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  Object.assign(
    env,
    { GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: 'true' },
    options.env,
  )
  const child = spawn(process.execPath, [join(actionDir, 'dist', 'index.js')], {
    cwd: options.cwd ?? work,
    env,
  })
  let stdout = ''
  let stderr = ''
  let interrupted = false
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
    // What a cancelled workflow run does to the step: SIGINT first.
    if (!interrupted && options.interruptWhen?.test(stdout))
      interrupted = child.kill(options.interruptWith ?? 'SIGINT')
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d))
  const code = await new Promise<number | null>((res) => child.on('close', res))
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
  }
}

/** The runner's GITHUB_OUTPUT format: name<<DELIMITER / value / DELIMITER. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!)
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!)
    outputs[m[1]!] = value.join('\n')
  }
  return outputs
}

/** The ::error:: lines the action printed (what the runner shows as the failure). */
export function errorLines(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith('::error'))
}
