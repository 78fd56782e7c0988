import type { Store } from '../store/store.ts'
import { InputError } from '../util/errors.ts'
import { commitDate, gitTags } from '../util/git.ts'
import { deriveChannel, type RunContext } from './channel.ts'
import { IMAGE_FILE } from './files.ts'
import { imageFolder, indexFolder, type Layout, type Placement } from './layout.ts'
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
import { readIndex, type VersionsIndex } from './versions-index.ts'
import type { OnConflict } from './version.ts'

export type DateSpec = { kind: 'today' } | { kind: 'commit' } | { kind: 'fixed'; date: string }

/** What a plan is made from: the inputs that decide the place and the version. */
export interface PlanRequest {
  osName: string
  osVersion: string
  /** The OS part of the image id; empty: derived (see imageVersion). */
  imageName: string
  /** Folder names of the channel; undefined: derive it from the workflow run. */
  channel: string[] | undefined
  layout: Layout
  date: DateSpec
  onConflict: OnConflict
  versionsFromTags: boolean
}

/** Where and when a run happens: the clock, the checkout, the workflow run. */
export interface PlanContext {
  /** The build's time, which dates the version. */
  now: Date
  /** The git checkout (commit date, tags). */
  cwd: string
  /** The workflow run; undefined outside GitHub Actions. */
  run: RunContext | undefined
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

export async function makePlan(config: PlanRequest, store: Store, ctx: PlanContext): Promise<Plan> {
  const channel = config.channel ?? channelOf(ctx.run)
  const date = await resolveDate(config, ctx)
  const version = imageVersion(config.osName, config.osVersion, date, config.imageName)
  const placement: Placement = {
    channel,
    osName: config.osName,
    osVersion: config.osVersion,
    layout: config.layout,
    date,
  }
  const indexDir = indexFolder(placement).join('/')
  const index = await readIndex(store, indexDir, config.osName, config.osVersion)
  const existing = [...index.versions.map((e) => e.version)]
  if (config.layout === 'versioned') {
    // Builds published by other tools have folders but no index entry.
    for (const folder of await store.folders(indexDir)) {
      if (isCalendarDate(folder) && (await store.size(`${indexDir}/${folder}/${IMAGE_FILE}`)) !== undefined)
        existing.push(imageVersion(config.osName, config.osVersion, folder, config.imageName).version)
    }
  }
  const tags = (await gitTags(ctx.cwd)) ?? []
  if (config.versionsFromTags) {
    for (const tag of tags) {
      const id = parseImageId(tag)
      if (id?.os === osOf(version.imageId) && sameMajorMinor(id.version, version.version))
        existing.push(id.version)
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

async function resolveDate(config: PlanRequest, ctx: PlanContext): Promise<string> {
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

/** The OS part of an image id: everything before the last "-". */
function osOf(imageId: string): string {
  return imageId.slice(0, imageId.lastIndexOf('-'))
}
