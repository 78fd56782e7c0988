import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installAction, runAction } from '../helpers/action.ts'
import { dockerAvailable, requireTool } from '../helpers/env.ts'
import { startResultsService, type ResultsService } from '../helpers/results-service.ts'
import { installer, tinyRoot } from '../helpers/tiny-root.ts'
import { missingForInstall } from '../../src/verify/sandbox.ts'

// The bundled action uploads the image as a workflow artifact. The blob storage is real (Azurite); GitHub's
// results service cannot run outside GitHub, so a stand-in for its twirp endpoints hands out the URLs
// (__tests__/helpers/results-service.ts).
const root = resolve(import.meta.dirname, '..', '..')
const tools = requireTool('unzip', 'apt-get install unzip') && requireTool('lz4', 'apt-get install lz4')
const service = tools ? await startResultsService() : undefined
afterAll(async () => {
  await service?.close()
})

const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'off', 'build-info': 'false' }
const cannotTest = missingForInstall()
if (cannotTest.length && process.env.CI === 'true')
  throw new Error(`CI=true but test: install cannot run: ${cannotTest}`)

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

  test.skipIf(cannotTest.length > 0)(
    'a failed image test: nothing published, test-result says where, installer.log in <name>-test-logs',
    async () => {
      const tiny = join(work, 'tiny-root.tar')
      writeFileSync(
        tiny,
        tinyRoot({ '/install.sh': installer('echo "metal-image-test-marker: no disk" >&2\nexit 1') }),
      )
      const dest = join(work, 'failing-test')
      const run = await runAction(
        action,
        {
          ...OS,
          rootfs: tiny,
          destination: dest,
          artifact: 'true',
          test: 'install',
          'artifact-name': 'failing-install',
        },
        { env: s.env },
      )
      expect(run.code).toBe(1)
      expect(JSON.parse(run.outputs['test-result']!)).toMatchObject({ passed: false, phase: 'install' })
      const artifact = s.artifacts().find((a) => a.name === 'failing-install-test-logs')!
      expect(artifact).toBeDefined()
      const zip = await s.download(artifact.blobName)
      expect(entries(zip)).toEqual(['installer.log'])
      expect(unzip(zip, 'installer.log').toString()).toContain('metal-image-test-marker: no disk')
      expect(run.summary).toContain('Image test failed in phase install')
      expect(run.summary).toContain('metal-image-test-marker: no disk')
      expect(run.summary).toContain(`/artifacts/${artifact.id}">workflow artifact</a>`)
      // The image itself was neither published nor uploaded.
      expect(s.artifacts().some((a) => a.name === 'failing-install')).toBe(false)
      expect(spawnSync('sh', ['-c', `find '${dest}' -type f 2>/dev/null`], { encoding: 'utf8' }).stdout).toBe(
        '',
      )
    },
  )
})

describe.skipIf(!service || !dockerAvailable())('the build cache', () => {
  /** BuildKit's cache records of the engine whose description holds `text` (the Engine API's df). */
  const cacheRecords = async (text: string): Promise<string[]> => {
    const df = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ socketPath: '/var/run/docker.sock', path: '/system/df' }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      req.end()
    })
    const records = (JSON.parse(df).BuildCache ?? []) as { ID: string; Description?: string }[]
    return records.filter((r) => r.Description?.includes(text)).map((r) => r.ID)
  }

  test('a cache saved in one run is restored in the next and its steps are reused, with the engine cache gone', async () => {
    const s = service!
    const action = installAction()
    // A build step no engine has seen: what the second run reuses can only come from the saved cache.
    const token = `metal-image-cache-test-${Date.now()}`
    const context = mkdtempSync(join(tmpdir(), 'metal-image-cache-ctx-'))
    // Its base from a named context: the cache must come from the build as it was asked for.
    writeFileSync(join(context, 'Dockerfile'), `FROM base\nRUN echo ${token} > /etc/token\n`)
    const inputs = {
      ...OS,
      context,
      'build-contexts': 'base=docker-image://debian:bookworm',
      buildkit: 'true',
      cache: 'true',
      destination: mkdtempSync(join(tmpdir(), 'metal-image-cache-')),
    }
    // Debian's docker with buildx's docker driver: no cache export, so the cache is the built image's
    // inline cache, written by the build itself.
    const env = { ...s.env, PATH: `/usr/bin:${process.env.PATH}` }
    const first = await runAction(action, inputs, { env })
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.summary).toMatch(
      /Build cache<\/td><td>miss; saved as metal-image-buildkit-linux\/amd64-debian-12_/,
    )
    expect(
      s.cacheEntries().some((e) => e.key.startsWith('metal-image-buildkit-linux/amd64-debian-12_')),
    ).toBe(true)
    expect(first.stdout).toMatch(/--cache-to type=inline/)
    // The name it was saved under is gone again.
    expect(execFileSync('docker', ['images', '-q', 'metal-image-cache/*'], { encoding: 'utf8' })).toBe('')

    // A fresh runner: the engine forgets the step (its cache records, by id).
    const records = await cacheRecords(token)
    expect(records.length).toBeGreaterThan(0)
    for (const id of records)
      execFileSync('docker', ['builder', 'prune', '-f', '--filter', `id=${id}`], {
        env: { ...process.env, ...env, DOCKER_BUILDKIT: '1' },
      })
    expect(await cacheRecords(token)).toEqual([])

    const second = await runAction(action, inputs, { env })
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.summary).toMatch(/Build cache<\/td><td>exact hit/)
    expect(second.stdout).toMatch(/Build cache: loaded metal-image-cache\/[0-9a-f]{16}:inline/)
    // BuildKit took the step from the loaded image's inline cache instead of running it.
    const step = new RegExp(`#(\\d+) \\[\\d/\\d\\] RUN echo ${token}`).exec(second.stdout)
    expect(step, second.stdout).not.toBeNull()
    expect(second.stdout).toMatch(new RegExp(`#${step![1]} CACHED`))
    expect(second.outputs.md5).toMatch(/^[0-9a-f]{32}$/)
    spawnSync('docker', [
      'rmi',
      '-f',
      ...(/loaded (metal-image-cache\/\S+)/.exec(second.stdout)?.slice(1) ?? []),
    ])
  })
})
