import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import {
  definitionJson,
  envSecrets,
  parseSetLines,
  planBake,
  printFailure,
  printOverrides,
  type BakeDefinition,
  type BakePlan,
} from './bake-definition.ts'
import { probeBuildx, type BuildxInfo } from './build-cache.ts'
import {
  attestationError,
  BuildFiles,
  checkBuilder,
  checkSecretEnv,
  makesAttestations,
  secretSpecs,
} from './buildx.ts'
import type { BakeConfig } from './config.ts'
import { DOCKER, processExit, runDocker, stopThen, type Finished } from './docker.ts'
import type { OpenedSource } from './opened.ts'
import { pushFailure, readPush } from './push.ts'
import { buildsIntoEngine, exportBuilt, temporaryImageName, untag } from './built-image.ts'

/**
 * A bake target's rootfs, streamed: the definition resolved with `docker buildx bake --print` (bake's own
 * parsing, inheritance, variables from the environment, `set` lines), the action's changes applied to it
 * (see bake-definition.ts), written back as a JSON bake file, and built with `docker buildx bake`, which
 * also builds the targets it links to. Its outputs: the tar on stdout, and a registry push from the same
 * solve when one is asked for.
 */
export async function bake(config: BakeConfig, log: Log, signal: AbortSignal): Promise<OpenedSource> {
  for (const file of config.files) {
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile())
      throw new InputError('bake-files', file, `no such file (paths are relative to ${process.cwd()})`)
  }
  const files = new BuildFiles()
  try {
    // A named builder must exist; attestations are checked on the plan, where the bake file's are known.
    const named = config.buildx.builder ? await checkBuilder(config.buildx, signal, []) : undefined
    const secrets = await secretSpecs(config.buildx.secrets, files)
    const sets = parseSetLines(config.set)
    const printed = await printDefinition(config, printOverrides(config.target, sets), signal, sets)
    const plan = planBake(printed, { config, sets, secretSpecs: secrets })
    const builder = named ?? (await probeBuildx(signal))
    checkPlan(plan, config, builder)
    // As for a plain build (build.ts): the engine's own BuildKit names what it committed to the engine's
    // store, and the image's export is faster and bounded where the tar exporter is neither. A push names
    // the image itself (its tags stay, as a push with the docker driver leaves them); else a temporary
    // name does.
    const viaImage = buildsIntoEngine(builder, plan.attests.length)
    const tag = viaImage && !plan.pushedBy ? temporaryImageName('bake') : undefined
    const image = tag ?? (viaImage ? plan.pushTo[0] : undefined)
    if (viaImage) {
      const target = plan.definition.target[config.target]!
      target.output = [...(tag ? [`type=image,name=${tag}`] : []), ...plan.outputs.slice(1)]
      // buildx names an image output after the target's tags: without a push they name nothing of ours
      // (the tar output never tagged anything either), and the export reads the image by its own name.
      if (tag) delete target.tags
    }
    describePlan(plan, config, log, image)

    const dir = await files.folder()
    const definition = join(dir, 'bake.json')
    const metadata = join(dir, 'metadata.json')
    await writeFile(definition, definitionJson(plan.definition), { mode: 0o600 })
    const args = ['buildx', 'bake', '-f', definition, '--metadata-file', metadata, '--progress', 'plain']
    if (config.buildx.builder) args.push('--builder', config.buildx.builder)
    args.push(config.target)
    log.info(`docker ${args.join(' ')}`)
    const failure = (f: Finished): Error =>
      (plan.pushedBy && pushFailure(f.tail, plan.pushTo, plan.pushedBy)) || bakeFailure(config)(f)
    if (image) {
      const started = performance.now()
      const result = await runDocker(args, { log, signal }).done
      try {
        if (result.exitCode !== 0) throw failure(result)
        const pushed = plan.pushedBy && (await readPush(metadata, plan.pushTo, log, config.target))
        const what = { method: `docker buildx bake ${config.target}`, input: 'targets', value: config.target }
        const source = await exportBuilt(
          image,
          { ...what, platform: config.platform, started, tag },
          log,
          signal,
        )
        return pushed ? { ...source, pushed: async () => pushed } : source
      } catch (err) {
        if (tag) await untag(tag)
        throw err
      } finally {
        await files.cleanup()
      }
    }
    const abort = new AbortController()
    const { stdout, takeFd, done } = runDocker(args, {
      log,
      signal: AbortSignal.any([signal, abort.signal]),
      stdout: 'fd',
    })
    return {
      stream: stdout!,
      exited: processExit(done, failure),
      method: `docker buildx bake ${config.target}, tar exporter`,
      input: 'targets',
      value: config.target,
      producer: true,
      takeFd,
      streamsBuild: true,
      ...(plan.pushedBy ? { pushed: () => readPush(metadata, plan.pushTo, log, config.target) } : {}),
      cleanup: stopThen(abort, done, () => files.cleanup()),
    }
  } catch (err) {
    await files.cleanup()
    throw err
  }
}

