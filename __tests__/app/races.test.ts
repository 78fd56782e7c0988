import { mkdirSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { requireTool } from '../helpers/env.ts'
import { newOwner, ownerTag } from '../../src/store/owner.ts'
import {
  killRounds,
  publishRaces,
  rootfsTar,
  startCli,
  type CliRun,
  type RaceStore,
  type Running,
} from '../helpers/publishers.ts'

// Concurrent runs of the CLI (from src/, each a process of its own) publishing to one local folder, as
// two pushes or a push and a re-run do in GitHub, with a reader looking at the folder throughout.

const ready = requireTool('tar', 'apt-get install tar')

function localStore(): RaceStore & { dir: string } {
  const destination = mkdtempSync(join(tmpdir(), 'metal-image-races-'))
  const dir = join(destination, 'debian', '12')
  const read = async (name: string) => {
    try {
      return readFileSync(join(dir, name))
    } catch {
      return undefined
    }
  }
  const list = async () => {
    try {
      return readdirSync(dir)
    } catch {
      return []
    }
  }
  return { destination, dir, read, list }
}

/**
 * Runs `runs` while this process holds `dir`'s lock (as a live run committing there would), and lets go
 * once every one of them waits for it.
 */
async function heldBack(dir: string, runs: Running[]): Promise<CliRun[]> {
  mkdirSync(dir, { recursive: true })
  const lock = join(dir, '.metal-image.lock')
  const now = new Date().toISOString()
  writeFileSync(
    lock,
    JSON.stringify({
      tool: 'metal-image',
      owner: ownerTag({ ...newOwner(3600_000), rand: 'beef01' }),
      hostname: 'the test',
      acquired: now,
      renewed: now,
      leaseMs: 60_000,
      state: 'held',
      journal: null,
    }),
  )
  for (const run of runs) run.child.stdin.end()
  await Promise.all(runs.map((run) => run.when(/Waiting for .*\.metal-image\.lock/)))
  unlinkSync(lock)
  return Promise.all(runs.map((run) => run.done))
}

describe.skipIf(!ready)('concurrent runs to one local folder', () => {
  test('flat layout, 4 publishers, 4 rounds: one whole set at every instant, losers say so and touch nothing', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-races-work-'))
    const report = await publishRaces(localStore(), work, { rounds: 4, publishers: 4 })
    expect(report.runs).toBe(16)
    expect(report.won).toBeGreaterThanOrEqual(4)
    expect(report.observed).toBeGreaterThan(50)
  })

  test('versioned layout, one date: one run publishes, the others lose; the same bytes succeed idempotently', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-races-work-'))
    const store = localStore()
    const args = (tar: string) => [
      ...['--rootfs', tar, '--os-name', 'debian', '--os-version', '12', '--layout', 'versioned'],
      ...[
        '--destination',
        store.destination,
        '--contract',
        'off',
        '--build-info',
        'false',
        '--date',
        '20261201',
      ],
    ]
    // The folder's lock is held until every run has built and waits for it: all of them planned before
    // any committed, so the ones that come second decide again under the lock and find the date taken.
    const runs = await heldBack(
      join(store.destination, 'debian/12'),
      [0, 1, 2, 3].map((i) => startCli(args(rootfsTar(work, `v${i}`)))),
    )
    const won = runs.filter((r) => r.code === 0)
    expect(won).toHaveLength(1)
    for (const lost of runs.filter((r) => r.code !== 0))
      expect(lost.stderr).toMatch(
        /^error: lost the race for file:.*\/debian\/12\/20261201\/: another run published there while this one was building \(version 12\.0\.20261201 already exists: .*\); nothing of this run was published, the other run's files are untouched$/m,
      )
    const folder = join(store.destination, 'debian/12/20261201')
    expect(readdirSync(folder).sort()).toEqual(['img.tar.lz4', 'img.tar.lz4.md5', 'sbom.cdx.json'])
    expect(readFileSync(join(folder, 'img.tar.lz4.md5'), 'utf8')).toBe(
      `${won[0]!.outputs.md5}  img.tar.lz4\n`,
    )
    const index = JSON.parse(readFileSync(join(store.destination, 'debian/12/versions.json'), 'utf8'))
    expect(index.versions.map((v: { md5: string }) => v.md5)).toEqual([won[0]!.outputs.md5])
    expect(readdirSync(join(store.destination, 'debian/12')).sort()).toEqual(['20261201', 'versions.json'])

    // The very same image from several runs at once: all succeed, one set is there.
    const same = rootfsTar(work, 'same')
    const again = await heldBack(
      join(store.destination, 'debian/12'),
      [0, 1, 2].map(() => startCli(args(same).map((a) => (a === '20261201' ? '20261202' : a)))),
    )
    expect(again.map((r) => r.code)).toEqual([0, 0, 0])
    expect(new Set(again.map((r) => r.outputs.md5)).size).toBe(1)
    expect(
      again.filter((r) => /another run published the same image \(md5 [0-9a-f]{32}\)/.test(r.stderr)),
    ).toHaveLength(2)
    expect(readdirSync(join(store.destination, 'debian/12/20261202')).sort()).toEqual([
      'img.tar.lz4',
      'img.tar.lz4.md5',
      'sbom.cdx.json',
    ])
  })

  test('runs killed (SIGKILL) at random moments: the folder stays whole, the next run removes their leftovers', async () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-races-work-'))
    const report = await killRounds(localStore(), work, { rounds: 6, maxDelayMs: 700, bytes: 2 << 20 })
    expect(report.killed).toBeGreaterThan(0)
  })
})
