import { channelSegments } from './channel.ts'
import type { ContractMode } from './contract.ts'
import { InputError } from './errors.ts'
import type { Layout } from './layout.ts'
import { HC_MIN_LEVEL, MAX_LEVEL } from './lz4/compressor.ts'
import { isCalendarDate, type OnConflict } from './version.ts'

/**
 * Every input of the action, in one place: action.yml, the README's table and the CLI's --help are
 * checked against (or generated from) this list by the tests.
 */
export interface InputSpec {
  description: string
  default?: string
  /** Shown in --help and the README instead of the raw default. */
  defaultText?: string
}

export const INPUTS = {
  context: {
    description: 'Build context: a folder (or a git/https URL docker understands).',
    default: '.',
  },
  file: { description: 'Path of the Dockerfile.', defaultText: '<context>/Dockerfile' },
  'build-args': { description: 'Build arguments, one KEY=VALUE per line.' },
  target: { description: 'Build stage to export (docker build --target).' },
  platform: { description: 'Platform of the image to build or export.', default: 'linux/amd64' },
  'no-cache': { description: 'Build without using the build cache.', default: 'false' },
  pull: { description: 'Always pull newer versions of the base images.', default: 'false' },
  labels: { description: 'Image labels, one KEY=VALUE per line.' },
  buildkit: {
    description:
      'Stream the rootfs from BuildKit\'s tar exporter: "auto" (when buildx, or a classic docker client with built-in BuildKit, is there), "true" (required), "false" (always build, docker create, docker export).',
    default: 'auto',
  },
  image: {
    description: 'Export this existing image (local, or pulled if missing) instead of building.',
  },
  rootfs: {
    description:
      'Use this existing uncompressed rootfs tar (e.g. written by docker buildx bake) instead of building; a pipe works too, and `-` is standard input (`docker export c | metal-image --rootfs -`).',
  },
  'os-name': { description: 'Operating system name, e.g. debian, ubuntu, firewall-ubuntu (required).' },
  'os-version': {
    description: 'Operating system version as major or major.minor, e.g. 12 or 24.04 (required).',
  },
  destination: {
    description:
      'Where the image goes: gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, or a local directory or file:// URL (default ./images). Files land in <destination>/<channel>/<os-name>/<os-version>/.',
    defaultText: './images',
  },
  endpoint: {
    description:
      'S3-compatible endpoint URL for an s3:// destination (MinIO, Ceph, R2, Swift, ...); path-style addressing is used when it is set. Empty: AWS.',
  },
  'cache-control': {
    description: 'Cache-Control of the published objects (metal-images uses no-store).',
    default: 'no-store',
  },
  acl: {
    description: "S3 canned ACL for the objects, e.g. public-read. Empty: the bucket's own policy.",
  },
  'predefined-acl': {
    description: "GCS predefined ACL for the objects, e.g. publicRead. Empty: the bucket's own policy.",
  },
  'upload-timeout': {
    description:
      'Time budget for publishing to a bucket, retries of transient errors included, in seconds or with a unit (90s, 30m, 1h).',
    default: '1h',
  },
  channel: {
    description:
      'Folder under the destination, e.g. stable. Empty: derived from the workflow run (default branch: stable, pull request: pull_requests/<number>-<branch>, release or tag: the tag, other branches: the branch); none outside GitHub Actions.',
  },
  layout: {
    description:
      'flat: <os-name>/<os-version>/ holds the latest build (metal-images today); versioned: <os-name>/<os-version>/<YYYYMMDD>/ keeps every build.',
    default: 'flat',
  },
  date: {
    description:
      "The version's patch: empty for the UTC date of the build, commit for the date of the checked-out commit (rebuilding a commit gives the same version), or an explicit YYYYMMDD.",
  },
  'on-conflict': {
    description:
      'When this version already exists: fail, overwrite or skip (no build, outputs of the existing one). Default: overwrite for the flat layout, fail for versioned.',
    defaultText: 'overwrite (flat), fail (versioned)',
  },
  'versions-from-tags': {
    description:
      'Also count git tags named <os-name>-<version> (e.g. debian-12.0.20261125) as existing versions.',
    default: 'false',
  },
  mode: {
    description:
      'publish: build and publish an image. promote: copy the image of from-channel to to-channel (as metal-images does for releases), md5-checked.',
    default: 'publish',
  },
  'from-channel': { description: 'promote: the channel to copy from, e.g. stable.' },
  'to-channel': { description: 'promote: the channel to copy to, e.g. a release tag like 20261125.' },
  contract: {
    description:
      "What to do when the rootfs breaks metal-hammer's contract (kernel and initrd for kexec, installer, infrastructure packages, hygiene, SSH host keys): error (fail, publish nothing), warn, or off.",
    default: 'error',
  },
  checksums: {
    description:
      'Checksum files beside the image, any of md5, sha256, sha512 (comma- or newline-separated), each as img.tar.lz4.<alg> in <alg>sum format. md5 is always written: metal-hammer checks it.',
    default: 'md5',
  },
  sbom: {
    description:
      'Write sbom.cdx.json beside the image: a CycloneDX 1.6 SBOM with one component per installed package.',
    default: 'true',
  },
  'build-info': {
    description:
      'Add /etc/metal/build.yaml to the rootfs (build date, image id, version, git repository, ref and commit), as metal-images writes it before its build; an existing one is replaced.',
    default: 'true',
  },
  cache: {
    description:
      'Restore a build cache before the build and save it after (kept with actions/cache), keyed on the Dockerfile, build args, platform and context: a local BuildKit cache with buildx, an image with its inline cache with the classic client. The legacy builder cannot cache; it says so once.',
    default: 'false',
  },
  artifact: {
    description:
      'Upload img.tar.lz4, its checksum files and packages.txt as a workflow artifact: auto (when no destination is given, or its credentials are missing on a pull request from a fork), true, or false.',
    default: 'auto',
  },
  'artifact-name': { description: 'Name of the workflow artifact. Empty: the image id.' },
  'artifact-retention-days': {
    description: "Days GitHub keeps the artifact (1-90). Empty: the repository's setting.",
  },
  'compression-level': {
    description:
      'LZ4 level as the lz4 command means it: 1-2 fast, 3-12 high compression (9 is what metal-images uses).',
    default: '1',
  },
} as const satisfies Record<string, InputSpec>

