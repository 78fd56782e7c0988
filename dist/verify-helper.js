import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  Unframer,
  WORK_FILES,
  createXxh32,
  findTool,
  require_dist,
  tail,
  xxh32
} from "./chunk-P6DSCTJD.js";
import {
  loadLz4Block
} from "./chunk-EMGQKNKR.js";
import {
  __toESM
} from "./chunk-VF57VZD3.js";

// src/verify/helper.ts
var import_yaml = __toESM(require_dist(), 1);
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chownSync,
  closeSync as closeSync2,
  copyFileSync,
  existsSync,
  mkdirSync as mkdirSync2,
  openSync as openSync2,
  readdirSync,
  readFileSync,
  readlinkSync as readlinkSync2,
  unlinkSync
} from "node:fs";
import { join } from "node:path";

// src/verify/archiver.ts
import {
  chmodSync,
  closeSync,
  fchmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeSync
} from "node:fs";
import { posix } from "node:path";

// src/verify/reader.ts
var UnexpectedEof = class extends Error {
  constructor() {
    super("unexpected EOF");
    this.name = "UnexpectedEof";
  }
};
var ByteReader = class {
  source;
  chunk = Buffer.alloc(0);
  pos = 0;
  done = false;
  /** Bytes handed out so far. */
  consumed = 0;
  constructor(source) {
    this.source = source[Symbol.asyncIterator]();
  }
  /** Exactly `n` bytes; undefined at a clean end (no byte left); UnexpectedEof when fewer are left. */
  async full(n) {
    if (n === 0) return Buffer.alloc(0);
    if (this.chunk.length - this.pos >= n) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.consumed += n;
      return out;
    }
    const parts = [];
    let have = 0;
    while (have < n) {
      if (this.pos === this.chunk.length && !await this.refill()) {
        if (have === 0) return void 0;
        throw new UnexpectedEof();
      }
      const take = Math.min(n - have, this.chunk.length - this.pos);
      parts.push(this.chunk.subarray(this.pos, this.pos + take));
      this.pos += take;
      have += take;
    }
    this.consumed += n;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }
  /** Exactly `n` bytes; UnexpectedEof when the data ends before (even with no byte read). */
  async exactly(n) {
    const out = await this.full(n);
    if (out === void 0) throw new UnexpectedEof();
    return out;
  }
  /** Skips `n` bytes; false when the data ended first. */
  async skip(n) {
    let left = n;
    while (left > 0) {
      if (this.pos === this.chunk.length && !await this.refill()) return false;
      const take = Math.min(left, this.chunk.length - this.pos);
      this.pos += take;
      left -= take;
      this.consumed += take;
    }
    return true;
  }
  /** The next piece of at most `max` bytes as it comes (no copy); undefined at the end. */
  async some(max) {
    if (this.pos === this.chunk.length && !await this.refill()) return void 0;
    const take = Math.min(max, this.chunk.length - this.pos);
    const out = this.chunk.subarray(this.pos, this.pos + take);
    this.pos += take;
    this.consumed += take;
    return out;
  }
  async refill() {
    while (!this.done) {
      const next = await this.source.next();
      if (next.done) {
        this.done = true;
        break;
      }
      if (next.value.length === 0) continue;
      this.chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
      this.pos = 0;
      return true;
    }
    return false;
  }
};

