import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join, relative } from 'node:path'
import { DefaultArtifactClient } from '@actions/artifact'
import * as cache from '@actions/cache'
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { StageError } from '../../src/util/errors.ts'
import type { Log } from '../../src/util/log.ts'
import { requireTool, run } from '../helpers/env.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { uploadImageArtifact, type ImageArtifact } from '../../src/github/artifact.ts'
import { githubContext } from '../../src/github/context.ts'
import { startResultsService } from '../helpers/results-service.ts'

/**
 * The workflow artifact and the build cache against real Azure Blob storage (Azurite) and a stand-in for
 * GitHub's results service (see helpers/results-service.ts for what the stand-in does and does not do).
 */

/** The artifact upload as the action makes it: the run's variables read from the environment at the call. */
const uploadWithEnv = (artifact: Omit<ImageArtifact, 'github'>) =>
  uploadImageArtifact({ ...artifact, github: githubContext() })

const service = await startResultsService()
const tmp = mkdtempSync(join(tmpdir(), 'artifact-test-'))
const quiet: Log = { info() {}, warning() {}, debug() {}, group: (_name, fn) => fn() }

afterAll(async () => {
  vi.unstubAllEnvs()
  await service?.close()
  rmSync(tmp, { recursive: true, force: true })
})

// --- against Azurite and the stand-in ----------------------------------------------------------------------

interface ZipEntry {
  name: string
  method: number
  localMethod: number
  compressedSize: number
  size: number
}

