import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { snapshot } from '../helpers/tree.ts'
import type { Runner } from '../helpers/runner.ts'
import { requireTool } from '../helpers/env.ts'

const ready = requireTool('tar', 'apt-get install tar') && requireTool('git', 'apt-get install git')
const today = new Date().toISOString().slice(0, 10).replaceAll('-', '')
// Versions and places are what these tests are about: no contract check, SBOM or build info.
const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'off', sbom: 'false', 'build-info': 'false' }

const index = (dir: string) => JSON.parse(readFileSync(join(dir, 'versions.json'), 'utf8'))

/**
 * Versions, channels, layouts and promotion, run through `runner`: the bundled action in the integration
 * tests (e2e/versions.itg.test.ts), src/ in the unit tests (app/versions.test.ts).
 */
export function versionsSuite(name: string, makeRunner: () => Runner): void {
  describe.skipIf(!ready)(`versions, channels, layouts and promotion ${name}`, () => {
    let runAction: Runner
    let work: string
    let rootfs: string
    let rootfs2: string

    beforeAll(() => {
      runAction = makeRunner()
      work = mkdtempSync(join(tmpdir(), 'metal-image-versions-'))
      rootfs = join(work, 'rootfs.tar')
      rootfs2 = join(work, 'rootfs2.tar')
      execFileSync('tar', ['-C', join(import.meta.dirname, '..', '..', 'examples'), '-cf', rootfs, '.'])
      execFileSync('tar', ['-C', join(import.meta.dirname, '..', '..', 'scripts'), '-cf', rootfs2, '.'])
    })

    test('versioned layout: a folder per date, versions.json lists them, a second build that day fails', async () => {
      const dest = join(work, 'versioned')
      const first = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261120',
      })
      expect(first.code, first.log).toBe(0)
      const second = await runAction({
        rootfs: rootfs2,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261125',
      })
      expect(second.code, second.log).toBe(0)
      expect(second.outputs.previous).toBe('12.0.20261120')
      expect(readdirSync(join(dest, 'debian/12')).sort()).toEqual(['20261120', '20261125', 'versions.json'])
      expect(
        index(join(dest, 'debian/12')).versions.map((v: { version: string; path: string; md5: string }) => [
          v.version,
          v.path,
          v.md5,
        ]),
      ).toEqual([
        ['12.0.20261120', '20261120/img.tar.lz4', first.outputs.md5],
        ['12.0.20261125', '20261125/img.tar.lz4', second.outputs.md5],
      ])

      const before = snapshot(dest)
      const again = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261125',
      })
      expect(again.code).toBe(1)
      expect(again.errors.join('\n')).toMatch(
        /input "on-conflict" = "fail": version 12.0.20261125 already exists/,
      )
      expect(snapshot(dest)).toEqual(before)

      // skip: nothing built, the existing image's facts as outputs.
      const skip = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261125',
        'on-conflict': 'skip',
      })
      expect(skip.code).toBe(0)
      expect(skip.outputs.md5).toBe(second.outputs.md5)
      expect(skip.outputs['rootfs-size']).toBe('')
      expect(snapshot(dest)).toEqual(before)

      // Never lower than what exists.
      const older = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261001',
      })
      expect(older.code).toBe(1)
      expect(older.errors.join('\n')).toMatch(
        /input "date" = "20261001": version 12.0.20261001 would be lower than 12.0.20261125/,
      )
      expect(snapshot(dest)).toEqual(before)

      // overwrite replaces that day's build and its index entry.
      const over = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        layout: 'versioned',
        date: '20261125',
        'on-conflict': 'overwrite',
      })
      expect(over.code).toBe(0)
      expect(index(join(dest, 'debian/12')).versions.at(-1).md5).toBe(over.outputs.md5)
      expect(over.outputs.md5).not.toBe(second.outputs.md5)
    })

    test('flat layout: overwritten by each build, versions.json keeps the history', async () => {
      const dest = join(work, 'flat')
      const a = await runAction({ rootfs, ...OS, destination: dest, date: '20261124' })
      const b = await runAction({ rootfs: rootfs2, ...OS, destination: dest })
      expect([a.code, b.code]).toEqual([0, 0])
      expect(readdirSync(join(dest, 'debian/12')).sort()).toEqual([
        'img.tar.lz4',
        'img.tar.lz4.md5',
        'versions.json',
      ])
      expect(readFileSync(join(dest, 'debian/12/img.tar.lz4.md5'), 'utf8')).toBe(
        `${b.outputs.md5}  img.tar.lz4\n`,
      )
      expect(index(join(dest, 'debian/12')).versions.map((v: { version: string }) => v.version)).toEqual([
        '12.0.20261124',
        `12.0.${today}`,
      ])
      expect(b.outputs.previous).toBe('12.0.20261124')
    })

    test('channel from the workflow run: a push to the default branch goes to stable/', async () => {
      const dest = join(work, 'channels')
      const event = join(work, 'event.json')
      writeFileSync(event, JSON.stringify({ ref: 'refs/heads/main', repository: { default_branch: 'main' } }))
      const env = { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_EVENT_PATH: event }
      const run = await runAction(
        { ...OS, rootfs, 'os-name': 'ubuntu', 'os-version': '24.04', destination: dest },
        { env },
      )
      expect(run.code, run.log).toBe(0)
      expect(run.outputs.channel).toBe('stable')
      expect(run.outputs['image-id']).toBe(`ubuntu-24.4.${today}`)
      expect(run.outputs.semver).toBe(`24.4.${today}`)
      expect(readdirSync(join(dest, 'stable/ubuntu/24.04')).sort()).toEqual([
        'img.tar.lz4',
        'img.tar.lz4.md5',
        'versions.json',
      ])
    })

    test('date: commit dates the version by the checked-out commit; release-tag follows the repository tags', async () => {
      const repo = mkdtempSync(join(work, 'repo-'))
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: repo,
          env: {
            ...process.env,
            GIT_COMMITTER_DATE: '2026-02-28T23:30:00-02:00',
            GIT_AUTHOR_DATE: '2026-02-28T23:30:00-02:00',
          },
        })
      git('init', '-q')
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'x')
      git('tag', today)
      git('tag', 'debian-12.0.20270101')
      const dest = join(work, 'by-commit')
      const run = await runAction({ rootfs, ...OS, destination: dest, date: 'commit' }, { cwd: repo })
      expect(run.code, run.log).toBe(0)
      // 23:30 at UTC-2 is already March 1st in UTC.
      expect(run.outputs.version).toBe('12.0.20260301')
      // Today's release tag exists: the next one is tomorrow's.
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10).replaceAll('-', '')
      expect(run.outputs['release-tag']).toBe(tomorrow)

      // Tags count as existing versions when asked.
      const tagged = await runAction(
        { rootfs, ...OS, destination: dest, date: 'commit', 'versions-from-tags': 'true' },
        { cwd: repo },
      )
      expect(tagged.code).toBe(1)
      expect(tagged.errors.join('\n')).toMatch(/would be lower than 12.0.20270101/)
    })

    test('promote: copies stable to a release folder, md5-checked; refuses to overwrite unless asked', async () => {
      const dest = join(work, 'promote')
      const built = await runAction({
        rootfs,
        ...OS,
        destination: dest,
        channel: 'stable',
        date: '20261120',
      })
      expect(built.code).toBe(0)
      const promote = {
        ...OS,
        destination: dest,
        mode: 'promote',
        'from-channel': 'stable',
        'to-channel': '20261125',
      }
      const run = await runAction(promote)
      expect(run.code, run.log).toBe(0)
      expect(run.outputs['image-id']).toBe('debian-12.0.20261120')
      expect(run.outputs.md5).toBe(built.outputs.md5)
      const target = join(dest, '20261125/debian/12')
      expect(readdirSync(target).sort()).toEqual(['img.tar.lz4', 'img.tar.lz4.md5', 'versions.json'])
      expect(
        readFileSync(join(target, 'img.tar.lz4')).equals(
          readFileSync(join(dest, 'stable/debian/12/img.tar.lz4')),
        ),
      ).toBe(true)
      expect(execFileSync('md5sum', ['-c', 'img.tar.lz4.md5'], { cwd: target, encoding: 'utf8' })).toBe(
        'img.tar.lz4: OK\n',
      )
      expect(index(target).versions.map((v: { version: string }) => v.version)).toEqual(['12.0.20261120'])

      const before = snapshot(dest)
      const again = await runAction(promote)
      expect(again.code).toBe(1)
      expect(again.errors.join('\n')).toMatch(/input "to-channel" = "20261125": .* already holds an image/)
      expect(snapshot(dest)).toEqual(before)
      const over = await runAction({ ...promote, 'on-conflict': 'overwrite' })
      expect(over.code).toBe(0)
    })

    test('promote: a corrupted source image is refused, nothing lands', async () => {
      const dest = join(work, 'promote-bad')
      const built = await runAction({ rootfs, ...OS, destination: dest, channel: 'stable' })
      expect(built.code).toBe(0)
      const img = join(dest, 'stable/debian/12/img.tar.lz4')
      const bytes = readFileSync(img)
      bytes[bytes.length - 1]! ^= 0xff
      writeFileSync(img, bytes)
      const run = await runAction({
        ...OS,
        destination: dest,
        mode: 'promote',
        'from-channel': 'stable',
        'to-channel': 'release',
      })
      expect(run.code).toBe(1)
      expect(run.errors.join('\n')).toMatch(/the copy of .* has md5 [0-9a-f]{32}, not [0-9a-f]{32}/)
      expect(readdirSync(dest)).toEqual(['stable'])
    })
  })

  describe.skipIf(!ready)(
    `the job summary ${name}: what changed in the packages since the previous version`,
    () => {
      /** A rootfs whose dpkg database holds these packages (name -> version), all installed. */
      const rootfsWith = (dir: string, packages: Record<string, string>): string => {
        const root = mkdtempSync(join(dir, 'root-'))
        execFileSync('mkdir', ['-p', join(root, 'var/lib/dpkg')])
        const status = Object.entries(packages)
          .map(
            ([name, version]) =>
              `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\nDescription: ${name}\n`,
          )
          .join('\n')
        writeFileSync(join(root, 'var/lib/dpkg/status'), status)
        const tar = `${root}.tar`
        execFileSync('tar', ['-C', root, '-cf', tar, 'var'])
        return tar
      }

      test.each(['versioned', 'flat'])(
        '%s layout: added, removed, upgraded, read from the previous packages.txt in the destination',
        async (layout) => {
          const runAction = makeRunner()
          const work = mkdtempSync(join(tmpdir(), 'metal-image-diff-'))
          const dest = join(work, 'dest')
          const before = rootfsWith(work, {
            bash: '5.2.15-2+b2',
            gpgv: '2.2.40-1.1',
            tzdata: '2024a-0+deb12u1',
          })
          const after = rootfsWith(work, { bash: '5.2.15-2+b7', tzdata: '2024a-0+deb12u1', hello: '2.10-3' })
          const common = { ...OS, destination: dest, layout, 'on-conflict': 'overwrite' }
          const first = await runAction({ ...common, rootfs: before, date: '20261120' })
          expect(first.code, first.log).toBe(0)
          expect(first.summary).not.toContain('Package changes')
          const second = await runAction({ ...common, rootfs: after, date: '20261125' })
          expect(second.code, second.log).toBe(0)
          expect(second.summary).toContain('1 added, 1 removed, 1 upgraded')
          expect(second.summary).toContain('since debian-12.0.20261120')
          expect(second.summary).toMatch(/\| added \| `hello` \|/)
          expect(second.summary).toMatch(/\| upgraded \| `bash` \| `5\.2\.15-2\+b2` \| `5\.2\.15-2\+b7` \|/)
        },
      )
    },
  )
}