// src/verify/tar-reader.ts
var ERR_HEADER = "archive/tar: invalid tar header";
var ERR_TOO_LONG = "archive/tar: header field too long";
var TarError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "TarError";
  }
};
var BLOCK = 512;
var MAX_SPECIAL = 1 << 20;
var HEADER_ONLY = /* @__PURE__ */ new Set(["1", "2", "3", "4", "5", "6"]);
var GoTarReader = class {
  r;
  /** Physical bytes of the current entry not read yet, and its padding. */
  remaining = 0;
  pad = 0;
  /** The current entry's data, as the logical reader sees it. */
  logicalLeft = 0;
  sparse;
  failed;
  /** The archive ended with its two zero blocks (not just with the data). */
  endedWithMarker = false;
  constructor(reader) {
    this.r = reader;
  }
  /** The next entry; undefined at the end of the archive (or of the data at an entry boundary). */
  async next() {
    if (this.failed) throw this.failed;
    try {
      return await this.nextEntry();
    } catch (err) {
      this.failed = err instanceof UnexpectedEof ? new TarError("unexpected EOF") : err;
      throw this.failed;
    }
  }
  /** The current entry's data, piece by piece; UnexpectedEof surfaces as TarError. */
  async *data() {
    try {
      if (this.sparse) {
        yield* this.sparseData();
        return;
      }
      while (this.logicalLeft > 0) {
        const piece = await this.r.some(Math.min(this.logicalLeft, 1 << 20));
        if (!piece) throw new UnexpectedEof();
        this.logicalLeft -= piece.length;
        this.remaining -= piece.length;
        yield piece;
      }
    } catch (err) {
      if (err instanceof UnexpectedEof) throw new TarError("unexpected EOF");
      throw err;
    }
  }
  async *sparseData() {
    const s = this.sparse;
    for (const { offset, length } of s.map) {
      if (offset > s.pos) yield* zeros(offset - s.pos);
      let left = length;
      while (left > 0) {
        const piece = await this.r.some(Math.min(left, 1 << 20));
        if (!piece) throw new UnexpectedEof();
        left -= piece.length;
        this.remaining -= piece.length;
        yield piece;
      }
      s.pos = offset + length;
    }
    if (s.size > s.pos) yield* zeros(s.size - s.pos);
    s.pos = s.size;
    this.logicalLeft = 0;
  }
  async nextEntry() {
    let pax = {};
    let longName;
    let longLink;
    for (; ; ) {
      if (this.remaining > 0 && !await this.r.skip(this.remaining)) throw new UnexpectedEof();
      this.remaining = 0;
      if (this.pad > 0 && !await this.r.skip(this.pad)) return void 0;
      this.pad = 0;
      this.sparse = void 0;
      const block = await this.r.full(BLOCK);
      if (block === void 0) return void 0;
      if (isZero(block)) {
        const second = await this.r.full(BLOCK);
        if (second === void 0) return void 0;
        if (isZero(second)) {
          this.endedWithMarker = true;
          return void 0;
        }
        throw new TarError(ERR_HEADER);
      }
      const hdr = parseHeader(block);
      this.setData(hdr.typeflag, hdr.size);
      if (hdr.typeflag === "x" || hdr.typeflag === "g") {
        const records = parsePax(await this.special());
        if (hdr.typeflag === "g") {
          mergePax(hdr, records);
          return hdr;
        }
        pax = records;
        continue;
      }
      if (hdr.typeflag === "L" || hdr.typeflag === "K") {
        const value = cstring(await this.special());
        if (hdr.typeflag === "L") longName = value;
        else longLink = value;
        continue;
      }
      mergePax(hdr, pax);
      if (longName !== void 0) hdr.name = longName;
      if (longLink !== void 0) hdr.linkname = longLink;
      if (hdr.typeflag === "\0") hdr.typeflag = hdr.name.endsWith("/") ? "5" : "0";
      this.setData(hdr.typeflag, hdr.size);
      await this.sparseHeaders(hdr);
      return hdr;
    }
  }
  setData(typeflag, size) {
    const n = HEADER_ONLY.has(typeflag) ? 0 : size;
    if (n < 0) throw new TarError(ERR_HEADER);
    this.remaining = n;
    this.logicalLeft = n;
    this.pad = (BLOCK - n % BLOCK) % BLOCK;
  }
  /** The data of a PAX or GNU long-name entry. */
  async special() {
    if (this.remaining > MAX_SPECIAL) throw new TarError(ERR_TOO_LONG);
    const data = await this.r.exactly(this.remaining);
    this.remaining = 0;
    this.logicalLeft = 0;
    return data;
  }
  /** PAX GNU sparse files: the map from the records (0.0, 0.1) or the data's start (1.0). */
  async sparseHeaders(hdr) {
    const rec = hdr.paxRecords;
    const major = rec["GNU.sparse.major"] ?? "";
    const minor = rec["GNU.sparse.minor"] ?? "";
    let is1;
    if (major === "0" && (minor === "0" || minor === "1")) is1 = false;
    else if (major === "1" && minor === "0") is1 = true;
    else if (major !== "" || minor !== "") return;
    else if (rec["GNU.sparse.map"]) is1 = false;
    else return;
    if (rec["GNU.sparse.name"]) hdr.name = rec["GNU.sparse.name"];
    const real = rec["GNU.sparse.size"] || rec["GNU.sparse.realsize"];
    if (real) hdr.size = parseDecimal(real);
    let numbers;
    if (is1) {
      const lines = [];
      let text = "";
      let count;
      while (count === void 0 || lines.length < 1 + 2 * count) {
        const block = await this.r.exactly(BLOCK);
        this.remaining -= BLOCK;
        text += block.toString("latin1");
        const parts = text.split("\n");
        text = parts.pop();
        for (const p of parts) {
          lines.push(parseDecimal(p));
          if (count === void 0) count = lines[0];
        }
      }
      numbers = lines.slice(1, 1 + 2 * count);
    } else {
      const map2 = rec["GNU.sparse.map"] ?? "";
      numbers = map2 === "" ? [] : map2.split(",").map(parseDecimal);
      if (numbers.length % 2 !== 0) throw new TarError(ERR_HEADER);
    }
    const map = [];
    let end = 0;
    for (let i = 0; i < numbers.length; i += 2) {
      const offset = numbers[i];
      const length = numbers[i + 1];
      if (offset < end || offset + length > hdr.size) throw new TarError(ERR_HEADER);
      map.push({ offset, length });
      end = offset + length;
    }
    this.sparse = { map, pos: 0, size: hdr.size };
    this.logicalLeft = hdr.size;
  }
};
function* zeros(n) {
  const chunk = Buffer.alloc(Math.min(n, 1 << 20));
  for (let left = n; left > 0; left -= chunk.length)
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}
function isZero(block) {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}
function cstring(b) {
  const nul = b.indexOf(0);
  const raw = nul >= 0 ? b.subarray(0, nul) : b;
  const text = raw.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(raw))
    throw new TarError(
      `a file name that is not UTF-8 (${raw.toString("latin1")}): not supported by this extractor`
    );
  return text;
}
function parseHeader(block) {
  const sum = parseOctal(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 32 : block[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  if (sum === void 0 || sum !== unsigned && sum !== signed) throw new TarError(ERR_HEADER);
  const magic = block.toString("latin1", 257, 263);
  const version = block.toString("latin1", 263, 265);
  const trailer = block.toString("latin1", 508, 512);
  const star = magic === "ustar\0" && trailer === "tar\0";
  const ustar = magic === "ustar\0" && !star;
  const fields = [parseNumeric(block.subarray(124, 136)), parseNumeric(block.subarray(100, 108))];
  if (fields.some((n) => n === void 0)) throw new TarError(ERR_HEADER);
  const hdr = {
    typeflag: String.fromCharCode(block[156]),
    name: cstring(block.subarray(0, 100)),
    linkname: cstring(block.subarray(157, 257)),
    size: fields[0],
    mode: fields[1],
    paxRecords: {}
  };
  for (const [from, to] of [
    [108, 116],
    [116, 124],
    [136, 148]
  ])
    if (parseNumeric(block.subarray(from, to)) === void 0) throw new TarError(ERR_HEADER);
  const gnu = magic === "ustar " && version === " \0";
  if (ustar || star || gnu) {
    for (const [from, to] of [
      [329, 337],
      [337, 345]
    ])
      if (parseNumeric(block.subarray(from, to)) === void 0) throw new TarError(ERR_HEADER);
    const prefix = ustar ? cstring(block.subarray(345, 500)) : star ? cstring(block.subarray(345, 476)) : "";
    if (prefix.length > 0) hdr.name = `${prefix}/${hdr.name}`;
  }
  return hdr;
}
function parseNumeric(b) {
  if (b.length > 0 && b[0] & 128) {
    const inv = b[0] & 64 ? 255 : 0;
    let x = 0n;
    for (let i = 0; i < b.length; i++) {
      let c = b[i] ^ inv;
      if (i === 0) c &= 127;
      if (x >> 56n > 0n) return void 0;
      x = x << 8n | BigInt(c);
    }
    if (x >> 63n > 0n) return void 0;
    const value = inv ? -Number(x) - 1 : Number(x);
    return value;
  }
  return parseOctal(b);
}
function parseOctal(b) {
  let start = 0;
  let end = b.length;
  while (start < end && (b[start] === 32 || b[start] === 0)) start++;
  while (end > start && (b[end - 1] === 32 || b[end - 1] === 0)) end--;
  if (start === end) return 0;
  const nul = b.subarray(start, end).indexOf(0);
  const text = b.toString("latin1", start, nul >= 0 ? start + nul : end);
  if (!/^[0-7]+$/.test(text)) return void 0;
  return parseInt(text, 8);
}
function parseDecimal(text) {
  if (!/^-?[0-9]+$/.test(text)) throw new TarError(ERR_HEADER);
  return Number(text);
}
function parsePax(data) {
  const records = {};
  const sparse = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(32, pos);
    if (space < 0) throw new TarError(ERR_HEADER);
    const lenText = data.toString("latin1", pos, space);
    if (!/^[0-9]+$/.test(lenText)) throw new TarError(ERR_HEADER);
    const len = Number(lenText);
    if (len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 10)
      throw new TarError(ERR_HEADER);
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(61);
    if (eq <= 0) throw new TarError(ERR_HEADER);
    const key = record.toString("utf8", 0, eq);
    const value = record.toString("utf8", eq + 1);
    if ((key === "path" || key === "linkpath" || key === "uname" || key === "gname") && value.includes("\0"))
      throw new TarError(ERR_HEADER);
    if (key === "GNU.sparse.offset" || key === "GNU.sparse.numbytes") sparse.push(value);
    else records[key] = value;
    pos += len;
  }
  if (sparse.length > 0) records["GNU.sparse.map"] = sparse.join(",");
  return records;
}
function mergePax(hdr, records) {
  for (const [key, value] of Object.entries(records)) {
    if (key === "path") hdr.name = value;
    else if (key === "linkpath") hdr.linkname = value;
    else if (key === "size") {
      if (!/^-?[0-9]+$/.test(value)) throw new TarError(ERR_HEADER);
      hdr.size = Number(value);
    }
  }
  hdr.paxRecords = records;
}

// src/verify/archiver.ts
var HAMMER_ROOT = "/rootfs";
var ExtractError = class extends Error {
  /** The entry's name in the tar. */
  entry;
  constructor(entry, message) {
    super(message);
    this.name = "ExtractError";
    this.entry = entry;
  }
};
var GO_ERRNO = {
  ENOTDIR: "not a directory",
  EEXIST: "file exists",
  EISDIR: "is a directory",
  ENOENT: "no such file or directory",
  EXDEV: "invalid cross-device link",
  ELOOP: "too many levels of symbolic links",
  EPERM: "operation not permitted",
  EACCES: "permission denied",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EMLINK: "too many links",
  ENAMETOOLONG: "file name too long"
};
var PathError = class extends Error {
  code;
  constructor(op, path, code) {
    super(`${op} ${path}: ${GO_ERRNO[code] ?? code}`);
    this.code = code;
  }
};
function errnoOf(err) {
  return err.code ?? "EIO";
}
var Tree = class {
  root;
  plainDirs = /* @__PURE__ */ new Set([""]);
  constructor(root) {
    this.root = root;
  }
  /** `hammerPath` is clean and absolute. The last component is followed when it is a symlink and `follow`. */
  resolve(hammerPath, follow) {
    let rel;
    if (hammerPath === HAMMER_ROOT) rel = "";
    else if (hammerPath.startsWith(`${HAMMER_ROOT}/`)) rel = hammerPath.slice(HAMMER_ROOT.length + 1);
    else return { outside: true };
    const slash = rel.lastIndexOf("/");
    const parent = slash < 0 ? "" : rel.slice(0, slash);
    if (rel !== "" && this.plainDirs.has(parent)) {
      const real = posix.join(this.root, rel);
      const stat = lstatOrUndefined(real);
      if (!(stat?.isSymbolicLink() && follow)) return { outside: false, real, stat, hammerPath };
    }
    return this.walk(rel, follow, hammerPath);
  }
  walk(rel, follow, hammerPath) {
    let todo = rel === "" ? [] : rel.split("/");
    let done2 = [];
    let links = 0;
    let stat = statSync(this.root);
    let plain = true;
    while (todo.length > 0) {
      const c = todo.shift();
      if (c === "" || c === ".") continue;
      if (c === "..") {
        if (done2.length === 0) return { outside: true };
        done2.pop();
        plain = false;
        continue;
      }
      const last = todo.length === 0;
      const real = posix.join(this.root, ...done2, c);
      stat = lstatOrUndefined(real);
      if (stat === void 0) {
        return { outside: false, real: posix.join(real, ...todo), stat: void 0, hammerPath };
      }
      if (stat.isSymbolicLink() && (!last || follow)) {
        if (++links > 40) throw new PathError("stat", hammerPath, "ELOOP");
        const target = readlinkSync(real);
        plain = false;
        if (target.startsWith("/")) {
          const clean = posix.normalize(target).replace(/\/+$/, "") || "/";
          if (clean !== HAMMER_ROOT && !clean.startsWith(`${HAMMER_ROOT}/`)) return { outside: true };
          done2 = [];
          todo = [...clean.slice(HAMMER_ROOT.length).split("/"), ...todo];
        } else {
          todo = [...target.split("/"), ...todo];
        }
        continue;
      }
      if (!last && !stat.isDirectory()) throw new PathError("stat", hammerPath, "ENOTDIR");
      done2.push(c);
      if (!last && plain) this.plainDirs.add(done2.join("/"));
    }
    if (plain && stat?.isDirectory() && !stat.isSymbolicLink()) this.plainDirs.add(done2.join("/"));
    return { outside: false, real: posix.join(this.root, ...done2), stat, hammerPath };
  }
  /** os.MkdirAll(path, 0755) as Go runs it; false when the path lies outside the target. */
  mkdirAll(hammerPath) {
    if (HAMMER_ROOT.startsWith(`${hammerPath}/`) || hammerPath === "/") return true;
    const r = this.resolve(hammerPath, true);
    if (r.outside) return false;
    if (r.stat) {
      if (r.stat.isDirectory()) return true;
      throw new PathError("mkdir", hammerPath, "ENOTDIR");
    }
    let i = hammerPath.length - 1;
    while (i >= 0 && hammerPath[i] === "/") i--;
    while (i >= 0 && hammerPath[i] !== "/") i--;
    const parent = hammerPath.slice(0, Math.max(i, 0));
    if (parent.length > 0 && !this.mkdirAll(parent)) return false;
    const at = this.resolve(hammerPath, false);
    if (at.outside) return false;
    try {
      mkdirSync(at.real);
      chmodSync(at.real, 493);
    } catch (err) {
      const again = lstatOrUndefined(at.real);
      if (again?.isDirectory()) return true;
      throw new PathError("mkdir", hammerPath, errnoOf(err));
    }
    return true;
  }
};
function lstatOrUndefined(path) {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return void 0;
    throw err;
  }
}
function hammerJoin(name) {
  const joined = posix.join(HAMMER_ROOT, name);
  return joined.length > 1 ? joined.replace(/\/+$/, "") : joined;
}
async function extractArchive(source, options) {
  const tree = new Tree(options.root);
  const tar = new GoTarReader(new ByteReader(source));
  const facts = {
    entries: 0,
    dirs: 0,
    files: 0,
    specials: 0,
    symlinks: 0,
    hardlinks: 0,
    bytes: 0,
    outside: 0,
    end: "eof"
  };
  const outside = (hdr, path) => {
    facts.outside++;
    options.onOutside?.(hdr.name, path);
  };
  for (; ; ) {
    options.signal?.throwIfAborted();
    const hdr = await tar.next();
    if (!hdr) break;
    facts.entries++;
    const path = hammerJoin(hdr.name);
    if (!path.startsWith(HAMMER_ROOT)) throw new ExtractError(hdr.name, `${hdr.name}: illegal file path`);
    const fail = (what, err) => {
      if (err instanceof ExtractError) throw err;
      throw new ExtractError(hdr.name, `${path}: ${what}: ${err.message}`);
    };
    const entryPath = (follow) => {
      let inside;
      try {
        inside = tree.mkdirAll(posix.dirname(path));
      } catch (err) {
        return fail("making directory for file", err);
      }
      return inside ? tree.resolve(path, follow) : { outside: true };
    };
    switch (hdr.typeflag) {
      case "5":
        try {
          if (!tree.mkdirAll(path)) outside(hdr, path);
        } catch (err) {
          fail("making directory", err);
        }
        facts.dirs++;
        break;
      case "0":
      case "3":
      case "4":
      case "6": {
        const at = entryPath(true);
        if (at.outside) {
          outside(hdr, path);
          break;
        }
        let fd;
        try {
          if (at.stat?.isDirectory()) throw new PathError("open", path, "EISDIR");
          fd = openSync(at.real, "w", 420);
        } catch (err) {
          return fail(
            "creating new file",
            err instanceof PathError ? err : new PathError("open", path, errnoOf(err))
          );
        }
        try {
          try {
            fchmodSync(fd, hdr.mode & 4095);
          } catch (err) {
            fail("changing file mode", new PathError("chmod", path, errnoOf(err)));
          }
          for await (const piece of tar.data()) {
            for (let off = 0; off < piece.length; ) {
              try {
                off += writeSync(fd, piece, off, piece.length - off);
              } catch (err) {
                fail("writing file", new PathError("write", path, errnoOf(err)));
              }
            }
            facts.bytes += piece.length;
          }
        } catch (err) {
          fail("writing file", err);
        } finally {
          closeSync(fd);
        }
        if (hdr.typeflag === "0") facts.files++;
        else facts.specials++;
        break;
      }
      case "2":
      case "1": {
        const what = hdr.typeflag === "2" ? "making symbolic link for" : "making hard link for";
        const at = entryPath(false);
        if (hdr.typeflag === "2") {
          if (at.outside) {
            outside(hdr, path);
            break;
          }
          try {
            symlinkSync(hdr.linkname, at.real);
          } catch (err) {
            fail(what, new PathError("symlink", `${hdr.linkname} ${path}`, errnoOf(err)));
          }
          facts.symlinks++;
        } else {
          const oldPath = posix.join(HAMMER_ROOT, hdr.linkname);
          const from = tree.resolve(oldPath, false);
          if (from.outside !== at.outside) fail(what, new PathError("link", `${oldPath} ${path}`, "EXDEV"));
          if (from.outside || at.outside) {
            outside(hdr, path);
            break;
          }
          try {
            linkSync(from.real, at.real);
          } catch (err) {
            fail(what, new PathError("link", `${oldPath} ${path}`, errnoOf(err)));
          }
          facts.hardlinks++;
        }
        break;
      }
      case "g":
        break;
      default:
        throw new ExtractError(hdr.name, `${hdr.name}: unknown type flag: ${hdr.typeflag}`);
    }
  }
  facts.end = tar.endedWithMarker ? "end-of-archive" : "eof";
  return facts;
}
var TargetRoot = class {
  root;
  tree;
  constructor(root) {
    this.root = root;
    this.tree = new Tree(root);
  }
  /** Where a path of the image (e.g. /boot/vmlinuz) is, following symlinks: the real path here, or "outside". */
  locate(imagePath) {
    const r = this.tree.resolve(hammerJoin(imagePath), true);
    return r.outside ? "outside" : { real: r.real, stat: r.stat };
  }
  /** os.MkdirAll(dir, 0755), then os.WriteFile(path, data, mode): an existing file keeps its mode. */
  writeFile(imagePath, data, mode) {
    const path = hammerJoin(imagePath);
    if (!this.tree.mkdirAll(posix.dirname(path))) throw new PathError("open", path, "EXDEV");
    const at = this.tree.resolve(path, true);
    if (at.outside) throw new PathError("open", path, "EXDEV");
    const fd = openSync(at.real, "w", mode);
    try {
      if (!at.stat) fchmodSync(fd, mode);
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    } finally {
      closeSync(fd);
    }
  }
};

