import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { buildKitCacheArgs } from './build-cache.ts'
import { buildArgs } from './build-args.ts'
import { detectBuilder } from './builder.ts'
import {
  activeAttests,
  BuildFiles,
  buildxFlags,
  checkBuilder,
  secretSpecs,
  unsupportedInput,
} from './buildx.ts'
import { isRemoteContext, type BuildConfig } from './config.ts'
import { processExit, runDocker, stopThen, type Finished } from './docker.ts'
import { buildsIntoEngine, exportBuilt, temporaryImageName, untag } from './built-image.ts'
import { pushFailure, readPush } from './push.ts'
import { loadInlineCache } from './inline-cache.ts'
import type { BuildCacheUse, OpenedSource } from './opened.ts'

function buildFailure(config: BuildConfig): (f: Finished) => Error {
  return (f) =>
    new StageError(
      'build',
      `docker build failed (exit code ${f.exitCode ?? 'none'}) for context "${config.context}"` +
        `${config.file ? ` and file "${config.file}"` : ''}. Last lines of its output:\n${f.tail.join('\n')}`,
    )
}

export async function build(
  config: BuildConfig,
  log: Log,
  signal: AbortSignal,
  cache?: BuildCacheUse,
): Promise<OpenedSource> {
  await checkBuildContext(config)
  const builder = await detectBuilder(config.buildkit, signal)
  const unsupported = unsupportedInput(config.buildx, builder.kind)
  if (unsupported)
    throw new InputError(
      unsupported,
      '',
      builder.kind === 'legacy'
        ? `needs BuildKit, and this build uses the legacy builder (${builder.why})`
        : 'needs docker buildx: the classic docker client (< 23) has no such option',
    )
  const { args, shown } = buildArgs(config)
  if (builder.kind === 'legacy') {
    if (cache) log.info('Build cache: not used: the legacy builder cannot use a BuildKit cache')
    log.info(`BuildKit not used (${builder.why}): building, then exporting the image's filesystem`)
    return legacyBuild(config, args, shown, log, signal)
  }
  const files = new BuildFiles()
  try {
    // Its driver decides where the rootfs comes from (below); a probe costs two docker calls at once.
    const buildx = builder.kind === 'buildx' ? await checkBuilder(config.buildx, signal) : {}
    let cacheArgs: string[] = []
    let cacheKind: OpenedSource['cacheKind']
    if (cache) {
      const local = buildKitCacheArgs(cache.dir, builder.kind, { ...buildx, exportCache: cache.exportCache })
      if (local.args) {
        cacheArgs = local.args
        cacheKind = 'local'
      } else if (builder.kind === 'classic' || buildx.driver === 'docker') {
        // Neither the classic client nor buildx's docker driver can export a BuildKit cache, but BuildKit
        // reads the inline cache of an image: the previous run's, loaded from the restored cache.
        const loaded = await loadInlineCache(cache.dir, log, signal)
        if (loaded) cacheArgs = ['--cache-from', loaded]
        cacheKind = 'inline'
      } else log.info(`Build cache: not used: ${local.reason}`)
    }
    const flags = buildxFlags(config.buildx, await secretSpecs(config.buildx.secrets, files))
    const { push, tags } = config.buildx
    const prefix = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build']
    const metadata = push ? join(await files.folder(), 'metadata.json') : undefined
    const pushArgs = push ? ['--output', 'type=image,push=true', '--metadata-file', metadata!] : []
    for (const tag of push ? tags : []) pushArgs.push('--tag', tag)
    const failed = buildFailure(config)
    const by = { input: 'push', value: 'true' }
    const failure = (f: Finished): Error => (push && pushFailure(f.tail, tags, by)) || failed(f)
    if (buildsIntoEngine(buildx, activeAttests(config.buildx.attests).length)) {
      // The engine's own BuildKit commits every step to the engine's store anyway: naming the result costs
      // nothing, and its export is faster and bounded where the tar exporter is neither (built-image.ts).
      // A push names the image itself (its tags stay, as a push with the docker driver leaves them).
      const tag = push ? undefined : temporaryImageName('build')
      const output = tag ? ['--output', `type=image,name=${tag}`] : pushArgs
      // The inline cache comes from this very build (its contexts, secrets and builder): building again
      // for it would need them all again.
      const inline = cacheKind === 'inline' && cache?.exportCache ? ['--cache-to', 'type=inline'] : []
      const tail = [...flags, ...cacheArgs, ...inline, ...output, '--progress', 'plain']
      log.info(`docker ${[...prefix, ...shown, ...tail, config.context].join(' ')}`)
      const started = performance.now()
      const result = await runDocker([...prefix, ...args, ...tail, config.context], { log, signal }).done
      try {
        if (result.exitCode !== 0) throw failure(result)
        const pushed = push && (await readPush(metadata!, tags, log))
        const what = { method: 'docker buildx build', input: 'context', value: config.context, tag }
        const image = tag ?? tags[0]!
        const source = await exportBuilt(image, { ...what, platform: config.platform, started }, log, signal)
        return {
          ...source,
          cacheKind,
          ...(inline.length > 0 ? { cacheImage: image } : {}),
          ...(pushed ? { pushed: async () => pushed } : {}),
        }
      } catch (err) {
        if (tag) await untag(tag)
        throw err
      } finally {
        await files.cleanup()
      }
    }
    const outputs = ['--output', 'type=tar,dest=-', ...pushArgs]
    const env = builder.kind === 'classic' ? { DOCKER_BUILDKIT: '1' } : undefined
    const tail = [...flags, ...cacheArgs, ...outputs, '--progress', 'plain', config.context]
    log.info(`docker ${[...prefix, ...shown, ...tail].join(' ')}`)
    const abort = new AbortController()
    const both = AbortSignal.any([signal, abort.signal])
    const { stdout, takeFd, done } = runDocker([...prefix, ...args, ...tail], {
      log,
      signal: both,
      env,
      stdout: 'fd',
    })
    return {
      stream: stdout!,
      exited: processExit(done, failure),
      method:
        builder.kind === 'buildx'
          ? 'docker buildx build, tar exporter'
          : 'docker build (BuildKit), tar exporter',
      input: 'context',
      value: config.context,
      producer: true,
      takeFd,
      streamsBuild: true,
      cacheKind,
      ...(push ? { pushed: () => readPush(metadata!, tags, log) } : {}),
      cleanup: stopThen(abort, done, () => files.cleanup()),
    }
  } catch (err) {
    await files.cleanup()
    throw err
  }
}

