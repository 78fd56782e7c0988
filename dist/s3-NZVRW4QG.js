import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  doneByCallback
} from "./chunk-THK3DBOI.js";
import {
  DEFAULT_LOCK_OPTIONS,
  LEGACY_TEMP_AGE_MS,
  NotPlaceable,
  PlacedUnverified,
  SetTransaction,
  newOwner,
  parseTempName,
  tempName
} from "./chunk-6YDDJ5MZ.js";
import {
  PARTS_IN_FLIGHT,
  PART_SIZE,
  S3Bucket,
  httpStatus,
  isNotFound,
  require_dist_cjs
} from "./chunk-36GUPZFO.js";
import {
  BucketObjects
} from "./chunk-5T75J37P.js";
import {
  StageError,
  formatBudget
} from "./chunk-EKRAGSSF.js";
import "./chunk-BVUK22WD.js";
import {
  __toESM
} from "./chunk-VF57VZD3.js";

// src/store/s3.ts
var import_client_s32 = __toESM(require_dist_cjs(), 1);
import { createHash as createHash2 } from "node:crypto";
import { pipeline } from "node:stream/promises";

// src/store/s3-upload.ts
var import_client_s3 = __toESM(require_dist_cjs(), 1);
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
var MultipartUpload = class extends Writable {
  store;
  path;
  marker;
  uploadId;
  /** The upload's id as soon as the store has made it, whether or not its record could be written. */
  created;
  aborting;
  part;
  filled = 0;
  parts = [];
  md5s = [];
  /** Part buffers back from finished uploads: reused, as a fresh 8 MiB buffer per part costs GC time. */
  spares = [];
  inFlight = /* @__PURE__ */ new Set();
  failure;
  bytes = 0;
  finished = false;
  constructor(store, path, owner) {
    super({ highWaterMark: 1 << 20 });
    this.store = store;
    this.path = path;
    this.marker = tempName(path, owner, "upload");
  }
  _write(chunk, _enc, done) {
    this.consume(chunk).then(() => done(), done);
  }
  _final(done) {
    this.flushPart().then(() => this.settle()).then(() => {
      this.finished = true;
      done();
    }, done);
  }
  _destroy(err, done) {
    if (this.finished && !err) return done(null);
    this.abort().then(
      () => done(err),
      () => done(err)
    );
  }
  /** What the commit needs to complete it (and a later run, from the journal). */
  async staged() {
    const uploadId = await this.start();
    return {
      kind: "multipart",
      key: this.path,
      uploadId,
      parts: [...this.parts],
      size: this.bytes,
      etag: `${createHash("md5").update(Buffer.concat(this.md5s)).digest("hex")}-${this.md5s.length}`,
      marker: this.marker
    };
  }
  start() {
    const s = this.store;
    this.uploadId ??= (async () => {
      const id = await s.call(`starting the upload of ${s.url(this.path)}`, async (abortSignal) => {
        const res = await s.client.send(
          new import_client_s3.CreateMultipartUploadCommand({
            Bucket: s.bucket,
            Key: s.key(this.path),
            ...s.objectSettings(this.path)
          }),
          { abortSignal }
        );
        return res.UploadId;
      });
      this.created = id;
      await s.putObject(this.marker, Buffer.from(id));
      return id;
    })();
    return this.uploadId;
  }
  async consume(chunk) {
    if (this.failure) throw this.failure;
    this.bytes += chunk.length;
    for (let offset = 0; offset < chunk.length; ) {
      this.part ??= this.spares.pop() ?? Buffer.allocUnsafeSlow(PART_SIZE);
      const n = chunk.copy(this.part, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === PART_SIZE) await this.flushPart();
    }
  }
  async flushPart() {
    if (!this.part || this.filled === 0) {
      if (this.parts.length > 0 || this.inFlight.size > 0 || this.md5s.length > 0) return;
    }
    const buffer = this.part;
    const data = (buffer ?? Buffer.alloc(0)).subarray(0, this.filled);
    this.part = void 0;
    this.filled = 0;
    const number = this.md5s.length + 1;
    const md5 = createHash("md5").update(data).digest();
    this.md5s.push(md5);
    const job = this.uploadPart(number, data, md5).catch((err) => {
      this.failure ??= err;
    }).finally(() => {
      if (buffer) this.spares.push(buffer);
    });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }
  async uploadPart(number, data, md5) {
    const s = this.store;
    const uploadId = await this.start();
    const res = await s.call(
      `uploading part ${number} of ${s.url(this.path)}`,
      (abortSignal) => s.client.send(
        new import_client_s3.UploadPartCommand({
          Bucket: s.bucket,
          Key: s.key(this.path),
          UploadId: uploadId,
          PartNumber: number,
          Body: data,
          ContentMD5: md5.toString("base64")
        }),
        { abortSignal }
      ),
      // A part is 8 MiB: its attempt may take longer than a small request's.
      s.policy(s.timeouts.requestMs * 3)
    );
    const etag = (res.ETag ?? "").replaceAll('"', "");
    if (etag !== md5.toString("hex"))
      throw new StageError(
        "store",
        `part ${number} of ${s.url(this.path)} arrived with md5 ${etag}, sent ${md5.toString("hex")}`
      );
    this.parts[number - 1] = { PartNumber: number, ETag: res.ETag };
  }
  async settle() {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }
  /**
   * Aborts the upload (when the store made one) and removes its record. Once: the stream's destruction
   * and the transaction's abort both ask, and both wait for the same.
   */
  abort() {
    this.aborting ??= (async () => {
      await this.uploadId?.catch(() => void 0);
      await Promise.allSettled(this.inFlight);
      if (this.created) await abortUpload(this.store, this.path, this.created, this.marker);
    })();
    return this.aborting;
  }
};
async function abortUpload(store, path, uploadId, marker) {
  await store.cleanup(
    `aborting the upload of ${store.url(path)}`,
    (abortSignal) => store.client.send(
      new import_client_s3.AbortMultipartUploadCommand({ Bucket: store.bucket, Key: store.key(path), UploadId: uploadId }),
      { abortSignal }
    )
  ).catch((err) => {
    if (!isNotFound(err.cause)) throw err;
  });
  if (marker)
    await store.cleanup(
      `removing ${store.url(marker)}`,
      (abortSignal) => store.deleteSignal(marker, abortSignal)
    );
}