// src/verify/lz4-decode.ts
var LZ4_ERRORS = {
  badMagic: "lz4: bad magic number",
  headerChecksum: "lz4: invalid header checksum",
  blockChecksum: "lz4: invalid block checksum",
  frameChecksum: "lz4: invalid frame checksum",
  blockSize: "lz4: invalid block size",
  corrupt: "lz4: invalid source or destination buffer too short"
};
var Lz4DecodeError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "Lz4DecodeError";
  }
};
var MAGIC = 407708164;
var LEGACY_MAGIC = 407642370;
var SKIPPABLE_MAGIC = 407710288;
var LEGACY_BLOCK = 8 << 20;
var HISTORY = 64 << 10;
async function* decodeFirstFrame(reader, facts = newFacts(), { native = true } = {}) {
  const fast = native ? nativeDecoder() : void 0;
  const u32 = async () => (await reader.full(4))?.readUInt32LE(0);
  try {
    let magic;
    for (; ; ) {
      magic = await u32();
      if (magic === void 0) return done(facts, "empty", reader);
      if (magic === MAGIC || magic === LEGACY_MAGIC) break;
      if (magic >>> 4 !== SKIPPABLE_MAGIC >>> 4) throw new Lz4DecodeError(LZ4_ERRORS.badMagic);
      const skip = await u32();
      if (skip === void 0 || !await reader.skip(skip)) return done(facts, "empty", reader);
    }
    const legacy = magic === LEGACY_MAGIC;
    facts.legacy = legacy;
    let blockMax = LEGACY_BLOCK;
    let independent = true;
    let blockChecksum = false;
    let contentChecksum = false;
    if (!legacy) {
      let desc = await reader.full(3);
      if (desc === void 0) return done(facts, "empty", reader);
      const flags = desc.readUInt16LE(0);
      if (flags & 8) {
        const size = await reader.full(8);
        if (size === void 0) return done(facts, "empty", reader);
        desc = Buffer.concat([desc, size]);
      }
      const checksum = desc[desc.length - 1];
      if ((await xxh32(desc.subarray(0, -1)) >>> 8 & 255) !== checksum)
        throw new Lz4DecodeError(LZ4_ERRORS.headerChecksum);
      const index = flags >> 12 & 7;
      if (index < 4) throw new Lz4DecodeError(LZ4_ERRORS.blockSize);
      blockMax = 1 << 8 + 2 * index;
      independent = (flags & 32) !== 0;
      blockChecksum = (flags & 16) !== 0;
      contentChecksum = (flags & 4) !== 0;
    }
    const content = contentChecksum ? await createXxh32() : void 0;
    let history = Buffer.alloc(0);
    let cumulative = 0;
    let end = "eof";
    for (; ; ) {
      let word = await u32();
      while (legacy && word === LEGACY_MAGIC) word = await u32();
      if (word === void 0) break;
      if (legacy ? word === cumulative >>> 0 : word === 0) {
        end = "end-mark";
        break;
      }
      const stored = (word & 2147483648) !== 0;
      const size = word & 2147483647;
      if (size > blockMax) throw new Lz4DecodeError(LZ4_ERRORS.blockSize);
      const data = await reader.full(size);
      if (data === void 0) break;
      if (blockChecksum) {
        const sum = await u32();
        if (sum === void 0) break;
        if (await xxh32(data) !== sum) throw new Lz4DecodeError(LZ4_ERRORS.blockChecksum);
      }
      let out;
      if (stored) {
        out = Buffer.from(data);
      } else if (independent && fast) {
        out = data.length === 0 ? Buffer.alloc(0) : fast(data, blockMax);
      } else if (independent) {
        const dst = Buffer.allocUnsafe(blockMax);
        out = dst.subarray(0, decodeBlock(data, dst, 0));
      } else {
        const dst = Buffer.allocUnsafe(history.length + blockMax);
        history.copy(dst, 0);
        out = dst.subarray(history.length, decodeBlock(data, dst, history.length));
      }
      if (!independent) {
        const joined = Buffer.concat([history, out]);
        history = joined.subarray(Math.max(0, joined.length - HISTORY));
      }
      content?.update(out);
      cumulative += out.length;
      facts.blocks++;
      facts.bytes += out.length;
      if (out.length > 0) yield out;
    }
    if (!legacy && contentChecksum) {
      const sum = await u32();
      if (sum === void 0) end = "eof";
      else if (content.digest() !== sum) throw new Lz4DecodeError(LZ4_ERRORS.frameChecksum);
    }
    return done(facts, end, reader);
  } catch (err) {
    if (err instanceof UnexpectedEof) throw new Lz4DecodeError("lz4: unexpected EOF");
    throw err;
  }
}
function nativeDecoder() {
  const { addon } = loadLz4Block();
  if (!addon) return void 0;
  return (src, blockMax) => {
    const out = Buffer.allocUnsafe(blockMax);
    const n = addon.decompress(src, out);
    if (n < 0) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
    return out.subarray(0, n);
  };
}
function newFacts() {
  return { end: "empty", legacy: false, blocks: 0, bytes: 0, consumed: 0 };
}
function done(facts, end, reader) {
  facts.end = end;
  facts.consumed = reader.consumed;
  return facts;
}
function decodeBlock(src, dst, start) {
  const srcEnd = src.length;
  const dstEnd = dst.length;
  if (srcEnd === 0) return start;
  let si = 0;
  let di = start;
  for (; ; ) {
    if (si >= srcEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
    const token = src[si++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b = 255;
      while (b === 255) {
        if (si >= srcEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
        b = src[si++];
        literals += b;
      }
    }
    if (literals > 0) {
      const literalsEnd = si + literals;
      if (literalsEnd > srcEnd || di + literals > dstEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
      if (literals <= 16) {
        while (si < literalsEnd) dst[di++] = src[si++];
      } else {
        dst.set(src.subarray(si, literalsEnd), di);
        si = literalsEnd;
        di += literals;
      }
    }
    let matchLen = token & 15;
    if (si === srcEnd && matchLen === 0) break;
    if (si + 2 > srcEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
    const offset = src[si] | src[si + 1] << 8;
    si += 2;
    if (offset === 0) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
    if (matchLen === 15) {
      let b = 255;
      while (b === 255) {
        if (si >= srcEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
        b = src[si++];
        matchLen += b;
      }
    }
    matchLen += 4;
    let from = di - offset;
    const matchEnd = di + matchLen;
    if (from < 0 || matchEnd > dstEnd) throw new Lz4DecodeError(LZ4_ERRORS.corrupt);
    if (offset >= matchLen && matchLen > 32) {
      dst.copyWithin(di, from, from + matchLen);
      di = matchEnd;
    } else {
      while (di < matchEnd) dst[di++] = dst[from++];
    }
  }
  return di;
}

// src/verify/helper.ts
var CAP_KEEP = /* @__PURE__ */ new Set([
  0,
  // chown
  1,
  // dac_override
  3,
  // fowner
  4,
  // fsetid
  5,
  // kill
  6,
  // setgid
  7,
  // setuid
  8,
  // setpcap
  10,
  // net_bind_service
  13,
  // net_raw
  29,
  // audit_write
  31
  // setfcap
]);
var FSTAB_VERSION = "metal-image-action test";
var INSTALLER_ENV = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  HOME: "/",
  TERM: "linux"
};
var Failure = class extends Error {
  phase;
  constructor(phase, message) {
    super(message);
    this.phase = phase;
  }
};
var emit = (e) => void process.stdout.write(`${JSON.stringify(e)}
`);
var log = (message) => emit({ event: "log", message });
var Input = class {
  queue = [];
  wake;
  done = false;
  failed;
  unframer = new Unframer();
  constructor(onLifelineClosed) {
    process.stdin.on("data", (chunk) => {
      for (const payload of this.unframer.push(chunk)) this.queue.push(payload);
      if (this.unframer.ended) this.done = true;
      if (this.queue.length > 64) process.stdin.pause();
      this.wake?.();
    });
    process.stdin.on("end", () => {
      if (!this.done) this.failed = new Error("the image stream stopped before its end");
      this.done = true;
      this.wake?.();
      onLifelineClosed();
    });
  }
  async *[Symbol.asyncIterator]() {
    for (; ; ) {
      const next = this.queue.shift();
      if (next) {
        if (this.queue.length < 16) process.stdin.resume();
        yield next;
        continue;
      }
      if (this.failed) throw this.failed;
      if (this.done) return;
      await new Promise((resolve) => this.wake = resolve);
      this.wake = void 0;
    }
  }
  /** Reads and drops the rest of the image (metal-hammer never reads past its first frame and archive end). */
  async drain() {
    for await (const _ of this) void _;
  }
};
function run(tool, args) {
  execFileSync(findTool(tool), args, { stdio: ["ignore", "ignore", "pipe"] });
}
function mountSpecial(root, dev) {
  const mounted = [];
  const point = (path) => {
    const r = root.locate(path);
    if (r === "outside") throw new Error(`${path} leads outside the root`);
    mkdirSync2(r.real, { recursive: true, mode: 493 });
    mounted.push(r.real);
    return r.real;
  };
  const proc = point("/proc");
  run("mount", ["-t", "proc", "-o", "nosuid,nodev,noexec", "proc", proc]);
  for (const p of ["sys", "sysrq-trigger", "irq", "bus", "fs"]) {
    const path = join(proc, p);
    if (!existsSync(path)) continue;
    run("mount", ["--bind", path, path]);
    run("mount", ["-o", "remount,bind,ro", path]);
    mounted.push(path);
  }
  for (const p of ["kcore", "keys", "timer_list", "sched_debug"]) {
    const path = join(proc, p);
    if (!existsSync(path)) continue;
    run("mount", ["--bind", join(dev, "null"), path]);
    mounted.push(path);
  }
  run("mount", ["-t", "sysfs", "-o", "ro,nosuid,nodev,noexec", "sys", point("/sys")]);
  run("mount", ["-t", "tmpfs", "tmpfs", point("/tmp")]);
  run("mount", ["--bind", dev, point("/dev")]);
  return mounted;
}
function scratchDev(dir) {
  mkdirSync2(dir, { recursive: true });
  run("mount", ["-t", "tmpfs", "-o", "mode=0755,size=4m,nosuid", "dev", dir]);
  for (const [name, minor] of [
    ["null", 3],
    ["zero", 5],
    ["full", 7],
    ["random", 8],
    ["urandom", 9]
  ])
    run("mknod", ["-m", "0666", join(dir, name), "c", "1", String(minor)]);
  for (const d of ["pts", "shm"]) mkdirSync2(join(dir, d));
}
async function killAll(procDir) {
  if (process.pid !== 1) return;
  try {
    process.kill(-1, "SIGKILL");
  } catch {
  }
  for (let i = 0; i < 50 && procDir; i++) {
    const alive = readdirSync(procDir).filter((p) => /^\d+$/.test(p) && p !== "1" && !isZombie(procDir, p));
    if (alive.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
function isZombie(procDir, pid) {
  try {
    return / Z /.test(readFileSync(join(procDir, pid, "stat"), "latin1").replace(/^.*\)/, ")"));
  } catch {
    return true;
  }
}
async function runInstaller(job, target, procDir) {
  const logPath = join(job.work, WORK_FILES.installerLog);
  const goInstaller = target.locate("/install-go");
  const binary = goInstaller !== "outside" && goInstaller.stat && !goInstaller.stat.isDirectory() ? "/install-go" : "/install.sh";
  const found = target.locate(binary);
  if (found === "outside" || !found.stat)
    throw new Failure(
      "install",
      `the image has neither /install-go nor /install.sh: metal-hammer runs one of them chrooted and fails with "fork/exec ${binary}: no such file or directory". (Since 2026 metal-hammer brings its own os-installer and metal-images ship neither; this test runs the image's installer, as metal-hammer v0.13 does.)`
    );
  log(`Running ${binary} chrooted as root (timeout ${Math.round(job.timeoutMs / 1e3)} s)`);
  const last = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  const drop = [];
  for (let cap = 0; cap <= last; cap++) if (!CAP_KEEP.has(cap)) drop.push(cap);
  const out = openSync2(logPath, "w", 420);
  const child = spawn(
    findTool("capsh"),
    [`--chroot=${target.root}`, `--drop=${drop.join(",")}`, `--shell=${binary}`, "--"],
    {
      cwd: target.root,
      env: INSTALLER_ENV,
      stdio: ["ignore", out, out],
      detached: true
    }
  );
  closeSync2(out);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
    }
  }, job.timeoutMs);
  const code = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (c, signal) => resolve(c ?? signal ?? "unknown"));
  });
  clearTimeout(timer);
  await killAll(procDir);
  const output = readFileSync(logPath, "utf8");
  if (timedOut)
    throw new Failure(
      "install",
      `${binary} did not finish within ${Math.round(job.timeoutMs / 1e3)} s (test-timeout); it was killed`
    );
  if (code !== 0)
    throw new Failure(
      "install",
      `running "${binary}" in chroot failed: ${typeof code === "number" ? `exit status ${code}` : `signal: ${code}`}`
    );
  const at = target.locate(binary);
  try {
    if (at !== "outside") unlinkSync(at.real);
  } catch (err) {
    emit({ event: "warning", message: `unable to remove ${binary}, ignoring: ${err.message}` });
  }
  return { binary, output };
}
function readBootInfo(target) {
  const at = target.locate("/etc/metal/boot-info.yaml");
  if (at === "outside" || !at.stat)
    throw new Failure(
      "boot-info",
      '/etc/metal/boot-info.yaml is missing after the installer ran: the installer must write it (kernel, initrd, cmdline); metal-hammer fails with "unable to read boot-info.yaml"'
    );
  let doc;
  try {
    doc = (0, import_yaml.parse)(readFileSync(at.real, "utf8"));
  } catch (err) {
    throw new Failure("boot-info", `/etc/metal/boot-info.yaml is not valid YAML: ${err.message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new Failure(
      "boot-info",
      "/etc/metal/boot-info.yaml is not a YAML mapping of kernel, initrd, cmdline"
    );
  const y = doc;
  const field = (key) => {
    const v = y[key];
    if (v === void 0 || v === null) return "";
    if (typeof v === "object")
      throw new Failure(
        "boot-info",
        `/etc/metal/boot-info.yaml: ${key} is not a string (yaml.v3 cannot unmarshal it)`
      );
    return String(v);
  };
  const info = {
    kernel: field("kernel"),
    initrd: field("initrd"),
    cmdline: field("cmdline"),
    bootloaderId: field("bootloader_id")
  };
  const check = (what, path) => {
    const found = target.locate(path);
    if (found === "outside")
      throw new Failure(
        "boot-info",
        `boot-info.yaml names the ${what} ${path}, which leads out of the image (a symlink with an absolute target): metal-hammer looks it up on its own file system and cannot copy it for kexec`
      );
    if (!found.stat)
      throw new Failure(
        "boot-info",
        `boot-info.yaml names the ${what} ${path}, which does not exist in the image`
      );
    if (!found.stat.isFile())
      throw new Failure("boot-info", `boot-info.yaml names the ${what} ${path}, which is not a regular file`);
  };
  if (info.kernel === "") throw new Failure("boot-info", "boot-info.yaml names no kernel");
  check("kernel", info.kernel);
  if (info.initrd !== "") check("initrd", info.initrd);
  return info;
}
function unmountAll(mounted) {
  for (const path of [...mounted].reverse()) {
    try {
      run("umount", [path]);
    } catch {
      try {
        run("umount", ["-l", path]);
      } catch {
      }
    }
  }
}
async function makeDisk(job, target, info) {
  const kernel = target.locate(info.kernel);
  if (kernel !== "outside") copyFileSync(kernel.real, join(job.work, WORK_FILES.kernel));
  if (info.initrd !== "") {
    const initrd = target.locate(info.initrd);
    if (initrd !== "outside") copyFileSync(initrd.real, join(job.work, WORK_FILES.initrd));
  }
  const du = (args2) => Number(execFileSync(findTool("du"), [...args2, "-sx", target.root], { encoding: "utf8" }).split(/\s/)[0]);
  const kib = du(["-k"]);
  const inodes = du(["--inodes"]);
  const size = Math.max(1 << 20, Math.ceil(kib * 1.2) + (512 << 10));
  const disk = join(job.work, WORK_FILES.disk);
  const args = [
    "-q",
    "-F",
    "-t",
    "ext4",
    "-L",
    "root",
    "-U",
    job.rootUuid,
    "-N",
    String(Math.ceil(inodes * 1.5) + 16384)
  ];
  const features = mke2fsKnowsOrphanFile() ? ["-O", "^orphan_file"] : [];
  log(`Making an ext4 disk of the root: ${Math.round(size / 1024)} MiB, ${Math.round(kib / 1024)} MiB used`);
  execFileSync(findTool("mke2fs"), [...args, ...features, "-d", target.root, disk, `${size}k`], {
    stdio: ["ignore", "pipe", "pipe"]
  });
}
function mke2fsKnowsOrphanFile() {
  const out = spawnSync(findTool("mke2fs"), ["-V"], { encoding: "utf8" });
  const m = /mke2fs (\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`);
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 47);
}
function giveToOwner(job) {
  for (const name of [WORK_FILES.installerLog, WORK_FILES.disk, WORK_FILES.kernel, WORK_FILES.initrd]) {
    const path = join(job.work, name);
    if (existsSync(path)) chownSync(path, job.owner.uid, job.owner.gid);
  }
}
async function main() {
  const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const ownMountNs = readlinkSync2("/proc/self/ns/mnt") !== job.callerMountNs;
  if (process.pid !== 1 || !ownMountNs || process.getuid?.() !== 0) {
    emit({
      event: "result",
      ok: false,
      phase: "extract",
      message: "the helper must run as root, as PID 1 of new PID and mount namespaces"
    });
    return 2;
  }
  process.umask(18);
  let phase = "extract";
  let mounted = [];
  let procDir;
  const dev = join(job.work, WORK_FILES.dev);
  const rootDir = join(job.work, WORK_FILES.root);
  const stop = (code) => {
    process.exit(code);
  };
  const input = new Input(() => stop(3));
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop(4));
  let installerTail;
  try {
    mkdirSync2(rootDir, { mode: 493 });
    const target = new TargetRoot(rootDir);
    mkdirSync2(join(rootDir, "lost+found"), { mode: 448 });
    scratchDev(dev);
    mounted = mountSpecial(target, dev);
    procDir = join(rootDir, "proc");
    target.writeFile(
      "/etc/metal/disk.json",
      JSON.stringify(
        {
          Device: "legacy",
          Partitions: [{ Label: "root", Filesystem: "ext4", Properties: { UUID: job.rootUuid } }]
        },
        null,
        2
      ),
      384
    );
    let start = performance.now();
    const outside = [];
    const reader = new ByteReader(input);
    const facts = await extractArchive(decodeFirstFrame(reader), {
      root: rootDir,
      onOutside: (entry, path) => {
        if (outside.length < 10) outside.push(`${entry} (${path})`);
      }
    });
    await input.drain();
    emit({
      event: "extracted",
      entries: facts.entries,
      bytes: facts.bytes,
      outside: facts.outside,
      end: facts.end
    });
    if (facts.outside > 0)
      emit({
        event: "warning",
        message: `${facts.outside} entries lie below a symlink to an absolute path (or leave the root): metal-hammer writes them to its own file system, so the installed system does not have them: ${outside.join(", ")}`
      });
    emit({ event: "step", step: "extract", ms: performance.now() - start });
    phase = "install";
    start = performance.now();
    target.writeFile("/etc/metal/install.yaml", job.installYaml, 384);
    const installer = await runInstaller(job, target, procDir);
    installerTail = tail(installer.output);
    emit({ event: "step", step: "install", ms: performance.now() - start });
    phase = "boot-info";
    const info = readBootInfo(target);
    target.writeFile(
      "/etc/fstab",
      `# created by metal-hammer: "${FSTAB_VERSION}"
UUID=${job.rootUuid} / ext4 defaults 0 1
`,
      420
    );
    unmountAll(mounted);
    mounted = [];
    if (job.boot) {
      phase = "disk";
      start = performance.now();
      await makeDisk(job, target, info);
      emit({ event: "step", step: "disk", ms: performance.now() - start });
    }
    giveToOwner(job);
    emit({ event: "result", ok: true, installer: installer.binary, bootInfo: info, installerTail });
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (installerTail === void 0 && existsSync(join(job.work, WORK_FILES.installerLog)))
      installerTail = tail(readFileSync(join(job.work, WORK_FILES.installerLog), "utf8"));
    giveToOwner(job);
    emit({
      event: "result",
      ok: false,
      phase: err instanceof Failure ? err.phase : phase,
      message,
      installerTail
    });
    return 1;
  } finally {
    await killAll(procDir && mounted.length ? procDir : void 0);
    if (mounted.length) unmountAll(mounted);
    try {
      run("umount", ["-l", dev]);
    } catch {
    }
    try {
      execFileSync(findTool("rm"), ["-rf", "--one-file-system", rootDir, dev]);
    } catch {
    }
  }
}
main().then(
  (code) => process.exit(code),
  (err) => {
    emit({
      event: "result",
      ok: false,
      phase: "extract",
      message: `helper: ${err.stack ?? String(err)}`
    });
    process.exit(1);
  }
);
