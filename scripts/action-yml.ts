// action.yml's inputs and outputs are generated from src/inputs.ts, the one list the code reads, so
// the two can never disagree. scripts/bundle.mjs writes it (and --check compares it).
import { INPUTS, OUTPUTS, REQUIRED_INPUTS, type InputSpec } from '../src/config/inputs.ts'

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`

export function actionYml(): string {
  const lines = [
    'name: metal-image-action',
    'description: >-',
    '  Build a Dockerfile into a metal-stack operating-system image: img.tar.lz4 (exactly one LZ4 frame),',
    '  img.tar.lz4.md5 and packages.txt, streamed in one pass and published to the image folder.',
    'author: The metal-image-action authors',
    'branding:',
    '  icon: hard-drive',
    '  color: blue',
    '',
    '# Generated from src/inputs.ts by scripts/bundle.mjs: edit the inputs there.',
    'inputs:',
  ]
  for (const [name, spec] of Object.entries(INPUTS) as [string, InputSpec][]) {
    lines.push(`  ${name}:`, `    description: ${quote(spec.description)}`)
    if (REQUIRED_INPUTS.has(name)) lines.push('    required: true')
    if (spec.default !== undefined) lines.push(`    default: ${quote(spec.default)}`)
  }
  lines.push('', 'outputs:')
  for (const [name, description] of Object.entries(OUTPUTS))
    lines.push(`  ${name}:`, `    description: ${quote(description)}`)
  lines.push('', 'runs:', '  using: node24', '  main: dist/index.js', '')
  return lines.join('\n')
}

if (import.meta.main) process.stdout.write(actionYml())
