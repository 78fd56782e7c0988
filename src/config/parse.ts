import { HC_MIN_LEVEL, MAX_LEVEL } from '../lz4/compressor.ts'
import { channelSegments } from '../release/channel.ts'
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../release/files.ts'
import type { DateSpec } from '../release/plan.ts'
import { datedVersion, isCalendarDate, OS_VERSION } from '../release/version.ts'
import type { AttestSpec, BuildxOptions, SecretSpec, SourceConfig } from '../source/config.ts'
import { csvRecords } from '../source/csv.ts'
import { InputError } from '../util/errors.ts'
import type { TestConfig } from '../verify/test.ts'
import { INPUTS, type InputName, type InputSpec } from './inputs.ts'
import type { Config, PromoteConfig, PublishConfig, TargetConfig } from './types.ts'

export type InputReader = (name: InputName) => string

/** Turns raw input strings into a checked Config; every problem names its input. */
export function parseInputs(read: InputReader): Config {
  const get = (name: InputName): string => {
    const raw = read(name).trim()
    const spec: InputSpec = INPUTS[name]
    return raw === '' ? (spec.default ?? '') : raw
  }
  const platform = parsePlatform(read, get)

  const source = parseSource(read, get, platform)

  const layout = oneOf('layout', get('layout'), ['flat', 'versioned'] as const)
  const mode = oneOf('mode', get('mode'), ['publish', 'promote'] as const)
  const conflict = get('on-conflict')
  const channel = get('channel')
  const [fromChannel, toChannel] = (['from-channel', 'to-channel'] as const).map((name) => {
    const value = get(name)
    if (mode === 'promote' && value === '')
      throw new InputError(name, value, 'is required with mode: promote')
    if (mode !== 'promote' && value !== '')
      throw new InputError(name, value, 'only applies with mode: promote')
    return channelSegments(value, name)
  }) as [string[], string[]]
  if (mode === 'promote' && fromChannel.join('/') === toChannel.join('/'))
    throw new InputError('to-channel', toChannel.join('/'), 'must differ from from-channel')
  const target: TargetConfig = {
    osName: parseOsName(get('os-name')),
    osVersion: parseOsVersion(get('os-version')),
    imageName: parseImageName(get('image-name')),
    destination: get('destination') || 'images',
    destinationGiven: get('destination') !== '',
    store: {
      endpoint: parseEndpoint(get('endpoint')),
      cacheControl: get('cache-control'),
      acl: get('acl'),
      predefinedAcl: get('predefined-acl'),
      uploadTimeoutMs: parseDuration('upload-timeout', get('upload-timeout')),
    },
    layout,
    date: parseDate(get('date')),
    // Flat folders hold one build, overwritten by the next (metal-images); versioned ones keep each.
    // A promotion never replaces a target unless asked.
    onConflict:
      conflict === ''
        ? mode === 'promote' || layout === 'versioned'
          ? 'fail'
          : 'overwrite'
        : oneOf('on-conflict', conflict, ['fail', 'overwrite', 'skip'] as const),
    versionsJson: parseBoolean('versions-json', get('versions-json')),
  }
  if (layout === 'versioned' && !datedVersion(target.osVersion))
    throw new InputError(
      'layout',
      layout,
      `os-version ${target.osVersion} has three numbers, which leave no room for the build date in the version: the versioned layout needs a dated version; use layout flat`,
    )
  // Every input is checked in either mode: a mistake is reported even where the mode ignores it.
  const publish: PublishConfig = {
    mode: 'publish',
    ...target,
    source,
    compressionLevel: parseLevel(get('compression-level')),
    channel: channel === '' ? undefined : channelSegments(channel),
    versionsFromTags: parseBoolean('versions-from-tags', get('versions-from-tags')),
    contract: oneOf('contract', get('contract'), ['error', 'warn', 'off'] as const),
    checksums: parseChecksums(get('checksums')),
    sbom: parseBoolean('sbom', get('sbom')),
    contractJson: parseBoolean('contract-json', get('contract-json')),
    buildInfo: parseBoolean('build-info', get('build-info')),
    artifact: {
      mode: oneOf('artifact', get('artifact'), ['auto', 'true', 'false'] as const),
      name: get('artifact-name'),
      retentionDays: parseRetention(get('artifact-retention-days')),
    },
    cache: parseBoolean('cache', get('cache')),
    test: parseTest(get),
  }
  if (publish.cache && source.kind === 'bake')
    throw new InputError('cache', 'true', 'applies to plain builds; with targets use cache-from and cache-to')
  if (
    publish.cache &&
    source.kind === 'build' &&
    (source.build.buildx.cacheFrom.length > 0 || source.build.buildx.cacheTo.length > 0)
  )
    throw new InputError(
      'cache',
      'true',
      'give either cache or cache-from/cache-to: both would pick the build cache',
    )
  if (mode === 'publish') return publish
  const promote: PromoteConfig = { mode: 'promote', ...target, fromChannel, toChannel }
  return promote
}

