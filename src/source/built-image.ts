import { randomBytes } from 'node:crypto'
import { execa } from 'execa'
import type { Log } from '../util/log.ts'
import type { BuildxInfo } from './build-cache.ts'
import { DOCKER, dockerOnExit } from './docker.ts'
import { exportImage } from './image-fs.ts'
import type { OpenedSource } from './opened.ts'

/**
 * A name for a built image while its filesystem is exported (docker create and BuildKit read images by
 * name); built() removes it again, and with it the image, which no name holds any more.
 */
export function temporaryImageName(kind: string): string {
  const name = `metal-image-build/${randomBytes(8).toString('hex')}:${kind}`
  pending.set(name, dockerOnExit(['rmi', '--no-prune', name]))
  return name
}

/** The temporary names not removed yet, each with what forgets its removal on exit. */
const pending = new Map<string, () => void>()

/**
 * Builds that leave their image in the engine (the legacy builder; BuildKit's docker driver, whose image
 * exporter only names what its build already committed to the engine's store): the image's own
 * filesystem, exported as `image:` exports one (image-fs.ts), at the speed of docker export and in the
 * memory of a socket's buffers, where BuildKit's tar exporter streams through buildx's client, which
 * keeps whatever the pipeline has not taken yet.
 */
export async function exportBuilt(
  image: string,
  what: {
    method: string
    input: string
    value: string
    platform: string
    started: number
    /** The image's temporary name (temporaryImageName), removed once the export is done. */
    tag?: string
  },
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  const { tag } = what
  try {
    const source = await exportImage(image, what.platform, log, signal)
    return {
      ...source,
      method: `${what.method}, ${source.method}`,
      input: what.input,
      value: what.value,
      before: { stage: 'build', ms: performance.now() - what.started },
      cleanup: async () => {
        await source.cleanup()
        if (tag) await untag(tag)
      },
    }
  } catch (err) {
    if (tag) await untag(tag)
    throw err
  }
}

/**
 * Whether the rootfs can come from the image the build leaves in the engine the docker CLI talks to: the
 * docker driver is the engine's own BuildKit (buildx uses no other context's: "use docker --context=...
 * buildx"). Not with attestations: BuildKit's tar exporter writes them as files into the rootfs (README),
 * an image keeps them beside it.
 */
export function buildsIntoEngine(builder: BuildxInfo, attestations: number): boolean {
  return builder.driver === 'docker' && attestations === 0
}

/** Best effort, and bounded: a daemon that does not answer must not hold up the end of the run. */
export async function untag(tag: string): Promise<void> {
  const removed = await execa(DOCKER, ['rmi', '--no-prune', tag], {
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  })
  // Until it has worked, the removal on exit stays registered (an exit may cut this one short).
  if (removed.exitCode === 0) {
    pending.get(tag)?.()
    pending.delete(tag)
  }
}
