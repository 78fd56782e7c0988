import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'

// The CLI as a user runs it (from src/, on this Node): every failure is one line that says what failed, exit 1.
const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'cli-errors-'))
afterAll(() => {
  spawnSync('umount', [join(work, 'full')])
  rmSync(work, { recursive: true, force: true })
})

const ARGS = ['--os-name', 'x', '--os-version', '1', '--contract', 'off']

/** `sh -c 'node bin.ts ARGS REDIRECTION'`: the shell sets up standard input as a user's would. */
function cli(args: string[], redirect = ''): SpawnSyncReturns<string> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  return spawnSync('sh', ['-c', `${quoted} ${redirect}`], { encoding: 'utf8', env: cliEnv() })
}

function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('GITHUB_')) delete env[name]
  return env
}

/** The last line on stderr, which must be the only error line. */
function errorLine(r: SpawnSyncReturns<string>): string {
  expect(r.status).toBe(1)
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '))
  expect(errors).toHaveLength(1)
  return errors[0]!
}

describe('--rootfs - with standard input that is no tar stream', () => {
  const dest = join(work, 'dest')
  const args = ['--rootfs', '-', '--destination', dest, ...ARGS]

  test('closed: Node puts /dev/null in its place, and that is said', () => {
    expect(errorLine(cli(args, '<&-'))).toBe(
      'error: input "rootfs" = "-": standard input is /dev/null (or was closed): expected a tar piped into it (e.g. `docker export c | metal-image --rootfs -`)',
    )
  })

  test('/dev/null', () => {
    expect(errorLine(cli(args, '< /dev/null'))).toMatch(/standard input is \/dev\/null/)
  })

  test('a folder (`< /`) is not "the stream is empty"', () => {
    expect(errorLine(cli(args, '< /'))).toBe(
      'error: input "rootfs" = "-": standard input is a folder (`< DIR`): expected a tar piped into it (e.g. `tar -C DIR -c . | metal-image --rootfs -`)',
    )
  })

  test('open for writing only: not a bare EBADF', () => {
    const line = errorLine(cli(args, `0> '${join(work, 'write-only')}'`))
    expect(line).toBe(
      'error: input "rootfs" = "-": standard input is not open for reading (EBADF): expected a tar piped into it (e.g. `docker export c | metal-image --rootfs -`)',
    )
  })

  test('an empty pipe is an empty stream', () => {
    const r = spawnSync(process.execPath, [BIN, ...args], { input: '', encoding: 'utf8', env: cliEnv() })
    expect(errorLine(r)).toBe('error: input "rootfs" = "-": the stream is empty, not a tar archive')
  })
})

describe('a rootfs file that cannot be read', () => {
  test('a missing file says so in words', () => {
    const missing = join(work, 'missing.tar')
    expect(errorLine(cli(['--rootfs', missing, '--destination', join(work, 'd'), ...ARGS]))).toBe(
      `error: input "rootfs" = "${missing}": cannot read it: no such file or folder (ENOENT); expected an uncompressed tar file`,
    )
  })
})

// A tmpfs of 1 MiB: root can mount one here (CI runs as root); elsewhere this is skipped with a message.
function smallDisk(): string | undefined {
  const dir = join(work, 'full')
  mkdirSync(dir)
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' })
  if (r.status === 0) return dir
  const message = `cannot mount a small tmpfs (${r.stderr.trim() || r.error?.message}): needs root`
  if (process.env.CI === 'true') throw new Error(`CI=true but ${message}`)
  console.warn(`skipping: ${message}`)
  return undefined
}

describe('a full disk', () => {
  const disk = smallDisk()
  test.skipIf(!disk)('names the file, the folder and the reason: the disk is full (ENOSPC)', () => {
    const root = join(work, 'rootfs')
    mkdirSync(root)
    // 3 MiB that do not compress.
    const fd = openSync(join(root, 'random.bin'), 'w')
    for (let i = 0; i < 48; i++) writeFileSync(fd, crypto.getRandomValues(new Uint8Array(65536)))
    closeSync(fd)
    const tar = join(work, 'random.tar')
    expect(spawnSync('tar', ['-C', root, '-cf', tar, '.']).status).toBe(0)
    const line = errorLine(cli(['--rootfs', tar, '--destination', disk!, ...ARGS]))
    expect(line).toBe(`error: cannot write img.tar.lz4 to ${join(disk!, 'x/1')}: the disk is full (ENOSPC)`)
  })
})

describe('in a workflow run: step, the runner reads commands from stderr', () => {
  test('a value with a newline cannot start a workflow command, nor hold an old-style one', () => {
    const r = spawnSync(process.execPath, [BIN, '--context', '.\n::error title=x::forged', ...ARGS], {
      encoding: 'utf8',
      env: cliEnv(),
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/forged/)
    expect(r.stderr.split('\n').filter((l) => /^\s*::/.test(l))).toEqual([])
    const old = spawnSync(process.execPath, [BIN, '--rootfs', 'x##[set-output name=url;]y', ...ARGS], {
      encoding: 'utf8',
      env: cliEnv(),
    })
    expect(old.status).toBe(1)
    expect(old.stderr).toMatch(/x##\u200b\[set-output/)
    expect(old.stderr).not.toMatch(/##\[/)
  })
})
