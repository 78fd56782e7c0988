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
import { silentLog, type Log } from '../util/log.ts'
import {
  awsSource,
  noCredentials,
  searchCredentials,
  CREDENTIALS_TIMEOUT_MS,
  type CredentialSearch,
} from './credentials.ts'
import { readWhole } from './bucket.ts'
import type { StoreContext, StoreOptions, StoreTuning } from './options.ts'
import {
  ceiling,
  formatBudget,
  timeoutsFrom,
  describe,
  Health,
  stopped,
  withRetry,
  type RetryPolicy,
  type Timeouts,
} from './retry.ts'

/** 8 MiB parts, 3 in flight: 10,000 parts cover 80 GB, and memory stays at a few parts. */
export const PART_SIZE = 8 << 20
export const PARTS_IN_FLIGHT = 3
export const CONTENT_TYPE = { '.lz4': 'application/x-lz4', '.json': 'application/json' } as Record<
  string,
  string
>

/** Cleanup requests (aborting an upload, removing a temporary object) when the run is over: short. */
const CLEANUP_MS = 5_000

/**
 * An S3 bucket (AWS or any S3-compatible store). Credentials and region come from the SDK's default
 * chain, as aws-actions/configure-aws-credentials exports them; an endpoint means path-style
 * addressing and checksum settings that stores other than AWS accept. Every request has its own
 * timeouts (connect, idle socket, the whole attempt), is retried when the fault is transient, with
 * backoff, within the store's budget, and fails early when the endpoint is dead (retry.ts).
 */
export class S3Bucket {
  readonly bucket: string
  readonly prefix: string
  readonly options: StoreOptions
  readonly client: S3Client
  readonly tuning: StoreTuning
  readonly timeouts: Timeouts
  readonly health: Health
  /** Cancellation, or the upload-timeout budget running out. */
  readonly signal: AbortSignal
  /** performance.now() when the budget runs out. */
  readonly deadline: number
  readonly log: Log
  private credentials: Promise<void> | undefined

  constructor(bucket: string, prefix: string, options: StoreOptions, context: StoreContext = {}) {
    this.bucket = bucket
    this.prefix = prefix
    this.options = options
    this.tuning = context.tuning ?? {}
    this.log = context.log ?? silentLog
    this.timeouts = timeoutsFrom(this.tuning)
    this.deadline = performance.now() + options.uploadTimeoutMs
    this.signal = ceiling(
      options.uploadTimeoutMs,
      context.signal,
      `upload-timeout of ${formatBudget(options.uploadTimeoutMs)}`,
    )
    this.health = new Health(
      options.endpoint || `https://s3.${region()}.amazonaws.com`,
      this.timeouts.deadAfterMs,
    )
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      region: region(),
      // Ours is the only retry layer: per part, with one budget for the whole publication.
      maxAttempts: 1,
      // aws-chunked bodies and CRC32 checksums are refused or stored as-is by stores that are not AWS.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        connectionTimeout: this.timeouts.connectMs,
        // No byte either way for this long (including the wait for the answer's first byte): a stall.
        socketTimeout: this.timeouts.idleMs,
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

  /** Finds credentials once, bounded in time: "no credentials found", and where it looked, at once. */
  ready(): Promise<void> {
    this.credentials ??= (async () => {
      const search = await searchCredentials(
        's3',
        () => this.client.config.credentials(),
        this.tuning.credentialsMs ?? CREDENTIALS_TIMEOUT_MS,
      )
      if (!search.found) throw noCredentials(`s3://${this.bucket}/${this.prefix}`, search)
    })()
    return this.credentials
  }

  policy(attemptMs = this.timeouts.requestMs): RetryPolicy {
    return {
      deadline: this.deadline,
      baseDelayMs: this.tuning.baseDelayMs ?? 250,
      maxDelayMs: 20_000,
      signal: this.signal,
      health: this.health,
      attemptMs,
      onRetry: (what, attempt, delay, err) => {
        this.log.info(
          `retrying ${what} in ${(delay / 1000).toFixed(1)} s (attempt ${attempt + 1}): ${describe(err)}`,
        )
        this.tuning.onRetry?.(what, attempt, delay, err)
      },
    }
  }

  /**
   * Runs one request with retries, turning permanent failures into errors that say what to check.
   * `fn` gets the attempt's signal, to pass to client.send.
   */
  async call<T>(
    what: string,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
    policy = this.policy(),
  ): Promise<T> {
    await this.ready()
    try {
      return await withRetry(what, (_attempt, signal) => fn(signal), isTransient, policy)
    } catch (err) {
      throw stopped(what, err, this.signal) ?? this.explain(what, err)
    }
  }

  /** A request on the way out (aborting an upload, removing a temporary object): short, not cancellable. */
  async cleanup(what: string, fn: (signal: AbortSignal | undefined) => Promise<unknown>): Promise<void> {
    const policy: RetryPolicy = {
      deadline: performance.now() + CLEANUP_MS,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      signal: AbortSignal.timeout(CLEANUP_MS),
    }
    try {
      await withRetry(what, (_attempt, signal) => fn(signal), isTransient, policy)
    } catch (err) {
      throw this.explain(what, err)
    }
  }

  explain(what: string, err: unknown): Error {
    if (err instanceof StageError) return err
    if (typeof err === 'string' || err === undefined)
      return new StageError('cancel', `${what}: stopped (${String(err)})`)
    const status = httpStatus(err)
    const name = (err as Error)?.name ?? ''
    let hint = ''
    if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'].includes(name))
      hint = ` The credentials (${awsSource()}) are not allowed to do this, or are wrong.`
    else if (name === 'CredentialsProviderError')
      hint = ` No credentials were found (looked in ${awsSource()}): configure them, e.g. with aws-actions/configure-aws-credentials.`
    // HeadBucket has no body, so a missing bucket is a bare 404 there.
    else if (status === 404 && (name === 'NoSuchBucket' || what === 'checking access'))
      hint = ` The bucket does not exist${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}.`
    else if (['ECONNREFUSED', 'ENOTFOUND'].includes(errorCode(err)))
      hint = ` Nothing answers at ${this.health.endpoint}: check input "endpoint".`
    return new StageError('store', `${what} in bucket s3://${this.bucket} failed: ${describe(err)}.${hint}`, {
      cause: err,
    })
  }

  async read(path: string): Promise<Buffer | undefined> {
    return (await this.get(path))?.body
  }

  /** An object's bytes and ETag; undefined when there is none. */
  async get(path: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      return await this.call(`reading ${this.url(path)}`, async (abortSignal) => {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
          {
            abortSignal,
          },
        )
        const body = await readWhole(
          res.Body as unknown as AsyncIterable<Uint8Array>,
          this.url(path),
          res.ContentLength,
        )
        return { body, etag: res.ETag ?? '' }
      })
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async size(path: string): Promise<number | undefined> {
    return (await this.head(path))?.size
  }

  async exists(path: string): Promise<boolean> {
    return (await this.head(path)) !== undefined
  }

  write(path: string, data: Uint8Array): Promise<string> {
    return this.putObject(path, data)
  }

  async head(path: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      return await this.call(`looking up ${this.url(path)}`, async (abortSignal) => {
        const res = await this.client.send(
          new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
          {
            abortSignal,
          },
        )
        return { size: res.ContentLength ?? 0, etag: (res.ETag ?? '').replaceAll('"', '') }
      })
    } catch (err) {
      if (isNotFound((err as Error).cause)) return undefined
      throw err
    }
  }

