import { spawnSync } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  buildCacheDir,
  buildKitCacheArgs,
  cacheKey,
  CLASSIC_CANNOT_CACHE,
  contextDigest,
  contextEntries,
  dockerfilePath,
  fileDigest,
  IgnoreMatcher,
  newCacheDir,
  parseBuildxDriver,
  probeBuildx,
  restoreBuildCache,
  rotateCacheDir,
  saveBuildCache,
  usesContainerdStore,
  type CacheKeyOptions,
} from '../src/build-cache.ts'
import type { BuildConfig } from '../src/inputs.ts'
import type { Log } from '../src/log.ts'
import { dockerAvailable } from './helpers/env.ts'
import { startResultsService } from './helpers/results-service.ts'

/**
 * The build cache: keys, the context digest, docker's cache arguments, and the save/restore round trip
 * through @actions/cache against real Azure Blob storage (Azurite) and the results service stand-in.
 */

const service = await startResultsService()
const tmp = mkdtempSync(join(tmpdir(), 'build-cache-test-'))

afterAll(async () => {
  vi.unstubAllEnvs()
  await service?.close()
  rmSync(tmp, { recursive: true, force: true })
})

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (line) => lines.push(`info: ${line}`),
    warning: (line) => lines.push(`warning: ${line}`),
    debug() {},
    group: (_name, fn) => fn(),
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Every entry under `dir` with its mode and content: "the same tree" in one comparison. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const path = join(e.parentPath, e.name)
      const rel = relative(dir, path)
      if (e.isSymbolicLink()) return `${rel} -> ${readlinkSync(path)}`
      const mode = (statSync(path).mode & 0o7777).toString(8)
      if (e.isDirectory()) return `${rel}/ ${mode}`
      return `${rel} ${mode} ${sha256(readFileSync(path))}`
    })
    .sort()
}

// --- cacheKey ---------------------------------------------------------------------------------------------

const BUILD: BuildConfig = {
  context: '.',
  file: '',
  buildArgs: [
    ['DEBIAN_MIRROR', 'http://deb.debian.org/debian'],
    ['APT_TOKEN', 'hunter2-s3cr3t'],
  ],
  target: '',
  platform: 'linux/amd64',
  noCache: false,
  pull: false,
  labels: [],
  buildkit: 'auto',
}
const OPTS: CacheKeyOptions = {
  contextDigest: `sha256:${'c'.repeat(64)}`,
  dockerfileDigest: `sha256:${'d'.repeat(64)}`,
  os: 'debian-12',
}

