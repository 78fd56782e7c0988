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
