import { redact } from './redact.ts'
/**
 * A problem with what the user asked for. The message names the input, the value and what is
 * expected, so the log line alone tells the user what to change.
 */
export class InputError extends Error {
  readonly input: string
  readonly value: string

  constructor(input: string, value: string, problem: string) {
    // The value as it may be shown: no credentials of a URL in it, and not more than a line of it.
    super(`input "${input}"${value === '' ? '' : ` = "${redact(value, 200)}"`}: ${problem}`)
    this.name = 'InputError'
    this.input = input
    this.value = value
  }
}

/** A failure of a tool or service we depend on (docker, the file system), with what to do about it. */
export class StageError extends Error {
  readonly stage: string

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StageError'
    this.stage = stage
  }
}

/** The message to show for an error; a bare system error (`ENOSPC: no space left on device, write`) in words. */
export function errorMessage(err: unknown): string {
  if (isSystemError(err)) return systemErrorMessage(err)
  return err instanceof Error ? err.message : String(err)
}

/** What the system's error codes mean, in words a user acts on. */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than the file system allows',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (an immutable or append-only file, or a protected folder)',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it exists already',
  ENOTEMPTY: 'the folder is not empty',
  EXDEV: 'it is on another file system',
  EBUSY: 'it is in use',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EBADF: 'the file descriptor is not open for this (closed, or opened only for the other direction)',
  EIO: 'an input/output error of the device',
  EPIPE: 'the reading end was closed',
  ENOMEM: 'out of memory',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EAI_AGAIN: 'the name could not be resolved (DNS)',
  ENOTFOUND: 'the name could not be resolved (DNS)',
}

/** What Node's system calls are called in words, for errors that carry only the call's name. */
const SYSCALL_WORDS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove the folder',
  mkdir: 'create the folder',
  copyfile: 'copy',
  link: 'link',
  stat: 'look at',
  lstat: 'look at',
  fstat: 'look at',
  close: 'close',
  fsync: 'flush',
  scandir: 'list',
  chmod: 'change the mode of',
}

/** A Node system error: `code` (ENOSPC) and usually `syscall` (write), `path` and `dest`. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'errno' in err
}

/** `the disk is full (ENOSPC)`: the reason in words, the code for searching. */
export function errnoWords(err: NodeJS.ErrnoException): string {
  const words = ERRNO_WORDS[err.code ?? '']
  if (words) return `${words} (${err.code})`
  // Node's message is `CODE: description, syscall 'path'`: the description is the best we have.
  const description = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message)?.[1]
  return description ? `${description} (${err.code})` : err.message
}

/**
 * An error saying what failed in words: `cannot write img.tar.lz4 to /x/y: the disk is full (ENOSPC)`.
 * `action` is what was being done, without "cannot". A system error gets its code in words; any other
 * error keeps its message.
 */
export function failure(stage: string, action: string, err: unknown): StageError {
  const reason = isSystemError(err) ? errnoWords(err) : errorMessage(err)
  return new StageError(stage, `cannot ${action}: ${reason}`, { cause: err })
}

/** A system error that reached the top with nobody to name what failed: its call, paths and code in words. */
function systemErrorMessage(err: NodeJS.ErrnoException & { dest?: string }): string {
  const call = err.syscall ? (SYSCALL_WORDS[err.syscall] ?? err.syscall) : undefined
  const what = [err.path, err.dest && `to ${err.dest}`].filter(Boolean).join(' ')
  if (!call) return what ? `${what}: ${errnoWords(err)}` : errnoWords(err)
  return `cannot ${call}${what ? ` ${what}` : ''}: ${errnoWords(err)}`
}
