import type { Writable } from 'node:stream'

/**
 * A destination: the local folder, an S3 bucket or a GCS bucket. Paths are relative to the
 * destination and "/"-separated; they come from the layout's pure functions.
 */
export interface Store {
  /** Where a path is, for logs, outputs and the summary. */
  url(path: string): string
  read(path: string): Promise<Buffer | undefined>
  /** Size in bytes; undefined when there is no such file. */
  size(path: string): Promise<number | undefined>
  /** Names of the folders (common prefixes) directly below `prefix`. */
  folders(prefix: string): Promise<string[]>
  /**
   * Starts a set of files published together; proves the destination writable first. `exclusive`:
   * the image must not exist yet when it is put in place (two runs racing for one versioned path).
   */
  begin(folders: string[], options?: { exclusive?: boolean }): Promise<Transaction>
}

/**
 * Files published together. Nothing is visible under its final name until commit, which puts the
 * files in place in the given order; abort removes everything the transaction started, so a failed
 * or cancelled run leaves the previous set as it was.
 */
export interface Transaction {
  /** Streams a file to the store (the image, while it is compressed); it becomes visible on commit. */
  createWriteStream(path: string): Writable
  writeFile(path: string, data: string | Uint8Array): Promise<void>
  /** Copies a file of the store (promotion) and returns the copy's md5, as read back from the copy. */
  copy(from: string, to: string): Promise<string>
  /**
   * Puts the files in place in `order`. `retract` files are removed first, before anything new is
   * visible: an old checksum must never sit next to a new image, even for a moment. `obsolete` files,
   * which the new set does not have, are removed last.
   */
  commit(order: string[], options?: { retract?: string[]; obsolete?: string[] }): Promise<void>
  abort(): Promise<void>
}

/**
 * What each kind of store does for a transaction: stage files under names nobody reads, put one staged
 * file in place, remove a published one. The order of a commit is SetTransaction's, the same for all.
 */
export interface Staging {
  createWriteStream(path: string): Writable
  writeFile(path: string, data: string | Uint8Array): Promise<void>
  copy(from: string, to: string): Promise<string>
  /** Puts a staged file under its final name. */
  place(path: string): Promise<void>
  /** Removes a published file; no error when there is none. */
  remove(path: string): Promise<void>
  /** Removes everything staged and not placed. Safe to call twice. */
  discard(): Promise<void>
}

/** A Transaction over a store's Staging: one commit order for every store (see Transaction.commit). */
export class SetTransaction implements Transaction {
  private readonly staging: Staging

  constructor(staging: Staging) {
    this.staging = staging
  }

  createWriteStream(path: string): Writable {
    return this.staging.createWriteStream(path)
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.staging.writeFile(path, data)
  }

  copy(from: string, to: string): Promise<string> {
    return this.staging.copy(from, to)
  }

  async commit(order: string[], options: { retract?: string[]; obsolete?: string[] } = {}): Promise<void> {
    for (const path of options.retract ?? []) await this.staging.remove(path)
    for (const path of order) await this.staging.place(path)
    for (const path of options.obsolete ?? []) await this.staging.remove(path)
  }

  abort(): Promise<void> {
    return this.staging.discard()
  }
}
