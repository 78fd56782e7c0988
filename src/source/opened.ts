import type { Readable } from 'node:stream'
import type { Release } from '../util/chunk-pool.ts'
import type { RegistryPush } from './push.ts'

/** A rootfs tar being read, whatever made it: one interface for a build, an image and a tar file. */
export interface OpenedSource {
  /** The uncompressed rootfs tar. */
  stream: Readable
  /**
   * Settles when whatever writes the stream has finished: resolves on success, rejects with its
   * failure (a failed build's last output lines). A stream that ends early is explained by this, not
   * by the tar reader, and a stream is only complete once this has resolved.
   */
  exited: Promise<void>
  /** How the rootfs was obtained, for the log and the summary. */
  method: string
  /** The input the rootfs came from, named in errors about its content. */
  input: string
  value: string
  /** A process makes the stream (a build, docker's export): our threads leave it the CPU it needs. */
  producer: boolean
  /**
   * Given where the producer cannot be made to wait (BuildKit's client keeps in its memory whatever its
   * stdout cannot take yet, up to the whole rootfs): hands the read end of its pipe to a reader of its own
   * (pipeline/spill.ts, a worker thread that reads it at once); `stream` must not be read after that.
   */
  takeFd?: () => number
  /**
   * Entries of `stream` that are not the image's (a container export: docker's init layer): each is left
   * out where it stands, and the entry of the same path in `truth`, a small tar of the image's own
   * entries for those paths, goes in its place (if it has one).
   */
  correct?: { paths: readonly string[]; truth: Buffer }
  /** What ran before the stream could start (a legacy build; a pull and create), and how long. */
  before?: { stage: string; ms: number }
  /** The build runs while the stream is read (BuildKit): its time is the time to the first byte. */
  streamsBuild: boolean
  /**
   * How the build used the cache: `local`, a BuildKit cache directory it exported (rotate and save it);
   * `inline`, an image's inline cache (`cacheImage`, or the classic client's exportInlineCache), saved.
   */
  cacheKind?: 'local' | 'inline'
  /**
   * With `inline` on buildx's docker driver: the built image in the engine, its inline cache written by
   * the build itself (`--cache-to type=inline`), saved as it is (before cleanup() removes a temporary
   * name; a pushed image keeps its tags).
   */
  cacheImage?: string
  /**
   * The registry push of the same build, when one was asked for: read once `exited` has resolved (a
   * failed push fails the build, so nothing is published after it).
   */
  pushed?: () => Promise<RegistryPush>
  /** Removes what was made only to get the rootfs out (a container); runs whatever happened. */
  cleanup(): Promise<void>
  /** For a stream read into a ChunkPool: gives a chunk's memory back once it has been consumed. */
  release?: Release
}

/** The local BuildKit cache for a build: its folder, and whether to export a new one (not after an exact hit). */
export interface BuildCacheUse {
  dir: string
  exportCache: boolean
  /** The image name the classic client's inline cache is kept under (one per cache key). */
  inlineRef: string
}
