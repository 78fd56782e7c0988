import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Programs of this machine an installer script in a tiny root may use, with the libraries they load. */
const PROGRAMS = ['sh', 'cat', 'mkdir', 'sleep', 'grep', 'ls', 'id', 'rm', 'printf', 'hostname', 'mknod']

export interface TinyFile {
  content?: string
  mode?: number
  /** A symlink to this target instead of a file. */
  symlink?: string
}

/** tinyRoot's tar as one LZ4 frame (lz4 CLI): what the test's helper reads. */
export function tinyImage(files: Record<string, TinyFile>): Buffer {
  return execFileSync('lz4', ['-1', '-c'], { input: tinyRoot(files), maxBuffer: 1 << 28 })
}

/**
 * A root of a few MB made of this machine's own binaries (sh, cat, sleep, ... and their libraries), plus
 * `files`, as a tar: enough for an /install.sh to run chrooted.
 */
export function tinyRoot(files: Record<string, TinyFile>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'verify-tiny-'))
  try {
    const libs = new Set<string>()
    for (const name of PROGRAMS) {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()
      if (!path.startsWith('/')) continue
      mkdirSync(join(dir, 'bin'), { recursive: true })
      copyFileSync(path, join(dir, 'bin', name))
      for (const m of execFileSync('ldd', [path], { encoding: 'utf8' }).matchAll(/(\/\S+\.so[.\d]*)/g))
        libs.add(m[1]!)
    }
    for (const lib of libs) {
      mkdirSync(join(dir, dirname(lib)), { recursive: true })
      copyFileSync(lib, join(dir, lib))
    }
    for (const [path, f] of Object.entries(files)) {
      const at = join(dir, path)
      mkdirSync(dirname(at), { recursive: true })
      if (f.symlink !== undefined) symlinkSync(f.symlink, at)
      else writeFileSync(at, f.content ?? '', { mode: f.mode ?? 0o644 })
    }
    return execFileSync('tar', ['-C', dir, '--owner=0', '--group=0', '-c', '.'], { maxBuffer: 1 << 28 })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** An /install.sh (mode 0755) with this body after `#!/bin/sh` and `set -e`. */
export function installer(body: string): TinyFile {
  return { content: `#!/bin/sh\nset -e\n${body}\n`, mode: 0o755 }
}

/** The lines an installer writes for a boot-info.yaml naming these files. */
export function writesBootInfo(
  kernel: string,
  initrd: string,
  cmdline = 'console=ttyS0 root=UUID=x',
): string {
  return `mkdir -p /etc/metal\nprintf 'kernel: ${kernel}\\ninitrd: ${initrd}\\ncmdline: ${cmdline}\\n' > /etc/metal/boot-info.yaml`
}
