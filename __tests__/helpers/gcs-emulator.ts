import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The Cloud Storage emulator from firebase-tools (pinned devDependency), run inside the test process.
 *
 * Its CLI (`firebase emulators:start --only storage`) needs Java and downloads a jar. The jar is only the
 * Firebase *security rules* engine, and rules only guard the Firebase SDK endpoints (`/v0/...`). The GCS
 * JSON API endpoints (`/storage/v1`, `/upload/storage/v1`, `/download/storage/v1`, see
 * `lib/emulator/storage/apis/gcloud.js`) all go through the emulator's `adminStorageLayer`, whose
 * validator always allows: no Authorization header is checked and no rules are evaluated. So we build a
 * `StorageEmulator` (its constructor creates the storage layers and does not start anything), never call
 * its `start()` (which would start the Java rules runtime), and serve the express app from `createApp`
 * on our own `http.Server`.
 *
 * The project id must be a `demo-` id: with any other id, listing buckets on an empty emulator asks the
 * Firebase API (network) for the project's default bucket and writes the answer to firebase-tools'
 * configstore in $HOME.
 */

export interface GcsEmulator {
  /**
   * `http://127.0.0.1:PORT`: pass it as `apiEndpoint` to `new Storage()`, or set it as
   * STORAGE_EMULATOR_HOST before constructing the client (then no path normalization is needed)
   */
  endpoint: string
  host: string
  port: number
  /** the `demo-` project id the emulator was created with; use it as the client's projectId */
  projectId: string
  /** drops every object, bucket and open upload (what the emulator's `POST /internal/reset` does) */
  reset(): void
  /** closes the server (and its keep-alive connections) and removes the blob directory */
  stop(): Promise<void>
}

// --- the firebase-tools 15.34.2 internals used here (CommonJS, untyped) ---

interface StorageEmulatorArgs {
  projectId: string
  host?: string
  port?: number
  rules?: unknown
  auto_download?: boolean
}

interface StorageEmulatorInstance extends RegisteredEmulator {
  reset(): void
  getPersistenceTmpDir(): string
  readonly rulesManager: { stop(): Promise<void> }
}

type StorageEmulatorClass = new (args: StorageEmulatorArgs) => StorageEmulatorInstance

interface StorageIndexModule {
  StorageEmulator: StorageEmulatorClass
}

/** an express 4 application */
type ExpressApp = RequestListener & { set(setting: string, value: unknown): unknown }

interface StorageServerModule {
  createApp(defaultProjectId: string, emulator: StorageEmulatorInstance): Promise<ExpressApp>
}

/** what `EmulatorRegistry` needs of a registered emulator */
interface RegisteredEmulator {
  getName(): string
  getInfo(): { name: string; host: string; port: number }
}

interface RegistryModule {
  EmulatorRegistry: {
    get(name: string): RegisteredEmulator | undefined
    set(name: string, instance: RegisteredEmulator): void
    clear(name: string): void
  }
}

interface EmulatorLoggerModule {
  EmulatorLogger: { setVerbosity(verbosity: number): void }
  Verbosity: { SILENT: number }
}

interface Internals {
  StorageEmulator: StorageEmulatorClass
  createApp: StorageServerModule['createApp']
  registry: RegistryModule['EmulatorRegistry']
}

const PROJECT_ID = 'demo-test'
const HOST = '127.0.0.1'

let internals: Internals | undefined

/**
 * The emulator builds bucket and object `selfLink`/`mediaLink` URLs (and creating a bucket throws without
 * one: "Cannot determine host and port of storage") from the emulator registered under 'storage' in
 * firebase-tools' process-wide `EmulatorRegistry`. The registry holds one per name, so with several
 * emulators alive in one process the links of all of them point at the newest; objects and uploads are not
 * affected (clients build their own URLs from apiEndpoint, resumable `location` comes from the Host header).
 */
const live: StorageEmulatorInstance[] = []

function register(registry: Internals['registry']): void {
  const newest = live.at(-1)
  if (newest) registry.set(newest.getName(), newest)
  else registry.clear('storage')
}

/**
 * Loads only the storage emulator's modules (about 800 CommonJS files, ~0.3 s; no native addon such as
 * re2 is among them).
 */
function loadInternals(): Internals {
  if (internals) return internals
  const require = createRequire(import.meta.url)
  const base = 'firebase-tools/lib/emulator'
  const logger = require(`${base}/emulatorLogger.js`) as EmulatorLoggerModule
  // Emulator log lines go to firebase-tools' winston logger, whose only transport is a silent console;
  // SILENT also skips formatting them. Set STORAGE_EMULATOR_DEBUG=1 to have the emulator print every
  // request it gets (its own switch).
  logger.EmulatorLogger.setVerbosity(logger.Verbosity.SILENT)
  const { StorageEmulator } = require(`${base}/storage/index.js`) as StorageIndexModule
  const { createApp } = require(`${base}/storage/server.js`) as StorageServerModule
  const { EmulatorRegistry } = require(`${base}/registry.js`) as RegistryModule
  internals = { StorageEmulator, createApp, registry: EmulatorRegistry }
  return internals
}

