import { spawn } from 'node:child_process'
import { createHash, randomInt, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob'

/**
 * GitHub's artifact and cache services, for tests that run without GitHub.
 *
 * `@actions/artifact` and `@actions/cache` (v2 cache service) talk twirp JSON to GitHub's *results
 * service* (`POST {ACTIONS_RESULTS_URL}/twirp/github.actions.results.api.v1.<Service>/<Method>`), which hands
 * out signed URLs, and move the bytes to and from Azure Blob storage through those URLs.
 *
 * - The results service here is a STAND-IN written in this file: no real one can run outside GitHub. It
 *   serves what the two clients call (ArtifactService: CreateArtifact, FinalizeArtifact, ListArtifacts,
 *   GetSignedArtifactURL; CacheService: CreateCacheEntry, FinalizeCacheEntryUpload,
 *   GetCacheEntryDownloadURL) with the request and response shapes of the clients' generated code
 *   (snake_case fields, int64 as strings, wrapper types as bare values), checks the bearer token and the
 *   backend ids in it, and on finalize checks the blob's size and sha256 against what the client reports.
 *   Not modelled: cache scopes per branch, eviction, expiry, rate limits, DeleteArtifact.
 * - The blob storage is REAL: Azurite (Microsoft's Azure Storage emulator, a pinned devDependency), run as
 *   a child process. The stand-in signs SAS URLs with Azurite's well-known development account key, and
 *   Azurite checks those signatures and permissions as Azure does.
 */

export interface ResultsService {
  /**
   * What the runner gives a JavaScript action: ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN (an unsigned
   * JWT with the `Actions.Results:<runBackendId>:<jobBackendId>` scope), ACTIONS_CACHE_SERVICE_V2,
   * GITHUB_ACTIONS, GITHUB_SERVER_URL (github.com: the clients refuse GHES), GITHUB_REPOSITORY,
   * GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, RUNNER_TEMP and GITHUB_WORKSPACE (fresh folders). Set them with
   * `vi.stubEnv`: both clients read process.env on every call.
   */
  env: Record<string, string>
  /** the backend ids in the token */
  runBackendId: string
  jobBackendId: string
  /** Azurite's blob endpoint, `http://127.0.0.1:PORT/devstoreaccount1` */
  blobEndpoint: string
  /** every twirp call, in order */
  calls: TwirpCall[]
  /** finalized artifacts */
  artifacts(): ArtifactEntry[]
  /** finalized cache entries */
  cacheEntries(): CacheEntry[]
  /** what Azurite holds in the container the stand-in uses, by blob name */
  blobs(): Promise<BlobInfo[]>
  /** a blob's bytes, read from Azurite with the account key */
  download(name: string): Promise<Buffer>
  /** stops the stand-in and Azurite, and removes their files */
  close(): Promise<void>
}

export interface TwirpCall {
  service: 'ArtifactService' | 'CacheService' | string
  method: string
  request: Record<string, unknown>
  /** the HTTP status the stand-in answered with */
  status: number
}

export interface ArtifactEntry {
  id: number
  name: string
  blobName: string
  size: number
  /** `sha256:<hex>` as FinalizeArtifact reported it (checked against the blob) */
  digest: string | undefined
  mimeType: string | undefined
  /** RFC 3339, as CreateArtifact sent it */
  expiresAt: string | undefined
}

export interface CacheEntry {
  id: number
  key: string
  version: string
  blobName: string
  size: number
}

export interface BlobInfo {
  name: string
  size: number
  contentType: string | undefined
}

const HOST = '127.0.0.1'
/** Azurite's development account: https://learn.microsoft.com/azure/storage/common/storage-use-azurite */
const ACCOUNT = 'devstoreaccount1'
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
const CONTAINER = 'actions-results'
const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.'
/** > 2^31: ids go through JSON as int64 strings, and nothing may truncate them */
const FIRST_ARTIFACT_ID = 3_000_000_001
const FIRST_CACHE_ID = 5_000_000_001

/**
 * Starts Azurite and the stand-in. When Azurite cannot be started: throws under CI=true (CI must be able
 * to run these tests), otherwise warns and returns undefined, for `describe.skipIf(!service)`.
 */
export async function startResultsService(): Promise<ResultsService | undefined> {
  const root = mkdtempSync(join(tmpdir(), 'results-service-'))
  let azurite: Azurite
  try {
    azurite = await startAzurite(join(root, 'azurite'))
  } catch (err) {
    rmSync(root, { recursive: true, force: true })
    const message = `Azurite (the Azure Blob storage emulator) could not be started: ${String(err)}`
    if (process.env.CI === 'true') throw new Error(`CI=true but ${message}`, { cause: err })
    console.warn(`skipping: ${message}`)
    return undefined
  }
  // Anything failing from here on is a real failure, locally too.
  try {
    return await startStandIn(root, azurite)
  } catch (err) {
    await azurite.stop()
    rmSync(root, { recursive: true, force: true })
    throw err
  }
}

// --- Azurite ----------------------------------------------------------------------------------------------

interface Azurite {
  /** `http://127.0.0.1:PORT` */
  origin: string
  stop(): Promise<void>
}

/**
 * `azurite-blob` (the bin of the azurite package) as a child process on a free port, run by this Node.
 * It prints "Azurite Blob service successfully listens on http://127.0.0.1:PORT" when it is ready, with
 * the port the system picked for --blobPort 0. `--silent` turns off its access log only.
 */
function startAzurite(location: string): Promise<Azurite> {
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('azurite/package.json')
  const pkg = require(pkgPath) as { bin: Record<string, string> }
  const bin = pkg.bin['azurite-blob']
  if (!bin) return Promise.reject(new Error('the azurite package has no azurite-blob bin'))
  const args = [
    join(dirname(pkgPath), bin),
    ...['--blobHost', HOST, '--blobPort', '0', '--location', location],
    ...['--silent', '--skipApiVersionCheck', '--disableTelemetry'],
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  // If the test process ends without close(), Azurite must not outlive it.
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let output = ''
  const collect = (chunk: Buffer): void => {
    if (output.length < 64 * 1024) output += chunk.toString()
  }
  child.stderr.on('data', collect)

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  return new Promise<Azurite>((resolve, reject) => {
    let settled = false
    const fail = (why: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop().then(() => reject(new Error(`${why}\n${output.trim()}`.trim())))
    }
    const timer = setTimeout(() => fail('azurite-blob did not report listening within 30 s'), 30_000)
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`azurite-blob exited (${signal ?? code}) before listening`)
    child.once('error', (err) => fail(`azurite-blob could not be run: ${err.message}`))
    child.once('exit', onExit)
    child.stdout.on('data', (chunk: Buffer) => {
      collect(chunk)
      const match = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output)
      if (settled || !match?.[1]) return
      settled = true
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve({ origin: match[1], stop })
    })
  })
}

