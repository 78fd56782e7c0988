import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** lz4's own block compressors and decoder (lz4 1.9.4's C) through our Node-API addon, native/lz4block.c. */
export interface Lz4Block {
  /**
   * Compresses `src` as one independent LZ4 block at `level` (1-12, as the lz4 command means it) into
   * `dst`, on a thread of its own at nice value `nice`. Resolves with the bytes written, or 0 when the
   * block does not fit in `dst`. Neither array may be written to or transferred until it settles.
   */
  compress(src: Uint8Array, dst: Uint8Array, level: number, nice: number): Promise<number>
  /**
   * Decodes one LZ4 block into `dst` on this thread (LZ4_decompress_safe): the bytes written, or -1 when
   * `src` is no valid block or its output does not fit in `dst`. Never reads or writes outside the arrays.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number
  /** lz4's version, "1.9.4". */
  version: string
}

export type Lz4BlockLoad = { addon: Lz4Block; file: string } | { addon: undefined; reason: string }

let loaded: Lz4BlockLoad | undefined

/**
 * The addon for this platform, or why there is none. GitHub runs the action from a checkout of `dist/`
 * with no node_modules, so the bundle carries the binaries for both kinds of Linux runner next to itself
 * (scripts/bundle.mjs copies them from native/prebuilt/); run from src/, they are taken from there.
 * Elsewhere (macOS, musl, another CPU) none loads and the caller falls back to src/lz4/hc.ts.
 */
export function loadLz4Block(): Lz4BlockLoad {
  if (loaded) return loaded
  const here = dirname(fileURLToPath(import.meta.url))
  const name = `lz4block.${process.platform}-${process.arch}-gnu.node`
  const file = import.meta.url.endsWith('.ts')
    ? join(here, '..', '..', 'native', 'prebuilt', name)
    : join(here, name)
  if (!existsSync(file)) return (loaded = { addon: undefined, reason: `no ${name} for this platform` })
  try {
    return (loaded = { addon: createRequire(import.meta.url)(file) as Lz4Block, file })
  } catch (err) {
    // A binary that does not load here (another C library, say) is a slower run, not a failure.
    return (loaded = { addon: undefined, reason: `${name} does not load: ${(err as Error).message}` })
  }
}
