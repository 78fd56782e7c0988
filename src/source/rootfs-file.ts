import { fstatSync, statSync, type Stats } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { isatty } from 'node:tty'
import { ChunkPool } from '../util/chunk-pool.ts'
import { errnoWords, InputError, isSystemError } from '../util/errors.ts'
import type { OpenedSource } from './opened.ts'

/** Bytes a read of a rootfs file asks for. */
const READ_SIZE = 512 << 10

// An existing rootfs tar

const COMPRESSED_MAGIC: [string, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
]

/** The error for a rootfs that starts like a compressed file, if it does. */
function compressedHead(path: string, head: Buffer): InputError | undefined {
  const format = COMPRESSED_MAGIC.find(([, magic]) => magic.every((byte, i) => head[i] === byte))?.[0]
  return format
    ? new InputError(
        'rootfs',
        path,
        `is ${format}-compressed: expected an uncompressed tar (decompress it first)`,
      )
    : undefined
}

/**
 * `--rootfs -`: `docker export c | metal-image --rootfs -` needs no tar on disk at all. Read through
 * process.stdin, which knows pipes, sockets (what a parent's spawn() hands over: they cannot be opened
 * again by path, as /dev/stdin) and files alike.
 */
function openStdin(): OpenedSource {
  const input = (problem: string) => new InputError('rootfs', '-', problem)
  const piped = 'expected a tar piped into it (e.g. `docker export c | metal-image --rootfs -`)'
  if (isatty(0)) throw input(`standard input is a terminal: ${piped}`)
  // What reading would not tell: a folder or /dev/null (what a closed standard input becomes: Node opens
  // /dev/null in its place at startup) read as an empty stream.
  let info: Stats
  try {
    info = fstatSync(0)
  } catch (err) {
    throw input(`cannot look at standard input: ${isSystemError(err) ? errnoWords(err) : String(err)}`)
  }
  if (info.isDirectory())
    throw input(
      'standard input is a folder (`< DIR`): expected a tar piped into it (e.g. `tar -C DIR -c . | metal-image --rootfs -`)',
    )
  if (info.isCharacterDevice() && info.rdev === devNull()?.rdev)
    throw input(`standard input is /dev/null (or was closed): ${piped}`)
  async function* checked(): AsyncGenerator<Buffer> {
    let first = true
    try {
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
        if (first) {
          const compressed = compressedHead('-', chunk)
          if (compressed) throw compressed
          first = false
        }
        yield chunk
      }
    } catch (err) {
      if (!isSystemError(err)) throw err
      throw input(
        err.code === 'EBADF'
          ? `standard input is not open for reading (EBADF): ${piped}`
          : `cannot read standard input: ${errnoWords(err)}`,
      )
    }
  }
  return {
    stream: Readable.from(checked(), { objectMode: false }),
    exited: Promise.resolve(),
    method: 'rootfs tar on standard input',
    input: 'rootfs',
    value: '-',
    producer: false,
    streamsBuild: false,
    cleanup: async () => {},
  }
}

function devNull(): Stats | undefined {
  try {
    return statSync('/dev/null')
  } catch {
    return undefined
  }
}

export async function openRootfsFile(path: string): Promise<OpenedSource> {
  if (path === '-') return openStdin()
  const full = resolve(path)
  const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(
      'rootfs',
      path,
      `cannot read it: ${errnoWords(err)}; expected an uncompressed tar file`,
    )
  })
  if (info.isDirectory())
    throw new InputError(
      'rootfs',
      path,
      'is a directory: expected an uncompressed tar file (e.g. `tar -C DIR -cf rootfs.tar .`)',
    )
  // A fifo (or <(...), /dev/stdin) can be read only once, in order: its first bytes are checked as they
  // stream past. A file is checked before anything starts.
  const seekable = info.isFile()
  if (seekable) {
    const head = Buffer.alloc(8)
    const handle = await open(full, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new InputError('rootfs', path, `cannot open it: ${errnoWords(err)}; expected a readable tar file`)
    })
    try {
      await handle.read(head, 0, head.length, 0)
    } finally {
      await handle.close()
    }
    const compressed = compressedHead(path, head)
    if (compressed) throw compressed
  }
  const pool = new ChunkPool()
  const checkHead = seekable ? undefined : (head: Buffer) => compressedHead(path, head)
  return {
    stream: new PooledFileStream(full, pool, checkHead, (err) =>
      isSystemError(err) ? new InputError('rootfs', path, `cannot read it: ${errnoWords(err)}`) : err,
    ),
    exited: Promise.resolve(),
    method: `rootfs tar ${full}${seekable ? '' : ' (a pipe)'}`,
    input: 'rootfs',
    value: path,
    producer: false,
    streamsBuild: false,
    cleanup: async () => {},
    release: (chunk) => pool.release(chunk),
  }
}

/** A file read in order into a ChunkPool's memory, half a MiB a read (fewer chunks to pass along than 64 KiB). */
class PooledFileStream extends Readable {
  private readonly path: string
  private readonly pool: ChunkPool
  private handle: FileHandle | undefined
  /** For a pipe: looks at the first bytes read, and fails the stream with its error. */
  private checkHead: ((head: Buffer) => Error | undefined) | undefined
  /** Says in words what a failed open or read means. */
  private readonly explain: (err: Error) => Error

  constructor(
    path: string,
    pool: ChunkPool,
    checkHead: ((head: Buffer) => Error | undefined) | undefined,
    explain: (err: Error) => Error,
  ) {
    super({ highWaterMark: READ_SIZE })
    this.path = path
    this.pool = pool
    this.checkHead = checkHead
    this.explain = explain
  }

  override _construct(done: (err?: Error | null) => void): void {
    open(this.path, 'r').then(
      (handle) => {
        this.handle = handle
        done()
      },
      (err: Error) => done(this.explain(err)),
    )
  }

  override _read(): void {
    const space = this.pool.space()
    this.handle!.read(space, 0, Math.min(space.length, READ_SIZE), null).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) return void this.push(null)
        const chunk = this.pool.filled(bytesRead)
        const check = this.checkHead
        this.checkHead = undefined
        const err = check?.(chunk)
        if (err) return void this.destroy(err)
        this.push(chunk)
      },
      (err: Error) => this.destroy(this.explain(err)),
    )
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const handle = this.handle
    this.handle = undefined
    if (!handle) return done(err)
    handle.close().then(
      () => done(err),
      () => done(err),
    )
  }
}
