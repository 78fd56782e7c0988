import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A rootfs tar of about 60 MB of this machine's real binaries (whole files, so the tar is valid), for
 * store tests: it compresses like an image does and spans several 8 MiB upload parts.
 */
export function binariesRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs.tar')
  const list = join(dir, 'rootfs.files')
  execFileSync('sh', [
    '-c',
    `cd / && find usr/bin usr/lib -type f -size +2M -size -6M 2>/dev/null | sort | head -24 > '${list}' && tar -cf '${rootfs}' --files-from '${list}'`,
  ])
  if (statSync(rootfs).size < 40 << 20) throw new Error(`${rootfs}: too few large binaries on this machine`)
  return rootfs
}
