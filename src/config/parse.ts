import { HC_MIN_LEVEL, MAX_LEVEL } from '../lz4/compressor.ts'
import { channelSegments } from '../release/channel.ts'
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../release/files.ts'
import type { DateSpec } from '../release/plan.ts'
import { datedVersion, isCalendarDate, OS_VERSION } from '../release/version.ts'
import type { SourceConfig } from '../source/config.ts'
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
  const platform = get('platform')
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform))
    throw new InputError('platform', platform, 'expected os/arch[/variant], e.g. linux/amd64 or linux/arm64')

  const image = get('image')
  const rootfs = get('rootfs')
  if (image && rootfs) throw new InputError('rootfs', rootfs, 'give either "image" or "rootfs", not both')
  const buildOnly = (['file', 'build-args', 'target', 'labels'] as const).filter((name) => get(name) !== '')
  if ((image || rootfs) && buildOnly.length > 0) {
    const name = buildOnly[0]!
    throw new InputError(
      name,
      get(name),
      `only applies when building; it cannot be combined with "${image ? 'image' : 'rootfs'}"`,
    )
  }

  let source: SourceConfig
  if (rootfs) source = { kind: 'rootfs', rootfs, platform }
  else if (image) source = { kind: 'image', image, platform }
  else {
    const buildkit = get('buildkit')
    if (buildkit !== 'auto' && buildkit !== 'true' && buildkit !== 'false')
      throw new InputError('buildkit', buildkit, 'expected auto, true or false')
    source = {
      kind: 'build',
      platform,
      build: {
        context: get('context'),
        file: get('file'),
        buildArgs: parseKeyValues('build-args', get('build-args')),
        target: get('target'),
        platform,
        noCache: parseBoolean('no-cache', get('no-cache')),
        pull: parseBoolean('pull', get('pull')),
        labels: parseKeyValues('labels', get('labels')).map(([k, v]) => `${k}=${v}`),
        buildkit,
      },
    }
  }

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
  if (!m || Number(m[1]) <= 0)
    throw new InputError(
      name,
      value,
      'expected a duration: seconds, or a number with s, m or h (e.g. 90s, 30m, 1h)',
    )
  return Math.round(Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'])
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