  async folders(prefix: string): Promise<string[]> {
    return (await this.listing(prefix)).folders
  }

  /** The objects and folders directly under a folder; `deep`: every object below it, and no folders. */
  async listing(
    prefix: string,
    deep = false,
  ): Promise<{ folders: string[]; objects: { name: string; modified?: number }[] }> {
    const base = prefix ? `${this.key(prefix)}/` : this.prefix ? `${this.prefix}/` : ''
    const folders: string[] = []
    const objects: { name: string; modified?: number }[] = []
    let token: string | undefined
    do {
      const res = await this.call(`listing ${this.url(prefix)}/`, (abortSignal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base,
            Delimiter: deep ? undefined : '/',
            ContinuationToken: token,
          }),
          { abortSignal },
        ),
      )
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(base.length, -1))
      for (const o of res.Contents ?? [])
        if (o.Key) objects.push({ name: o.Key.slice(base.length), modified: o.LastModified?.getTime() })
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
    return { folders, objects }
  }

  /**
   * Writes an object with its Content-MD5 (the store refuses other bytes). `condition`: If-None-Match
   * or If-Match, for the lock. Returns the ETag.
   */
  async putObject(
    path: string,
    data: Uint8Array,
    condition: { IfNoneMatch?: string; IfMatch?: string } = {},
    policy = this.policy(),
  ): Promise<string> {
    const md5 = createHash('md5').update(data).digest('base64')
    const res = await this.call(
      `uploading ${this.url(path)}`,
      (abortSignal) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(path),
            Body: data,
            // The store checks the bytes it got against this and refuses a mismatch (BadDigest).
            ContentMD5: md5,
            ...this.objectSettings(path),
            ...condition,
          }),
          { abortSignal },
        ),
      policy,
    )
    return res.ETag ?? ''
  }

  objectSettings(path: string): { CacheControl?: string; ContentType: string; ACL?: ObjectCannedACL } {
    const ext = path.slice(path.lastIndexOf('.'))
    return {
      ...(this.options.cacheControl ? { CacheControl: this.options.cacheControl } : {}),
      ContentType: CONTENT_TYPE[ext] ?? 'text/plain; charset=utf-8',
      ...(this.options.acl ? { ACL: this.options.acl as ObjectCannedACL } : {}),
    }
  }

  /** One DeleteObject with the given signal (cleanup requests). */
  deleteSignal(path: string, abortSignal: AbortSignal | undefined): Promise<unknown> {
    return this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path) }), {
      abortSignal,
    })
  }

  async delete(path: string, condition: { IfMatch?: string } = {}): Promise<void> {
    await this.call(`removing ${this.url(path)}`, (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(path), ...condition }), {
        abortSignal,
      }),
    )
  }
}

/** The SDK's default chain, as a store would use it, bounded in time (findCredentials). */
export async function findS3Credentials(endpoint: string, timeoutMs?: number): Promise<CredentialSearch> {
  const client = new S3Client({
    region: region(),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  })
  try {
    return await searchCredentials('s3', () => client.config.credentials(), timeoutMs)
  } finally {
    client.destroy()
  }
}

function region(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1'
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
  if (status === 429 || (status !== undefined && status >= 500 && status !== 501)) return true
  const e = err as { name?: string; code?: string; cause?: { code?: string } }
  if (TRANSIENT_NAMES.has(e?.name ?? '')) return true
  if (TRANSIENT_CODES.has(e?.code ?? '') || TRANSIENT_CODES.has(e?.cause?.code ?? '')) return true
  // Network failures surface without an HTTP status.
  return (
    status === undefined &&
    /socket hang up|ECONNRESET|EPIPE|timed? ?out|aborted/i.test(String((err as Error)?.message))
  )
}
