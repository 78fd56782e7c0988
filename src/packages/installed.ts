import { countListed, formatDpkgListBytes } from './dpkg/list.ts'
import { parseDpkgStatus } from './dpkg/parse.ts'
import { DpkgParseError } from './dpkg/types.ts'
import type { Log } from '../util/log.ts'
import { readRpmDb, RPMDB_PATH } from './rpm/db.ts'
import { RpmDbError } from './rpm/error.ts'
import { sbomPackagesFromDpkg, sbomPackagesFromRpm, type SbomPackage } from './sbom.ts'

const DPKG_STATUS = 'var/lib/dpkg/status'
/** dpkg's journal of changes not yet folded into status; every dpkg-query applies it when reading. */
const DPKG_UPDATES = /^var\/lib\/dpkg\/updates\/[0-9]+$/
/** Where rpm keeps its sqlite database: var/lib/rpm (EL9), usr/lib/sysimage/rpm (Fedora, and a link from var/lib/rpm). */
const RPMDB_PATHS = [RPMDB_PATH, 'usr/lib/sysimage/rpm/rpmdb.sqlite']
/** os-release names the distribution in the SBOM's purls; etc/os-release is usually a link to the other. */
const OS_RELEASE = ['etc/os-release', 'usr/lib/os-release']

/** The files the inspector keeps out of the stream for the package list, the SBOM and the contract. */
export function isPackageDatabase(path: string): boolean {
  return (
    path === DPKG_STATUS ||
    DPKG_UPDATES.test(path) ||
    RPMDB_PATHS.some((p) => path === p || path === `${p}-wal`) ||
    OS_RELEASE.includes(path)
  )
}

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

/**
 * The image's packages from its package database, read out of the stream: dpkg's status (with its update
 * journal) or rpm's sqlite database. Undefined, with a warning, when there is none or it is unreadable
 * (the package manager itself would fail on it; the image may still work).
 */
export function readInstalledPackages(
  files: Map<string, Buffer>,
  imageId: string,
  log: Log,
): InstalledPackages | undefined {
  const status = files.get(DPKG_STATUS)
  if (status) return fromDpkg(status, files, imageId, log)
  const rpmPath = RPMDB_PATHS.find((p) => files.has(p))
  if (rpmPath) return fromRpm(rpmPath, files, imageId, log)
  log.warning(
    `The rootfs has no package database (neither /${DPKG_STATUS} nor /${RPMDB_PATH}): no packages.txt and no SBOM components for ${imageId}`,
  )
  return undefined
}

function fromDpkg(
  status: Buffer,
  files: Map<string, Buffer>,
  imageId: string,
  log: Log,
): InstalledPackages | undefined {
  const updates = [...files]
    .filter(([path]) => DPKG_UPDATES.test(path))
    .map(([path, data]) => ({ name: path.slice(path.lastIndexOf('/') + 1), data }))
  try {
    const pkgs = parseDpkgStatus(status, {
      updates,
      filename: `/${DPKG_STATUS}`,
      onWarning: (w) => log.debug(`dpkg: ${w}`),
    })
    const sbom = sbomPackagesFromDpkg(pkgs)
    const count = countListed(pkgs)
    log.info(`${count} packages listed in packages.txt (what dpkg -l prints in the image)`)
    // Bytes, not a string: a status file need not be valid UTF-8 and dpkg -l copies its bytes through.
    return { kind: 'dpkg', listing: formatDpkgListBytes(pkgs), count, names: namesOf(sbom), sbom }
  } catch (err) {
    if (!(err instanceof DpkgParseError)) throw err
    log.warning(
      `The dpkg database in the rootfs is unreadable, as dpkg would find it: ${err.message}; no packages.txt is published for ${imageId}`,
    )
    return undefined
  }
}

function fromRpm(
  path: string,
  files: Map<string, Buffer>,
  imageId: string,
  log: Log,
): InstalledPackages | undefined {
  const wal = files.get(`${path}-wal`)
  try {
    const db = readRpmDb(files.get(path)!, wal && wal.length > 0 ? { wal } : {})
    const sbom = sbomPackagesFromRpm(db.packages)
    log.info(`${db.count} packages listed in packages.txt (what rpm -qa prints in the image)`)
    return { kind: 'rpm', listing: db.qa, count: db.count, names: namesOf(sbom), sbom }
  } catch (err) {
    if (!(err instanceof RpmDbError)) throw err
    log.warning(
      `The rpm database in the rootfs is unreadable: ${err.message}; no packages.txt is published for ${imageId}`,
    )
    return undefined
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
