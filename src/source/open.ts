import type { Log } from '../util/log.ts'
import { build } from './build.ts'
import type { SourceConfig } from './config.ts'
import { ensureDaemon } from './docker.ts'
import { bake } from './bake.ts'
import { exportImage } from './image-fs.ts'
import type { BuildCacheUse, OpenedSource } from './opened.ts'
import { openRootfsFile } from './rootfs-file.ts'

/** The log group of opening a source. */
export function sourceTitle(config: SourceConfig): string {
  return { build: 'Build', bake: 'Bake', image: 'Export image', rootfs: 'Read rootfs' }[config.kind]
}

export async function openSource(
  config: SourceConfig,
  log: Log,
  signal: AbortSignal,
  cache?: BuildCacheUse,
): Promise<OpenedSource> {
  switch (config.kind) {
    case 'rootfs':
      return openRootfsFile(config.rootfs)
    case 'image': {
      const started = performance.now()
      const daemon = ensureDaemon('image', config.image, signal)
      daemon.catch(() => {})
      const source = await exportImage(config.image, config.platform, log, signal, daemon)
      const ms = performance.now() - started
      return { ...source, before: { stage: 'prepare (pull if missing)', ms } }
    }
    case 'build':
      await ensureDaemon('context', config.build.context, signal)
      return build(config.build, log, signal, cache)
    case 'bake':
      await ensureDaemon('targets', config.bake.target, signal)
      return bake(config.bake, log, signal)
  }
}
