import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { requireTool } from '../helpers/env.ts'

/**
 * The CLI as an npm package (issue 19): this checkout packed with `npm pack`, installed globally into a
 * temporary prefix with no registry and an empty npm cache (so it must need no package at run time), and
 * run from there with Node 24, outside any repository: what `npm install -g metal-image-action` gives a
 * user. Takes a few seconds (packing 10 MB of dist/).
 */

const root = resolve(import.meta.dirname, '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
/** The project's Node 24 (the `node` dev dependency), alone in its folder. */
const node24 = dirname(realpathSync(join(root, 'node_modules', '.bin', 'node')))

/** An environment with nothing of this repository or of the npm run that started the tests. */
function cleanEnv(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: `${node24}:/usr/local/bin:/usr/bin:/bin`,
    npm_config_cache: join(home, 'npm-cache'),
    npm_config_update_notifier: 'false',
    TMPDIR: home,
  }
}

function run(cmd: string, args: string[], options: SpawnSyncOptions) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...options })
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) }
}

describe.skipIf(!requireTool('npm', 'it comes with Node') || !requireTool('tar', 'apt-get install tar'))(
  'npm pack, npm install -g, metal-image',
  () => {
    let work: string
    let tarball: string
    let files: string[]
    let bin: string
    let env: NodeJS.ProcessEnv

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'metal-image-pack-'))
      env = cleanEnv(work)
      const packed = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, env })
      expect(packed.status, packed.stderr).toBe(0)
      const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[]
      tarball = join(work, info!.filename)
      files = info!.files.map((f) => f.path).sort()

      const prefix = join(work, 'prefix')
      const installed = run(
        'npm',
        ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
        { cwd: work, env },
      )
      expect(installed.status, installed.stderr).toBe(0)
      bin = join(prefix, 'bin', 'metal-image')
    })

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true })
    })

    test('the tarball is the package: dist/, action.yml and the documents, nothing else', () => {
      expect(tarball).toMatch(new RegExp(`metal-image-action-${pkg.version.replaceAll('.', '\\.')}\\.tgz$`))
      const top = [...new Set(files.map((f) => f.split('/')[0]))].sort()
      expect(top).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'action.yml', 'dist', 'package.json'])
      for (const needed of [
        'dist/cli.js',
        'dist/index.js',
        'dist/lz4-worker.js',
        'dist/hash-worker.js',
        'dist/licenses.txt',
        'dist/lz4block.linux-x64-gnu.node',
        'dist/lz4block.linux-arm64-gnu.node',
      ])
        expect(files).toContain(needed)
      // What is in dist/ in the checkout is what is packed.
      const list = (dir: string, prefix: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? list(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
        )
      expect(files.filter((f) => f.startsWith('dist/'))).toEqual(list(join(root, 'dist'), 'dist/').sort())
    })

    test('the package needs nothing at run time: no dependencies, none installed', () => {
      const manifest = JSON.parse(
        run('tar', ['-xzOf', tarball, 'package/package.json'], { cwd: work }).stdout,
      ) as Record<string, unknown>
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'])
        expect(manifest[field], field).toBeUndefined()
      expect(manifest.bin).toEqual({ 'metal-image': 'dist/cli.js' })
      const installedDir = join(work, 'prefix', 'lib', 'node_modules', 'metal-image-action')
      expect(existsSync(join(installedDir, 'dist', 'cli.js'))).toBe(true)
      expect(existsSync(join(installedDir, 'node_modules'))).toBe(false)
    })

    test('metal-image --help prints the usage, on Node 24', () => {
      const node = run('node', ['--version'], { cwd: work, env })
      expect(node.stdout).toMatch(/^v24\./)
      const help = run(bin, ['--help'], { cwd: work, env })
      expect(help.status, help.stderr).toBe(0)
      expect(help.stdout).toMatch(/^Usage: metal-image --os-name NAME --os-version VERSION/)
      expect(help.stdout).toContain('--rootfs VALUE')
    })

    test("metal-image --version prints package.json's version", () => {
      const version = run(bin, ['--version'], { cwd: work, env })
      expect(version.status, version.stderr).toBe(0)
      expect(version.stdout).toBe(`${pkg.version}\n`)
    })

    describe.skipIf(!requireTool('lz4', 'apt-get install lz4') || !requireTool('md5sum', 'coreutils'))(
      'the installed CLI publishes an image',
      () => {
        // Both levels run our addon of lz4's C (native/) from the installed dist/, which the debug log names.
        test.each(['1', '9'])(
          'compression level %s: md5sum -c passes, lz4 -d gives the tar back',
          (level) => {
            const rootfs = join(work, 'rootfs.tar')
            if (!existsSync(rootfs)) run('tar', ['-C', join(root, 'examples'), '-cf', rootfs, '.'], {})
            const out = join(work, `images-${level}`)
            mkdirSync(out)
            const published = run(
              bin,
              [
                ...['--rootfs', rootfs, '--os-name', 'tiny', '--os-version', '1.2'],
                ...['--destination', out, '--compression-level', level],
                // A folder of examples, not an OS: no contract; no build info, so the image is exactly the tar.
                ...['--contract', 'off', '--build-info', 'false'],
              ],
              { cwd: work, env: { ...env, METAL_IMAGE_DEBUG: '1' } },
            )
            expect(published.status, published.stderr).toBe(0)
            expect(published.stdout).toMatch(/^image-id=tiny-1\.2\.\d{8}$/m)
            const engine = /^debug: LZ4 level \d+: lz4 1\.9\.4's C \((.*)\)/m.exec(published.stderr)?.[1]
            const installed = join(work, 'prefix', 'lib', 'node_modules', 'metal-image-action', 'dist')
            expect(engine).toBe(join(installed, `lz4block.linux-${process.arch}-gnu.node`))
            const folder = join(out, 'tiny', '1.2')
            expect(run('md5sum', ['-c', 'img.tar.lz4.md5'], { cwd: folder }).status).toBe(0)
            const decoded = spawnSync('lz4', ['-dc', join(folder, 'img.tar.lz4')], { maxBuffer: 1 << 26 })
            expect(decoded.status).toBe(0)
            expect(decoded.stdout.equals(readFileSync(rootfs))).toBe(true)
          },
        )
      },
    )
  },
)
