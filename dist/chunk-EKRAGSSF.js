import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/redact.ts
var CREDENTIAL_ATTRIBUTE = /\b(token|secret|secret_access_key|session_token|access_key_id|account_key|sas_token|password)=[^\s,"']+/gi;
function redact(text, max = Number.POSITIVE_INFINITY) {
  const shown = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]*@/gi, "$1***@").replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s"'<>?#]*)\?[^\s"'<>#]*/gi, "$1?***").replace(CREDENTIAL_ATTRIBUTE, "$1=***");
  return shown.length <= max ? shown : `${shown.slice(0, max)}... (${text.length} characters)`;
}
function inert(text) {
  return text.replace(/^(\s*):(?=:)/gm, "$1:\u200B").replaceAll("##[", "##\u200B[");
}

// src/util/errors.ts
var InputError = class extends Error {
  input;
  value;
  constructor(input, value, problem) {
    super(`input "${input}"${value === "" ? "" : ` = "${redact(value, 200)}"`}: ${problem}`);
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

// src/util/log.ts
var silentLog = {
  info() {
  },
  warning() {
  },
  debug() {
  },
  group: (_name, fn) => fn()
};
function formatBytes(n) {
  if (n < 1e3) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n;
  let unit = -1;
  while (value >= 1e3 && unit < units.length - 1) {
    value /= 1e3;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
function formatSeconds(ms) {
  return `${(ms / 1e3).toFixed(1)} s`;
}

// src/store/retry.ts
import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
var shielded = new AsyncLocalStorage();
var DEFAULT_TIMEOUTS = {
  connectMs: 1e4,
  idleMs: 2e4,
  requestMs: 6e4,
  deadAfterMs: 6e4
};
function timeoutsFrom(tuning) {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const key of ["connectMs", "idleMs", "requestMs", "deadAfterMs"])
    if (tuning[key] !== void 0) out[key] = tuning[key];
  return out;
}
function formatBudget(ms) {
  return ms % 36e5 === 0 ? `${ms / 36e5}h` : ms % 6e4 === 0 ? `${ms / 6e4}m` : `${ms / 1e3}s`;
}
var Health = class {
  endpoint;
  deadAfterMs;
  retries = 0;
  failingSince;
  lastError;
  constructor(endpoint, deadAfterMs) {
    this.endpoint = endpoint;
    this.deadAfterMs = deadAfterMs;
  }
  ok() {
    this.failingSince = void 0;
  }
  /** How long an attempt may take before the endpoint would count as dead; undefined while it is well. */
  remainingMs() {
    if (this.failingSince === void 0) return void 0;
    return Math.max(1, Math.ceil(this.deadAfterMs - (performance.now() - this.failingSince)));
  }
  /**
   * Records a failed attempt that started at `started`; whether the endpoint counts as dead by the time
   * a retry after `delayMs` would start (no point in waiting for that).
   */
  failed(started, err, delayMs = 0) {
    this.failingSince = Math.min(this.failingSince ?? started, started);
    this.lastError = err;
    return performance.now() + delayMs - this.failingSince >= this.deadAfterMs;
  }
  /**
   * One request that kept failing for deadAfterMs while others to the endpoint were answered (the lock's
   * renewals, say): as good as dead for this run, which cannot go on without it.
   */
  stuckError(what, attempts, since, err) {
    return new StageError(
      "store",
      `${what}: failed for ${formatSeconds(performance.now() - since)} (${attempts} attempts; ${this.endpoint} answered other requests meanwhile); last error: ${describe(err)}`,
      { cause: err }
    );
  }
  deadError(what, attempts) {
    const s = formatSeconds(performance.now() - (this.failingSince ?? performance.now()));
    return new StageError(
      "store",
      `${what}: every request to ${this.endpoint} failed for ${s} (${attempts} attempts of this one, ${this.retries} retries in this run); last error: ${describe(this.lastError)}`,
      { cause: this.lastError }
    );
  }
};
var RetryBudgetError = class extends StageError {
  constructor(message, options) {
    super("store", message, options);
    this.name = "RetryBudgetError";
  }
};
function requestSignal(signal) {
  return shielded.getStore() ?? signal;
}
async function withRetry(what, fn, isTransient, policy) {
  const outer = requestSignal(policy.signal);
  let failingSince;
  const window = policy.health?.deadAfterMs ?? Infinity;
  for (let attempt = 1; ; attempt++) {
    outer?.throwIfAborted();
    const started = performance.now();
    const limit = Math.min(policy.attemptMs ?? Infinity, policy.health?.remainingMs() ?? Infinity);
    const timeout = Number.isFinite(limit) ? AbortSignal.timeout(Math.ceil(limit)) : void 0;
    const signal = timeout && outer ? AbortSignal.any([outer, timeout]) : timeout ?? outer;
    try {
      const result = await fn(attempt, signal);
      policy.health?.ok();
      return result;
    } catch (err) {
      if (outer?.aborted) throw outer.reason;
      const timedOut = timeout?.aborted === true;
      const error = timedOut ? Object.assign(new Error(`no complete answer within ${formatSeconds(limit)}`), {
        name: "TimeoutError",
        cause: err
      }) : err;
      if (!timedOut && !isTransient(err)) {
        policy.health?.ok();
        throw err;
      }
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.random() * cap;
      if (policy.health?.failed(started, error, delay)) throw policy.health.deadError(what, attempt);
      if (failingSince === void 0) failingSince = performance.now();
      else if (performance.now() + delay - failingSince >= window)
        throw policy.health.stuckError(what, attempt, failingSince, error);
      if (performance.now() + delay >= policy.deadline)
        throw new RetryBudgetError(
          `${what}: still failing after ${attempt} attempts when the upload-timeout budget ran out: ${describe(error)}`,
          { cause: error }
        );
      if (policy.health) policy.health.retries++;
      policy.onRetry?.(what, attempt, delay, error);
      await sleep(delay, void 0, outer ? { signal: outer } : {}).catch(() => outer?.throwIfAborted());
    }
  }
}
function ceiling(budgetMs, signal, label) {
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new StageError("store", `the ${label} ran out`)),
    Math.min(budgetMs, 2 ** 31 - 1)
  );
  timer.unref();
  return signal ? AbortSignal.any([signal, budget.signal]) : budget.signal;
}
function stopped(what, err, signal) {
  if (!signal.aborted || err !== signal.reason) return void 0;
  return new StageError(
    "store",
    typeof err === "string" ? `${what}: stopped (cancelled: ${err})` : `${what}: stopped, ${err.message}`,
    { cause: err }
  );
}
async function until(promise, signal) {
  if (!signal) return promise;
  signal.throwIfAborted();
  let onAbort;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      })
    ]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
function describe(err) {
  if (!(err instanceof Error)) return String(err);
  const status = err.$metadata?.httpStatusCode;
  const code = err.code;
  const cause = err.cause;
  const base = [
    err.name !== "Error" ? err.name : "",
    status ? `HTTP ${status}` : "",
    typeof code === "string" || !(err instanceof DOMException) ? code ?? "" : "",
    err.message
  ].filter(Boolean).join(": ");
  return err.name === "TimeoutError" && cause instanceof Error ? `${base} (${describe(cause)})` : base;
}

export {
  redact,
  inert,
  InputError,
  StageError,
  errorMessage,
  isSystemError,
  errnoWords,
  failure,
  silentLog,
  formatBytes,
  formatSeconds,
  shielded,
  timeoutsFrom,
  formatBudget,
  Health,
  requestSignal,
  withRetry,
  ceiling,
  stopped,
  until,
  describe
};