export type InputName = keyof typeof INPUTS

/** Marked required in action.yml; the checks themselves are in parseInputs. */
export const REQUIRED_INPUTS = new Set<string>(['os-name', 'os-version'])

export const OUTPUTS = {
  'image-id': 'Image id as metal-stack uses it: <os-name>-<major>.<minor>.<YYYYMMDD>.',
  version: 'The version part of the image id: <major>.<minor>.<YYYYMMDD>.',
  url: 'Where img.tar.lz4 went.',
  md5: 'MD5 of img.tar.lz4 (lowercase hex), as in img.tar.lz4.md5.',
  size: 'Size of img.tar.lz4 in bytes.',
  'rootfs-size': 'Size of the uncompressed rootfs tar in bytes.',
  packages: 'Number of packages in packages.txt (empty when the image has no dpkg database).',
  semver: 'The version normalised to semver (20.04.20201026 -> 20.4.20201026), as metal-api compares it.',
  previous: 'The newest version that already existed for this os-name and major.minor (empty if none).',
  'release-tag': "The next release tag in metal-images' YYYYMMDD form, given the repository's git tags.",
  channel: 'The channel the files went to (empty: none).',
  sha256: 'SHA-256 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.',
  sha512: 'SHA-512 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.',
  contract:
    'The contract check as one line of JSON: {"mode", "passed", "failed", "errors", "warnings", "findings": [{"id", "level", "message", "path"}]}; also written as contract.json.',
  'artifact-id': 'Id of the uploaded workflow artifact (empty when none was uploaded).',
  'artifact-url': 'Where the workflow artifact can be downloaded (empty when none was uploaded).',
  metadata: 'All outputs as one JSON object.',
} as const

