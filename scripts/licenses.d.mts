// Types of scripts/licenses.mjs, for the tests that import it.
import type { Metafile } from 'esbuild'

export interface LicenseEntry {
  name: string
  version: string
  license: string
  repository: string | undefined
  author: string | undefined
  note: string | undefined
  /** Where the text came from: file names, or a sentence for a fallback. */
  source: string | undefined
  text: string | undefined
  /** The text is the package's own (a license file or its README's license section). */
  own?: boolean
  files?: string[]
  comments?: string[]
}

export function packageDirOf(path: string): string | null
export function bundledPackageDirs(metafile: Metafile): string[]
export function readmeLicenseSection(text: string): string | undefined
export function readPackage(absDir: string): LicenseEntry
export function fillMissing(entries: LicenseEntry[]): LicenseEntry[]
export function parseLegalFile(text: string): Record<string, string[]>
export function formatEntry(entry: LicenseEntry): string
export function writeLicenses(options: {
  root: string
  out: string
  metafile: Metafile
  vendored?: LicenseEntry[]
}): LicenseEntry[]
export function parseLicensesTxt(text: string): {
  name: string | undefined
  version: string | undefined
  license: string | undefined
  files: string[]
  text: string
}[]
