/**
 * Where a build's files go under the destination. `flat` is metal-images' current layout: one folder
 * per OS version, overwritten by each build; `versioned` its earlier one, a folder per build date.
 */
export type Layout = 'flat' | 'versioned'

export interface Placement {
  /** Channel folders, e.g. ['stable'] or ['pull_requests', '12-fix']; none outside GitHub Actions. */
  channel: string[]
  osName: string
  osVersion: string
  layout: Layout
  /** The build date, YYYYMMDD. */
  date: string
}

/** <channel>/<os-name>/<os-version>/, where versions.json lives whatever the layout. */
export function indexFolder(p: Placement): string[] {
  return [...p.channel, p.osName, p.osVersion]
}

/** <channel>/<os-name>/<os-version>/ (flat) or <channel>/<os-name>/<os-version>/<YYYYMMDD>/ (versioned). */
export function imageFolder(p: Placement): string[] {
  return p.layout === 'versioned' ? [...indexFolder(p), p.date] : indexFolder(p)
}
