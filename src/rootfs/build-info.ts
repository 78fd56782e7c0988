import { BLOCK, normalizeTarPath } from './tar.ts'

export const BUILD_INFO_PATH = 'etc/metal/build.yaml'

export interface BuildInfo {
  /** When the build ran (the clock, not the version's date, which may be a commit date). */
  date: Date
  imageId: string
  version: string
  /** `owner/name`, the ref and the commit the image was built from; empty when unknown. */
  repository: string
  ref: string
  commit: string
}

/**
 * /etc/metal/build.yaml as metal-images' prepare.sh writes it: shell assignments, not YAML mappings
 * (`builddate='2026-12-04 20:11:13.123456'`), so a script can source it, with the keys prepare.sh writes
 * (builddate, commit_ref, commit_sha1, gitrepo) and then this build's image id and version.
 */
export function buildInfoYaml(info: BuildInfo): string {
  const lines: [string, string][] = [
    ['builddate', pythonIsoformat(info.date)],
    ['commit_ref', info.ref],
    ['commit_sha1', info.commit],
    ['gitrepo', info.repository],
    ['image_id', info.imageId],
    ['version', info.version],
  ]
  return lines.map(([key, value]) => `${key}=${shellQuote(value)}\n`).join('')
}

/** A value in single quotes as sh reads it back: a quote in it ends the quoting, is escaped, and reopens it. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/**
 * What prepare.sh's `datetime.now().isoformat(' ')` prints: the local time, no offset, with the fraction
 * of the second only when it is not zero (JavaScript has milliseconds: `.123000`).
 */
export function pythonIsoformat(at: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  const date = `${pad(at.getFullYear(), 4)}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
  const ms = at.getMilliseconds()
  return `${date} ${time}${ms === 0 ? '' : `.${pad(ms * 1000, 6)}`}`
}

/**
 * One file to put into a rootfs tar on its way past (TarInspector does the cutting and inserting): any
 * entry of that path is left out, with the pax or GNU records that belong to it, and the new file,
 * owned by root with mode 0644, goes in just before the end-of-archive marker, with its parent folder
 * if the archive had none.
 */
export class TarFileInjection {
  /** Entries of the path that were left out. */
  replaced = 0
  readonly path: string
  private content: Buffer | undefined
  private readonly pending: Promise<void> | undefined
  private readonly mtime: Date
  private readonly parent: string
  private sawParent = false
  /** Whether the archive names its entries `./etc/...` (tar -C root .) or `etc/...` (docker export). */
  private dotSlash: boolean | undefined

  /**
   * `content` may still be in the making (build info waits for git): it is needed only at the end of
   * the archive, so the rootfs streams meanwhile.
   */
  constructor(path: string, content: string | Buffer | Promise<string | Buffer>, mtime = new Date()) {
    this.path = normalizeTarPath(path)
    const bytes = (c: string | Buffer): Buffer => (typeof c === 'string' ? Buffer.from(c) : c)
    if (content instanceof Promise) {
      this.pending = content.then((c) => void (this.content = bytes(c)))
      // Surfaced when the end of the archive needs it; until then not "unhandled".
      this.pending.catch(() => {})
    } else this.content = bytes(content)
    this.mtime = mtime
    this.parent = this.path.slice(0, Math.max(0, this.path.lastIndexOf('/')))
  }

  /** An entry of the archive, by its name as written and as a path: whether to leave it out. */
  entry(name: string, path: string, directory: boolean): boolean {
    this.dotSlash ??= name.startsWith('./')
    if (directory && path === this.parent) this.sawParent = true
    if (path !== this.path) return false
    this.replaced++
    return true
  }

  /** Settles once the content is there (rejects if making it failed); undefined if it is already. */
  ready(): Promise<void> | undefined {
    return this.content === undefined ? this.pending : undefined
  }

  /** The blocks that go in before the end-of-archive marker: the folder if the archive had none, then the file. */
  blocks(): Buffer[] {
    const content = this.content!
    const style = this.dotSlash ? './' : ''
    const blocks: Buffer[] = []
    if (!this.sawParent && this.parent)
      blocks.push(
        encodeHeader({ name: `${style}${this.parent}/`, type: '5', mode: 0o755, size: 0, mtime: this.mtime }),
      )
    blocks.push(
      encodeHeader({
        name: `${style}${this.path}`,
        type: '0',
        mode: 0o644,
        size: content.length,
        mtime: this.mtime,
      }),
      content,
    )
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK
    if (pad) blocks.push(Buffer.alloc(pad))
    return blocks
  }

  /** Entries blocks() adds. */
  get added(): number {
    return !this.sawParent && this.parent ? 2 : 1
  }
}

function encodeHeader(h: { name: string; type: string; mode: number; size: number; mtime: Date }): Buffer {
  const block = Buffer.alloc(BLOCK)
  const name = Buffer.from(h.name)
  if (name.length > 100) throw new Error(`internal: tar name too long: ${h.name}`)
  name.copy(block, 0)
  const octal = (value: number, start: number, length: number) =>
    block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, start, length, 'latin1')
  octal(h.mode, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  octal(h.size, 124, 12)
  octal(Math.floor(h.mtime.getTime() / 1000), 136, 12)
  block.write(h.type, 156, 1, 'latin1')
  block.write('ustar\0' + '00', 257, 8, 'latin1')
  block.write('root', 265, 32, 'latin1')
  block.write('root', 297, 32, 'latin1')
  // The checksum is computed with its own field as spaces.
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return block
}
