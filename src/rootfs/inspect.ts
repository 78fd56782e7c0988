import { Transform, type TransformCallback } from 'node:stream'
import { collectGarbage } from '../util/memory.ts'
import type { TarFileInjection } from './build-info.ts'
import type { Release } from '../util/chunk-pool.ts'
import type { EntryReplacements, ReplacementEntry } from './replace.ts'
import { BLOCK, TarFormatError, TarWalker, normalizeTarPath, setMtime, type TarHeader } from './tar.ts'

export { TarFormatError, normalizeTarPath }

export interface TarFacts {
  /** Entries in the archive (files, directories, links, ...). */
  entries: number
  /** Size of the tar stream in bytes. */
  bytes: number
  /** performance.now() of the first byte: when a streamed build started to deliver. */
  firstByteAt: number | undefined
  /** Contents of the captured files that were found, by normalized path (`var/lib/dpkg/status`). */
  files: Map<string, Buffer>
}

/** Files the inspector keeps; anything larger is a sign of a broken image, not a reason to buffer it. */
const MAX_CAPTURE = 64 * 1024 * 1024
/**
 * Input between two garbage collections (see memory.ts): a young-generation one every 8 MiB, and a
 * full one every 32 MiB for the buffers that lived long enough to be promoted (compressed blocks in
 * flight, queued for the disk). With the input read into recycled memory (chunk-pool.ts) those
 * blocks are most of the garbage. Rarer full collections let the peak grow, more frequent ones cost
 * time without lowering it (measured with `npm run bench`).
 */
const COLLECT_EVERY = 8 << 20
const MAJOR_EVERY = 4

/**
 * Sees every entry header in archive order while the stream passes (the contract check). observe()
 * returning true asks for the entry's body, handed to file() once it has been read.
 */
export interface EntryObserver {
  observe(header: TarHeader, path: string): boolean
  file(path: string, content: Buffer): void
}

/** Takes a file's content piece by piece as it passes; pieces are the stream's memory: copy what you keep. */
export interface EntrySink {
  write(piece: Buffer): void
  /** All of the content has been written. */
  end(): void
}

export interface InspectorOptions {
  /** Picks the files to keep, by normalized path (`var/lib/dpkg/status`). */
  capture: (path: string, size: number) => boolean
  /**
   * Picks files to hand over piece by piece instead of keeping them: files of any size (a package
   * database), in bounded memory. Called at each regular file's header; a later entry for the same path
   * gets a new sink. Takes precedence over `capture`.
   */
  stream?: (path: string, size: number) => EntrySink | undefined
  observer?: EntryObserver
  /** A file to put into the archive (build info), before its end. */
  inject?: TarFileInjection
  /** Entries to correct where they stand (a container export's init layer): seen as their replacements. */
  replace?: EntryReplacements
  /** Gives back the memory of input the archive leaves out (see chunk-pool.ts); the encoder releases the rest. */
  release?: Release
  /**
   * Counts the input towards the next garbage collection (default), for the garbage it and what is made
   * of it downstream leave; off where the whole pass reuses its memory (read into a pool, blocks given
   * back by the store), so that there is none to collect.
   */
  collect?: boolean
}

/**
 * Passes the rootfs tar through while reading it as a tar on the side: this both proves the stream is
 * a complete, well-formed archive that GNU tar and metal-hammer read alike, with nothing after its end
 * (TarWalker; before anything is published), and picks out the few files the
 * image metadata is made from, without a second read or an extra container. With `inject` it also
 * puts a file in: the same walk over the headers finds what to leave out and where the archive ends,
 * so the rootfs needs no stage of its own for it: a stage of its own, with its buffers, cost the
 * pass far more wall time than the work it did.
 */
export class TarInspector extends Transform {
  readonly facts: TarFacts = { entries: 0, bytes: 0, firstByteAt: undefined, files: new Map() }
  private readonly walker: TarWalker
  private readonly inject: TarFileInjection | undefined
  private readonly replace: EntryReplacements | undefined
  private readonly release: Release | undefined
  private readonly collect: boolean
  private sinceCollect = 0
  private collections = 0
  /**
   * Archive ranges [start, end) to leave out, in order (entries `inject` or `replace` replace), with the
   * blocks that go in their place until they have been passed on.
   */
  private readonly drops: [number, number, Buffer?][] = []
  private inserted = false
  /** Header blocks [archive offset, seconds] whose time `replace` corrects, in order. */
  private readonly retimes: [number, number][] = []
  /** Files being handed to a sink: their content's archive range [from, to). */
  private readonly sinks: { sink: EntrySink; from: number; to: number }[] = []
  /** Input not passed on yet (everything, when nothing is being changed), and the archive offset it starts at. */
  private readonly held: Buffer[] = []
  private heldAt = 0

