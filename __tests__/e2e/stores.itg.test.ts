import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { Storage } from '@google-cloud/storage'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installAction, runAction, type ActionRun } from '../helpers/action.ts'
import { dockerAvailable, requireTool } from '../helpers/env.ts'
import { parseFrame } from '../helpers/frame.ts'
import { startGcsEmulator } from '../helpers/gcs-emulator.ts'
import { freshBucket, removeBucket, s3Client, s3Server } from '../helpers/swift.ts'

// The bundled action (dist/ alone, as GitHub runs it) publishes a real Debian image to each kind of
// bucket; what the bucket then holds is read back and checked the way metal-hammer would use it.
const root = resolve(import.meta.dirname, '..', '..')
const ready = dockerAvailable() && requireTool('lz4', 'apt-get install lz4')
const s3 = ready ? await s3Server() : undefined
const gcs = ready ? await startGcsEmulator() : undefined
const IMAGE = 'debian:bookworm'
// debian:bookworm has no kernel: the contract check warns (its failing case is tested in e2e.test.ts).
const OS = { 'os-name': 'debian', 'os-version': '12', image: IMAGE, channel: 'stable', contract: 'warn' }
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex')

/** What a downloaded set must satisfy: the md5 object matches the image, lz4 decodes it, packages are dpkg -l. */
function checkDownloaded(run: ActionRun, files: { image: Buffer; md5: string; packages: string }): void {
  expect(run.code, run.stdout + run.stderr).toBe(0)
  expect(files.md5).toBe(`${md5(files.image)}  img.tar.lz4\n`)
  expect(run.outputs.md5).toBe(md5(files.image))
  expect(run.outputs.size).toBe(String(files.image.length))
  expect(parseFrame(files.image).trailing).toBe(0)
  const dir = mkdtempSync(join(tmpdir(), 'metal-image-e2e-stores-'))
  const decoded = execFileSync('lz4', ['-d', '-c'], { input: files.image, maxBuffer: 1 << 30 })
  expect(String(decoded.length)).toBe(run.outputs['rootfs-size'])
  // GNU tar reads the decoded rootfs whole.
  expect(
    execFileSync('tar', ['-tf', '-'], { input: decoded, maxBuffer: 1 << 28, cwd: dir }).toString(),
  ).toMatch(/usr\/bin\/dpkg\n/)
  expect(files.packages).toBe(execFileSync('docker', ['run', '--rm', IMAGE, 'dpkg', '-l']).toString())
}

describe.skipIf(!ready)('the bundled action publishes a Debian image to the buckets', () => {
  let action: string

  beforeAll(() => {
    execFileSync('bash', [join(root, 'scripts/base-image.sh'), IMAGE])
    action = installAction()
  })

  describe.skipIf(!s3)('S3 (OpenStack Swift)', () => {
    let client: S3Client
    let bucket: string
    beforeAll(async () => {
      client = s3Client(s3!)
      bucket = await freshBucket(client, 'e2e')
    })
    afterAll(async () => {
      if (client) await removeBucket(client, bucket)
    })

    test('s3:// with an endpoint: downloads back intact; the secret appears nowhere', async () => {
      const run = await runAction(
        action,
        { ...OS, destination: `s3://${bucket}/metal-os`, endpoint: s3!.endpoint },
        {
          env: {
            AWS_ACCESS_KEY_ID: s3!.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3!.secretAccessKey,
            AWS_REGION: s3!.region,
          },
        },
      )
      const dir = 'metal-os/stable/debian/12'
      const get = async (name: string) =>
        Buffer.from(
          await (
            await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${dir}/${name}` }))
          ).Body!.transformToByteArray(),
        )
      checkDownloaded(run, {
        image: await get('img.tar.lz4'),
        md5: (await get('img.tar.lz4.md5')).toString(),
        packages: (await get('packages.txt')).toString(),
      })
      expect(run.outputs.url).toBe(`s3://${bucket}/${dir}/img.tar.lz4`)
      const keys = (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents!.map(
        (o) => o.Key,
      )
      expect(keys.sort()).toEqual(
        [
          'contract.json',
          'img.tar.lz4',
          'img.tar.lz4.md5',
          'packages.txt',
          'sbom.cdx.json',
          'versions.json',
        ].map((n) => `${dir}/${n}`),
      )
      // Only in the runner's ::add-mask:: command, which the runner consumes and never shows: then it is
      // masked wherever a library might print it.
      expect(run.stdout).toContain(`::add-mask::${s3!.secretAccessKey}`)
      const shown = (run.stdout + run.stderr + run.summary)
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n')
      expect(shown).not.toContain(s3!.secretAccessKey)
    })
  })

  describe.skipIf(!gcs)('Google Cloud Storage (emulator)', () => {
    afterAll(async () => {
      await gcs?.stop()
    })

    test('gs://: downloads back intact, with the md5 the store computed', async () => {
      const run = await runAction(
        action,
        { ...OS, destination: 'gs://metal-images/e2e' },
        { env: { STORAGE_EMULATOR_HOST: gcs!.endpoint } },
      )
      const storage = new Storage({ apiEndpoint: gcs!.endpoint, projectId: gcs!.projectId })
      const dir = 'e2e/stable/debian/12'
      const file = (name: string) => storage.bucket('metal-images').file(`${dir}/${name}`)
      const get = async (name: string) => (await file(name).download())[0]
      checkDownloaded(run, {
        image: await get('img.tar.lz4'),
        md5: (await get('img.tar.lz4.md5')).toString(),
        packages: (await get('packages.txt')).toString(),
      })
      const [meta] = await file('img.tar.lz4').getMetadata()
      expect(Buffer.from(meta.md5Hash!, 'base64').toString('hex')).toBe(run.outputs.md5)
      expect(run.outputs.url).toBe(`gs://metal-images/${dir}/img.tar.lz4`)
    })
  })
})
