import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { requireTool } from '../helpers/env.ts'
import { rootfsTar, runCli } from '../helpers/publishers.ts'

// A commit that fails on the real file system: a file of the earlier set made immutable (chattr +i, as
// root) refuses to be replaced, linked or removed. The run says which file and operation failed and
// that the earlier set is intact, and it is, byte for byte. (Every change of a commit failing in turn is
// covered with injected faults in store/commit.test.ts.)

const root = process.getuid?.() === 0
const chattr =
  root && requireTool('chattr', 'apt-get install e2fsprogs') && requireTool('tar', 'apt-get install tar')
const work = chattr ? mkdtempSync(join(tmpdir(), 'metal-image-faults-')) : ''
// chattr needs a file system that has the flag (ext4, xfs; not tmpfs or overlayfs).
const immutable =
  chattr &&
  (() => {
    const probe = join(work, 'probe')
    execFileSync('touch', [probe])
    const ok = spawnSync('chattr', ['+i', probe]).status === 0
    spawnSync('chattr', ['-i', probe])
    if (!ok) console.warn(`skipping: chattr +i does not work in ${work}`)
    return ok
  })()

const ARGS = ['--os-name', 'debian', '--os-version', '12', '--contract', 'off', '--build-info', 'false']

function files(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, readFileSync(join(dir, n)).toString('base64')]),
  )
}

describe.skipIf(!immutable)('a commit that fails on the file system', () => {
  test.each([
    [
      'img.tar.lz4',
      /^error: could not keep img\.tar\.lz4 aside \(EPERM\); the earlier set in file:\/\/.*\/debian\/12\/ is intact$/m,
    ],
    [
      'sbom.cdx.json',
      /^error: could not replace sbom\.cdx\.json \(EPERM\); the earlier set in file:\/\/.*\/debian\/12\/ is intact$/m,
    ],
    [
      'img.tar.lz4.md5',
      /^error: could not remove img\.tar\.lz4\.md5 \(EPERM\); the earlier set in file:\/\/.*\/debian\/12\/ is intact$/m,
    ],
    [
      'versions.json',
      /^error: could not replace versions\.json \(EPERM\); the earlier set in file:\/\/.*\/debian\/12\/ is intact$/m,
    ],
  ])(
    '%s of the earlier set immutable: the error names it, the earlier set is intact',
    async (name, message) => {
      const dest = mkdtempSync(join(work, 'dest-'))
      const dir = join(dest, 'debian', '12')
      const first = await runCli([
        '--rootfs',
        rootfsTar(work, `a-${name}`),
        '--destination',
        dest,
        '--date',
        '20261201',
        ...ARGS,
      ])
      expect(first.code, first.stderr).toBe(0)
      const before = files(dir)
      execFileSync('chattr', ['+i', join(dir, name)])
      try {
        const second = await runCli([
          '--rootfs',
          rootfsTar(work, `b-${name}`),
          '--destination',
          dest,
          '--date',
          '20261202',
          ...ARGS,
        ])
        expect(second.code).toBe(1)
        expect(second.stderr).toMatch(message)
        expect(files(dir)).toEqual(before)
      } finally {
        execFileSync('chattr', ['-i', join(dir, name)])
      }
      // With the flag gone, the next run publishes.
      const third = await runCli([
        '--rootfs',
        rootfsTar(work, `c-${name}`),
        '--destination',
        dest,
        '--date',
        '20261203',
        ...ARGS,
      ])
      expect(third.code, third.stderr).toBe(0)
      expect(readdirSync(dir).sort()).toEqual([
        'img.tar.lz4',
        'img.tar.lz4.md5',
        'sbom.cdx.json',
        'versions.json',
      ])
    },
  )
})
