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
  buildx: BuildxOptions
}

/** A build secret: where its value comes from, and the input that gave it (named in errors, never the value). */
export interface SecretSpec {
  id: string
  /** value: the secret itself (input secrets); file: a path (secret-files); env: a variable's name (secret-envs). */
  kind: 'value' | 'file' | 'env'
  source: string
  input: 'secrets' | 'secret-files' | 'secret-envs'
}

/** An attestation in buildx's --attest syntax (type=provenance,mode=max), with the input it came from. */
export interface AttestSpec {
  spec: string
  input: 'provenance' | 'sbom-attestation' | 'attests'
}

/** What BuildKit builds take beyond docker build's flags: build-push-action's inputs of the same names. */
export interface BuildxOptions {
  /** A buildx builder by name; empty: the current one. */
  builder: string
  /** Named build contexts, name -> folder, URL, docker-image://..., target:... */
  contexts: [string, string][]
  secrets: SecretSpec[]
  ssh: string[]
  cacheFrom: string[]
  cacheTo: string[]
  network: string
  addHosts: string[]
  attests: AttestSpec[]
  /** Push the image to a registry from the same build, under `tags`. */
  push: boolean
  tags: string[]
}

export const NO_BUILDX_OPTIONS: BuildxOptions = {
  builder: '',
  contexts: [],
  secrets: [],
  ssh: [],
  cacheFrom: [],
  cacheTo: [],
  network: '',
  addHosts: [],
  attests: [],
  push: false,
  tags: [],
}

/** A target of a bake file, built as `docker buildx bake` builds it, with the inputs applied over it. */
export interface BakeConfig {
  /** Bake files, in order (later ones override earlier ones, as bake merges them). */
  files: string[]
  /** The one target whose rootfs becomes the image. */
  target: string
  /** `--set` lines in bake's syntax; `+=` is applied by the action where buildx cannot. */
  set: string[]
  /** Inputs applied over the target's definition. */
  buildArgs: [string, string][]
  labels: string[]
  /** A Dockerfile stage (the `target` input); empty: the bake file's. */
  stage: string
  platform: string
  /** True: set no-cache (false leaves the bake file's). */
  noCache: boolean
  /** True: set pull (false leaves the bake file's). */
  pull: boolean
  buildx: BuildxOptions
}

export type SourceConfig =
  | { kind: 'build'; build: BuildConfig; platform: string }
  | { kind: 'bake'; bake: BakeConfig; platform: string }
  | { kind: 'image'; image: string; platform: string }
  | { kind: 'rootfs'; rootfs: string; platform: string }

/** Remote build contexts (git, https) are docker's to resolve: nothing to look at on this machine. */
export function isRemoteContext(context: string): boolean {
  return /^(https?:\/\/|git@|github\.com\/)/.test(context)
}
