import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { isatty } from 'node:tty'
import { execa } from 'execa'
import { buildKitCacheArgs, probeBuildx } from './build-cache.ts'
import { ChunkPool, type Release } from './chunk-pool.ts'
import { EngineError, engineGet, localEngineSocket } from './engine.ts'
import { InputError, StageError, errorMessage } from './errors.ts'
import type { BuildConfig, SourceConfig } from './inputs.ts'
import type { Log } from './log.ts'

export interface OpenedSource {
  /** The uncompressed rootfs tar. */
  stream: Readable
  /**
   * Settles when whatever writes the stream has finished: resolves on success, rejects with its
   * failure (a failed build's last output lines). A stream that ends early is explained by this, not
   * by the tar reader, and a stream is only complete once this has resolved.
   */
  exited: Promise<void>
  /** How the rootfs was obtained, for the log and the summary. */
  method: string
  /** The input the rootfs came from, named in errors about its content. */
  input: string
  value: string
  /** Time of a build that ran as a step of its own (the legacy builder), before the export. */
  buildMs?: number
  /**
   * How the build used the cache: `local`, a BuildKit cache directory it exported (rotate and save it);
   * `inline`, the classic client's inline cache (export it with exportInlineCache, then save it).
   */
  cacheKind?: 'local' | 'inline'
  /** Removes what was made only to get the rootfs out (a container); runs whatever happened. */
  cleanup(): Promise<void>
  /** For a stream read into a ChunkPool: gives a chunk's memory back once it has been consumed. */
  release?: Release
}

const DOCKER = 'docker'
/** Bytes a read of a rootfs file asks for. */
const READ_SIZE = 512 << 10
/** Enough of a failing build's output to show the failing step and its error. */
const TAIL_LINES = 25

/** The local BuildKit cache for a build: its folder, and whether to export a new one (not after an exact hit). */
export interface BuildCacheUse {
  dir: string
  exportCache: boolean
  /** The image name the classic client's inline cache is kept under (one per cache key). */
  inlineRef: string
}

export async function openSource(
  config: SourceConfig,
  log: Log,
  signal: AbortSignal,
  cache?: BuildCacheUse,
): Promise<OpenedSource> {
  switch (config.kind) {
    case 'rootfs':
      return openRootfsFile(config.rootfs)
    case 'image':
      await ensureDaemon('image', config.image, signal)
      return exportImage(config.image, config.platform, log, signal)
    case 'build':
      await ensureDaemon('context', config.build.context, signal)
      return build(config.build, log, signal, cache)
  }
}

// ---------------------------------------------------------------------------------------------
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
  if (isatty(0))
    throw new InputError(
      'rootfs',
      '-',
      'standard input is a terminal: expected a tar piped into it (e.g. `docker export c | metal-image --rootfs -`)',
    )
  async function* checked(): AsyncGenerator<Buffer> {
    let first = true
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      if (first) {
        const compressed = compressedHead('-', chunk)
        if (compressed) throw compressed
        first = false
      }
      yield chunk
    }
  }
  return {
    stream: Readable.from(checked(), { objectMode: false }),
    exited: Promise.resolve(),
    method: 'rootfs tar on standard input',
    input: 'rootfs',
    value: '-',
    cleanup: async () => {},
  }
}