/** The entries of a zip, from its central directory (and each entry's local header). No zip64. */
function zipEntries(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0) throw new Error('no end of central directory record')
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory header at ${at}`)
    const nameLength = zip.readUInt16LE(at + 28)
    const local = zip.readUInt32LE(at + 42)
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`no local header at ${local}`)
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      localMethod: zip.readUInt16LE(local + 8),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
    })
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
  }
  return entries
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** Every entry under `dir`: relative path, type, mode and content hash or link target. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const path = join(e.parentPath, e.name)
      const rel = relative(dir, path)
      if (e.isSymbolicLink()) return `${rel} -> ${readlinkSync(path)}`
      const mode = (statSync(path).mode & 0o777).toString(8)
      if (e.isDirectory()) return `${rel}/ ${mode}`
      return `${rel} ${mode} ${sha256(readFileSync(path))}`
    })
    .sort()
}

const tools = requireTool('lz4', 'apt-get install lz4') && requireTool('unzip', 'apt-get install unzip')

describe.skipIf(!service || !tools)('against Azurite and the results service stand-in', () => {
  const s = service!
  const IMAGE_ID = 'debian-12.0.20250101'
  const out = join(tmp, 'out')
  const files = ['img.tar.lz4', 'img.tar.lz4.md5', 'packages.txt'].map((name) => join(out, name))
  const contents = new Map<string, Buffer>()
  const lines: string[] = []
  const log: Log = { ...quiet, info: (line) => lines.push(line) }

  // @actions/core writes the clients' log (and the ::debug:: lines the runner hides) straight to stdout:
  // kept, and shown only for a failing test.
  let clientOutput: string[] = []
  beforeEach(({ onTestFailed }) => {
    clientOutput = []
    onTestFailed(() => console.log(`output of @actions/*:\n${clientOutput.join('')}`))
  })

  beforeAll(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      clientOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
      return true
    })
    for (const [key, value] of Object.entries(s.env)) vi.stubEnv(key, value)
    mkdirSync(out, { recursive: true })
    // a real LZ4 frame of incompressible bytes, as the image is: deflate would gain nothing on it
    const raw = join(tmp, 'img.tar')
    writeFileSync(raw, randomBytes(2 * 1024 * 1024 + 12_345))
    run('lz4', ['-q', '-f', raw, files[0]!])
    const lz4 = readFileSync(files[0]!)
    writeFileSync(files[1]!, `${createHash('md5').update(lz4).digest('hex')}  img.tar.lz4\n`)
    writeFileSync(files[2]!, 'adduser 3.134\napt 2.6.1\nbase-files 12.4+deb12u5\nsystemd 252.22-1~deb12u1\n')
    for (const file of files) contents.set(relative(out, file), readFileSync(file))
  })

  afterAll(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  test('the artifact lands in the blob storage with the right bytes, the .lz4 stored, not deflated', async () => {
    const result = await uploadWithEnv({
      name: IMAGE_ID,
      files,
      rootDirectory: out,
      retentionDays: 3,
      log,
    })

    const [artifact] = s.artifacts()
    expect(artifact).toBeDefined()
    expect(result.id).toBe(artifact!.id)
    expect(result.id).toBeGreaterThan(2 ** 31)
    expect(result.url).toBe(
      `https://github.com/metal-stack/metal-images/actions/runs/${s.env.GITHUB_RUN_ID}/artifacts/${result.id}`,
    )
    expect(lines.some((line) => line.includes(IMAGE_ID) && line.includes(result.url))).toBe(true)

    const blobName = `artifacts/${s.runBackendId}/${IMAGE_ID}.zip`
    expect(await s.blobs()).toEqual([{ name: blobName, size: result.size, contentType: 'application/zip' }])
    const zip = await s.download(blobName)
    expect(zip.length).toBe(result.size)
    expect(result.digest).toBe(sha256(zip))

    // what the client told the service matches what is in the storage (the stand-in checked it too)
    const finalize = s.calls.find((c) => c.method === 'FinalizeArtifact')
    expect(finalize?.request).toMatchObject({ size: String(zip.length), hash: `sha256:${sha256(zip)}` })
    const create = s.calls.find((c) => c.method === 'CreateArtifact')
    const expiresIn = Date.parse(String(create?.request.expires_at)) - Date.now()
    expect(Math.abs(expiresIn - 3 * 86_400_000)).toBeLessThan(2 * 3_600_000)

    // the bytes, through the unzip CLI
    const zipFile = join(tmp, 'artifact.zip')
    writeFileSync(zipFile, zip)
    run('unzip', ['-tq', zipFile])
    for (const [name, bytes] of contents) expect(run('unzip', ['-p', zipFile, name]).equals(bytes)).toBe(true)

    // the entries: at the zip's top level, and the .lz4 STORED (method 0), as big as the file
    const entries = zipEntries(zip)
    expect(entries.map((e) => e.name).sort()).toEqual([...contents.keys()].sort())
    const lz4 = entries.find((e) => e.name === 'img.tar.lz4')!
    expect(lz4).toMatchObject({ method: 0, localMethod: 0, size: contents.get('img.tar.lz4')!.length })
    expect(lz4.compressedSize).toBe(lz4.size)
  })

  test('a reviewer finds it by name and downloads it, as actions/download-artifact does', async () => {
    const client = new DefaultArtifactClient()
    const { artifact } = await client.getArtifact(IMAGE_ID)
    const [stored] = s.artifacts()
    expect(artifact).toMatchObject({
      name: IMAGE_ID,
      id: stored!.id,
      size: stored!.size,
      digest: stored!.digest,
    })

    const into = join(tmp, 'downloaded')
    const { digestMismatch } = await client.downloadArtifact(artifact.id, {
      path: into,
      expectedHash: artifact.digest,
    })
    expect(digestMismatch).toBe(false)
    for (const [name, bytes] of contents) expect(readFileSync(join(into, name)).equals(bytes)).toBe(true)
  })

  test('a second artifact of the same name in the run is refused with a message naming it', async () => {
    const upload = uploadWithEnv({ name: IMAGE_ID, files, rootDirectory: out, log })
    await expect(upload).rejects.toThrow(StageError)
    await expect(upload).rejects.toThrow(/workflow artifact debian-12\.0\.20250101 failed: .*already exists/)
    expect(s.artifacts()).toHaveLength(1)
  })

  test('@actions/cache: saved in one job, restored in the next through a restore-key prefix', async () => {
    // The cache feature keeps BuildKit's local cache in a fixed absolute folder (the cache version
    // hashes the paths, so both jobs name it the same). The next job starts without it.
    const dir = join(tmp, 'buildkit-cache')
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
    mkdirSync(join(dir, 'ingest'))
    const layer = randomBytes(300_000)
    writeFileSync(join(dir, 'blobs', 'sha256', sha256(layer)), layer)
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [] }))
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 })
    symlinkSync('index.json', join(dir, 'latest.json'))
    const paths = [dir]
    const prefix = 'metal-image-buildkit-linux/amd64-'
    const key = `${prefix}${'1'.repeat(64)}`

    expect(cache.isFeatureAvailable()).toBe(true)
    const id = await cache.saveCache(paths, key)
    expect(id).toBeGreaterThan(2 ** 31)
    const [entry] = s.cacheEntries()
    expect(entry).toMatchObject({ id, key })
    expect((await s.blobs()).map((b) => b.name)).toContain(entry!.blobName)
    // the same key again: the service refuses, the client says so and returns -1
    expect(await cache.saveCache(paths, key)).toBe(-1)

    // the next job: no folder yet
    const saved = join(tmp, 'buildkit-cache.saved')
    renameSync(dir, saved)
    expect(
      await cache.restoreCache(paths, 'metal-image-buildkit-other', ['metal-image-buildkit-other-']),
    ).toBe(undefined)
    expect(existsSync(dir)).toBe(false)
    const matched = await cache.restoreCache(paths, `${prefix}${'2'.repeat(64)}`, [prefix])
    expect(matched).toBe(key)
    expect(tree(dir)).toEqual(tree(saved))
    // and an exact hit
    rmSync(dir, { recursive: true })
    expect(await cache.restoreCache(paths, key)).toBe(key)
    expect(tree(dir)).toEqual(tree(saved))
  })

  test('Azurite checks the signatures: a URL with a tampered SAS is refused', async () => {
    const { BlobClient } = await import('@azure/storage-blob')
    // a fresh read URL from the stand-in works, the same URL with a changed signature does not
    const response = await fetch(
      new URL(
        '/twirp/github.actions.results.api.v1.ArtifactService/GetSignedArtifactURL',
        s.env.ACTIONS_RESULTS_URL,
      ),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${s.env.ACTIONS_RUNTIME_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          workflow_run_backend_id: s.runBackendId,
          workflow_job_run_backend_id: s.jobBackendId,
          name: IMAGE_ID,
        }),
      },
    )
    const { signed_url: url } = (await response.json()) as { signed_url: string }
    expect((await new BlobClient(url).getProperties()).contentLength).toBe(s.artifacts()[0]!.size)
    const tampered = new URL(url)
    const sig = tampered.searchParams.get('sig')!
    tampered.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`)
    await expect(new BlobClient(tampered.href).getProperties()).rejects.toMatchObject({ statusCode: 403 })
  })
})
