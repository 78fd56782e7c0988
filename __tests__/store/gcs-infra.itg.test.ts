import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiError, Storage } from '@google-cloud/storage'
import { afterAll, describe, expect, test } from 'vitest'
import { startGcsEmulator } from '../helpers/gcs-emulator.ts'

/**
 * What the Cloud Storage emulator of firebase-tools 15.34.2 (run in-process by `startGcsEmulator`) does
 * with `@google-cloud/storage` 8, so that the upload code knows which of its behaviours a test can rely on.
 * Tests named "EMULATOR:" pin down where the emulator differs from real GCS: they assert the emulator's
 * behaviour, which is NOT what production will do.
 */

const emulator = await startGcsEmulator()

afterAll(async () => {
  await emulator?.stop()
})

const MiB = 1 << 20

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64')
}

/** `data` as a stream of 1 MiB pieces (a stream of unknown length, like a compressor's output) */
function piecewise(data: Buffer, piece = MiB): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece)
    })(),
  )
}

/** `size` zero bytes as a stream, without holding them */
function zeros(size: number): Readable {
  const piece = Buffer.alloc(MiB)
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= piece.length)
        yield piece.subarray(0, Math.min(left, piece.length))
    })(),
  )
}

async function apiErrorCode(promise: Promise<unknown>): Promise<number | string | undefined> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ApiError) return err.code
    if (err instanceof Error && 'code' in err) return err.code as number | string
    throw err
  }
  throw new Error('expected the call to fail')
}

