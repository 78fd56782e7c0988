import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, test } from 'vitest'
import { InputError } from '../../src/util/errors.ts'
import { DEFAULT_SUCCESS } from '../../src/verify/boot.ts'
import { INPUTS, OUTPUTS, type InputName } from '../../src/config/inputs.ts'
import { inputList, parseInputs } from '../../src/config/parse.ts'
import type { PublishConfig } from '../../src/config/types.ts'
import { NO_BUILDX_OPTIONS, type BakeConfig, type BuildxOptions } from '../../src/source/config.ts'

const reader =
  (values: Partial<Record<InputName, string>>) =>
  (name: InputName): string =>
    values[name] ?? ''

const base = { 'os-name': 'debian', 'os-version': '12' }

/** The config of mode publish (the default), or a failed test. */
function publishConfig(values: Partial<Record<InputName, string>>): PublishConfig {
  const config = parseInputs(reader(values))
  if (config.mode !== 'publish') throw new Error(`expected mode publish, got ${config.mode}`)
  return config
}

describe('parseInputs', () => {
  test('defaults: build the context ".", linux/amd64, lz4 level 9 (as metal-images), into ./images', () => {
    const config = parseInputs(reader(base))
    expect(config).toEqual({
      source: {
        kind: 'build',
        platform: 'linux/amd64',
        build: {
          context: '.',
          file: '',
          buildArgs: [],
          target: '',
          platform: 'linux/amd64',
          noCache: false,
          pull: false,
          labels: [],
          buildkit: 'auto',
          buildx: NO_BUILDX_OPTIONS,
        },
      },
      osName: 'debian',
      osVersion: '12',
      imageName: '',
      destination: 'images',
      compressionLevel: 9,
      mode: 'publish',
      channel: undefined,
      layout: 'flat',
      date: { kind: 'today' },
      onConflict: 'overwrite',
      versionsFromTags: false,
      versionsJson: true,
      store: {
        endpoint: '',
        cacheControl: 'no-store',
        acl: '',
        predefinedAcl: '',
        uploadTimeoutMs: 3_600_000,
      },
      contract: 'error',
      checksums: ['md5'],
      sbom: true,
      contractJson: true,
      buildInfo: true,
      artifact: { mode: 'auto', name: '', retentionDays: undefined },
      destinationGiven: false,
      cache: false,
      test: {
        mode: 'off',
        installYaml: undefined,
        timeoutMs: 600_000,
        command: undefined,
        success: new RegExp(DEFAULT_SUCCESS),
      },
    })
  })

  test('test: boot with a command, a timeout and a success pattern of its own', () => {
    const config = publishConfig({
      ...base,
      test: 'boot',
      'test-timeout': '90s',
      'test-command': 'systemctl is-system-running --wait',
      'test-success': 'login: *$',
      'test-install-yaml': 'ci/install.yaml',
    })
    expect(config.test).toEqual({
      mode: 'boot',
      installYaml: 'ci/install.yaml',
      timeoutMs: 90_000,
      command: 'systemctl is-system-running --wait',
      success: /login: *$/,
    })
  })

  test('the default success pattern matches what systemd 252 and newer print, and a login prompt', () => {
    const re = new RegExp(DEFAULT_SUCCESS)
    expect(re.test('[  OK  ] Reached target Multi-User System.')).toBe(true)
    expect(re.test('[  OK  ] Reached target multi-user.target - Multi-User System.')).toBe(true)
    expect(re.test('metal-test login: ')).toBe(true)
    expect(re.test('[  OK  ] Reached target basic.target - Basic System.')).toBe(false)
    expect(re.test('Last login: Fri Dec  4 20:11:13 UTC 2026 on ttyS0')).toBe(false)
  })

  test.each([
    ['sha512, sha256', ['md5', 'sha256', 'sha512']],
    ['SHA256\nmd5', ['md5', 'sha256']],
    ['md5', ['md5']],
  ])('checksums %j: md5 always, in a fixed order', (value, expected) => {
    expect(publishConfig({ ...base, checksums: value }).checksums).toEqual(expected)
  })

  test('a checksum nobody writes, or a contract mode that does not exist, is refused by name', () => {
    expect(() => parseInputs(reader({ ...base, checksums: 'md5,crc32' }))).toThrow(
      /input "checksums" = "md5,crc32": "crc32" is not one of md5, sha256, sha512/,
    )
    expect(() => parseInputs(reader({ ...base, 'artifact-retention-days': '91' }))).toThrow(
      /input "artifact-retention-days" = "91": expected a whole number of days from 1 to 90/,
    )
    expect(() => parseInputs(reader({ ...base, artifact: 'yes' }))).toThrow(
      /input "artifact" = "yes": expected auto, true or false/,
    )
    expect(() => parseInputs(reader({ ...base, contract: 'strict' }))).toThrow(
      /input "contract" = "strict": expected error, warn or off/,
    )
  })

  test.each([
    [{}, 'overwrite'],
    [{ layout: 'versioned' }, 'fail'],
    [{ mode: 'promote', 'from-channel': 'stable', 'to-channel': '20261125' }, 'fail'],
    [{ layout: 'versioned', 'on-conflict': 'skip' }, 'skip'],
  ] as [Partial<Record<InputName, string>>, string][])(
    'on-conflict defaults by layout and mode: %o -> %s',
    (values, expected) => {
      expect(parseInputs(reader({ ...base, ...values })).onConflict).toBe(expected)
    },
  )

  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1.5h', 5_400_000],
  ])('upload-timeout %s is %i ms', (value, ms) => {
    expect(parseInputs(reader({ ...base, 'upload-timeout': value })).store.uploadTimeoutMs).toBe(ms)
  })

  test.each(['13', '26.04', '3.0-ubuntu', '1.32.9', '10', '0.1', '3.0-ubuntu-lts'])(
    'os-version %s, as metal-images names its folders, is taken as written',
    (version) => {
      expect(publishConfig({ ...base, 'os-version': version }).osVersion).toBe(version)
    },
  )

  test('channel, date and promotion inputs', () => {
    const published = publishConfig({ ...base, channel: 'pull_requests/12-fix', date: '20280229' })
    expect(published.channel).toEqual(['pull_requests', '12-fix'])
    expect(published.date).toEqual({ kind: 'fixed', date: '20280229' })
    const config = parseInputs(
      reader({
        ...base,
        date: '20280229',
        mode: 'promote',
        'from-channel': 'stable',
        'to-channel': '20280301',
      }),
    )
    if (config.mode !== 'promote') throw new Error('expected mode promote')
    expect(config.date).toEqual({ kind: 'fixed', date: '20280229' })
    expect(config.fromChannel).toEqual(['stable'])
    expect(config.toChannel).toEqual(['20280301'])
    expect(parseInputs(reader({ ...base, date: 'commit' })).date).toEqual({ kind: 'commit' })
  })

  test('build args and labels: one KEY=VALUE per line, values may hold "=" and blank lines are skipped', () => {
    const config = publishConfig({
      ...base,
      'build-args': 'A=1\n\n  B=x=y  \r\nC=',
      labels: 'org.opencontainers.image.source=https://x',
    })
    expect(config.source.kind === 'build' && config.source.build.buildArgs).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ])
    expect(config.source.kind === 'build' && config.source.build.labels).toEqual([
      'org.opencontainers.image.source=https://x',
    ])
  })

  test('image and rootfs select their source', () => {
    expect(publishConfig({ ...base, image: 'debian:12' }).source).toEqual({
      kind: 'image',
      image: 'debian:12',
      platform: 'linux/amd64',
    })
    expect(publishConfig({ ...base, rootfs: 'x.tar', platform: 'linux/arm64' }).source).toEqual({
      kind: 'rootfs',
      rootfs: 'x.tar',
      platform: 'linux/arm64',
    })
  })

  test.each([
    [{ 'os-name': '' }, 'os-name', 'is required'],
    [{ 'os-name': 'Debian' }, 'os-name', 'lowercase'],
    [{ 'os-name': 'debian_12' }, 'os-name', 'lowercase'],
    [{ 'os-name': '../etc' }, 'os-name', 'lowercase'],
    [{ 'os-name': 'debian-' }, 'os-name', 'lowercase'],
    [{ 'os-version': '' }, 'os-version', 'is required'],
    [{ 'os-version': '12.x' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '1.2.3.4' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '../12' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '../x' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '012' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '3.0-Ubuntu' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '3.0-' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '3.0/ubuntu' }, 'os-version', 'one to three numbers'],
    [{ 'os-version': '1'.repeat(300) }, 'os-version', 'at most 63 characters'],
    [{ 'os-version': `3.0-${'a'.repeat(60)}` }, 'os-version', 'at most 63 characters'],
    [{ 'image-name': 'Firewall' }, 'image-name', 'lowercase'],
    [{ 'os-version': '1.32.9', layout: 'versioned' }, 'layout', 'no room for the build date'],
    [{ 'compression-level': '0' }, 'compression-level', 'from 1 to 12'],
    [{ 'compression-level': '13' }, 'compression-level', 'from 1 to 12'],
    [{ 'compression-level': 'fast' }, 'compression-level', 'from 1 to 12'],
    [{ 'no-cache': 'yes' }, 'no-cache', 'true or false'],
    [{ buildkit: 'maybe' }, 'buildkit', 'auto, true or false'],
    [{ platform: 'amd64' }, 'platform', 'os/arch'],
    [{ image: 'a', rootfs: 'b' }, 'rootfs', 'not both'],
    [{ image: 'a', target: 'final' }, 'target', 'only applies when building'],
    [{ rootfs: 'a', file: 'Dockerfile' }, 'file', 'only applies when building'],
    [{ layout: 'nested' }, 'layout', 'expected flat or versioned'],
    [{ 'on-conflict': 'replace' }, 'on-conflict', 'expected fail, overwrite or skip'],
    [{ mode: 'copy' }, 'mode', 'expected publish or promote'],
    [{ date: '20270229' }, 'date', 'real calendar date'],
    [{ date: '2026-11-25' }, 'date', 'real calendar date'],
    [{ date: 'yesterday' }, 'date', 'real calendar date'],
    [{ channel: '../etc' }, 'channel', 'no ".."'],
    [{ channel: '/stable' }, 'channel', 'no ".."'],
    [{ channel: 'a//b' }, 'channel', 'no ".."'],
    [{ channel: 'st able' }, 'channel', 'no ".."'],
    [{ channel: 'a'.repeat(256) }, 'channel', 'each at most 255 characters'],
    [{ channel: Array(9).fill('a'.repeat(120)).join('/') }, 'channel', '1024 in all'],
    [{ mode: 'promote', 'to-channel': 'x' }, 'from-channel', 'required with mode: promote'],
    [{ mode: 'promote', 'from-channel': 'stable' }, 'to-channel', 'required with mode: promote'],
    [{ mode: 'promote', 'from-channel': 'stable', 'to-channel': 'stable' }, 'to-channel', 'must differ'],
    [{ 'from-channel': 'stable' }, 'from-channel', 'only applies with mode: promote'],
    [{ 'versions-from-tags': 'yes' }, 'versions-from-tags', 'true or false'],
    [{ endpoint: 'minio:9000' }, 'endpoint', 'http:// or https:// URL'],
    [{ endpoint: 'ftp://x' }, 'endpoint', 'http:// or https:// URL'],
    [{ 'upload-timeout': '0' }, 'upload-timeout', 'expected a duration'],
    [{ 'upload-timeout': '10 minutes' }, 'upload-timeout', 'expected a duration'],
    [{ 'upload-timeout': '0.0001s' }, 'upload-timeout', 'at least 1 s'],
    [{ rootfs: 'x', pull: 'true' }, 'pull', 'only applies when building'],
    [{ image: 'x', 'no-cache': 'true' }, 'no-cache', 'only applies when building'],
    // build-push-action's inputs and bake
    [{ targets: 'a,b' }, 'targets', 'one target'],
    [{ targets: 'a', image: 'x' }, 'targets', 'not both'],
    [{ targets: 'a', rootfs: 'x' }, 'targets', 'not both'],
    [{ set: 'a.args.X=1' }, 'set', 'give "targets" too'],
    [{ 'bake-files': 'x.hcl' }, 'bake-files', 'give "targets" too'],
    [{ targets: 'a', context: 'dir' }, 'context', 'the bake target says what to build'],
    [{ targets: 'a', file: 'Dockerfile' }, 'file', 'the bake target says what to build'],
    [{ targets: 'a', network: 'host' }, 'network', 'no such attribute'],
    [{ targets: 'a', 'add-hosts': 'a:1.2.3.4' }, 'add-hosts', 'no such attribute'],
    [{ targets: 'a', buildkit: 'false' }, 'buildkit', 'BuildKit'],
    [{ targets: 'a', cache: 'true' }, 'cache', 'cache-from and cache-to'],
    [{ cache: 'true', 'cache-to': 'type=gha' }, 'cache', 'either cache or cache-from/cache-to'],
    [{ push: 'true' }, 'tags', 'push: true needs at least one tag'],
    [{ tags: 'r/i:1' }, 'tags', 'only applies with push: true'],
    [{ push: 'yes', tags: 'r/i:1' }, 'push', 'true or false'],
    [{ image: 'x', push: 'true' }, 'push', 'only applies when building'],
    [{ image: 'x', secrets: 'a=b' }, 'secrets', 'only applies when building'],
    [{ rootfs: 'x', 'build-contexts': 'a=b' }, 'build-contexts', 'only applies when building'],
    [{ 'build-contexts': 'ctx' }, 'build-contexts', 'entry 1 is not name=value'],
    [{ 'secret-envs': 'id=' }, 'secret-envs', 'entry 1 is not name=value'],
    [{ attests: 'provenance' }, 'attests', 'type=<provenance|sbom>'],
    [{ platforms: 'linux/amd64,linux/arm64' }, 'platforms', 'one platform'],
    [{ platforms: 'linux/arm64', platform: 'linux/amd64' }, 'platforms', 'differs from platform'],
    [{ platforms: 'arm64' }, 'platforms', 'os/arch'],
    [{ test: 'yes' }, 'test', 'expected off, install or boot'],
    [{ test: 'boot', 'test-timeout': 'soon' }, 'test-timeout', 'expected a duration'],
    [{ test: 'boot', 'test-success': 'Reached (target' }, 'test-success', 'not a regular expression'],
    [{ test: 'install', 'test-command': 'true' }, 'test-command', 'only applies with test: boot'],
    [{ 'test-install-yaml': 'install.yaml' }, 'test-install-yaml', 'only applies with test: install or boot'],
  ] as [Partial<Record<InputName, string>>, string, string][])(
    '%o is an error naming input %s',
    (values, input, text) => {
      let error: unknown
      try {
        parseInputs(reader({ ...base, ...values }))
      } catch (err) {
        error = err
      }
      expect(error).toBeInstanceOf(InputError)
      expect((error as InputError).input).toBe(input)
      expect((error as InputError).message).toContain(`input "${input}"`)
      expect((error as InputError).message).toContain(text)
    },
  )

  test("secrets and build arguments are named, never echoed; a URL's credentials never shown", () => {
    const message = (values: Partial<Record<InputName, string>>) => {
      try {
        parseInputs(reader({ ...base, ...values }))
      } catch (err) {
        return (err as Error).message
      }
      throw new Error('no error')
    }
    expect(message({ rootfs: 'x', secrets: 'npm=TOPSECRET' })).toBe(
      'input "secrets": only applies when building; it cannot be combined with "rootfs"',
    )
    expect(message({ rootfs: 'x', 'build-args': 'TOKEN=TOPSECRET' })).not.toContain('TOPSECRET')
    const url = message({ endpoint: 'ftp://user:hunter2@127.0.0.1:1/x?token=abc' })
    expect(url).toContain('input "endpoint" = "ftp://***@127.0.0.1:1/x?***"')
    expect(url).not.toMatch(/hunter2|abc/)
    expect(message({ 'os-name': 'a'.repeat(100_000) })).toMatch(
      /^input "os-name" = "a{200}\.\.\. \(100000 characters\)": expected lowercase/,
    )
  })

  test('names docker reads as its own arguments cannot be flags', () => {
    expect(() => parseInputs(reader({ ...base, image: '--all-tags' }))).toThrow(
      /^input "image" = "--all-tags": expected an image reference/,
    )
    expect(() => parseInputs(reader({ ...base, image: 'debian:12 --quiet' }))).toThrow(/input "image"/)
    expect(() => parseInputs(reader({ ...base, targets: '-fimg' }))).toThrow(
      /^input "targets" = "-fimg": expected a bake target's name/,
    )
    expect(() => parseInputs(reader({ ...base, targets: 'debian.x' }))).toThrow(/input "targets"/)
    expect(() => parseInputs(reader({ ...base, builder: '--bootstrap' }))).toThrow(
      /^input "builder" = "--bootstrap": expected a buildx builder's name/,
    )
    // A folder named like a flag is a folder.
    const build = publishConfig({ ...base, context: '--help' }).source
    expect(build.kind === 'build' && build.build.context).toBe('./--help')
    // What metal-images names stays valid.
    expect(publishConfig({ ...base, targets: 'ubuntu-firewall_3' }).source.kind).toBe('bake')
    expect(
      publishConfig({ ...base, image: 'ghcr.io/metal-stack/debian:12@sha256:' + 'a'.repeat(64) }).source.kind,
    ).toBe('image')
  })

  test('a malformed build-args line is reported by number, never by its content', () => {
    expect(() => parseInputs(reader({ ...base, 'build-args': 'A=1\nsupersecret' }))).toThrow(
      /line 2 is not KEY=VALUE/,
    )
    expect(() => parseInputs(reader({ ...base, 'build-args': 'A=1\nsupersecret' }))).not.toThrow(
      /supersecret/,
    )
  })
})

