import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { StageError } from '../util/errors.ts'
import { formatSeconds } from '../util/log.ts'

/** How long finding credentials may take: a metadata server answers in milliseconds where there is one. */
export const CREDENTIALS_TIMEOUT_MS = 10_000

/** What the search for credentials found: where they came from, or every place it looked. */
export type CredentialSearch =
  { found: true; source: string } | { found: false; tried: string[]; why: string }

/**
 * Runs a client library's own credential discovery (the AWS SDK's default provider chain, Google's
 * application default credentials), bounded in time, and says where it looked. No credential is ever
 * part of the answer.
 */
export async function searchCredentials(
  kind: 's3' | 'gcs',
  resolve: () => Promise<unknown>,
  timeoutMs = CREDENTIALS_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CredentialSearch> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      resolve(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${formatSeconds(timeoutMs)}`)), timeoutMs)
        timer.unref()
      }),
    ])
    return { found: true, source: kind === 's3' ? awsSource(env) : gcsSource(env) }
  } catch (err) {
    return { found: false, tried: kind === 's3' ? awsSources(env) : gcsSources(env), why: firstLine(err) }
  } finally {
    clearTimeout(timer)
  }
}

/** The error for a destination without credentials. */
export function noCredentials(url: string, search: Extract<CredentialSearch, { found: false }>): StageError {
  return new StageError(
    'store',
    `no credentials found for ${url} (${search.why}); tried: ${search.tried.join('; ')}`,
  )
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0]!.slice(0, 200)
}

const set = (env: NodeJS.ProcessEnv, name: string): string =>
  env[name] ? `${name} is set` : `${name} is not set`

/** The AWS SDK's default chain, in its order. */
function awsSources(env: NodeJS.ProcessEnv): string[] {
  const imds =
    env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true'
      ? 'EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)'
      : `EC2 instance metadata at ${env.AWS_EC2_METADATA_SERVICE_ENDPOINT || 'http://169.254.169.254'}`
  return [
    `environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: ${env.AWS_ACCESS_KEY_ID ? 'AWS_ACCESS_KEY_ID is set' : 'not set'})`,
    `shared config and credentials files (${env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials')}, profile ${env.AWS_PROFILE || 'default'})`,
    `web identity (${set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE')})`,
    `container credentials (${env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ? 'AWS_CONTAINER_CREDENTIALS_*_URI is set' : 'AWS_CONTAINER_CREDENTIALS_*_URI not set'})`,
    imds,
  ]
}

/** Where the AWS SDK took credentials from, named without ever showing one. */
export function awsSource(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AWS_ACCESS_KEY_ID) return 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment'
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)'
  if (env.AWS_PROFILE) return `the AWS profile "${env.AWS_PROFILE}"`
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return 'container credentials'
  return "the AWS SDK's default chain (shared config files, or instance metadata)"
}

/** Google's application default credentials, in their order. */
function gcsSources(env: NodeJS.ProcessEnv): string[] {
  const wellKnown = join(
    env.CLOUDSDK_CONFIG || join(homedir(), '.config', 'gcloud'),
    'application_default_credentials.json',
  )
  return [
    `GOOGLE_APPLICATION_CREDENTIALS (${env.GOOGLE_APPLICATION_CREDENTIALS ? `set, ${existsSync(env.GOOGLE_APPLICATION_CREDENTIALS) ? 'the file exists' : 'no such file'}` : 'not set'})`,
    `gcloud's application default credentials (${wellKnown}: ${existsSync(wellKnown) ? 'exists' : 'not found'})`,
    `the GCE metadata server (${env.GCE_METADATA_HOST || env.GCE_METADATA_IP || '169.254.169.254 and metadata.google.internal'})`,
  ]
}

export function gcsSource(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOOGLE_APPLICATION_CREDENTIALS)
    return 'the credentials file named by GOOGLE_APPLICATION_CREDENTIALS'
  return 'application default credentials (gcloud, or the metadata server)'
}
