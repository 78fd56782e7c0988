import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { requireTool } from '../helpers/env.ts'
import { rootfsTar, startCli } from '../helpers/publishers.ts'

// What the entries set up before loading the rest (util/entry.ts), each in a process of its own: a signal
// sent to this test's worker, or a closed stderr, would end the worker.

const ENTRY = fileURLToPath(new URL('../../src/util/entry.ts', import.meta.url))
const RUN = fileURLToPath(new URL('../../src/app/run.ts', import.meta.url))
const fresh = (): string => mkdtempSync(join(tmpdir(), 'metal-image-entry-'))

/** Runs an ES module script with Node (no vitest environment: its NODE_OPTIONS would load vitest's hooks). */
function node(script: string, shell = `'${process.execPath}' --input-type=module -e "$SCRIPT"`) {
  return spawnSync('sh', ['-c', shell], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SCRIPT: script },
    timeout: 30_000,
  })
}

describe('a signal while the modules load', () => {
  const script = (hold: boolean): string =>
    [
      `import { holdSignals } from ${JSON.stringify(ENTRY)}`,
      hold ? 'holdSignals()' : '',
      `const { withCancellation } = await import(${JSON.stringify(RUN)})`,
      "process.kill(process.pid, 'SIGTERM')",
      'await new Promise((r) => setTimeout(r, 100))',
      "const r = await withCancellation(async (signal) => (signal.aborted ? `aborted ${signal.reason}` : 'ran'))",
      'console.log(r)',
    ].join('\n')

  test('cancels the run once it starts, instead of killing the process without a word', () => {
    const held = node(script(true))
    expect(held.stderr).toBe('')
    expect(held.stdout).toBe('aborted SIGTERM\n')
    expect(held.status).toBe(0)
    // What it guards against: the default action of SIGTERM.
    const bare = node(script(false))
    expect(bare.signal ?? bare.status).not.toBe(0)
    expect(bare.stdout).toBe('')
  })
})

describe('a signal after the run, before the process exits', () => {
  test('does not turn a run that published into one killed by SIGTERM', () => {
    const script = (hold: boolean): string =>
      [
        `const { withCancellation } = await import(${JSON.stringify(RUN)})`,
        "console.log(await withCancellation(async () => 'published'))",
        // What the end of the run leaves listening, or nothing (the code before this fix).
        hold ? '' : "process.removeAllListeners('SIGINT'); process.removeAllListeners('SIGTERM')",
        "process.kill(process.pid, 'SIGTERM')",
        'await new Promise((r) => setTimeout(r, 100))',
        "console.log('exits as it would have')",
      ].join('\n')
    const held = node(script(true))
    expect([held.stdout, held.status]).toEqual(['published\nexits as it would have\n', 0])
    const bare = node(script(false))
    // sh reports the child's death by SIGTERM as 128 + 15.
    expect([bare.stdout, bare.status]).toEqual(['published\n', 143])
  })
})

describe('a reader of stderr that goes away', () => {
  // stderr is a pipe whose read end this test closes right away, before the process has loaded.
  const run = async (ignore: boolean): Promise<{ out: string; code: number | null }> => {
    const script = [
      `import { ignoreClosedOutput } from ${JSON.stringify(ENTRY)}`,
      ignore ? 'ignoreClosedOutput()' : '',
      'await new Promise((r) => setTimeout(r, 200))',
      "for (let i = 0; i < 100; i++) process.stderr.write('a log line\\n')",
      'await new Promise((r) => setTimeout(r, 100))',
      "process.stdout.write('finished\\n')",
    ].join('\n')
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stderr.destroy()
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    return { out, code }
  }

  test('does not end the process half-way', async () => {
    expect(await run(true)).toEqual({ out: 'finished\n', code: 0 })
    // What it guards against: the EPIPE of the next write, an uncaught error.
    expect(await run(false)).toEqual({ out: '', code: 1 })
  })

  test.skipIf(!requireTool('tar', 'apt-get install tar'))(
    'the CLI publishes with its stderr closed, and says so in its exit code',
    async () => {
      const dest = join(fresh(), 'images')
      const cli = startCli([
        '--rootfs',
        rootfsTar(fresh(), 'closed'),
        '--destination',
        dest,
        ...['--os-name', 'debian', '--os-version', '12', '--contract', 'off'],
      ])
      cli.child.stderr.destroy()
      cli.child.stdin.end()
      const ended = await cli.done
      expect(ended.code).toBe(0)
      expect(ended.outputs['image-id']).toMatch(/^debian-12\./)
      expect(readdirSync(join(dest, 'debian/12'))).toContain('img.tar.lz4.md5')
      expect(existsSync(join(dest, 'debian/12/img.tar.lz4'))).toBe(true)
    },
  )
})
