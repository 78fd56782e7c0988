import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3'
import { doneByCallback } from '../util/chunk-pool.ts'
import { StageError } from '../util/errors.ts'
import { SetTransaction } from './commit.ts'
import { BucketObjects } from './bucket.ts'
import { DEFAULT_LOCK_OPTIONS, type LockIO } from './lock.ts'
import { LEGACY_TEMP_AGE_MS, newOwner, parseTempName, tempName, type Owner, type TempKind } from './owner.ts'
import { formatBudget } from './retry.ts'
import { httpStatus, isNotFound, S3Bucket } from './s3-client.ts'
import { abortUpload, MultipartUpload } from './s3-upload.ts'
import {
  NotPlaceable,
  PlacedUnverified,
  type BeginOptions,
  type Staged,
  type Staging,
  type Store,
  type Transaction,
} from './store.ts'

/** A run's files on a bucket are another run's to remove this long after its budget ended. */
const MARGIN_MS = 10 * 60_000

/**
 * An S3 bucket (AWS or any S3-compatible store) as a destination: its files are staged as uploads that
 * show only when completed (see S3Bucket for the client, MultipartUpload for the image).
 */
export class S3Store extends S3Bucket implements Store {
  async begin(_folders: string[], options: BeginOptions = {}): Promise<Transaction> {
    // Fail before the build when the bucket is missing or the credentials cannot reach it.
    await this.call('checking access', (abortSignal) =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal }),
    )
    const owner = newOwner(this.deadline - performance.now() + MARGIN_MS)
    const objects = new S3Objects(this)
    return new SetTransaction({
      objects,
      staging: new S3Staging(this, owner),
      owner,
      signal: this.signal,
      lock: {
        leaseMs: this.tuning.leaseMs ?? DEFAULT_LOCK_OPTIONS.leaseMs,
        settleMs: this.tuning.settleMs ?? DEFAULT_LOCK_OPTIONS.settleMs,
        pollMs: this.tuning.pollMs ?? DEFAULT_LOCK_OPTIONS.pollMs,
        deadline: this.deadline,
        budget: `upload-timeout of ${formatBudget(this.options.uploadTimeoutMs)}`,
      },
      log: options.log ?? this.log,
      exclusive: options.exclusive ?? false,
    })
  }
}

const quoted = (etag: string): string => (etag.startsWith('"') ? etag : `"${etag}"`)
const bare = (etag: string): string => etag.replaceAll('"', '')

/** What a commit does with an S3 bucket: multipart uploads completed, temporary objects copied. */
class S3Objects extends BucketObjects<S3Bucket> {
  readonly lock: LockIO

  constructor(store: S3Bucket) {
    super(store)
    this.lock = new S3Lock(store)
  }

  protected async placeObject(path: string, staged: Staged, exclusive: boolean): Promise<void> {
    const s = this.s
    if (staged.kind === 'multipart') {
      let sent = 0
      try {
        await s.call(`completing the upload of ${s.url(path)}`, (abortSignal) => {
          sent++
          return s.client.send(
            new CompleteMultipartUploadCommand({
              Bucket: s.bucket,
              Key: s.key(path),
              UploadId: staged.uploadId,
              MultipartUpload: { Parts: staged.parts },
              ...(exclusive ? { IfNoneMatch: '*' } : {}),
            }),
            { abortSignal },
          )
        })
      } catch (err) {
        const cause = (err as Error).cause
        if (httpStatus(cause) === 412)
          throw new StageError(
            'store',
            `${s.url(path)} was published by another run first (If-None-Match: *)`,
          )
        // Completed already (a retry after a lost answer, or the run that left it), or aborted.
        if (isNotFound(cause) || (cause as Error)?.name === 'NoSuchUpload') {
          if (!(await this.placed(path, staged))) {
            // After a completion whose answer was lost, the upload is gone because it completed: a read
            // that does not show it yet is stale, not proof that the earlier image is still there.
            if (sent > 1)
              throw new PlacedUnverified(
                `${s.url(path)} does not read back as what was uploaded after its completion's answer was lost`,
              )
            throw new NotPlaceable(`the upload of ${s.url(path)} is gone`)
          }
        } else throw err
      }
      const head = await s.head(path)
      await s
        .cleanup(`removing ${s.url(staged.marker)}`, (abortSignal) =>
          s.deleteSignal(staged.marker, abortSignal),
        )
        .catch(() => {})
      if (!head || head.size !== staged.size || head.etag !== staged.etag)
        throw new PlacedUnverified(
          `${s.url(path)} does not read back as what was uploaded: ${head ? `${head.size} bytes, ETag ${head.etag}` : 'missing'}; expected ${staged.size} bytes, ETag ${staged.etag}`,
        )
      return
    }
    if (staged.kind === 'object') {
      try {
        await s.call(`copying into ${s.url(path)}`, (abortSignal) =>
          s.client.send(
            new CopyObjectCommand({
              Bucket: s.bucket,
              Key: s.key(path),
              CopySource: encodeURI(`${s.bucket}/${s.key(staged.temp)}`),
              MetadataDirective: 'REPLACE',
              ...s.objectSettings(path),
            }),
            { abortSignal },
          ),
        )
      } catch (err) {
        if (!isNotFound((err as Error).cause)) throw err
        if (!(await this.placed(path, staged))) throw new NotPlaceable(`${s.url(staged.temp)} is gone`)
      }
      const head = await s.head(path)
      await s
        .cleanup(`removing ${s.url(staged.temp)}`, (abortSignal) => s.deleteSignal(staged.temp, abortSignal))
        .catch(() => {})
      if (!head || head.size !== staged.size)
        throw new PlacedUnverified(
          `${s.url(path)} does not read back as the copy: ${head ? `${head.size} bytes` : 'missing'}, expected ${staged.size} bytes`,
        )
      return
    }
    throw new Error(`internal: an S3 bucket cannot place a ${staged.kind}`)
  }

