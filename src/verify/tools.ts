import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'

/** Where the system tools are looked for: PATH, then the sbin folders a user's PATH often lacks. */
const EXTRA = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']

/** The absolute path of an executable; undefined when it is not installed. */
export function whichTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...EXTRA]
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      continue
    }
  }
  return undefined
}

export function findTool(name: string): string {
  const path = whichTool(name)
  if (!path) throw new Error(`${name} is not installed`)
  return path
}
