import type { ChecksumAlgorithm } from '../release/files.ts'
import type { Layout } from '../release/layout.ts'
import type { DateSpec } from '../release/plan.ts'
import type { OnConflict } from '../release/version.ts'
import type { ContractMode } from '../rootfs/contract/checks.ts'
import type { SourceConfig } from '../source/config.ts'
import type { StoreOptions } from '../store/options.ts'
import type { TestConfig } from '../verify/test.ts'

/** Where images go and how versions are placed there: what both modes share. */
export interface TargetConfig {
  osName: string
  osVersion: string
  /** The OS part of the image id; empty: derived from os-name and os-version. */
  imageName: string
  destination: string
  /** The destination input was given (not the default folder). */
  destinationGiven: boolean
  store: StoreOptions
  layout: Layout
  date: DateSpec
  onConflict: OnConflict
  /** Keep versions.json in the OS version's folder. */
  versionsJson: boolean
}

/** mode: publish — build (or read) a rootfs and publish it as an image. */
export interface PublishConfig extends TargetConfig {
  mode: 'publish'
  source: SourceConfig
  compressionLevel: number
  /** Folder names of the channel; undefined: derive it from the workflow run. */
  channel: string[] | undefined
  versionsFromTags: boolean
  contract: ContractMode
  /** Always starts with md5. */
  checksums: ChecksumAlgorithm[]
  sbom: boolean
  /** Write contract.json beside the image. */
  contractJson: boolean
  buildInfo: boolean
  artifact: ArtifactConfig
  /** Restore and save a BuildKit cache around the build. */
  cache: boolean
  /** Install (and boot) the published image as metal-hammer would, before the commit. */
  test: TestConfig
}

/** mode: promote — copy a published image from one channel to another, as metal-images releases. */
export interface PromoteConfig extends TargetConfig {
  mode: 'promote'
  fromChannel: string[]
  toChannel: string[]
}

export type Config = PublishConfig | PromoteConfig

export interface ArtifactConfig {
  mode: 'auto' | 'true' | 'false'
  name: string
  retentionDays: number | undefined
}
