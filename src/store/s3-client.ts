import { createHash } from 'node:crypto'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectCannedACL,
} from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { StageError } from '../util/errors.ts'
import type { StoreOptions } from './options.ts'
import { describe, retryPolicy, withRetry, type RetryPolicy } from './retry.ts'

/** 8 MiB parts, 3 in flight: 10,000 parts cover 80 GB, and memory stays at a few parts. */
export const PART_SIZE = 8 << 20
export const PARTS_IN_FLIGHT = 3
export const CONTENT_TYPE = { '.lz4': 'application/x-lz4', '.json': 'application/json' } as Record<
  string,
  string
>

/** For tests: shorter socket timeouts than a real upload wants. */
export interface S3Tuning {
  socketTimeoutMs?: number
  baseDelayMs?: number
  onRetry?: RetryPolicy['onRetry']
}

/**
 * An S3 bucket (AWS or any S3-compatible store). Credentials and region come from the SDK's default
 * chain, as aws-actions/configure-aws-credentials exports them; an endpoint means path-style
 * addressing and checksum settings that stores other than AWS accept.
 */
export class S3Bucket {
  readonly bucket: string
  readonly prefix: string
  readonly options: StoreOptions
  readonly client: S3Client
  readonly tuning: S3Tuning

  constructor(bucket: string, prefix: string, options: StoreOptions, tuning: S3Tuning = {}) {
    this.bucket = bucket
    this.prefix = prefix
    this.options = options
    this.tuning = tuning
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
      // Ours is the only retry layer: per part, with one budget for the whole publication.
      maxAttempts: 1,
      // aws-chunked bodies and CRC32 checksums are refused or stored as-is by stores that are not AWS.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 10_000,
        // A stalled connection is a transient fault like any other: time it out and retry.
        socketTimeout: tuning.socketTimeoutMs ?? 60_000,
      }),
    })
    // Parts carry Content-MD5, which the store checks; signing their payload too would hash every byte
    // once more (SHA-256, on the main thread) for no further safety.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand')
          (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] =
            'UNSIGNED-PAYLOAD'
        return next(args)
      },
      { step: 'build', name: 'unsignedPartPayload' },
    )
  }

  key(path: string): string {
    return this.prefix ? `${this.prefix}/${path}` : path
  }

  url(path: string): string {
    return `s3://${this.bucket}/${this.key(path)}`
  }

  policy(): RetryPolicy {
    return retryPolicy(this.options.uploadTimeoutMs, {
      ...(this.tuning.baseDelayMs !== undefined ? { baseDelayMs: this.tuning.baseDelayMs } : {}),
      ...(this.tuning.onRetry ? { onRetry: this.tuning.onRetry } : {}),
    })
  }

  /** Runs one request with retries, turning permanent failures into errors that say what to check. */
  async call<T>(what: string, fn: () => Promise<T>, policy = this.policy()): Promise<T> {
    try {
      return await withRetry(what, fn, isTransient, policy)
    } catch (err) {
      throw this.explain(what, err)
    }
  }

  explain(what: string, err: unknown): Error {
    if (err instanceof StageError) return err
    const status = httpStatus(err)
    const name = (err as Error)?.name ?? ''
    let hint = ''
    if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(name))
      hint = ` The credentials (${credentialSource()}) are not allowed to do this, or are wrong.`
    else if (name === 'CredentialsProviderError')
      hint = ` No credentials were found (looked in ${credentialSource()}): configure them, e.g. with aws-actions/configure-aws-credentials.`
    // HeadBucket has no body, so a missing bucket is a bare 404 there.
    else if (status === 404 && (name === 'NoSuchBucket' || what === 'checking access'))
      hint = ` The bucket does not exist${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}.`
    else if (['ECONNREFUSED', 'ENOTFOUND'].includes(errorCode(err)))
      hint = ` Nothing answers at ${this.options.endpoint ?? 'the AWS endpoint'}: check input "endpoint".`
    return new StageError('store', `${what} in bucket s3://${this.bucket} failed: ${describe(err)}.${hint}`, {
      cause: err,
    })
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      const out = await this.call(`reading ${this.url(path)}`, async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }))
        return Buffer.from(await res.Body!.transformToByteArray())
      })
      return out
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async size(path: string): Promise<number | undefined> {
    return (await this.head(path))?.size
  }

  async head(path: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      return await this.call(`looking up ${this.url(path)}`, async () => {
        const res = await this.client.send(
          new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
        )
        return { size: res.ContentLength ?? 0, etag: (res.ETag ?? '').replaceAll('"', '') }
      })
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async folders(prefix: string): Promise<string[]> {
    const base = `${this.key(prefix)}/`
    const names: string[] = []
    let token: string | undefined
    do {
      const res = await this.call(`listing ${this.url(prefix)}/`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        ),
      )
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) names.push(p.Prefix.slice(base.length, -1))
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
    return names
  }

  async putObject(path: string, data: Uint8Array, policy: RetryPolicy, exclusive = false): Promise<void> {
    const md5 = createHash('md5').update(data).digest('base64')
    await this.call(
      `uploading ${this.url(path)}`,
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(path),
            Body: data,
            // The store checks the bytes it got against this and refuses a mismatch (BadDigest).
            ContentMD5: md5,
            ...this.objectSettings(path),
            ...(exclusive ? { IfNoneMatch: '*' } : {}),
          }),
        ),
      policy,
    )
  }

  objectSettings(path: string): { CacheControl?: string; ContentType: string; ACL?: ObjectCannedACL } {
    const ext = path.slice(path.lastIndexOf('.'))
    return {
      ...(this.options.cacheControl ? { CacheControl: this.options.cacheControl } : {}),
      ContentType: CONTENT_TYPE[ext] ?? 'text/plain; charset=utf-8',
      ...(this.options.acl ? { ACL: this.options.acl as ObjectCannedACL } : {}),
    }
  }

  async delete(path: string, policy: RetryPolicy): Promise<void> {
    await this.call(
      `removing ${this.url(path)}`,
      () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) })),
      policy,
    )
  }
}

