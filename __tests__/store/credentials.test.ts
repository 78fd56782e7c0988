import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resetIsAvailableCache } from 'gcp-metadata'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { findCredentials } from '../../src/store/open.ts'
import { startMetadataServer, startPeer } from '../helpers/peers.ts'

// Credentials are found by the client libraries' own discovery (the AWS SDK's default chain, Google's
// application default credentials), metadata servers included, bounded in time. The metadata servers are
// stand-ins on 127.0.0.1 (GCE_METADATA_HOST, AWS_EC2_METADATA_SERVICE_ENDPOINT): a runner on EC2 or GCE
// has credentials without a single environment variable naming them.

const AMBIENT = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'CLOUDSDK_CONFIG',
  'STORAGE_EMULATOR_HOST',
]

describe('finding credentials the way the client libraries do', () => {
  const saved = { ...process.env }
  beforeEach(() => {
    for (const name of AMBIENT) delete process.env[name]
    // No ~/.aws, no gcloud configuration.
    process.env.HOME = mkdtempSync(join(tmpdir(), 'metal-image-home-'))
    // Google's library remembers for the process whether a metadata server answered.
    resetIsAvailableCache()
  })
  afterEach(() => {
    process.env = { ...saved }
  })

  test('s3:// on an EC2 runner: the instance metadata (IMDSv2) gives them, no variable set', async () => {
    const imds = await startMetadataServer('aws')
    try {
      process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.endpoint
      const found = await findCredentials('s3://images/metal-os')
      expect(found).toEqual({ found: true, source: expect.stringMatching(/default chain/) })
      expect(imds.paths).toEqual([
        'PUT /latest/api/token',
        'GET /latest/meta-data/iam/security-credentials/',
        'GET /latest/meta-data/iam/security-credentials/runner-role',
      ])
    } finally {
      await imds.close()
    }
  })

  test('none anywhere: "not found", quickly, with every place the library looked', async () => {
    // Nothing listens there: refused at once.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9'
    process.env.GCE_METADATA_HOST = '127.0.0.1:9'
    let started = performance.now()
    const s3 = await findCredentials('s3://images/metal-os')
    expect(performance.now() - started).toBeLessThan(5000)
    expect(s3).toEqual({
      found: false,
      why: 'Could not load credentials from any providers',
      tried: [
        'environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: not set)',
        expect.stringMatching(
          /^shared config and credentials files \(.*\/\.aws\/credentials, profile default\)$/,
        ),
        'web identity (AWS_WEB_IDENTITY_TOKEN_FILE is not set)',
        'container credentials (AWS_CONTAINER_CREDENTIALS_*_URI not set)',
        'EC2 instance metadata at http://127.0.0.1:9',
      ],
    })
    started = performance.now()
    const gcs = await findCredentials('gs://images/metal-os')
    expect(performance.now() - started).toBeLessThan(5000)
    expect(gcs.found).toBe(false)
    expect(gcs.found === false && gcs.tried).toEqual([
      'GOOGLE_APPLICATION_CREDENTIALS (not set)',
      expect.stringMatching(
        /^gcloud's application default credentials \(.*application_default_credentials\.json: not found\)$/,
      ),
      'the GCE metadata server (127.0.0.1:9)',
    ])
  })

  test('a metadata server that never answers: "not found" when the bound runs out, not minutes later', async () => {
    const silent = await startPeer({ kind: 'silent' })
    try {
      process.env.GCE_METADATA_HOST = `127.0.0.1:${silent.port}`
      const started = performance.now()
      const gcs = await findCredentials('gs://images/metal-os', { timeoutMs: 1500 })
      expect(performance.now() - started).toBeLessThan(2500)
      expect(gcs).toMatchObject({ found: false, why: 'no answer within 1.5 s' })
    } finally {
      await silent.close()
    }
  })

  test('a store without credentials says so, naming the destination and where it looked', async () => {
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9'
    const { S3Store } = await import('../../src/store/s3.ts')
    const options = { endpoint: '', cacheControl: '', acl: '', predefinedAcl: '', uploadTimeoutMs: 60_000 }
    const store = new S3Store('images', 'metal-os', { ...options, endpoint: 'http://127.0.0.1:9' })
    await expect(store.read('debian/12/versions.json')).rejects.toThrow(
      /^no credentials found for s3:\/\/images\/metal-os \(Could not load credentials from any providers\); tried: environment .*; EC2 instance metadata at http:\/\/127\.0\.0\.1:9$/,
    )
    process.env.GCE_METADATA_HOST = '127.0.0.1:9'
    const { GcsStore } = await import('../../src/store/gcs.ts')
    const gcs = new GcsStore('images', 'metal-os', options)
    await expect(gcs.begin(['debian/12'])).rejects.toThrow(
      /^no credentials found for gs:\/\/images\/metal-os \(.*\); tried: GOOGLE_APPLICATION_CREDENTIALS \(not set\); .*; the GCE metadata server \(127\.0\.0\.1:9\)$/,
    )
  })

  test('a local folder and an emulator need none', async () => {
    expect(await findCredentials('/tmp/images')).toMatchObject({ found: true })
    process.env.STORAGE_EMULATOR_HOST = 'http://127.0.0.1:9'
    expect(await findCredentials('gs://images/x')).toMatchObject({ found: true })
  })
  test('gs:// on a GCE runner (or GKE workload identity): the metadata server gives an access token', async () => {
    const gce = await startMetadataServer('gce')
    try {
      process.env.GCE_METADATA_HOST = gce.host
      const found = await findCredentials('gs://images/metal-os')
      expect(found.found).toBe(true)
      expect(
        gce.paths.some((p) =>
          p.startsWith('GET /computeMetadata/v1/instance/service-accounts/default/token'),
        ),
      ).toBe(true)
    } finally {
      await gce.close()
    }
  })
})
