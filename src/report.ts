import type { OutputName } from './inputs.ts'
import { formatBytes, formatSeconds } from './log.ts'
import type { PublishResult } from './publish.ts'

/** The action's outputs (and what the CLI prints at the end), all as strings. */
export function outputsOf(result: PublishResult): Record<OutputName, string> {
  return {
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
  }
}

export type Table = string[][]

/** The job summary's content: the facts of the image, the files, and the time of each stage. */
export function summaryTables(result: PublishResult): { facts: Table; files: Table; timings: Table } {
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
    files: result.files.map((f) => [f.name, f.url, formatBytes(f.bytes)]),
    timings: result.timings.map((t) => [t.stage, formatSeconds(t.ms)]),
  }
}
