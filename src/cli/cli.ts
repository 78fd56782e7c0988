import { outputsOf } from '../app/outputs.ts'
import { runImage, withCancellation } from '../app/run.ts'
import { INPUTS, OUTPUTS, type InputName, type InputSpec } from '../config/inputs.ts'
import { parseInputs } from '../config/parse.ts'
import { decideArtifact } from '../github/artifact.ts'
import { githubContext } from '../github/context.ts'
import { errorMessage, InputError } from '../util/errors.ts'
import { formatSeconds, type Log } from '../util/log.ts'
import { inert, redact } from '../util/redact.ts'
import { TOOL } from '../util/tool.ts'

/** Inputs that are switches: `--pull` alone means true. */
const BOOLEAN_INPUTS = new Set<string>(['no-cache', 'pull', 'push'])
/** Inputs that hold one item per line: repeating the flag adds a line. */
const LIST_INPUTS = new Set<string>([
  'build-args',
  'labels',
  'bake-files',
  'set',
  'build-contexts',
  'secrets',
  'secret-files',
  'secret-envs',
  'ssh',
  'cache-from',
  'cache-to',
  'add-hosts',
  'tags',
  'attests',
])

/** `--name value`, `--name=value`; every action input is a flag of the same name. */
export function parseArgs(argv: string[]): {
  values: Map<InputName, string>
  help: boolean
  version: boolean
} {
  const values = new Map<InputName, string>()
  let help = false
  let version = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') {
      help = true
      continue
    }
    if (arg === '--version') {
      version = true
      continue
    }
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg)
    if (!match)
      throw new InputError('arguments', arg, 'expected --<input> <value> or --<input>=<value>; see --help')
    const name = match[1]!
    if (!(name in INPUTS)) throw new InputError(name, '', `unknown flag --${name}; see --help for the inputs`)
    let value = match[2]
    if (value === undefined) {
      const next = argv[i + 1]
      if (BOOLEAN_INPUTS.has(name)) {
        value = next === 'true' || next === 'false' ? argv[++i]! : 'true'
      } else {
        if (next === undefined || next.startsWith('--'))
          throw new InputError(name, '', `--${name} needs a value; see --help`)
        value = argv[++i]!
      }
    }
    const previous = values.get(name as InputName)
    values.set(name as InputName, LIST_INPUTS.has(name) && previous ? `${previous}\n${value}` : value)
  }
  return { values, help, version }
}

export function helpText(): string {
  const lines = [
    'Usage: metal-image --os-name NAME --os-version VERSION [options]',
    '',
    'Builds a Dockerfile (or exports an image, or reads a rootfs tar) into a metal-stack OS image:',
    'img.tar.lz4 (one LZ4 frame), img.tar.lz4.md5 and packages.txt in <destination>/<os-name>/<os-version>/.',
    'The same pipeline as the GitHub Action; every action input is a flag of the same name.',
    '',
    'Options:',
  ]
  for (const [name, spec] of Object.entries(INPUTS) as [string, InputSpec][]) {
    const flag = BOOLEAN_INPUTS.has(name) ? `--${name}` : `--${name} VALUE`
    const dflt = spec.defaultText ?? spec.default
    lines.push(`  ${flag}`, `      ${spec.description}${dflt ? ` (default: ${dflt})` : ''}`)
    if (LIST_INPUTS.has(name)) lines.push('      Repeat the flag for several lines.')
  }
  lines.push(
    '  --help',
    '      Show this help.',
    '  --version',
    '      Print the version and exit.',
    '',
    'Outputs, printed to stdout as name=value lines at the end:',
  )
  for (const [name, description] of Object.entries(OUTPUTS)) lines.push(`  ${name}`, `      ${description}`)
  lines.push('', 'Logs go to stderr. Exit code 0 when the image was published, 1 otherwise.')
  return lines.join('\n') + '\n'
}

function stderrLog(): Log {
  // Whatever a line says (an endpoint, a library's error), a URL's credentials are not shown.
  // A CLI in a workflow's run: step: the runner reads workflow commands from its stderr too.
  const write = (line: string): void => void process.stderr.write(inert(redact(line)) + '\n')
  return {
    info: write,
    warning: (message) => write(`warning: ${message}`),
    debug: (message) => {
      if (process.env.METAL_IMAGE_DEBUG) write(`debug: ${message}`)
    },
    async group(name, fn) {
      write(`==> ${name}`)
      const start = performance.now()
      try {
        return await fn()
      } finally {
        write(`<== ${name} (${formatSeconds(performance.now() - start)})`)
      }
    },
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { values, help, version } = parseArgs(argv)
    if (help) {
      process.stdout.write(helpText())
      return 0
    }
    if (version) {
      process.stdout.write(`${TOOL.version}\n`)
      return 0
    }
    const config = parseInputs((name) => values.get(name) ?? '')
    const log = stderrLog()
    if (config.mode === 'publish') {
      // Workflow artifacts exist only inside a GitHub Actions step: --artifact true fails here, auto says so.
      const artifact = decideArtifact(config.artifact.mode, {
        inGitHubActions: false,
        destinationGiven: config.destinationGiven,
        credentialsPresent: true,
        event: { name: '', payload: {} },
      })
      if (config.artifact.mode === 'auto' && !config.destinationGiven) log.info(artifact.reason)
    }
    // In a workflow's run: step the CLI derives the channel and build info from the run, as the action does.
    const github = githubContext()
    const ctx = { now: new Date(), cwd: process.cwd(), run: github.run, head: github.head }
    const result = await withCancellation((signal) => runImage(config, { log, signal, ctx }))
    for (const [name, value] of Object.entries(outputsOf(result))) process.stdout.write(`${name}=${value}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`error: ${inert(redact(errorMessage(err)))}\n`)
    return 1
  }
}