  constructor({ capture, stream, observer, inject, replace, release, collect = true }: InspectorOptions) {
    super({ highWaterMark: 1 << 20 })
    this.collect = collect
    this.inject = inject
    this.replace = replace
    this.release = release
    // Who wants the current entry's content: set at its header, used once the content has been read.
    let kept = false
    let observed = false
    let path = ''
    /** An entry as the archive will have it: whether its content is wanted (by `body` below). */
    const see = (header: TarHeader, end: number): boolean => {
      observed = observer?.observe(header, path) === true
      const sink = header.type === 'file' ? stream?.(path, header.size) : undefined
      if (sink) {
        // The content follows the header's block; `end` is past its padding.
        const from = end - Math.ceil(header.size / 512) * 512
        this.sinks.push({ sink, from, to: from + header.size })
      }
      kept = !sink && header.type === 'file' && header.size <= MAX_CAPTURE && capture(path, header.size)
      return kept || observed
    }
    const body = (content: Buffer): void => {
      // A later entry for the same path replaces the earlier one, as extracting the tar would.
      if (kept) this.facts.files.set(path, content)
      if (observed) observer!.file(path, content)
    }
    this.walker = new TarWalker(
      (header) => {
        path = normalizeTarPath(header.name)
        const walker = this.walker
        if (walker.endOfArchive !== undefined) return see(header, walker.entryEnd)
        const directory = header.type === 'directory'
        const fix = replace?.take(path, directory)
        // A folder's header block is its last: it has no data.
        if (fix?.kind === 'retime') {
          this.retimes.push([walker.entryEnd - BLOCK, fix.mtime])
          inject?.entry(header.name, path, directory)
        } else if (fix || inject?.entry(header.name, path, directory)) {
          // Left out of the archive: nobody looks at it, but at what goes in its place.
          const instead = fix?.kind === 'replace' ? fix.entry : undefined
          this.drops.push([walker.entryStart, walker.entryEnd, instead?.blocks])
          kept = observed = false
          if (instead) this.seeInstead(instead, see, body)
          return false
        }
        return see(header, walker.entryEnd)
      },
      (_header, content) => body(content),
    )
  }

