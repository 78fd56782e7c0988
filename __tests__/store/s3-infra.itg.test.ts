// The S3 test infrastructure itself, against the real server: OpenStack Swift's S3 API (scripts/swift.sh)
// and the fault-injecting proxy (helpers/fault-proxy.ts). What is asserted here is what Swift does, so
// that tests of the upload code can rely on it (and know where it differs from AWS).
import { createHash, randomBytes } from 'node:crypto'
import { Agent, createServer, request } from 'node:http'
import { Readable } from 'node:stream'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts'
import { freshBucket, removeBucket, s3Client, s3Server, type S3Server } from '../helpers/swift.ts'

const server = await s3Server()
const MiB = 1024 * 1024

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest()
const md5hex = (data: Buffer | string) => md5(data).toString('hex')
const md5b64 = (data: Buffer | string) => md5(data).toString('base64')

/** The error a rejected promise gave, with the SDK's fields. */
async function failure(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected the request to fail')
}

const status = (e: Record<string, unknown>) =>
  (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode

async function download(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ md5: string; bytes: number }> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  const hash = createHash('md5')
  let bytes = 0
  for await (const chunk of res.Body as Readable) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { md5: hash.digest('hex'), bytes }
}

/**
 * `total` random bytes in chunks of an odd size (so they do not line up with parts), recording the md5
 * of the whole and of each `partSize` slice: what an AWS-style multipart ETag is made of.
 */
function randomSource(total: number, partSize: number) {
  const whole = createHash('md5')
  const parts: Buffer[] = []
  let part = createHash('md5')
  let inPart = 0
  async function* generate() {
    for (let sent = 0; sent < total;) {
      const chunk = randomBytes(Math.min(1_000_003, total - sent))
      sent += chunk.length
      whole.update(chunk)
      for (let at = 0; at < chunk.length;) {
        const take = Math.min(partSize - inPart, chunk.length - at)
        part.update(chunk.subarray(at, at + take))
        at += take
        inPart += take
        if (inPart === partSize || (sent === total && at === chunk.length)) {
          parts.push(part.digest())
          part = createHash('md5')
          inPart = 0
        }
      }
      yield chunk
    }
  }
  return {
    generate,
    md5: () => whole.digest('hex'),
    /** md5 of the concatenated part md5s, "-", the number of parts (as AWS computes it). */
    multipartEtag: () => `"${md5hex(Buffer.concat(parts))}-${parts.length}"`,
  }
}