describe("parseInputs: build-push-action's inputs and bake", () => {
  const buildx = (values: Partial<Record<InputName, string>>): BuildxOptions => {
    const source = publishConfig({ ...base, ...values }).source
    if (source.kind === 'build') return source.build.buildx
    if (source.kind === 'bake') return source.bake.buildx
    throw new Error(`expected a build, got ${source.kind}`)
  }
  const bake = (values: Partial<Record<InputName, string>>): BakeConfig => {
    const source = publishConfig({ ...base, ...values }).source
    if (source.kind !== 'bake') throw new Error(`expected bake, got ${source.kind}`)
    return source.bake
  }

  test('lists as build-push-action reads them: lines, commas unless the input takes them, CSV quotes', () => {
    expect(inputList('a, b\nc\n\n"d,e",f')).toEqual(['a', 'b', 'c', 'd,e', 'f'])
    expect(inputList('type=gha,mode=max\ntype=local,src=/x', { ignoreComma: true })).toEqual([
      'type=gha,mode=max',
      'type=local,src=/x',
    ])
    expect(inputList('"name=a,b",x\r\n""', { ignoreComma: true })).toEqual(['name=a,b,x'])
    expect(inputList('a""b,"c""d"')).toEqual(['a""b', 'c"d'])
    expect(inputList('')).toEqual([])
  })

  test('every buildx input, each as buildx takes it', () => {
    expect(
      buildx({
        builder: 'ci',
        'build-contexts': 'ctx=./debian/context\nbase=docker-image://debian:12',
        secrets: 'token= spaced value \nother=a,b',
        'secret-files': 'key=./key.pem',
        'secret-envs': 'gh=GITHUB_TOKEN,npm=NPM_TOKEN',
        ssh: 'default',
        'cache-from': 'type=registry,ref=r/c',
        'cache-to': 'type=registry,ref=r/c,mode=max',
        network: 'host',
        'add-hosts': 'a:10.0.0.1,b:10.0.0.2',
        provenance: 'mode=max',
        'sbom-attestation': 'false',
        attests: 'type=provenance,builder-id=x',
        push: 'true',
        tags: 'r/i:1\nr/i:latest',
      }),
    ).toEqual({
      builder: 'ci',
      contexts: [
        ['ctx', './debian/context'],
        ['base', 'docker-image://debian:12'],
      ],
      secrets: [
        { id: 'token', kind: 'value', source: ' spaced value ', input: 'secrets' },
        { id: 'other', kind: 'value', source: 'a,b', input: 'secrets' },
        { id: 'key', kind: 'file', source: './key.pem', input: 'secret-files' },
        { id: 'gh', kind: 'env', source: 'GITHUB_TOKEN', input: 'secret-envs' },
        { id: 'npm', kind: 'env', source: 'NPM_TOKEN', input: 'secret-envs' },
      ],
      ssh: ['default'],
      cacheFrom: ['type=registry,ref=r/c'],
      cacheTo: ['type=registry,ref=r/c,mode=max'],
      network: 'host',
      addHosts: ['a:10.0.0.1', 'b:10.0.0.2'],
      attests: [
        { spec: 'type=provenance,mode=max', input: 'provenance' },
        { spec: 'type=sbom,disabled=true', input: 'sbom-attestation' },
        { spec: 'type=provenance,builder-id=x', input: 'attests' },
      ],
      push: true,
      tags: ['r/i:1', 'r/i:latest'],
    })
    expect(buildx({ provenance: 'true' }).attests).toEqual([
      { spec: 'type=provenance,disabled=false', input: 'provenance' },
    ])
  })

  test('a secret is never in an error: a bad entry is named by its number', () => {
    let error: unknown
    try {
      parseInputs(reader({ ...base, secrets: 'ok=1\nhunter2' }))
    } catch (err) {
      error = err
    }
    expect((error as InputError).input).toBe('secrets')
    expect((error as Error).message).toMatch(/entry 2 is not name=value/)
    expect((error as Error).message).not.toContain('hunter2')
    expect(() => parseInputs(reader({ ...base, secrets: 'a=hunter2\na=x' }))).toThrow(
      /"a" is given more than once/,
    )
    expect(() => parseInputs(reader({ ...base, secrets: 'a=hunter2\na=x' }))).not.toThrow(/hunter2/)
  })

  test('platforms is platform: one of them, the same', () => {
    expect(publishConfig({ ...base, platforms: 'linux/arm64' }).source.platform).toBe('linux/arm64')
    expect(
      publishConfig({ ...base, platforms: 'linux/arm64', platform: 'linux/arm64' }).source.platform,
    ).toBe('linux/arm64')
  })

  test('targets: a bake target, docker-bake.hcl by default, with the inputs to apply over it', () => {
    expect(
      bake({
        targets: 'ubuntu-firewall',
        set: '_common.output+=type=registry\n\n *.args.X=1 ',
        'build-args': 'A=1',
        target: 'final',
        'no-cache': 'true',
        platforms: 'linux/arm64',
      }),
    ).toEqual({
      files: ['docker-bake.hcl'],
      target: 'ubuntu-firewall',
      set: ['_common.output+=type=registry', '*.args.X=1'],
      buildArgs: [['A', '1']],
      labels: [],
      stage: 'final',
      platform: 'linux/arm64',
      noCache: true,
      pull: false,
      buildx: NO_BUILDX_OPTIONS,
    })
    expect(bake({ targets: 'debian', 'bake-files': 'a.hcl\nb.hcl' }).files).toEqual(['a.hcl', 'b.hcl'])
    // Without targets, tags only make sense with push; with targets they rename the target's pushes.
    expect(bake({ targets: 'debian', tags: 'r/d:1' }).buildx.tags).toEqual(['r/d:1'])
  })
})