export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

export function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } }
  return e?.code ?? e?.cause?.code ?? ''
}

export function isNotFound(err: unknown): boolean {
  const name = (err as Error)?.name
  return httpStatus(err) === 404 || name === 'NoSuchKey' || name === 'NotFound'
}

export const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED'])
export const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'BadDigest',
  'ThrottlingException',
])

/**
 * Connection resets, timeouts, 429, 5xx, SlowDown: worth another try. 4xx never, and neither is a refused
 * connection or an unknown host: that is a wrong endpoint far more often than a store restarting, and
 * retrying it would hold the run for the whole upload-timeout.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof StageError) return false
  const status = httpStatus(err)
  if (status === 429 || (status !== undefined && status >= 500)) return true
  const e = err as { name?: string; code?: string; cause?: { code?: string } }
  if (TRANSIENT_NAMES.has(e?.name ?? '')) return true
  if (TRANSIENT_CODES.has(e?.code ?? '') || TRANSIENT_CODES.has(e?.cause?.code ?? '')) return true
  // Network failures surface without an HTTP status.
  return (
    status === undefined &&
    /socket hang up|ECONNRESET|EPIPE|timed? ?out|aborted/i.test(String((err as Error)?.message))
  )
}

/** Where the AWS SDK takes credentials from, named without ever showing one. */
export function credentialSource(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AWS_ACCESS_KEY_ID) return 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment'
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'the web identity token in AWS_WEB_IDENTITY_TOKEN_FILE (OIDC)'
  if (env.AWS_PROFILE) return `the AWS profile "${env.AWS_PROFILE}"`
  return "the AWS SDK's default chain (shared config files, instance or container credentials)"
}
