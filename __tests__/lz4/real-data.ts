import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Real files of this machine: binaries, libraries and text, as in a rootfs. */
export function realData(limit: number): Buffer {
  const parts: Buffer[] = []
  let total = 0
  for (const dir of [
    '/usr/bin',
    '/usr/share/doc/dpkg',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
  ]) {
    let names: string[]
    try {
      names = readdirSync(dir).sort()
    } catch {
      continue
    }
    for (const name of names) {
      const path = join(dir, name)
      try {
        if (!statSync(path).isFile()) continue
        const data = readFileSync(path)
        parts.push(data)
        total += data.length
      } catch {
        continue
      }
      if (total >= limit) return Buffer.concat(parts).subarray(0, limit)
    }
  }
  return Buffer.concat(parts).subarray(0, limit)
}
