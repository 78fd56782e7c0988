import { DEFAULT_SUCCESS } from '../verify/boot.ts'

/**
 * Every input of the action, in one place: action.yml, the README's table and the CLI's --help are
 * checked against (or generated from) this list by the tests.
 */
export interface InputSpec {
  description: string
  default?: string
  /** Shown in --help and the README instead of the raw default. */
  defaultText?: string
}

export const INPUTS = {
  context: {
    description: 'Build context: a folder (or a git/https URL docker understands).',
    default: '.',
  },
  file: { description: 'Path of the Dockerfile.', defaultText: '<context>/Dockerfile' },
  'build-args': { description: 'Build arguments, one KEY=VALUE per line.' },
  target: { description: 'Build stage to export (docker build --target).' },
  platform: { description: 'Platform of the image to build or export.', default: 'linux/amd64' },
  'no-cache': { description: 'Build without using the build cache.', default: 'false' },
  pull: { description: 'Always pull newer versions of the base images.', default: 'false' },
  labels: { description: 'Image labels, one KEY=VALUE per line.' },
  buildkit: {
    description:
      'Build with BuildKit (the docker driver\'s image exported, else its tar exporter streamed): "auto" (when buildx, or a classic docker client with built-in BuildKit, is there), "true" (required), "false" (the legacy builder, then the image\'s filesystem).',
    default: 'auto',
  },
  'bake-files': {
    description:
      'Bake files for `targets`, one per line (later ones override earlier ones, as docker buildx bake merges them).',
    defaultText: 'docker-bake.hcl (with targets)',
  },
  targets: {
    description:
      "Build this target of the bake files with docker buildx bake (as bake builds it: inherited attributes, named contexts, `target:` contexts, variables from the environment) and publish its rootfs. One target: the action publishes one image. The bake file's own outputs are not used: the rootfs streams to the action (no tar on disk), a registry push comes from `push` or `set`.",
  },
  set: {
    description:
      "Overrides in docker buildx bake's --set syntax, one per line (e.g. `_common.output+=type=registry`, as metal-images writes it): `+=` appends, also where buildx (before 0.22) cannot; an output line that pushes (type=registry, type=image with push=true) pushes the target.",
  },
  'build-contexts': {
    description:
      'Named build contexts, one name=value per line (a folder, docker-image://..., an URL; with targets also target:...), as buildx --build-context.',
  },
  secrets: {
    description:
      'Build secrets, one id=VALUE per line, for RUN --mount=type=secret,id=... (buildx --secret); values are written to a private temporary file and never logged. An empty value is an error.',
  },
  'secret-files': {
    description: 'Build secrets from files, one id=PATH per line; a missing file is an error.',
  },
  'secret-envs': {
    description:
      'Build secrets from environment variables, one id=VARIABLE per line; an unset or empty variable is an error (buildx would pass an empty secret).',
  },
  ssh: {
    description: 'SSH agent sockets or keys for RUN --mount=type=ssh, e.g. default (buildx --ssh).',
  },
  builder: {
    description:
      'The buildx builder to build with (docker-container, kubernetes, remote, a docker context). Empty: the current one.',
  },
  'cache-from': { description: 'External cache sources, one per line (buildx --cache-from).' },
  'cache-to': {
    description:
      "Cache export destinations, one per line (buildx --cache-to; the docker driver exports none). The input cache is GitHub's cache made easy.",
  },
  network: { description: 'Network mode for RUN instructions (docker build --network).' },
  'add-hosts': { description: 'Custom host-to-IP mappings, host:ip (docker build --add-host).' },
  platforms: {
    description:
      "build-push-action's name for platform: one platform (the action publishes one image per platform).",
  },
  push: {
    description:
      'Also push the image to a registry from the same build (BuildKit, buildx), under tags. A failed push fails the run before anything is published.',
    default: 'false',
  },
  tags: {
    description:
      "Image names to push, one per line or comma-separated (e.g. ghcr.io/metal-stack/debian:13-stable). With targets: replace the target's tags.",
  },
  provenance: {
    description:
      'Provenance attestation, as buildx --provenance: true, false, or its options (mode=max). Needs a builder that makes attestations (not the docker driver).',
  },
  'sbom-attestation': {
    description:
      "SBOM attestation, as buildx --sbom (build-push-action's sbom input; sbom here is the SBOM file beside the image): true, false or options.",
  },
  attests: {
    description: 'Attestations, one per line in buildx --attest syntax (type=provenance,mode=max).',
  },
  image: {
    description:
      "Export this existing image's own filesystem (local, or pulled if missing) instead of building.",
  },
  rootfs: {
    description:
      'Use this existing uncompressed rootfs tar (e.g. written by docker buildx bake) instead of building; a pipe works too, and `-` is standard input (`docker export c | metal-image --rootfs -`).',
  },
  'os-name': {
    description:
      'Operating system name, the first folder below the channel, e.g. debian, ubuntu, firewall, capms-ubuntu (required).',
  },
  'os-version': {
    description:
      'The version folder below os-name, as metal-images names it: one to three numbers, optionally with words that belong to the OS, e.g. 13, 26.04, 3.0-ubuntu, 1.32.9 (required). The folder keeps it as written; the image id is derived from it (see Versions).',
  },
  'image-name': {
    description:
      'The OS part of the image id. Empty: os-name, plus the words of os-version (firewall + 3.0-ubuntu -> firewall-ubuntu-3.0.<YYYYMMDD>).',
  },
  destination: {
    description:
      'Where the image goes: gs://BUCKET/PREFIX, s3://BUCKET/PREFIX, or a local directory or file:// URL (default ./images). Files land in <destination>/<channel>/<os-name>/<os-version>/.',
    defaultText: './images',
  },
  endpoint: {
    description:
      'S3-compatible endpoint URL for an s3:// destination (MinIO, Ceph, R2, Swift, ...); path-style addressing is used when it is set. Empty: AWS.',
  },
  'cache-control': {
    description: 'Cache-Control of the published objects (metal-images uses no-store).',
    default: 'no-store',
  },
  acl: {
    description: "S3 canned ACL for the objects, e.g. public-read. Empty: the bucket's own policy.",
  },
  'predefined-acl': {
    description: "GCS predefined ACL for the objects, e.g. publicRead. Empty: the bucket's own policy.",
  },
  'upload-timeout': {
    description:
      'Time budget for publishing to a bucket, retries of transient errors included, in seconds or with a unit (90s, 30m, 1h).',
    default: '1h',
  },
  channel: {
    description:
      'Folder under the destination, e.g. stable. Empty: derived from the workflow run (default branch: stable, pull request: pull_requests/<number>-<branch>, release or tag: the tag, other branches: the branch); none outside GitHub Actions.',
  },
  layout: {
    description:
      'flat: <os-name>/<os-version>/ holds the latest build (metal-images today); versioned: <os-name>/<os-version>/<YYYYMMDD>/ keeps every build.',
    default: 'flat',
  },
  date: {
    description:
      "The version's patch: empty for the UTC date of the build, commit for the date of the checked-out commit (rebuilding a commit gives the same version), or an explicit YYYYMMDD.",
  },
  'on-conflict': {
    description:
      'When this version already exists: fail, overwrite or skip (no build, outputs of the existing one). Default: overwrite for the flat layout, fail for versioned.',
    defaultText: 'overwrite (flat), fail (versioned)',
  },
  'versions-from-tags': {
    description:
      'Also count git tags named <os-name>-<version> (e.g. debian-12.0.20261125) as existing versions.',
    default: 'false',
  },
  mode: {
    description:
      'publish: build and publish an image. promote: copy the image of from-channel to to-channel (as metal-images does for releases), md5-checked.',
    default: 'publish',
  },
  'from-channel': { description: 'promote: the channel to copy from, e.g. stable.' },
  'to-channel': { description: 'promote: the channel to copy to, e.g. a release tag like 20261125.' },
  contract: {
    description:
      "What to do when the rootfs breaks metal-hammer's contract (kernel and initrd for kexec, installer, infrastructure packages, hygiene, SSH host keys): error (fail, publish nothing), warn, or off.",
    default: 'error',
  },
  checksums: {
    description:
      'Checksum files beside the image, any of md5, sha256, sha512 (comma- or newline-separated), each as img.tar.lz4.<alg> in <alg>sum format. md5 is always written: metal-hammer checks it.',
    default: 'md5',
  },
  sbom: {
    description:
      'Write sbom.cdx.json beside the image: a CycloneDX 1.6 SBOM with one component per installed package.',
    default: 'true',
  },
  'contract-json': {
    description:
      'Write contract.json (the findings of the contract check) beside the image; the check itself runs as contract says.',
    default: 'true',
  },
  'versions-json': {
    description:
      'Keep versions.json in <os-name>/<os-version>/: every version published there, with md5, size and time. With sbom, contract-json and this false, and checksums md5, the folder holds exactly what metal-images publishes: img.tar.lz4, img.tar.lz4.md5, packages.txt.',
    default: 'true',
  },
  'build-info': {
    description:
      'Add /etc/metal/build.yaml to the rootfs (build date, image id, version, git repository, ref and commit), as metal-images writes it before its build; an existing one is replaced.',
    default: 'true',
  },
  cache: {
    description:
      'Restore a build cache before the build and save it after (kept with actions/cache), keyed on the Dockerfile, build args, platform and context: a local BuildKit cache with buildx, an image with its inline cache with the classic client. The legacy builder cannot cache; it says so once.',
    default: 'false',
  },
  artifact: {
    description:
      'Upload img.tar.lz4, its checksum files and packages.txt as a workflow artifact: auto (when no destination is given, or its credentials are missing on a pull request from a fork), true, or false.',
    default: 'auto',
  },
  'artifact-name': { description: 'Name of the workflow artifact. Empty: the image id.' },
  'artifact-retention-days': {
    description: "Days GitHub keeps the artifact (1-90). Empty: the repository's setting.",
  },
  test: {
    description:
      "Test the image as metal-hammer installs it, before anything is published: off; install (extract the published img.tar.lz4 with metal-hammer's LZ4 and tar rules into a scratch root with /proc, /sys, /dev and a tmpfs /tmp mounted, write /etc/metal/install.yaml, run /install-go or /install.sh chrooted as root, check that /etc/metal/boot-info.yaml names a kernel and an initrd that exist); boot (then boot that kernel, initrd and command line in QEMU from a disk of the installed root until test-success appears on the serial console). A failed test publishes nothing. Needs root or passwordless sudo; boot also needs qemu-system-x86_64 and mke2fs.",
    default: 'off',
  },
  'test-install-yaml': {
    description:
      "test: a file with the /etc/metal/install.yaml to write instead of the generated one (hostname, networks, machineuuid, sshpublickey, password, console, root_uuid, ...). Its root_uuid, console password and first NIC's MAC are used for the boot disk, the login and the VM.",
  },
  'test-timeout': {
    description:
      'test: time for the installer to finish, and again for the boot to reach test-success and run test-command; seconds or with a unit (90s, 30m, 1h).',
    default: '10m',
  },
  'test-success': {
    description:
      'test: boot: a regular expression (JavaScript) a line of the serial console must match for the boot to pass; colors are removed, and the unfinished last line counts (a login prompt). Default: systemd reaching multi-user.target, or a login prompt.',
    default: DEFAULT_SUCCESS,
  },
  'test-command': {
    description:
      'test: boot: a shell command to run in the booted system once test-success appeared, logged in on the serial console as "metal" with the console password of install.yaml (the user metal-stack\'s installers create); a non-zero exit fails the test.',
  },
  'compression-level': {
    description:
      'LZ4 level as the lz4 command means it: 1-2 fast, 3-12 high compression. 9, as metal-images (lz4 -9): the image machines download is smaller; 1 is several times faster for pull-request builds.',
    default: '9',
  },
} as const satisfies Record<string, InputSpec>