function parseTest(get: (name: InputName) => string): TestConfig {
  const mode = oneOf('test', get('test'), ['off', 'install', 'boot'] as const)
  const success = get('test-success')
  let pattern: RegExp
  try {
    pattern = new RegExp(success)
  } catch (err) {
    throw new InputError('test-success', success, `is not a regular expression: ${(err as Error).message}`)
  }
  const command = get('test-command')
  // The command is not repeated in the message: it may hold what a log should not.
  if (command !== '' && mode !== 'boot')
    throw new InputError('test-command', '', 'only applies with test: boot')
  const installYaml = get('test-install-yaml')
  if (installYaml !== '' && mode === 'off')
    throw new InputError('test-install-yaml', installYaml, 'only applies with test: install or boot')
  return {
    mode,
    installYaml: installYaml || undefined,
    timeoutMs: parseDuration('test-timeout', get('test-timeout')),
    command: command || undefined,
    success: pattern,
  }
}

function parseRetention(value: string): number | undefined {
  if (value === '') return undefined
  const days = Number(value)
  if (!/^\d+$/.test(value) || days < 1 || days > 90)
    throw new InputError('artifact-retention-days', value, 'expected a whole number of days from 1 to 90')
  return days
}

function parseChecksums(value: string): ChecksumAlgorithm[] {
  const wanted = new Set<ChecksumAlgorithm>(['md5'])
  for (const name of value.split(/[\s,]+/).filter(Boolean)) {
    const alg = name.toLowerCase()
    if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(alg))
      throw new InputError('checksums', value, `"${name}" is not one of md5, sha256, sha512`)
    wanted.add(alg as ChecksumAlgorithm)
  }
  return CHECKSUM_ALGORITHMS.filter((alg) => wanted.has(alg))
}

function parseEndpoint(value: string): string {
  if (value === '') return ''
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return value
  } catch {
    // reported below
  }
  throw new InputError('endpoint', value, 'expected an http:// or https:// URL, e.g. https://s3.example.com')
}

/** Seconds, or a number with s, m or h. */
export function parseDuration(name: InputName, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(value)
  const ms = m
    ? Math.round(Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'])
    : 0
  if (ms < 1000)
    throw new InputError(
      name,
      value,
      'expected a duration of at least 1 s: seconds, or a number with s, m or h (e.g. 90s, 30m, 1h)',
    )
  return ms
}

function oneOf<T extends string>(name: InputName, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(name, value, `expected ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`)
}

function parseDate(value: string): DateSpec {
  if (value === '') return { kind: 'today' }
  if (value === 'commit') return { kind: 'commit' }
  if (isCalendarDate(value)) return { kind: 'fixed', date: value }
  throw new InputError(
    'date',
    value,
    'expected empty (today, UTC), commit, or a real calendar date as YYYYMMDD',
  )
}

/**
 * metal-api splits an image id at its last "-" into OS and version, and the OS is a folder in the
 * bucket: lowercase words joined by single dashes keep both unambiguous.
 */
export function parseOsName(value: string): string {
  if (value === '')
    throw new InputError('os-name', value, 'is required, e.g. debian, ubuntu or firewall-ubuntu')
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(value) || value.length > 63)
    throw new InputError(
      'os-name',
      value,
      'expected lowercase letters and digits in words joined by "-", starting with a letter (e.g. debian, firewall-ubuntu)',
    )
  return value
}

