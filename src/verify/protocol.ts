/**
 * What the test process and its root helper (helper.ts, run by sandbox.ts in new namespaces) say to each
 * other. The job is a JSON file; the image comes on the helper's stdin in frames (a 4-byte big-endian
 * length, then that many bytes; length 0 ends the image); stdin then stays open as a lifeline: when it
 * closes, the test process is gone and the helper stops everything. The helper answers with one JSON
 * event per line on stdout.
 */

export interface HelperJob {
  /** Scratch folder of this test, created by the test process: the helper's files go here. */
  work: string
  /** install.yaml as written to /etc/metal/install.yaml. */
  installYaml: string
  /** The root file system's UUID: disk.json, fstab and the boot disk. */
  rootUuid: string
  /** Make a boot disk (ext4 image of the root), and copy the kernel and initrd out. */
  boot: boolean
  /** For the installer run. */
  timeoutMs: number
  /** Files the helper leaves in `work` are given to this user (the test process's). */
  owner: { uid: number; gid: number }
  /** The test process's mount namespace, which the helper's must not be. */
  callerMountNs: string
}

/** Files in the job's `work` folder. */
export const WORK_FILES = {
  job: 'job.json',
  root: 'root',
  dev: 'dev',
  installerLog: 'installer.log',
  disk: 'disk.img',
  kernel: 'kernel',
  initrd: 'initrd',
} as const

export interface BootInfo {
  kernel: string
  initrd: string
  cmdline: string
  bootloaderId: string
}

export type Phase = 'extract' | 'install' | 'boot-info' | 'disk' | 'boot' | 'command'

export type HelperEvent =
  | { event: 'log'; message: string }
  | { event: 'warning'; message: string }
  | { event: 'step'; step: Phase; ms: number }
  | { event: 'extracted'; entries: number; bytes: number; outside: number; end: string }
  | {
      event: 'result'
      ok: true
      installer: string
      bootInfo: BootInfo
      /** Tail of the installer's output. */
      installerTail: string
    }
  | { event: 'result'; ok: false; phase: Phase; message: string; installerTail?: string }

export function frame(data: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(data.length, 0)
  return Buffer.concat([head, data])
}

/** Cuts the frames apart as chunks arrive: the payloads, and whether the end frame came. */
export class Unframer {
  ended = false
  private pending: Buffer = Buffer.alloc(0)
  private want = -1

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = []
    if (this.ended) return out
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    for (;;) {
      if (this.want < 0) {
        if (this.pending.length < 4) break
        this.want = this.pending.readUInt32BE(0)
        this.pending = this.pending.subarray(4)
        if (this.want === 0) {
          this.ended = true
          break
        }
      }
      if (this.pending.length < this.want) break
      out.push(this.pending.subarray(0, this.want))
      this.pending = this.pending.subarray(this.want)
      this.want = -1
    }
    return out
  }
}

/** The last `lines` lines of a text, for messages and the summary. */
export function tail(text: string, lines = 30): string {
  const all = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n')
  return all.slice(-lines).join('\n')
}