async function openRootfsFile(path: string): Promise<OpenedSource> {
  if (path === '-') return openStdin()
  const full = resolve(path)
  const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(
      'rootfs',
      path,
      `cannot read it (${err.code ?? err.message}): expected an uncompressed tar file`,
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
      throw new InputError(
        'rootfs',
        path,
        `cannot open it (${err.code ?? err.message}): expected a readable tar file`,
      )
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
    stream: new PooledFileStream(full, pool, checkHead),
    exited: Promise.resolve(),
    method: `rootfs tar ${full}${seekable ? '' : ' (a pipe)'}`,
    input: 'rootfs',
    value: path,
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

  constructor(path: string, pool: ChunkPool, checkHead?: (head: Buffer) => Error | undefined) {
    super({ highWaterMark: READ_SIZE })
    this.path = path
    this.pool = pool
    this.checkHead = checkHead
  }

  override _construct(done: (err?: Error | null) => void): void {
    open(this.path, 'r').then((handle) => {
      this.handle = handle
      done()
    }, done)
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
      (err: Error) => this.destroy(err),
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

// ---------------------------------------------------------------------------------------------
// docker

interface Finished {
  exitCode: number | undefined
  tail: string[]
}

/**
 * Runs docker with its output lines going to the log and the last ones kept for the error message.
 * Never throws with the command line in the message: build args may carry values nobody wants in a log.
 */
function runDocker(
  args: string[],
  options: { log: Log; signal: AbortSignal; env?: Record<string, string>; stdout?: 'pipe' | 'log' },
): { stdout: Readable | null; done: Promise<Finished> } {
  const proc = execa(DOCKER, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: options.env,
    cancelSignal: options.signal,
    forceKillAfterDelay: 5000,
  })
  const tail: string[] = []
  const collect = (stream: Readable | null): Promise<void> => {
    if (!stream) return Promise.resolve()
    const lines = createInterface({ input: stream, crlfDelay: Infinity })
    lines.on('line', (line) => {
      options.log.info(line)
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
    })
    return new Promise((resolve) => lines.on('close', () => resolve()))
  }
  const piped = options.stdout === 'pipe'
  const outputs = Promise.all([collect(proc.stderr), piped ? Promise.resolve() : collect(proc.stdout)])
  const done = Promise.all([proc, outputs]).then(([result]) => {
    // Not started at all (no docker binary): say so instead of an empty tail.
    if (result.exitCode === undefined && tail.length === 0)
      tail.push(result.shortMessage ?? 'docker did not start')
    return { exitCode: result.exitCode, tail }
  })
  return { stdout: piped ? proc.stdout : null, done }
}

/** Output of a short docker command, or undefined when it fails. */
async function dockerQuery(
  args: string[],
  signal: AbortSignal,
  env?: Record<string, string>,
): Promise<string | undefined> {
  const result = await execa(DOCKER, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    env,
    timeout: 60_000,
  })
  return result.exitCode === 0 ? String(result.stdout).trim() : undefined
}

async function ensureDaemon(input: string, value: string, signal: AbortSignal): Promise<void> {
  const result = await execa(DOCKER, ['version', '--format', '{{.Server.Version}}'], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    timeout: 30_000,
  })
  if (result.exitCode === 0) return
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  const reason =
    (result as { code?: string }).code === 'ENOENT'
      ? 'the docker command is not installed'
      : lastLine(String(result.stderr)) || result.shortMessage
  throw new StageError(
    'docker',
    `cannot reach the Docker daemon at ${host}, needed for input "${input}" = "${value}": ${reason}. ` +
      'Start the Docker engine (dockerd) or point DOCKER_HOST at one.',
  )
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  return (lines[lines.length - 1] ?? '').trim()
}

/** Settles when the process has exited: fine on exit code 0, else the failure describing it. */
function processExit(done: Promise<Finished>, failure: (f: Finished) => Error): Promise<void> {
  const exited = done.then((result) => {
    if (result.exitCode !== 0) throw failure(result)
  })
  // Awaited by publish; until then a rejection is not "unhandled".
  exited.catch(() => {})
  return exited
}

function buildFailure(config: BuildConfig): (f: Finished) => Error {
  return (f) =>
    new StageError(
      'build',
      `docker build failed (exit code ${f.exitCode ?? 'none'}) for context "${config.context}"` +
        `${config.file ? ` and file "${config.file}"` : ''}. Last lines of its output:\n${f.tail.join('\n')}`,
    )
}

type Builder = { kind: 'buildx' } | { kind: 'classic' } | { kind: 'legacy'; why: string }

