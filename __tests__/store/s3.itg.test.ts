import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseInputs } from '../../src/config/parse.ts'
import { type InputName } from '../../src/config/inputs.ts'
import { runImage } from '../../src/app/run.ts'
import type { RunOptions } from '../../src/app/run-options.ts'
import { PART_SIZE } from '../../src/store/s3-client.ts'
import { S3Store } from '../../src/store/s3.ts'
import { newOwner, tempName } from '../../src/store/owner.ts'
import { spawnSync } from 'node:child_process'
import { startFaultProxy } from '../helpers/fault-proxy.ts'
import { parseFrame } from '../helpers/frame.ts'
import { binariesRootfs } from '../helpers/rootfs.ts'
import { rootfsTar } from '../helpers/publishers.ts'
import { freshBucket, removeBucket, s3Client, s3Server, type S3Server } from '../helpers/swift.ts'

// A real OpenStack Swift with its S3 API (scripts/swift.sh), not a mock: it checks signatures and
// Content-MD5, and its multipart ETags are AWS's.
const server = await s3Server()
// A few binaries, not an installable image: the contract check is not what these tests are about.
const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'off', sbom: 'false', 'build-info': 'false' }
const quiet: RunOptions['storeTuning'] = { idleMs: 3000, baseDelayMs: 20, settleMs: 200 }
const target = (s: S3Server) => {
  const url = new URL(s.endpoint)
  return { host: url.hostname, port: Number(url.port) }
}