describe('cacheKey', () => {
  const base = cacheKey(BUILD, OPTS)

  test('names the platform and OS, then digests of the Dockerfile, the settings and the context', () => {
    expect(base.key).toMatch(
      /^metal-image-buildkit-linux\/amd64-debian-12_[0-9a-f]{16}_[0-9a-f]{16}_[0-9a-f]{16}$/,
    )
    expect(cacheKey(structuredClone(BUILD), { ...OPTS })).toEqual(base)
    // what @actions/cache accepts: at most 512 characters, no commas, at most 10 keys in all
    for (const key of [base.key, ...base.restoreKeys]) {
      expect(key.length).toBeLessThanOrEqual(512)
      expect(key).not.toContain(',')
    }
    expect(1 + base.restoreKeys.length).toBeLessThanOrEqual(10)
  })

  test('restore keys go from the most specific to the least, each a prefix of the key', () => {
    const [sameSettings, sameDockerfile, sameOs] = base.restoreKeys
    expect(base.restoreKeys).toHaveLength(3)
    expect(sameOs).toBe('metal-image-buildkit-linux/amd64-debian-12_')
    expect(sameDockerfile).toMatch(/^metal-image-buildkit-linux\/amd64-debian-12_[0-9a-f]{16}_$/)
    expect(sameSettings).toMatch(/^metal-image-buildkit-linux\/amd64-debian-12_[0-9a-f]{16}_[0-9a-f]{16}_$/)
    for (const [i, key] of base.restoreKeys.entries()) {
      expect(base.key.startsWith(key)).toBe(true)
      if (i > 0) expect(base.restoreKeys[i - 1]!.startsWith(key)).toBe(true)
    }
  })

  // For each change: does the key change, and which of the NEW build's restore keys still finds the
  // entry the OLD build saved (0: same Dockerfile and settings, 1: same Dockerfile, 2: same platform
  // and OS, undefined: none)?
  const changes: [string, BuildConfig, CacheKeyOptions, number | undefined][] = [
    ['the context', BUILD, { ...OPTS, contextDigest: `sha256:${'e'.repeat(64)}` }, 0],
    ['a build arg value', { ...BUILD, buildArgs: [['DEBIAN_MIRROR', 'x'], BUILD.buildArgs[1]!] }, OPTS, 1],
    ['a secret build arg value', { ...BUILD, buildArgs: [BUILD.buildArgs[0]!, ['APT_TOKEN', 'x']] }, OPTS, 1],
    ['an added build arg', { ...BUILD, buildArgs: [...BUILD.buildArgs, ['EXTRA', '']] }, OPTS, 1],
    ['the target', { ...BUILD, target: 'rootfs' }, OPTS, 1],
    ['the Dockerfile', BUILD, { ...OPTS, dockerfileDigest: `sha256:${'f'.repeat(64)}` }, 2],
    ['the OS', BUILD, { ...OPTS, os: 'debian-13' }, undefined],
    ['the platform', { ...BUILD, platform: 'linux/arm64' }, OPTS, undefined],
  ]
  test.each(changes)('changing %s changes the key', (_what, build, opts, restoredThrough) => {
    const changed = cacheKey(build, opts)
    expect(changed.key).not.toBe(base.key)
    const hits = changed.restoreKeys.map((prefix) => base.key.startsWith(prefix))
    expect(hits.indexOf(true) === -1 ? undefined : hits.indexOf(true)).toBe(restoredThrough)
  })

  const same: [string, BuildConfig, CacheKeyOptions][] = [
    ['labels', { ...BUILD, labels: ['org.example=1'] }, OPTS],
    ['pull and no-cache', { ...BUILD, pull: true, noCache: true }, OPTS],
    ['the builder choice', { ...BUILD, buildkit: 'true' }, OPTS],
    ['the order of the build args', { ...BUILD, buildArgs: [...BUILD.buildArgs].reverse() }, OPTS],
    [
      'an arg given twice (the last one counts)',
      { ...BUILD, buildArgs: [['APT_TOKEN', 'old'], ...BUILD.buildArgs] },
      OPTS,
    ],
    ['the upper case of the platform', { ...BUILD, platform: 'Linux/AMD64' }, OPTS],
  ]
  test.each(same)('%s do(es) not change the key', (_what, build, opts) => {
    expect(cacheKey(build, opts)).toEqual(base)
  })

  test('build arg values, names and their plain digests are nowhere in the keys', () => {
    const secret = BUILD.buildArgs[1]![1]
    const all = JSON.stringify(cacheKey(BUILD, OPTS))
    expect(all).not.toContain(secret)
    expect(all).not.toContain('APT_TOKEN')
    expect(all).not.toContain('deb.debian.org')
    for (const digest of [sha256(secret), sha256(`APT_TOKEN=${secret}`)])
      for (let i = 0; i + 16 <= digest.length; i += 8) expect(all).not.toContain(digest.slice(i, i + 16))
  })

  test('an OS that is a prefix of another does not restore its entries; odd characters are replaced', () => {
    const debian = cacheKey(BUILD, { ...OPTS, os: 'debian' })
    expect(debian.restoreKeys.some((prefix) => base.key.startsWith(prefix))).toBe(false)
    const arm = cacheKey({ ...BUILD, platform: 'linux/arm' }, OPTS)
    const arm64 = cacheKey({ ...BUILD, platform: 'linux/arm64' }, OPTS)
    expect(arm.restoreKeys.some((prefix) => arm64.key.startsWith(prefix))).toBe(false)
    const odd = cacheKey(BUILD, { ...OPTS, os: 'my_os,1' })
    expect(odd.key).toMatch(/^metal-image-buildkit-linux\/amd64-my-os-1_/)
    expect(cacheKey(BUILD, { ...OPTS, os: undefined }).restoreKeys[2]).toBe(
      'metal-image-buildkit-linux/amd64-any_',
    )
  })
})

// --- .dockerignore and contextDigest ----------------------------------------------------------------------

