import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { dockerAvailable, sh } from '../helpers/env.ts'

// What a run makes in the engine (export.ts's container, built-image.ts's temporary name) goes with the
// process even when the run cannot remove it itself: an uncaught error, an exit in the middle. Each case
// runs in a process of its own, from src/.

const ready = dockerAvailable()
const IMAGE = 'debian:bookworm'
const PLATFORM = `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`
const module = (path: string): string => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)))

function node(script: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    // Not vitest's NODE_OPTIONS: its loader hooks break a bare node child.
    env: { PATH: process.env.PATH },
    timeout: 120_000,
  })
}

/** The containers export.ts makes (its placeholder command). */
function exportContainers(): string[] {
  return sh('docker', ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'])
    .split('\n')
    .filter((line) => line.includes('/metal-image-export'))
    .map((line) => line.split(' ')[0]!)
}

describe.skipIf(!ready)('what a run made in the engine, when the process ends before removing it', () => {
  test('the export container goes on an uncaught error in the middle of the export', () => {
    const before = exportContainers()
    const run = node(
      [
        `import { exportContainer } from ${module('../../src/source/export.ts')}`,
        'const log = { info() {}, warning() {}, debug() {}, group: (_n, fn) => fn() }',
        `const source = await exportContainer('${IMAGE}', '${PLATFORM}', log, new AbortController().signal)`,
        "source.stream.once('data', () => { console.log('exporting'); throw new Error('crash') })",
      ].join('\n'),
    )
    const left = exportContainers().filter((id) => !before.includes(id))
    for (const id of left) sh('docker', ['rm', '--force', id])
    expect(run.stdout).toBe('exporting\n')
    expect(run.stderr).toMatch(/Error: crash/)
    expect(run.status).toBe(1)
    expect(left).toEqual([])
  })

  test('a temporary image name goes on process.exit() before untag()', () => {
    const run = node(
      [
        `import { execFileSync } from 'node:child_process'`,
        `import { temporaryImageName } from ${module('../../src/source/built-image.ts')}`,
        "const name = temporaryImageName('exit-test')",
        `execFileSync('docker', ['tag', '${IMAGE}', name])`,
        'console.log(name)',
        'process.exit(2)',
      ].join('\n'),
    )
    const name = run.stdout.trim()
    expect(name).toMatch(/^metal-image-build\/[0-9a-f]{16}:exit-test$/)
    expect(run.status).toBe(2)
    const still = spawnSync('docker', ['image', 'inspect', name], { encoding: 'utf8' })
    if (still.status === 0) sh('docker', ['rmi', '--no-prune', name])
    expect(still.status).not.toBe(0)
    // The image it named is still there: only the name went.
    expect(spawnSync('docker', ['image', 'inspect', IMAGE]).status).toBe(0)
  })
})
