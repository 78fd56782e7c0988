import type { OutputName } from './inputs.ts'
import { formatBytes, formatSeconds } from './log.ts'
import type { PublishResult } from './publish.ts'

/** The action's outputs (and what the CLI prints at the end), all as strings. */
export function outputsOf(
  result: PublishResult,
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
    'rootfs-size': result.rootfsSize === undefined ? '' : String(result.rootfsSize),
    packages: result.packages === undefined ? '' : String(result.packages),
    sha256: result.checksums.sha256 ?? '',
    sha512: result.checksums.sha512 ?? '',
    contract: result.contract ? JSON.stringify(result.contract) : '',
    'artifact-id': artifact ? String(artifact.id) : '',
    'artifact-url': artifact?.url ?? '',
  }
  // One object for later steps (fromJSON): every other output under its own name.
  return { ...outputs, metadata: JSON.stringify(outputs) }
}

export type Table = string[][]

/** The job summary's content: the facts of the image, the files, and the time of each stage. */
export function summaryTables(
  result: PublishResult,
  artifact?: { id: number; url: string; size: number },
  endpoint = '',
): {
  facts: Table
  files: Table
  timings: Table
  contract: Table
  packageChanges: string | undefined
} {
  const facts: Table = [
    ['Image id', result.imageId],
    ['Version', `${result.version} (semver ${result.semver})`],
    ['Previous version', result.previous ?? 'none'],
    ['Channel', result.channel || '(none)'],
  ]
  if (result.rootfsSize !== undefined) {
    const ratio = `${((100 * result.size) / Math.max(1, result.rootfsSize)).toFixed(1)} %`
    facts.push(
      ['Rootfs', `${formatBytes(result.rootfsSize)} (${result.rootfsSize} bytes) from ${result.method}`],
      [
        'img.tar.lz4',
        `${formatBytes(result.size)} (${result.size} bytes, ${ratio}), LZ4 level ${result.compressionLevel}`,
      ],
    )
  } else {
    facts.push(['img.tar.lz4', `${formatBytes(result.size)} (${result.size} bytes); ${result.method}`])
  }
  if (result.cache) facts.push(['Build cache', result.cache])
  facts.push(
    ['MD5', result.md5],
    [
      'Packages',
      result.packages !== undefined
        ? String(result.packages)
        : result.rootfsSize === undefined
          ? 'not counted'
          : 'no dpkg database',
    ],
  )
  return {
    facts,
    files: [
      ...result.files.map((f) => [f.name, linked(f.url, endpoint), formatBytes(f.bytes)]),
      ...(artifact ? [[`workflow artifact ${artifact.id}`, artifact.url, formatBytes(artifact.size)]] : []),
    ],
    // Messages and paths come from the image: the summary is HTML, so they go in as text.
    contract: (result.contract?.findings ?? []).map((f) => [
      f.level,
      f.id,
      escapeHtml(f.message),
      escapeHtml(f.path ?? ''),
    ]),
    packageChanges: result.packageChanges,
    timings: result.timings.map((t) => [t.stage, formatSeconds(t.ms)]),
  }
}

/**
 * A bucket URL as a link where a browser can follow it (a public bucket, or a signed-in console
 * session): GCS's storage.googleapis.com, the S3 endpoint with path-style addressing, AWS's virtual
 * host. Local files stay text.
 */
export function linked(url: string, endpoint = ''): string {
  const m = /^(gs|s3):\/\/([^/]+)\/(.*)$/.exec(url)
  if (!m) return escapeHtml(url)
  const [, scheme, bucket, key] = m as unknown as [string, string, string, string]
  const path = key.split('/').map(encodeURIComponent).join('/')
  const href =
    scheme === 'gs'
      ? `https://storage.googleapis.com/${bucket}/${path}`
      : endpoint
        ? `${endpoint.replace(/\/+$/, '')}/${bucket}/${path}`
        : `https://${bucket}.s3.amazonaws.com/${path}`
  return `<a href="${escapeHtml(href)}">${escapeHtml(url)}</a>`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}