describe.skipIf(!server)("Swift's S3 API", () => {
  const s3 = server as S3Server
  let client: S3Client
  let bucket: string

  beforeAll(async () => {
    client = s3Client(s3)
    bucket = await freshBucket(client, 's3-infra')
  })
  afterAll(async () => {
    await removeBucket(client, bucket)
    client.destroy()
  })

  test('put and get an object with Content-MD5; the ETag is the md5', async () => {
    const body = randomBytes(100_000)
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'md5/ok', Body: body, ContentMD5: md5b64(body) }),
    )
    expect(put.ETag).toBe(`"${md5hex(body)}"`)
    expect(await download(client, bucket, 'md5/ok')).toEqual({ md5: md5hex(body), bytes: body.length })
  })

  test('a wrong Content-MD5 is rejected with BadDigest and stores nothing; a malformed one InvalidDigest', async () => {
    const wrong = await failure(
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'md5/bad', Body: 'hello', ContentMD5: md5b64('other') }),
      ),
    )
    expect([wrong.name, status(wrong)]).toEqual(['BadDigest', 400])
    const gone = await failure(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'md5/bad' })))
    expect([gone.name, status(gone)]).toEqual(['NotFound', 404])

    const malformed = await failure(
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'md5/bad', Body: 'hello', ContentMD5: 'nope' }),
      ),
    )
    expect([malformed.name, status(malformed)]).toEqual(['InvalidDigest', 400])
  })

  test('a part with a wrong Content-MD5 is rejected with BadDigest too', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'md5/part' }),
    )
    const e = await failure(
      client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'md5/part',
          UploadId,
          PartNumber: 1,
          Body: 'part',
          ContentMD5: md5b64('not the part'),
        }),
      ),
    )
    expect([e.name, status(e)]).toEqual(['BadDigest', 400])
  })

  test('a ~64 MiB multipart Upload streamed from a generator reads back intact, with an AWS-style ETag', async () => {
    const partSize = 8 * MiB
    const total = 64 * MiB + 12_345 // 9 parts, the last one short
    const source = randomSource(total, partSize)
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: 'big/image.tar.lz4', Body: Readable.from(source.generate()) },
      partSize,
      queueSize: 4,
    })
    const done = await upload.done()
    expect(done.ETag).toBe(source.multipartEtag())
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-9"$/)
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/image.tar.lz4' }))
    expect(head.ContentLength).toBe(total)
    expect(head.ETag).toBe(done.ETag)
    expect(await download(client, bucket, 'big/image.tar.lz4')).toEqual({ md5: source.md5(), bytes: total })
  })

  test('ListObjectsV2 with prefix, delimiter and continuation tokens', async () => {
    const keys = ['list/a/1', 'list/a/2', 'list/a/b/3', 'list/a/c/4', 'list/z']
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }))

    const level = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/a/', Delimiter: '/' }),
    )
    expect(level.Contents?.map((o) => o.Key)).toEqual(['list/a/1', 'list/a/2'])
    expect(level.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/a/b/', 'list/a/c/'])
    expect(level.KeyCount).toBe(4)
    expect(level.Contents?.[0]?.Size).toBe('list/a/1'.length)
    expect(level.Contents?.[0]?.ETag).toBe(`"${md5hex('list/a/1')}"`)

    const pages: string[][] = []
    let ContinuationToken: string | undefined
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', MaxKeys: 2, ContinuationToken }),
      )
      pages.push(page.Contents?.map((o) => o.Key ?? '') ?? [])
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (ContinuationToken)
    expect(pages).toEqual([keys.slice(0, 2), keys.slice(2, 4), keys.slice(4)])
  })

  test('HeadObject returns x-amz-meta-*, Cache-Control and Content-Type as put', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'meta/object',
        Body: 'x',
        Metadata: { 'image-version': '12.0.20250101', 'md5-hex': md5hex('x') },
        CacheControl: 'public, max-age=300',
        ContentType: 'application/x-lz4',
      }),
    )
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'meta/object' }))
    expect(head.Metadata).toEqual({ 'image-version': '12.0.20250101', 'md5-hex': md5hex('x') })
    expect(head.CacheControl).toBe('public, max-age=300')
    expect(head.ContentType).toBe('application/x-lz4')
    expect(head.ContentLength).toBe(1)
  })

  test('CopyObject copies bytes and metadata, or replaces the metadata', async () => {
    const body = randomBytes(50_000)
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'copy/src',
        Body: body,
        Metadata: { origin: 'src' },
        CacheControl: 'no-cache',
      }),
    )
    const copied = await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy/dst', CopySource: `${bucket}/copy/src` }),
    )
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5hex(body)}"`)
    expect(await download(client, bucket, 'copy/dst')).toEqual({ md5: md5hex(body), bytes: body.length })
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy/dst' }))
    expect(head.Metadata).toEqual({ origin: 'src' })
    expect(head.CacheControl).toBe('no-cache')

    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'copy/replaced',
        CopySource: `${bucket}/copy/src`,
        MetadataDirective: 'REPLACE',
        Metadata: { origin: 'replaced' },
      }),
    )
    const replaced = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copy/replaced' }))
    expect(replaced.Metadata).toEqual({ origin: 'replaced' })
  })

  test('signatures are checked: a wrong secret or an unknown key gives 403 SignatureDoesNotMatch', async () => {
    const wrongSecret = s3Client({ ...s3, secretAccessKey: `${s3.secretAccessKey}x` }, { maxAttempts: 1 })
    const e = await failure(wrongSecret.send(new ListObjectsV2Command({ Bucket: bucket })))
    expect([e.name, status(e)]).toEqual(['SignatureDoesNotMatch', 403])
    wrongSecret.destroy()

    const unknownKey = s3Client({ ...s3, accessKeyId: 'nobody:nobody' }, { maxAttempts: 1 })
    const u = await failure(unknownKey.send(new ListObjectsV2Command({ Bucket: bucket })))
    // AWS would say InvalidAccessKeyId; tempauth cannot tell an unknown user from a wrong password.
    expect([u.name, status(u)]).toEqual(['SignatureDoesNotMatch', 403])
    unknownKey.destroy()
  })

  test('a missing bucket gives NoSuchBucket (404), HeadBucket a bare 404', async () => {
    const missing = `missing-${randomBytes(6).toString('hex')}`
    const list = await failure(client.send(new ListObjectsV2Command({ Bucket: missing })))
    expect([list.name, status(list)]).toEqual(['NoSuchBucket', 404])
    const put = await failure(client.send(new PutObjectCommand({ Bucket: missing, Key: 'k', Body: 'x' })))
    expect([put.name, status(put)]).toEqual(['NoSuchBucket', 404])
    const head = await failure(client.send(new HeadBucketCommand({ Bucket: missing })))
    expect([head.name, status(head)]).toEqual(['NotFound', 404])
  })

  test('conditional writes: PutObject If-None-Match is refused (501), CompleteMultipartUpload honours it', async () => {
    // Swift's s3api (2.30) rejects every conditional PUT (If-None-Match, If-Match, If-(Un)Modified-Since)
    // with 501 NotImplemented "Conditional object PUTs are not supported." - for new keys too, and
    // before looking at the body. It is not ignored: code that sends If-None-Match: * to PutObject (as
    // AWS has allowed since 2024) fails against Swift.
    const put = await failure(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/new', Body: 'x', IfNoneMatch: '*' })),
    )
    expect([put.name, status(put)]).toEqual(['NotImplemented', 501])
    expect(put.message).toMatch(/Conditional object PUTs are not supported/)

    // CompleteMultipartUpload is a POST, which s3api lets through; Swift itself supports If-None-Match: *
    // on the manifest it writes. It succeeds for a new key and gives 412 when the key exists (the error
    // code is InvalidRequest, where AWS says PreconditionFailed).
    const start = async (Key: string, Body: string) => {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))
      const part = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: 1, Body }),
      )
      return {
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }
    }
    const first = await client.send(
      new CompleteMultipartUploadCommand({ ...(await start('cond/multipart', 'first')), IfNoneMatch: '*' }),
    )
    expect(first.ETag).toMatch(/-1"$/)
    const upload = await start('cond/multipart', 'second')
    const refused = await failure(
      client.send(new CompleteMultipartUploadCommand({ ...upload, IfNoneMatch: '*' })),
    )
    expect([refused.name, status(refused)]).toEqual(['InvalidRequest', 412])
    expect(await download(client, bucket, 'cond/multipart')).toEqual({ md5: md5hex('first'), bytes: 5 })
    // The refused upload stays open: it can be completed without the condition, or aborted.
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'cond/' }))
    expect(open.Uploads?.map((u) => u.UploadId)).toEqual([upload.UploadId])
    await client.send(new CompleteMultipartUploadCommand(upload))
    expect(await download(client, bucket, 'cond/multipart')).toEqual({ md5: md5hex('second'), bytes: 6 })
  })
})

