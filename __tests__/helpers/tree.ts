import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every file and folder under `dest` with its size and mtime: "nothing new" and "nothing changed"
 * checked in one comparison.
 */
export function snapshot(dest: string): string[] {
  try {
    return readdirSync(dest, { recursive: true, withFileTypes: true })
      .map((e) => {
        const path = join(e.parentPath, e.name)
        const s = statSync(path)
        return `${path.slice(dest.length)} ${e.isDirectory() ? 'dir' : `${s.size} ${s.mtimeMs}`}`
      })
      .sort()
  } catch {
    return ['<no destination>']
  }
}
