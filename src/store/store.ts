import type { Writable } from 'node:stream'
import { StageError } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import type { LockIO } from './lock.ts'
import type { TempKind } from './owner.ts'

/**
 * A destination: the local folder, an S3 bucket or a GCS bucket. Paths are relative to the
 * destination and "/"-separated; they come from the layout's pure functions.
 */
export interface Store {
  /** Aborted when the run is cancelled or the store's time budget (upload-timeout) runs out; none locally. */
  readonly signal?: AbortSignal
  /** Where a path is, for logs, outputs and the summary. */
  url(path: string): string
  read(path: string): Promise<Buffer | undefined>
  /** Size in bytes; undefined when there is no such file. */
  size(path: string): Promise<number | undefined>
  /** Names of the folders (common prefixes) directly below `prefix`. */
  folders(prefix: string): Promise<string[]>
  /** Starts a set of files published together; proves the destination writable first. */
  begin(folders: string[], options?: BeginOptions): Promise<Transaction>
}

export interface BeginOptions {
  /** The image must not exist yet when it is put in place (a versioned path is created once). */
  exclusive?: boolean
  /** Where waiting for a lock, taking one over and removing leftovers are told. */
  log?: Log
}

/**
 * Files published together. Nothing is visible under its final name until commit; abort removes
 * everything the transaction staged, so a failed or cancelled run leaves the previous set as it was.
 */
export interface Transaction {
  /** Aborted when the run is cancelled or the store's time budget (upload-timeout) has run out. */
  readonly signal: AbortSignal
  /** Streams a file to the store (the image, while it is compressed); it becomes visible on commit. */
  createWriteStream(path: string): Writable
  writeFile(path: string, data: string | Uint8Array): Promise<void>
  /** Copies a file of the store (promotion) and returns the copy's md5, as read back from the copy. */
  copy(from: string, to: string): Promise<string>
  /** Puts the set in place, all or nothing (see commit.ts for the order and what a reader sees). */
  commit(set: SetCommit): Promise<CommitOutcome>
  abort(): Promise<void>
  /**
   * The run is over: what it would say if it were abandoned now (the set it published, the uploads it
   * staged; cleanup.ts's notes) no longer applies.
   */
  end(): void
}

/**
 * A set of files as it replaces the one in its folder. Every path must have been staged (written or
 * copied) except those only removed.
 */
export interface SetCommit {
  /** The folder whose lock serializes commits to it: the one with versions.json. */
  lockDir: string
  /** The image: the one big file, put in place after its companions. */
  image: string
  /** Files that describe the image (packages.txt, SBOM, contract), put in place before it. */
  companions: string[]
  /** Checksum files, put in place last: while one is there, it and the whole set agree. */
  seal: string[]
  /** Removed first, before anything new is visible (the earlier set's checksum files). */
  retract: string[]
  /** Files of an earlier set that this one does not have: removed with the companions. */
  obsolete: string[]
  /** versions.json: its new content from what it holds when the lock is held; written before the seal. */
  index?: { path: string; update(current: Buffer | undefined): string | Uint8Array }
  /**
   * Decides again, under the lock, whether the set still goes in: another run may have published since
   * this one planned. A reason to skip (nothing is touched, the outcome says why), undefined to go on,
   * or it throws (a lost race).
   */
  decide?(): Promise<string | undefined>
}

export type CommitOutcome = { committed: true } | { committed: false; reason: string }

/**
 * A file staged for a commit, as the journal records it: enough for this run, or a later one that
 * finishes a commit this run left unfinished, to put it in place and to tell whether it is in place.
 */
export type Staged =
  /** Small content, written under its final name (atomically replacing it). */
  | { kind: 'data'; data: string }
  /** A local temporary file, renamed into place; in place when the final name has its inode. */
  | { kind: 'file'; temp: string; ino: number }
  /** A temporary object, copied into place by the store; in place when the final one has its etag and size. */
  | { kind: 'object'; temp: string; etag: string; size: number }
  /** An S3 multipart upload under the final key, completed into place; its id is kept in `marker`. */
  | {
      kind: 'multipart'
      key: string
      uploadId: string
      parts: { PartNumber: number; ETag: string }[]
      size: number
      etag: string
      marker: string
    }

/**
 * A commit that failed once it had the folder's lock: the message says which file, which operation, and
 * what is left where (the earlier set intact, or the commit left for the next run to finish).
 */
export class CommitFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CommitFailure'
  }
}

/** Staged content that is gone: nothing can put it in place any more. */
export class NotPlaceable extends Error {}

/**
 * The store confirmed the request that put content in place (a completed upload, a copy), but reading it
 * back right after did not show it: a stale replica (OpenStack Swift can answer from one), or a store that
 * does not keep what it confirms. Either way the earlier content is gone: the commit counts the change
 * as made (after the image it goes on; before it, an undo puts the earlier file back).
 */
export class PlacedUnverified extends StageError {
  constructor(message: string) {
    super('store', message)
    this.name = 'PlacedUnverified'
  }
}

/** What a commit does with a store: each kind of store implements these (local.ts, s3.ts, gcs.ts). */
export interface Objects {
  readonly lock: LockIO
  url(path: string): string
  read(path: string): Promise<Buffer | undefined>
  exists(path: string): Promise<boolean>
  /** Writes small content under its final name, replacing what is there in one step. */
  put(path: string, data: Uint8Array): Promise<void>
  /** Removes a file; no error when there is none. */
  remove(path: string): Promise<void>
  /**
   * The files directly in a folder (hidden ones too), with their modification time where known; `deep`:
   * those in its folders too, named by their path below it.
   */
  list(dir: string, deep?: boolean): Promise<{ name: string; modified?: number }[]>
  /** Puts staged content under its final name (`exclusive`: only if the name is free). */
  place(path: string, staged: Staged, exclusive: boolean): Promise<void>
  /** Whether the final name holds that staged content. */
  placed(path: string, staged: Staged): Promise<boolean>
  /** Removes what was staged and not put in place. */
  drop(staged: Staged): Promise<void>
  /** A reference to a file that survives its replacement (local: a hard link); undefined where there is none. */
  keepAside?(path: string, temp: string): Promise<Staged | undefined>
  /** Removes another run's leftover temporary file or upload. */
  removeTemp(path: string, kind: TempKind): Promise<void>
  /** Removes uploads a dead run left that no temporary name records (S3), returning what it removed. */
  sweepUploads?(dir: string, referenced: Set<string>, deep?: boolean): Promise<string[]>
}

/** How a kind of store stages files before a commit. */
export interface Staging {
  /** The streamed file (the image); `staged()` once it has finished. */
  createWriteStream(path: string): Writable & { staged(): Promise<Staged> }
  writeFile(path: string, data: Uint8Array): Promise<Staged>
  copy(from: string, to: string): Promise<{ staged: Staged; md5: string }>
  /**
   * The journal holds it from now on: a process that ends must not remove it (a local temporary file is
   * otherwise removed on exit), the run that finishes the commit needs it.
   */
  handOver(staged: Staged): void
  /** Gives up streams not finished yet (aborts uploads). */
  discard(): Promise<void>
  /**
   * Whether what it stages outlives a process that ends without removing it (a bucket's uploads): the
   * next run to the folder removes it then. Local temporary files are removed on exit.
   */
  readonly outlivesExit?: boolean
}
