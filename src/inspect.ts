import { Transform, type TransformCallback } from 'node:stream'
import { extract, type Extract, type ExtractEvents, type Header } from 'tar-stream'
import { collectGarbage } from './memory.ts'

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
 * full one every 128 MiB for the buffers that lived long enough to be promoted (in flight, queued
 * for the disk). Measured on the 1.3 GB bench rootfs: peak RSS 264 -> 212 MB, same wall time.
 */
const COLLECT_EVERY = 8 << 20
const MAJOR_EVERY = 16
/** POSIX: an archive ends with two zero blocks. Without them the stream was cut off. */
const END_MARKER = 1024

export class TarFormatError extends Error {}

/**
 * Sees every entry header in archive order while the stream passes (the contract check). observe()
 * returning true asks for the entry's body, handed to file() once it has been read.
 */
export interface EntryObserver {
  observe(header: Header, path: string): boolean
  file(path: string, content: Buffer): void
}

type ExtractEntry = (...args: ExtractEvents['entry']) => void

/** `./var/lib/x`, `/var/lib/x` and `var/lib/x` all name the same file of a rootfs. */
export function normalizeTarPath(name: string): string {
  return name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '')
}

/**
 * Passes the rootfs tar through unchanged while reading it as a tar on the side: this both proves the
 * stream is a complete, well-formed archive (before anything is published) and picks out the few
 * files the image metadata is made from, without a second read or an extra container.
 */
export class TarInspector extends Transform {
  readonly facts: TarFacts = { entries: 0, bytes: 0, firstByteAt: undefined, files: new Map() }
  private readonly parser: Extract
  private readonly wanted: (path: string) => boolean
  private readonly observer: EntryObserver | undefined
  private readonly parsed: Promise<void>
  /** Zero bytes at the end of what has been seen so far. */
  private zeroTail = 0
  private sinceCollect = 0
  private collections = 0

  /** `capture` picks the files to keep, by normalized path (`var/lib/dpkg/status`). */
  constructor(capture: (path: string) => boolean, observer?: EntryObserver) {
    super({ highWaterMark: 1 << 20 })
    this.wanted = capture
    this.observer = observer
    this.parser = extract()
    this.parser.on('entry', (header, body, next) => this.onEntry(header, body, next))
    this.parsed = new Promise((resolve, reject) => {
      this.parser.on('finish', resolve)
      this.parser.on('error', (err: Error) =>
        reject(new TarFormatError(describeTarError(err, this.facts.bytes))),
      )
    })
    // Surfaced through _transform/_flush; this only keeps an early rejection from being unhandled.
    this.parsed.catch(() => {})
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.facts.firstByteAt ??= performance.now()
    this.facts.bytes += chunk.length
    this.sinceCollect += chunk.length
    if (this.sinceCollect >= COLLECT_EVERY) {
      this.sinceCollect = 0
      this.collections++
      collectGarbage(this.collections % MAJOR_EVERY === 0 ? 'major' : 'minor')
    }
    this.trackZeroTail(chunk)
    this.push(chunk)
    if (this.parser.write(chunk)) return done()
    // The parser is behind (an entry it is handing out): wait for it rather than buffer the rootfs.
    const onDrain = (): void => {
      this.parser.off('error', onError)
      done()
    }
    const onError = (): void => {
      this.parser.off('drain', onDrain)
      this.parsed.catch((err: Error) => done(err))
    }
    this.parser.once('drain', onDrain)
    this.parser.once('error', onError)
  }

  override _flush(done: TransformCallback): void {
    this.parser.end(undefined)
    this.parsed.then(() => {
      if (this.facts.bytes === 0) return done(new TarFormatError('the stream is empty, not a tar archive'))
      if (this.zeroTail < END_MARKER)
        return done(
          new TarFormatError(
            `the tar archive is truncated: it ends after ${this.facts.bytes} bytes without the end-of-archive marker`,
          ),
        )
      if (this.facts.entries === 0) return done(new TarFormatError('the tar archive has no entries'))
      done()
    }, done)
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    this.parser.destroy()
    done(err)
  }

  private onEntry(
    header: Header,
    body: Parameters<ExtractEntry>[1],
    next: (err?: Error | null) => void,
  ): void {
    this.facts.entries++
    // A cut-off entry fails its body stream too; the parser's own error is the one reported.
    body.on('error', () => {})
    const path = normalizeTarPath(header.name)
    const observed = this.observer?.observe(header, path) === true
    const kept = header.type === 'file' && this.wanted(path) && (header.size ?? 0) <= MAX_CAPTURE
    if (kept || observed) {
      const parts: Buffer[] = []
      body.on('data', (part) => void parts.push(part as Buffer))
      body.on('end', () => {
        const content = Buffer.concat(parts)
        // A later entry for the same path replaces the earlier one, as extracting the tar would.
        if (kept) this.facts.files.set(path, content)
        if (observed) this.observer!.file(path, content)
        next()
      })
    } else {
      body.on('end', () => next())
      body.resume()
    }
  }

  private trackZeroTail(chunk: Buffer): void {
    let i = chunk.length - 1
    while (i >= 0 && chunk[i] === 0) i--
    this.zeroTail = i < 0 ? this.zeroTail + chunk.length : chunk.length - 1 - i
  }
}

function describeTarError(err: Error, offset: number): string {
  if (/Unexpected end of data/i.test(err.message))
    return `the tar archive is truncated: it ends in the middle of an entry after ${offset} bytes`
  if (/Invalid tar header/i.test(err.message))
    return `not a tar archive (no valid tar header near byte ${offset})`
  return `not a valid tar archive: ${err.message} (near byte ${offset})`
}
