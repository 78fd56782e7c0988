import { constants } from 'node:fs'
import { access, chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { InputError } from '../util/errors.ts'
import { probeBuildx, type BuildxInfo } from './build-cache.ts'
import type { AttestSpec, BuildxOptions, SecretSpec } from './config.ts'
import { DOCKER, lastLine } from './docker.ts'

/**
 * The buildx side of a build: what build-push-action's inputs become on docker's command line, the
 * builder they run on, and the files a build needs for a while (secret values, the metadata file).
 * Secret values only ever go into files of a private folder; the command line and the log carry paths
 * and variable names.
 */

/** Which kind of docker client builds: see build.ts's detectBuilder. */
export type BuilderKind = 'buildx' | 'classic' | 'legacy'

/**
 * The first input the builder cannot honour, and why: the legacy builder has no BuildKit at all; the
 * classic client's built-in BuildKit has secrets, ssh, network, hosts and image caches, but no named
 * contexts, builders, cache export, attestations or second output.
 */
export function unsupportedInput(options: BuildxOptions, kind: BuilderKind): string | undefined {
  const used: [string, boolean][] = [
    ['builder', options.builder !== ''],
    ['build-contexts', options.contexts.length > 0],
    ['cache-to', options.cacheTo.length > 0],
    ['push', options.push],
    [options.attests[0]?.input ?? 'attests', options.attests.length > 0],
  ]
  if (kind === 'legacy')
    used.push(
      [options.secrets[0]?.input ?? 'secrets', options.secrets.length > 0],
      ['ssh', options.ssh.length > 0],
      ['cache-from', options.cacheFrom.length > 0],
    )
  if (kind === 'buildx') return undefined
  return used.find(([, given]) => given)?.[0]
}

/** Attestations that are switched on (`disabled=true` ones ask for nothing). */
export function activeAttests(attests: readonly { spec: string }[]): string[] {
  return attests.map((a) => a.spec).filter((spec) => !/(^|,)disabled=(true|1)(,|$)/i.test(spec))
}

/**
 * Whether the builder can make attestations. buildx refuses them for the docker driver unless the
 * engine uses the containerd image store ("Attestation is not supported for the docker driver"); an
 * unknown driver is taken to be able to.
 */
export function makesAttestations(info: BuildxInfo): boolean {
  return info.driver !== 'docker' || info.containerdStore === true
}

export const ATTESTATION_DRIVERS =
  'docker-container, kubernetes and remote builders make attestations (e.g. docker/setup-buildx-action); ' +
  'the docker driver only with the containerd image store'

/**
 * The builder the build runs on: `builder` by name (an unknown one is the input's error, before anything
 * starts), else the current one. Probed for its driver when attestations need to know.
 */
export async function checkBuilder(
  options: BuildxOptions,
  signal: AbortSignal,
  attests: { spec: string; input: string }[] = options.attests,
): Promise<BuildxInfo> {
  if (options.builder) {
    const result = await execa(DOCKER, ['buildx', 'inspect', options.builder], {
      reject: false,
      stdin: 'ignore',
      cancelSignal: signal,
      timeout: 60_000,
    })
    if (result.exitCode !== 0)
      throw new InputError(
        'builder',
        options.builder,
        `docker buildx cannot use it: ${lastLine(String(result.stderr)).replace(/^ERROR:\s*/, '')} (docker buildx ls lists the builders)`,
      )
  }
  const info = await probeBuildx(signal, options.builder)
  const active = attests.filter((a) => activeAttests([a]).length > 0)
  if (active.length > 0 && !makesAttestations(info))
    throw attestationError(active[0]!.input, active[0]!.spec, 'attestations', options.builder, info)
  return info
}

/** The builder cannot make the attestations asked for: which, and which builders can. */
export function attestationError(
  input: string,
  value: string,
  what: string,
  builder: string,
  info: BuildxInfo,
): InputError {
  return new InputError(
    input,
    value,
    `${what}, which the builder ${builder || '(the current one)'} cannot make: its ${info.driver ?? 'unknown'} driver ` +
      `has no attestations (${ATTESTATION_DRIVERS}). Switch them off with provenance: false and sbom-attestation: false`,
  )
}

/** A private folder for what a build needs for a while; removed by `cleanup`. */
export class BuildFiles {
  private dir: string | undefined

  /** The folder, made (mode 0700) on first use. */
  async folder(): Promise<string> {
    this.dir ??= await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'metal-image-build-'))
    await chmod(this.dir, 0o700)
    return this.dir
  }

  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}

/**
 * buildx's --secret specs for the secret inputs: values written to files (0600) in `files`' folder,
 * files and variables checked first. buildx itself would pass an unset variable as an empty secret and
 * take a missing file for an error only once the build is under way.
 */
export async function secretSpecs(secrets: readonly SecretSpec[], files: BuildFiles): Promise<string[]> {
  const specs: string[] = []
  for (const [i, secret] of secrets.entries()) {
    const named = `${secret.id}=${secret.kind === 'value' ? '***' : secret.source}`
    if (secret.kind === 'env') {
      checkSecretEnv(secret.id, secret.source, (problem) => new InputError(secret.input, named, problem))
      specs.push(`id=${secret.id},env=${secret.source}`)
    } else if (secret.kind === 'file') {
      const info = await stat(secret.source).catch(() => undefined)
      const readable =
        info?.isFile() &&
        (await access(secret.source, constants.R_OK).then(
          () => true,
          () => false,
        ))
      if (!readable)
        throw new InputError(
          secret.input,
          named,
          `secret "${secret.id}": no readable file at ${secret.source}`,
        )
      specs.push(`id=${secret.id},src=${secret.source}`)
    } else {
      const path = join(await files.folder(), `secret-${i}`)
      await writeFile(path, secret.source, { mode: 0o600 })
      specs.push(`id=${secret.id},src=${path}`)
    }
  }
  return specs
}

/** An env secret whose variable is unset or empty: an error (a missing repository secret looks like that). */
export function checkSecretEnv(id: string, variable: string, error: (problem: string) => Error): void {
  if (!process.env[variable])
    throw error(
      `secret "${id}": the environment variable ${variable} is ${variable in process.env ? 'empty' : 'not set'} ` +
        '(buildx would pass an empty secret; a repository secret that is missing, e.g. on a pull request from a fork, looks like this)',
    )
}

/** The docker buildx build flags of the options (the outputs and tags are the caller's). */
export function buildxFlags(options: BuildxOptions, secrets: string[]): string[] {
  const flags: string[] = []
  const add = (flag: string, values: readonly string[]): void => {
    for (const value of values) flags.push(flag, value)
  }
  if (options.builder) flags.push('--builder', options.builder)
  add(
    '--build-context',
    options.contexts.map(([name, value]) => `${name}=${value}`),
  )
  add('--secret', secrets)
  add('--ssh', options.ssh)
  add('--cache-from', options.cacheFrom)
  add('--cache-to', options.cacheTo)
  add(
    '--attest',
    options.attests.map((a: AttestSpec) => a.spec),
  )
  return flags
}
