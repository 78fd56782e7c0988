import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { buildKitCacheArgs, probeBuildx } from './build-cache.ts'
import { buildArgs } from './build-args.ts'
import { isRemoteContext, type BuildConfig } from './config.ts'
import { processExit, runDocker, dockerQuery, type Finished } from './docker.ts'
import { exportImage } from './export.ts'
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

type Builder = { kind: 'buildx' } | { kind: 'classic' } | { kind: 'legacy'; why: string }

/**
 * BuildKit's tar exporter streams the rootfs straight out of the build, with no image, container or
 * export step. It is reached through the buildx plugin, or through a classic client (< 23) that still
 * has BuildKit built in when DOCKER_BUILDKIT=1.
 */
async function detectBuilder(mode: BuildConfig['buildkit'], signal: AbortSignal): Promise<Builder> {
  if (mode === 'false') return { kind: 'legacy', why: 'input buildkit is false' }
  if ((await dockerQuery(['buildx', 'version'], signal)) !== undefined) return { kind: 'buildx' }
  const client = await dockerQuery(['version', '--format', '{{.Client.Version}}'], signal)
  const major = Number.parseInt(client ?? '', 10)
  if (major > 0 && major < 23) return { kind: 'classic' }
  const why = `docker client ${client ?? '(unknown)'} has no buildx plugin`
  if (mode === 'true')
    throw new InputError(
      'buildkit',
      mode,
      `BuildKit is not available (${why}): install the buildx plugin, or use "auto" to fall back to docker export`,
    )
  return { kind: 'legacy', why }
}

export async function build(
  config: BuildConfig,
  log: Log,
  signal: AbortSignal,
  cache?: BuildCacheUse,
): Promise<OpenedSource> {
  await checkBuildContext(config)
  const builder = await detectBuilder(config.buildkit, signal)
  const { args, shown } = buildArgs(config)
  if (builder.kind === 'legacy') {
    if (cache) log.info('Build cache: not used: the legacy builder cannot use a BuildKit cache')
    log.info(`BuildKit not used (${builder.why}): building, then docker create + docker export`)
    return legacyBuild(config, args, shown, log, signal)
  }
  let cacheArgs: string[] = []
  let cacheKind: OpenedSource['cacheKind']
  if (cache) {
    const buildx = builder.kind === 'buildx' ? await probeBuildx(signal) : {}
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
  const prefix = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build']
  const env = builder.kind === 'classic' ? { DOCKER_BUILDKIT: '1' } : undefined
  const tail = [...cacheArgs, '--output', 'type=tar,dest=-', '--progress', 'plain', config.context]
  log.info(`docker ${[...prefix, ...shown, ...tail].join(' ')}`)
  const abort = new AbortController()
  const both = AbortSignal.any([signal, abort.signal])
  const { stdout, done } = runDocker([...prefix, ...args, ...tail], {
    log,
    signal: both,
    env,
    stdout: 'pipe',
  })
  return {
    stream: stdout!,
    exited: processExit(done, buildFailure(config)),
    method:
      builder.kind === 'buildx'
        ? 'docker buildx build, tar exporter'
        : 'docker build (BuildKit), tar exporter',
    input: 'context',
    value: config.context,
    producer: true,
    streamsBuild: true,
    cacheKind,
    cleanup: async () => {
      abort.abort()
      await done.catch(() => {})
    },
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
  const dir = await mkdtemp(join(tmpdir(), 'metal-image-'))
  const iidfile = join(dir, 'iid')
  const started = performance.now()
  try {
    // --force-rm: a failed step's container is removed too, not left behind on the runner.
    const own = ['--force-rm', '--iidfile', iidfile]
    log.info(`docker build ${[...shown, ...own, config.context].join(' ')}`)
    const { done } = runDocker(['build', ...args, ...own, config.context], {
      log,
      signal,
      env: { DOCKER_BUILDKIT: '0' },
    })
    const result = await done
    if (result.exitCode !== 0) throw buildFailure(config)(result)
    const image = (await readFile(iidfile, 'utf8')).trim()
    const source = await exportImage(image, config.platform, log, signal)
    return {
      ...source,
      method: `docker build (legacy builder), ${source.method}`,
      input: 'context',
      value: config.context,
      before: { stage: 'build', ms: performance.now() - started },
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