/**
 * A folder name as metal-images gives it: one to three numbers, optionally followed by words that belong
 * to the OS (13, 26.04, 3.0-ubuntu, 1.32.9). The folder keeps it as written; the id is derived from it.
 */
export function parseOsVersion(value: string): string {
  if (value === '')
    throw new InputError('os-version', value, 'is required, e.g. 13, 26.04, 3.0-ubuntu or 1.32.9')
  if (value.length > 63 || !OS_VERSION.test(value))
    throw new InputError(
      'os-version',
      value.length > 80 ? `${value.slice(0, 80)}...` : value,
      'expected one to three numbers joined by ".", optionally followed by lowercase words joined by "-" (e.g. 13, 26.04, 3.0-ubuntu, 1.32.9), at most 63 characters',
    )
  return value
}

/** The OS part of the image id, when it is not derived from os-name and os-version. */
function parseImageName(value: string): string {
  if (value === '') return ''
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(value) || value.length > 63)
    throw new InputError(
      'image-name',
      value,
      'expected lowercase letters and digits in words joined by "-", starting with a letter (e.g. firewall-ubuntu): the image id is <image-name>-<version>',
    )
  return value
}

function parseLevel(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LEVEL)
    throw new InputError(
      'compression-level',
      value,
      `expected a number from 1 to ${MAX_LEVEL} (1-${HC_MIN_LEVEL - 1} fast, ${HC_MIN_LEVEL}-${MAX_LEVEL} high compression)`,
    )
  return Number(value)
}

export function parseBoolean(name: InputName, value: string): boolean {
  // The YAML 1.2 core schema's booleans, as @actions/core's getBooleanInput accepts them.
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE', ''].includes(value)) return false
  throw new InputError(name, value, 'expected true or false')
}

/**
 * Newline-separated KEY=VALUE lines; blank lines are skipped, values may contain "=". A bad line is
 * named by its number only: build args can carry values that must not reach a log.
 */
function parseKeyValues(name: InputName, value: string): [string, string][] {
  const pairs: [string, string][] = []
  value.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    const eq = line.indexOf('=')
    if (eq <= 0)
      throw new InputError(name, '', `line ${i + 1} is not KEY=VALUE: expected one KEY=VALUE per line`)
    pairs.push([line.slice(0, eq), line.slice(eq + 1)])
  })
  return pairs
}

type Reader = (name: InputName) => string

/** bake's own rule for target names (buildx validateTargetName), without a leading `-`. */
const BAKE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/

/**
 * A name docker takes as an argument of its own (an image, a bake target, a builder): one that starts
 * with `-` would be read as a flag (`--help` exits 0), one with a space or a control character is none.
 */
function named(input: InputName, value: string, expected: string, pattern = /^[^\s-][^\s]*$/): string {
  if (!pattern.test(value) || /\p{Cc}/u.test(value))
    throw new InputError(input, value, `expected ${expected}`)
  return value
}

/** The raw value, trimmed: empty when the input was not given (defaults not applied). */
const rawOf = (read: InputReader, name: InputName): string => read(name).trim()
/** Inputs whose values may be secrets (build arguments carry tokens too): an error names them, never echoes them. */
const SECRET_VALUES = new Set<InputName>(['build-args', 'secrets', 'secret-files', 'secret-envs'])

function parsePlatform(read: InputReader, get: Reader): string {
  const platforms = inputList(rawOf(read, 'platforms'))
  if (platforms.length > 1)
    throw new InputError(
      'platforms',
      platforms.join(','),
      'one platform: the action publishes one image per platform (use a matrix for several)',
    )
  const given = rawOf(read, 'platform')
  if (platforms.length === 1 && given !== '' && given !== platforms[0])
    throw new InputError('platforms', platforms[0]!, `differs from platform "${given}": give one of them`)
  const platform = platforms[0] ?? get('platform')
  const name = platforms.length === 1 ? 'platforms' : 'platform'
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform))
    throw new InputError(name, platform, 'expected os/arch[/variant], e.g. linux/amd64 or linux/arm64')
  return platform
}