describe.skipIf(!server)('fault proxy in front of Swift', () => {
  const s3 = server as S3Server
  let direct: S3Client
  let bucket: string
  let proxy: FaultProxy
  const clients: S3Client[] = []
  /** A client that goes through the proxy. */
  const via = (overrides: Parameters<typeof s3Client>[1] = {}) => {
    const c = s3Client({ ...s3, endpoint: proxy.endpoint }, overrides)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    direct = s3Client(s3)
    bucket = await freshBucket(direct, 'fault-proxy')
  })
  afterAll(async () => {
    await removeBucket(direct, bucket)
    direct.destroy()
  })
  beforeEach(async () => {
    const url = new URL(s3.endpoint)
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) })
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy()
    await proxy.close()
  })

  test('without faults it forwards unchanged; small requests share a kept-alive connection', async () => {
    const c = via()
    for (let i = 0; i < 3; i++)
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain/small', Body: `${i}` }))
    await c.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain/small' }))
    expect(new Set(proxy.requests.map((r) => r.connection)).size).toBe(1)
    // Bodies of 2 MB and more go with Expect: 100-continue, which this SDK sends on a fresh connection
    // (a keepAlive: false agent) each time, unless the client was given its own agent.
    const body = randomBytes(3 * MiB)
    for (let i = 0; i < 2; i++) {
      await c.send(
        new PutObjectCommand({ Bucket: bucket, Key: `plain/${i}`, Body: body, ContentMD5: md5b64(body) }),
      )
    }
    expect(await download(c, bucket, 'plain/1')).toEqual({ md5: md5hex(body), bytes: body.length })
    expect(proxy.requests.map((r) => r.method)).toEqual(['PUT', 'PUT', 'PUT', 'HEAD', 'PUT', 'PUT', 'GET'])
    expect(proxy.faultsInjected).toBe(0)
  })

  test('reset: the SDK retries a Buffer body and succeeds; with retries off the error is ECONNRESET', async () => {
    const body = randomBytes(256 * 1024)
    proxy.resetAfterBytes(64 * 1024)
    const put = await via().send(
      new PutObjectCommand({ Bucket: bucket, Key: 'reset/retried', Body: body, ContentMD5: md5b64(body) }),
    )
    expect(put.$metadata.attempts).toBe(2)
    expect(proxy.injected.reset).toBe(1)
    expect(await download(direct, bucket, 'reset/retried')).toEqual({ md5: md5hex(body), bytes: body.length })

    proxy.resetAfterBytes(1000)
    const e = await failure(
      via({ maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: bucket, Key: 'reset/failed', Body: body })),
    )
    // The SDK's node handler renames ECONNRESET/EPIPE/ETIMEDOUT errors to TimeoutError (code kept).
    expect([e.name, e.code]).toEqual(['TimeoutError', 'ECONNRESET'])
    expect(proxy.injected.reset).toBe(2)
    const gone = await failure(direct.send(new HeadObjectCommand({ Bucket: bucket, Key: 'reset/failed' })))
    expect(status(gone)).toBe(404)
  })

  test('503 SlowDown: retried by the SDK retry strategy; with retries off it is the error', async () => {
    proxy.answer503(2)
    const put = await via().send(new PutObjectCommand({ Bucket: bucket, Key: 'slowdown/ok', Body: 'x' }))
    expect(put.$metadata.attempts).toBe(3)
    expect(proxy.injected.answer503).toBe(2)
    expect(proxy.requests.map((r) => r.fault)).toEqual(['answer503', 'answer503', undefined])

    proxy.answer503(1)
    const e = await failure(
      via({ maxAttempts: 1 }).send(new HeadObjectCommand({ Bucket: bucket, Key: 'slowdown/ok' })),
    )
    expect(status(e)).toBe(503)
    proxy.answer503(1)
    const g = await failure(
      via({ maxAttempts: 1 }).send(new GetObjectCommand({ Bucket: bucket, Key: 'slowdown/ok' })),
    )
    expect([g.name, status(g)]).toEqual(['SlowDown', 503])
  })

  test('stall: a short requestTimeout (with throwOnRequestTimeout) times out, and a retry succeeds', async () => {
    await direct.send(new PutObjectCommand({ Bucket: bucket, Key: 'stall/x', Body: 'x' }))
    const handler = { requestTimeout: 300, throwOnRequestTimeout: true }

    proxy.stall(3_000)
    let t0 = Date.now()
    const e = await failure(
      via({ maxAttempts: 1, requestHandler: handler }).send(
        new GetObjectCommand({ Bucket: bucket, Key: 'stall/x' }),
      ),
    )
    expect(e.name).toBe('TimeoutError')
    expect(Date.now() - t0).toBeLessThan(2_000)

    proxy.stall(3_000)
    t0 = Date.now()
    const got = await via({ maxAttempts: 2, requestHandler: handler }).send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'stall/x' }),
    )
    expect(got.$metadata.attempts).toBe(2)
    expect(Date.now() - t0).toBeLessThan(2_500)
    expect(proxy.injected.stall).toBe(2)
  })

  test('stall: requestTimeout alone (this SDK version) only warns, the request waits the stall out', async () => {
    await direct.send(new PutObjectCommand({ Bucket: bucket, Key: 'stall/y', Body: 'y' }))
    proxy.stall(1_500)
    const t0 = Date.now()
    const got = await via({ maxAttempts: 1, requestHandler: { requestTimeout: 300 } }).send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'stall/y' }),
    )
    expect(got.ContentLength).toBe(1)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400)
  })

  test('faults on part uploads of a multipart Upload are retried; the object reads back intact', async () => {
    const partSize = 5 * MiB
    const total = 4 * partSize + 777
    const source = randomSource(total, partSize)
    const isPart = (r: { method: string; target: string }) =>
      r.method === 'PUT' && r.target.includes('partNumber=')
    proxy.resetAfterBytes(MiB, 1, isPart) // mid-body, after Swift's 100 Continue
    proxy.answer503(1, isPart) // at once, before the body (Expect: 100-continue)
    proxy.resetAfterBytes(0, 1, (r) => r.method === 'POST' && r.target.includes('uploadId='))
    const upload = new Upload({
      client: via(),
      params: { Bucket: bucket, Key: 'multipart/faulty', Body: Readable.from(source.generate()) },
      partSize,
      queueSize: 2,
    })
    const done = await upload.done()
    expect(done.ETag).toBe(source.multipartEtag())
    expect(proxy.injected).toEqual({ reset: 2, stall: 0, answer503: 1, answer404: 0, dropAnswer: 0 })
    expect(proxy.pending).toBe(0)
    const parts = proxy.requests.filter(isPart)
    expect(parts).toHaveLength(5 + 2) // 5 parts, 2 of them sent twice
    expect(await download(direct, bucket, 'multipart/faulty')).toEqual({ md5: source.md5(), bytes: total })
  })
})

