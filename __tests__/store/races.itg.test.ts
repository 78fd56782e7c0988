import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Storage } from '@google-cloud/storage'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { requireTool } from '../helpers/env.ts'
import { startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator.ts'
import { killRounds, publishRaces, type RaceStore } from '../helpers/publishers.ts'
import { freshBucket, removeBucket, s3Client, s3Server, type S3Server } from '../helpers/swift.ts'

// Concurrent runs of the CLI (from src/, a process each) publishing to one folder of a real S3 store
// (OpenStack Swift, which refuses conditional PUTs: the folder lock settles and reads back) and of the
// GCS emulator (which ignores preconditions: the same), with a reader looking at the folder throughout;
// then runs killed at random moments and the run after them, which must remove what they left
// (multipart uploads, temporary objects) and nothing of a live run's.

const tools = requireTool('tar', 'apt-get install tar')
const server = tools ? await s3Server() : undefined
const emulator = tools ? await startGcsEmulator() : undefined
afterAll(async () => {
  await emulator?.stop()
})

describe.skipIf(!server)('concurrent runs to one folder of an S3 bucket (OpenStack Swift)', () => {
  let s: S3Server
  let client: S3Client
  let bucket: string
  const work = mkdtempSync(join(tmpdir(), 'metal-image-races-s3-'))

  beforeAll(async () => {
    s = server!
    client = s3Client(s)
    bucket = await freshBucket(client, 'races')
  })
  afterAll(async () => {
    if (client) await removeBucket(client, bucket)
  })

  const store = (prefix: string): RaceStore => {
    const dir = `${prefix}/debian/12/`
    return {
      destination: `s3://${bucket}/${prefix}`,
      args: ['--endpoint', s.endpoint],
      env: {
        AWS_ACCESS_KEY_ID: s.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
        AWS_REGION: s.region,
      },
      read: async (name) => {
        try {
          const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: dir + name }))
          return Buffer.from(await res.Body!.transformToByteArray())
        } catch {
          return undefined
        }
      },
      list: async () =>
        ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: dir }))).Contents ?? []).map(
          (o) => o.Key!.slice(dir.length),
        ),
      openUploads: async () =>
        (
          (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: dir }))).Uploads ?? []
        ).map((u) => u.Key!),
    }
  }

  test('3 publishers, 3 rounds: one whole set at every instant, losers say so and touch nothing', async () => {
    const report = await publishRaces(store('races'), work, { rounds: 3, publishers: 3 })
    expect(report.runs).toBe(9)
    expect(report.observed).toBeGreaterThan(20)
  })

  test('runs killed at random moments: the next run aborts their uploads and removes their records', async () => {
    // 3 MB images, so kills land in the middle of uploads too.
    const report = await killRounds(store('kills'), work, { rounds: 4, maxDelayMs: 2500, bytes: 3 << 20 })
    expect(report.killed).toBeGreaterThan(0)
  })
})

describe.skipIf(!emulator)('concurrent runs to one folder of a GCS bucket (firebase-tools emulator)', () => {
  let emu: GcsEmulator
  let storage: Storage
  const bucket = 'races'
  const work = mkdtempSync(join(tmpdir(), 'metal-image-races-gcs-'))

  beforeAll(() => {
    emu = emulator!
    // No client retries: a read of a missing object is one request, not retries that pile up listeners.
    storage = new Storage({ apiEndpoint: emu.endpoint, projectId: emu.projectId })
  })

  const store = (prefix: string): RaceStore => {
    const dir = `${prefix}/debian/12/`
    return {
      destination: `gs://${bucket}/${prefix}`,
      env: { STORAGE_EMULATOR_HOST: emu.endpoint },
      // Plain HTTP: the client's streamed downloads pile up listeners when a reader asks this often.
      read: async (name) => {
        const res = await fetch(
          `${emu.endpoint}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(dir + name)}?alt=media`,
        )
        return res.ok ? Buffer.from(await res.arrayBuffer()) : undefined
      },
      list: async () =>
        (await storage.bucket(bucket).getFiles({ prefix: dir }))[0].map((f) => f.name.slice(dir.length)),
    }
  }

  test('3 publishers, 3 rounds: one whole set at every instant, losers say so and touch nothing', async () => {
    const report = await publishRaces(store('races'), work, { rounds: 3, publishers: 3 })
    expect(report.runs).toBe(9)
    expect(report.observed).toBeGreaterThan(20)
  })

  test('runs killed at random moments: the next run removes their temporary objects', async () => {
    const report = await killRounds(store('kills'), work, { rounds: 4, maxDelayMs: 2500, bytes: 3 << 20 })
    expect(report.killed).toBeGreaterThan(0)
  })
})