/** Exactly one source: a bake target, an image, a rootfs tar, or a build (the default). */
function parseSource(read: InputReader, get: Reader, platform: string): SourceConfig {
  const given = (name: InputName): boolean => rawOf(read, name) !== ''
  const image = get('image')
  const rootfs = get('rootfs')
  const targets = inputList(rawOf(read, 'targets'))
  if (image && rootfs) throw new InputError('rootfs', rootfs, 'give either "image" or "rootfs", not both')
  const other = image ? 'image' : rootfs ? 'rootfs' : undefined
  if (other && targets.length > 0)
    throw new InputError('targets', targets.join(','), `give either "targets" or "${other}", not both`)
  for (const name of ['bake-files', 'set'] as const)
    if (given(name) && targets.length === 0)
      throw new InputError(name, get(name), 'applies to docker buildx bake: give "targets" too')
  const buildOnly: InputName[] = [
    'file',
    'build-args',
    'target',
    'labels',
    ...BUILDX_INPUTS,
    'push',
    'pull',
    'no-cache',
  ]
  const switches = new Set<InputName>(['push', 'pull', 'no-cache'])
  const notForOther = buildOnly.filter((name) =>
    switches.has(name) ? parseBoolean(name, get(name)) : given(name),
  )
  if (other && notForOther.length > 0) {
    const name = notForOther[0]!
    // Build arguments and secrets may hold tokens: named, never echoed.
    const value = SECRET_VALUES.has(name) ? '' : get(name)
    throw new InputError(name, value, `only applies when building; it cannot be combined with "${other}"`)
  }
  if (rootfs) return { kind: 'rootfs', rootfs, platform }
  if (image)
    return {
      kind: 'image',
      image: named(
        'image',
        image,
        'an image reference such as debian:12 or registry.example/os/debian@sha256:...',
      ),
      platform,
    }

  const buildkit = get('buildkit')
  if (buildkit !== 'auto' && buildkit !== 'true' && buildkit !== 'false')
    throw new InputError('buildkit', buildkit, 'expected auto, true or false')
  const buildx = parseBuildxOptions(read, get)
  const buildArgs = parseKeyValues('build-args', get('build-args'))
  const labels = parseKeyValues('labels', get('labels')).map(([k, v]) => `${k}=${v}`)
  const noCache = parseBoolean('no-cache', get('no-cache'))
  const pull = parseBoolean('pull', get('pull'))
  if (targets.length === 0) {
    if (buildx.push && buildx.tags.length === 0)
      throw new InputError('tags', '', 'push: true needs at least one tag to push the image under')
    if (!buildx.push && buildx.tags.length > 0)
      throw new InputError('tags', buildx.tags.join(','), 'only applies with push: true')
    return {
      kind: 'build',
      platform,
      build: {
        // A folder named like a flag (`--help`) is a folder: docker reads it as a flag otherwise.
        context: get('context').startsWith('-') ? `./${get('context')}` : get('context'),
        file: get('file'),
        buildArgs,
        target: get('target'),
        platform,
        noCache,
        pull,
        labels,
        buildkit,
        buildx,
      },
    }
  }
  if (targets.length > 1)
    throw new InputError(
      'targets',
      targets.join(','),
      'one target: the action publishes one image per run (use a matrix for several)',
    )
  const plainOnly = (['context', 'file', 'network', 'add-hosts'] as const).filter(given)
  if (plainOnly.length > 0) {
    const name = plainOnly[0]!
    const why =
      name === 'context' || name === 'file'
        ? 'the bake target says what to build'
        : 'docker buildx bake (0.13) has no such attribute'
    throw new InputError(name, get(name), `does not apply with "targets": ${why}`)
  }
  if (buildkit === 'false')
    throw new InputError(
      'buildkit',
      buildkit,
      'docker buildx bake is BuildKit: "targets" needs buildkit auto or true',
    )
  return {
    kind: 'bake',
    platform,
    bake: {
      files: lines(get('bake-files')).length > 0 ? lines(get('bake-files')) : ['docker-bake.hcl'],
      target: named('targets', targets[0]!, "a bake target's name (letters, digits, _ and -)", BAKE_NAME),
      set: lines(get('set')),
      buildArgs,
      labels,
      stage: get('target'),
      platform,
      noCache,
      pull,
      buildx,
    },
  }
}

