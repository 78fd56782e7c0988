import { spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  buildCacheDir,
  buildKitCacheArgs,
  newCacheDir,
  probeBuildx,
  restoreBuildCache,
  rotateCacheDir,
  saveBuildCache,
} from '../../src/source/build-cache.ts'
import { cacheKey, contextDigest, contextEntries, fileDigest } from '../../src/source/cache-key.ts'
import type { BuildConfig } from '../../src/source/config.ts'
import { dockerAvailable } from '../helpers/env.ts'
import { startResultsService } from '../helpers/results-service.ts'
import { BUILD, recordingLog, sha256, tree } from './build-cache-helpers.ts'

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
