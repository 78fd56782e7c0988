import { InputError } from '../util/errors.ts'
import { LocalStore, parseLocalDestination } from './local.ts'
import type { StoreContext, StoreOptions } from './options.ts'
import type { Store } from './store.ts'
import type { CredentialSearch } from './credentials.ts'

export type Destination =
  { kind: 'local'; root: string } | { kind: 's3' | 'gcs'; bucket: string; prefix: string }

// Bucket names as the stores allow them (GCS also takes underscores); dotted names are fine on both.
const BUCKET = { s3: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, gcs: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/ }
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

/** gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, or a local folder (a path or a file:// URL). */
export function parseDestination(value: string, cwd = process.cwd()): Destination {
  const m = /^(s3|gs):\/\/([^/]*)\/?(.*)$/.exec(value)
  if (!m) return { kind: 'local', root: parseLocalDestination(value, cwd) }
  const kind = m[1] === 's3' ? 's3' : 'gcs'
  const bucket = m[2]!
  if (!BUCKET[kind].test(bucket) || bucket.includes('..'))
    throw new InputError(
      'destination',
      value,
      `"${bucket}" is not a valid ${kind === 's3' ? 'S3' : 'GCS'} bucket name`,
    )
  const prefix = m[3]!.replace(/\/+$/, '')
  if (prefix !== '' && prefix.split('/').some((s) => !SEGMENT.test(s) || s.includes('..')))
    throw new InputError(
      'destination',
      value,
      'the prefix after the bucket must be folder names of letters, digits, ".", "_" and "-" separated by "/"',
    )
  return { kind, bucket, prefix }
}

/**
 * `context`: the run's cancellation and log, and for tests of faults shorter timeouts, delays and leases.
 * The cloud clients are loaded only for their own kind of destination: the AWS SDK and the GCS client are
 * megabytes of JavaScript and tens of MB of memory that a run publishing to a folder has no use for.
 */
export async function openStore(
  value: string,
  options: StoreOptions,
  context: StoreContext = {},
): Promise<Store> {
  const destination = parseDestination(value)
  checkOptions(destination, options)
  const full = { ...context, uploadTimeoutMs: options.uploadTimeoutMs }
  switch (destination.kind) {
    case 'local':
      return new LocalStore(destination.root, 'destination', full)
    case 's3': {
      const { S3Store } = await import('./s3.ts')
      return new S3Store(destination.bucket, destination.prefix, options, full)
    }
    case 'gcs': {
      const { GcsStore } = await import('./gcs.ts')
      return new GcsStore(destination.bucket, destination.prefix, options, full)
    }
  }
}

/**
 * Whether the client library of a bucket destination finds credentials, as it would when publishing
 * (the AWS SDK's default chain, with instance metadata; Google's application default credentials, with
 * the metadata server), bounded in time. A local folder needs none; an emulator (STORAGE_EMULATOR_HOST)
 * needs none.
 */
export async function findCredentials(
  value: string,
  options: { endpoint?: string; timeoutMs?: number } = {},
): Promise<CredentialSearch> {
  const destination = parseDestination(value)
  if (destination.kind === 'local') return { found: true, source: 'a local folder needs none' }
  if (destination.kind === 's3') {
    const { findS3Credentials } = await import('./s3-client.ts')
    return findS3Credentials(options.endpoint ?? '', options.timeoutMs)
  }
  if (process.env.STORAGE_EMULATOR_HOST)
    return { found: true, source: 'an emulator (STORAGE_EMULATOR_HOST) needs none' }
  const { findGcsCredentials } = await import('./gcs.ts')
  return findGcsCredentials(options.timeoutMs)
}

/** Options of one kind of store given for another are mistakes worth stopping for. */
function checkOptions(destination: Destination, options: StoreOptions): void {
  const wrong: [string, string, boolean][] = [
    ['endpoint', options.endpoint, destination.kind !== 's3'],
    ['acl', options.acl, destination.kind !== 's3'],
    ['predefined-acl', options.predefinedAcl, destination.kind !== 'gcs'],
  ]
  for (const [name, value, misplaced] of wrong) {
    if (value !== '' && misplaced)
      throw new InputError(
        name,
        value,
        `only applies to ${name === 'predefined-acl' ? 'a gs://' : 'an s3://'} destination, not ${destination.kind === 'local' ? 'a local folder' : `a ${destination.kind === 's3' ? 's3' : 'gs'}:// one`}`,
      )
  }
}
