import { deriveChannel, runContextFromEnv, type RunContext } from './channel.ts'
import { InputError } from './errors.ts'
import { commitDate, gitTags } from './git.ts'
import type { Config } from './inputs.ts'
import { imageFolder, indexFolder, type Placement } from './layout.ts'
import type { Store } from './store/store.ts'
import {
  decideVersion,
  imageVersion,
  isCalendarDate,
  nextReleaseTag,
  parseImageId,
  sameMajorMinor,
  utcDate,
  type ImageVersion,
  type VersionDecision,
} from './version.ts'
import { INDEX_FILE, parseIndex, type VersionsIndex } from './versions-index.ts'

export interface PlanContext {
  /** The build's time, which dates the version. */
  now: Date
  /** The git checkout (commit date, tags). */
  cwd: string
  /** The workflow run; undefined outside GitHub Actions. */
  run: RunContext | undefined
}

export function defaultPlanContext(): PlanContext {
  return { now: new Date(), cwd: process.cwd(), run: runContextFromEnv() }
}

/** Everything decided before any work: where the files go, which version they are, what exists. */
export interface Plan {
  channel: string[]
  placement: Placement
  version: ImageVersion
  decision: VersionDecision
  releaseTag: string
  /** Folder of the image files and of versions.json, relative to the destination, "/"-separated. */
  imageDir: string
  indexDir: string
  index: VersionsIndex
}

export async function makePlan(config: Config, store: Store, ctx: PlanContext): Promise<Plan> {
  const channel = config.channel ?? channelOf(ctx.run)
  const date = await resolveDate(config, ctx)
  const version = imageVersion(config.osName, config.osVersion, date)
  const placement: Placement = {
    channel,
    osName: config.osName,
    osVersion: config.osVersion,
    layout: config.layout,
    date,
  }
  const indexDir = indexFolder(placement).join('/')
  const index = parseIndex(
    (await store.read(`${indexDir}/${INDEX_FILE}`))?.toString(),
    config.osName,
    config.osVersion,
  )
  const existing = [...index.versions.map((e) => e.version)]
  if (config.layout === 'versioned') {
    // Builds published by other tools have folders but no index entry.
    for (const folder of await store.folders(indexDir)) {
      if (isCalendarDate(folder) && (await store.size(`${indexDir}/${folder}/img.tar.lz4`)) !== undefined)
        existing.push(imageVersion(config.osName, config.osVersion, folder).version)
    }
  }
  const tags = (await gitTags(ctx.cwd)) ?? []
  if (config.versionsFromTags) {
    for (const tag of tags) {
      const id = parseImageId(tag)
      if (id?.os === config.osName && sameMajorMinor(id.version, version.version)) existing.push(id.version)
    }
  }
  return {
    channel,
    placement,
    version,
    decision: decideVersion(version, existing, config.onConflict),
    releaseTag: nextReleaseTag(utcDate(ctx.now), tags),
    imageDir: imageFolder(placement).join('/'),
    indexDir,
    index,
  }
}

function channelOf(run: RunContext | undefined): string[] {
  const channel = deriveChannel(run)
  return channel === '' ? [] : channel.split('/')
}

async function resolveDate(config: Config, ctx: PlanContext): Promise<string> {
  switch (config.date.kind) {
    case 'fixed':
      return config.date.date
    case 'today':
      return utcDate(ctx.now)
    case 'commit': {
      const date = await commitDate(ctx.cwd)
      if (!date)
        throw new InputError(
          'date',
          'commit',
          `${ctx.cwd} is not a git checkout with a commit to date the build by`,
        )
      return date
    }
  }
}
