/**
 * `rpm -qa` without running rpm: reads an rpm database in its sqlite form (`/var/lib/rpm/rpmdb.sqlite`: the
 * backend rpm has had since 4.16 and the one Fedora >= 33 and RHEL/AlmaLinux 9 and 10 configure; EL 8's
 * Berkeley DB `Packages` file is another format) and prints exactly what `rpm -qa` prints inside that image.
 *
 * Source references are to rpm 4.18.0 (Debian 12's rpm, which the tests run); the parts used here read the
 * same in 4.16 (AlmaLinux 9) and 4.19 (AlmaLinux 10):
 * - order: lib/query.c initFilterIterator iterates RPMDBI_PACKAGES, which the sqlite backend serves with
 *   `SELECT hnum, blob FROM 'Packages'` (lib/backend/sqlite.c sqlite_pkgdbIter): rowid order, nothing sorted;
 * - line: `%{?_query_all_fmt}\n` (lib/query.c rpmcliQuery), and macros.in sets `%_query_all_fmt` to
 *   `%{nvr}%{archsuffix}` (4.18+) or `%{nvra}` (4.14-4.17). Both print `N-V-R.A`, and just `N-V-R` for a
 *   header without an ARCH (gpg-pubkey: lib/rpmts.c makePubkeyHeader sets SOURCERPM "(none)" and no ARCH).
 *   They differ only for source headers (no SOURCERPM), which rpm never installs into the database; this
 *   module prints those as 4.18+ does (`.src`, or `.nosrc` with NOSOURCE/NOPATCH: lib/tagexts.c archsuffixTag);
 * - what rpm skips: lib/rpmdb.c rpmdbNextIterator drops, with an error on stderr and exit status 0, a header
 *   that fails headerCheck (structure, or a SHA1HEADER/SHA256HEADER digest that does not match) or
 *   headerImport, or has no NAME. Here such a row is an RpmDbError instead: a package list that silently
 *   lacks packages is worse than none.
 *
 * Header blobs are parsed as lib/header.c does (hdrblobInit, hdrblobVerifyRegion, hdrblobVerifyInfo,
 * hdrblobImport, findEntry); only the checks' semantics are reproduced, in TypeScript.
 */
import { Buffer } from 'node:buffer'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { constants, DatabaseSync } from 'node:sqlite'
import { RpmDbError } from './error.ts'
import { archSuffix, nevr, parseHeader, TAG, text, utf8 } from './header.ts'

/**
 * Where rpm's sqlite database is in a rootfs (upstream rpm's `%_dbpath`), as a tar member name. Fedora
 * (Changes/RelocateRPMToUsr) keeps it in usr/lib/sysimage/rpm instead, with var/lib/rpm a symlink there.
 */
export const RPMDB_PATH = 'var/lib/rpm/rpmdb.sqlite'
/** sqlite's write-ahead log beside it; committed transactions not yet checkpointed live only here. */
export const RPMDB_WAL_PATH = `${RPMDB_PATH}-wal`

/** One installed package (one row of the Packages table). Strings are decoded as UTF-8, invalid bytes as U+FFFD. */
export interface RpmPackage {
  /** The Packages row (rpm's header instance, `%{dbinstance}`). */
  hnum: number
  name: string
  /** null when the header has no EPOCH (rpm's `(none)`), which is not the same as epoch 0 for rpm. */
  epoch: number | null
  /** null only in hand-made headers; rpmbuild requires both. */
  version: string | null
  release: string | null
  /** null for headers without ARCH, such as gpg-pubkey. */
  arch: string | null
  /** The License tag as written in the spec (an SPDX expression in current Fedora/EL packages). */
  license: string | null
  /** `%{sourcerpm}`: the source package's file name; `(none)` for gpg-pubkey, null for source headers. */
  sourceRpm: string | null
  /** `%{evr}`: `[epoch:]version-release`. */
  evr: string
  /** The line rpm -qa prints for it, without the newline. */
  qa: string
}

