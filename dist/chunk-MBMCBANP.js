import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/packages/rpm/error.ts
var RpmDbError = class extends Error {
  name = "RpmDbError";
  hnum;
  constructor(message, hnum, options) {
    super(hnum === void 0 ? message : `rpm database, package row hnum=${hnum}: ${message}`, options);
    this.hnum = hnum;
  }
};

// src/packages/rpm/db.ts
import { Buffer as Buffer2 } from "node:buffer";
import { constants, DatabaseSync } from "node:sqlite";

// src/packages/rpm/header.ts
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
var TAG = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  SHA1HEADER: 269,
  SHA256HEADER: 273,
  NAME: 1e3,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  NOSOURCE: 1051,
  NOPATCH: 1052
};
var T_INT32 = 4;
var T_STRING = 6;
var T_BIN = 7;
var T_STRING_ARRAY = 8;
var T_I18NSTRING = 9;
var T_MAX = 9;
var TYPE_SIZE = [0, 1, 1, 2, 4, 8, -1, 1, -1, -1];
var TYPE_ALIGN = [1, 1, 1, 2, 4, 8, 1, 1, 1, 1];
var typeSize = (type) => TYPE_SIZE[type] ?? 0;
var typeAlign = (type) => TYPE_ALIGN[type] ?? 1;
var isStringType = (type) => type === T_STRING || type === T_STRING_ARRAY || type === T_I18NSTRING;
var STRING_TAGS = /* @__PURE__ */ new Set([
  TAG.HEADERI18NTABLE,
  TAG.SHA1HEADER,
  TAG.SHA256HEADER,
  TAG.NAME,
  TAG.VERSION,
  TAG.RELEASE,
  TAG.LICENSE,
  TAG.ARCH,
  TAG.SOURCERPM
]);
var INT32_TAGS = /* @__PURE__ */ new Set([TAG.EPOCH, TAG.NOSOURCE, TAG.NOPATCH]);
var READ_TAGS = /* @__PURE__ */ new Set([...STRING_TAGS, ...INT32_TAGS]);
var REGION_ENTRY_SIZE = 16;
var HEADER_TAGS_MAX = 65535;
var HEADER_DATA_MAX = 268435455;
var HEADER_ARRAY_MAX = 1048575;
var HEADER_MAX_BYTES = 256 * 1024 * 1024;
var HEADER_MAGIC = Buffer.from([142, 173, 232, 1, 0, 0, 0, 0]);
var ParsedHeader = class {
  /** The data store: the blob after the index. */
  data;
  /** What headerGet finds per tag once dribbles have replaced region entries (hdrblobImport). */
  tags;
  constructor(data, tags) {
    this.data = data;
    this.tags = tags;
  }
  has(tag) {
    return this.tags.has(tag);
  }
  /** headerGetString: one string, or null (absent, not a string, or an array of more than one). */
  string(tag) {
    const e = this.tags.get(tag);
    if (!e || !isStringType(e.type)) return null;
    if (e.type === T_STRING_ARRAY && e.count !== 1) return null;
    return this.data.subarray(e.offset, this.data.indexOf(0, e.offset));
  }
  /** headerGetNumber for a single INT32 (EPOCH): null when absent or not exactly one value. */
  uint32(tag) {
    const e = this.tags.get(tag);
    if (!e || e.type !== T_INT32 || e.count !== 1) return null;
    return this.data.readUInt32BE(e.offset);
  }
};
function stringsLength(data, offset, count) {
  let pos = offset;
  for (let i = 0; i < count; i++) {
    const nul = data.indexOf(0, pos);
    if (nul < 0) return -1;
    pos = nul + 1;
  }
  return pos - offset;
}
function dataLength(data, type, offset, count) {
  switch (type) {
    case T_STRING:
      return count === 1 ? stringsLength(data, offset, 1) : -1;
    case T_STRING_ARRAY:
    case T_I18NSTRING:
      return stringsLength(data, offset, count);
    default: {
      const length = typeSize(type) * count;
      return data.length - offset < length ? -1 : length;
    }
  }
}
function alignDiff(type, at) {
  const size = typeSize(type);
  if (size <= 1) return 0;
  const diff = size - at % size;
  return diff === size ? 0 : diff;
}
function describe(e) {
  return `index entry ${e.index} (tag ${e.tag}, type ${e.type}, offset ${e.offset}, count ${e.count})`;
}
function swabLength(data, entries, dl, fail) {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const next = entries[i + 1];
    const length = next && typeSize(e.type) === -1 ? next.offset - e.offset : dataLength(data, e.type, e.offset, e.count);
    if (length < 0 || length > HEADER_DATA_MAX) fail(`${describe(e)}: its data does not fit`);
    dl += alignDiff(e.type, dl) + length;
  }
  return dl;
}
function parseHeader(blob, hnum) {
  const fail = (message) => {
    throw new RpmDbError(`${message}; rpm -qa would skip this package`, hnum);
  };
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8) fail(`header blob of ${buf.length} bytes is shorter than its 8-byte size fields`);
  const il = buf.readInt32BE(0);
  const dl = buf.readInt32BE(4);
  if (il < 0 || il > HEADER_TAGS_MAX) fail(`header claims ${il} index entries (0-${HEADER_TAGS_MAX})`);
  if (dl < 0 || dl > HEADER_DATA_MAX) fail(`header claims ${dl} bytes of data (0-${HEADER_DATA_MAX})`);
  const size = 8 + 16 * il + dl;
  if (size >= HEADER_MAX_BYTES || size !== buf.length)
    fail(`header blob is ${buf.length} bytes, its size fields say 8 + 16 * ${il} + ${dl} = ${size}`);
  const data = buf.subarray(8 + 16 * il);
  const entries = [];
  for (let i = 0; i < il; i++) {
    const at = 8 + 16 * i;
    entries.push({
      index: i,
      tag: buf.readInt32BE(at),
      type: buf.readInt32BE(at + 4),
      offset: buf.readInt32BE(at + 8),
      count: buf.readInt32BE(at + 12)
    });
  }
  if (il < 1) fail("header has no index entries");
  const first = entries[0];
  let regionTag = 0;
  let ril = 0;
  let rdl = 0;
  if (first.tag === TAG.HEADERSIGNATURES || first.tag === TAG.HEADERIMMUTABLE || first.tag === TAG.HEADERIMAGE) {
    regionTag = first.tag;
    if (first.type !== T_BIN || first.count !== REGION_ENTRY_SIZE)
      fail(`region tag is bad: ${describe(first)}`);
    if (first.offset + REGION_ENTRY_SIZE < 0 || first.offset + REGION_ENTRY_SIZE > dl)
      fail(`region trailer lies outside the data: ${describe(first)}`);
    const t = 8 + 16 * il + first.offset;
    let trailerTag = buf.readInt32BE(t);
    if (regionTag === TAG.HEADERSIGNATURES && trailerTag === TAG.HEADERIMAGE) trailerTag = regionTag;
    const trailerOffset = -buf.readInt32BE(t + 8);
    if (trailerTag !== regionTag || buf.readInt32BE(t + 4) !== T_BIN || buf.readInt32BE(t + 12) !== 16)
      fail(`region trailer is bad (tag ${trailerTag}, type ${buf.readInt32BE(t + 4)})`);
    rdl = first.offset + REGION_ENTRY_SIZE;
    ril = Math.trunc(trailerOffset / 16);
    if (trailerOffset % 16 !== 0 || ril < 0 || ril > il || rdl > dl)
      fail(`region does not fit in the header (ril ${ril}, il ${il}, rdl ${rdl}, dl ${dl})`);
  }
  let end = 0;
  for (const e of regionTag ? entries.slice(1) : entries) {
    const bad = (why) => fail(`${describe(e)}: ${why}`);
    if (end > e.offset) bad("its data overlaps the previous entry");
    if (e.tag < TAG.HEADERI18NTABLE) bad("tag out of range");
    if (e.type < 1 || e.type > T_MAX) bad("unknown data type");
    if (e.count < 1 || e.count > dl) bad("count out of range");
    if (e.offset & typeAlign(e.type) - 1) bad("data is misaligned");
    if (e.offset < 0 || e.offset > dl) bad("data offset out of range");
    if (e.type !== T_BIN && e.count > HEADER_ARRAY_MAX) bad("array too long");
    if (regionTag === TAG.HEADERIMMUTABLE || regionTag === TAG.HEADERIMAGE) {
      if (STRING_TAGS.has(e.tag) && !isStringType(e.type)) bad("a string tag of another type");
      if (INT32_TAGS.has(e.tag) && e.type !== T_INT32) bad("an int32 tag of another type");
    }
    const length = dataLength(data, e.type, e.offset, e.count);
    end = e.offset + length;
    if (length <= 0 || end > dl) bad("its data runs past the end of the header");
    if (regionTag && end > rdl - REGION_ENTRY_SIZE && e.offset < rdl)
      bad("its data overlaps the region trailer");
  }
  const digests = [
    { tag: TAG.SHA256HEADER, algorithm: "sha256", size: 65 },
    { tag: TAG.SHA1HEADER, algorithm: "sha1", size: 41 }
  ];
  for (const d of digests) {
    const e = entries.find((x) => x.tag === d.tag);
    if (!e || typeSize(e.type) !== 1 && typeSize(e.type) !== -1) continue;
    const what = `header ${d.algorithm.toUpperCase()} digest`;
    if (e.type !== T_STRING) fail(`${what}: tag ${d.tag} has type ${e.type}, not a string`);
    const stored = data.subarray(e.offset, e.offset + d.size - 1).toString("latin1");
    if (data[e.offset + d.size - 1] !== 0 || !/^[0-9a-fA-F]*$/.test(stored))
      fail(`${what}: not ${d.size - 1} hex digits`);
    const hash = createHash(d.algorithm);
    const sizes = Buffer.alloc(8);
    sizes.writeInt32BE(ril, 0);
    sizes.writeInt32BE(rdl, 4);
    hash.update(HEADER_MAGIC).update(sizes).update(buf.subarray(8, 8 + 16 * ril)).update(data.subarray(0, rdl));
    const actual = hash.digest("hex");
    if (actual !== stored.toLowerCase()) fail(`${what} does not match: stored ${stored}, computed ${actual}`);
  }
  let region;
  let dribbles = [];
  if (!regionTag) {
    region = entries;
    if (swabLength(data, region, 0, fail) !== dl) fail("header data size does not add up to its size field");
  } else {
    const regionCount = first.offset !== 0 ? ril : il;
    region = entries.slice(1, regionCount);
    dribbles = entries.slice(regionCount);
    let total = swabLength(data, region, 0, fail);
    total = swabLength(data, dribbles, total, fail);
    if (total + REGION_ENTRY_SIZE !== dl) fail("header data size does not add up to its size field");
  }
  const tags = /* @__PURE__ */ new Map();
  const ambiguous = /* @__PURE__ */ new Set();
  for (const part of [region, dribbles]) {
    const seen = /* @__PURE__ */ new Set();
    for (const e of part) {
      if (seen.has(e.tag)) ambiguous.add(e.tag);
      else if (part === dribbles) ambiguous.delete(e.tag);
      seen.add(e.tag);
      tags.set(e.tag, e);
    }
  }
  for (const tag of ambiguous) if (READ_TAGS.has(tag)) fail(`tag ${tag} appears more than once`);
  const h = new ParsedHeader(data, tags);
  if (!h.has(TAG.NAME)) fail("header has no NAME");
  return h;
}
var utf8 = new TextDecoder("utf-8");
var text = (b) => b === null ? null : utf8.decode(b);
function nevr(h, withEpoch) {
  const parts = [];
  if (!withEpoch) {
    const name = h.string(TAG.NAME);
    if (name) parts.push(name, Buffer.from("-"));
  }
  const epoch = withEpoch ? h.uint32(TAG.EPOCH) : null;
  if (epoch !== null) parts.push(Buffer.from(`${epoch}:`));
  const version = h.string(TAG.VERSION);
  if (version) parts.push(version, Buffer.from("-"));
  const release = h.string(TAG.RELEASE);
  if (release) parts.push(release);
  return Buffer.concat(parts);
}
function archSuffix(h) {
  if (!h.has(TAG.SOURCERPM)) return Buffer.from(h.has(TAG.NOSOURCE) || h.has(TAG.NOPATCH) ? ".nosrc" : ".src");
  const arch = h.string(TAG.ARCH);
  return arch ? Buffer.concat([Buffer.from("."), arch]) : Buffer.alloc(0);
}