describe('action.yml', () => {
  const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8'))

  test('runs on node24 from dist/index.js', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(action.branding).toBeDefined()
  })

  test('is what scripts/action-yml.ts generates from src/inputs.ts', async () => {
    const { actionYml } = await import('../../scripts/action-yml.ts')
    expect(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')).toBe(actionYml())
  })

  test('declares exactly the inputs the code reads, with the same descriptions and defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUTS).sort())
    for (const [name, spec] of Object.entries(INPUTS)) {
      expect(action.inputs[name].description.trim(), name).toBe(spec.description)
      expect(action.inputs[name].default, name).toBe('default' in spec ? spec.default : undefined)
    }
  })

  test('declares exactly the outputs the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(Object.keys(OUTPUTS).sort())
    for (const [name, description] of Object.entries(OUTPUTS))
      expect(action.outputs[name].description).toBe(description)
  })

  test('the README documents every input and output', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    for (const name of [...Object.keys(INPUTS), ...Object.keys(OUTPUTS)])
      expect(readme).toContain(`| \`${name}\``)
  })
})

describe('progress', () => {
  test('prints bytes done, throughput and the ratio on every interval', async () => {
    const { reportProgress } = await import('../../src/pipeline/progress.ts')
    const lines: string[] = []
    let read = 0
    const stop = reportProgress(
      () => ({ read: (read += 50_000_000), written: read / 2 }),
      (line) => lines.push(line),
      20,
    )
    await new Promise((r) => setTimeout(r, 110))
    stop()
    const count = lines.length
    await new Promise((r) => setTimeout(r, 60))
    expect(lines.length).toBe(count)
    expect(count).toBeGreaterThanOrEqual(3)
    expect(lines[0]).toMatch(
      /^50\.0 MB of rootfs read, [0-9.]+ [kMG]B\/s; 25\.0 MB compressed \(50\.0 %\); \d+ s$/,
    )
  })
})
