import xxhash from 'xxhash-wasm'

export interface Xxh32 {
  update(data: Uint8Array): void
  digest(): number
}

let api: Awaited<ReturnType<typeof xxhash>> | undefined

/** A streaming XXH32 (seed 0), the LZ4 frame format's header and content checksum. */
export async function createXxh32(): Promise<Xxh32> {
  api ??= await xxhash()
  const h = api.create32(0)
  return {
    update: (data) => void h.update(data),
    // xxhash-wasm returns a signed 32-bit value on some paths; the frame stores it unsigned.
    digest: () => h.digest() >>> 0,
  }
}

export async function xxh32(data: Uint8Array): Promise<number> {
  api ??= await xxhash()
  return api.h32Raw(data, 0) >>> 0
}
