import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorMessage, InputError, StageError } from '../util/errors.ts'
import { silentLog, type Log } from '../util/log.ts'
import { detectBuilder, type Builder } from './builder.ts'
import { dockerQuery, processExit, runDocker, stopThen, type Finished } from './docker.ts'
import { exportContainer } from './export.ts'
import type { OpenedSource } from './opened.ts'

/**
 * Where docker's init layer (moby's daemon/initlayer) puts its mount points: every container, and so
 * `docker export`, shows these as docker made them, not as the image has them (/etc/hostname, /etc/hosts,
 * /etc/resolv.conf and /dev/console as empty files, /etc/mtab as a link to /proc/mounts, /.dockerenv, the
 * folders added where missing, /etc's and /dev's times of the container's creation). Nothing else differs.
 */
export const INIT_LAYER_PATHS = [
  '.dockerenv',
  'dev',
  'dev/console',
  'dev/pts',
  'dev/shm',
  'etc',
  'etc/hostname',
  'etc/hosts',
  'etc/mtab',
  'etc/resolv.conf',
  'proc',
  'sys',
] as const
/**
 * The init layer's entries as the image has them come from a BuildKit build that copies the folders they
 * are in: larger than this is not an image's /etc and /dev, and BuildKit's exporter takes the whole image.
 */
const MAX_TRUTH = 64 << 20
const TRUTH_TIMEOUT_MS = 120_000
/** The copy of those folders: a path the image lacks is a build error, and the slower exporter is used. */
const TRUTH_DOCKERFILE = (ref: string): string =>
  [
    `FROM ${ref} AS image`,
    'FROM scratch',
    // A wildcard matches nothing without an error (an image has no /.dockerenv unless it was made from a
    // container export); on a folder it would follow the links inside, so the folders are named as they are.
    'COPY --from=image /.dockeren[v] /',
    ...['etc', 'dev', 'proc', 'sys'].map((dir) => `COPY --from=image /${dir} /${dir}`),
    '',
  ].join('\n')

/**
 * The filesystem of an image itself, not of a container made from it: metal-hammer extracts exactly what
 * the tar holds. The fast way, where BuildKit can read the image: the container's export (the Engine API,
 * bounded by its socket, about half the CPU of BuildKit's exporter) with the init layer's entries put
 * right in the stream (rootfs/replace.ts) from a small BuildKit build that copies /etc, /dev, /proc and
 * /sys out of the image; both run at once. The result is BuildKit's tar of the image, entry for entry
 * (tested), but for extended attributes: docker's export has file capabilities (security.capability)
 * and no other (user.*, which Debian's and Ubuntu's images do not have; metal-hammer applies none).
 * Where the image lacks one of those folders, BuildKit's tar exporter reads the whole image (a build
 * `FROM <image>` on the engine's own builder).
 *
 * Where BuildKit cannot read the image (no BuildKit client; ONBUILD triggers, which a build FROM it would
 * run; an image without a name, which BuildKit cannot address), the container is exported as it is, with
 * a warning that says what differs.
 */
export async function exportImage(
  image: string,
  platform: string,
  log: Log,
  signal: AbortSignal,
  daemon: Promise<void> = Promise.resolve(),
): Promise<OpenedSource> {
  // Four questions to docker that do not depend on each other, asked at once: each is a client start
  // (30-60 ms, the buildx plugin's twice that), and the run waits for them before the first byte.
  const asked = {
    facts: inspect(image, signal),
    builder: detectBuilder('auto', signal),
    context: dockerQuery(['context', 'show'], signal),
  }
  for (const answer of Object.values(asked)) answer.catch(() => {})
  // A daemon that does not answer explains the rest; its error comes first.
  await daemon
  let facts = await asked.facts
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
  const builder = await asked.builder
  const why =
    builder.kind === 'legacy'
      ? `BuildKit is not available: ${builder.why}`
      : facts?.onBuild
        ? 'it has ONBUILD instructions, which a build FROM it would run'
        : !ref
          ? 'it has no name, and BuildKit reads images by name'
          : undefined
  if (why || builder.kind === 'legacy') {
    log.warning(
      `Exporting a container of ${image}, not the image itself (${why}): /etc/hostname, /etc/hosts and ` +
        '/etc/resolv.conf come out empty, /.dockerenv and /etc/mtab are added',
    )
    return exportContainer(image, platform, log, signal)
  }
  const from = { ref: ref!, builder, platform, context: await asked.context }
  const [truth, exported] = await Promise.allSettled([
    trueEntries(from, log, signal),
    exportContainer(image, platform, log, signal),
  ])
  if (exported.status === 'rejected') throw exported.reason
  if (truth.status === 'fulfilled')
    return {
      ...exported.value,
      method: `docker export of ${image}, docker's init layer put right from the image (the image's own filesystem)`,
      correct: { paths: INIT_LAYER_PATHS, truth: truth.value },
    }
  await exported.value.cleanup()
  if (signal.aborted) throw truth.reason
  log.info(`${errorMessage(truth.reason)}: BuildKit's tar exporter reads the whole image instead`)
  return buildKitExport(image, from, log, signal)
}

