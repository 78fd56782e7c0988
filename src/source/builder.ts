import { InputError } from '../util/errors.ts'
import type { BuildConfig } from './config.ts'
import { dockerQuery } from './docker.ts'

export type Builder = { kind: 'buildx' } | { kind: 'classic' } | { kind: 'legacy'; why: string }

/**
 * BuildKit's tar exporter streams the rootfs straight out of the build, with no image, container or
 * export step. It is reached through the buildx plugin, or through a classic client (< 23) that still
 * has BuildKit built in when DOCKER_BUILDKIT=1.
 */
export async function detectBuilder(mode: BuildConfig['buildkit'], signal: AbortSignal): Promise<Builder> {
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