// The proxy's own request framing, against a plain node:http server: needs no Swift.
describe('fault proxy request framing', () => {
  test('chunked bodies on a kept-alive connection: an armed fault hits the next request, not the next connection', async () => {
    const echo = createServer((req, res) => {
      let bytes = 0
      req.on('data', (d: Buffer) => (bytes += d.length))
      req.on('end', () => res.end(`${req.method} ${req.url} ${bytes}`))
    })
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', ok))
    const address = echo.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: address.port })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    // Several writes and no Content-Length: node sends Transfer-Encoding: chunked.
    const put = (path: string, chunks: string[]) =>
      new Promise<{ status: number | undefined; body: string }>((ok, fail) => {
        const req = request({ host: '127.0.0.1', port: proxy.port, path, method: 'PUT', agent }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (body += d))
          res.on('end', () => ok({ status: res.statusCode, body }))
        })
        req.on('error', fail)
        for (const chunk of chunks) req.write(chunk)
        req.end()
      })
    try {
      expect(await put('/a', ['ab', 'cde'])).toEqual({ status: 200, body: 'PUT /a 5' })
      proxy.answer503(1)
      const slow = await put('/b', ['x'.repeat(100_000), 'y'])
      expect(slow.status).toBe(503)
      expect(slow.body).toMatch(/^<\?xml .*<Error><Code>SlowDown<\/Code>/s)
      expect(await put('/c', ['1', '2', '3'])).toEqual({ status: 200, body: 'PUT /c 3' })
      expect(proxy.requests).toEqual([
        { connection: 1, method: 'PUT', target: '/a', fault: undefined },
        { connection: 1, method: 'PUT', target: '/b', fault: 'answer503' },
        { connection: 2, method: 'PUT', target: '/c', fault: undefined }, // the 503 closed connection 1
      ])
    } finally {
      agent.destroy()
      await proxy.close()
      await new Promise((ok) => echo.close(ok))
    }
  })
})