  protected async placedObject(path: string, staged: Staged): Promise<boolean> {
    const head = await this.s.head(path)
    if (!head) return false
    if (staged.kind === 'multipart' || staged.kind === 'object')
      return head.size === staged.size && head.etag === bare(staged.etag)
    return false
  }

  async drop(staged: Staged): Promise<void> {
    const s = this.s
    if (staged.kind === 'object')
      await s.cleanup(`removing ${s.url(staged.temp)}`, (abortSignal) =>
        s.deleteSignal(staged.temp, abortSignal),
      )
    else if (staged.kind === 'multipart') await abortUpload(s, staged.key, staged.uploadId, staged.marker)
  }

  async removeTemp(path: string, kind: TempKind): Promise<void> {
    const s = this.s
    if (kind === 'upload') {
      const slash = path.lastIndexOf('/')
      const final = `${path.slice(0, slash + 1)}${parseTempName(path.slice(slash + 1))!.name}`
      const id = (await s.read(path))?.toString().trim()
      if (id) await abortUpload(s, final, id, path)
      else await s.delete(path)
      return
    }
    await s.delete(path)
  }

  /**
   * Uploads under the folder that no live run's marker names and that are a day old: a run killed between
   * starting an upload and recording its id left them.
   */
  async sweepUploads(dir: string, referenced: Set<string>, deep = false): Promise<string[]> {
    const s = this.s
    const live = new Set<string>()
    for (const marker of referenced) {
      const id = (await s.read(marker))?.toString().trim()
      if (id) live.add(id)
    }
    const removed: string[] = []
    const prefix = `${s.key(dir)}/`
    let keyMarker: string | undefined
    let idMarker: string | undefined
    do {
      const page = await s.call(`listing the uploads under ${s.url(dir)}/`, (abortSignal) =>
        s.client.send(
          new ListMultipartUploadsCommand({
            Bucket: s.bucket,
            Prefix: prefix,
            Delimiter: deep ? undefined : '/',
            KeyMarker: keyMarker,
            UploadIdMarker: idMarker,
          }),
          { abortSignal },
        ),
      )
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || live.has(u.UploadId)) continue
        if (!u.Initiated || Date.now() - u.Initiated.getTime() < LEGACY_TEMP_AGE_MS) continue
        const path = u.Key.slice(s.prefix ? s.prefix.length + 1 : 0)
        await abortUpload(s, path, u.UploadId).catch(() => {})
        removed.push(`the upload ${u.UploadId} of ${u.Key.slice(prefix.length)}`)
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined
      idMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined
    } while (keyMarker)
    return removed
  }
}

/**
 * The lock as an object. AWS decides If-None-Match and If-Match on PutObject atomically (since 2024);
 * OpenStack Swift's S3 API refuses every conditional PUT (501), so there the lock is written plainly and
 * confirmed by reading it back after a settle time (lock.ts). Conditional DELETE works on both.
 */
class S3Lock implements LockIO {
  readonly exact: { create: boolean; replace: boolean }
  private readonly s: S3Bucket
  private conditional = true

  constructor(store: S3Bucket) {
    this.s = store
    const aws = !store.options.endpoint
    this.exact = { create: aws, replace: aws }
  }

