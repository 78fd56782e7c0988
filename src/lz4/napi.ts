import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Lz4Napi {
  /** lz4_flex block compression; the result starts with the uncompressed size as 4 bytes LE. */
  compress(data: Uint8Array): Promise<Buffer>
}

let loaded: Lz4Napi | undefined

/**
 * GitHub runs the action from a checkout of `dist/` with no node_modules, so the bundle carries the
 * lz4-napi bindings for both kinds of Linux runner next to itself (scripts/bundle.mjs copies them);
 * run from source, the installed package is used.
 */
export function loadLz4Napi(): Lz4Napi {
  if (loaded) return loaded
  const require = createRequire(import.meta.url)
  const here = dirname(fileURLToPath(import.meta.url))
  const binding = join(here, `lz4-napi.${process.platform}-${process.arch}-gnu.node`)
  if (existsSync(binding)) {
    loaded = withAllocatorOptions(() => require(binding) as Lz4Napi)
  } else if (import.meta.url.endsWith('.ts')) {
    loaded = withAllocatorOptions(() => require('lz4-napi') as Lz4Napi)
  } else {
    throw new Error(
      `no lz4-napi binding for ${process.platform}-${process.arch} (looked for ${binding}); ` +
        'metal-image-action runs on linux-x64 and linux-arm64 runners with glibc',
    )
  }
  return loaded
}

/**
 * lz4-napi links mimalloc, which gives a freed block's pages back to the kernel 10 ms later; every 4 MiB
 * block's output is then a fresh allocation whose pages fault in one by one, and on VMs faults are
 * expensive: keeping the pages for a second removes most of them (README, benchmark). mimalloc reads its options from the environment when the
 * binding is loaded, so they are set for the load only (children such as docker never see them) and a
 * value the user set wins.
 */
function withAllocatorOptions<T>(load: () => T): T {
  const key = 'MIMALLOC_PURGE_DELAY'
  const own = process.env[key] === undefined
  if (own) process.env[key] = '1000'
  try {
    return load()
  } finally {
    if (own) delete process.env[key]
  }
}
