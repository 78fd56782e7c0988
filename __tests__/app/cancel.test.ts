import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { newOwner, ownerTag } from '../../src/store/owner.ts'
import { requireTool } from '../helpers/env.ts'
import { startPeer, type Peer } from '../helpers/peers.ts'
import { rootfsTar, startCli, type Running } from '../helpers/publishers.ts'

// SIGINT and SIGTERM (a cancelled workflow run sends SIGINT, then SIGTERM) end the CLI within 2 s
// wherever it waits, publish nothing and leave no temporary file: the CLI runs from src/ in a process of
// its own, and the signal comes while it waits on a pipe that never ends, on a folder's lock another run
// holds, on an S3 endpoint that never answers.

const ready = requireTool('tar', 'apt-get install tar')
const fresh = (): string => mkdtempSync(join(tmpdir(), 'metal-image-cancel-'))
const peers: Peer[] = []
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close()
})

/** Sends `signal` once the run's log matches `when` (or `when` resolves); how long it then took to end. */
async function cancel(
  run: Running,
  when: RegExp | Promise<void>,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<number> {
  await (when instanceof RegExp ? run.when(when) : when)
  // Still waiting a moment later: the wait is real, not a race with the end.
  await new Promise((r) => setTimeout(r, 300))
  expect(run.child.exitCode).toBeNull()
  const sent = performance.now()
  run.child.kill(signal)
  const ended = await run.done
  return ended.endedAt - sent
}

const ARGS = ['--os-name', 'debian', '--os-version', '12', '--contract', 'off', '--build-info', 'false']

describe.skipIf(!ready)('cancelling the CLI', () => {
  test('while it reads a pipe on stdin that never ends: exit within 2 s, nothing published, no temporary file', async () => {
    const dest = join(fresh(), 'images')
    const run = startCli(['--rootfs', '-', '--destination', dest, ...ARGS])
    // The start of a tar, and then nothing: the writer is alive and silent.
    run.child.stdin.write(readFileSync(rootfsTar(fresh(), 'stdin')).subarray(0, 20_000))
    const ms = await cancel(run, /Rootfs from rootfs tar on standard input/)
    const ended = await run.done
    expect(ms).toBeLessThan(2000)
    expect(ended.code).toBe(1)
    expect(ended.stderr).toMatch(/^error: cancelled/m)
    expect(ended.stdout).toBe('')
    // Not even the folders it made for the image.
    expect(existsSync(dest)).toBe(false)
  })

  test("while it waits for a folder's lock another run holds: exit within 2 s, the other run's lock untouched", async () => {
    const dest = fresh()
    const dir = join(dest, 'debian', '12')
    mkdirSync(dir, { recursive: true })
    // This test process, as the run committing there: alive for as long as the test runs.
    const holder = { ...newOwner(3600_000), rand: 'feed01' }
    const lock = JSON.stringify({
      tool: 'metal-image',
      owner: ownerTag(holder),
      hostname: 'here',
      acquired: new Date().toISOString(),
      renewed: new Date().toISOString(),
      leaseMs: 60_000,
      state: 'held',
      journal: null,
    })
    writeFileSync(join(dir, '.metal-image.lock'), lock)
    const run = startCli(['--rootfs', rootfsTar(fresh(), 'lock'), '--destination', dest, ...ARGS])
    run.child.stdin.end()
    const ms = await cancel(run, /Waiting for .*\.metal-image\.lock: another run is committing/, 'SIGTERM')
    const ended = await run.done
    expect(ms).toBeLessThan(2000)
    expect(ended.code).toBe(1)
    expect(ended.stderr).toMatch(/^error: cancelled: nothing was published \(SIGTERM\)$/m)
    expect(readdirSync(dir)).toEqual(['.metal-image.lock'])
    expect(readFileSync(join(dir, '.metal-image.lock'), 'utf8')).toBe(lock)
  })

  test('while an S3 endpoint stays silent: exit within 2 s, naming the cancellation', async () => {
    const silent = await startPeer({ kind: 'silent' })
    peers.push(silent)
    const run = startCli(
      [
        '--rootfs',
        rootfsTar(fresh(), 's3'),
        '--destination',
        's3://images/metal-os',
        '--endpoint',
        silent.endpoint,
        ...ARGS,
      ],
      { AWS_ACCESS_KEY_ID: 'AKIDSTANDIN', AWS_SECRET_ACCESS_KEY: 'standin' },
    )
    run.child.stdin.end()
    // Once the first request (versions.json) is under way.
    const asked = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (silent.requests > 0) {
          clearInterval(poll)
          resolve()
        }
      }, 20)
    })
    const ms = await cancel(run, asked)
    const ended = await run.done
    expect(ms).toBeLessThan(2000)
    expect(ended.code).toBe(1)
    expect(ended.stderr).toMatch(/^error: .*(cancelled|stopped).*SIGINT/m)
  })

  test('a second signal ends it at once', async () => {
    const dest = join(fresh(), 'images')
    const run = startCli(['--rootfs', '-', '--destination', dest, ...ARGS])
    run.child.stdin.write(readFileSync(rootfsTar(fresh(), 'twice')).subarray(0, 20_000))
    await run.when(/Rootfs from rootfs tar on standard input/)
    const sent = performance.now()
    run.child.kill('SIGINT')
    run.child.kill('SIGTERM')
    const ended = await run.done
    expect(ended.endedAt - sent).toBeLessThan(1000)
    expect(ended.code).toBe(1)
    expect(existsSync(dest)).toBe(false)
  })

  test('a run that is not cancelled publishes (the same pipe, ended)', async () => {
    const dest = join(fresh(), 'images')
    const run = startCli(['--rootfs', '-', '--destination', dest, ...ARGS])
    run.child.stdin.end(readFileSync(rootfsTar(fresh(), 'whole')))
    const ended = await run.done
    expect(ended.code, ended.stderr).toBe(0)
    expect(readdirSync(join(dest, 'debian/12')).sort()).toEqual([
      'img.tar.lz4',
      'img.tar.lz4.md5',
      'sbom.cdx.json',
      'versions.json',
    ])
  })
})