  async read(path: string): Promise<{ body: Buffer; version: string } | undefined> {
    const got = await this.s.get(path)
    return got && { body: got.body, version: quoted(got.etag) }
  }

  async create(path: string, body: Buffer): Promise<string | undefined> {
    if (this.conditional) {
      const result = await this.conditionalPut(path, body, { IfNoneMatch: '*' })
      if (result !== 'unsupported') return result
    }
    if (await this.s.head(path)) return undefined
    return quoted(await this.s.putObject(path, body))
  }

  async replace(path: string, body: Buffer, version: string): Promise<string | undefined> {
    if (this.conditional) {
      const result = await this.conditionalPut(path, body, { IfMatch: version })
      if (result !== 'unsupported') return result
    }
    const head = await this.s.head(path)
    if (!head || quoted(head.etag) !== version) return undefined
    return quoted(await this.s.putObject(path, body))
  }

  async remove(path: string, version: string): Promise<void> {
    try {
      await this.s.delete(path, { IfMatch: version })
    } catch (err) {
      const status = httpStatus((err as Error).cause)
      if (status === 412) return
      if (status !== 501) throw err
      const head = await this.s.head(path)
      if (head && quoted(head.etag) === version) await this.s.delete(path)
    }
  }

  private async conditionalPut(
    path: string,
    body: Buffer,
    condition: { IfNoneMatch?: string; IfMatch?: string },
  ): Promise<string | undefined | 'unsupported'> {
    try {
      return quoted(await this.s.putObject(path, body, condition))
    } catch (err) {
      const status = httpStatus((err as Error).cause)
      if (status === 412 || status === 409) return undefined
      if (status === 501) {
        this.conditional = false
        return 'unsupported'
      }
      throw err
    }
  }
}

/** How files are staged on S3: the image as a multipart upload, small files in memory, copies as temporary objects. */
class S3Staging implements Staging {
  readonly outlivesExit = true
  private readonly s: S3Bucket
  private readonly owner: Owner
  private readonly uploads = new Set<MultipartUpload>()

  constructor(store: S3Bucket, owner: Owner) {
    this.s = store
    this.owner = owner
  }

  createWriteStream(path: string): MultipartUpload {
    // It copies what it is given into its parts before the write callback: the blocks can be used again.
    const upload = doneByCallback(new MultipartUpload(this.s, path, this.owner))
    this.uploads.add(upload)
    return upload
  }

  async writeFile(_path: string, data: Uint8Array): Promise<Staged> {
    return { kind: 'data', data: Buffer.from(data).toString('base64') }
  }

  /** Copies to a temporary key first: the copy is checked before anything is replaced. */
  async copy(from: string, to: string): Promise<{ staged: Staged; md5: string }> {
    const s = this.s
    const temp = tempName(to, this.owner, 'partial')
    const res = await s.call(`copying ${s.url(from)}`, (abortSignal) =>
      s.client.send(
        new CopyObjectCommand({
          Bucket: s.bucket,
          Key: s.key(temp),
          CopySource: encodeURI(`${s.bucket}/${s.key(from)}`),
          MetadataDirective: 'REPLACE',
          ...s.objectSettings(to),
        }),
        { abortSignal },
      ),
    )
    const head = await s.head(temp)
    if (!head) throw new StageError('store', `the copy ${s.url(temp)} is missing`)
    const staged: Staged = { kind: 'object', temp, etag: head.etag, size: head.size }
    // A single-request copy's ETag is the md5 of its content: the store's own reading of the copy.
    const etag = bare(res.CopyObjectResult?.ETag ?? '')
    if (/^[0-9a-f]{32}$/.test(etag)) return { staged, md5: etag }
    // A multipart object's copy keeps an md5-of-parts ETag (Swift, and AWS for some copies), which says
    // nothing about the whole: read the copy back once and hash it, so the check is real.
    const md5 = await s.call(`reading back the copy ${s.url(temp)}`, async (abortSignal) => {
      const got = await s.client.send(new GetObjectCommand({ Bucket: s.bucket, Key: s.key(temp) }), {
        abortSignal,
      })
      const hash = createHash('md5')
      await pipeline(got.Body as Readable, hash)
      return hash.digest('hex')
    })
    return { staged, md5 }
  }

  /** A journal holds the upload now: it is no longer this staging's to abort. */
  handOver(staged: Staged): void {
    if (staged.kind !== 'multipart') return
    for (const upload of this.uploads) if (upload.marker === staged.marker) this.uploads.delete(upload)
  }

  async discard(): Promise<void> {
    for (const upload of this.uploads) {
      upload.destroy()
      await upload.abort().catch(() => {})
    }
    this.uploads.clear()
  }
}