function bakeFailure(config: BakeConfig): (f: Finished) => Error {
  return (f) =>
    new StageError(
      'build',
      `docker buildx bake failed (exit code ${f.exitCode ?? 'none'}) for target "${config.target}". ` +
        `Last lines of its output:\n${f.tail.join('\n')}`,
    )
}

/**
 * `docker buildx bake --print`, safely: the target's outputs replaced by cacheonly (buildx 0.13 opens and
 * truncates file outputs already when printing; a linked target has none). Needs no builder.
 */
async function printDefinition(
  config: BakeConfig,
  overrides: string[],
  signal: AbortSignal,
  sets: ReturnType<typeof parseSetLines>,
): Promise<BakeDefinition> {
  const args = ['buildx', 'bake', '--print', '--progress', 'quiet']
  for (const file of config.files) args.push('-f', file)
  args.push(...overrides, config.target)
  const result = await execa(DOCKER, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    timeout: 120_000,
  })
  if (result.exitCode !== 0) {
    // Not execa's shortMessage: it holds the command line, build args and all.
    const message =
      bakeMessage(String(result.stderr)) ||
      `docker buildx bake --print failed (${result.signal ?? result.code ?? `exit code ${result.exitCode}`})`
    throw printFailure(message, config, sets)
  }
  try {
    return JSON.parse(String(result.stdout)) as BakeDefinition
  } catch {
    throw new StageError(
      'bake',
      `docker buildx bake --print printed no definition: ${String(result.stdout).slice(0, 200)}`,
    )
  }
}

/**
 * buildx's error, without its progress lines: from the first error line (or a file excerpt) on, each
 * line cut at 400 characters (a minified bake file is one line), and the ERROR line kept whatever the
 * excerpt before it takes.
 */
export function bakeMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((l) => !/^#\d+ /.test(l))
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}... (${l.length} characters)` : l))
  const start = lines.findIndex((l) => /^ERROR|^\S+:\d+$/.test(l.trim()))
  const text = (start === -1 ? lines : lines.slice(start)).join('\n').trim()
  if (text.length <= 4000) return text
  const error = lines.find((l) => /^ERROR/.test(l.trim()))
  return `${text.slice(0, 3000)}\n...${error ? `\n${error.trim()}` : ''}`
}

/** What buildx would only find out during the build, or not at all. */
function checkPlan(plan: BakePlan, config: BakeConfig, builder: BuildxInfo): void {
  if (plan.attests.length > 0 && !makesAttestations(builder)) {
    const { input, spec, target } = plan.attests[0]!
    throw input === 'targets'
      ? attestationError(
          input,
          config.target,
          `the bake file asks for attestations (target ${target}: ${spec})`,
          config.buildx.builder,
          builder,
        )
      : attestationError(input, spec, 'attestations', config.buildx.builder, builder)
  }
  for (const { target, spec } of plan.secrets)
    for (const { id, variable } of envSecrets([spec]))
      checkSecretEnv(
        id,
        variable,
        (problem) =>
          new InputError('targets', config.target, `the bake file's secret of target ${target}: ${problem}`),
      )
}

function describePlan(plan: BakePlan, config: BakeConfig, log: Log, image: string | undefined): void {
  const t = plan.definition.target[config.target]!
  const contexts = Object.entries(t.contexts ?? {}).map(([k, v]) => `${k}=${v}`)
  const linked = Object.keys(plan.definition.target).filter((n) => n !== config.target)
  log.info(
    `Bake target ${config.target} (${config.files.join(', ')}): context ${t.context ?? '.'}, dockerfile ${t.dockerfile ?? 'Dockerfile'}` +
      `${contexts.length > 0 ? `, contexts ${contexts.join(' ')}` : ''}` +
      `${linked.length > 0 ? `; also builds ${linked.join(', ')} (target: contexts)` : ''}; platform ${config.platform}`,
  )
  log.info(
    `Outputs: the rootfs to the action (${image ? `the image ${image} in the engine, then its export` : 'type=tar,dest=-'})` +
      `${plan.pushTo.length > 0 ? `, a push to ${plan.pushTo.join(', ')}` : ''}` +
      `${plan.outputs.length > 1 ? ` (${plan.outputs.slice(1).join(' ')})` : ''}. The bake file's own outputs are not used.`,
  )
  for (const { spec, why } of plan.dropped) log.info(`Output ${spec} left out: ${why}`)
}