/**
 * BuildKit's tar exporter streams the rootfs straight out of the build, with no image, container or
 * export step. It is reached through the buildx plugin, or through a classic client (< 23) that still
 * has BuildKit built in when DOCKER_BUILDKIT=1.
 */
async function detectBuilder(mode: BuildConfig['buildkit'], signal: AbortSignal): Promise<Builder> {
  if (mode === 'false') return { kind: 'legacy', why: 'input buildkit is false' }
  if ((await dockerQuery(['buildx', 'version'], signal)) !== undefined) return { kind: 'buildx' }
  const client = await dockerQuery(['version', '--format', '{{.Client.Version}}'], signal)
  const major = Number.parseInt(client ?? '', 10)
  if (major > 0 && major < 23) return { kind: 'classic' }
  const why = `docker client ${client ?? '(unknown)'} has no buildx plugin`
  if (mode === 'true')
    throw new InputError(
      'buildkit',
      mode,
      `BuildKit is not available (${why}): install the buildx plugin, or use "auto" to fall back to docker export`,
    )
  return { kind: 'legacy', why }
}

function buildArgs(config: BuildConfig): { args: string[]; shown: string[] } {
  const args: string[] = []
  const shown: string[] = []
  const add = (flag: string, value?: string, show = value): void => {
    args.push(flag, ...(value === undefined ? [] : [value]))
    shown.push(flag, ...(show === undefined ? [] : [show]))
  }
  if (config.file) add('--file', config.file)
  if (config.target) add('--target', config.target)
  add('--platform', config.platform)
  for (const [key, value] of config.buildArgs) add('--build-arg', `${key}=${value}`, `${key}=***`)
  for (const label of config.labels) add('--label', label)
  if (config.noCache) add('--no-cache')
  if (config.pull) add('--pull')
  return { args, shown }
}

async function build(
  config: BuildConfig,
  log: Log,
  signal: AbortSignal,
  cache?: BuildCacheUse,
): Promise<OpenedSource> {
  await checkBuildContext(config)
  const builder = await detectBuilder(config.buildkit, signal)
  const { args, shown } = buildArgs(config)
  if (builder.kind === 'legacy') {
    if (cache) log.info('Build cache: not used: the legacy builder cannot use a BuildKit cache')
    log.info(`BuildKit not used (${builder.why}): building, then docker create + docker export`)
    return legacyBuild(config, args, shown, log, signal)
  }
  let cacheArgs: string[] = []
  let cacheKind: OpenedSource['cacheKind']
  if (cache && builder.kind === 'classic') {
    // The classic client cannot export a BuildKit cache, but BuildKit reads the inline cache of an image:
    // the previous run's, loaded from the restored cache.
    const loaded = await loadInlineCache(cache.dir, log, signal)
    if (loaded) cacheArgs = ['--cache-from', loaded]
    cacheKind = 'inline'
  } else if (cache) {
    const buildx = builder.kind === 'buildx' ? await probeBuildx(signal) : {}
    const use = buildKitCacheArgs(cache.dir, builder.kind, { ...buildx, exportCache: cache.exportCache })
    if (use.args) cacheArgs = use.args
    else log.info(`Build cache: not used: ${use.reason}`)
    if (use.args) cacheKind = 'local'
  }
  const prefix = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build']
  const env = builder.kind === 'classic' ? { DOCKER_BUILDKIT: '1' } : undefined
  const tail = [...cacheArgs, '--output', 'type=tar,dest=-', '--progress', 'plain', config.context]
  log.info(`docker ${[...prefix, ...shown, ...tail].join(' ')}`)
  const abort = new AbortController()
  const both = AbortSignal.any([signal, abort.signal])
  const { stdout, done } = runDocker([...prefix, ...args, ...tail], {
    log,
    signal: both,
    env,
    stdout: 'pipe',
  })
  return {
    stream: stdout!,
    exited: processExit(done, buildFailure(config)),
    method:
      builder.kind === 'buildx'
        ? 'docker buildx build, tar exporter'
        : 'docker build (BuildKit), tar exporter',
    input: 'context',
    value: config.context,
    cacheKind,
    cleanup: async () => {
      abort.abort()
      await done.catch(() => {})
    },
  }
}

