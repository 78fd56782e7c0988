import { InputError } from './errors.ts'
import { HC_MIN_LEVEL, MAX_LEVEL } from './lz4/compressor.ts'

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
      'Use this existing uncompressed rootfs tar (e.g. written by docker buildx bake) instead of building.',
  },
  'os-name': { description: 'Operating system name, e.g. debian, ubuntu, firewall-ubuntu (required).' },
  'os-version': {
    description: 'Operating system version as major or major.minor, e.g. 12 or 24.04 (required).',
  },
  destination: {
    description:
      'Where the image goes: a local directory or file:// URL (default ./images). Files land in <destination>/<os-name>/<os-version>/.',
    defaultText: './images',
  },
  'compression-level': {
    description:
      'LZ4 level as the lz4 command means it: 1-2 fast, 3-12 high compression (9 is what metal-images uses).',
    default: '1',
  },
} as const satisfies Record<string, InputSpec>

export type InputName = keyof typeof INPUTS

export const OUTPUTS = {
  'image-id': 'Image id as metal-stack uses it: <os-name>-<major>.<minor>.<YYYYMMDD>.',
  version: 'The version part of the image id: <major>.<minor>.<YYYYMMDD>.',
  url: 'Where img.tar.lz4 went.',
  md5: 'MD5 of img.tar.lz4 (lowercase hex), as in img.tar.lz4.md5.',
  size: 'Size of img.tar.lz4 in bytes.',
  'rootfs-size': 'Size of the uncompressed rootfs tar in bytes.',
  packages: 'Number of packages in packages.txt (empty when the image has no dpkg database).',
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

export interface Config {
  source: SourceConfig
  osName: string
  osVersion: string
  destination: string
  compressionLevel: number
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

  return {
    source,
    osName: parseOsName(get('os-name')),
    osVersion: parseOsVersion(get('os-version')),
    destination: get('destination') || 'images',
    compressionLevel: parseLevel(get('compression-level')),
  }
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
