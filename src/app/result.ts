import type { ChecksumAlgorithm } from '../release/files.ts'
import type { ContractDocument } from '../rootfs/contract/checks.ts'
import type { RegistryPush } from '../source/push.ts'
import type { TestDocument } from '../verify/test.ts'

export interface PublishedFile {
  name: string
  url: string
  bytes: number
}

/** What a run did: the image's place, version and checksums, and, when it built one, how. */
export interface RunResult {
  imageId: string
  version: string
  semver: string
  /** The newest version that existed before, for this major.minor. */
  previous: string | undefined
  releaseTag: string
  channel: string
  url: string
  md5: string
  /** Every checksum computed or known (md5 always), lowercase hex. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>
  /** Compressed bytes. */
  size: number
  files: PublishedFile[]
  /** How the image was made: the rootfs source, or why nothing was built. */
  method: string
  timings: { stage: string; ms: number }[]
  /** The image, its checksum files and packages.txt on this machine (the workflow artifact's files). */
  localFiles?: { folder: string; names: string[] }
  /** The registry push of the same build, when there was one. */
  registry?: RegistryPush
  /** Only when this run built the image (not when it skipped or promoted). */
  build?: BuildFacts
}

export interface BuildFacts {
  rootfsSize: number
  compressionLevel: number
  /** Packages listed in packages.txt; undefined when the rootfs has no package database. */
  packages: number | undefined
  /** The contract check; undefined when it is off. */
  contract: ContractDocument | undefined
  /** The build cache, for the summary: whether it hit, and whether a new one was saved. */
  cache: string | undefined
  /** What changed in packages.txt since the previous version, as Markdown for the summary. */
  packageChanges: string | undefined
  /** The install (and boot) test; undefined when it is off. */
  test?: TestDocument
  /** The test's full logs (installer.log, console.log) on this machine, for a workflow artifact. */
  testLogs?: { folder: string; names: string[] }
}