describe('IgnoreMatcher reads .dockerignore as docker does', () => {
  const cases: [string, string, boolean][] = [
    // [patterns, path, excluded]
    ['*.log', 'a.log', true],
    ['*.log', 'dir/a.log', false],
    ['**/*.log', 'dir/sub/a.log', true],
    ['**/*.log', 'a.log', true],
    ['dir/**', 'dir/x/y', true],
    ['dir/**', 'dir', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['node_modules', 'node_modules/pkg/index.js', true],
    ['/node_modules', 'node_modules/pkg/index.js', true],
    ['./build/', 'build/out.txt', true],
    ['build', 'src/build', false],
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['[!ab].txt', 'c.txt', true],
    ['file\\*.txt', 'file*.txt', true],
    ['file\\*.txt', 'fileX.txt', false],
    ['a.b', 'aXb', false],
    ['# a comment\n', '# a comment', false],
    ['  spaced.txt  ', 'spaced.txt', true],
    ['*\n!keep', 'keep', false],
    ['*\n!keep', 'keep/inner', false],
    ['*\n!keep', 'other', true],
    ['*.md\n!README.md', 'README.md', false],
    ['*.md\n!README.md\nREADME.md', 'README.md', true],
    ['secrets\n!secrets/public\nsecrets/public/key', 'secrets/public/key', true],
    ['secrets\n!secrets/public\nsecrets/public/key', 'secrets/public/cert', false],
    ['\uFEFFbom.txt', 'bom.txt', true],
    ['a[b', 'a[b', true],
  ]
  test.each(cases)('%j on %s: excluded %s', (patterns, path, excluded) => {
    expect(new IgnoreMatcher(patterns).matches(path)).toBe(excluded)
  })
})

describe('contextDigest', () => {
  let n = 0
  /** a build context like a metal-images folder: Dockerfile, config files, a script */
  function context(files: Record<string, string> = {}): string {
    const dir = join(tmp, `ctx-${n++}`)
    const all: Record<string, string> = {
      Dockerfile: 'FROM debian:bookworm\nCOPY . /ctx\n',
      'etc/apt/sources.list': 'deb http://deb.debian.org/debian bookworm main\n',
      'etc/motd': 'metal\n',
      'install.sh': '#!/bin/sh\necho install\n',
      ...files,
    }
    for (const [path, content] of Object.entries(all)) {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), content)
    }
    chmodSync(join(dir, 'install.sh'), 0o755)
    return dir
  }
  const digest = (dir: string): Promise<string> => contextDigest(dir, join(dir, 'Dockerfile'))

  test('the same tree gives the same digest: run after run, in another folder, with other mtimes', async () => {
    const dir = context()
    const first = await digest(dir)
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await digest(dir)).toBe(first)
    const copy = join(tmp, 'copy-of-ctx')
    cpSync(dir, copy, { recursive: true })
    utimesSync(join(copy, 'etc/motd'), new Date(2001, 1, 1), new Date(2001, 1, 1))
    expect(await digest(copy)).toBe(first)
    // the Dockerfile argument is resolved like `file`: empty means <context>/Dockerfile
    expect(await contextDigest(dir, '')).toBe(first)
  })

  const edits: [string, (dir: string) => void][] = [
    ['a file content', (dir) => writeFileSync(join(dir, 'etc/motd'), 'metal!\n')],
    ['a file mode', (dir) => chmodSync(join(dir, 'etc/motd'), 0o755)],
    ['a directory mode', (dir) => chmodSync(join(dir, 'etc/apt'), 0o700)],
    ['a new file', (dir) => writeFileSync(join(dir, 'etc/hostname'), 'x\n')],
    ['a new empty directory', (dir) => mkdirSync(join(dir, 'var'))],
    ['a removed file', (dir) => unlinkSync(join(dir, 'install.sh'))],
    ['a renamed file (same content)', (dir) => renameSync(join(dir, 'etc/motd'), join(dir, 'etc/motd2'))],
    ['the Dockerfile in the context', (dir) => writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')],
    ['a symlink', (dir) => symlinkSync('motd', join(dir, 'etc/issue'))],
  ]
  test.each(edits)('changes with %s', async (_what, edit) => {
    const dir = context()
    const before = await digest(dir)
    edit(dir)
    expect(await digest(dir)).not.toBe(before)
  })

  test('a renamed file is not the same as before even when the sizes and contents match', async () => {
    const a = context({ 'x/one': 'same' })
    const b = context({ 'x/two': 'same' })
    expect(await digest(a)).not.toBe(await digest(b))
  })

  test('a symlink changes with its target, which is not followed', async () => {
    const dir = context()
    symlinkSync('motd', join(dir, 'etc/issue'))
    const before = await digest(dir)
    writeFileSync(join(dir, 'etc/motd'), 'changed\n')
    const contentChanged = await digest(dir)
    expect(contentChanged).not.toBe(before)
    unlinkSync(join(dir, 'etc/issue'))
    symlinkSync('hostname', join(dir, 'etc/issue'))
    expect(await digest(dir)).not.toBe(contentChanged)
  })

  test('.dockerignore: what it excludes does not count, what its exceptions bring back does', async () => {
    const dir = context({
      '.dockerignore': '# local leftovers\n**/*.log\nimages/\n.git\n!keep.log\n',
      'build.log': 'one\n',
      'etc/debug.log': 'one\n',
      'images/debian/12/img.tar.lz4': 'big\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'keep.log': 'one\n',
    })
    const before = await digest(dir)
    writeFileSync(join(dir, 'build.log'), 'two\n')
    writeFileSync(join(dir, 'etc/debug.log'), 'two\n')
    writeFileSync(join(dir, 'images/debian/12/img.tar.lz4'), 'bigger\n')
    mkdirSync(join(dir, 'images/ubuntu'))
    writeFileSync(join(dir, '.git/ORIG_HEAD'), 'abc\n')
    chmodSync(join(dir, 'build.log'), 0o600)
    expect(await digest(dir)).toBe(before)
    // the exception is part of the context
    writeFileSync(join(dir, 'keep.log'), 'two\n')
    const kept = await digest(dir)
    expect(kept).not.toBe(before)
    // and the ignore file itself is (docker sends it)
    writeFileSync(join(dir, '.dockerignore'), '**/*.log\nimages/\n.git\n')
    expect(await digest(dir)).not.toBe(kept)
  })

  test('a Dockerfile-specific ignore file (<Dockerfile>.dockerignore) takes precedence', async () => {
    const dir = context({
      '.dockerignore': 'etc\n',
      'docker/image.Dockerfile': 'FROM debian:bookworm\n',
      'docker/image.Dockerfile.dockerignore': 'install.sh\n',
    })
    const file = join(dir, 'docker/image.Dockerfile')
    const before = await contextDigest(dir, file)
    writeFileSync(join(dir, 'install.sh'), 'changed\n')
    expect(await contextDigest(dir, file)).toBe(before)
    writeFileSync(join(dir, 'etc/motd'), 'changed\n')
    expect(await contextDigest(dir, file)).not.toBe(before)
    // with the default Dockerfile, the context's .dockerignore applies
    const plain = await digest(dir)
    writeFileSync(join(dir, 'etc/motd'), 'changed again\n')
    expect(await digest(dir)).toBe(plain)
  })

  test('a large file: its content counts, read as a stream', async () => {
    const dir = context()
    const big = randomBytes(16 << 20)
    writeFileSync(join(dir, 'big.bin'), big)
    expect(await fileDigest(join(dir, 'big.bin'))).toBe(`sha256:${sha256(big)}`)
    const before = await digest(dir)
    big[big.length - 1] = big[big.length - 1]! ^ 1
    writeFileSync(join(dir, 'big.bin'), big)
    expect(await digest(dir)).not.toBe(before)
  })

  test('dockerfilePath resolves like docker build: <context>/Dockerfile unless file is given', () => {
    expect(dockerfilePath({ context: '/src/ctx', file: '' })).toBe('/src/ctx/Dockerfile')
    expect(dockerfilePath({ context: '/src/ctx', file: '/src/other/Dockerfile' })).toBe(
      '/src/other/Dockerfile',
    )
  })
})

