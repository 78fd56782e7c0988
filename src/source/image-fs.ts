import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { detectBuilder } from './builder.ts'
import { dockerQuery, processExit, runDocker, stopThen, type Finished } from './docker.ts'
import { exportContainer } from './export.ts'
import type { OpenedSource } from './opened.ts'

/**
 * The filesystem of an image itself, not of a container made from it. `docker create` + `docker export`
 * give the container's: /etc/hostname, /etc/hosts and /etc/resolv.conf as the empty files docker mounts
 * over, /dev/console as an empty file, /etc/mtab and /.dockerenv added; metal-hammer extracts exactly
 * what the tar holds. BuildKit reads the image's layers, whiteouts applied: a build `FROM <image>` with
 * the tar exporter on the engine's own builder (the docker driver, which sees the engine's images) gives
 * the image's filesystem, entry for entry as a BuildKit build of it would.
 *
 * Where that cannot be (no BuildKit client; an image with ONBUILD triggers, which a build FROM it would
 * run; an image without a name, which BuildKit cannot address), the container is exported, with a
 * warning that says what differs.
 */
export async function exportImage(
  image: string,
  platform: string,
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  let facts = await inspect(image, signal)
  if (!facts) {
    log.info(`${image} is not present locally; pulling it for ${platform}`)
    const pulled = await runDocker(['pull', '--platform', platform, image], { log, signal }).done
    if (pulled.exitCode !== 0)
      throw new InputError(
        'image',
        image,
        `not found locally and could not be pulled: ${pulled.tail.at(-1) ?? 'docker pull failed'}`,
      )
    facts = await inspect(image, signal)
  }
  const ref = /^(sha256:)?[0-9a-f]{12,64}$/.test(image) ? facts?.tags[0] : image
  const builder = await detectBuilder('auto', signal)
  const why =
    builder.kind === 'legacy'
      ? `BuildKit is not available: ${builder.why}`
      : facts?.onBuild
        ? 'it has ONBUILD instructions, which a build FROM it would run'
        : !ref
          ? 'it has no name, and BuildKit reads images by name'
          : undefined
  if (why) {
    log.warning(
      `Exporting a container of ${image}, not the image itself (${why}): /etc/hostname, /etc/hosts and ` +
        '/etc/resolv.conf come out empty, /.dockerenv and /etc/mtab are added',
    )
    return exportContainer(image, platform, log, signal)
  }

  const dir = await mkdtemp(join(tmpdir(), 'metal-image-from-'))
  await writeFile(join(dir, 'Dockerfile'), `FROM ${ref!}\n`)
  // The engine's own builder (named after the docker context): a docker-container builder made current
  // by setup-buildx-action cannot see the engine's images.
  const context = builder.kind === 'buildx' ? await dockerQuery(['context', 'show'], signal) : undefined
  const args = [
    ...(builder.kind === 'buildx'
      ? ['buildx', 'build', ...(context ? ['--builder', context] : [])]
      : ['build']),
    '--platform',
    platform,
    '--progress',
    'plain',
    '--output',
    'type=tar,dest=-',
    dir,
  ]
  log.info(`docker ${args.join(' ')} (Dockerfile: FROM ${ref!})`)
  const abort = new AbortController()
  const { stdout, takeFd, done } = runDocker(args, {
    log,
    signal: AbortSignal.any([signal, abort.signal]),
    env: builder.kind === 'classic' ? { DOCKER_BUILDKIT: '1' } : undefined,
    stdout: 'fd',
  })
  const failure = (f: Finished): Error =>
    new StageError(
      'export',
      `exporting the filesystem of ${image} with BuildKit failed (exit code ${f.exitCode ?? 'none'}): ${f.tail.join('\n')}`,
    )
  return {
    stream: stdout!,
    exited: processExit(done, failure),
    method: `BuildKit's tar exporter FROM ${image} (the image's own filesystem)`,
    input: 'image',
    value: image,
    producer: true,
    takeFd,
    streamsBuild: false,
    cleanup: stopThen(abort, done, () => rm(dir, { recursive: true, force: true })),
  }
}

interface ImageFacts {
  tags: string[]
  onBuild: boolean
}

/** What `docker image inspect` says about the image; undefined when it is not present. */
async function inspect(image: string, signal: AbortSignal): Promise<ImageFacts | undefined> {
  const out = await dockerQuery(
    ['image', 'inspect', '--format', '{{json .RepoTags}} {{json .Config}}', image],
    signal,
  )
  if (out === undefined) return undefined
  const space = out.indexOf(' ')
  const tags = JSON.parse(out.slice(0, space)) as string[] | null
  const config = JSON.parse(out.slice(space + 1)) as { OnBuild?: string[] | null } | null
  return { tags: tags ?? [], onBuild: (config?.OnBuild?.length ?? 0) > 0 }
}
