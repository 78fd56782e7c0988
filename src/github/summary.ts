import type { RunResult } from '../app/result.ts'
import { IMAGE_FILE } from '../release/files.ts'
import { formatBytes, formatSeconds } from '../util/log.ts'
import { redact } from '../util/redact.ts'

export type Table = string[][]

/** The job summary's content: the facts of the image, the files, and the time of each stage. */
export function summaryTables(
  result: RunResult,
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
  const built = result.build
  if (built) {
    const ratio = `${((100 * result.size) / Math.max(1, built.rootfsSize)).toFixed(1)} %`
    facts.push(
      ['Rootfs', `${formatBytes(built.rootfsSize)} (${built.rootfsSize} bytes) from ${result.method}`],
      [
        IMAGE_FILE,
        `${formatBytes(result.size)} (${result.size} bytes, ${ratio}), LZ4 level ${built.compressionLevel}`,
      ],
    )
  } else {
    facts.push([IMAGE_FILE, `${formatBytes(result.size)} (${result.size} bytes); ${result.method}`])
  }
  if (built?.cache) facts.push(['Build cache', built.cache])
  if (built?.test) facts.push(['Test', testLine(built.test)])
  facts.push(
    ['MD5', result.md5],
    [
      'Packages',
      !built ? 'not counted' : built.packages !== undefined ? String(built.packages) : 'no dpkg database',
    ],
  )
  // Cells are HTML in the summary file: what comes from inputs or the image (a path, a method) is text.
  const text = (rows: Table): Table => rows.map((row) => row.map((cell) => escapeHtml(redact(cell))))
  return {
    facts: text(facts),
    files: [
      ...result.files.map((f) => [f.name, linked(f.url, endpoint), formatBytes(f.bytes)]),
      ...(artifact
        ? [[`workflow artifact ${artifact.id}`, escapeHtml(artifact.url), formatBytes(artifact.size)]]
        : []),
    ],
    // Messages and paths come from the image: the summary is HTML, so they go in as text.
    contract: (result.build?.contract?.findings ?? []).map((f) => [
      f.level,
      f.id,
      escapeHtml(f.message),
      escapeHtml(f.path ?? ''),
    ]),
    packageChanges: result.build?.packageChanges,
    timings: result.timings.map((t) => [t.stage, formatSeconds(t.ms)]),
  }
}

/** The image test in one line: what passed, on which kernel, how. */
export function testLine(t: NonNullable<NonNullable<RunResult['build']>['test']>): string {
  const what =
    t.mode === 'boot'
      ? `installed with ${t.installer} and booted ${t.kernel} (${t.accel?.toUpperCase()}) to "${t.successLine}"`
      : `installed with ${t.installer}; boot-info.yaml names ${t.kernel} and ${t.initrd || 'no initrd'}`
  const command = t.command ? `; test-command exited ${t.command.exitCode}` : ''
  return `${t.mode} passed: ${what}${command}`
}

/** The endpoint as a link may show it: no user, password or query (a browser has its own session). */
function withoutCredentials(endpoint: string): string {
  try {
    const url = new URL(endpoint)
    url.username = ''
    url.password = ''
    url.search = ''
    return url.href
  } catch {
    return redact(endpoint)
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
        ? `${withoutCredentials(endpoint).replace(/\/+$/, '')}/${bucket}/${path}`
        : `https://${bucket}.s3.amazonaws.com/${path}`
  return `<a href="${escapeHtml(href)}">${escapeHtml(url)}</a>`
}

/**
 * The job summary of a run whose image test failed: the phase and why, the end of the installer's output
 * and of the console (as text: they come from the image), and where the full logs went.
 */
export function testFailureSummary(
  failure: { phase: string; reason: string; installerTail?: string; consoleTail?: string },
  artifact?: { url: string },
): string {
  const parts = [
    `<h2>Image test failed in phase ${escapeHtml(failure.phase)}: nothing was published</h2>`,
    `<p>${escapeHtml(failure.reason)}</p>`,
  ]
  if (failure.installerTail)
    parts.push('<h3>Installer output (last lines)</h3>', `<pre>${escapeHtml(failure.installerTail)}</pre>`)
  if (failure.consoleTail)
    parts.push('<h3>Console (last lines)</h3>', `<pre>${escapeHtml(failure.consoleTail)}</pre>`)
  if (artifact)
    parts.push(
      `<p>The full installer.log and console.log: <a href="${escapeHtml(artifact.url)}">workflow artifact</a></p>`,
    )
  return `${parts.join('\n')}\n`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}