describe.skipIf(!server)('publishing to S3 (OpenStack Swift)', () => {
  let s: S3Server
  let client: S3Client
  let bucket: string
  let rootfs: string
  const work = mkdtempSync(join(tmpdir(), 'metal-image-s3-'))

  const config = (values: Partial<Record<InputName, string>>) =>
    parseInputs((name) => ({ rootfs, ...OS, endpoint: s.endpoint, ...values })[name] ?? '')
  const list = async (prefix = '') =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort()
  const get = async (key: string) =>
    Buffer.from(
      await (
        await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      ).Body!.transformToByteArray(),
    )
  const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')

  beforeAll(async () => {
    s = server!
    // The store takes credentials from the SDK's default chain, as in a workflow.
    process.env.AWS_ACCESS_KEY_ID = s.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = s.secretAccessKey
    process.env.AWS_REGION = s.region
    client = s3Client(s)
    bucket = await freshBucket(client, 'publish')
    rootfs = binariesRootfs(work)
  })

  afterAll(async () => {
    if (client) await removeBucket(client, bucket)
  })

  test('the image, its md5 and the index land under the prefix; what is stored is what was sent', async () => {
    const result = await runImage(config({ destination: `s3://${bucket}/metal-os`, channel: 'stable' }))
    const dir = 'metal-os/stable/debian/12'
    expect(await list()).toEqual([`${dir}/img.tar.lz4`, `${dir}/img.tar.lz4.md5`, `${dir}/versions.json`])
    const image = await get(`${dir}/img.tar.lz4`)
    expect(result.url).toBe(`s3://${bucket}/${dir}/img.tar.lz4`)
    expect((await get(`${dir}/img.tar.lz4.md5`)).toString()).toBe(`${md5(image)}  img.tar.lz4\n`)
    expect(result.md5).toBe(md5(image))
    expect(image.length).toBeGreaterThan(2 * PART_SIZE)
    expect(parseFrame(image).trailing).toBe(0)
    expect(
      execFileSync('lz4', ['-d', '-c'], { input: image, maxBuffer: 1 << 28 }).equals(readFileSync(rootfs)),
    ).toBe(true)
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${dir}/img.tar.lz4` }))
    expect(head.CacheControl).toBe('no-store')
    expect(head.ContentType).toBe('application/x-lz4')
    // A multipart object: its ETag is md5(part md5s)-N, which the store checked against ours.
    expect(head.ETag).toMatch(/-\d+"$/)
    expect(JSON.parse((await get(`${dir}/versions.json`)).toString()).versions[0].md5).toBe(md5(image))
  })

  test('commit order: the old md5 goes first, the image, versions.json, the new md5 last; all under the lock', async () => {
    const proxy = await startFaultProxy(target(s))
    try {
      const prefix = 'order'
      await runImage(config({ destination: `s3://${bucket}/${prefix}`, endpoint: proxy.endpoint }))
      await runImage(config({ destination: `s3://${bucket}/${prefix}`, endpoint: proxy.endpoint }))
      const second = proxy.requests.slice(
        proxy.requests.findLastIndex((r) => r.method === 'HEAD' && !r.target.includes('/debian/')),
      )
      const at = (pred: (r: { method: string; target: string }) => boolean) => second.findIndex(pred)
      const lock = at((r) => r.method === 'PUT' && r.target.includes('.metal-image.lock'))
      const retractMd5 = at((r) => r.method === 'DELETE' && r.target.includes('img.tar.lz4.md5'))
      const complete = at((r) => r.method === 'POST' && r.target.includes('uploadId='))
      const putIndex = at((r) => r.method === 'PUT' && r.target.includes('versions.json'))
      const putMd5 = at((r) => r.method === 'PUT' && r.target.includes('img.tar.lz4.md5'))
      const unlock = second.findLastIndex(
        (r) => r.method === 'DELETE' && r.target.includes('.metal-image.lock'),
      )
      expect(lock).toBeGreaterThan(-1)
      expect([
        lock < retractMd5,
        retractMd5 < complete,
        complete < putIndex,
        putIndex < putMd5,
        putMd5 < unlock,
      ]).toEqual([true, true, true, true, true])
      expect((await list(`${prefix}/`)).filter((k) => k.split('/').pop()!.startsWith('.'))).toEqual([])
    } finally {
      await proxy.close()
    }
  })

  test('promotion copies server-side, checks the copy, and will not overwrite unless asked', async () => {
    const destination = `s3://${bucket}/promote`
    const built = await runImage(config({ destination, channel: 'stable', date: '20261120' }))
    const promote = { destination, mode: 'promote', 'from-channel': 'stable', 'to-channel': '20261125' }
    const result = await runImage(config(promote))
    expect(result.md5).toBe(built.md5)
    const copy = await get('promote/20261125/debian/12/img.tar.lz4')
    expect(md5(copy)).toBe(built.md5)
    expect((await get('promote/20261125/debian/12/img.tar.lz4.md5')).toString()).toBe(
      `${built.md5}  img.tar.lz4\n`,
    )
    expect(await list('promote/20261125/')).not.toContainEqual(expect.stringContaining('.partial'))
    await expect(runImage(config(promote))).rejects.toThrow(
      /input "to-channel" = "20261125": .* already holds an image/,
    )
    await expect(runImage(config({ ...promote, 'on-conflict': 'overwrite' }))).resolves.toBeDefined()
  })

  test('a 1 GB image streams through in 8 MiB parts and reads back identical', async () => {
    const store = new S3Store(
      bucket,
      'big',
      parseInputs((n) => (({ ...OS, endpoint: s.endpoint }) as Record<string, string>)[n] ?? '').store,
    )
    const tx = await store.begin(['x'])
    const block = Buffer.alloc(1 << 20)
    const sent = createHash('md5')
    const total = 1024
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < total; i++) {
          block.writeUInt32LE(i, (i * 4) % block.length)
          const chunk = Buffer.from(block)
          sent.update(chunk)
          yield chunk
        }
      })(),
    )
    await pipeline(source, tx.createWriteStream('x/img.tar.lz4'))
    await tx.commit({
      lockDir: 'x',
      image: 'x/img.tar.lz4',
      companions: [],
      seal: [],
      retract: [],
      obsolete: [],
    })
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/x/img.tar.lz4' }))
    const got = createHash('md5')
    await pipeline(res.Body as Readable, got)
    expect(res.ContentLength).toBe(total << 20)
    expect(got.digest('hex')).toBe(sent.digest('hex'))
  })

  test('transient faults (connection resets, 503 SlowDown, a stalled connection) are retried; the bytes are right', async () => {
    const proxy = await startFaultProxy(target(s))
    try {
      const isPart = (r: { method: string; target: string }) =>
        r.method === 'PUT' && r.target.includes('partNumber=')
      proxy.resetAfterBytes(100_000, 2, isPart)
      proxy.answer503(3, isPart)
      proxy.stall(10_000, 1, isPart)
      proxy.answer503(1, (r) => r.method === 'PUT' && r.target.includes('versions.json'))
      const result = await runImage(
        config({ destination: `s3://${bucket}/faults`, endpoint: proxy.endpoint }),
        {
          storeTuning: quiet,
        },
      )
      expect(proxy.injected).toEqual({ reset: 2, stall: 1, answer503: 4, answer404: 0, dropAnswer: 0 })
      const image = await get('faults/debian/12/img.tar.lz4')
      expect(md5(image)).toBe(result.md5)
      expect(
        execFileSync('lz4', ['-d', '-c'], { input: image, maxBuffer: 1 << 28 }).equals(readFileSync(rootfs)),
      ).toBe(true)
    } finally {
      await proxy.close()
    }
  })

  test('when faults outlast the upload-timeout budget: a clean failure, the upload aborted, the earlier set intact', async () => {
    const destination = `s3://${bucket}/budget`
    await runImage(config({ destination }))
    const before = await Promise.all((await list('budget/')).map(async (k) => [k, md5(await get(k))]))
    const proxy = await startFaultProxy(target(s))
    try {
      proxy.answer503(10_000, (r) => r.method === 'PUT' && r.target.includes('partNumber='))
      await expect(
        runImage(config({ destination, endpoint: proxy.endpoint, 'upload-timeout': '2s' }), {
          storeTuning: quiet,
        }),
      ).rejects.toThrow(
        /still failing after \d+ attempts when the upload-timeout budget ran out|the upload-timeout of 2s ran out/,
      )
    } finally {
      await proxy.close()
    }
    expect(await Promise.all((await list('budget/')).map(async (k) => [k, md5(await get(k))]))).toEqual(
      before,
    )
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([])
  })

  test('cancelled while the commit runs, before its image: undone; no lock, marker or upload left; "cancelled"', async () => {
    const destination = `s3://${bucket}/cancelled`
    await runImage(config({ destination }))
    const before = await Promise.all((await list('cancelled/')).map(async (k) => [k, md5(await get(k))]))
    const proxy = await startFaultProxy(target(s))
    const abort = new AbortController()
    try {
      // The commit's first change (the earlier checksum file's removal) hangs: the run is cancelled
      // there, under the folder's lock, with the image's multipart upload ready to be completed.
      const first = (r: { method: string; target: string }) =>
        r.method === 'DELETE' && /\/cancelled\/debian\/12\/img\.tar\.lz4\.md5\?/.test(r.target)
      proxy.stall(30_000, 1, first)
      const run = runImage(config({ destination, endpoint: proxy.endpoint }), {
        storeTuning: quiet,
        signal: abort.signal,
      })
      let settled = false
      void run.catch(() => {}).finally(() => (settled = true))
      while (!settled && !proxy.requests.some(first)) await new Promise((r) => setTimeout(r, 20))
      abort.abort('SIGINT')
      await expect(run).rejects.toThrow(/^cancelled: nothing was published \(SIGINT\)$/)
    } finally {
      await proxy.close()
    }
    // The earlier set, whole, and nothing of the cancelled run: no lock, no marker, no unfinished upload.
    expect(await Promise.all((await list('cancelled/')).map(async (k) => [k, md5(await get(k))]))).toEqual(
      before,
    )
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([])
  })

  test('cancelled while confirming the lock it just wrote: the lock goes with the run', async () => {
    const destination = `s3://${bucket}/cancel-lock`
    const abort = new AbortController()
    const lockWrite = (r: { method: string; target: string }) =>
      r.method === 'PUT' && r.target.includes('/cancel-lock/debian/12/.metal-image.lock?')
    const proxy = await startFaultProxy(target(s))
    try {
      const run = runImage(config({ destination, endpoint: proxy.endpoint }), {
        // A settle time long enough to be cancelled in, as Swift's 1 s is.
        storeTuning: { ...quiet, settleMs: 3000 },
        signal: abort.signal,
      })
      let settled = false
      void run.catch(() => {}).finally(() => (settled = true))
      while (!settled && !proxy.requests.some(lockWrite)) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 300))
      abort.abort('SIGTERM')
      await expect(run).rejects.toThrow(/^cancelled: nothing was published \(SIGTERM\)$/)
    } finally {
      await proxy.close()
    }
    // A run on another machine would otherwise wait out the lease (60 s) for a lock nobody holds.
    expect((await list('cancel-lock/')).filter((k) => k.endsWith('.metal-image.lock'))).toEqual([])
  })

  test('permanent errors fail at once, naming the bucket and where credentials come from, never a secret', async () => {
    const secret = process.env.AWS_SECRET_ACCESS_KEY!
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-at-all'
    try {
      const started = performance.now()
      const err = await runImage(config({ destination: `s3://${bucket}/denied` })).catch((e: Error) => e)
      expect(performance.now() - started).toBeLessThan(10_000)
      expect(String(err)).toMatch(
        new RegExp(
          `bucket s3://${bucket} failed: .*403.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment`,
        ),
      )
      expect(String(err)).not.toContain('not-the-secret-at-all')
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = secret
    }
    await expect(runImage(config({ destination: 's3://no-such-bucket-metal-image/x' }))).rejects.toThrow(
      /bucket s3:\/\/no-such-bucket-metal-image failed: .*(NoSuchBucket|NotFound|404).*The bucket does not exist at http/,
    )
  })

  test('two runs racing for one versioned path: the folder lock serializes them, the second loses the race', async () => {
    // Both runs plan before either has published (so both pass the "already exists" check); the one that
    // gets the folder's lock second decides again and finds the version taken.
    const c = (tar: string, date = '20261201') =>
      config({ destination: `s3://${bucket}/race`, layout: 'versioned', date, rootfs: tar })
    const [a, b] = await Promise.allSettled([
      runImage(c(rootfsTar(work, 'race-a')), { storeTuning: quiet }),
      runImage(c(rootfsTar(work, 'race-b')), { storeTuning: quiet }),
    ])
    const results = [a, b]
    const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ md5: string }>[]
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect([won.length, lost.length]).toEqual([1, 1])
    expect(String(lost[0]!.reason)).toMatch(
      /lost the race for s3:\/\/.*\/race\/debian\/12\/20261201\/|already exists/,
    )
    expect(md5(await get('race/debian/12/20261201/img.tar.lz4'))).toBe(won[0]!.value.md5)
    expect((await get('race/debian/12/20261201/img.tar.lz4.md5')).toString()).toBe(
      `${won[0]!.value.md5}  img.tar.lz4\n`,
    )
    expect(await list('race/')).toEqual([
      'race/debian/12/20261201/img.tar.lz4',
      'race/debian/12/20261201/img.tar.lz4.md5',
      'race/debian/12/versions.json',
    ])
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([])
    // The very same image twice at once (a re-run): both succeed, one set is there.
    const same = rootfsTar(work, 'race-same')
    const twice = await Promise.allSettled(
      [0, 1].map(() => runImage(c(same, '20261202'), { storeTuning: quiet })),
    )
    expect(twice.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    expect(twice.filter((r) => r.status === 'fulfilled' && r.value.files.length === 0)).toHaveLength(1)
  })

  test("versioned layout: a dead run's upload in another date folder goes with the next run to any date", async () => {
    // A run killed while it uploaded the image of 20261201: its multipart upload and the marker with its id.
    const dead = { ...newOwner(3600_000), pid: spawnSync('true').pid!, start: 1 }
    const key = 'leftover/debian/12/20261201/img.tar.lz4'
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))
    const marker = tempName(key, dead, 'upload')
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: UploadId }))
    const uploads = async () =>
      (
        (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'leftover/' })))
          .Uploads ?? []
      ).map((u) => u.UploadId)
    expect(await uploads()).toEqual([UploadId])
    await runImage(
      config({ destination: `s3://${bucket}/leftover`, layout: 'versioned', date: '20261202' }),
      { storeTuning: quiet },
    )
    expect(await list('leftover/')).toEqual([
      'leftover/debian/12/20261202/img.tar.lz4',
      'leftover/debian/12/20261202/img.tar.lz4.md5',
      'leftover/debian/12/versions.json',
    ])
    expect(await uploads()).toEqual([])
  })

  test('a stale read right after the image is completed: the set is finished, never the earlier md5 beside it', async () => {
    const destination = `s3://${bucket}/stale`
    await runImage(config({ destination, rootfs: rootfsTar(work, 'stale-a') }))
    const proxy = await startFaultProxy(target(s))
    let completed = false
    // Swift may answer a read from a replica that has not seen the completion yet: a 404 for the image.
    proxy.answer404(1, (r) => {
      if (r.method === 'POST' && r.target.includes('uploadId=')) completed = true
      return completed && r.method === 'HEAD' && /\/stale\/debian\/12\/img\.tar\.lz4(\?|$)/.test(r.target)
    })
    const warnings: string[] = []
    const log = {
      info() {},
      debug() {},
      warning: (m: string) => void warnings.push(m),
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    }
    try {
      const result = await runImage(
        config({ destination, endpoint: proxy.endpoint, rootfs: rootfsTar(work, 'stale-b') }),
        { storeTuning: quiet, log },
      )
      expect(proxy.injected.answer404).toBe(1)
      const image = await get('stale/debian/12/img.tar.lz4')
      expect(md5(image)).toBe(result.md5)
      expect((await get('stale/debian/12/img.tar.lz4.md5')).toString()).toBe(`${result.md5}  img.tar.lz4\n`)
      expect(JSON.parse((await get('stale/debian/12/versions.json')).toString()).versions[0].md5).toBe(
        result.md5,
      )
      expect(warnings.join('\n')).toMatch(
        /does not read back as what was uploaded: missing.*the commit goes on/,
      )
    } finally {
      await proxy.close()
    }
    expect(await list('stale/')).toEqual([
      'stale/debian/12/img.tar.lz4',
      'stale/debian/12/img.tar.lz4.md5',
      'stale/debian/12/versions.json',
    ])
  })

  test('a versions.json past 64 MiB is refused before it is read: the error names it, nothing is published', async () => {
    const key = 'huge/debian/12/versions.json'
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc((64 << 20) + 1, 0x20) }),
    )
    await expect(
      runImage(config({ destination: `s3://${bucket}/huge` }), { storeTuning: quiet }),
    ).rejects.toThrow(
      /^s3:\/\/[^/]+\/huge\/debian\/12\/versions\.json is 67108865 bytes: more than the 64 MiB a file this tool reads may have/,
    )
    expect(await list('huge/')).toEqual([key])
    expect(
      (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'huge/' }))).Uploads ?? [],
    ).toEqual([])
  })

  test("the completion's answer lost, then a stale read: the set is finished, never the earlier md5 beside it", async () => {
    const destination = `s3://${bucket}/lost`
    await runImage(config({ destination, rootfs: rootfsTar(work, 'lost-a') }))
    const proxy = await startFaultProxy(target(s))
    let completed = false
    const completion = (r: { method: string; target: string }) => {
      if (r.method === 'POST' && r.target.includes('uploadId=')) completed = true
      return completed
    }
    // The store completes the upload; the answer never arrives; the retry finds no upload (it completed:
    // AWS's NoSuchUpload, played by a 404, where Swift answers the retry as the first), and the read that
    // should show the image answers from a stale replica.
    proxy.dropAnswer(1, (r) => completion(r) && r.method === 'POST')
    proxy.answer404(
      2,
      (r) =>
        completion(r) &&
        (r.method === 'POST' ||
          (r.method === 'HEAD' && /\/lost\/debian\/12\/img\.tar\.lz4(\?|$)/.test(r.target))),
    )
    try {
      const result = await runImage(
        config({ destination, endpoint: proxy.endpoint, rootfs: rootfsTar(work, 'lost-b') }),
        { storeTuning: quiet },
      )
      expect([proxy.injected.dropAnswer, proxy.injected.answer404]).toEqual([1, 2])
      expect(md5(await get('lost/debian/12/img.tar.lz4'))).toBe(result.md5)
      expect((await get('lost/debian/12/img.tar.lz4.md5')).toString()).toBe(`${result.md5}  img.tar.lz4\n`)
    } finally {
      await proxy.close()
    }
  })
})
