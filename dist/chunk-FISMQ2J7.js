import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/errors.ts
var InputError = class extends Error {
  input;
  value;
  constructor(input, value, problem) {
    super(`input "${input}"${value === "" ? "" : ` = "${value}"`}: ${problem}`);
    this.name = "InputError";
    this.input = input;
    this.value = value;
  }
};
var StageError = class extends Error {
  stage;
  constructor(stage, message, options) {
    super(message, options);
    this.name = "StageError";
    this.stage = stage;
  }
};
function errorMessage(err) {
  if (isSystemError(err)) return systemErrorMessage(err);
  return err instanceof Error ? err.message : String(err);
}
var ERRNO_WORDS = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file is larger than the file system allows",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted (an immutable or append-only file, or a protected folder)",
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "it is a folder",
  EEXIST: "it exists already",
  ENOTEMPTY: "the folder is not empty",
  EXDEV: "it is on another file system",
  EBUSY: "it is in use",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files on the system",
  EBADF: "the file descriptor is not open for this (closed, or opened only for the other direction)",
  EIO: "an input/output error of the device",
  EPIPE: "the reading end was closed",
  ENOMEM: "out of memory",
  ECONNREFUSED: "the connection was refused",
  ECONNRESET: "the connection was reset",
  ETIMEDOUT: "the connection timed out",
  EAI_AGAIN: "the name could not be resolved (DNS)",
  ENOTFOUND: "the name could not be resolved (DNS)"
};
var SYSCALL_WORDS = {
  open: "open",
  read: "read",
  write: "write",
  rename: "rename",
  unlink: "remove",
  rmdir: "remove the folder",
  mkdir: "create the folder",
  copyfile: "copy",
  link: "link",
  stat: "look at",
  lstat: "look at",
  fstat: "look at",
  close: "close",
  fsync: "flush",
  scandir: "list",
  chmod: "change the mode of"
};
function isSystemError(err) {
  return err instanceof Error && typeof err.code === "string" && "errno" in err;
}
function errnoWords(err) {
  const words = ERRNO_WORDS[err.code ?? ""];
  if (words) return `${words} (${err.code})`;
  const description = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message)?.[1];
  return description ? `${description} (${err.code})` : err.message;
}
function failure(stage, action, err) {
  const reason = isSystemError(err) ? errnoWords(err) : errorMessage(err);
  return new StageError(stage, `cannot ${action}: ${reason}`, { cause: err });
}
function systemErrorMessage(err) {
  const call = err.syscall ? SYSCALL_WORDS[err.syscall] ?? err.syscall : void 0;
  const what = [err.path, err.dest && `to ${err.dest}`].filter(Boolean).join(" ");
  if (!call) return what ? `${what}: ${errnoWords(err)}` : errnoWords(err);
  return `cannot ${call}${what ? ` ${what}` : ""}: ${errnoWords(err)}`;
}

// src/store/store.ts
var SetTransaction = class {
  staging;
  constructor(staging) {
    this.staging = staging;
  }
  createWriteStream(path) {
    return this.staging.createWriteStream(path);
  }
  writeFile(path, data) {
    return this.staging.writeFile(path, data);
  }
  copy(from, to) {
    return this.staging.copy(from, to);
  }
  async commit(order, options = {}) {
    for (const path of options.retract ?? []) await this.staging.remove(path);
    for (const path of order) await this.staging.place(path);
    for (const path of options.obsolete ?? []) await this.staging.remove(path);
  }
  abort() {
    return this.staging.discard();
  }
};

export {
  InputError,
  StageError,
  errorMessage,
  isSystemError,
  errnoWords,
  failure,
  SetTransaction
};
