import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test, vi } from 'vitest'
import {
  buildCacheDir,
  buildKitCacheArgs,
  CLASSIC_CANNOT_CACHE,
  newCacheDir,
  parseBuildxDriver,
  restoreBuildCache,
  rotateCacheDir,
  saveBuildCache,
  usesContainerdStore,
} from '../../src/source/build-cache.ts'
import {
  cacheKey,
  contextDigest,
  dockerfilePath,
  fileDigest,
  IgnoreMatcher,
  type CacheKeyOptions,
} from '../../src/source/cache-key.ts'
import type { BuildConfig } from '../../src/source/config.ts'
import { BUILD, OPTS, recordingLog, sha256 } from './build-cache-helpers.ts'
import { restoreCache } from '../../src/source/cache.ts'

/**
 * The build cache: keys, the context digest, docker's cache arguments (build-cache.itg.test.ts: the
 * save/restore round trip against Azurite and the results service stand-in, and docker itself).
 */

const tmp = mkdtempSync(join(tmpdir(), 'build-cache-test-'))

afterAll(async () => {
  vi.unstubAllEnvs()
  rmSync(tmp, { recursive: true, force: true })
})

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

  test('a build uses no cache at all: not what another user left in the shared temporary folder', async () => {
    const shared = mkdtempSync(join(tmp, 'shared-'))
    vi.stubEnv('ACTIONS_RUNTIME_TOKEN', '')
    vi.stubEnv('ACTIONS_RESULTS_URL', '')
    vi.stubEnv('RUNNER_TEMP', shared)
    try {
      // A saved image planted where the inline cache would be loaded from, and a BuildKit cache.
      const planted = buildCacheDir()
      mkdirSync(planted, { recursive: true })
      writeFileSync(join(planted, 'ref'), 'planted/image:1\n')
      writeFileSync(join(planted, 'image.tar.gz'), 'not an image')
      writeFileSync(join(planted, 'index.json'), '{}')
      const context = mkdtempSync(join(tmp, 'context-'))
      writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n')
      expect(await restoreCache({ ...BUILD, context }, 'debian-12', recordingLog())).toBeUndefined()
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