// --- docker's arguments, rotation -------------------------------------------------------------------------

describe('buildKitCacheArgs and rotateCacheDir', () => {
  const dir = join(tmp, 'args', 'cache')

  test('a buildx builder that can export: --cache-to a new directory, --cache-from once there is a cache', () => {
    rmSync(join(tmp, 'args'), { recursive: true, force: true })
    expect(buildKitCacheArgs(dir, 'buildx', { driver: 'docker-container' })).toEqual({
      args: ['--cache-to', `type=local,dest=${dir}.new,mode=max,ignore-error=true`],
    })
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'index.json'), '{}')
    expect(buildKitCacheArgs(dir, 'buildx')).toEqual({
      args: [
        '--cache-from',
        `type=local,src=${dir}`,
        '--cache-to',
        `type=local,dest=${dir}.new,mode=max,ignore-error=true`,
      ],
    })
    // after an exact hit, nothing new could be saved: no export
    expect(buildKitCacheArgs(dir, 'buildx', { exportCache: false })).toEqual({
      args: ['--cache-from', `type=local,src=${dir}`],
    })
    // the docker driver exports only with the containerd image store
    expect(buildKitCacheArgs(dir, 'buildx', { driver: 'docker', containerdStore: true }).args).toBeDefined()
    const docker = buildKitCacheArgs(dir, 'buildx', { driver: 'docker', containerdStore: false })
    expect(docker.args).toBeUndefined()
    expect(docker.reason).toMatch(/docker driver.*containerd image store.*docker-container/)
    expect(() => buildKitCacheArgs('relative/cache', 'buildx')).toThrow(/absolute/)
  })

  test('the classic client (docker < 23, DOCKER_BUILDKIT=1) gets no arguments, and why', () => {
    expect(buildKitCacheArgs(dir, 'classic')).toEqual({ args: undefined, reason: CLASSIC_CANNOT_CACHE })
    expect(CLASSIC_CANNOT_CACHE).toMatch(/no --cache-to.*image names.*inline cache only.*buildx/)
  })

  test('the new cache replaces the old one; without a new one the old one stays', async () => {
    rmSync(join(tmp, 'args'), { recursive: true, force: true })
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
    writeFileSync(join(dir, 'index.json'), 'old')
    writeFileSync(join(dir, 'blobs', 'sha256', 'stale'), 'stale layer')
    // no export (e.g. the build failed before it): the old cache stays
    expect(await rotateCacheDir(dir)).toBe(false)
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe('old')
    // a half-written export (no index.json) is thrown away
    mkdirSync(join(newCacheDir(dir), 'ingest'), { recursive: true })
    expect(await rotateCacheDir(dir)).toBe(false)
    expect(existsSync(newCacheDir(dir))).toBe(false)
    // a complete one replaces the old, stale blobs and all
    mkdirSync(join(newCacheDir(dir), 'blobs', 'sha256'), { recursive: true })
    writeFileSync(join(newCacheDir(dir), 'index.json'), 'new')
    writeFileSync(join(newCacheDir(dir), 'blobs', 'sha256', 'fresh'), 'fresh layer')
    expect(await rotateCacheDir(dir)).toBe(true)
    expect(readdirSync(join(dir, 'blobs', 'sha256'))).toEqual(['fresh'])
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe('new')
    expect(existsSync(newCacheDir(dir))).toBe(false)
  })

  test('buildCacheDir: absolute, under RUNNER_TEMP on a runner', () => {
    expect(buildCacheDir({ RUNNER_TEMP: '/home/runner/work/_temp' })).toBe(
      '/home/runner/work/_temp/metal-image-buildkit-cache',
    )
    expect(buildCacheDir({})).toBe(join(tmpdir(), 'metal-image-buildkit-cache'))
  })

  test('the buildx driver and the containerd image store are read from docker output', () => {
    const inspect = [
      'Name:          builder-1',
      'Driver:        docker-container',
      'Last Activity: 2025-06-01 10:00:00 +0000 UTC',
      '',
      'Nodes:',
      'Name:                  builder-10',
      'Endpoint:              unix:///var/run/docker.sock',
      'Driver Options:        image="moby/buildkit:buildx-stable-1"',
      'Status:                running',
    ].join('\n')
    expect(parseBuildxDriver(inspect)).toBe('docker-container')
    expect(parseBuildxDriver('Name:   default\nDriver: docker\n')).toBe('docker')
    expect(parseBuildxDriver('')).toBeUndefined()
    // overlay2 (this machine's engine) and the containerd image store
    expect(
      usesContainerdStore(
        '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Native Overlay Diff","true"],["userxattr","false"]]',
      ),
    ).toBe(false)
    expect(usesContainerdStore('[["driver-type","io.containerd.snapshotter.v1"]]')).toBe(true)
  })
})

