import { Buffer } from 'node:buffer'

/**
 * `dpkg -l` without running dpkg: reads a dpkg status database (as found in an image's rootfs) and prints
 * exactly what `dpkg -l` (= `dpkg-query --list`, no patterns) prints inside that image when stdout is not a
 * terminal and the locale is C/POSIX (the `docker run --rm IMAGE bash -c 'dpkg -l' > packages.txt` case).
 *
 * Source references below are to dpkg 1.21.22 (Debian 12); the logic used here is unchanged up to 1.22.21
 * (Ubuntu 24.04 ships 1.22.6). The C-locale widths rely on glibc's C locale being ASCII-only (bytes >= 0x80
 * fail to convert), which holds from Debian 12's glibc 2.36 through 2.42, Ubuntu 24.04's 2.39 included.
 */

export const DPKG_WANTS = ['unknown', 'install', 'hold', 'deinstall', 'purge'] as const
export const DPKG_EFLAGS = ['ok', 'reinstreq'] as const
export const DPKG_STATUSES = [
  'not-installed',
  'config-files',
  'half-installed',
  'unpacked',
  'half-configured',
  'triggers-awaited',
  'triggers-pending',
  'installed',
] as const
export const DPKG_MULTIARCH = ['no', 'same', 'allowed', 'foreign'] as const

export type DpkgWant = (typeof DPKG_WANTS)[number]
export type DpkgEflag = (typeof DPKG_EFLAGS)[number]
export type DpkgStatus = (typeof DPKG_STATUSES)[number]
export type DpkgMultiArch = (typeof DPKG_MULTIARCH)[number]

/** One package instance of the dpkg database (a `struct pkginfo` with its installed `pkgbin`). */
export interface DpkgPackage {
  /** Lower-cased: dpkg keys and prints packages by the lower-cased name (lib/dpkg/pkg-hash.c pkg_hash_find_set). */
  name: string
  /** The Architecture field; '' when it is missing or empty, which dpkg prints as `<empty>`. */
  architecture: string
  multiArch: DpkgMultiArch
  want: DpkgWant
  eflag: DpkgEflag
  status: DpkgStatus
  /** As dpkg prints it (epoch only when needed, lib/dpkg/parsehelp.c varbufversion); null prints `<none>`. */
  version: string | null
  /** First line of Description; null (no Description at all) prints `(no description available)`. */
  synopsis: string | null
}

export interface DpkgUpdateFile {
  /** File name inside `<admindir>/updates/`; dpkg only reads names made of digits. */
  name: string
  data: string | Uint8Array
}

export interface ParseDpkgStatusOptions {
  /**
   * The journal in `<admindir>/updates/`. dpkg applies it on top of the status file on every read
   * (lib/dpkg/dbmodify.c cleanupdates), so an image whose last dpkg run was interrupted lists it.
   */
  updates?: readonly DpkgUpdateFile[]
  /** Receives what dpkg would print on stderr as warnings (they never reach `dpkg -l`'s stdout). */
  onWarning?: (message: string) => void
  /** Path used in messages. */
  filename?: string
  /** Only used to name packages in messages the way dpkg does (`foo:i386` for foreign ones). */
  nativeArch?: string
  limits?: DpkgLimits
}

export interface FormatDpkgListOptions {
  /**
   * The architecture the image's dpkg binary was built for (dpkg's "native" architecture is compiled in;
   * only dpkg >= 1.22.16 run with --root/DPKG_ROOT reads `<admindir>/arch-native` instead, which `docker run`
   * does not do). Defaults to inferDpkgNativeArch().
   */
  nativeArch?: string
}

/** dpkg would refuse to read this database (`dpkg -l` prints nothing on stdout and exits 2). */
export class DpkgParseError extends Error {
  override name = 'DpkgParseError'
}

/**
 * How much of a status file is kept while it streams past. The database is part of the image, so its
 * size is whatever the image's author made it; what is kept is bounded by what `dpkg -l` and the SBOM
 * print, never by the size of the file. Values only checked for being there (the long description,
 * dependencies, conffiles, fields of other tools) may be of any size: they are read, not kept.
 */
export interface DpkgLimits {
  /** Bytes of one value that is kept or parsed (Package, Version, Status, ..., the synopsis). */
  fieldBytes: number
  /** Package instances (a Debian system has a few thousand; the archive about 65,000 per architecture). */
  packages: number
  /** Bytes of all the values kept for all instances: about the size of packages.txt. */
  keptBytes: number
}

// 10,000 instances: four times a desktop image's; their SBOM and packages.txt take about 70 MB more
// of the run's memory (about 7 KB an instance), the whole archive's 65,000 would take 450 MB.
export const DPKG_LIMITS: DpkgLimits = { fieldBytes: 1 << 20, packages: 10_000, keptBytes: 16 << 20 }

/** A database dpkg would read but that is larger than DpkgLimits: not read. */
export class DpkgLimitError extends DpkgParseError {
  override name = 'DpkgLimitError'
}

export const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data

/** Exact bytes of fields whose bytes are not valid UTF-8, keyed by the lossy text handed out for them. */
export type RawField = 'version' | 'architecture' | 'synopsis'
export type RawFields = Partial<Record<RawField, { text: string; bin: string }>>
export const rawBytes = new WeakMap<DpkgPackage, RawFields>()
export const NON_ASCII_BYTE = /[\x80-\xff]/
