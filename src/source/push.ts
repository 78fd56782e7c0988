import { readFile } from 'node:fs/promises'
import { InputError, StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'

/** What went to the registry from the build: the manifest's digest and the names it was pushed under. */
export interface RegistryPush {
  digest: string
  tags: string[]
}

/**
 * The push, from buildx's --metadata-file (not its output, which is the tar): `containerimage.digest`
 * is the pushed manifest's digest, `image.name` the names, comma-separated. A bake file holds one such
 * object per target. Read only once the build has exited successfully: buildx exits non-zero when a push
 * fails, so a missing digest here means the build pushed nothing although it was asked to.
 */
export async function readPush(
  metadataFile: string,
  names: string[],
  log: Log,
  target?: string,
): Promise<RegistryPush> {
  let metadata: Record<string, unknown>
  try {
    const all = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>
    metadata = (target === undefined ? all : all[target]) as Record<string, unknown>
  } catch (err) {
    throw new StageError(
      'push',
      `docker buildx wrote no build metadata (${String(err)}): was the image pushed?`,
    )
  }
  const digest = metadata?.['containerimage.digest']
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new StageError(
      'push',
      `docker buildx reported no pushed manifest for ${names.join(', ')}: nothing was published`,
    )
  const pushed = String(metadata['image.name'] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
  const tags = pushed.length > 0 ? pushed : names
  log.info(`Pushed ${tags.join(', ')} (${digest}) from the same build`)
  return { digest, tags }
}

/**
 * When a failed build's last lines show the push failing (the registry refused it or could not be
 * reached), the error names the input that asked for the push and says what is left where.
 */
export function pushFailure(
  tail: readonly string[],
  names: readonly string[],
  by: { input: string; value: string },
): InputError | undefined {
  const pushing = tail.some((l) =>
    /pushing .* with docker|^\s*> pushing|failed to push|pushing layers|pushing manifest|exporting manifest list/.test(
      l,
    ),
  )
  if (!pushing) return undefined
  const error =
    [...tail]
      .reverse()
      .find((l) => /^ERROR:/.test(l.trim()))
      ?.replace(/^\s*ERROR:\s*/, '') ??
    tail.at(-1) ??
    'the push failed'
  return new InputError(
    by.input,
    by.value,
    `pushing the image to ${names.join(', ')} failed: ${error}. Nothing was published to the destination; ` +
      'the registry keeps what the push completed before it failed (uploaded layers; with several names, ' +
      'the names pushed before the failure)',
  )
}
