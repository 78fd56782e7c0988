import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  StageError,
  shielded
} from "./chunk-EKRAGSSF.js";

// src/store/owner.ts
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
var CLOCK_MARGIN_S = 120;
var machine;
function thisHost() {
  machine ??= createHash("sha256").update([hostname(), readOr("/proc/sys/kernel/random/boot_id"), linkOr("/proc/self/ns/pid")].join("\0")).digest("hex").slice(0, 8);
  return machine;
}
function newOwner(lifetimeMs) {
  return {
    host: thisHost(),
    pid: process.pid,
    start: startTime(process.pid) ?? 0,
    expires: Math.ceil((Date.now() + lifetimeMs) / 1e3),
    rand: randomBytes(3).toString("hex")
  };
}
function ownerTag(o) {
  return ["mi", o.host, o.pid.toString(36), o.start.toString(36), o.expires.toString(36), o.rand].join("-");
}
var TAG = /^mi-([0-9a-f]{8})-([0-9a-z]+)-([0-9a-z]+)-([0-9a-z]+)-([0-9a-f]+)$/;
function parseOwnerTag(tag) {
  const m = TAG.exec(tag);
  if (!m) return void 0;
  return {
    host: m[1],
    pid: parseInt(m[2], 36),
    start: parseInt(m[3], 36),
    expires: parseInt(m[4], 36),
    rand: m[5]
  };
}
function sameOwner(a, b) {
  return a.host === b.host && a.pid === b.pid && a.start === b.start && a.rand === b.rand;
}
function mayBeAlive(o, nowMs = Date.now()) {
  if (o.host === thisHost()) return processAlive(o.pid, o.start);
  return nowMs / 1e3 <= o.expires + CLOCK_MARGIN_S;
}
function processAlive(pid, start) {
  if (pid === process.pid) return start === 0 || start === (startTime(pid) ?? 0);
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === "ESRCH") return false;
  }
  const now = startTime(pid);
  if (now === void 0) {
    return start === 0 && !isZombie(pid);
  }
  return start === 0 || now === start;
}
function tempName(path, owner, kind) {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${ownerTag(owner)}.${kind}`;
}
function parseTempName(base) {
  const m = /^\.(.+)\.(mi-[^.]+)\.(partial|previous|upload)$/.exec(base);
  if (!m) return void 0;
  const owner = parseOwnerTag(m[2]);
  return owner ? { name: m[1], owner, kind: m[3] } : void 0;
}
function isLegacyTemp(base) {
  return /^\.?[a-z0-9.]+\.(\d+-)?[0-9a-f]{8}\.partial$/.test(base) || /^\.probe\.\d+-[0-9a-f]{8}$/.test(base);
}
var LEGACY_TEMP_AGE_MS = 24 * 36e5;
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return void 0;
    return Number(fields[19]);
  } catch {
    return void 0;
  }
}
function isZombie(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
function readOr(path) {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
function linkOr(path) {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

// src/store/lock.ts
import { hostname as hostname2 } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
var LOCK_FILE = ".metal-image.lock";
var DEFAULT_LOCK_OPTIONS = { leaseMs: 6e4, settleMs: 1e3, pollMs: 250 };
var FolderLock = class _FolderLock {
  version;
  io;
  path;
  owner;
  options;
  body;
  renewedAt = performance.now();
  timer;
  writing = Promise.resolve();
  lost;
  released = false;
  constructor(io, path, owner, options, version, body) {
    this.io = io;
    this.path = path;
    this.owner = owner;
    this.options = options;
    this.version = version;
    this.body = body;
    this.timer = setInterval(() => void this.renew().catch(() => {
    }), Math.max(50, options.leaseMs / 4));
    this.timer.unref();
  }
  /**
   * Waits for the lock and takes it. Returns the journal of a dead holder whose commit it took over
   * (undefined when the lock was free or its holder had nothing under way).
   */
  static async acquire(io, path, owner, options) {
    const { signal, log } = options;
    let watched;
    let told = false;
    let delay = options.pollMs;
    const pause = async (holder) => {
      if (performance.now() + delay > options.deadline)
        throw new StageError(
          "store",
          `${options.url} is locked by another run (${holder}) and was not released before the ${options.budget} ran out`
        );
      await sleep(delay * (0.75 + Math.random() / 2), void 0, { signal }).catch(
        () => signal.throwIfAborted()
      );
      delay = Math.min(delay * 1.5, options.pollMs * 4);
    };
    for (; ; ) {
      signal.throwIfAborted();
      const now = performance.now();
      const current = await io.read(path);
      if (!current) {
        const body = lockBody(owner, options.leaseMs, void 0);
        const version = await io.create(path, encode(body));
        const held = version === void 0 ? void 0 : await _FolderLock.confirm(io.exact.create, io, path, owner, options, version).catch(
          async (err) => {
            await shielded.run(AbortSignal.timeout(1e4), () => io.remove(path, version)).catch(() => {
            });
            throw err;
          }
        );
        if (held) return { lock: new _FolderLock(io, path, owner, options, held, body), inherited: void 0 };
        await pause(
          "a run that created it at the same moment, or a store that reads it as absent and refuses to create it"
        );
        continue;
      }
      if (watched?.version !== current.version) watched = { version: current.version, since: now };
      const holder = parseBody(current.body);
      const tagged = holder && parseOwnerTag(holder.owner);
      if (holder && tagged && sameOwner(tagged, owner) && holder.state === "held") {
        const held = await _FolderLock.confirm(io.exact.create, io, path, owner, options, current.version);
        if (held)
          return { lock: new _FolderLock(io, path, owner, options, held, holder), inherited: void 0 };
        await pause(describeHolder(holder));
        continue;
      }
      const why = staleness(holder, now - watched.since, options.leaseMs);
      if (why) {
        const body = lockBody(owner, options.leaseMs, holder?.journal);
        log.info(`Taking over the lock ${options.url}: ${why}`);
        const version = await io.replace(path, encode(body), current.version);
        const held = version === void 0 ? void 0 : await _FolderLock.confirm(io.exact.replace, io, path, owner, options, version);
        if (held)
          return { lock: new _FolderLock(io, path, owner, options, held, body), inherited: holder?.journal };
        watched = void 0;
        await pause(describeHolder(holder));
        continue;
      }
      if (!told && performance.now() + delay <= options.deadline) {
        log.info(
          `Waiting for ${options.url}: another run is committing to this folder (${describeHolder(holder)})`
        );
        told = true;
      }
      await pause(describeHolder(holder));
    }
  }
  /**
   * Where the store does not decide atomically, two runs can both believe they wrote the lock: wait, then
   * read it back. Only one body survives; a run that reads another's has lost and looks again. (Sound as
   * long as a lock write reaches the store within the settle time: Fischer's mutual exclusion.)
   */
  static async confirm(exact, io, path, owner, options, version) {
    if (exact) return version;
    await sleep(options.settleMs, void 0, { signal: options.signal }).catch(
      () => options.signal.throwIfAborted()
    );
    const back = await io.read(path);
    const body = back && parseBody(back.body);
    const mine = body && parseOwnerTag(body.owner);
    return back && mine && sameOwner(mine, owner) ? back.version : void 0;
  }
  /** Where the lock is, for messages. */
  get url() {
    return this.options.url;
  }
  /** Throws if the lock may no longer be ours: before each step of a commit. */
  check() {
    if (this.lost) throw new StageError("store", `lost the lock ${this.options.url}: ${this.lost}`);
    const age = performance.now() - this.renewedAt;
    if (age > this.options.leaseMs * 0.75)
      throw new StageError(
        "store",
        `lost the lock ${this.options.url}: not renewed for ${Math.round(age / 1e3)} s, another run may have taken it over`
      );
  }
  /** Writes the journal into the lock (and renews it). */
  writeJournal(journal) {
    return this.write({ ...this.body, journal });
  }
  renew() {
    if (this.released || this.lost) return Promise.resolve();
    return this.write(this.body);
  }
  write(body) {
    const run = this.writing.then(async () => {
      if (this.lost) throw new StageError("store", `lost the lock ${this.options.url}: ${this.lost}`);
      const next = { ...body, renewed: (/* @__PURE__ */ new Date()).toISOString() };
      const started = performance.now();
      const version = await this.io.replace(this.path, encode(next), this.version);
      if (version === void 0) {
        this.lost = "another run replaced it";
        throw new StageError("store", `lost the lock ${this.options.url}: ${this.lost}`);
      }
      this.version = version;
      this.body = next;
      this.renewedAt = started;
    });
    this.writing = run.catch(() => {
    });
    return run;
  }
  /** Gives the lock up. With a journal: the commit is unfinished, and the next run finishes it. */
  async release(journal) {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.writing;
    if (this.lost) return;
    if (journal === void 0) await this.io.remove(this.path, this.version);
    else
      await this.io.replace(
        this.path,
        encode({ ...this.body, state: "abandoned", journal, renewed: (/* @__PURE__ */ new Date()).toISOString() }),
        this.version
      );
  }
  /** Stops renewing without touching the lock (the process is going away; the lock goes stale). */
  stop() {
    this.released = true;
    clearInterval(this.timer);
  }
};
function lockBody(owner, leaseMs, journal) {
  const now = (/* @__PURE__ */ new Date()).toISOString();
  return {
    tool: "metal-image",
    owner: ownerTag(owner),
    hostname: process.env.RUNNER_NAME || hostname2(),
    acquired: now,
    renewed: now,
    leaseMs,
    state: "held",
    journal: journal ?? null
  };
}
function encode(body) {
  return Buffer.from(JSON.stringify(body) + "\n");
}
function parseBody(data) {
  try {
    const body = JSON.parse(data.toString());
    return body?.tool === "metal-image" && typeof body.owner === "string" ? body : void 0;
  } catch {
    return void 0;
  }
}
function staleness(holder, unchangedMs, leaseMs) {
  if (holder?.state === "abandoned") return "its holder gave it up with its commit unfinished";
  const owner = holder && parseOwnerTag(holder.owner);
  if (owner && owner.host === thisHost())
    return mayBeAlive(owner) ? void 0 : `its holder (pid ${owner.pid} on this machine) is gone`;
  const lease = Math.max(leaseMs, holder?.leaseMs ?? 0);
  if (unchangedMs >= lease)
    return `it was not renewed for ${Math.round(unchangedMs / 1e3)} s (lease ${Math.round(lease / 1e3)} s)`;
  return void 0;
}
function describeHolder(holder) {
  if (!holder) return "a lock this tool cannot read";
  const owner = parseOwnerTag(holder.owner);
  const where = owner?.host === thisHost() ? `pid ${owner.pid} on this machine` : `on ${holder.hostname}`;
  return `${where}, since ${holder.acquired}`;
}

// src/store/store.ts
var CommitFailure = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "CommitFailure";
  }
};
var NotPlaceable = class extends Error {
};
var PlacedUnverified = class extends StageError {
  constructor(message) {
    super("store", message);
    this.name = "PlacedUnverified";
  }
};

// src/util/cleanup.ts
import { rmSync } from "node:fs";
var files = /* @__PURE__ */ new Set();
var actions = /* @__PURE__ */ new Set();
var installed = false;
function removeOnExit(path) {
  install();
  files.add(path);
  return () => void files.delete(path);
}
function onExit(fn) {
  install();
  actions.add(fn);
  return () => void actions.delete(fn);
}
function runExitCleanups() {
  for (const path of [...files]) {
    files.delete(path);
    try {
      rmSync(path, { force: true });
    } catch {
    }
  }
  for (const fn of [...actions]) {
    actions.delete(fn);
    try {
      fn();
    } catch {
    }
  }
}
var notes = /* @__PURE__ */ new Set();
function noteWhileRunning(note) {
  notes.add(note);
  return () => void notes.delete(note);
}
function currentNotes() {
  return [...notes];
}
function install() {
  if (installed) return;
  installed = true;
  process.on("exit", runExitCleanups);
}

// src/store/commit.ts
var SetTransaction = class {
  signal;
  ctx;
  staged = /* @__PURE__ */ new Map();
  /** Set once a journal that names the staged files was left behind: they are no longer ours to remove. */
  handedOver = false;
  done = false;
  published = false;
  /** Steps whose change the store confirmed though a read did not show it. */
  unverified = /* @__PURE__ */ new Set();
  /** Ends the note on what an abandoned run would leave (the staged uploads, then the published set). */
  unnote;
  constructor(ctx) {
    this.ctx = ctx;
    this.signal = ctx.signal;
  }
  createWriteStream(path) {
    this.noteStaged(path);
    const stream = this.ctx.staging.createWriteStream(path);
    const staged = new Promise((resolve, reject) => {
      let finished = false;
      stream.once("finish", () => {
        finished = true;
        stream.staged().then(resolve, reject);
      });
      stream.once("error", reject);
      stream.once("close", () => {
        if (!finished) reject(new Error(`${path} was not written to the end`));
      });
    });
    staged.catch(() => {
    });
    this.staged.set(path, staged);
    return stream;
  }
  async writeFile(path, data) {
    this.noteStaged(path);
    const staged = this.ctx.staging.writeFile(path, typeof data === "string" ? Buffer.from(data) : data);
    this.staged.set(path, staged);
    await staged;
  }
  async copy(from, to) {
    this.noteStaged(to);
    const copied = this.ctx.staging.copy(from, to);
    this.staged.set(
      to,
      copied.then((c) => c.staged)
    );
    return (await copied).md5;
  }
  async commit(set) {
    const { objects, owner, log } = this.ctx;
    if (this.done) throw new Error("internal: a transaction commits once");
    this.done = true;
    const news = /* @__PURE__ */ new Map();
    for (const path of [set.image, ...set.companions, ...set.seal]) {
      const staged = this.staged.get(path);
      if (!staged) throw new Error(`internal: ${path} was never written`);
      news.set(path, await staged);
    }
    const lockPath = `${set.lockDir}/${LOCK_FILE}`;
    const { lock, inherited } = await FolderLock.acquire(objects.lock, lockPath, owner, {
      ...this.ctx.lock,
      signal: this.signal,
      log,
      url: objects.url(lockPath)
    });
    if (isJournal(inherited)) {
      try {
        await this.recover(inherited, lock);
      } catch (err) {
        await lock.release(inherited).catch(() => lock.stop());
        await this.abort();
        throw new CommitFailure(
          `could not finish the commit a run that ended left in ${objects.url(set.lockDir)}/ (${describeFailure(err)}); it stays recorded in ${objects.url(lockPath)} for the next run`,
          { cause: err }
        );
      }
    }
    let steps = [];
    try {
      await this.sweep(set.lockDir, folders([...news.keys()])).catch(
        (err) => log.warning(
          `could not look for what runs that ended left in ${objects.url(set.lockDir)}/: ${String(err)}`
        )
      );
      lock.check();
      const skip = await set.decide?.();
      if (skip !== void 0) {
        await lock.release();
        await this.abort();
        return { committed: false, reason: skip };
      }
      steps = await this.steps(set, news).catch(prepareFailure(objects, set));
      for (const step of steps) {
        if (step.next) this.ctx.staging.handOver(step.next);
        if (step.prior && step.prior !== "lost") this.ctx.staging.handOver(step.prior);
      }
      await lock.writeJournal({ v: 1, phase: "backward", steps });
    } catch (err) {
      await lock.release().catch(() => {
      });
      await this.abort();
      for (const step of steps)
        if (step.prior && step.prior !== "lost") await objects.drop(step.prior).catch(() => {
        });
      throw err;
    }
    const journal = { v: 1, phase: "backward", steps };
    this.end();
    const unnote = noteWhileRunning(
      `the commit to ${objects.url(set.lockDir)}/ was under way: the next run to that folder finishes or undoes it`
    );
    try {
      await this.apply(journal, lock);
    } finally {
      unnote();
    }
    this.published = true;
    this.note(`the new set is published in ${objects.url(folderOf(set.image))}/`);
    for (const step of journal.steps)
      if (step.prior && step.prior !== "lost") await objects.drop(step.prior).catch(() => {
      });
    return { committed: true };
  }
  /** What the commit does, step by step, with the earlier small files' bytes to undo it. */
  async steps(set, news) {
    const { objects, owner } = this.ctx;
    const prior = async (path) => {
      const data = await objects.read(path);
      return data === void 0 ? void 0 : { kind: "data", data: data.toString("base64") };
    };
    const steps = [];
    const retracted = /* @__PURE__ */ new Set();
    for (const path of set.retract) {
      const was = await prior(path);
      if (was) steps.push({ path, prior: was });
      retracted.add(path);
    }
    for (const path of set.companions) steps.push({ path, next: news.get(path), prior: await prior(path) });
    for (const path of set.obsolete) {
      if (retracted.has(path)) continue;
      const was = await prior(path);
      if (was) steps.push({ path, prior: was });
    }
    let imagePrior;
    if (await objects.exists(set.image)) {
      const aside = objects.keepAside?.(set.image, tempName(set.image, owner, "previous"));
      imagePrior = await aside?.catch((err) => {
        throw new StepError({ path: set.image }, "keep aside", err);
      }) ?? "lost";
    }
    steps.push({
      path: set.image,
      next: news.get(set.image),
      prior: imagePrior,
      image: true,
      ...this.ctx.exclusive ? { exclusive: true } : {}
    });
    if (set.index) {
      const current = await objects.read(set.index.path);
      const updated = Buffer.from(set.index.update(current));
      steps.push({
        path: set.index.path,
        next: { kind: "data", data: updated.toString("base64") },
        prior: current && { kind: "data", data: current.toString("base64") }
      });
    }
    for (const path of set.seal)
      steps.push({ path, next: news.get(path), prior: retracted.has(path) ? void 0 : await prior(path) });
    return steps;
  }
  /** Runs the steps; on failure undoes them, or finishes them, or leaves the journal (see the class). */
  async apply(journal, lock) {
    let at = 0;
    let failure;
    try {
      for (; at < journal.steps.length; at++) {
        const step = journal.steps[at];
        lock.check();
        if (step.image) {
          this.signal.throwIfAborted();
          await lock.writeJournal({ ...journal, phase: "forward" });
          journal.phase = "forward";
          await shielded.run(
            AbortSignal.timeout(this.ctx.finishMs ?? 6e4),
            () => this.forward(journal, at, lock)
          );
          at = journal.steps.length;
          break;
        }
        this.signal.throwIfAborted();
        await this.run(step);
      }
    } catch (err) {
      failure = { step: journal.steps[Math.min(at, journal.steps.length - 1)], err };
    }
    if (!failure) {
      await shielded.run(AbortSignal.timeout(this.ctx.finishMs ?? 6e4), () => lock.release()).catch((err) => {
        this.ctx.log.warning(
          `could not release the lock ${lock.url} (the set is complete; the next run to the folder finds it so): ${String(err)}`
        );
      });
      return;
    }
    throw await this.failed(journal, at, failure, lock);
  }
  /** From the image on: every remaining step, each retried by the store; this is the point of no return. */
  async forward(journal, from, lock) {
    for (let i = from; i < journal.steps.length; i++) {
      lock.check();
      const step = journal.steps[i];
      try {
        await this.runConfirmed(step);
      } catch (err) {
        if (step.image && !await this.ctx.objects.placed(step.path, step.next).catch(() => true)) {
          journal.phase = "backward";
          throw Object.assign(err, { stepIndex: i });
        }
        throw Object.assign(err, { stepIndex: i });
      }
    }
  }
  async run(step) {
    const { objects } = this.ctx;
    try {
      if (step.next) await objects.place(step.path, step.next, step.exclusive ?? false);
      else await objects.remove(step.path);
    } catch (err) {
      if (err instanceof PlacedUnverified) this.unverified.add(step);
      throw new StepError(step, step.next ? step.prior ? "replace" : "write" : "remove", err);
    }
  }
  /** run(), but a change the store confirmed and a read did not show counts as made (see forward()). */
  async runConfirmed(step) {
    try {
      await this.run(step);
    } catch (err) {
      const cause = err.cause;
      if (!(cause instanceof PlacedUnverified)) throw err;
      this.ctx.log.warning(`${cause.message}; the store confirmed the request, so the commit goes on`);
    }
  }
  async failed(journal, at, failure, lock) {
    const { objects } = this.ctx;
    const index = failure.err.stepIndex ?? at;
    const dir = objects.url(folderOf(failure.step.path)) + "/";
    const what = describeFailure(failure.err, failure.step);
    const cancelled = this.signal.aborted;
    const undoable = journal.steps.slice(0, index + 1).every((s) => s.prior !== "lost" || !s.image || journal.phase === "backward");
    const shield = (fn) => shielded.run(AbortSignal.timeout(this.ctx.finishMs ?? 6e4), fn);
    if (undoable) {
      try {
        await shield(() => this.undo(journal.steps, index + 1));
        await shield(async () => {
          await lock.release();
          await this.abort();
          for (const step of journal.steps)
            if (step.prior && step.prior !== "lost") await objects.drop(step.prior).catch(() => {
            });
        });
        if (cancelled) return failure.err;
        return new CommitFailure(`${what}; the earlier set in ${dir} is intact`, { cause: failure.err });
      } catch (undoErr) {
        await shield(() => this.leave(journal, lock));
        return new CommitFailure(
          `${what}; undoing the commit failed too (${describeFailure(undoErr)}): ${dir} is left between the two sets, without checksum files, and the next run to it restores the earlier set`,
          { cause: failure.err }
        );
      }
    }
    await shield(() => this.leave(journal, lock));
    return new CommitFailure(
      `${what}; the new image is already in place in ${dir} and a bucket cannot take it back: the folder holds it without checksum files, versions.json may still name the earlier version, and the next run to this folder finishes the set`,
      { cause: failure.err }
    );
  }
  /** Leaves the commit to the next run: the lock stays, abandoned, with the journal in it. */
  async leave(journal, lock) {
    this.handedOver = true;
    await lock.release(journal).catch(() => lock.stop());
  }
  /** Restores what the first `count` steps replaced, last first. */
  async undo(steps, count) {
    const { objects } = this.ctx;
    for (let i = Math.min(count, steps.length) - 1; i >= 0; i--) {
      const step = steps[i];
      try {
        if (!await this.tookEffect(step)) continue;
        if (step.prior === "lost") continue;
        if (step.prior) await objects.place(step.path, step.prior, false);
        else if (step.next) await objects.remove(step.path);
      } catch (err) {
        throw new StepError(step, "restore", err);
      }
    }
  }
  /** Whether a step's change is there: its new content in place, or its file gone. */
  async tookEffect(step) {
    const { objects } = this.ctx;
    if (this.unverified.has(step)) return true;
    if (step.next) return objects.placed(step.path, step.next);
    return step.prior !== void 0 && !await objects.exists(step.path);
  }
  /** Finishes or undoes a dead run's commit, from its journal, before anything else happens in the folder. */
  async recover(journal, lock) {
    const { objects, log } = this.ctx;
    const dir = objects.url(folderOf(journal.steps[0]?.path ?? "")) + "/";
    let direction = journal.phase;
    let placedHere;
    if (direction === "forward") {
      const image = journal.steps.findIndex((s) => s.image);
      const step = journal.steps[image];
      const present = step?.next ? await objects.placed(step.path, step.next) : true;
      if (!present) {
        try {
          await objects.place(step.path, step.next, step.exclusive ?? false);
          placedHere = step;
        } catch (err) {
          if (err instanceof PlacedUnverified) {
            log.warning(`${err.message}; the store confirmed the request, so the commit goes on`);
            placedHere = step;
          } else if (!(err instanceof NotPlaceable)) throw err;
          else direction = "backward";
        }
      }
    }
    if (direction === "forward") {
      log.info(`Finishing the commit another run left unfinished in ${dir}`);
      const last = new Map(journal.steps.map((step, i) => [step.path, i]));
      for (const [i, step] of journal.steps.entries()) {
        if (last.get(step.path) !== i || step === placedHere) continue;
        if (step.next && step.next.kind !== "data" && await objects.placed(step.path, step.next)) continue;
        await this.runConfirmed(step);
      }
    } else {
      log.info(`Undoing the commit another run left unfinished in ${dir}`);
      await this.undo(
        journal.steps.filter((s) => !(s.image && s.prior === "lost")),
        journal.steps.length
      );
    }
    await lock.writeJournal(null);
    for (const step of journal.steps) {
      for (const staged of [step.next, step.prior])
        if (staged && staged !== "lost" && staged.kind !== "data") await objects.drop(staged).catch(() => {
        });
    }
  }
  /**
   * Removes what dead runs left in the lock's folder and the set's folders (never a live run's files:
   * owner.ts). Where the set's folder lies below the lock's (the versioned layout's date folders), every
   * folder below it is looked at, in one listing: a run killed while it published for one date left its
   * files in a folder that no later run publishes to.
   */
  async sweep(lockDir, setDirs) {
    const { objects, owner, log } = this.ctx;
    const now = Date.now();
    const below = (dir) => dir.startsWith(lockDir ? `${lockDir}/` : "") && dir !== lockDir;
    const deep = setDirs.some(below);
    for (const dir of [lockDir, ...setDirs.filter((d) => d !== lockDir && !(deep && below(d)))]) {
      const removed = [];
      const referenced = /* @__PURE__ */ new Set();
      const listDeep = deep && dir === lockDir;
      for (const { name: relative, modified } of await objects.list(dir, listDeep)) {
        const name = relative.slice(relative.lastIndexOf("/") + 1);
        const path = dir ? `${dir}/${relative}` : relative;
        const temp = parseTempName(name);
        if (temp) {
          if (sameOwner(temp.owner, owner) || mayBeAlive(temp.owner, now)) {
            if (temp.kind === "upload") referenced.add(path);
            continue;
          }
          await objects.removeTemp(path, temp.kind).then(
            () => removed.push(relative),
            (err) => log.warning(`could not remove ${objects.url(path)}, left by a run that ended: ${String(err)}`)
          );
        } else if (isLegacyTemp(name) && modified !== void 0 && now - modified > LEGACY_TEMP_AGE_MS) {
          await objects.remove(path).then(
            () => removed.push(relative),
            () => {
            }
          );
        }
      }
      if (objects.sweepUploads)
        removed.push(...await objects.sweepUploads(dir, referenced, listDeep).catch(() => []));
      if (removed.length > 0)
        log.info(`Removed what runs that ended left in ${objects.url(dir)}/: ${removed.join(", ")}`);
    }
  }
  async abort() {
    await this.ctx.staging.discard().catch(() => {
    });
    if (this.handedOver) return;
    for (const staged of this.staged.values()) {
      const s = await staged.catch(() => void 0);
      if (s) await this.ctx.objects.drop(s).catch(() => {
      });
    }
    this.staged.clear();
    if (!this.published) this.end();
  }
  end() {
    this.unnote?.();
    this.unnote = void 0;
  }
  /** What a run abandoned now would leave: uploads on a bucket are not removed on exit (cleanup.ts). */
  noteStaged(path) {
    if (this.unnote || !this.ctx.staging.outlivesExit) return;
    this.note(`what it uploaded to ${this.ctx.objects.url(folderOf(path))}/ is removed by a later run there`);
  }
  note(text) {
    this.end();
    this.unnote = noteWhileRunning(text);
  }
};
function prepareFailure(objects, set) {
  return (err) => {
    throw new CommitFailure(
      `${describeFailure(err)}; the earlier set in ${objects.url(folderOf(set.image))}/ is intact`,
      { cause: err }
    );
  };
}
var StepError = class extends Error {
  step;
  op;
  constructor(step, op, cause) {
    super(`could not ${op} ${step.path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause
    });
    this.step = step;
    this.op = op;
  }
};
function describeFailure(err, fallback) {
  if (err instanceof StepError) {
    const name = err.step.path.slice(err.step.path.lastIndexOf("/") + 1);
    const [verb, ...rest] = err.op.split(" ");
    return `could not ${[verb, name, ...rest].join(" ")} (${reason(err.cause)})`;
  }
  if (fallback && err instanceof Error && err.name === "AbortError") return `stopped (${err.message})`;
  return err instanceof Error ? err.message : String(err);
}
function reason(err) {
  const e = err;
  if (typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  return e?.message ?? String(err);
}
function isJournal(value) {
  return value?.v === 1 && Array.isArray(value.steps);
}
function folderOf(path) {
  return path.slice(0, Math.max(0, path.lastIndexOf("/")));
}
function folders(paths) {
  return [...new Set(paths.map(folderOf))];
}

export {
  removeOnExit,
  onExit,
  runExitCleanups,
  currentNotes,
  newOwner,
  tempName,
  parseTempName,
  LEGACY_TEMP_AGE_MS,
  DEFAULT_LOCK_OPTIONS,
  CommitFailure,
  NotPlaceable,
  PlacedUnverified,
  SetTransaction
};
