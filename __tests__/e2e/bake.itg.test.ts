import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { errorLines, installAction, runAction, type ActionRun } from '../helpers/action.ts'
import { buildxAvailable, dockerAvailable, requireTool, sh } from '../helpers/env.ts'
import { parseFrame } from '../helpers/frame.ts'
import { gnuTarNames, tarEntries, withoutContainerArtifacts, type EntryFacts } from '../helpers/tar.ts'
import { snapshot } from '../helpers/tree.ts'

/**
 * metal-images' repository layout (issue 15), built through the bundled action: bake targets with named
 * contexts, a `target:` base, a build secret, variables from the environment, `_common`'s tar output to
 * a file, and metal-images' `set: _common.output+=type=registry`, against a real registry on 127.0.0.1.
 */

const root = resolve(import.meta.dirname, '..', '..')
const fixture = join(root, '__tests__/fixtures/metal-images')
const REGISTRY = '127.0.0.1:15000'
const TOKEN = 'bake-fixture-token-4f1c9a'
const METAL_IMAGES_SET = '_common.output+=type=registry'

function registryRunning(): boolean {
  if (spawnSync('bash', [join(root, 'scripts/registry.sh'), 'status']).status === 0) return true
  if (process.env.CI === 'true')
    throw new Error(`CI=true but no registry at ${REGISTRY} (scripts/registry.sh start)`)
  console.warn(`skipping: no registry at ${REGISTRY} (run \`sudo bash scripts/registry.sh start\`)`)
  return false
}

const ready =
  dockerAvailable() && buildxAvailable() && registryRunning() && requireTool('lz4', 'apt-get install lz4')

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

/** The published image, decoded: one LZ4 frame, md5sum -c passes. */
function decoded(dir: string): string {
  expect(sh('md5sum', ['-c', 'img.tar.lz4.md5'], { cwd: dir })).toBe('img.tar.lz4: OK\n')
  expect(parseFrame(readFileSync(join(dir, 'img.tar.lz4'))).trailing).toBe(0)
  const out = join(mkdtempSync(join(tmpdir(), 'bake-decoded-')), 'rootfs.tar')
  execFileSync('lz4', ['-d', '-q', join(dir, 'img.tar.lz4'), out])
  return out
}

/** Entry for entry the same, but for the build info the action adds (and docker's container files). */
async function expectSameEntries(
  ours: string,
  reference: string,
  options: { buildInfo?: boolean; containerReference?: boolean } = {},
): Promise<Map<string, EntryFacts>> {
  const [a, b] = await Promise.all([tarEntries(ours), tarEntries(reference)])
  const mine = new Map(a)
  if (options.buildInfo !== false) {
    expect(mine.get('etc/metal/build.yaml')?.type).toBe('file')
    mine.delete('etc/metal/build.yaml')
  }
  const theirs = options.containerReference ? withoutContainerArtifacts(b) : b
  const compared = options.containerReference ? withoutContainerArtifacts(mine) : mine
  expect([...compared.keys()].sort()).toEqual([...theirs.keys()].sort())
  for (const [name, facts] of theirs) expect(compared.get(name), name).toEqual(facts)
  // GNU tar reads our archive as the same list of entries.
  const names = new Set(gnuTarNames(ours))
  for (const name of compared.keys()) expect(names.has(name), name).toBe(true)
  return a
}

/** Files under `dir` larger than `bytes`, or named *.tar (an uncompressed rootfs on disk). */
function tarsOrLargeFiles(dir: string, bytes: number): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .filter((path) => {
        try {
          return path.endsWith('.tar') ? !path.includes('/images/debian/12/') : statSync(path).size > bytes
        } catch {
          return false
        }
      })
  } catch {
    return []
  }
}

