import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { helpText, parseArgs } from '../src/cli.ts'
import { INPUTS, OUTPUTS } from '../src/inputs.ts'
import { requireTool } from './helpers/env.ts'

const root = resolve(import.meta.dirname, '..')
const cli = join(root, 'dist', 'cli.js')

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })
}

describe('parseArgs', () => {
  test('--name value, --name=value, switches and repeated list flags', () => {
    const { values, help } = parseArgs([
      '--os-name',
      'debian',
      '--os-version=12',
      '--pull',
      '--no-cache',
      'false',
      '--build-args',
      'A=1',
      '--build-args=B=2',
      '--destination',
      '-relative-dir',
    ])
    expect(help).toBe(false)
    expect(Object.fromEntries(values)).toEqual({
      'os-name': 'debian',
      'os-version': '12',
      pull: 'true',
      'no-cache': 'false',
      'build-args': 'A=1\nB=2',
      destination: '-relative-dir',
    })
  })

  test.each([
    [['--bogus', 'x'], /unknown flag --bogus/],
    [['--os-name'], /--os-name needs a value/],
    [['--os-name', '--os-version', '12'], /--os-name needs a value/],
    [['debian'], /expected --<input> <value>/],
  ])('%o is an error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message)
  })

  test('--help lists every input as a flag and every output', () => {
    const text = helpText()
    for (const name of Object.keys(INPUTS)) expect(text).toContain(`--${name}`)
    for (const name of Object.keys(OUTPUTS)) expect(text).toMatch(new RegExp(`^  ${name}$`, 'm'))
  })
})

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

  test('a bad flag exits 1 with the error on stderr and nothing on stdout', () => {
    const run = runCli(['--os-name', 'debian', '--os-version', '12', '--compression-level', '99'])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^error: input "compression-level" = "99": expected a number from 1 to 12/m)
    expect(run.stdout).toBe('')
  })
})