export type OutputName = keyof typeof OUTPUTS

export interface BuildConfig {
  context: string
  /** Empty: <context>/Dockerfile. */
  file: string
  buildArgs: [string, string][]
  target: string
  platform: string
  noCache: boolean
  pull: boolean
  labels: string[]
  buildkit: 'auto' | 'true' | 'false'
}

export type SourceConfig =
  | { kind: 'build'; build: BuildConfig; platform: string }
  | { kind: 'image'; image: string; platform: string }
  | { kind: 'rootfs'; rootfs: string; platform: string }

export type DateSpec = { kind: 'today' } | { kind: 'commit' } | { kind: 'fixed'; date: string }

export interface Config {
  mode: 'publish' | 'promote'
  source: SourceConfig
  osName: string
  osVersion: string
  destination: string
  compressionLevel: number
  /** Folder names of the channel; undefined: derive it from the workflow run. */
  channel: string[] | undefined
  layout: Layout
  date: DateSpec
  onConflict: OnConflict
  versionsFromTags: boolean
  /** promote only. */
  fromChannel: string[]
  toChannel: string[]
  store: StoreOptions
  contract: ContractMode
  /** Always starts with md5. */
  checksums: ChecksumAlgorithm[]
  sbom: boolean
  buildInfo: boolean
  artifact: { mode: 'auto' | 'true' | 'false'; name: string; retentionDays: number | undefined }
  /** Restore and save a BuildKit cache around the build. */
  cache: boolean
  /** The destination input was given (not the default folder). */
  destinationGiven: boolean
}

export const CHECKSUM_ALGORITHMS = ['md5', 'sha256', 'sha512'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]

export interface StoreOptions {
  endpoint: string
  cacheControl: string
  acl: string
  predefinedAcl: string
  uploadTimeoutMs: number
}

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
  return {
    mode,
    source,
    osName: parseOsName(get('os-name')),
    osVersion: parseOsVersion(get('os-version')),
    destination: get('destination') || 'images',
    compressionLevel: parseLevel(get('compression-level')),
    channel: channel === '' ? undefined : channelSegments(channel),
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
    versionsFromTags: parseBoolean('versions-from-tags', get('versions-from-tags')),
    fromChannel,
    toChannel,
    store: {
      endpoint: parseEndpoint(get('endpoint')),
      cacheControl: get('cache-control'),
      acl: get('acl'),
      predefinedAcl: get('predefined-acl'),
      uploadTimeoutMs: parseDuration('upload-timeout', get('upload-timeout')),
    },
    contract: oneOf('contract', get('contract'), ['error', 'warn', 'off'] as const),
    checksums: parseChecksums(get('checksums')),
    sbom: parseBoolean('sbom', get('sbom')),
    buildInfo: parseBoolean('build-info', get('build-info')),
    artifact: {
      mode: oneOf('artifact', get('artifact'), ['auto', 'true', 'false'] as const),
      name: get('artifact-name'),
      retentionDays: parseRetention(get('artifact-retention-days')),
    },
    destinationGiven: get('destination') !== '',
    cache: parseBoolean('cache', get('cache')),
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

/** major or major.minor; the minor keeps a leading zero as written (24.04), as metal-images' folders do. */
export function parseOsVersion(value: string): string {
  if (value === '') throw new InputError('os-version', value, 'is required, e.g. 12 or 24.04')
  if (!/^(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?$/.test(value))
    throw new InputError(
      'os-version',
      value,
      'expected <major> or <major>.<minor> in digits, e.g. 12 or 24.04',
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