// src/packages/rpm/db.ts
var RPMDB_PATH = "var/lib/rpm/rpmdb.sqlite";
var RPMDB_WAL_PATH = `${RPMDB_PATH}-wal`;
var RPMDB_LIMITS = { rows: 1e5, headerBytes: 64 << 20 };
var RpmDbLimitError = class extends RpmDbError {
  name = "RpmDbLimitError";
};
function checkSchema(sqlite) {
  const table = sqlite.prepare(
    "SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = 'Packages'"
  );
  const kind = table.get()?.type;
  if (kind === void 0) throw new RpmDbError("cannot read the Packages table: no such table: Packages");
  if (kind !== "table")
    throw new RpmDbLimitError(`'Packages' is a ${String(kind)}, not the table rpm writes: not read`);
  const columns = sqlite.prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')").all();
  for (const name of ["hnum", "blob"]) {
    const column = columns.find((c) => String(c.name).toLowerCase() === name);
    if (column && column.hidden !== 0)
      throw new RpmDbLimitError(`Packages.${name} is a computed column, not one rpm writes: not read`);
  }
}
var AUTHORIZED = /* @__PURE__ */ new Set([constants.SQLITE_SELECT, constants.SQLITE_READ]);
function readRpmDbFile(file, limits = RPMDB_LIMITS) {
  const packages = [];
  const lines = [];
  let sqlite;
  try {
    sqlite = new DatabaseSync(file, { limits: { length: limits.headerBytes }, defensive: true });
    sqlite.exec("PRAGMA cache_size = -8192; PRAGMA mmap_size = 0; PRAGMA trusted_schema = OFF");
    checkSchema(sqlite);
    sqlite.setAuthorizer(
      (action, table, column) => AUTHORIZED.has(action) && (action === constants.SQLITE_SELECT || table === "Packages" && (column === "hnum" || column === "blob")) ? constants.SQLITE_OK : constants.SQLITE_DENY
    );
    const stmt = sqlite.prepare(`SELECT hnum, CAST(blob AS BLOB) AS blob FROM 'Packages'`);
    stmt.setReadBigInts(true);
    let rows = 0;
    for (const row of stmt.iterate()) {
      if (++rows > limits.rows)
        throw new RpmDbLimitError(
          `more than ${limits.rows} Packages rows, more than rpm databases hold: not read`
        );
      const raw = row.hnum;
      const blob = row.blob;
      if (typeof raw !== "bigint" || raw < 1n || raw > 0xffffffffn)
        throw new RpmDbError(`Packages row with hnum ${String(raw)}: rpm numbers packages from 1`);
      const hnum = Number(raw);
      if (!(blob instanceof Uint8Array) || blob.length === 0)
        throw new RpmDbError("the header blob is empty or NULL", hnum);
      const pkg = packageOf(hnum, blob);
      lines.push(Buffer2.from(pkg.line), Buffer2.from("\n"));
      packages.push(pkg.pkg);
    }
  } catch (err) {
    if (err instanceof RpmDbError) throw err;
    const message = err.message;
    if (/string or blob too big/.test(message))
      throw new RpmDbLimitError(
        `a Packages value is larger than ${limits.headerBytes} bytes, larger than rpm headers are: not read`,
        void 0,
        { cause: err }
      );
    if (/not authorized/.test(message))
      throw new RpmDbLimitError(
        `reading Packages needs more than its table: not read (${message})`,
        void 0,
        {
          cause: err
        }
      );
    throw new RpmDbError(`cannot read the Packages table: ${message}`, void 0, { cause: err });
  } finally {
    sqlite?.close();
  }
  return { packages, qa: Buffer2.concat(lines), count: packages.length };
}
function packageOf(hnum, blob) {
  const h = parseHeader(blob, hnum);
  const line = Buffer2.concat([nevr(h, false), archSuffix(h)]);
  return {
    line,
    pkg: {
      hnum,
      name: text(h.string(TAG.NAME)) ?? "",
      epoch: h.uint32(TAG.EPOCH),
      version: text(h.string(TAG.VERSION)),
      release: text(h.string(TAG.RELEASE)),
      arch: text(h.string(TAG.ARCH)),
      license: text(h.string(TAG.LICENSE)),
      sourceRpm: text(h.string(TAG.SOURCERPM)),
      evr: utf8.decode(nevr(h, true)),
      qa: utf8.decode(line)
    }
  };
}

export {
  RpmDbError,
  RPMDB_PATH,
  RPMDB_LIMITS,
  RpmDbLimitError,
  readRpmDbFile
};
