import { BLOCK, normalizeTarPath, numeric, TarFormatError, TarWalker, type TarHeader } from './tar.ts'

/** An entry of another archive that goes in place of the stream's entry of the same path. */
export interface ReplacementEntry {
  header: TarHeader
  /** A regular file's content (empty for anything else). */
  content: Buffer
  /** The entry as that archive has it, to be copied as is: its pax or GNU records, header, padded data. */
  blocks: Buffer
  /** Its modification time, in seconds. */
  mtime: number
}

/** What becomes of an entry of the stream. */
export type Correction =
  | { kind: 'drop' }
  | { kind: 'replace'; entry: ReplacementEntry }
  /** A folder stays as the stream has it (its mode, owner, records), with the true entry's time. */
  | { kind: 'retime'; mtime: number }

/**
 * Corrections to a rootfs stream, by path: the stream's entry of each path gives way to the entry of the
 * same path in `truth` (a small tar of the true entries), where it stands; a path `truth` does not have is
 * left out. What a container export needs to be the image's own filesystem (source/image-fs.ts): docker's
 * init layer replaces a few known files and adds what is missing, and the true entries come from a small
 * archive made by BuildKit, in BuildKit's own encoding. Folders are the exception: BuildKit's copy of a
 * folder gives its time but not its mode and owner, and the init layer keeps those but not its time
 * (it creates files in /etc and /dev), so a folder keeps the stream's entry with the true time.
 */
export class EntryReplacements {
  /** Entries of the stream left out, and entries put in their place. */
  replaced = 0
  added = 0
  private readonly pending = new Map<string, ReplacementEntry | null>()

  constructor(paths: readonly string[], truth: Buffer) {
    for (const path of paths) this.pending.set(normalizeTarPath(path), null)
    const walker = new TarWalker(
      (header) => {
        const path = normalizeTarPath(header.name)
        if (!this.pending.has(path)) return false
        const { entryStart: start, entryEnd: end } = walker
        const padded = Math.ceil(header.size / BLOCK) * BLOCK
        const at = end - (header.type === 'file' ? padded : 0) - BLOCK
        // Copies: they outlive the archive they come from.
        const blocks = Buffer.from(truth.subarray(start, end))
        this.pending.set(path, {
          header,
          content: Buffer.alloc(0),
          blocks,
          mtime: numeric(truth, at + 136, 12),
        })
        return header.type === 'file'
      },
      (header, content) => {
        const entry = this.pending.get(normalizeTarPath(header.name))
        if (entry) entry.content = content
      },
    )
    walker.write(truth)
    walker.end()
    if (!walker.ended)
      throw new TarFormatError('the archive of the true entries has no end-of-archive marker')
  }

  /**
   * For an entry of the stream: undefined when it stays as it is, else what becomes of it. Each path is
   * corrected once: an archive naming it again keeps that entry.
   */
  take(path: string, directory: boolean): Correction | undefined {
    if (!this.pending.has(path)) return undefined
    const entry = this.pending.get(path)!
    this.pending.delete(path)
    if (entry && directory && entry.header.type === 'directory') return { kind: 'retime', mtime: entry.mtime }
    this.replaced++
    if (!entry) return { kind: 'drop' }
    this.added++
    return { kind: 'replace', entry }
  }
}
