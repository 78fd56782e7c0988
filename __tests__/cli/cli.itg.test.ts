import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { OUTPUTS } from '../../src/config/inputs.ts'
import { requireTool } from '../helpers/env.ts'

const root = resolve(import.meta.dirname, '..', '..')
const cli = join(root, 'dist', 'cli.js')

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })
}

describe.skipIf(!requireTool('tar', 'apt-get install tar'))('the bundled CLI', () => {
  test('--artifact true outside GitHub Actions: exit 1 before any work, naming the input', () => {
    const run = runCli([
      '--os-name',
      'debian',
      '--os-version',
      '12',
      '--rootfs',
      '/nonexistent',
      '--artifact',
      'true',
    ])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(
      /error: input "artifact" = "true": workflow artifacts exist only in GitHub Actions/,
    )
  })

  test("--version prints package.json's version", () => {
    const run = runCli(['--version'])
    expect(run.status).toBe(0)
    expect(run.stdout).toBe(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`)
  })

  test('--help exits 0 and prints the usage', () => {
    const run = runCli(['--help'])
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('Usage: metal-image --os-name NAME --os-version VERSION')
  })

  test('publishes a rootfs tar and prints the outputs as name=value lines on stdout', () => {
    const work = mkdtempSync(join(tmpdir(), 'metal-image-cli-'))
    const tar = join(work, 'rootfs.tar')
    spawnSync('tar', ['-C', join(root, 'examples'), '-cf', tar, '.'])
    const run = runCli([
      '--rootfs',
      tar,
      '--os-name',
      'tiny',
      '--os-version',
      '1.2',
      '--destination',
      join(work, 'out'),
      // A folder of examples, not an image: the contract check would fail it (e2e tests cover it).
      '--contract',
      'off',
    ])
    expect(run.status, run.stderr).toBe(0)
    const outputs = Object.fromEntries(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    )
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(OUTPUTS).sort())
    expect(outputs['image-id']).toMatch(/^tiny-1\.2\.\d{8}$/)
    expect(outputs.packages).toBe('')
    // No dpkg database: a warning, and no packages.txt.
    expect(run.stderr).toMatch(/warning: The rootfs has no package database/)
    expect(readdirSync(join(work, 'out', 'tiny', '1.2')).sort()).toEqual([
      'img.tar.lz4',
      'img.tar.lz4.md5',
      'sbom.cdx.json',
      'versions.json',
    ])
    expect(readFileSync(join(work, 'out', 'tiny', '1.2', 'img.tar.lz4.md5'), 'utf8')).toBe(
      `${outputs.md5}  img.tar.lz4\n`,
    )
  })

  describe.skipIf(!requireTool('lz4', 'apt-get install lz4'))('a rootfs from a pipe', () => {
    const publishArgs = (rootfs: string, out: string) => [
      '--rootfs',
      rootfs,
      '--os-name',
      'tiny',
      '--os-version',
      '1.2',
      '--destination',
      out,
      '--contract',
      'off',
      // Without build info the image holds exactly the tar that went in.
      '--build-info',
      'false',
    ]
    const exampleTar = (work: string) => {
      const tar = join(work, 'rootfs.tar')
      execFileSync('tar', ['-C', join(root, 'examples'), '-cf', tar, '.'])
      return readFileSync(tar)
    }
    const unpacked = (out: string) =>
      execFileSync('lz4', ['-dc', join(out, 'tiny', '1.2', 'img.tar.lz4')], { maxBuffer: 1 << 28 })

    test('--rootfs - reads the tar from standard input', () => {
      const work = mkdtempSync(join(tmpdir(), 'metal-image-cli-'))
      const tar = exampleTar(work)
      const out = join(work, 'out')
      const run = spawnSync(process.execPath, [cli, ...publishArgs('-', out)], {
        input: tar,
        encoding: 'utf8',
      })
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr).toMatch(/Rootfs from rootfs tar on standard input/)
      expect(unpacked(out).equals(tar)).toBe(true)
      expect(run.stdout).toContain(`rootfs-size=${tar.length}\n`)
    })

    /** The CLI reading `fifo` while `cat` writes `file` into it (the writer blocks until the CLI opens it). */
    const throughFifo = (work: string, file: string, out: string) => {
      const fifo = join(work, 'rootfs.fifo')
      execFileSync('mkfifo', [fifo])
      const run = spawnSync(
        'sh',
        [
          '-c',
          'file="$1"; fifo="$2"; shift 2; cat "$file" > "$fifo" & exec "$@"',
          'sh',
          file,
          fifo,
          process.execPath,
          cli,
          ...publishArgs(fifo, out),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      )
      return { run, fifo }
    }

    test('a fifo is read as it is written', () => {
      const work = mkdtempSync(join(tmpdir(), 'metal-image-cli-'))
      const tar = exampleTar(work)
      const out = join(work, 'out')
      const fifo = join(work, 'rootfs.fifo')
      const { run } = throughFifo(work, join(work, 'rootfs.tar'), out)
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr).toContain(`Rootfs from rootfs tar ${fifo} (a pipe)`)
      expect(unpacked(out).equals(tar)).toBe(true)
    })

    test('a compressed tar through a fifo: exit 1 naming the input, nothing published', () => {
      const work = mkdtempSync(join(tmpdir(), 'metal-image-cli-'))
      const gz = join(work, 'rootfs.tar.gz')
      writeFileSync(gz, gzipSync(exampleTar(work)))
      const out = join(work, 'out')
      const { run, fifo } = throughFifo(work, gz, out)
      expect(run.status).toBe(1)
      expect(run.stderr).toContain(
        `error: input "rootfs" = "${fifo}": is gzip-compressed: expected an uncompressed tar (decompress it first)`,
      )
      expect(existsSync(join(out, 'tiny', '1.2', 'img.tar.lz4'))).toBe(false)
    })

    test('a compressed tar on standard input: exit 1 naming the input, nothing published', () => {
      const work = mkdtempSync(join(tmpdir(), 'metal-image-cli-'))
      const gz = gzipSync(exampleTar(work))
      const out = join(work, 'out')
      const run = spawnSync(process.execPath, [cli, ...publishArgs('-', out)], {
        input: gz,
        encoding: 'utf8',
      })
      expect(run.status).toBe(1)
      expect(run.stderr).toMatch(
        /^error: input "rootfs" = "-": is gzip-compressed: expected an uncompressed tar \(decompress it first\)/m,
      )
      expect(run.stdout).toBe('')
      expect(existsSync(join(out, 'tiny', '1.2', 'img.tar.lz4'))).toBe(false)
    })
  })

  test('a bad flag exits 1 with the error on stderr and nothing on stdout', () => {
    const run = runCli(['--os-name', 'debian', '--os-version', '12', '--compression-level', '99'])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^error: input "compression-level" = "99": expected a number from 1 to 12/m)
    expect(run.stdout).toBe('')
  })
})