async function checkBuildContext(config: BuildConfig): Promise<void> {
  // Remote contexts (git, https) are docker's to resolve.
  if (/^(https?:\/\/|git@|github\.com\/)/.test(config.context)) return
  const info = await stat(config.context).catch(() => undefined)
  if (!info?.isDirectory())
    throw new InputError('context', config.context, 'no such directory: expected the build context folder')
  const file = config.file ? resolve(config.file) : join(config.context, 'Dockerfile')
  const fileInfo = await stat(file).catch(() => undefined)
  if (!fileInfo?.isFile())
    throw new InputError(
      'file',
      config.file,
      `no Dockerfile at ${file}: expected the path of the Dockerfile (default: <context>/Dockerfile)`,
    )
}

async function legacyBuild(
  config: BuildConfig,
  args: string[],
  shown: string[],
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  const dir = await mkdtemp(join(tmpdir(), 'metal-image-'))
  const iidfile = join(dir, 'iid')
  const started = performance.now()
  try {
    // --force-rm: a failed step's container is removed too, not left behind on the runner.
    const own = ['--force-rm', '--iidfile', iidfile]
    log.info(`docker build ${[...shown, ...own, config.context].join(' ')}`)
    const { done } = runDocker(['build', ...args, ...own, config.context], {
      log,
      signal,
      env: { DOCKER_BUILDKIT: '0' },
    })
    const result = await done
    if (result.exitCode !== 0) throw buildFailure(config)(result)
    const image = (await readFile(iidfile, 'utf8')).trim()
    const source = await exportImage(image, config.platform, log, signal)
    return {
      ...source,
      method: `docker build (legacy builder), ${source.method}`,
      input: 'context',
      value: config.context,
      buildMs: performance.now() - started,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function exportImage(
  image: string,
  platform: string,
  log: Log,
  signal: AbortSignal,
): Promise<OpenedSource> {
  if ((await dockerQuery(['image', 'inspect', '--format', '{{.Id}}', image], signal)) === undefined) {
    log.info(`${image} is not present locally; pulling it for ${platform}`)
    const pulled = await runDocker(['pull', '--platform', platform, image], { log, signal }).done
    if (pulled.exitCode !== 0)
      throw new InputError(
        'image',
        image,
        `not found locally and could not be pulled: ${pulled.tail.at(-1) ?? 'docker pull failed'}`,
      )
  }
  // The container is never started: it only gives docker export a filesystem to read. The command
  // is a placeholder because images made by `docker import` have none and create would refuse them.
  log.info(`docker create --platform ${platform} ${image}, then export it`)
  const created = await execa(DOCKER, ['create', '--platform', platform, image, '/metal-image-export'], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
  })
  if (created.exitCode !== 0)
    throw new InputError('image', image, `docker create failed: ${lastLine(String(created.stderr))}`)
  const container = String(created.stdout).trim()
  const removeContainer = async (): Promise<void> => {
    await execa(DOCKER, ['rm', '--force', container], { reject: false, stdin: 'ignore' })
  }
  try {
    const socket = localEngineSocket()
    const viaApi = socket ? await engineExport(socket, container, image, log) : undefined
    if (viaApi) return { ...viaApi, cleanup: () => viaApi.cleanup().then(removeContainer) }
    const abort = new AbortController()
    const { stdout, done } = runDocker(['export', container], {
      log,
      signal: AbortSignal.any([signal, abort.signal]),
      stdout: 'pipe',
    })
    const failure = (f: Finished): Error =>
      new StageError(
        'export',
        `docker export of ${image} failed (exit code ${f.exitCode}): ${f.tail.join('\n')}`,
      )
    return {
      stream: stdout!,
      exited: processExit(done, failure),
      method: 'docker create + docker export',
      input: 'image',
      value: image,
      cleanup: async () => {
        abort.abort()
        await done.catch(() => {})
        await removeContainer()
      },
    }
  } catch (err) {
    await removeContainer()
    throw new StageError('export', `docker export of ${image} failed: ${errorMessage(err)}`)
  }
}

/**
 * docker export without the CLI: the daemon's export read straight from its socket. The CLI would only
 * copy the same bytes into a pipe, with about as much CPU as the compression's spare core has to give.
 * Undefined (use the CLI) when the socket cannot be reached; a daemon's refusal is an error.
 */
async function engineExport(
  socketPath: string,
  container: string,
  image: string,
  log: Log,
): Promise<OpenedSource | undefined> {
  let socket: Socket
  const pool = new ChunkPool()
  try {
    socket = await engineGet(socketPath, `/containers/${encodeURIComponent(container)}/export`, pool)
  } catch (err) {
    if (err instanceof EngineError && err.status !== undefined) throw err
    log.info(`${errorMessage(err)}; using docker export`)
    return undefined
  }
  const exited = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve)
    socket.once('close', () => resolve())
    socket.once('error', (err) =>
      reject(
        new StageError(
          'export',
          `docker export of ${image} failed: the Engine API connection broke (${errorMessage(err)})`,
        ),
      ),
    )
  })
  exited.catch(() => {})
  return {
    stream: socket,
    exited,
    method: 'docker create + export from the Engine API',
    input: 'image',
    value: image,
    cleanup: async () => void socket.destroy(),
    release: (chunk) => pool.release(chunk),
  }
}

