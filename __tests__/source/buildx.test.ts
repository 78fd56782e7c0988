import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import {
  activeAttests,
  BuildFiles,
  buildxFlags,
  makesAttestations,
  secretSpecs,
  unsupportedInput,
} from '../../src/source/buildx.ts'
import { buildArgs } from '../../src/source/build-args.ts'
import { NO_BUILDX_OPTIONS, type BuildxOptions, type SecretSpec } from '../../src/source/config.ts'
import { readPush, pushFailure } from '../../src/source/push.ts'
import { InputError } from '../../src/util/errors.ts'
import { silentLog } from '../../src/util/log.ts'
import { BUILD } from './build-cache-helpers.ts'

const files = new BuildFiles()
afterEach(() => files.cleanup())

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(InputError)
  return err as InputError
}

describe('secrets', () => {
  test('values go into private files (0600, in a 0700 folder); the specs carry paths and names only', async () => {
    const key = join(mkdtempSync(join(tmpdir(), 'metal-image-secret-')), 'key.pem')
    writeFileSync(key, 'KEY')
    process.env.METAL_IMAGE_TEST_SECRET = 'from-env'
    try {
      const secrets: SecretSpec[] = [
        { id: 'token', kind: 'value', source: 'hunter2 with spaces\n', input: 'secrets' },
        { id: 'key', kind: 'file', source: key, input: 'secret-files' },
        { id: 'gh', kind: 'env', source: 'METAL_IMAGE_TEST_SECRET', input: 'secret-envs' },
      ]
      const specs = await secretSpecs(secrets, files)
      const folder = await files.folder()
      expect(specs).toEqual([
        `id=token,src=${join(folder, 'secret-0')}`,
        `id=key,src=${key}`,
        'id=gh,env=METAL_IMAGE_TEST_SECRET',
      ])
      expect(readFileSync(join(folder, 'secret-0'), 'utf8')).toBe('hunter2 with spaces\n')
      expect(statSync(join(folder, 'secret-0')).mode & 0o777).toBe(0o600)
      expect(statSync(folder).mode & 0o777).toBe(0o700)
      expect(specs.join(' ')).not.toContain('hunter2')
      expect(specs.join(' ')).not.toContain('from-env')
      await files.cleanup()
      expect(() => statSync(folder)).toThrow()
    } finally {
      delete process.env.METAL_IMAGE_TEST_SECRET
    }
  })

  test('a missing file, an unset or empty variable: the input is named, before any build', async () => {
    const missing = await failure(
      secretSpecs([{ id: 'k', kind: 'file', source: '/nonexistent/key', input: 'secret-files' }], files),
    )
    expect(missing.input).toBe('secret-files')
    expect(missing.message).toContain('no readable file at /nonexistent/key')
    const dir = await failure(
      secretSpecs([{ id: 'k', kind: 'file', source: tmpdir(), input: 'secret-files' }], files),
    )
    expect(dir.message).toContain('no readable file')

    delete process.env.METAL_IMAGE_TEST_UNSET
    const unset = await failure(
      secretSpecs([{ id: 'gh', kind: 'env', source: 'METAL_IMAGE_TEST_UNSET', input: 'secret-envs' }], files),
    )
    expect(unset.input).toBe('secret-envs')
    expect(unset.message).toMatch(/secret "gh": the environment variable METAL_IMAGE_TEST_UNSET is not set/)
    process.env.METAL_IMAGE_TEST_EMPTY = ''
    try {
      const empty = await failure(
        secretSpecs(
          [{ id: 'gh', kind: 'env', source: 'METAL_IMAGE_TEST_EMPTY', input: 'secret-envs' }],
          files,
        ),
      )
      expect(empty.message).toMatch(/METAL_IMAGE_TEST_EMPTY is empty/)
    } finally {
      delete process.env.METAL_IMAGE_TEST_EMPTY
    }
  })
})