async function checkBuildContext(config: BuildConfig): Promise<void> {
  if (isRemoteContext(config.context)) return
  const info = await stat(config.context).catch(() => undefined)
  if (!info?.isDirectory())
    throw new InputError('context', config.context, 'no such directory: expected the build context folder')
  const file = config.file ? resolve(config.file) : join(config.context, 'Dockerfile')
  const fileInfo = await stat(file).catch(() => undefined)
  if (!fileInfo?.isFile())
    throw new InputError(
      'file',
      config.file,
      `no Dockerfile at ${file}: expected the path of the Dockerfile (default: <context>/Dockerfile)`,
    )
}

async function legacyBuild(
  config: BuildConfig,
  args: string[],
  shown: string[],
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  const tag = temporaryImageName('legacy')
  const started = performance.now()
  // --force-rm: a failed step's container is removed too, not left behind on the runner.
  const own = ['--force-rm', '--tag', tag]
  log.info(`docker build ${[...shown, ...own, config.context].join(' ')}`)
  const { done } = runDocker(['build', ...args, ...own, config.context], {
    log,
    signal,
    env: { DOCKER_BUILDKIT: '0' },
  })
  const result = await done
  if (result.exitCode !== 0) {
    await untag(tag)
    throw buildFailure(config)(result)
  }
  const what = { method: 'docker build (legacy builder)', input: 'context', value: config.context, tag }
  return exportBuilt(tag, { ...what, platform: config.platform, started }, log, signal)
}