// ---------------------------------------------------------------------------------------------
// The classic client's build cache: an image with BuildKit's inline cache, kept as a saved image

const INLINE_IMAGE = 'image.tar.gz'

/** Loads the image a restored cache holds; its name, or undefined when there is none. */
async function loadInlineCache(dir: string, log: Log, signal: AbortSignal): Promise<string | undefined> {
  const ref = (await readFile(join(dir, 'ref'), 'utf8').catch(() => '')).trim()
  if (!ref) return undefined
  const result = await execa(DOCKER, ['load', '-q', '-i', join(dir, INLINE_IMAGE)], {
    reject: false,
    cancelSignal: signal,
  })
  if (result.exitCode !== 0) {
    log.warning(
      `Build cache: the restored image could not be loaded, building without: ${String(result.stderr).trim()}`,
    )
    return undefined
  }
  log.info(`Build cache: loaded ${ref} (its inline cache is used with --cache-from)`)
  return ref
}

/**
 * After a classic BuildKit build: the same build once more, tagged and with BUILDKIT_INLINE_CACHE=1 (every
 * step comes from the engine's cache, so this takes a moment), saved gzip-compressed into `dir` for the
 * next run, and the tag removed again. The next run loads it and builds with --cache-from.
 */
export async function exportInlineCache(
  config: BuildConfig,
  ref: string,
  dir: string,
  signal: AbortSignal,
): Promise<void> {
  const { args } = buildArgs(config)
  const env = { DOCKER_BUILDKIT: '1' }
  const tagged = await execa(
    DOCKER,
    ['build', '-q', '-t', ref, '--build-arg', 'BUILDKIT_INLINE_CACHE=1', ...args, config.context],
    { env, reject: false, cancelSignal: signal },
  )
  if (tagged.exitCode !== 0)
    throw new StageError(
      'build',
      `tagging the build for its cache failed: ${String(tagged.stderr).trim().split('\n').slice(-3).join(' ')}`,
    )
  try {
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    // Compressed as it is written: the cache never holds the image's layers uncompressed on disk.
    await execa('sh', ['-c', 'docker save "$1" | gzip -1 > "$2"', 'sh', ref, join(dir, INLINE_IMAGE)], {
      cancelSignal: signal,
    })
    await writeFile(join(dir, 'ref'), `${ref}\n`)
  } finally {
    await execa(DOCKER, ['rmi', ref], { reject: false })
  }
}
