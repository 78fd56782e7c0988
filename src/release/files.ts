/**
 * Every file an image folder can hold, named once. Publishing writes them, promotion copies them, and a
 * later set removes the ones it does not have: a file of another set beside an image would describe a
 * different image.
 */

/** The rootfs tar, one LZ4 frame: what metal-hammer downloads. */
export const IMAGE_FILE = 'img.tar.lz4'
/** What `dpkg -l` (or `rpm -qa`) prints in the image. */
export const PACKAGES_FILE = 'packages.txt'
/** The contract check's findings. */
export const CONTRACT_FILE = 'contract.json'
/** The CycloneDX SBOM. */
export const SBOM_FILE = 'sbom.cdx.json'
/** The versions published to a folder (`<channel>/<os>/<version>/`), whatever the layout. */
export const INDEX_FILE = 'versions.json'

export const CHECKSUM_ALGORITHMS = ['md5', 'sha256', 'sha512'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]

/** `img.tar.lz4.<alg>`, in `<alg>sum` format; metal-hammer reads `img.tar.lz4.md5`. */
export function checksumFile(alg: ChecksumAlgorithm): string {
  return `${IMAGE_FILE}.${alg}`
}

export const MD5_FILE = checksumFile('md5')
export const CHECKSUM_FILES: readonly string[] = CHECKSUM_ALGORITHMS.map(checksumFile)

/** Every file that belongs to one image besides the image itself, in the order a set is put in place. */
export const COMPANION_FILES: readonly string[] = [...CHECKSUM_FILES, PACKAGES_FILE, CONTRACT_FILE, SBOM_FILE]

/** The line `md5sum FILE` (or `sha256sum`, ...) prints in the file's folder: what `md5sum -c` reads. */
export function checksumLine(hex: string, fileName = IMAGE_FILE): string {
  return `${hex}  ${fileName}\n`
}

/** The checksum in a checksum file, if it is one line of `<hex>  img.tar.lz4` for `alg`. */
export function parseChecksumLine(
  text: string | undefined,
  alg: ChecksumAlgorithm = 'md5',
): string | undefined {
  const hexLength = { md5: 32, sha256: 64, sha512: 128 }[alg]
  const m = new RegExp(`^([0-9a-f]{${hexLength}}) {2}img\\.tar\\.lz4\\n?$`).exec(text ?? '')
  return m?.[1]
}

/**
 * How a set of files replaces the one in its folder (store/commit.ts runs it): the old checksum files go
 * first (an old checksum must never sit beside a new image), then the companions describing the image
 * and the removal of files the new set lacks, then the image, then versions.json, and the checksum files
 * last: while one is there, everything in the folder belongs to one set. `order` is every present file,
 * image first.
 */
export function setCommit(present: readonly string[]): {
  order: string[]
  companions: string[]
  seal: string[]
  retract: string[]
  obsolete: string[]
} {
  const order = [IMAGE_FILE, ...COMPANION_FILES].filter((name) => present.includes(name))
  return {
    order,
    companions: order.filter((name) => name !== IMAGE_FILE && !CHECKSUM_FILES.includes(name)),
    seal: order.filter((name) => CHECKSUM_FILES.includes(name)),
    retract: [...CHECKSUM_FILES],
    obsolete: COMPANION_FILES.filter((name) => !present.includes(name)),
  }
}
