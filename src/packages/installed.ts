import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { failure } from '../util/errors.ts'
import type { Log } from '../util/log.ts'
import { countListed, formatDpkgListBytes } from './dpkg/list.ts'
import { DpkgStatusReader } from './dpkg/parse.ts'
import { DpkgLimitError, DpkgParseError, type DpkgLimits } from './dpkg/types.ts'
import { RPMDB_PATH } from './rpm/db.ts'
import { RpmDbError } from './rpm/error.ts'
import { ISOLATION_LIMITS, readRpmDbIsolated, type IsolationLimits } from './rpm/reader.ts'
import { sbomPackagesFromDpkg, sbomPackagesFromRpm, type SbomPackage } from './sbom.ts'

const DPKG_STATUS = 'var/lib/dpkg/status'
/** dpkg's journal of changes not yet folded into status; every dpkg-query applies it when reading. */
const DPKG_UPDATES = /^var\/lib\/dpkg\/updates\/[0-9]+$/
/** Where rpm keeps its sqlite database: var/lib/rpm (EL9), usr/lib/sysimage/rpm (Fedora, and a link from var/lib/rpm). */
const RPMDB_PATHS = [RPMDB_PATH, 'usr/lib/sysimage/rpm/rpmdb.sqlite']
/** os-release names the distribution in the SBOM's purls; etc/os-release is usually a link to the other. */
const OS_RELEASE = ['etc/os-release', 'usr/lib/os-release']
/**
 * The files kept whole are small: os-release a few hundred bytes, an update of dpkg's journal one
 * package's stanza (the journal is emptied after every dpkg run). Larger ones are not read, so a
 * crafted rootfs cannot make the run keep (and parse) hundreds of MB of them.
 */
const MAX_OS_RELEASE = 64 << 10
const MAX_UPDATES = 16 << 20
/** An rpm database larger than this is not copied out of the stream (real ones are a few hundred MB at most). */
const MAX_RPMDB_BYTES = 4 * 2 ** 30
/** dpkg's warnings go to the debug log; a database can have millions of them. */
const MAX_WARNINGS = 100

export interface InstalledPackages {
  kind: 'dpkg' | 'rpm'
  /** packages.txt: what `dpkg -l` or `rpm -qa` prints in the image, byte for byte. */
  listing: Buffer
  /** What packages.txt lists (dpkg -l rows, rpm -qa lines). */
  count: number
  /** Names of the installed packages, for the contract's package checks. */
  names: Set<string>
  sbom: SbomPackage[]
}

/** A file's content piece by piece as the rootfs streams past (the tar inspector's EntrySink). */
export interface Sink {
  write(piece: Buffer): void
  end(): void
}

export interface PackageDatabaseOptions {
  log: Log
  /** Tests only: other limits than DPKG_LIMITS and ISOLATION_LIMITS. */
  limits?: { dpkg?: DpkgLimits; rpm?: IsolationLimits }
}

/**
 * The package databases of one rootfs, read as it streams past: dpkg's status is parsed piece by piece,
 * in memory bounded by what packages.txt holds (not by the size of the file); rpm's sqlite database is
 * copied to a temporary file, read later in a process of its own; the updates journal and os-release,
 * small files, are kept whole by the inspector (capture). Call dispose() when done.
 */
export class PackageDatabases {
  private status: DpkgStatusReader | undefined
  private readonly rpm = new Map<string, RpmCopy>()
  private dir: string | undefined
  private readonly log: Log
  private readonly limits: NonNullable<PackageDatabaseOptions['limits']>
  private warnings = 0
  /** The bytes of dpkg's update journal kept so far, and why it is not read when they are too many. */
  private updateBytes = 0
  private updatesTooLarge: string | undefined

  constructor({ log, limits = {} }: PackageDatabaseOptions) {
    this.log = log
    this.limits = limits
  }

  /** The files the inspector keeps whole: `size` bytes of `path`. */
  capture(path: string, size: number): boolean {
    if (OS_RELEASE.includes(path)) {
      if (size <= MAX_OS_RELEASE) return true
      this.log.warning(
        `/${path} is ${size} bytes, more than the ${MAX_OS_RELEASE} metal-image reads: not read, so the SBOM names no distribution from it`,
      )
      return false
    }
    if (!DPKG_UPDATES.test(path)) return false
    this.updateBytes += size
    if (this.updateBytes <= MAX_UPDATES) return true
    this.updatesTooLarge = `the files of /var/lib/dpkg/updates take more than ${MAX_UPDATES} bytes: more than metal-image reads`
    return false
  }

  /** The files taken piece by piece: dpkg's status, rpm's database and its write-ahead log. */
  stream(path: string, size: number): Sink | undefined {
    if (path === DPKG_STATUS) {
      // A later entry for the same path replaces the earlier one, as extracting the tar would.
      this.warnings = 0
      this.status = new DpkgStatusReader({
        filename: `/${DPKG_STATUS}`,
        limits: this.limits.dpkg,
        onWarning: (w) => this.warn(w),
      })
      return this.status
    }
    const at = RPMDB_PATHS.findIndex((p) => path === p || path === `${p}-wal`)
    if (at < 0) return undefined
    const copy = new RpmCopy(
      join(this.tempDir(), String(at), path.endsWith('-wal') ? 'rpmdb.sqlite-wal' : 'rpmdb.sqlite'),
      size,
    )
    this.rpm.set(path, copy)
    return copy
  }

