import type { OutputName } from '../config/inputs.ts'
import type { RunResult } from './result.ts'

/** The action's outputs (and what the CLI prints at the end), all as strings. */
export function outputsOf(
  result: RunResult,
  artifact?: { id: number; url: string },
): Record<OutputName, string> {
  const outputs: Omit<Record<OutputName, string>, 'metadata'> = {
    'image-id': result.imageId,
    version: result.version,
    semver: result.semver,
    previous: result.previous ?? '',
    'release-tag': result.releaseTag,
    channel: result.channel,
    url: result.url,
    md5: result.md5,
    size: String(result.size),
    'rootfs-size': result.build ? String(result.build.rootfsSize) : '',
    packages: result.build?.packages === undefined ? '' : String(result.build.packages),
    sha256: result.checksums.sha256 ?? '',
    sha512: result.checksums.sha512 ?? '',
    contract: result.build?.contract ? JSON.stringify(result.build.contract) : '',
    digest: result.registry?.digest ?? '',
    tags: result.registry?.tags.join('\n') ?? '',
    'test-result': result.build?.test ? JSON.stringify(result.build.test) : '',
    'artifact-id': artifact ? String(artifact.id) : '',
    'artifact-url': artifact?.url ?? '',
  }
  // One object for later steps (fromJSON): every other output under its own name.
  return { ...outputs, metadata: JSON.stringify(outputs) }
}