export interface RpmDb {
  /** In the order rpm -qa prints them. */
  packages: RpmPackage[]
  /** Exactly the bytes rpm -qa writes to stdout (one line per package; empty for an empty database). */
  qa: Buffer
  /** Lines in `qa`, = packages.length. */
  count: number
}

export interface ReadRpmDbOptions {
  /**
   * The content of `rpmdb.sqlite-wal` when the rootfs has a non-empty one. rpm keeps the database in WAL
   * mode and checkpoints when it closes it cleanly, so the log is normally empty or absent; when it is not,
   * its committed transactions are part of what rpm reads.
   */
  wal?: Uint8Array
}
/**
 * What one read of a database may cost. A database is part of the image, so whoever built the image
 * chose it: sqlite must not be made to run, or hand over, more than a real rpm database ever needs. Time
 * and memory are bounded by the process that reads (reader.ts); these bound what sqlite hands over.
 */
export interface RpmDbLimits {
  /** Packages rows (a full Fedora workstation has about 5,000). */
  rows: number
  /** Bytes of one header blob, and of any value sqlite makes (a kernel's header is a few MB). */
  headerBytes: number
}

export const RPMDB_LIMITS: RpmDbLimits = { rows: 100_000, headerBytes: 64 << 20 }

/** The database broke one of the limits above: it is not what rpm writes. */
export class RpmDbLimitError extends RpmDbError {
  override name = 'RpmDbLimitError'
}

/**
 * How sqlite may be used on a database that is not ours: the one query, reading only Packages.hnum and
 * Packages.blob (no functions, no recursion, no other table) from a Packages that is an ordinary table
 * whose columns are stored, not computed. rpm itself would also read a view called Packages; a database
 * rpm wrote never has one, so anything else is refused before a row is read.
 */
function checkSchema(sqlite: DatabaseSync): void {
  const table = sqlite.prepare(
    "SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = 'Packages'",
  )
  const kind = table.get()?.type
  if (kind === undefined) throw new RpmDbError('cannot read the Packages table: no such table: Packages')
  if (kind !== 'table')
    throw new RpmDbLimitError(`'Packages' is a ${String(kind)}, not the table rpm writes: not read`)
  const columns = sqlite.prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')").all()
  for (const name of ['hnum', 'blob']) {
    const column = columns.find((c) => String(c.name).toLowerCase() === name)
    if (column && column.hidden !== 0)
      throw new RpmDbLimitError(`Packages.${name} is a computed column, not one rpm writes: not read`)
  }
}

const AUTHORIZED = new Set([constants.SQLITE_SELECT, constants.SQLITE_READ])

/**
 * Reads the rpm database in the file `file` (a private copy: it is opened read-write, which lets sqlite
 * build the WAL index for a `-wal` file beside it) in this thread, within `limits`. Memory and time are
 * up to the caller: readRpmDbIsolated runs this in a process of its own.
 */