interface BuildFrom {
  ref: string
  builder: Exclude<Builder, { kind: 'legacy' }>
  platform: string
  /** `docker context show`: the engine's own builder is named after it. */
  context: string | undefined
}

/**
 * A BuildKit build of `dockerfile` with the tar exporter to stdout, on the engine's own builder (the
 * docker driver, named after the docker context, which sees the engine's images: a docker-container
 * builder made current by setup-buildx-action cannot).
 */
async function buildFrom(
  { builder, platform, context }: BuildFrom,
  dockerfile: string,
  progress: 'plain' | 'quiet',
  stdout: 'fd' | 'pipe',
  log: Log,
  signal: AbortSignal,
): Promise<{ run: ReturnType<typeof runDocker>; shown: string; abort: AbortController; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'metal-image-from-'))
  await writeFile(join(dir, 'Dockerfile'), dockerfile)
  const args = [
    ...(builder.kind === 'buildx'
      ? ['buildx', 'build', ...(context ? ['--builder', context] : [])]
      : ['build']),
    '--platform',
    platform,
    '--progress',
    progress,
    '--output',
    'type=tar,dest=-',
    dir,
  ]
  const abort = new AbortController()
  const run = runDocker(args, {
    log,
    signal: AbortSignal.any([signal, abort.signal]),
    env: builder.kind === 'classic' ? { DOCKER_BUILDKIT: '1' } : undefined,
    stdout,
  })
  return { run, shown: `docker ${args.join(' ')}`, abort, dir }
}

/** The init layer's paths as the image has them: a tar, in BuildKit's encoding. */
async function trueEntries(from: BuildFrom, log: Log, signal: AbortSignal): Promise<Buffer> {
  // A copy of a few MB from an image the engine has: a builder that has not done it by then is stuck.
  const timeout = AbortSignal.timeout(TRUTH_TIMEOUT_MS)
  // Its progress is not the user's business; its last line explains a failure.
  const { run, shown, abort, dir } = await buildFrom(
    from,
    TRUTH_DOCKERFILE(from.ref),
    'quiet',
    'pipe',
    silentLog,
    AbortSignal.any([signal, timeout]),
  )
  log.info(`${shown} (COPY --from=${from.ref} /etc /dev /proc /sys: the entries docker's init layer hides)`)
  try {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of run.stdout! as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_TRUTH) {
        abort.abort()
        throw new Error(`/etc, /dev, /proc and /sys of ${from.ref} hold more than ${MAX_TRUTH >> 20} MiB`)
      }
      chunks.push(chunk)
    }
    const finished = await run.done
    if (timeout.aborted)
      throw new Error(
        `copying /etc, /dev, /proc and /sys out of ${from.ref} took over ${TRUTH_TIMEOUT_MS / 1000} s`,
      )
    if (finished.exitCode !== 0)
      throw new Error(
        `copying /etc, /dev, /proc and /sys out of ${from.ref} failed: ${finished.tail.at(-1) ?? `exit code ${finished.exitCode}`}`,
      )
    return Buffer.concat(chunks)
  } finally {
    abort.abort()
    await run.done
    await rm(dir, { recursive: true, force: true })
  }
}

/** The whole image through BuildKit's tar exporter: exact, slower than an export, and it needs reading at once. */
async function buildKitExport(
  image: string,
  from: BuildFrom,
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  const { run, shown, abort, dir } = await buildFrom(from, `FROM ${from.ref}\n`, 'plain', 'fd', log, signal)
  log.info(`${shown} (Dockerfile: FROM ${from.ref})`)
  const { stdout, takeFd, done } = run
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