  /** An entry put in place of one left out: seen as if it had been in the stream. */
  private seeInstead(
    entry: ReplacementEntry,
    see: (header: TarHeader, end: number) => boolean,
    body: (content: Buffer) => void,
  ): void {
    const { header, content } = entry
    this.inject?.entry(header.name, normalizeTarPath(header.name), header.type === 'directory')
    // A sink takes the content straight away: it is given a range no chunk will cover.
    const sinks = this.sinks.length
    if (see(header, -1)) body(content)
    for (const { sink } of this.sinks.splice(sinks)) {
      sink.write(content)
      sink.end()
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.facts.firstByteAt ??= performance.now()
    if (this.collect) this.madeGarbage(chunk.length)
    const at = this.walker.offset
    try {
      this.walker.write(chunk)
      if (this.sinks.length > 0) this.feedSinks(chunk, at)
    } catch (err) {
      return done(err as Error)
    }
    this.facts.entries = this.walker.entries
    if (!this.inject && !this.replace) {
      this.passOn(chunk)
      return done()
    }
    this.held.push(chunk)
    // Records for an entry not seen yet, or part of a header, may belong to one that is left out: they wait.
    this.edit(this.walker.settled, done)
  }

  /** Hands the sinks their part of `chunk`, which starts at archive offset `at`. */
  private feedSinks(chunk: Buffer, at: number): void {
    const end = at + chunk.length
    for (let i = 0; i < this.sinks.length; i++) {
      const { sink, from, to } = this.sinks[i]!
      if (from > end) continue
      if (to > from && from < end && to > at)
        sink.write(chunk.subarray(Math.max(from, at) - at, Math.min(to, end) - at))
      if (to <= end) {
        this.sinks.splice(i--, 1)
        sink.end()
      }
    }
  }

  /**
   * Counts `bytes` towards the next collection. The input counts as it passes (what it costs
   * downstream is in proportion); a stage that makes more than that adds its own.
   */
  madeGarbage(bytes: number): void {
    this.sinceCollect += bytes
    if (this.sinceCollect < COLLECT_EVERY) return
    this.sinceCollect = 0
    this.collections++
    collectGarbage(this.collections % MAJOR_EVERY === 0 ? 'major' : 'minor')
  }

  override _flush(done: TransformCallback): void {
    // Records whose entry never came, of a stream cut off: passed on as they are, for the error below.
    for (const piece of this.held.splice(0)) this.passOn(piece)
    const bytes = this.walker.offset
    if (bytes === 0) return done(new TarFormatError('the stream is empty, not a tar archive'))
    try {
      this.walker.end()
    } catch (err) {
      return done(err as Error)
    }
    // POSIX: an archive ends with two zero blocks where a header would come. Without them it was cut off.
    if (!this.walker.ended)
      return done(
        new TarFormatError(
          `the tar archive is truncated: it ends after ${bytes} bytes without the end-of-archive marker`,
        ),
      )
    if (this.walker.entries === 0) return done(new TarFormatError('the tar archive has no entries'))
    const replace = this.replace
    this.facts.entries =
      this.walker.entries -
      (this.inject?.replaced ?? 0) +
      (this.inserted ? this.inject!.added : 0) -
      (replace ? replace.replaced - replace.added : 0)
    done()
  }

  /**
   * Passes on the held input up to archive offset `limit`, leaving out the dropped ranges and putting
   * the new file in at the end-of-archive marker (once its content is there).
   */
  private edit(limit: number, done: (err?: Error | null) => void): void {
    const inject = this.inject
    // A header is whole in the held input once the walker has handed it out, and is not passed on yet.
    for (const [at, seconds] of this.retimes.splice(0))
      this.patchHeld(at, (block) => setMtime(block, seconds))
    for (;;) {
      const at = this.heldAt
      const drop = this.drops[0]
      if (drop && drop[1] <= at) {
        this.drops.shift()
        continue
      }
      if (drop?.[2] && drop[0] <= at) {
        this.passOn(drop[2])
        drop[2] = undefined
      }
      const end = inject ? this.walker.endOfArchive : undefined
      if (end === at && !this.inserted && at < limit) {
        const ready = inject!.ready()
        if (ready)
          return void ready.then(() => {
            try {
              this.edit(limit, done)
            } catch (err) {
              done(err as Error)
            }
          }, done)
        this.inserted = true
        for (const block of inject!.blocks()) this.passOn(block)
        continue
      }
      if (at >= limit) return done()
      if (drop && drop[0] <= at) {
        this.advance(Math.min(drop[1], limit), false)
        continue
      }
      let to = limit
      if (drop) to = Math.min(to, drop[0])
      if (end !== undefined && end > at && !this.inserted) to = Math.min(to, end)
      this.advance(to, true)
    }
  }

  /** Changes the held block at archive offset `at` in place: the input's memory is ours until it is passed on. */
  private patchHeld(at: number, change: (block: Buffer) => void): void {
    const block = Buffer.alloc(BLOCK)
    const pieces: [Buffer, number, number][] = []
    let offset = this.heldAt
    for (const chunk of this.held) {
      const from = Math.max(at, offset)
      const to = Math.min(at + BLOCK, offset + chunk.length)
      if (from < to) {
        chunk.copy(block, from - at, from - offset, to - offset)
        pieces.push([chunk, from - offset, from - at])
      }
      offset += chunk.length
      if (offset >= at + BLOCK) break
    }
    change(block)
    for (const [chunk, start, inBlock] of pieces)
      block.copy(chunk, start, inBlock, inBlock + Math.min(chunk.length - start, BLOCK - inBlock))
  }

  /** Takes the held input up to archive offset `to`: passed on, or left out. */
  private advance(to: number, keep: boolean): void {
    while (this.heldAt < to) {
      const first = this.held[0]!
      const n = Math.min(first.length, to - this.heldAt)
      const piece = n === first.length ? first : first.subarray(0, n)
      if (n === first.length) this.held.shift()
      else this.held[0] = first.subarray(n)
      this.heldAt += n
      if (keep) this.passOn(piece)
      else this.release?.(piece)
    }
  }

  private passOn(data: Buffer): void {
    this.facts.bytes += data.length
    this.push(data)
  }
}