// --- @actions/cache ---------------------------------------------------------------------------------------

describe('outside GitHub Actions', () => {
  test('restore and save do nothing, and say so once', async () => {
    vi.stubEnv('ACTIONS_RUNTIME_TOKEN', '')
    vi.stubEnv('ACTIONS_RESULTS_URL', '')
    try {
      const log = recordingLog()
      const dir = join(tmp, 'nowhere')
      const { key, restoreKeys } = cacheKey(BUILD, OPTS)
      expect(await restoreBuildCache(dir, key, restoreKeys, log)).toEqual({ hit: 'miss', ms: 0 })
      mkdirSync(dir)
      writeFileSync(join(dir, 'index.json'), '{}')
      expect(await saveBuildCache(dir, key, log)).toEqual({ saved: false, ms: 0 })
      expect(log.lines).toEqual([
        'info: Build cache: not available (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL not set; only a GitHub Actions job running the action has one): building without restoring or saving a cache',
      ])
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

describe.skipIf(!service)('against Azurite and the results service stand-in', () => {
  const s = service!
  let dir: string
  let ctx: string
  // @actions/core writes the client's log straight to stdout: kept, and shown only for a failing test.
  let clientOutput: string[] = []

  beforeAll(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      clientOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
      return true
    })
    for (const [key, value] of Object.entries(s.env)) vi.stubEnv(key, value)
    dir = buildCacheDir()
    ctx = join(tmp, 'project')
    mkdirSync(join(ctx, 'etc'), { recursive: true })
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM debian:bookworm\nCOPY etc /etc\nRUN apt-get update\n')
    writeFileSync(join(ctx, 'etc', 'motd'), 'metal\n')
  })
  beforeEach(({ onTestFailed }) => {
    clientOutput = []
    onTestFailed(() => console.log(`output of @actions/cache:\n${clientOutput.join('')}`))
  })
  afterAll(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  async function keysNow(build: BuildConfig = BUILD): Promise<ReturnType<typeof cacheKey>> {
    return cacheKey(build, {
      contextDigest: await contextDigest(ctx, join(ctx, 'Dockerfile')),
      dockerfileDigest: await fileDigest(join(ctx, 'Dockerfile')),
      os: 'debian-12',
    })
  }

  /** What a build with `--cache-to type=local,dest=<dir>.new` leaves: an OCI layout of cache blobs. */
  function exportFakeCache(marker: string): void {
    const to = newCacheDir(dir)
    mkdirSync(join(to, 'blobs', 'sha256'), { recursive: true })
    mkdirSync(join(to, 'ingest'), { recursive: true })
    const layer = Buffer.concat([Buffer.from(marker), randomBytes(200_000)])
    writeFileSync(join(to, 'blobs', 'sha256', sha256(layer)), layer)
    writeFileSync(join(to, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [], marker }))
    writeFileSync(join(to, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  }

  /** The runner of the next job: a fresh machine, no cache folder. */
  function nextJob(): void {
    rmSync(dir, { recursive: true, force: true })
    rmSync(newCacheDir(dir), { recursive: true, force: true })
  }

  const saved = new Map<string, string[]>()

  test('run 1: a miss; the cache the build exported is saved under the key', async () => {
    const log = recordingLog()
    const { key, restoreKeys } = await keysNow()
    expect(await restoreBuildCache(dir, key, restoreKeys, log)).toMatchObject({ hit: 'miss' })
    expect(log.lines).toEqual([
      `info: Build cache: no entry for ${key} nor its restore keys; it is saved after the build`,
    ])
    // the build: no cache to read yet, so only --cache-to
    expect(buildKitCacheArgs(dir, 'buildx').args).toEqual([
      '--cache-to',
      `type=local,dest=${dir}.new,mode=max,ignore-error=true`,
    ])
    exportFakeCache('run 1')
    expect(await rotateCacheDir(dir)).toBe(true)
    const result = await saveBuildCache(dir, key, log)
    expect(result).toMatchObject({ saved: true })
    expect(result.bytes).toBeGreaterThan(200_000)
    expect(s.cacheEntries().map((e) => e.key)).toEqual([key])
    expect(s.cacheEntries()[0]!.id).toBe(result.id)
    saved.set(key, tree(dir))
    // saving the same key again (a re-run, or another job) is no error
    const again = recordingLog()
    expect(await saveBuildCache(dir, key, again)).toMatchObject({ saved: false })
    expect(again.lines.join('\n')).toMatch(
      /not saved \(see the cache client.s message: an entry of that key exists/,
    )
    expect(again.lines.join('\n')).not.toMatch(/warning/)
    expect(s.cacheEntries()).toHaveLength(1)
  })

  test('run 2, nothing changed: an exact hit restores the same tree; no export, nothing to save', async () => {
    nextJob()
    const log = recordingLog()
    const { key, restoreKeys } = await keysNow()
    const restored = await restoreBuildCache(dir, key, restoreKeys, log)
    expect(restored).toMatchObject({ hit: 'exact', matchedKey: key })
    expect(log.lines.join('\n')).toMatch(/Build cache: exact hit, .* restored in /)
    expect(tree(dir)).toEqual(saved.get(key))
    expect(buildKitCacheArgs(dir, 'buildx', { exportCache: restored.hit !== 'exact' }).args).toEqual([
      '--cache-from',
      `type=local,src=${dir}`,
    ])
    const request = s.calls.findLast((c) => c.method === 'GetCacheEntryDownloadURL')?.request
    expect(request).toMatchObject({ key, restore_keys: restoreKeys })
  })

  test('run 3, a context file changed: a partial hit through the first restore key, then a new entry', async () => {
    nextJob()
    writeFileSync(join(ctx, 'etc', 'motd'), 'metal 2\n')
    const [first] = s.cacheEntries()
    const { key, restoreKeys } = await keysNow()
    expect(key).not.toBe(first!.key)
    const log = recordingLog()
    expect(await restoreBuildCache(dir, key, restoreKeys, log)).toMatchObject({
      hit: 'partial',
      matchedKey: first!.key,
    })
    expect(first!.key.startsWith(restoreKeys[0]!)).toBe(true)
    expect(log.lines.join('\n')).toContain(`partial hit through ${first!.key}`)
    expect(tree(dir)).toEqual(saved.get(first!.key))
    // the build reads the restored cache and exports a new one, which replaces it and is saved
    expect(buildKitCacheArgs(dir, 'buildx').args?.slice(0, 2)).toEqual([
      '--cache-from',
      `type=local,src=${dir}`,
    ])
    exportFakeCache('run 3')
    expect(await rotateCacheDir(dir)).toBe(true)
    expect(await saveBuildCache(dir, key, log)).toMatchObject({ saved: true })
    saved.set(key, tree(dir))
    expect(s.cacheEntries().map((e) => e.key)).toEqual([first!.key, key])
  })

  test('run 4, the Dockerfile changed: the newest entry of the same platform and OS', async () => {
    nextJob()
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM debian:bookworm\nCOPY etc /etc\nRUN apt-get update && apt-get -y upgrade\n',
    )
    const { key, restoreKeys } = await keysNow()
    const newest = s.cacheEntries().at(-1)!.key
    const restored = await restoreBuildCache(dir, key, restoreKeys, recordingLog())
    expect(restored).toMatchObject({ hit: 'partial', matchedKey: newest })
    expect(tree(dir)).toEqual(saved.get(newest))
  })

  test('another platform or OS: a miss, and the folder stays empty', async () => {
    nextJob()
    const arm = await keysNow({ ...BUILD, platform: 'linux/arm64' })
    expect(await restoreBuildCache(dir, arm.key, arm.restoreKeys, recordingLog())).toMatchObject({
      hit: 'miss',
    })
    expect(existsSync(dir)).toBe(false)
    const other = cacheKey(BUILD, {
      contextDigest: await contextDigest(ctx, ''),
      dockerfileDigest: await fileDigest(join(ctx, 'Dockerfile')),
      os: 'ubuntu-24.04',
    })
    expect(await restoreBuildCache(dir, other.key, other.restoreKeys, recordingLog())).toMatchObject({
      hit: 'miss',
    })
  })

  test('a left-over folder on a self-hosted runner is replaced, not merged into', async () => {
    nextJob()
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
    writeFileSync(join(dir, 'blobs', 'sha256', 'leftover'), 'x')
    mkdirSync(newCacheDir(dir))
    const [first] = s.cacheEntries()
    expect(await restoreBuildCache(dir, first!.key, [], recordingLog())).toMatchObject({ hit: 'exact' })
    expect(tree(dir)).toEqual(saved.get(first!.key))
    expect(existsSync(newCacheDir(dir))).toBe(false)
  })

  test('the service failing is a warning and a miss, never an error', async () => {
    nextJob()
    vi.stubEnv('ACTIONS_RUNTIME_TOKEN', 'not-the-token')
    try {
      const log = recordingLog()
      const { key, restoreKeys } = await keysNow()
      expect(await restoreBuildCache(dir, key, restoreKeys, log)).toMatchObject({ hit: 'miss' })
      exportFakeCache('run 5')
      await rotateCacheDir(dir)
      expect(await saveBuildCache(dir, key, log)).toMatchObject({ saved: false })
    } finally {
      vi.stubEnv('ACTIONS_RUNTIME_TOKEN', s.env.ACTIONS_RUNTIME_TOKEN!)
    }
    expect(s.calls.at(-1)?.status).toBe(401)
  })
})

// --- docker ----------------------------------------------------------------------------------------------

const docker = dockerAvailable()

/** The docker client that `source.ts` would use for a BuildKit build, as `detectBuilder` picks it. */
function clients(): { buildx: boolean; classic: string | undefined } {
  const buildx = spawnSync('docker', ['buildx', 'version'], { timeout: 30_000 }).status === 0
  let classic: string | undefined
  for (const candidate of ['docker', '/usr/bin/docker']) {
    const v = spawnSync(candidate, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' })
    const major = Number.parseInt(v.stdout ?? '', 10)
    if (v.status === 0 && major > 0 && major < 23) {
      classic = candidate
      break
    }
  }
  return { buildx, classic }
}
const found = docker ? clients() : { buildx: false, classic: undefined }

describe.skipIf(!docker || !found.classic)('the classic docker client with DOCKER_BUILDKIT=1', () => {
  // Why buildKitCacheArgs has nothing for it, shown on the real client (no image is needed).
  const env = { ...process.env, DOCKER_BUILDKIT: '1' }

  test('has no --cache-to', () => {
    const result = spawnSync(
      found.classic!,
      ['build', '--cache-to', `type=local,dest=${join(tmp, 'c')}`, tmp],
      {
        env,
        encoding: 'utf8',
      },
    )
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('unknown flag: --cache-to')
  })

  test('reads --cache-from type=local,... as image names, and the build goes on without them', () => {
    const ctx = join(tmp, 'classic')
    mkdirSync(ctx, { recursive: true })
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY f /f\n')
    writeFileSync(join(ctx, 'f'), randomUUID())
    const cache = join(tmp, 'classic-cache')
    mkdirSync(cache, { recursive: true })
    const result = spawnSync(
      found.classic!,
      [
        'build',
        '--cache-from',
        `type=local,src=${cache}`,
        '--output',
        'type=tar,dest=/dev/null',
        '--progress',
        'plain',
        ctx,
      ],
      { env, encoding: 'utf8', timeout: 120_000 },
    )
    expect(result.status, result.stderr).toBe(0)
    // the comma-separated value is split into two "image names", neither of which is one
    expect(result.stderr).toMatch(
      /importing cache manifest from type=local\n.*\n#\d+ ERROR: invalid reference format/,
    )
    expect(result.stderr).toContain(`importing cache manifest from src=${cache}`)
  })
})

describe.skipIf(!docker || !(found.classic || found.buildx))('the context as docker sends it', () => {
  /** A BuildKit build with whichever client there is; `COPY . /` onto scratch shows what was sent. */
  function dockerBuild(args: string[]): { status: number | null; stderr: string } {
    const [cmd, prefix, env] = found.buildx
      ? ['docker', ['buildx', 'build'], process.env]
      : [found.classic!, ['build'], { ...process.env, DOCKER_BUILDKIT: '1' }]
    return spawnSync(cmd, [...prefix, '--progress', 'plain', ...args], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    })
  }

  /** Files and symlinks in a `--output type=local` folder. */
  function sentFiles(out: string): string[] {
    return readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => relative(out, join(e.parentPath, e.name)))
      .sort()
  }

  test('contextEntries leaves out what docker leaves out, and nothing else', async () => {
    const ctx = join(tmp, 'ignored-ctx')
    const files = [
      ...['a.log', 'logs/x.log', 'src/y.log', 'images/debian/img.tar', 'images/keep.txt'],
      ...['docs/a/b/draft.md', 'docs/draft.md', 'docs/a/final.md', 'README.md', 'NOTES.md'],
      ...['secret.key', 'secrets/k', 'top-only.txt', 'src/top-only.txt', 'a.tmp', 'c.tmp'],
      ...['src/build/o.o', 'build/p.o', 'file*.txt', 'fileX.txt', 'keep/inner', 'sp ace.txt'],
    ]
    for (const file of files) {
      mkdirSync(join(ctx, file, '..'), { recursive: true })
      writeFileSync(join(ctx, file), file)
    }
    symlinkSync('README.md', join(ctx, 'link.md'))
    symlinkSync('README.md', join(ctx, 'link'))
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY . /\n')
    writeFileSync(
      join(ctx, '.dockerignore'),
      [
        ...['# comment', '**/*.log', 'images/', '!images/keep.txt', 'secret*', '[ab].tmp'],
        ...[
          'docs/**/draft.md',
          '/top-only.txt',
          '*.md',
          '!README.md',
          'build',
          'file\\*.txt',
          '  sp ace.txt  ',
        ],
      ].join('\n'),
    )
    const out = join(tmp, 'ignored-out')
    const result = dockerBuild(['--output', `type=local,dest=${out}`, ctx])
    expect(result.status, result.stderr).toBe(0)
    const sent = sentFiles(out)
    const ours: string[] = []
    for await (const entry of contextEntries(ctx, '')) if (entry.type !== 'dir') ours.push(entry.path)
    expect(ours.sort()).toEqual(sent)
    // and the exclusions were real
    expect(sent).toEqual(
      expect.arrayContaining(['README.md', 'c.tmp', 'images/keep.txt', 'link', 'src/top-only.txt']),
    )
    expect(sent).toHaveLength(11)
  })

  test("a Dockerfile-specific ignore file replaces the context's, as docker reads it", async () => {
    const ctx = join(tmp, 'specific-ctx')
    mkdirSync(join(ctx, 'etc'), { recursive: true })
    mkdirSync(join(ctx, 'docker'))
    writeFileSync(join(ctx, 'etc', 'motd'), 'metal\n')
    writeFileSync(join(ctx, 'install.sh'), 'echo\n')
    writeFileSync(join(ctx, '.dockerignore'), 'etc\n')
    writeFileSync(join(ctx, 'docker', 'image.Dockerfile'), 'FROM scratch\nCOPY . /\n')
    writeFileSync(join(ctx, 'docker', 'image.Dockerfile.dockerignore'), 'install.sh\n')
    const file = join(ctx, 'docker', 'image.Dockerfile')
    const out = join(tmp, 'specific-out')
    const result = dockerBuild(['--file', file, '--output', `type=local,dest=${out}`, ctx])
    expect(result.status, result.stderr).toBe(0)
    const ours: string[] = []
    for await (const entry of contextEntries(ctx, file)) if (entry.type === 'file') ours.push(entry.path)
    expect(ours.sort()).toEqual(sentFiles(out))
    expect(ours).toContain('etc/motd')
    expect(ours).not.toContain('install.sh')
  })
})

/**
 * The real thing, where the docker client has a buildx builder that can export a local cache (a
 * docker-container builder, or the docker driver on the containerd image store): a build saves its
 * cache, the builder's own cache is pruned (a fresh runner), the cache is restored, and the rebuild
 * takes its steps from it. Debian's docker.io 20.10 has no buildx, and no Debian package provides one,
 * so on these machines this is skipped (also under CI: nothing CI could install would make it run).
 * FROM scratch and COPY only: no base image to pull, whatever the builder can reach.
 */
const exporter = found.buildx ? await probeBuildx() : undefined
const canExport =
  exporter !== undefined && buildKitCacheArgs(join(tmp, 'probe'), 'buildx', exporter).args !== undefined
if (docker && !canExport)
  console.warn(
    `skipping the BuildKit cache round trip: ${
      found.buildx
        ? `the buildx builder (driver ${exporter?.driver ?? 'unknown'}) cannot export a local cache`
        : 'docker has no buildx plugin (Debian 12 packages none); the classic client cannot export a local cache'
    }`,
  )

describe.skipIf(!docker || !canExport || !service)('a real BuildKit cache through @actions/cache', () => {
  const s = service!
  const ctx = join(tmp, 'buildx-ctx')
  const dir = join(tmp, 'buildx-cache')

  beforeAll(() => {
    for (const [key, value] of Object.entries(s.env)) vi.stubEnv(key, value)
    mkdirSync(ctx, { recursive: true })
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY one /one\nCOPY two /two\n')
    writeFileSync(join(ctx, 'one'), randomBytes(8 << 20))
    writeFileSync(join(ctx, 'two'), randomUUID())
  })
  afterAll(() => {
    vi.unstubAllEnvs()
  })

  function build(args: string[]): string {
    const result = spawnSync(
      'docker',
      [
        'buildx',
        'build',
        '--platform',
        'linux/amd64',
        ...args,
        '--output',
        `type=tar,dest=${join(tmp, 'rootfs.tar')}`,
        '--progress',
        'plain',
        ctx,
      ],
      { encoding: 'utf8', timeout: 600_000 },
    )
    expect(result.status, result.stderr).toBe(0)
    return result.stderr
  }

  /** The titles of the steps BuildKit reports as CACHED in plain progress output. */
  function cachedSteps(output: string): string[] {
    const titles = new Map<string, string>()
    const cached: string[] = []
    for (const line of output.split('\n')) {
      const match = /^#(\d+) (.*)$/.exec(line)
      if (!match) continue
      const [, id, rest] = match as unknown as [string, string, string]
      if (rest.startsWith('[')) titles.set(id, rest)
      else if (rest === 'CACHED' && titles.has(id)) cached.push(titles.get(id)!)
    }
    return cached
  }

  test('saved after one build, restored on a pruned builder, the rebuild takes its steps from it', async () => {
    const log = recordingLog()
    const { key, restoreKeys } = cacheKey(
      { ...BUILD, context: ctx, buildArgs: [] },
      {
        contextDigest: await contextDigest(ctx, ''),
        dockerfileDigest: await fileDigest(join(ctx, 'Dockerfile')),
        os: 'test',
      },
    )
    expect(await restoreBuildCache(dir, key, restoreKeys, log)).toMatchObject({ hit: 'miss' })
    const first = build(buildKitCacheArgs(dir, 'buildx', exporter).args!)
    expect(cachedSteps(first).filter((t) => t.includes('COPY'))).toEqual([])
    expect(await rotateCacheDir(dir)).toBe(true)
    expect(await saveBuildCache(dir, key, log)).toMatchObject({ saved: true })

    // the next job: a fresh builder, no cache folder
    rmSync(dir, { recursive: true, force: true })
    expect(spawnSync('docker', ['buildx', 'prune', '-af'], { timeout: 120_000 }).status).toBe(0)
    const restored = await restoreBuildCache(dir, key, restoreKeys, log)
    expect(restored).toMatchObject({ hit: 'exact' })
    const second = build(buildKitCacheArgs(dir, 'buildx', { ...exporter, exportCache: false }).args!)
    expect(cachedSteps(second).filter((t) => t.includes('COPY'))).toEqual([
      expect.stringContaining('COPY one /one'),
      expect.stringContaining('COPY two /two'),
    ])
  })
})
