import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { installAction, runAction } from '../helpers/action.ts'
import { requireTool } from '../helpers/env.ts'
import { startMetadataServer, type MetadataServer } from '../helpers/peers.ts'
import { rootfsTar } from '../helpers/publishers.ts'
import { startResultsService } from '../helpers/results-service.ts'
import { freshBucket, removeBucket, s3Client, s3Server, type S3Server } from '../helpers/swift.ts'

// A self-hosted runner on EC2 gets its credentials from the instance metadata, with no variable naming
// them. With artifact: auto and a bucket destination the action must find them as the AWS SDK does and
// publish to the bucket, not fall back to a workflow artifact as it would for a fork's pull request.
// The metadata server is a stand-in on 127.0.0.1 handing out the local Swift's keys; the artifact
// service is the stand-in of helpers/results-service.ts.

const tools = requireTool('tar', 'apt-get install tar')
const server = tools ? await s3Server() : undefined
const service = server ? await startResultsService() : undefined
afterAll(async () => {
  await service?.close()
})

describe.skipIf(!server || !service)('credentials from instance metadata (issue 16)', () => {
  let s: S3Server
  let client: S3Client
  let bucket: string
  let imds: MetadataServer
  let action: string
  const work = mkdtempSync(join(tmpdir(), 'metal-image-credentials-'))

  beforeAll(async () => {
    s = server!
    client = s3Client(s)
    bucket = await freshBucket(client, 'imds')
    imds = await startMetadataServer('aws', {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
    })
    action = installAction()
  })
  afterAll(async () => {
    await imds?.close()
    if (client) await removeBucket(client, bucket)
  })

  const publish = (metadata: string, prefix: string) =>
    runAction(
      action,
      {
        rootfs: rootfsTar(work, prefix),
        'os-name': 'debian',
        'os-version': '12',
        contract: 'off',
        'build-info': 'false',
        destination: `s3://${bucket}/${prefix}`,
        endpoint: s.endpoint,
        'artifact-name': `image-${prefix}`,
        channel: 'stable',
      },
      {
        env: {
          ...service!.env,
          // A push: not a fork's pull request, so "no credentials" would mean an error, not an artifact.
          GITHUB_EVENT_NAME: 'push',
          GITHUB_REF: 'refs/heads/main',
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_PROFILE: '',
          AWS_WEB_IDENTITY_TOKEN_FILE: '',
          AWS_REGION: s.region,
          HOME: mkdtempSync(join(work, 'home-')),
          AWS_EC2_METADATA_SERVICE_ENDPOINT: metadata,
        },
      },
    )

  const keys = async (prefix: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort()

  test('artifact auto, s3:// destination, keys only from the metadata server: published to the bucket', async () => {
    const before = service!.artifacts().length
    const run = await publish(imds.endpoint, 'ec2')
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/the destination is given and its credentials are there: no artifact/)
    expect(run.stdout).not.toMatch(/No credentials for/)
    expect(imds.paths).toContain('GET /latest/meta-data/iam/security-credentials/runner-role')
    expect(await keys('ec2')).toEqual([
      'ec2/stable/debian/12/img.tar.lz4',
      'ec2/stable/debian/12/img.tar.lz4.md5',
      'ec2/stable/debian/12/sbom.cdx.json',
      'ec2/stable/debian/12/versions.json',
    ])
    expect(service!.artifacts()).toHaveLength(before)
    // The key never shows.
    expect(run.stdout + run.stderr).not.toContain(s.secretAccessKey)
  })

  test('without a metadata server the same run finds none, and says so quickly', async () => {
    const started = performance.now()
    const run = await publish('http://127.0.0.1:9', 'none')
    expect(performance.now() - started).toBeLessThan(30_000)
    expect(run.stdout).toMatch(
      /the destination's credentials are missing, but this is not a pull request from a fork/,
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /::error::no credentials found for s3:\/\/.*\/none .*EC2 instance metadata at http:\/\/127\.0\.0\.1:9/,
    )
    expect(await keys('none')).toEqual([])
  })
})