export type InputName = keyof typeof INPUTS

/** Marked required in action.yml; the checks themselves are in parseInputs. */
export const REQUIRED_INPUTS = new Set<string>(['os-name', 'os-version'])

export const OUTPUTS = {
  'image-id': 'Image id as metal-stack uses it: <os-name>-<major>.<minor>.<YYYYMMDD>.',
  version: 'The version part of the image id: <major>.<minor>.<YYYYMMDD>.',
  url: 'Where img.tar.lz4 went.',
  md5: 'MD5 of img.tar.lz4 (lowercase hex), as in img.tar.lz4.md5.',
  size: 'Size of img.tar.lz4 in bytes.',
  'rootfs-size': 'Size of the uncompressed rootfs tar in bytes.',
  packages: 'Number of packages in packages.txt (empty when the image has no dpkg database).',
  semver: 'The version normalised to semver (20.04.20201026 -> 20.4.20201026), as metal-api compares it.',
  previous: 'The newest version that already existed for this os-name and major.minor (empty if none).',
  'release-tag': "The next release tag in metal-images' YYYYMMDD form, given the repository's git tags.",
  channel: 'The channel the files went to (empty: none).',
  sha256: 'SHA-256 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.',
  sha512: 'SHA-512 of img.tar.lz4 (lowercase hex) when checksums asks for it; empty otherwise.',
  contract:
    'The contract check as one line of JSON: {"mode", "passed", "failed", "errors", "warnings", "findings": [{"id", "level", "message", "path"}]}; also written as contract.json.',
  digest: 'Digest of the image manifest pushed to the registry (empty when nothing was pushed).',
  tags: 'The names the image was pushed under, one per line (empty when nothing was pushed).',
  'test-result':
    'The image test as one line of JSON: {"mode", "passed", "installer", "kernel", "initrd", "cmdline", "accel", "successLine", "command": {"exitCode", "output"}, "seconds": {"extract", "install", "disk", "boot", "command"}}; when it failed (the step failed too) {"passed": false, "phase", "message"}; empty when test is off.',
  'artifact-id': 'Id of the uploaded workflow artifact (empty when none was uploaded).',
  'artifact-url': 'Where the workflow artifact can be downloaded (empty when none was uploaded).',
  metadata: 'All outputs as one JSON object.',
} as const

export type OutputName = keyof typeof OUTPUTS