// src/store/s3.ts
var MARGIN_MS = 10 * 6e4;
var S3Store = class extends S3Bucket {
  async begin(_folders, options = {}) {
    await this.call(
      "checking access",
      (abortSignal) => this.client.send(new import_client_s32.HeadBucketCommand({ Bucket: this.bucket }), { abortSignal })
    );
    const owner = newOwner(this.deadline - performance.now() + MARGIN_MS);
    const objects = new S3Objects(this);
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
        budget: `upload-timeout of ${formatBudget(this.options.uploadTimeoutMs)}`
      },
      log: options.log ?? this.log,
      exclusive: options.exclusive ?? false
    });
  }
};
var quoted = (etag) => etag.startsWith('"') ? etag : `"${etag}"`;
var bare = (etag) => etag.replaceAll('"', "");
var S3Objects = class extends BucketObjects {
  lock;
  constructor(store) {
    super(store);
    this.lock = new S3Lock(store);
  }
  async placeObject(path, staged, exclusive) {
    const s = this.s;
    if (staged.kind === "multipart") {
      let sent = 0;
      try {
        await s.call(`completing the upload of ${s.url(path)}`, (abortSignal) => {
          sent++;
          return s.client.send(
            new import_client_s32.CompleteMultipartUploadCommand({
              Bucket: s.bucket,
              Key: s.key(path),
              UploadId: staged.uploadId,
              MultipartUpload: { Parts: staged.parts },
              ...exclusive ? { IfNoneMatch: "*" } : {}
            }),
            { abortSignal }
          );
        });
      } catch (err) {
        const cause = err.cause;
        if (httpStatus(cause) === 412)
          throw new StageError(
            "store",
            `${s.url(path)} was published by another run first (If-None-Match: *)`
          );
        if (isNotFound(cause) || cause?.name === "NoSuchUpload") {
          if (!await this.placed(path, staged)) {
            if (sent > 1)
              throw new PlacedUnverified(
                `${s.url(path)} does not read back as what was uploaded after its completion's answer was lost`
              );
            throw new NotPlaceable(`the upload of ${s.url(path)} is gone`);
          }
        } else throw err;
      }
      const head = await s.head(path);
      await s.cleanup(
        `removing ${s.url(staged.marker)}`,
        (abortSignal) => s.deleteSignal(staged.marker, abortSignal)
      ).catch(() => {
      });
      if (!head || head.size !== staged.size || head.etag !== staged.etag)
        throw new PlacedUnverified(
          `${s.url(path)} does not read back as what was uploaded: ${head ? `${head.size} bytes, ETag ${head.etag}` : "missing"}; expected ${staged.size} bytes, ETag ${staged.etag}`
        );
      return;
    }
    if (staged.kind === "object") {
      try {
        await s.call(
          `copying into ${s.url(path)}`,
          (abortSignal) => s.client.send(
            new import_client_s32.CopyObjectCommand({
              Bucket: s.bucket,
              Key: s.key(path),
              CopySource: encodeURI(`${s.bucket}/${s.key(staged.temp)}`),
              MetadataDirective: "REPLACE",
              ...s.objectSettings(path)
            }),
            { abortSignal }
          )
        );
      } catch (err) {
        if (!isNotFound(err.cause)) throw err;
        if (!await this.placed(path, staged)) throw new NotPlaceable(`${s.url(staged.temp)} is gone`);
      }
      const head = await s.head(path);
      await s.cleanup(`removing ${s.url(staged.temp)}`, (abortSignal) => s.deleteSignal(staged.temp, abortSignal)).catch(() => {
      });
      if (!head || head.size !== staged.size)
        throw new PlacedUnverified(
          `${s.url(path)} does not read back as the copy: ${head ? `${head.size} bytes` : "missing"}, expected ${staged.size} bytes`
        );
      return;
    }
    throw new Error(`internal: an S3 bucket cannot place a ${staged.kind}`);
  }
  async placedObject(path, staged) {
    const head = await this.s.head(path);
    if (!head) return false;
    if (staged.kind === "multipart" || staged.kind === "object")
      return head.size === staged.size && head.etag === bare(staged.etag);
    return false;
  }
  async drop(staged) {
    const s = this.s;
    if (staged.kind === "object")
      await s.cleanup(
        `removing ${s.url(staged.temp)}`,
        (abortSignal) => s.deleteSignal(staged.temp, abortSignal)
      );
    else if (staged.kind === "multipart") await abortUpload(s, staged.key, staged.uploadId, staged.marker);
  }
  async removeTemp(path, kind) {
    const s = this.s;
    if (kind === "upload") {
      const slash = path.lastIndexOf("/");
      const final = `${path.slice(0, slash + 1)}${parseTempName(path.slice(slash + 1)).name}`;
      const id = (await s.read(path))?.toString().trim();
      if (id) await abortUpload(s, final, id, path);
      else await s.delete(path);
      return;
    }
    await s.delete(path);
  }
  /**
   * Uploads under the folder that no live run's marker names and that are a day old: a run killed between
   * starting an upload and recording its id left them.
   */
  async sweepUploads(dir, referenced, deep = false) {
    const s = this.s;
    const live = /* @__PURE__ */ new Set();
    for (const marker of referenced) {
      const id = (await s.read(marker))?.toString().trim();
      if (id) live.add(id);
    }
    const removed = [];
    const prefix = `${s.key(dir)}/`;
    let keyMarker;
    let idMarker;
    do {
      const page = await s.call(
        `listing the uploads under ${s.url(dir)}/`,
        (abortSignal) => s.client.send(
          new import_client_s32.ListMultipartUploadsCommand({
            Bucket: s.bucket,
            Prefix: prefix,
            Delimiter: deep ? void 0 : "/",
            KeyMarker: keyMarker,
            UploadIdMarker: idMarker
          }),
          { abortSignal }
        )
      );
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || live.has(u.UploadId)) continue;
        if (!u.Initiated || Date.now() - u.Initiated.getTime() < LEGACY_TEMP_AGE_MS) continue;
        const path = u.Key.slice(s.prefix ? s.prefix.length + 1 : 0);
        await abortUpload(s, path, u.UploadId).catch(() => {
        });
        removed.push(`the upload ${u.UploadId} of ${u.Key.slice(prefix.length)}`);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : void 0;
      idMarker = page.IsTruncated ? page.NextUploadIdMarker : void 0;
    } while (keyMarker);
    return removed;
  }
};
var S3Lock = class {
  exact;
  s;
  conditional = true;
  constructor(store) {
    this.s = store;
    const aws = !store.options.endpoint;
    this.exact = { create: aws, replace: aws };
  }
  async read(path) {
    const got = await this.s.get(path);
    return got && { body: got.body, version: quoted(got.etag) };
  }
  async create(path, body) {
    if (this.conditional) {
      const result = await this.conditionalPut(path, body, { IfNoneMatch: "*" });
      if (result !== "unsupported") return result;
    }
    if (await this.s.head(path)) return void 0;
    return quoted(await this.s.putObject(path, body));
  }
  async replace(path, body, version) {
    if (this.conditional) {
      const result = await this.conditionalPut(path, body, { IfMatch: version });
      if (result !== "unsupported") return result;
    }
    const head = await this.s.head(path);
    if (!head || quoted(head.etag) !== version) return void 0;
    return quoted(await this.s.putObject(path, body));
  }
  async remove(path, version) {
    try {
      await this.s.delete(path, { IfMatch: version });
    } catch (err) {
      const status = httpStatus(err.cause);
      if (status === 412) return;
      if (status !== 501) throw err;
      const head = await this.s.head(path);
      if (head && quoted(head.etag) === version) await this.s.delete(path);
    }
  }
  async conditionalPut(path, body, condition) {
    try {
      return quoted(await this.s.putObject(path, body, condition));
    } catch (err) {
      const status = httpStatus(err.cause);
      if (status === 412 || status === 409) return void 0;
      if (status === 501) {
        this.conditional = false;
        return "unsupported";
      }
      throw err;
    }
  }
};
var S3Staging = class {
  outlivesExit = true;
  s;
  owner;
  uploads = /* @__PURE__ */ new Set();
  constructor(store, owner) {
    this.s = store;
    this.owner = owner;
  }
  createWriteStream(path) {
    const upload = doneByCallback(new MultipartUpload(this.s, path, this.owner));
    this.uploads.add(upload);
    return upload;
  }
  async writeFile(_path, data) {
    return { kind: "data", data: Buffer.from(data).toString("base64") };
  }
  /** Copies to a temporary key first: the copy is checked before anything is replaced. */
  async copy(from, to) {
    const s = this.s;
    const temp = tempName(to, this.owner, "partial");
    const res = await s.call(
      `copying ${s.url(from)}`,
      (abortSignal) => s.client.send(
        new import_client_s32.CopyObjectCommand({
          Bucket: s.bucket,
          Key: s.key(temp),
          CopySource: encodeURI(`${s.bucket}/${s.key(from)}`),
          MetadataDirective: "REPLACE",
          ...s.objectSettings(to)
        }),
        { abortSignal }
      )
    );
    const head = await s.head(temp);
    if (!head) throw new StageError("store", `the copy ${s.url(temp)} is missing`);
    const staged = { kind: "object", temp, etag: head.etag, size: head.size };
    const etag = bare(res.CopyObjectResult?.ETag ?? "");
    if (/^[0-9a-f]{32}$/.test(etag)) return { staged, md5: etag };
    const md5 = await s.call(`reading back the copy ${s.url(temp)}`, async (abortSignal) => {
      const got = await s.client.send(new import_client_s32.GetObjectCommand({ Bucket: s.bucket, Key: s.key(temp) }), {
        abortSignal
      });
      const hash = createHash2("md5");
      await pipeline(got.Body, hash);
      return hash.digest("hex");
    });
    return { staged, md5 };
  }
  /** A journal holds the upload now: it is no longer this staging's to abort. */
  handOver(staged) {
    if (staged.kind !== "multipart") return;
    for (const upload of this.uploads) if (upload.marker === staged.marker) this.uploads.delete(upload);
  }
  async discard() {
    for (const upload of this.uploads) {
      upload.destroy();
      await upload.abort().catch(() => {
      });
    }
    this.uploads.clear();
  }
};
export {
  S3Store
};