describe('which builder takes which input', () => {
  const options = (o: Partial<BuildxOptions>): BuildxOptions => ({ ...NO_BUILDX_OPTIONS, ...o })

  test('buildx takes all of them', () => {
    const all = options({
      builder: 'b',
      contexts: [['a', 'b']],
      secrets: [{ id: 'a', kind: 'env', source: 'A', input: 'secret-envs' }],
      ssh: ['default'],
      cacheFrom: ['x'],
      cacheTo: ['y'],
      attests: [{ spec: 'type=sbom', input: 'sbom-attestation' }],
      push: true,
      tags: ['r/i:1'],
    })
    expect(unsupportedInput(all, 'buildx')).toBeUndefined()
  })

  test.each([
    [{ builder: 'b' }, 'classic', 'builder'],
    [{ contexts: [['a', 'b']] }, 'classic', 'build-contexts'],
    [{ cacheTo: ['y'] }, 'classic', 'cache-to'],
    [{ push: true }, 'classic', 'push'],
    [{ attests: [{ spec: 'type=sbom', input: 'sbom-attestation' }] }, 'classic', 'sbom-attestation'],
    [{ secrets: [{ id: 'a', kind: 'file', source: 'f', input: 'secret-files' }] }, 'legacy', 'secret-files'],
    [{ ssh: ['default'] }, 'legacy', 'ssh'],
    [{ cacheFrom: ['x'] }, 'legacy', 'cache-from'],
  ] as [Partial<BuildxOptions>, 'classic' | 'legacy', string][])(
    '%o with the %s builder: %s',
    (o, kind, input) => {
      expect(unsupportedInput(options(o), kind)).toBe(input)
    },
  )

  test('the classic client keeps secrets, ssh and cache-from; network and hosts are docker build flags', () => {
    const o = options({
      secrets: [{ id: 'a', kind: 'env', source: 'A', input: 'secret-envs' }],
      ssh: ['default'],
      cacheFrom: ['img'],
      network: 'host',
      addHosts: ['a:10.0.0.1'],
    })
    expect(unsupportedInput(o, 'classic')).toBeUndefined()
    expect(unsupportedInput(options({ network: 'host', addHosts: ['a:1.2.3.4'] }), 'legacy')).toBeUndefined()
    expect(buildArgs({ ...BUILD, buildx: o }).args.join(' ')).toContain(
      '--network host --add-host a:10.0.0.1',
    )
  })

  test('docker buildx build flags, in order', () => {
    expect(
      buildxFlags(
        options({
          builder: 'ci',
          contexts: [['ctx', './c']],
          ssh: ['default'],
          cacheFrom: ['type=gha'],
          cacheTo: ['type=gha,mode=max'],
          attests: [{ spec: 'type=provenance,mode=max', input: 'provenance' }],
        }),
        ['id=s,src=/f'],
      ),
    ).toEqual([
      '--builder',
      'ci',
      '--build-context',
      'ctx=./c',
      '--secret',
      'id=s,src=/f',
      '--ssh',
      'default',
      '--cache-from',
      'type=gha',
      '--cache-to',
      'type=gha,mode=max',
      '--attest',
      'type=provenance,mode=max',
    ])
  })
})

describe('attestations', () => {
  test('disabled ones ask for nothing', () => {
    expect(
      activeAttests([
        { spec: 'type=provenance,disabled=true' },
        { spec: 'type=sbom' },
        { spec: 'type=provenance,mode=max,disabled=false' },
      ]),
    ).toEqual(['type=sbom', 'type=provenance,mode=max,disabled=false'])
  })

  test('the docker driver makes them only with the containerd image store', () => {
    expect(makesAttestations({ driver: 'docker' })).toBe(false)
    expect(makesAttestations({ driver: 'docker', containerdStore: false })).toBe(false)
    expect(makesAttestations({ driver: 'docker', containerdStore: true })).toBe(true)
    expect(makesAttestations({ driver: 'docker-container' })).toBe(true)
    expect(makesAttestations({})).toBe(true)
  })
})

describe('the push', () => {
  const metadata = (content: unknown): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'metal-image-meta-')), 'metadata.json')
    writeFileSync(path, JSON.stringify(content))
    return path
  }
  const DIGEST = `sha256:${'ab'.repeat(32)}`

  test("digest and names from buildx's metadata file (a bake file's has one object per target)", async () => {
    const build = metadata({
      'containerimage.digest': DIGEST,
      'containerimage.config.digest': `sha256:${'cd'.repeat(32)}`,
      'image.name': 'r/a:1,r/a:2',
    })
    expect(await readPush(build, ['r/a:1'], silentLog)).toEqual({ digest: DIGEST, tags: ['r/a:1', 'r/a:2'] })
    const bake = metadata({ ubuntu: { 'image.name': 'r/u:1' }, fw: { 'containerimage.digest': DIGEST } })
    expect(await readPush(bake, ['r/fw:1'], silentLog, 'fw')).toEqual({ digest: DIGEST, tags: ['r/fw:1'] })
  })

  test('no digest: the push did not happen, and that is an error', async () => {
    await expect(readPush(metadata({ 'image.name': 'r/a:1' }), ['r/a:1'], silentLog)).rejects.toThrow(
      /reported no pushed manifest for r\/a:1: nothing was published/,
    )
    await expect(readPush('/nonexistent/metadata.json', ['r/a:1'], silentLog)).rejects.toThrow(
      /no build metadata/,
    )
  })

  test("a failed push, from the build's last lines: the input that asked for it, and what is left where", () => {
    const tail = [
      '#8 pushing 127.0.0.1:1/bake-x:t with docker',
      '#8 ERROR: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      '------',
      ' > pushing 127.0.0.1:1/bake-x:t with docker:',
      '------',
      'ERROR: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    ]
    const err = pushFailure(tail, ['127.0.0.1:1/bake-x:t'], {
      input: 'set',
      value: '_common.output+=type=registry',
    })
    expect(err?.input).toBe('set')
    expect(err?.message).toMatch(
      /^input "set" = "_common.output\+=type=registry": pushing the image to 127.0.0.1:1\/bake-x:t failed: Get "http:\/\/127.0.0.1:1\/v2\/": dial tcp/,
    )
    expect(err?.message).toContain('Nothing was published to the destination')
    // A build step that failed is not a push failure.
    expect(
      pushFailure(['#5 [2/2] RUN exit 3', 'ERROR: process "/bin/sh -c exit 3" did not complete'], ['r'], {
        input: 'push',
        value: 'true',
      }),
    ).toBeUndefined()
  })
})