// --- the stand-in -----------------------------------------------------------------------------------------

/** A twirp error: https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes */
class TwirpError extends Error {
  readonly code: keyof typeof TWIRP_STATUS

  constructor(code: keyof typeof TWIRP_STATUS, message: string) {
    super(message)
    this.code = code
  }
}

const TWIRP_STATUS = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
  unimplemented: 501,
} as const

interface ArtifactRecord extends Omit<ArtifactEntry, 'id' | 'size' | 'digest'> {
  runBackendId: string
  jobBackendId: string
  createdAt: Date
  finalized?: { id: number; size: number; digest: string | undefined }
}

interface CacheRecord {
  key: string
  version: string
  blobName: string
  /** creation order: the newest of several prefix matches wins */
  seq: number
  finalized?: { id: number; size: number }
}

type Handler = (request: Record<string, unknown>) => Promise<Record<string, unknown>>

async function startStandIn(root: string, azurite: Azurite): Promise<ResultsService> {
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY)
  const blobEndpoint = `${azurite.origin}/${ACCOUNT}`
  const container = new BlobServiceClient(blobEndpoint, credential).getContainerClient(CONTAINER)
  await container.create()

  const runBackendId = randomUUID()
  const jobBackendId = randomUUID()
  const token = unsignedJwt({
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runBackendId}:${jobBackendId}`,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 6 * 3600,
  })

  const calls: TwirpCall[] = []
  const artifacts = new Map<string, ArtifactRecord>()
  const caches: CacheRecord[] = []
  let nextArtifactId = FIRST_ARTIFACT_ID
  let nextCacheId = FIRST_CACHE_ID
  let nextSeq = 0

  /** a URL to one blob, signed with the account key like the real service's (read, or create+write) */
  const signedUrl = (blobName: string, permissions: 'r' | 'cw'): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(Date.now() - 5 * 60_000),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      credential,
    )
    return `${container.getBlobClient(blobName).url}?${sas.toString()}`
  }

  /** size and sha256 of what is in Azurite, or undefined when nothing was uploaded */
  const blobFacts = async (blobName: string): Promise<{ size: number; sha256: string } | undefined> => {
    const blob = container.getBlobClient(blobName)
    if (!(await blob.exists())) return undefined
    const bytes = await blob.downloadToBuffer()
    return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
  }

  const checkRun = (req: Record<string, unknown>, job: boolean): void => {
    if (
      req.workflow_run_backend_id !== runBackendId ||
      (job && req.workflow_job_run_backend_id !== jobBackendId)
    )
      throw new TwirpError('permission_denied', 'the backend ids are not those of the token')
  }

  const artifactList = (): ArtifactRecord[] => [...artifacts.values()].filter((a) => a.finalized)

  const artifactService: Record<string, Handler> = {
    async CreateArtifact(req) {
      checkRun(req, true)
      const name = str(req, 'name')
      if (typeof req.version !== 'number' || req.version < 4)
        throw new TwirpError('invalid_argument', `unsupported artifact version ${String(req.version)}`)
      if (artifacts.get(name)?.finalized)
        throw new TwirpError('already_exists', `an artifact with the name ${name} already exists in this run`)
      const mimeType = typeof req.mime_type === 'string' ? req.mime_type : undefined
      const blobName = `artifacts/${runBackendId}/${name}${mimeType === 'application/zip' ? '.zip' : ''}`
      const expiresAt = typeof req.expires_at === 'string' ? req.expires_at : undefined
      if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt)))
        throw new TwirpError('invalid_argument', `expires_at is not a timestamp: ${expiresAt}`)
      artifacts.set(name, {
        runBackendId,
        jobBackendId,
        name,
        blobName,
        mimeType,
        expiresAt,
        createdAt: new Date(),
      })
      return { ok: true, signed_upload_url: signedUrl(blobName, 'cw') }
    },
    async FinalizeArtifact(req) {
      checkRun(req, true)
      const name = str(req, 'name')
      const artifact = artifacts.get(name)
      if (!artifact || artifact.finalized)
        throw new TwirpError('not_found', `no artifact ${name} is being created`)
      const size = int64(req, 'size')
      const digest = typeof req.hash === 'string' ? req.hash : undefined
      const facts = await blobFacts(artifact.blobName)
      if (!facts) throw new TwirpError('failed_precondition', `nothing was uploaded for the artifact ${name}`)
      if (facts.size !== size)
        throw new TwirpError('invalid_argument', `size ${size} but the blob has ${facts.size} bytes`)
      if (digest !== undefined && digest !== `sha256:${facts.sha256}`)
        throw new TwirpError('invalid_argument', `hash ${digest} but the blob is sha256:${facts.sha256}`)
      artifact.finalized = { id: nextArtifactId++, size, digest }
      return { ok: true, artifact_id: String(artifact.finalized.id) }
    },
    async ListArtifacts(req) {
      checkRun(req, false)
      const nameFilter = typeof req.name_filter === 'string' ? req.name_filter : undefined
      const idFilter = req.id_filter === undefined ? undefined : int64(req, 'id_filter')
      const list = artifactList().filter(
        (a) =>
          (nameFilter === undefined || a.name === nameFilter) &&
          (idFilter === undefined || a.finalized?.id === idFilter),
      )
      return {
        artifacts: list.map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.finalized?.id),
          name: a.name,
          size: String(a.finalized?.size),
          created_at: a.createdAt.toISOString(),
          ...(a.finalized?.digest === undefined ? {} : { digest: a.finalized.digest }),
        })),
      }
    },
    async GetSignedArtifactURL(req) {
      checkRun(req, false)
      const name = str(req, 'name')
      const artifact = artifacts.get(name)
      if (!artifact?.finalized) throw new TwirpError('not_found', `no artifact ${name} in this run`)
      return { signed_url: signedUrl(artifact.blobName, 'r') }
    },
  }

  const cacheService: Record<string, Handler> = {
    async CreateCacheEntry(req) {
      const key = str(req, 'key')
      const version = str(req, 'version')
      // Whether finalized or still being uploaded by another job, the real service refuses a second one;
      // the client reports "Unable to reserve cache with key ..., another job may be creating this cache."
      if (caches.some((c) => c.key === key && c.version === version))
        throw new TwirpError('already_exists', `cache entry ${key} (version ${version}) already exists`)
      const blobName = `caches/${version}/${key}`
      caches.push({ key, version, blobName, seq: nextSeq++ })
      return { ok: true, signed_upload_url: signedUrl(blobName, 'cw') }
    },
    async FinalizeCacheEntryUpload(req) {
      const key = str(req, 'key')
      const version = str(req, 'version')
      const entry = caches.find((c) => c.key === key && c.version === version && !c.finalized)
      if (!entry) throw new TwirpError('not_found', `no cache entry ${key} is being created`)
      const size = int64(req, 'size_bytes')
      const facts = await blobFacts(entry.blobName)
      if (!facts)
        throw new TwirpError('failed_precondition', `nothing was uploaded for the cache entry ${key}`)
      if (facts.size !== size)
        throw new TwirpError('invalid_argument', `size_bytes ${size} but the blob has ${facts.size} bytes`)
      entry.finalized = { id: nextCacheId++, size }
      return { ok: true, entry_id: String(entry.finalized.id) }
    },
    async GetCacheEntryDownloadURL(req) {
      const key = str(req, 'key')
      const version = str(req, 'version')
      const restoreKeys = Array.isArray(req.restore_keys) ? req.restore_keys.map(String) : []
      const usable = caches.filter((c) => c.finalized && c.version === version).sort((a, b) => b.seq - a.seq)
      // GitHub: an exact hit on the key, else for each restore key in order the newest entry whose key
      // starts with it.
      const hit =
        usable.find((c) => c.key === key) ??
        restoreKeys.map((prefix) => usable.find((c) => c.key.startsWith(prefix))).find((c) => c !== undefined)
      if (!hit) return { ok: false }
      return { ok: true, signed_download_url: signedUrl(hit.blobName, 'r'), matched_key: hit.key }
    },
  }

  const services: Record<string, Record<string, Handler>> = {
    ArtifactService: artifactService,
    CacheService: cacheService,
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0] ?? ''
    const [service = '', method = ''] = path.startsWith(TWIRP_PREFIX)
      ? path.slice(TWIRP_PREFIX.length).split('/')
      : []
    const body = await readBody(req)
    let request: Record<string, unknown> = {}
    let status = 200
    let answer: Record<string, unknown>
    try {
      const handler = services[service]?.[method]
      if (req.method !== 'POST' || !handler)
        throw new TwirpError('bad_route', `no route for ${req.method} ${path}`)
      if (req.headers.authorization !== `Bearer ${token}`)
        throw new TwirpError('unauthenticated', 'missing or wrong bearer token')
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        throw new TwirpError('bad_route', 'the stand-in speaks twirp JSON only')
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'))
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object')
        request = parsed as Record<string, unknown>
      } catch (err) {
        throw new TwirpError('malformed', `the body is not a JSON object: ${String(err)}`)
      }
      answer = await handler(request)
    } catch (err) {
      const twirp = err instanceof TwirpError ? err : new TwirpError('internal', String(err))
      status = TWIRP_STATUS[twirp.code]
      answer = { code: twirp.code, msg: twirp.message }
    }
    calls.push({ service, method, request, status })
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(answer))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  const runnerTemp = join(root, 'runner-temp')
  const workspace = join(root, 'workspace')
  mkdirSync(runnerTemp)
  mkdirSync(workspace)

  let closed = false
  return {
    env: {
      ACTIONS_RESULTS_URL: `http://${HOST}:${port}/`,
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_CACHE_SERVICE_V2: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'metal-stack/metal-images',
      GITHUB_RUN_ID: String(randomInt(10_000_000_000, 20_000_000_000)),
      GITHUB_RUN_ATTEMPT: '1',
      RUNNER_TEMP: runnerTemp,
      GITHUB_WORKSPACE: workspace,
    },
    runBackendId,
    jobBackendId,
    blobEndpoint,
    calls,
    artifacts: () =>
      artifactList().map((a) => ({
        id: a.finalized?.id ?? 0,
        name: a.name,
        blobName: a.blobName,
        size: a.finalized?.size ?? 0,
        digest: a.finalized?.digest,
        mimeType: a.mimeType,
        expiresAt: a.expiresAt,
      })),
    cacheEntries: () =>
      caches.flatMap((c) =>
        c.finalized
          ? [
              {
                id: c.finalized.id,
                key: c.key,
                version: c.version,
                blobName: c.blobName,
                size: c.finalized.size,
              },
            ]
          : [],
      ),
    blobs: () => listBlobs(container),
    download: (name) => container.getBlobClient(name).downloadToBuffer(),
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await azurite.stop()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

async function listBlobs(container: ContainerClient): Promise<BlobInfo[]> {
  const blobs: BlobInfo[] = []
  for await (const blob of container.listBlobsFlat())
    blobs.push({
      name: blob.name,
      size: blob.properties.contentLength ?? 0,
      contentType: blob.properties.contentType,
    })
  return blobs
}

function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function str(req: Record<string, unknown>, field: string): string {
  const value = req[field]
  if (typeof value !== 'string' || value === '')
    throw new TwirpError('invalid_argument', `${field} is required`)
  return value
}

/**
 * int64 fields travel as decimal strings (proto3 JSON; numbers are accepted too). The clients leave out
 * fields with default values (`emitDefaultValues: false`), so a missing one is 0.
 */
function int64(req: Record<string, unknown>, field: string): number {
  const value = req[field] ?? '0'
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new TwirpError('invalid_argument', `${field} is not an int64: ${JSON.stringify(value)}`)
  return n
}
