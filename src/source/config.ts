/** What to build, or which image or tar to read: the source inputs, checked. */
export interface BuildConfig {
  context: string
  /** Empty: <context>/Dockerfile. */
  file: string
  buildArgs: [string, string][]
  target: string
  platform: string
  noCache: boolean
  pull: boolean
  labels: string[]
  buildkit: 'auto' | 'true' | 'false'
}

export type SourceConfig =
  | { kind: 'build'; build: BuildConfig; platform: string }
  | { kind: 'image'; image: string; platform: string }
  | { kind: 'rootfs'; rootfs: string; platform: string }

/** Remote build contexts (git, https) are docker's to resolve: nothing to look at on this machine. */
export function isRemoteContext(context: string): boolean {
  return /^(https?:\/\/|git@|github\.com\/)/.test(context)
}