/** Inputs only BuildKit (buildx) builds take. */
const BUILDX_INPUTS = [
  'builder',
  'build-contexts',
  'secrets',
  'secret-files',
  'secret-envs',
  'ssh',
  'cache-from',
  'cache-to',
  'network',
  'add-hosts',
  'tags',
  'provenance',
  'sbom-attestation',
  'attests',
] as const satisfies InputName[]

function parseBuildxOptions(read: InputReader, get: Reader): BuildxOptions {
  const raw = (name: InputName): string => rawOf(read, name)
  const pairs = (name: InputName, list: string[]): [string, string][] =>
    list.map((item, i) => {
      const eq = item.indexOf('=')
      if (eq <= 0 || eq === item.length - 1)
        throw new InputError(name, name === 'secrets' ? '' : item, `entry ${i + 1} is not name=value`)
      return [item.slice(0, eq), item.slice(eq + 1)]
    })
  const secrets: SecretSpec[] = [
    // Not trimmed: a secret's value is taken as written (build-push-action does the same).
    ...pairs('secrets', inputList(read('secrets'), { ignoreComma: true, trim: false })).map(
      ([id, source]): SecretSpec => ({ id, kind: 'value', source, input: 'secrets' }),
    ),
    ...pairs('secret-files', inputList(raw('secret-files'), { ignoreComma: true })).map(
      ([id, source]): SecretSpec => ({ id, kind: 'file', source, input: 'secret-files' }),
    ),
    ...pairs('secret-envs', inputList(raw('secret-envs'))).map(([id, source]): SecretSpec => ({
      id,
      kind: 'env',
      source,
      input: 'secret-envs',
    })),
  ]
  const seen = new Set<string>()
  for (const secret of secrets) {
    if (seen.has(secret.id))
      throw new InputError(secret.input, '', `secret id "${secret.id}" is given more than once`)
    seen.add(secret.id)
  }
  const attests: AttestSpec[] = [
    ...canonicalAttest('provenance', raw('provenance'), 'provenance'),
    ...canonicalAttest('sbom', raw('sbom-attestation'), 'sbom-attestation'),
    ...inputList(raw('attests'), { ignoreComma: true }).map((spec): AttestSpec => {
      if (!/^type=[a-z]+(,|$)/.test(spec))
        throw new InputError('attests', spec, 'expected type=<provenance|sbom>[,options] per line')
      return { spec, input: 'attests' }
    }),
  ]
  return {
    builder: raw('builder') && named('builder', raw('builder'), "a buildx builder's name"),
    contexts: pairs('build-contexts', inputList(raw('build-contexts'), { ignoreComma: true })),
    secrets,
    ssh: inputList(raw('ssh')),
    cacheFrom: inputList(raw('cache-from'), { ignoreComma: true }),
    cacheTo: inputList(raw('cache-to'), { ignoreComma: true }),
    network: raw('network'),
    addHosts: inputList(raw('add-hosts')),
    attests,
    push: parseBoolean('push', get('push')),
    tags: inputList(raw('tags')),
  }
}

/** buildx's --provenance / --sbom shorthand: true, false (an attestation switched off) or options. */
function canonicalAttest(type: string, value: string, input: AttestSpec['input']): AttestSpec[] {
  if (value === '') return []
  const lower = value.toLowerCase()
  if (['true', 'false', '1', '0'].includes(lower))
    return [{ spec: `type=${type},disabled=${lower === 'false' || lower === '0'}`, input }]
  return [{ spec: `type=${type},${value}`, input }]
}

/** Non-empty trimmed lines. */
function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/**
 * build-push-action's list inputs (its Util.getInputList): one item per line, and per line CSV, so a
 * comma separates items unless it is quoted ("a,b") or the input takes items with commas (ignoreComma:
 * cache specs, secrets, build contexts). Empty items are dropped.
 */
export function inputList(value: string, options: { ignoreComma?: boolean; trim?: boolean } = {}): string[] {
  const items: string[] = []
  for (const record of csvRecords(value)) {
    if (options.ignoreComma) items.push(record.join(','))
    else items.push(...record)
  }
  return items
    .map((item) => (options.trim === false ? item : item.trim()))
    .filter((item) => item.trim() !== '')
}
