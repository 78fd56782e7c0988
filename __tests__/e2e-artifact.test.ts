import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installAction, runAction } from './helpers/action.ts'
import { dockerAvailable, requireTool } from './helpers/env.ts'
import { startResultsService, type ResultsService } from './helpers/results-service.ts'

// The bundled action uploads the image as a workflow artifact. The blob storage is real (Azurite); GitHub's
// results service cannot run outside GitHub, so a stand-in for its twirp endpoints hands out the URLs
// (__tests__/helpers/results-service.ts).
const root = resolve(import.meta.dirname, '..')
const tools = requireTool('unzip', 'apt-get install unzip') && requireTool('lz4', 'apt-get install lz4')
const service = tools ? await startResultsService() : undefined
afterAll(async () => {
  await service?.close()
})

const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'off', 'build-info': 'false' }

describe.skipIf(!service)('the workflow artifact', () => {
  let s: ResultsService
  let action: string
  let work: string
  let rootfs: string

  beforeAll(() => {
    s = service!
    action = installAction()
    work = mkdtempSync(join(tmpdir(), 'metal-image-artifact-e2e-'))
    rootfs = join(work, 'rootfs.tar')
    execFileSync('tar', ['-C', join(root, 'examples'), '-cf', rootfs, '.'])
  })

  const unzip = (zip: Buffer, name: string): Buffer => {
    const file = join(mkdtempSync(join(work, 'zip-')), 'a.zip')
    writeFileSync(file, zip)
    return execFileSync('unzip', ['-p', file, name], { maxBuffer: 1 << 28 })
  }
  const entries = (zip: Buffer): string[] => {
    const file = join(mkdtempSync(join(work, 'zip-')), 'a.zip')
    writeFileSync(file, zip)
    return spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' }).stdout.trim().split('\n').sort()
  }

  test('artifact: true with a local destination: the published files, byte for byte, named by the image id', async () => {
    const dest = join(work, 'local')
    const run = await runAction(
      action,
      {
        ...OS,
        rootfs,
        destination: dest,
        artifact: 'true',
        checksums: 'sha256',
        'artifact-retention-days': '3',
      },
      { env: s.env },
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const artifact = s.artifacts().find((a) => String(a.id) === run.outputs['artifact-id'])!
    expect(artifact.name).toBe(run.outputs['image-id'])
    expect(run.outputs['artifact-url']).toBe(
      `${s.env.GITHUB_SERVER_URL}/${s.env.GITHUB_REPOSITORY}/actions/runs/${s.env.GITHUB_RUN_ID}/artifacts/${artifact.id}`,
    )
    const zip = await s.download(artifact.blobName)
    expect(entries(zip)).toEqual(['img.tar.lz4', 'img.tar.lz4.md5', 'img.tar.lz4.sha256'])
    const dir = join(dest, 'debian/12')
    for (const name of ['img.tar.lz4', 'img.tar.lz4.md5', 'img.tar.lz4.sha256'])
      expect(unzip(zip, name).equals(readFileSync(join(dir, name))), name).toBe(true)
    expect(JSON.parse(run.outputs.metadata!)).toMatchObject({
      'image-id': run.outputs['image-id'],
      'artifact-id': run.outputs['artifact-id'],
      md5: run.outputs.md5,
    })
    expect(run.summary).toContain(run.outputs['artifact-url'])
  })

  test('auto on a pull request from a fork without the bucket credentials: an artifact instead of the bucket', async () => {
    const event = join(work, 'fork-event.json')
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 7,
          head: { ref: 'feature', repo: { full_name: 'someone/metal-images', fork: true } },
          base: { repo: { full_name: 'metal-stack/metal-images' } },
        },
      }),
    )
    const env: Record<string, string> = {
      ...s.env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/pull/7/merge',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
    }
    const before = s.artifacts().length
    const run = await runAction(
      action,
      // Artifact names are unique per workflow run: the first test took the image id.
      {
        ...OS,
        rootfs,
        destination: 's3://metal-images/metal-os',
        endpoint: 'http://127.0.0.1:9',
        'artifact-name': 'image-from-fork',
      },
      { env },
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/::notice::No credentials for s3:\/\/metal-images\/metal-os in this run/)
    expect(s.artifacts()).toHaveLength(before + 1)
    expect(s.artifacts().at(-1)!.name).toBe('image-from-fork')
    const zip = await s.download(s.artifacts().at(-1)!.blobName)
    const image = unzip(zip, 'img.tar.lz4')
    expect(unzip(zip, 'img.tar.lz4.md5').toString()).toBe(`${run.outputs.md5}  img.tar.lz4\n`)
    expect(
      execFileSync('lz4', ['-d', '-c'], { input: image, maxBuffer: 1 << 28 }).equals(readFileSync(rootfs)),
    ).toBe(true)
  })
})

describe.skipIf(!service || !dockerAvailable())('the build cache', () => {
  test('cache: true asks the cache service for the keys, and says once when this builder cannot export a cache', async () => {
    const s = service!
    const action = installAction()
    const calls = s.calls.length
    const run = await runAction(
      action,
      {
        ...OS,
        context: join(root, '__tests__/fixtures/hello'),
        buildkit: 'true',
        cache: 'true',
        destination: mkdtempSync(join(tmpdir(), 'metal-image-cache-')),
      },
      { env: { ...s.env, PATH: `/usr/bin:${process.env.PATH}` } },
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    // Restored (a miss: nothing saved yet) through the real cache client, keyed on the build.
    const lookup = s.calls.slice(calls).find((c) => c.method === 'GetCacheEntryDownloadURL')
    expect(String(lookup?.request.key)).toMatch(/^metal-image-buildkit-linux\/amd64-debian-12_[0-9a-f]{16}_/)
    // Debian's docker 20.10 builds with BuildKit but cannot export a local cache (no buildx here).
    expect(run.stdout.match(/Build cache: not used: /g)).toHaveLength(1)
    expect(run.summary).toMatch(/Build cache<\/td><td>miss; not used by this builder/)
  })
})