describe.skipIf(!emulator)('GCS emulator (firebase-tools 15.34.2) with @google-cloud/storage 8', () => {
  const emu = emulator!
  const storage = new Storage({ apiEndpoint: emu.endpoint, projectId: emu.projectId })
  const bucket = storage.bucket('metal-images')

  describe('buckets', () => {
    test('EMULATOR: createBucket is 501; a bucket exists as soon as a request names it', async () => {
      expect(await apiErrorCode(storage.createBucket('made-by-create'))).toBe(501)
      const fresh = storage.bucket('first-use')
      await fresh.file('a.txt').save('a')
      expect((await fresh.file('a.txt').download())[0].toString()).toBe('a')
      // getBuckets lists it (with the helper's path normalization; see the "stock routes" test)
      const [buckets] = await storage.getBuckets()
      expect(buckets.map((b) => b.name)).toContain('first-use')
    })

    test('EMULATOR: bucket.exists() is always false and bucket.getMetadata() 404 (no bucket GET route)', async () => {
      const used = storage.bucket('used')
      await used.file('a.txt').save('a')
      expect(await used.exists()).toEqual([false])
      expect(await apiErrorCode(used.getMetadata())).toBe(404)
    })
  })

  describe('uploads', () => {
    test('resumable upload of a 48 MiB stream is ONE PUT; md5Hash, metadata and download match', async () => {
      const data = randomBytes(48 * MiB + 12_345)
      const file = bucket.file('images/ubuntu/24.04/img.tar.lz4')
      const ws = file.createWriteStream({
        resumable: true,
        validation: 'md5',
        metadata: {
          cacheControl: 'no-store',
          contentType: 'application/octet-stream',
          metadata: { custom: 'x' },
        },
      })
      const statuses: number[] = []
      ws.on('response', (res: { status: number }) => statuses.push(res.status))
      await pipeline(piecewise(data), ws)

      // the 'response' event fires for the data PUT(s) of the session, not for the POST that opens it
      expect(statuses).toEqual([200])
      expect(file.metadata.md5Hash).toBe(md5(data))

      const [meta] = await file.getMetadata()
      expect(meta).toMatchObject({
        name: 'images/ubuntu/24.04/img.tar.lz4',
        bucket: 'metal-images',
        size: String(data.length),
        md5Hash: md5(data),
        cacheControl: 'no-store',
        contentType: 'application/octet-stream',
        metadata: { custom: 'x' },
        metageneration: '1',
      })
      const [downloaded] = await file.download()
      expect(downloaded.equals(data)).toBe(true)
    })

    test('simple (multipart) upload with validation md5, from a buffer and from a stream', async () => {
      const data = randomBytes(3 * MiB + 7)
      const a = bucket.file('simple/buffer.bin')
      await a.save(data, { resumable: false, validation: 'md5', metadata: { cacheControl: 'no-store' } })
      const [metaA] = await a.getMetadata()
      expect(metaA.md5Hash).toBe(md5(data))
      expect(metaA.cacheControl).toBe('no-store')

      const b = bucket.file('simple/stream.bin')
      await pipeline(piecewise(data), b.createWriteStream({ resumable: false, validation: 'md5' }))
      expect(b.metadata.md5Hash).toBe(md5(data))
      expect((await b.download())[0].equals(data)).toBe(true)
    })

    test('EMULATOR: a chunked resumable upload (chunkSize) is finalized after its FIRST chunk', async () => {
      // Real GCS answers 308 (Resume Incomplete) to every chunk but the last. The emulator's PUT handler
      // appends the chunk and finalizes the upload on every PUT: the first chunk gets 200 and becomes the
      // whole object. What the client does next depends on how the stream is cut (it hung in our tries,
      // or failed with FILE_NO_UPLOAD): never use chunkSize against this emulator.
      const chunkSize = 8 * MiB
      const data = randomBytes(20 * MiB)
      const file = bucket.file('chunked.bin')
      const ws = file.createWriteStream({ resumable: true, chunkSize, validation: 'md5' })
      ws.on('error', () => {})
      const response = once(ws, 'response') as Promise<[{ status: number }]>
      const upload = pipeline(piecewise(data), ws).catch((err: unknown) => err)
      const [first] = await response
      expect(first.status).toBe(200)
      const [meta] = await file.getMetadata()
      expect(meta.size).toBe(String(chunkSize))
      expect(meta.md5Hash).toBe(md5(data.subarray(0, chunkSize)))
      ws.destroy()
      await upload
    })

    test('an open resumable upload shows nothing until the stream ends; a destroyed one never appears', async () => {
      // The single PUT streams while data is written; the emulator (like GCS) creates the object only when
      // the request body ends. (The emulator holds the body in memory until then.)
      const data = randomBytes(8 * MiB)
      const held = bucket.file('held/img.tar.lz4')
      const ws = held.createWriteStream({ resumable: true, validation: 'md5' })
      const finished = once(ws, 'finish')
      ws.write(data.subarray(0, 6 * MiB))
      await sleep(300)
      expect(await held.exists()).toEqual([false])
      ws.end(data.subarray(6 * MiB))
      await finished
      expect((await held.getMetadata())[0].md5Hash).toBe(md5(data))

      const abandoned = bucket.file('held/abandoned.bin')
      const ws2 = abandoned.createWriteStream({ resumable: true, validation: 'md5' })
      ws2.on('error', () => {})
      ws2.write(data)
      await sleep(300)
      ws2.destroy()
      await sleep(300)
      expect(await abandoned.exists()).toEqual([false])
    })

    test('EMULATOR: the resumable protocol answers 200 to a partial chunk, then 400', async () => {
      // the same thing without the client: `Content-Range: bytes 0-4/10` on real GCS gives 308 with
      // `Range: bytes=0-4`; the emulator stores a 5-byte object, then refuses the rest and status queries
      const open = await fetch(
        `${emu.endpoint}/upload/storage/v1/b/metal-images/o?uploadType=resumable&name=p`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      )
      expect(open.status).toBe(200)
      const session = open.headers.get('location')!
      expect(new URL(session).host).toBe(`${emu.host}:${emu.port}`)
      const first = await fetch(session, {
        method: 'PUT',
        headers: { 'content-range': 'bytes 0-4/10' },
        body: 'hello',
      })
      expect(first.status).toBe(200)
      expect(((await first.json()) as { size: string }).size).toBe('5')
      const second = await fetch(session, {
        method: 'PUT',
        headers: { 'content-range': 'bytes 5-9/10' },
        body: 'world',
      })
      expect(second.status).toBe(400)
      const query = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */10' } })
      expect(query.status).toBe(400)
    })

    test('EMULATOR: simple uploads over 130 MiB get 413; a streamed resumable upload has no such limit', async () => {
      // The emulator parses simple (multipart/related) bodies with body-parser, limit '130mb' = 130 MiB.
      // Real GCS takes simple uploads up to 5 TiB (it recommends resumable above ~5 MB). The resumable PUT
      // route has the same 130 MiB parser, but only for bodies with a Content-Type: the client sends its
      // data PUT without one, so the emulator reads it in full with no limit (and holds it in memory).
      const over = 130 * MiB + 1
      const simple = pipeline(
        zeros(over),
        bucket.file('big/simple.bin').createWriteStream({ resumable: false }),
      )
      expect(await apiErrorCode(simple)).toBe(413)
      expect(await bucket.file('big/simple.bin').exists()).toEqual([false])

      const resumable = bucket.file('big/resumable.bin')
      await pipeline(zeros(over), resumable.createWriteStream({ resumable: true, validation: 'md5' }))
      expect(resumable.metadata.size).toBe(over) // the client's upload result carries size as a number
      const [meta] = await resumable.getMetadata()
      expect(meta.size).toBe(String(over))
      await resumable.delete()
    })
  })

  describe('objects', () => {
    test('getFiles with prefix and delimiter; pages of maxResults', async () => {
      const names = [
        'list/debian/12/img.tar.lz4',
        'list/debian/12/img.tar.lz4.md5',
        'list/ubuntu/22.04/img.tar.lz4',
        'list/ubuntu/24.04/img.tar.lz4',
        'list/ubuntu/24.04/packages.txt',
        'list/top.txt',
      ]
      await Promise.all(names.map((n) => bucket.file(n).save(n, { resumable: false })))

      const [files, , response] = await bucket.getFiles({
        prefix: 'list/',
        delimiter: '/',
        autoPaginate: false,
      })
      expect(files.map((f) => f.name)).toEqual(['list/top.txt'])
      expect((response as { prefixes?: string[] }).prefixes).toEqual(['list/debian/', 'list/ubuntu/'])

      const [deep] = await bucket.getFiles({ prefix: 'list/ubuntu/24.04/' })
      expect(deep.map((f) => f.name)).toEqual([
        'list/ubuntu/24.04/img.tar.lz4',
        'list/ubuntu/24.04/packages.txt',
      ])

      const [page1, next] = await bucket.getFiles({ prefix: 'list/', maxResults: 4, autoPaginate: false })
      expect(page1).toHaveLength(4)
      expect(next).toBeTruthy()
      const [page2] = await bucket.getFiles({ ...next!, autoPaginate: false })
      expect([...page1, ...page2].map((f) => f.name)).toEqual([...names].sort())
    })

    test('EMULATOR: object names are keyed through path.join: "a//b" and "a/./b" are the same object as "a/b"', async () => {
      await bucket.file('norm/a//b').save('1', { resumable: false })
      await bucket.file('norm/a/./b').save('2', { resumable: false })
      expect((await bucket.file('norm/a/b').download())[0].toString()).toBe('2')
      const [files] = await bucket.getFiles({ prefix: 'norm/' })
      expect(files.map((f) => f.name)).toEqual(['norm/a/./b'])
    })

    test('file.copy() to another name copies bytes and metadata; the copy has its own generation', async () => {
      // works only through the helper's path normalization (see "stock routes" below)
      const data = randomBytes(MiB + 3)
      const src = bucket.file('copy/src.bin')
      await src.save(data, {
        resumable: false,
        metadata: { cacheControl: 'no-store', contentType: 'application/x-lz4', metadata: { custom: 'x' } },
      })
      await sleep(2) // generations are Date.now(): see the getMetadata test
      const [copy] = await src.copy('copy/dst.bin')
      const [srcMeta] = await src.getMetadata()
      const [meta] = await copy.getMetadata()
      expect(meta).toMatchObject({
        name: 'copy/dst.bin',
        size: String(data.length),
        md5Hash: md5(data),
        crc32c: srcMeta.crc32c,
        cacheControl: 'no-store',
        contentType: 'application/x-lz4',
        metadata: { custom: 'x' },
      })
      expect(meta.generation).not.toBe(srcMeta.generation)
      expect((await copy.download())[0].equals(data)).toBe(true)

      // fields given with the copy replace the source's, the others are kept; another bucket is fine
      const [other] = await src.copy(storage.bucket('other-bucket').file('dst.bin'), {
        cacheControl: 'public, max-age=60',
        metadata: { custom: 'y' },
      })
      const [otherMeta] = await other.getMetadata()
      expect(otherMeta).toMatchObject({
        bucket: 'other-bucket',
        cacheControl: 'public, max-age=60',
        contentType: 'application/x-lz4',
        metadata: { custom: 'y' },
      })
    })

    test('getMetadata: size as a string, md5Hash, crc32c, cacheControl, generation', async () => {
      const file = bucket.file('meta/a.txt')
      await file.save('hello', { resumable: false, metadata: { cacheControl: 'public, max-age=60' } })
      const [meta] = await file.getMetadata()
      expect(meta.size).toBe('5')
      expect(meta.md5Hash).toBe(md5(Buffer.from('hello')))
      expect(meta.crc32c).toBe('mnG7TA==')
      expect(meta.cacheControl).toBe('public, max-age=60')
      expect(meta.contentType).toBe('text/plain') // detected from the name by the client
      // EMULATOR: generation is Date.now() in ms (13 digits; real GCS uses microseconds, 16 digits), so two
      // writes of one name within a millisecond get the same generation.
      expect(meta.generation).toMatch(/^\d{13}$/)
      expect(meta.metageneration).toBe('1')
      expect(meta.etag).toBeTruthy()
      await sleep(2)
      await file.save('hello again', { resumable: false })
      const [again] = await file.getMetadata()
      expect(Number(again.generation)).toBeGreaterThan(Number(meta.generation))
    })

    test('file.setMetadata() updates cacheControl and bumps metageneration', async () => {
      // works only through the helper's path normalization (see "stock routes" below)
      const file = bucket.file('meta/patch.txt')
      await file.save('x', { resumable: false, metadata: { cacheControl: 'no-store' } })
      const [patched] = await file.setMetadata({ cacheControl: 'public, max-age=3600', metadata: { k: 'v' } })
      expect(patched).toMatchObject({
        cacheControl: 'public, max-age=3600',
        metadata: { k: 'v' },
        metageneration: '2',
      })
    })

    test('file.delete(); deleting a missing object is 404 (ignoreNotFound skips it)', async () => {
      const file = bucket.file('del/a.txt')
      await file.save('a', { resumable: false })
      expect(await file.exists()).toEqual([true])
      await file.delete()
      expect(await file.exists()).toEqual([false])
      expect(await apiErrorCode(file.delete())).toBe(404)
      await file.delete({ ignoreNotFound: true })
      expect(await apiErrorCode(file.download())).toBe(404)
    })
  })

  describe('preconditions', () => {
    test('EMULATOR: ifGenerationMatch is ignored everywhere (real GCS: 412 Precondition Failed)', async () => {
      const file = bucket.file('pre/a.txt')
      await file.save('one', { resumable: false })

      // "create only if absent" overwrites an existing object, simple and resumable
      await file.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } })
      expect((await file.download())[0].toString()).toBe('two')
      await file.save('three', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } })
      expect((await file.download())[0].toString()).toBe('three')

      // a wrong generation on delete deletes
      await file.delete({ ifGenerationMatch: 1 })
      expect(await file.exists()).toEqual([false])
    })
  })

  describe('integrity', () => {
    test('EMULATOR: the server checks no hash: a wrong md5Hash in the metadata or in X-Goog-Hash is accepted', async () => {
      // Real GCS rejects an upload whose bytes do not match a given md5Hash/crc32c (400) or X-Goog-Hash.
      // The emulator ignores both and reports the hash of the bytes it got.
      const wrong = md5(Buffer.from('something else'))
      const file = bucket.file('integrity/meta.txt')
      await file.save('hello', { resumable: false, validation: false, metadata: { md5Hash: wrong } })
      expect((await file.getMetadata())[0].md5Hash).toBe(md5(Buffer.from('hello')))

      const open = await fetch(
        `${emu.endpoint}/upload/storage/v1/b/metal-images/o?uploadType=resumable&name=h`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      )
      const put = await fetch(open.headers.get('location')!, {
        method: 'PUT',
        headers: { 'content-range': 'bytes 0-4/5', 'x-goog-hash': `md5=${wrong}` },
        body: 'hello',
      })
      expect(put.status).toBe(200)
      expect(((await put.json()) as { md5Hash: string }).md5Hash).toBe(md5(Buffer.from('hello')))
    })

    test("validation: 'md5' is a client-side check after the upload: corrupted bytes -> FILE_NO_UPLOAD, object deleted", async () => {
      // @google-cloud/storage's createWriteStream hashes what it sends and compares that with the md5Hash
      // in the server's answer; on a mismatch it deletes the object and fails with FILE_NO_UPLOAD. (It
      // sends no X-Goog-Hash on this path, so real GCS does not check either: the corrupt object exists
      // until the client deletes it.) A proxy that flips one byte of every PUT body shows this against the
      // emulator, which stores whatever arrives.
      const proxy = await corruptingProxy(emu.port)
      try {
        const client = new Storage({ apiEndpoint: proxy.endpoint, projectId: emu.projectId })
        const file = client.bucket('metal-images').file('integrity/corrupt.bin')
        const data = randomBytes(2 * MiB)
        const ws = file.createWriteStream({ resumable: true, validation: 'md5' })
        expect(await apiErrorCode(pipeline(piecewise(data), ws))).toBe('FILE_NO_UPLOAD')
        expect(proxy.corrupted()).toBe(1)
        expect(await bucket.file('integrity/corrupt.bin').exists()).toEqual([false])
      } finally {
        await proxy.stop()
      }
    })
  })

  test('with STORAGE_EMULATOR_HOST instead of apiEndpoint every call used here works on the stock routes', async () => {
    // src/store/gcs.ts points its client at an emulator with STORAGE_EMULATOR_HOST. The client then uses
    // the variable as its base URL (no `/storage/v1`), which is what the emulator's routes expect, so the
    // path normalization is not needed. The client reads the variable in its constructor.
    const stock = (await startGcsEmulator({ normalizePaths: false }))!
    const saved = process.env.STORAGE_EMULATOR_HOST
    process.env.STORAGE_EMULATOR_HOST = stock.endpoint
    let client: Storage
    try {
      client = new Storage({ projectId: stock.projectId })
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST
      else process.env.STORAGE_EMULATOR_HOST = saved
    }
    try {
      const data = randomBytes(2 * MiB + 1)
      const file = client.bucket('env-bucket').file('d/img.tar.lz4')
      await pipeline(
        piecewise(data),
        file.createWriteStream({
          resumable: true,
          validation: 'md5',
          metadata: { cacheControl: 'no-store' },
        }),
      )
      await client
        .bucket('env-bucket')
        .file('d/img.tar.lz4.md5')
        .save('x', { resumable: false, validation: 'md5' })
      const [copy] = await file.copy('d/copy.lz4')
      expect((await copy.getMetadata())[0]).toMatchObject({ md5Hash: md5(data), cacheControl: 'no-store' })
      expect((await file.setMetadata({ cacheControl: 'public' }))[0].cacheControl).toBe('public')
      const [files] = await client.bucket('env-bucket').getFiles({ prefix: 'd/' })
      expect(files.map((f) => f.name)).toEqual(['d/copy.lz4', 'd/img.tar.lz4', 'd/img.tar.lz4.md5'])
      expect((await copy.download())[0].equals(data)).toBe(true)
      await copy.delete()
      expect(await copy.exists()).toEqual([false])
      expect((await client.getBuckets())[0].map((b) => b.name)).toEqual(['env-bucket'])
      // EMULATOR: createBucket (POST /b) lands on the emulator's form-upload route `POST /:bucketId`:
      // 400, and it creates a bucket literally named "b".
      expect(await apiErrorCode(client.createBucket('new-bucket'))).toBe(400)
      expect((await client.getBuckets())[0].map((b) => b.name)).toEqual(['env-bucket', 'b'])
    } finally {
      await stock.stop()
    }
  })

  test('EMULATOR: stock routes: without the helper’s path normalization copy/setMetadata are 501', async () => {
    // @google-cloud/storage puts `/storage/v1` before JSON API paths; the emulator serves PATCH, copy/rewrite,
    // ACLs and the bucket list only without it (its CLI sets STORAGE_EMULATOR_HOST, which leaves it out).
    const stock = (await startGcsEmulator({ normalizePaths: false }))!
    try {
      const client = new Storage({ apiEndpoint: stock.endpoint, projectId: stock.projectId })
      const file = client.bucket('stock-bucket').file('x.txt')
      await file.save('x', { resumable: false })
      expect(await apiErrorCode(file.copy('y.txt'))).toBe(501)
      expect(await apiErrorCode(file.setMetadata({ cacheControl: 'no-store' }))).toBe(501)
      expect(await apiErrorCode(client.getBuckets())).toBe(404)
      // reset() empties it
      stock.reset()
      expect(await file.exists()).toEqual([false])
    } finally {
      await stock.stop()
    }
  })
})

/** forwards to the emulator on `port`, XOR-ing the first byte of every PUT body */
async function corruptingProxy(port: number): Promise<{
  endpoint: string
  corrupted(): number
  stop(): Promise<void>
}> {
  let corrupted = 0
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', (err) => res.destroy(err))
    let first = req.method === 'PUT'
    const flip = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (first && chunk.length > 0) {
          first = false
          corrupted++
          chunk = Buffer.from(chunk)
          chunk[0] = chunk[0]! ^ 0xff
        }
        done(null, chunk)
      },
    })
    req.pipe(flip).pipe(upstream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port: proxyPort } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    corrupted: () => corrupted,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
