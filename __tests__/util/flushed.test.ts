import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const MODULE = fileURLToPath(new URL('../../src/util/node-version.ts', import.meta.url))

/** A process that writes 1 MiB into a pipe read late, then exits the way bin.ts and index.ts do. */
function bytesThrough(flush: boolean): number {
  const script = [
    `import { flushed } from ${JSON.stringify(MODULE)}`,
    "process.stdout.write('x'.repeat(1 << 20))",
    flush ? 'await flushed()' : '',
    'process.exit(0)',
  ].join('\n')
  const shell = `'${process.execPath}' --input-type=module -e "$SCRIPT" | (sleep 0.3; wc -c)`
  const run = spawnSync('sh', ['-c', shell], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SCRIPT: script },
    timeout: 15_000,
  })
  return Number(run.stdout.trim())
}

test('the last lines reach a slow pipe before the process exits', () => {
  expect(bytesThrough(true)).toBe(1 << 20)
  // What it guards against: Node queues what the pipe cannot take yet, and exit() drops it.
  expect(bytesThrough(false)).toBeLessThan(1 << 20)
})
