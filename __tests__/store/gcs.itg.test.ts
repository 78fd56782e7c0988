import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Storage } from '@google-cloud/storage'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseInputs } from '../../src/config/parse.ts'
import { type InputName } from '../../src/config/inputs.ts'
import { runImage } from '../../src/app/run.ts'
import { newOwner, tempName } from '../../src/store/owner.ts'
import { startFaultProxy } from '../helpers/fault-proxy.ts'
import { parseFrame } from '../helpers/frame.ts'
import { startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator.ts'
import { binariesRootfs } from '../helpers/rootfs.ts'
import { rootfsTar } from '../helpers/publishers.ts'

// The Cloud Storage emulator of firebase-tools (pinned), run in this process: the real JSON API and
// upload protocol, with the limits tests name where they matter. It creates a bucket on first use (so a
// missing bucket cannot be tested here), serves only single-request resumable uploads (the client's
// default, and what the store uses), checks no hash itself (the client's md5 validation does), and
// ignores ifGenerationMatch (so the race between two runs is tested on S3; here only that the
// precondition is asked for).
const emulator = await startGcsEmulator()
// A few binaries, not an installable image: the contract check is not what these tests are about.
const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'off', sbom: 'false', 'build-info': 'false' }

describe.skipIf(!emulator)('publishing to Google Cloud Storage (firebase-tools emulator)', () => {
  let emu: GcsEmulator
  let storage: Storage
  let rootfs: string
  const bucket = 'metal-images'
  const work = mkdtempSync(join(tmpdir(), 'metal-image-gcs-'))
  const saved = process.env.STORAGE_EMULATOR_HOST

  const config = (values: Partial<Record<InputName, string>>) =>
    parseInputs((name) => ({ rootfs, ...OS, ...values })[name] ?? '')
  const list = async (prefix = '') =>
    (await storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name).sort()
  const get = async (name: string) => (await storage.bucket(bucket).file(name).download())[0]
  const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')

  beforeAll(() => {
    emu = emulator!
    // As in a workflow: the client finds the emulator (or GCS) by itself; no credential-shaped input.
    process.env.STORAGE_EMULATOR_HOST = emu.endpoint
    storage = new Storage({ projectId: emu.projectId })
    rootfs = binariesRootfs(work)
  })

  afterAll(async () => {
    if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST
    else process.env.STORAGE_EMULATOR_HOST = saved
    await emu?.stop()
  })

  test('the image, its md5, packages and index land under the prefix, as sent, with the right metadata', async () => {
    const result = await runImage(config({ destination: `gs://${bucket}/images`, channel: 'stable' }))
    const dir = 'images/stable/debian/12'
    expect(await list()).toEqual([`${dir}/img.tar.lz4`, `${dir}/img.tar.lz4.md5`, `${dir}/versions.json`])
    expect(result.url).toBe(`gs://${bucket}/${dir}/img.tar.lz4`)
    const image = await get(`${dir}/img.tar.lz4`)
    expect(md5(image)).toBe(result.md5)
    expect((await get(`${dir}/img.tar.lz4.md5`)).toString()).toBe(`${result.md5}  img.tar.lz4\n`)
    expect(parseFrame(image).trailing).toBe(0)
    expect(
      execFileSync('lz4', ['-d', '-c'], { input: image, maxBuffer: 1 << 28 }).equals(readFileSync(rootfs)),
    ).toBe(true)
    const [meta] = await storage.bucket(bucket).file(`${dir}/img.tar.lz4`).getMetadata()
    // The store's own md5 of what it holds, the one the upload was validated against.
    expect(Buffer.from(meta.md5Hash!, 'base64').toString('hex')).toBe(result.md5)
    expect(meta.cacheControl).toBe('no-store')
    expect(meta.contentType).toBe('application/x-lz4')
    // Stored as sent: no gzip transcoding of an already compressed image.
    expect(meta.contentEncoding ?? '').toBe('')
    expect(Number(meta.size)).toBe(image.length)
    const index = JSON.parse((await get(`${dir}/versions.json`)).toString())
    expect(index.versions.map((v: { md5: string }) => v.md5)).toEqual([result.md5])
  })

  test('a second build lists what exists and replaces the set; a failed one leaves it as it was', async () => {
    const destination = `gs://${bucket}/again`
    const first = await runImage(config({ destination, date: '20261120' }))
    const second = await runImage(config({ destination, date: '20261121' }))
    expect(second.previous).toBe(first.version)
    const before = await Promise.all((await list('again/')).map(async (k) => [k, md5(await get(k))]))
    // A rootfs cut off in the middle: the run fails after the upload began, and must leave no trace.
    const broken = join(work, 'broken.tar')
    writeFileSync(broken, readFileSync(rootfs).subarray(0, 30 << 20))
    await expect(runImage(config({ destination, date: '20261122', rootfs: broken }))).rejects.toThrow(
      /truncated/,
    )
    expect(await Promise.all((await list('again/')).map(async (k) => [k, md5(await get(k))]))).toEqual(before)
  })

  test('promotion copies server-side, checks the md5 of the copy, and will not overwrite unless asked', async () => {
    const destination = `gs://${bucket}/promote`
    const built = await runImage(config({ destination, channel: 'stable', date: '20261120' }))
    const promote = { destination, mode: 'promote', 'from-channel': 'stable', 'to-channel': 'v0.1.0' }
    const result = await runImage(config(promote))
    expect(result.md5).toBe(built.md5)
    expect(md5(await get('promote/v0.1.0/debian/12/img.tar.lz4'))).toBe(built.md5)
    expect((await get('promote/v0.1.0/debian/12/img.tar.lz4.md5')).toString()).toBe(
      `${built.md5}  img.tar.lz4\n`,
    )
    expect(await list('promote/v0.1.0/')).not.toContainEqual(expect.stringContaining('.partial'))
    await expect(runImage(config(promote))).rejects.toThrow(
      /input "to-channel" = "v0.1.0": .* already holds an image/,
    )
    await expect(runImage(config({ ...promote, 'on-conflict': 'overwrite' }))).resolves.toBeDefined()
  })

  test('a connection reset in the middle of the image upload: it completes with the right bytes, or fails cleanly leaving the earlier set', async () => {
    const destination = `gs://${bucket}/faults`
    await runImage(config({ destination, date: '20261120' }))
    const before = await Promise.all((await list('faults/')).map(async (k) => [k, md5(await get(k))]))
    const proxy = await startFaultProxy({ host: emu.host, port: emu.port })
    process.env.STORAGE_EMULATOR_HOST = proxy.endpoint
    let outcome: { md5: string } | Error
    try {
      proxy.resetAfterBytes(5 << 20, 1, (r) => r.method === 'PUT' && r.target.includes('upload_id='))
      outcome = await runImage(config({ destination, date: '20261121', 'upload-timeout': '60s' })).catch(
        (err: Error) => err,
      )
    } finally {
      process.env.STORAGE_EMULATOR_HOST = emu.endpoint
      await proxy.close()
    }
    expect(proxy.injected.reset).toBe(1)
    const after = await Promise.all((await list('faults/')).map(async (k) => [k, md5(await get(k))]))
    if (outcome instanceof Error) {
      // Failed: said so, and nothing of the new set is visible.
      expect(String(outcome)).toMatch(/gs:\/\//)
      expect(after).toEqual(before)
    } else {
      const image = await get('faults/debian/12/img.tar.lz4')
      expect(md5(image)).toBe(outcome.md5)
      expect(
        execFileSync('lz4', ['-d', '-c'], { input: image, maxBuffer: 1 << 28 }).equals(readFileSync(rootfs)),
      ).toBe(true)
    }
  })

  test('a versioned path is created with ifGenerationMatch=0 (the copy into place), so a second run racing for it loses on GCS', async () => {
    const proxy = await startFaultProxy({ host: emu.host, port: emu.port })
    process.env.STORAGE_EMULATOR_HOST = proxy.endpoint
    try {
      await runImage(
        config({ destination: `gs://${bucket}/versioned`, layout: 'versioned', date: '20261201' }),
      )
    } finally {
      process.env.STORAGE_EMULATOR_HOST = emu.endpoint
      await proxy.close()
    }
    // The image is copied into place from its temporary object only if the name is still free.
    const place = proxy.requests.find(
      (r) =>
        r.method === 'POST' &&
        /(copyTo|rewriteTo)\/b\/[^/]+\/o\/versioned%2Fdebian%2F12%2F20261201%2Fimg\.tar\.lz4/.test(r.target),
    )
    expect(place?.target).toMatch(/ifGenerationMatch=0/)
    expect(await list('versioned/')).toContain('versioned/debian/12/20261201/img.tar.lz4')
  })

  test("versioned layout: a dead run's temporary object in another date folder goes with the next run to any date", async () => {
    const dead = { ...newOwner(3600_000), pid: spawnSync('true').pid!, start: 1 }
    const leftover = tempName('leftover/debian/12/20261201/img.tar.lz4', dead, 'partial')
    await storage.bucket(bucket).file(leftover).save('a partial image')
    await runImage(config({ destination: `gs://${bucket}/leftover`, layout: 'versioned', date: '20261202' }))
    expect(await list('leftover/')).toEqual([
      'leftover/debian/12/20261202/img.tar.lz4',
      'leftover/debian/12/20261202/img.tar.lz4.md5',
      'leftover/debian/12/versions.json',
    ])
  })

  test('a versions.json past 64 MiB is refused while it is read: the error names it, nothing is published', async () => {
    const name = 'huge/debian/12/versions.json'
    await storage
      .bucket(bucket)
      .file(name)
      .save(Buffer.alloc((64 << 20) + 1, 0x20))
    await expect(runImage(config({ destination: `gs://${bucket}/huge` }))).rejects.toThrow(
      /^gs:\/\/metal-images\/huge\/debian\/12\/versions\.json is larger than that: more than the 64 MiB a file this tool reads may have/,
    )
    expect(await list('huge/')).toEqual([name])
  })

  test('a stale read right after the image is copied into place: the set is finished, never the earlier md5 beside it', async () => {
    await runImage(config({ destination: `gs://${bucket}/stale` }))
    const proxy = await startFaultProxy({ host: emu.host, port: emu.port })
    process.env.STORAGE_EMULATOR_HOST = proxy.endpoint
    let copied = false
    const image = /\/o\/stale%2Fdebian%2F12%2Fimg\.tar\.lz4/
    // The metadata read of the image right after the copy answers as a stale replica would: 404.
    proxy.answer404(1, (r) => {
      if (
        r.method === 'POST' &&
        /(copyTo|rewriteTo)/.test(r.target) &&
        image.test(r.target.split(/copyTo|rewriteTo/)[1] ?? '')
      )
        copied = true
      return copied && r.method === 'GET' && image.test(r.target) && !/alt=media/.test(r.target)
    })
    const warnings: string[] = []
    const log = {
      info() {},
      debug() {},
      warning: (m: string) => void warnings.push(m),
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    }
    let md5sum = ''
    try {
      const other = rootfsTar(work, 'gcs-stale')
      md5sum = (await runImage(config({ destination: `gs://${bucket}/stale`, rootfs: other }), { log })).md5
    } finally {
      process.env.STORAGE_EMULATOR_HOST = emu.endpoint
      await proxy.close()
    }
    expect(proxy.injected.answer404).toBe(1)
    expect(warnings.join('\n')).toMatch(
      /does not read back as what was uploaded: missing.*the commit goes on/,
    )
    expect(md5(await get('stale/debian/12/img.tar.lz4'))).toBe(md5sum)
    expect((await get('stale/debian/12/img.tar.lz4.md5')).toString()).toBe(`${md5sum}  img.tar.lz4\n`)
  })
})