/** A registry that answers every request 401 with a Basic challenge: a push without credentials. */
async function refusingRegistry(): Promise<Server> {
  const server = createServer((_req, res) => {
    const body = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
    res.writeHead(401, {
      'WWW-Authenticate': 'Basic realm="bake-test"',
      'Docker-Distribution-Api-Version': 'registry/2.0',
      'Content-Type': 'application/json',
    })
    res.end(body)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return server
}

/** The registry's digest of a manifest (Docker schema 2, what the docker driver pushes). */
function registryDigest(name: string): string {
  const [repo, tag] = [
    name.slice(REGISTRY.length + 1, name.lastIndexOf(':')),
    name.slice(name.lastIndexOf(':') + 1),
  ]
  const head = sh('curl', [
    '-sfI',
    '-H',
    'Accept: application/vnd.docker.distribution.manifest.v2+json',
    '-H',
    'Accept: application/vnd.oci.image.manifest.v1+json',
    `http://${REGISTRY}/v2/${repo}/manifests/${tag}`,
  ])
  return /^docker-content-digest:\s*(\S+)/im.exec(head)?.[1] ?? ''
}

/** Containers the action's container export makes (its placeholder command): none may be left. */
function exportContainers(): string[] {
  return sh('docker', ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'])
    .split('\n')
    .filter((line) => line.includes('/metal-image-export'))
}

/** `docker create` + `docker export` of an image: the independent reference for an image pulled back. */
function containerExport(image: string, to: string): string {
  const container = sh('docker', ['create', image, '/x']).trim()
  try {
    execFileSync('sh', ['-c', `docker export ${container} > '${to}'`])
  } finally {
    sh('docker', ['rm', '-f', container])
  }
  return to
}

describe.skipIf(!ready)("bake: metal-images' layout through the bundled action", () => {
  let action: string
  let work: string
  let refs: string
  /** Every image name a test made, removed at the end. */
  const made = new Set<string>()
  /** The _common output of the default variables, holding data the action must leave alone. */
  const PRECIOUS = 'images/debian/12/img.tar'

  const TARGETS = [
    { target: 'debian', os: 'debian', version: '12', tag: `${REGISTRY}/bake-fixture/debian:12-stable` },
    { target: 'ubuntu', os: 'ubuntu', version: '22.04', tag: `${REGISTRY}/bake-fixture/ubuntu:22.04-stable` },
    {
      target: 'ubuntu-firewall',
      os: 'firewall-ubuntu',
      version: '3.0',
      tag: `${REGISTRY}/bake-fixture/firewall:3.0-ubuntu-stable`,
    },
  ]
  /** What metal-images' workflow sets for a target (the tags end in SEMVER_PATCH). */
  const varsOf = (t: (typeof TARGETS)[number]): Record<string, string> => ({
    OS_NAME: t.os,
    SEMVER_MAJOR_MINOR: t.version,
    SEMVER_PATCH: '-stable',
    FIXTURE_TOKEN: TOKEN,
  })
  const references = new Map<string, string>()

  /** `docker buildx bake --set T.output=type=tar,dest=- T` in the fixture: what the action must equal. */
  function reference(t: (typeof TARGETS)[number]): string {
    const cached = references.get(t.target)
    if (cached) return cached
    // --no-cache, as metal-images builds: a cached RUN step would keep an earlier run's secret (BuildKit's
    // cache key ignores a secret's value).
    const out = join(refs, `${t.target}.tar`)
    execFileSync(
      'sh',
      [
        '-c',
        `docker buildx bake --progress quiet --no-cache --set "$1.output=type=tar,dest=-" "$1" > '${out}'`,
        'sh',
        t.target,
      ],
      {
        cwd: work,
        env: { ...process.env, ...varsOf(t) },
      },
    )
    references.set(t.target, out)
    for (const name of [t.tag, `${REGISTRY}/bake-fixture/ubuntu:${t.version}-stable`]) made.add(name)
    return out
  }

  /** Runs the action in the fixture with fresh temp folders, watching them and the fixture for tars. */
  async function run(
    inputs: Record<string, string>,
    env: Record<string, string>,
  ): Promise<{ run: ActionRun; seen: string[]; temp: string }> {
    const temp = mkdtempSync(join(tmpdir(), 'bake-runner-temp-'))
    const seen = new Set<string>()
    const watch = setInterval(() => {
      for (const path of [...tarsOrLargeFiles(work, 1 << 20), ...tarsOrLargeFiles(temp, 1 << 20)])
        seen.add(path)
    }, 100)
    try {
      const result = await runAction(action, inputs, {
        cwd: work,
        env: { RUNNER_TEMP: temp, TMPDIR: temp, ...env },
      })
      return { run: result, seen: [...seen], temp }
    } finally {
      clearInterval(watch)
    }
  }

  /** Publishes a debian 12 image with `inputs`: the run, what the watcher saw, the decoded rootfs. */
  async function publishDebian(
    inputs: Record<string, string>,
  ): Promise<{ run: ActionRun; seen: string[]; ours: string }> {
    const dest = mkdtempSync(join(tmpdir(), 'bake-dest-'))
    const base = { 'os-name': 'debian', 'os-version': '12', contract: 'warn', destination: dest }
    const { run: result, seen } = await run({ ...base, ...inputs }, {})
    expect(result.code, result.stdout + result.stderr).toBe(0)
    return { run: result, seen, ours: decoded(join(dest, 'debian/12')) }
  }

  beforeAll(() => {
    sh('bash', [join(fixture, 'base-images.sh')])
    action = installAction()
    work = join(mkdtempSync(join(tmpdir(), 'bake-work-')), 'metal-images')
    cpSync(fixture, work, { recursive: true })
    mkdirSync(join(work, 'images/debian/12'), { recursive: true })
    writeFileSync(join(work, PRECIOUS), 'a tar from an earlier run, to be left alone\n')
    refs = mkdtempSync(join(tmpdir(), 'bake-references-'))
  })

  afterAll(() => {
    for (const name of made) spawnSync('docker', ['rmi', '-f', name])
    // A push that moves a tag leaves the engine's earlier image behind as <repository>:<none>.
    const leftovers = sh('docker', ['images', '--format', '{{.Repository}} {{.ID}}'])
      .split('\n')
      .filter((line) => line.includes('/bake-fixture/'))
      .map((line) => line.split(' ')[1]!)
    if (leftovers.length > 0) spawnSync('docker', ['rmi', '-f', ...new Set(leftovers)])
  })

  test.each(TARGETS)(
    "$target: the rootfs equals bake's tar entry for entry, the registry holds it, no tar on disk",
    async (t) => {
      const ref = reference(t)
      // The watcher below sees tars where there are some.
      expect(tarsOrLargeFiles(refs, 1 << 20)).toContain(ref)
      const before = snapshot(work)
      const dest = mkdtempSync(join(tmpdir(), 'bake-dest-'))
      const {
        run: result,
        seen,
        temp,
      } = await run(
        {
          targets: t.target,
          set: METAL_IMAGES_SET,
          'no-cache': 'true',
          'os-name': t.os,
          'os-version': t.version,
          contract: 'warn',
          destination: dest,
        },
        varsOf(t),
      )
      expect(result.code, result.stdout + result.stderr).toBe(0)
      // The docker driver: the pushed image, named by its tag in the engine, is exported.
      expect(result.stdout).toContain(
        `Rootfs from docker buildx bake ${t.target}, docker export of ${t.tag},`,
      )
      const dir = join(dest, t.os, t.version)
      const ours = decoded(dir)
      const entries = await expectSameEntries(ours, ref)

      // No uncompressed tar on disk: none appeared while it ran, the fixture is as it was (its _common
      // output keeps its bytes: --print did not truncate it), and the action's temp folder is gone.
      expect(seen).toEqual([])
      expect(snapshot(work)).toEqual(before)
      expect(readFileSync(join(work, PRECIOUS), 'utf8')).toBe('a tar from an earlier run, to be left alone\n')
      expect(readdirSync(temp)).toEqual([])

      // Pushed from the same build: the outputs name it, the registry has it under its tag.
      expect(result.outputs.tags).toBe(t.tag)
      expect(result.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(registryDigest(t.tag)).toBe(result.outputs.digest)
      expect(JSON.parse(result.outputs.metadata!)).toMatchObject({
        digest: result.outputs.digest,
        tags: t.tag,
      })
      // Pulled back (not the engine's copy): its filesystem is the published rootfs.
      sh('docker', ['rmi', t.tag])
      sh('docker', ['pull', '-q', t.tag])
      const pulled = containerExport(t.tag, join(refs, `${t.target}-pulled.tar`))
      await expectSameEntries(ours, pulled, { containerReference: true })

      // The secret reached the build (its hash is in the image), never the image, the log or the summary.
      if (t.target !== 'ubuntu-firewall') {
        expect(sh('tar', ['-xOf', ours, 'etc/metal/fixture-token.sha256']).trim()).toBe(sha256(TOKEN))
      }
      expect(readFileSync(ours).includes(TOKEN)).toBe(false)
      expect(result.stdout + result.stderr + result.summary).not.toContain(TOKEN)
      // The named contexts and the target: base reached the image.
      expect(entries.has('etc/metal/fixture.conf')).toBe(true)
      expect(entries.has('etc/metal/cloud-init-custom.sh')).toBe(true)
      if (t.target === 'ubuntu-firewall') {
        expect(sh('tar', ['-xOf', ours, 'etc/metal/role'])).toBe('firewall\n')
        expect(sh('tar', ['-xOf', ours, 'etc/metal/fixture-version'])).toBe('bake-base/ubuntu:jammy 1.2.3\n')
      }
    },
  )

  test.each([TARGETS[0]!, TARGETS[2]!])(
    "bake $target without a push, on the engine's builder: its image exported, the same rootfs, its name gone",
    async (t) => {
      const ref = reference(t)
      const dest = mkdtempSync(join(tmpdir(), 'bake-dest-'))
      const inputs = {
        targets: t.target,
        'no-cache': 'true',
        contract: 'warn',
        destination: dest,
        // Names bake would read as templates in its JSON file: they stay what they are.
        'build-args': 'UNUSED${NAME%{X=a value',
      }
      const { run: result, seen } = await run(
        { ...inputs, 'os-name': t.os, 'os-version': t.version },
        varsOf(t),
      )
      expect(result.code, result.stdout + result.stderr).toBe(0)
      // The docker driver names what it committed (no tar through buildx's client), and the export is
      // the image's own filesystem.
      expect(result.stdout).toMatch(/Outputs: the rootfs to the action \(the image metal-image-build\//)
      expect(result.stdout).toContain(
        `Rootfs from docker buildx bake ${t.target}, docker export of metal-image-build/`,
      )
      expect(result.stdout).toContain("docker's init layer put right from the image")
      const entries = await expectSameEntries(decoded(join(dest, t.os, t.version)), ref)
      expect(entries.has('.dockerenv')).toBe(false)
      expect(seen).toEqual([])
      expect(sh('docker', ['images', '-q', '--filter', 'reference=metal-image-build/*']).trim()).toBe('')
      expect(exportContainers()).toEqual([])
    },
  )

  test("build-push-action's inputs on a plain build: contexts, a secret file, push; the same rootfs as bake's", async () => {
    const debian = TARGETS[0]!
    const ref = reference(debian)
    const secret = join(mkdtempSync(join(tmpdir(), 'bake-secret-')), 'token')
    writeFileSync(secret, TOKEN)
    const tag = `${REGISTRY}/bake-fixture/plain:1`
    made.add(tag)
    const {
      run: result,
      seen,
      ours,
    } = await publishDebian({
      context: '.',
      file: 'debian/Dockerfile',
      'build-contexts': 'ctx=./debian/context\ncloudinit=./debian/cloud-init',
      'build-args': 'BASE_OS_NAME=bake-base/debian\nBASE_OS_VERSION=bookworm\nFIXTURE_VERSION=1.2.3',
      'secret-files': `fixture_token=${secret}`,
      'no-cache': 'true',
      push: 'true',
      tags: tag,
    })
    expect(result.stdout).toContain(`Rootfs from docker buildx build, docker export of ${tag},`)
    await expectSameEntries(ours, ref)
    expect(seen).toEqual([])
    expect(result.outputs.tags).toBe(tag)
    expect(registryDigest(tag)).toBe(result.outputs.digest)
  })

  test("image: the image's own filesystem (hosts, hostname, resolv.conf as built; no /.dockerenv)", async () => {
    const debian = TARGETS[0]!
    const ref = reference(debian)
    // The debian target's image, loaded into the engine (the same build as the reference, from the cache).
    const image = debian.tag
    made.add(image)
    sh(
      'docker',
      ['buildx', 'bake', '--progress', 'quiet', '--no-cache', '--set', 'debian.output=type=docker', 'debian'],
      {
        cwd: work,
        env: varsOf(debian),
      },
    )
    const { run: result, ours } = await publishDebian({ image, 'build-info': 'false' })
    expect(result.stdout).toContain(
      `Rootfs from docker export of ${image}, docker's init layer put right from the image (the image's own filesystem)`,
    )
    // Exactly what BuildKit built.
    const entries = await expectSameEntries(ours, ref, { buildInfo: false })
    for (const [file, content] of [
      ['etc/hostname', 'bake-fixture\n'],
      ['etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n# bake fixture\n'],
      ['etc/resolv.conf', 'nameserver 192.0.2.53\n# bake fixture\n'],
    ])
      expect(sh('tar', ['-xOf', ours, file!]), file).toBe(content)
    expect(entries.has('.dockerenv')).toBe(false)
    expect(entries.get('dev/console')?.type).toBe('character-device')
    // And what a container export gives instead: the same entries but for the container's own files.
    const container = await tarEntries(containerExport(image, join(refs, 'debian-container.tar')))
    expect(container.get('etc/hosts')?.size).toBe(0)
    expect(container.has('.dockerenv')).toBe(true)
    await expectSameEntries(ours, join(refs, 'debian-container.tar'), {
      buildInfo: false,
      containerReference: true,
    })
  })

  test("the legacy builder (buildkit: false): the built image's filesystem, its name removed again", async () => {
    const context = mkdtempSync(join(tmpdir(), 'bake-legacy-'))
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM bake-base/debian:bookworm\nCOPY hosts hostname resolv.conf /etc/\nRUN rm -f /etc/issue.net && rm -rf /usr/share/doc && mkdir /usr/share/doc\n',
    )
    writeFileSync(join(context, 'hosts'), '127.0.0.1 legacy\n')
    writeFileSync(join(context, 'hostname'), 'legacy\n')
    writeFileSync(join(context, 'resolv.conf'), 'nameserver 192.0.2.1\n')
    const legacyTag = 'bake-legacy/reference:1'
    made.add(legacyTag)
    sh('docker', ['build', '-q', '-t', legacyTag, context], { env: { DOCKER_BUILDKIT: '0' } })
    const { run: result, ours } = await publishDebian({ context, buildkit: 'false', 'build-info': 'false' })
    expect(result.stdout).toContain('docker build (legacy builder), docker export of metal-image-build/')
    expect(sh('tar', ['-xOf', ours, 'etc/hosts'])).toBe('127.0.0.1 legacy\n')
    expect(sh('tar', ['-xOf', ours, 'etc/hostname'])).toBe('legacy\n')
    expect(sh('tar', ['-xOf', ours, 'etc/resolv.conf'])).toBe('nameserver 192.0.2.1\n')
    const entries = await expectSameEntries(ours, containerExport(legacyTag, join(refs, 'legacy.tar')), {
      buildInfo: false,
      containerReference: true,
    })
    expect(entries.has('.dockerenv')).toBe(false)
    expect(entries.has('etc/issue.net')).toBe(false)
    expect(sh('docker', ['images', '-q', '--filter', 'reference=metal-image-build/*']).trim()).toBe('')
  })

  test('image with ONBUILD instructions: a container is exported instead, and the log says what differs', async () => {
    const context = mkdtempSync(join(tmpdir(), 'bake-onbuild-'))
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM bake-base/debian:bookworm\nONBUILD RUN touch /onbuild-ran\n',
    )
    const tag = 'bake-onbuild/image:1'
    made.add(tag)
    sh('docker', ['build', '-q', '-t', tag, context], { env: { DOCKER_BUILDKIT: '0' } })
    const before = exportContainers()
    const { run: result, ours } = await publishDebian({ image: tag, 'build-info': 'false' })
    expect(result.stdout).toMatch(
      /::warning::Exporting a container of bake-onbuild\/image:1, not the image itself \(it has ONBUILD instructions, which a build FROM it would run\)/,
    )
    expect(result.stdout).toContain('Rootfs from docker create + export from the Engine API')
    const entries = await expectSameEntries(ours, containerExport(tag, join(refs, 'onbuild.tar')), {
      buildInfo: false,
    })
    expect(entries.has('onbuild-ran')).toBe(false)
    expect(exportContainers()).toEqual(before)
  })

  describe('bad input: a clear error naming the input, exit code 1, nothing in the destination', () => {
    let dest: string
    let refusing: Server
    let badHcl: string
    let untagged: string

    beforeAll(async () => {
      dest = mkdtempSync(join(tmpdir(), 'bake-kept-'))
      refusing = await refusingRegistry()
      const dir = mkdtempSync(join(tmpdir(), 'bake-files-'))
      badHcl = join(dir, 'bad.hcl')
      writeFileSync(badHcl, 'target "debian" {\n  args = { A = \n}\n')
      untagged = join(dir, 'untagged.hcl')
      writeFileSync(
        untagged,
        'target "untagged" {\n  dockerfile = "./firewall/Dockerfile"\n  contexts = { baseapp = "docker-image://bake-base/debian:bookworm", ctx = "./firewall/context" }\n}\n',
      )
    })
    afterAll(() => new Promise<void>((ok) => refusing.close(() => ok())))

    const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'warn' }
    const debian = {
      OS_NAME: 'debian',
      SEMVER_MAJOR_MINOR: '12',
      SEMVER_PATCH: '-stable',
      FIXTURE_TOKEN: TOKEN,
    }
    const port = (): number => (refusing.address() as AddressInfo).port

    const cases: [string, () => Record<string, string>, RegExp, Record<string, string>?][] = [
      [
        'an unknown target',
        () => ({ targets: 'nosuch' }),
        /input "targets" = "nosuch": no such target in docker-bake.hcl/,
      ],
      [
        "a bake file that does not parse (bake's own message)",
        () => ({ targets: 'debian', 'bake-files': badHcl }),
        /input "bake-files" = ".*bad.hcl": docker buildx bake cannot read them:.*bad.hcl:2,\d+-\d+,\d+: Invalid expression/s,
      ],
      [
        'a set line naming no target',
        () => ({ targets: 'debian', set: 'nope.output+=type=registry' }),
        /input "set" = "nope.output\+=type=registry": names no target of the bake files/,
      ],
      [
        'a missing secret file',
        () => ({ targets: 'debian', 'secret-files': 'fixture_token=/nonexistent/token' }),
        /input "secret-files" = "fixture_token=\/nonexistent\/token": secret "fixture_token": no readable file/,
      ],
      [
        "an empty variable for the bake file's secret (a repository secret missing on a fork's pull request)",
        () => ({ targets: 'debian' }),
        /input "targets" = "debian": the bake file's secret of target debian: secret "fixture_token": the environment variable FIXTURE_TOKEN is empty/,
        { ...debian, FIXTURE_TOKEN: '' },
      ],
      [
        'an unknown builder',
        () => ({ targets: 'debian', builder: 'bake-no-such-builder' }),
        /input "builder" = "bake-no-such-builder": docker buildx cannot use it: no builder "bake-no-such-builder" found/,
      ],
      [
        'attestations, which the docker driver cannot make',
        () => ({ targets: 'debian', provenance: 'mode=max' }),
        /input "provenance" = "type=provenance,mode=max": attestations, which the builder \(the current one\) cannot make: its docker driver has no attestations/,
      ],
      [
        'a registry that refuses the push',
        () => ({ targets: 'debian', push: 'true', tags: `127.0.0.1:${port()}/bake-fixture/refused:1` }),
        /input "push" = "true": pushing the image to 127.0.0.1:\d+\/bake-fixture\/refused:1 failed: no basic auth credentials\. Nothing was published/,
      ],
      [
        'a registry that is not reachable (a closed port)',
        () => ({ targets: 'debian', set: METAL_IMAGES_SET, tags: '127.0.0.1:1/bake-fixture/unreachable:1' }),
        /input "set" = "_common.output\+=type=registry": pushing the image to 127.0.0.1:1\/bake-fixture\/unreachable:1 failed: .*connection refused/,
      ],
      [
        'push: true, and the bake target has no tags',
        () => ({ targets: 'untagged', 'bake-files': untagged, push: 'true' }),
        /input "tags": the push \(push: true\) needs a name: the bake target untagged has no tags; give tags/,
      ],
      [
        'push: true without tags on a plain build',
        () => ({ push: 'true' }),
        /input "tags": push: true needs at least one tag/,
      ],
    ]

    test.each(cases)('%s', async (_name, inputs, message, env) => {
      const before = snapshot(dest)
      const fixtureBefore = snapshot(work)
      const given = inputs()
      for (const tag of (given.tags ?? '').split(',').filter(Boolean)) made.add(tag)
      const { run: result, seen } = await run({ ...OS, destination: dest, ...given }, env ?? debian)
      expect(result.code, result.stdout).toBe(1)
      const errors = errorLines(result).join('\n').replaceAll('%0A', '\n')
      expect(errors).toMatch(message)
      expect(snapshot(dest)).toEqual(before)
      expect(snapshot(work)).toEqual(fixtureBefore)
      expect(result.outputs).toEqual({})
      expect(seen).toEqual([])
      expect(result.stdout + result.stderr).not.toContain(TOKEN)
    })
  })
})
