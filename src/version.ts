/** What a build is called: the folder it lands in, its version and metal-stack image id. */
export interface ImageVersion {
  /** <major>.<minor>.<YYYYMMDD>; a bare major means minor 0, as metal-api reads `debian-13`. */
  version: string
  /** <os-name>-<version>, e.g. ubuntu-24.04.20261125. */
  imageId: string
  /** Folder segments under the destination: <os-name>/<os-version> as written. */
  folder: [string, string]
}

/** The patch is the build's UTC date, so a later build sorts higher under semver. */
export function imageVersion(osName: string, osVersion: string, now: Date): ImageVersion {
  const [major, minor = '0'] = osVersion.split('.')
  const date = now.toISOString().slice(0, 10).replaceAll('-', '')
  const version = `${major}.${minor}.${date}`
  return { version, imageId: `${osName}-${version}`, folder: [osName, osVersion] }
}