export function readRpmDbFile(file: string, limits: RpmDbLimits = RPMDB_LIMITS): RpmDb {
  const packages: RpmPackage[] = []
  const lines: Buffer[] = []
  let sqlite: DatabaseSync | undefined
  try {
    sqlite = new DatabaseSync(file, { limits: { length: limits.headerBytes }, defensive: true })
    // A page cache of its own size, and no memory-mapped file: what sqlite holds stays small.
    sqlite.exec('PRAGMA cache_size = -8192; PRAGMA mmap_size = 0; PRAGMA trusted_schema = OFF')
    checkSchema(sqlite)
    sqlite.setAuthorizer((action, table, column) =>
      AUTHORIZED.has(action) &&
      (action === constants.SQLITE_SELECT ||
        (table === 'Packages' && (column === 'hnum' || column === 'blob')))
        ? constants.SQLITE_OK
        : constants.SQLITE_DENY,
    )
    // rpm's query, except that the cast hands over the bytes as sqlite3_column_blob does for any value.
    const stmt = sqlite.prepare(`SELECT hnum, CAST(blob AS BLOB) AS blob FROM 'Packages'`)
    stmt.setReadBigInts(true)
    let rows = 0
    for (const row of stmt.iterate()) {
      if (++rows > limits.rows)
        throw new RpmDbLimitError(
          `more than ${limits.rows} Packages rows, more than rpm databases hold: not read`,
        )
      const raw = row.hnum
      const blob = row.blob
      if (typeof raw !== 'bigint' || raw < 1n || raw > 0xffffffffn)
        throw new RpmDbError(`Packages row with hnum ${String(raw)}: rpm numbers packages from 1`)
      const hnum = Number(raw)
      // rpm stops listing at a row without a blob (rpmdbNextIterator gets no header and ends).
      if (!(blob instanceof Uint8Array) || blob.length === 0)
        throw new RpmDbError('the header blob is empty or NULL', hnum)
      const pkg = packageOf(hnum, blob)
      lines.push(Buffer.from(pkg.line), Buffer.from('\n'))
      packages.push(pkg.pkg)
    }
  } catch (err) {
    if (err instanceof RpmDbError) throw err
    const message = (err as Error).message
    if (/string or blob too big/.test(message))
      throw new RpmDbLimitError(
        `a Packages value is larger than ${limits.headerBytes} bytes, larger than rpm headers are: not read`,
        undefined,
        { cause: err },
      )
    if (/not authorized/.test(message))
      throw new RpmDbLimitError(
        `reading Packages needs more than its table: not read (${message})`,
        undefined,
        {
          cause: err,
        },
      )
    throw new RpmDbError(`cannot read the Packages table: ${message}`, undefined, { cause: err })
  } finally {
    sqlite?.close()
  }
  return { packages, qa: Buffer.concat(lines), count: packages.length }
}

function packageOf(hnum: number, blob: Uint8Array): { pkg: RpmPackage; line: Buffer } {
  const h = parseHeader(blob, hnum)
  const line = Buffer.concat([nevr(h, false), archSuffix(h)])
  return {
    line,
    pkg: {
      hnum,
      name: text(h.string(TAG.NAME)) ?? '',
      epoch: h.uint32(TAG.EPOCH),
      version: text(h.string(TAG.VERSION)),
      release: text(h.string(TAG.RELEASE)),
      arch: text(h.string(TAG.ARCH)),
      license: text(h.string(TAG.LICENSE)),
      sourceRpm: text(h.string(TAG.SOURCERPM)),
      evr: utf8.decode(nevr(h, true)),
      qa: utf8.decode(line),
    },
  }
}

/**
 * Reads an rpm sqlite database (the bytes of `rpmdb.sqlite`) in this thread: its packages, and what
 * `rpm -qa` prints. Throws RpmDbError when the file is not an rpm database or a package header is
 * malformed. For a database of an image, use readRpmDbIsolated: only a process of its own bounds the
 * time and memory sqlite may take.
 */
export function readRpmDb(db: Uint8Array, options: ReadRpmDbOptions = {}): RpmDb {
  const dir = mkdtempSync(join(tmpdir(), 'rpmdb-'))
  try {
    const file = join(dir, 'rpmdb.sqlite')
    writeFileSync(file, db)
    if (options.wal && options.wal.length > 0) writeFileSync(`${file}-wal`, options.wal)
    return readRpmDbFile(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The installed packages, in rpm -qa's order. */
export function readRpmPackages(db: Uint8Array, options: ReadRpmDbOptions = {}): RpmPackage[] {
  return readRpmDb(db, options).packages
}

/** Exactly the bytes `rpm -qa` writes to stdout in the image this database comes from. */
export function formatRpmQa(db: Uint8Array, options: ReadRpmDbOptions = {}): Buffer {
  return readRpmDb(db, options).qa
}