  /**
   * The image's packages: dpkg's status (with its update journal) or rpm's database. Undefined, with a
   * warning, when there is none or it is not read (unreadable, as the package manager would find it, or
   * beyond the limits a database an image's author wrote is held to): the image may still work. Throws
   * only when `signal` aborts.
   */
  async read(
    files: Map<string, Buffer>,
    imageId: string,
    signal?: AbortSignal,
  ): Promise<InstalledPackages | undefined> {
    if (this.status) return this.fromDpkg(this.status, files, imageId)
    const rpmPath = RPMDB_PATHS.find((p) => this.rpm.has(p))
    if (rpmPath) return this.fromRpm(rpmPath, imageId, signal)
    this.log.warning(
      `The rootfs has no package database (neither /${DPKG_STATUS} nor /${RPMDB_PATH}): no packages.txt and no SBOM components for ${imageId}`,
    )
    return undefined
  }

  /** Removes the copies of rpm databases. */
  dispose(): void {
    for (const copy of this.rpm.values()) copy.close()
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }

  private warn(message: string): void {
    if (++this.warnings <= MAX_WARNINGS) this.log.debug(`dpkg: ${message}`)
    else if (this.warnings === MAX_WARNINGS + 1) this.log.debug('dpkg: more warnings left out')
  }

  private tempDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'metal-image-pkgdb-'))
    return this.dir
  }

  private fromDpkg(
    reader: DpkgStatusReader,
    files: Map<string, Buffer>,
    imageId: string,
  ): InstalledPackages | undefined {
    const log = this.log
    if (this.updatesTooLarge) {
      log.warning(
        `The dpkg database in the rootfs is not read: ${this.updatesTooLarge}; no packages.txt is published for ${imageId}`,
      )
      return undefined
    }
    const updates = [...files]
      .filter(([path]) => DPKG_UPDATES.test(path))
      .map(([path, data]) => ({ name: path.slice(path.lastIndexOf('/') + 1), data }))
    try {
      const pkgs = reader.packages(updates)
      const sbom = sbomPackagesFromDpkg(pkgs)
      const count = countListed(pkgs)
      log.info(`${count} packages listed in packages.txt (what dpkg -l prints in the image)`)
      // Bytes, not a string: a status file need not be valid UTF-8 and dpkg -l copies its bytes through.
      return { kind: 'dpkg', listing: formatDpkgListBytes(pkgs), count, names: namesOf(sbom), sbom }
    } catch (err) {
      if (!(err instanceof DpkgParseError)) throw err
      log.warning(
        err instanceof DpkgLimitError
          ? `The dpkg database in the rootfs is not read: ${err.message}; no packages.txt is published for ${imageId}`
          : `The dpkg database in the rootfs is unreadable, as dpkg would find it: ${err.message}; no packages.txt is published for ${imageId}`,
      )
      return undefined
    }
  }

  private async fromRpm(
    path: string,
    imageId: string,
    signal: AbortSignal | undefined,
  ): Promise<InstalledPackages | undefined> {
    const log = this.log
    try {
      const db = this.rpm.get(path)!
      const wal = this.rpm.get(`${path}-wal`)
      for (const copy of [db, wal]) copy?.check()
      // sqlite reads the log beside the database; an empty one is no log.
      if (wal && wal.bytes === 0) wal.remove()
      const read = await readRpmDbIsolated(db.file, { signal, limits: this.limits.rpm ?? ISOLATION_LIMITS })
      const sbom = sbomPackagesFromRpm(read.packages)
      log.info(`${read.count} packages listed in packages.txt (what rpm -qa prints in the image)`)
      return { kind: 'rpm', listing: read.qa, count: read.count, names: namesOf(sbom), sbom }
    } catch (err) {
      if (signal?.aborted || !(err instanceof RpmDbError)) throw err
      log.warning(
        `The rpm database /${path} in the rootfs is not read: ${err.message}; no packages.txt is published for ${imageId}`,
      )
      return undefined
    }
  }
}

/** A file of the rootfs copied to a temporary file as it streams past. */
class RpmCopy implements Sink {
  readonly file: string
  bytes = 0
  private fd: number | undefined
  private problem: RpmDbError | Error | undefined
  private complete = false

  constructor(file: string, size: number) {
    this.file = file
    if (size > MAX_RPMDB_BYTES) {
      this.problem = new RpmDbError(
        `it is ${size} bytes, larger than the ${MAX_RPMDB_BYTES} bytes metal-image reads`,
      )
      return
    }
    try {
      mkdirSync(dirname(file), { recursive: true })
      this.fd = openSync(file, 'w')
    } catch (err) {
      this.fail(err)
    }
  }

  write(piece: Buffer): void {
    if (this.fd === undefined) return
    try {
      for (let at = 0; at < piece.length;) at += writeSync(this.fd, piece, at, piece.length - at)
      this.bytes += piece.length
    } catch (err) {
      this.fail(err)
    }
  }

  end(): void {
    this.close()
    this.complete = this.problem === undefined
  }

  /** Throws what went wrong while copying. */
  check(): void {
    if (this.problem) throw this.problem
    if (!this.complete) throw new RpmDbError('the stream ended inside it')
  }

  remove(): void {
    rmSync(this.file, { force: true })
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private fail(err: unknown): void {
    this.close()
    // A full temporary folder is the machine's problem, not the image's: the run fails, saying so.
    this.problem = failure('packages', `copy the rpm database out of the rootfs to ${this.file}`, err)
  }
}

function namesOf(pkgs: SbomPackage[]): Set<string> {
  return new Set(pkgs.map((p) => p.name))
}

/** /etc/os-release of the rootfs, or the file it links to. */
export function osRelease(files: Map<string, Buffer>): Buffer | undefined {
  for (const path of OS_RELEASE) {
    const data = files.get(path)
    if (data && data.length > 0) return data
  }
  return undefined
}