export interface GcsEmulatorOptions {
  /**
   * `@google-cloud/storage` with `apiEndpoint` sends JSON API calls to `/storage/v1/...` (as real GCS
   * wants). The emulator serves some of them only without that prefix (firebase-tools' own client setup,
   * `STORAGE_EMULATOR_HOST`, leaves it out), so these answer 501 or 404 unless the prefix is stripped:
   * `file.copy()`/`rewrite` (POST .../rewriteTo|copyTo/...), `file.setMetadata()` (PATCH), ACL calls, and
   * `storage.getBuckets()`. Default true: strip it for exactly those requests (see `unprefix`). Object
   * semantics are the emulator's own either way; false shows the stock behaviour.
   */
  normalizePaths?: boolean
}

/**
 * The path the emulator's router knows for a request from `@google-cloud/storage`, or undefined to leave
 * it alone. Only object-level writes (PATCH, POST under `/o/`) and the bucket list are rewritten:
 * unprefixed `POST /b` would hit the emulator's form-upload route `POST /:bucketId` and create a bucket
 * named "b".
 */
function unprefix(method: string | undefined, url: string): string | undefined {
  const prefix = '/storage/v1'
  if (!url.startsWith(`${prefix}/b`)) return undefined
  const rest = url.slice(prefix.length)
  const path = rest.split('?')[0] ?? ''
  if (method === 'GET' && path === '/b') return rest
  if ((method === 'PATCH' || method === 'POST') && /^\/b\/[^/]+\/o\/[^/]/.test(path)) return rest
  return undefined
}

export async function startGcsEmulator(options: GcsEmulatorOptions = {}): Promise<GcsEmulator | undefined> {
  const normalizePaths = options.normalizePaths ?? true
  let loaded: Internals
  try {
    loaded = loadInternals()
  } catch (err) {
    const message = `the firebase-tools storage emulator cannot be loaded: ${String(err)}`
    if (process.env.CI === 'true') throw new Error(`CI=true but ${message}`, { cause: err })
    console.warn(`skipping: ${message}`)
    return undefined
  }
  // Anything failing from here on is a real failure, locally too.

  const root = mkdtempSync(join(tmpdir(), 'gcs-emulator-'))
  const blobDir = join(root, 'blobs')
  // The stock emulator keeps its blobs in the fixed `${os.tmpdir()}/firebase/storage/blobs` (shared by
  // every emulator on the machine, and `stop()` deletes it). The constructor asks this method for it.
  class TempDirStorageEmulator extends loaded.StorageEmulator {
    override getPersistenceTmpDir(): string {
      return blobDir
    }
  }

  const args: StorageEmulatorArgs = { projectId: PROJECT_ID, host: HOST, auto_download: false }
  let server: Server | undefined
  try {
    const emulator = new TempDirStorageEmulator(args)
    const app = await loaded.createApp(PROJECT_ID, emulator)
    // express prints the stack of every error that reaches its final handler (a 413 from the body parser,
    // a 500) to stderr unless its env is 'test'; the client still gets the status (and the stack in the
    // body: only env 'production' hides it).
    if (!process.env.STORAGE_EMULATOR_DEBUG) app.set('env', 'test')
    const srv = createServer((req, res) => {
      if (normalizePaths) {
        const url = unprefix(req.method, req.url ?? '')
        if (url !== undefined) req.url = url
      }
      app(req, res)
    })
    server = srv
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject)
      srv.listen(0, HOST, () => {
        srv.off('error', reject)
        resolve()
      })
    })
    const { port } = srv.address() as AddressInfo
    // getInfo() reads args.port: the registry uses it for selfLink/mediaLink and bucket links, and for a
    // resumable session's `location` when the request has no Host header.
    args.port = port
    live.push(emulator)
    register(loaded.registry)

    let stopped = false
    return {
      endpoint: `http://${HOST}:${port}`,
      host: HOST,
      port,
      projectId: PROJECT_ID,
      reset: () => emulator.reset(),
      async stop() {
        if (stopped) return
        stopped = true
        await new Promise<void>((resolve) => {
          srv.close(() => resolve())
          srv.closeAllConnections()
        })
        live.splice(live.indexOf(emulator), 1)
        register(loaded.registry)
        // The rules manager made a (never started) chokidar watcher in the constructor.
        await emulator.rulesManager.stop()
        rmSync(root, { recursive: true, force: true })
      },
    }
  } catch (err) {
    server?.close()
    rmSync(root, { recursive: true, force: true })
    throw new Error(`the firebase-tools storage emulator failed to start: ${String(err)}`, { cause: err })
  }
}
