import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { snapshot } from '../helpers/tree.ts'
import { errorLines, installAction, runAction, type ActionRun } from '../helpers/action.ts'
import { dockerAvailable, requireTool, sh } from '../helpers/env.ts'
import { parseFrame } from '../helpers/frame.ts'
import { gnuTarNames, tarEntries, withoutContainerArtifacts } from '../helpers/tar.ts'

const root = resolve(import.meta.dirname, '..', '..')
const fixture = join(root, '__tests__/fixtures/hello')
const ready =
  dockerAvailable() && requireTool('lz4', 'apt-get install lz4') && requireTool('md5sum', 'coreutils')
const LEGACY_TAG = 'metal-image-test/hello:legacy'
const BUILDKIT_TAG = 'metal-image-test/hello:buildkit'
const today = new Date().toISOString().slice(0, 10).replaceAll('-', '')
// The test images have no kernel (contract: warn) and are compared byte for byte with their reference
// export (no build info); the bundled example is published with every default further down.
const OS = { 'os-name': 'debian', 'os-version': '12', contract: 'warn', 'build-info': 'false' }
const example = join(root, 'examples/debian')

/** A docker client that can stream BuildKit's tar exporter: buildx, or a classic client older than 23. */
function buildkitClient(): string | undefined {
  if (spawnSync('docker', ['buildx', 'version']).status === 0) return 'docker'
  for (const candidate of ['/usr/bin/docker', '/usr/local/bin/docker']) {
    const v = spawnSync(candidate, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' })
    if (v.status === 0 && Number.parseInt(v.stdout, 10) < 23) return candidate
  }
  if (process.env.CI === 'true')
    throw new Error('CI=true but no docker client with BuildKit (buildx, or docker.io 20.10)')
  return undefined
}

function exportImage(tag: string, to: string): string {
  const container = sh('docker', ['create', tag, '/x']).trim()
  try {
    execFileSync('sh', ['-c', `docker export ${container} > '${to}'`])
  } finally {
    sh('docker', ['rm', '-f', container])
  }
  return to
}

/**
 * What every published image must satisfy: the three files, md5sum -c, exactly one LZ4 frame that lz4
 * decodes, outputs that agree with the files, and packages.txt equal to dpkg -l run in the image.
 * Returns the decoded rootfs tar.
 */
function checkPublished(run: ActionRun, dest: string, image: string): string {
  expect(run.code, run.stdout + run.stderr).toBe(0)
  const dir = join(dest, 'debian', '12')
  expect(readdirSync(dir).sort()).toEqual([
    'contract.json',
    'img.tar.lz4',
    'img.tar.lz4.md5',
    'packages.txt',
    'sbom.cdx.json',
    'versions.json',
  ])
  expect(sh('md5sum', ['-c', 'img.tar.lz4.md5'], { cwd: dir })).toBe('img.tar.lz4: OK\n')
  const md5File = readFileSync(join(dir, 'img.tar.lz4.md5'), 'utf8')
  expect(md5File).toMatch(/^[0-9a-f]{32} {2}img\.tar\.lz4\n$/)

  const lz4 = readFileSync(join(dir, 'img.tar.lz4'))
  expect(parseFrame(lz4).trailing).toBe(0)
  const decoded = join(mkdtempSync(join(tmpdir(), 'metal-image-decoded-')), 'rootfs.tar')
  execFileSync('lz4', ['-d', '-q', join(dir, 'img.tar.lz4'), decoded])

  const dpkgList = sh('docker', ['run', '--rm', image, 'dpkg', '-l'])
  expect(readFileSync(join(dir, 'packages.txt'), 'utf8')).toBe(dpkgList)
  const listed = dpkgList
    .split('\n')
    .slice(5)
    .filter((l) => l !== '').length

  expect(run.outputs).toEqual({
    'image-id': `debian-12.0.${today}`,
    version: `12.0.${today}`,
    semver: `12.0.${today}`,
    previous: '',
    'release-tag': expect.stringMatching(/^\d{8}$/),
    channel: '',
    url: `file://${dir}/img.tar.lz4`,
    md5: md5File.slice(0, 32),
    size: String(lz4.length),
    'rootfs-size': String(statSync(decoded).size),
    packages: String(listed),
    sha256: '',
    sha512: '',
    contract: expect.stringMatching(/^\{"mode":"warn","passed":false,.*"id":"kexec-kernel"/),
    digest: '',
    tags: '',
    'test-result': '',
    'artifact-id': '',
    'artifact-url': '',
    metadata: expect.any(String),
  })
  const { metadata, ...others } = run.outputs
  expect(JSON.parse(metadata!)).toEqual(others)
  expect(JSON.parse(readFileSync(join(dir, 'contract.json'), 'utf8'))).toEqual(
    JSON.parse(run.outputs.contract!),
  )
  expect(run.summary).toContain(`debian-12.0.${today}`)
  // The time of each stage, in the summary's table.
  for (const stage of [
    'stream: export, inspect, compress, hash, write',
    'packages.txt, SBOM, contract',
    'publish',
  ])
    expect(run.summary).toMatch(new RegExp(`<td>${stage}</td><td>[0-9.]+ s</td>`))
  expect(run.stdout).toMatch(/::group::/)
  return decoded
}

async function expectSameRootfs(
  ours: string,
  reference: string,
  ignoreContainerFiles = false,
): Promise<void> {
  const clean = ignoreContainerFiles
    ? withoutContainerArtifacts
    : (m: Awaited<ReturnType<typeof tarEntries>>) => m
  const [a, b] = await Promise.all([tarEntries(ours), tarEntries(reference)])
  const [ca, cb] = [clean(a), clean(b)]
  expect([...ca.keys()].sort()).toEqual([...cb.keys()].sort())
  for (const [name, facts] of cb) expect(ca.get(name), name).toEqual(facts)
  // GNU tar reads our archive as the same list of entries.
  const names = (p: string) => new Set(gnuTarNames(p).filter((n) => ca.has(n)))
  expect(names(ours)).toEqual(names(reference))
  expect(ca.get('usr/bin/hello')?.size).toBeGreaterThan(0)
}

describe.skipIf(!ready)('the bundled action against the Docker engine', () => {
  let action: string
  let work: string
  let reference: string
  const bk = ready ? buildkitClient() : undefined

  beforeAll(() => {
    sh('bash', [join(root, 'scripts/base-image.sh'), 'debian:bookworm'])
    action = installAction()
    work = mkdtempSync(join(tmpdir(), 'metal-image-e2e-'))
    sh('docker', ['build', '-q', '-t', LEGACY_TAG, fixture], { env: { DOCKER_BUILDKIT: '0' } })
    reference = exportImage(LEGACY_TAG, join(work, 'reference.tar'))
  })

  test("image: the image's own filesystem through BuildKit, no container", async () => {
    const dest = join(work, 'from-image')
    const before = sh('docker', ['ps', '-aq']).trim()
    const run = await runAction(action, {
      image: LEGACY_TAG,
      ...OS,
      destination: dest,
    })
    expect(run.stdout).toContain(
      `docker export of ${LEGACY_TAG}, docker's init layer put right from the image (the image's own filesystem)`,
    )
    const decoded = checkPublished(run, dest, LEGACY_TAG)
    // The container's export differs by the files docker makes for a container (e2e/bake.itg.test.ts
    // checks their bytes); everything else is the same.
    await expectSameRootfs(decoded, reference, true)
    expect((await tarEntries(decoded)).has('.dockerenv')).toBe(false)
    expect(sh('docker', ['ps', '-aq']).trim()).toBe(before)
  })

  test("image when a docker context is in use: that context's own builder reads the image", async () => {
    const context = `metal-image-test-${process.pid}`
    sh('docker', ['context', 'create', context, '--docker', 'host=unix:///var/run/docker.sock'])
    try {
      const dest = join(work, 'from-image-cli')
      const before = sh('docker', ['ps', '-aq']).trim()
      const run = await runAction(
        action,
        { image: LEGACY_TAG, ...OS, destination: dest },
        { env: { DOCKER_CONTEXT: context } },
      )
      expect(run.stdout).toContain(`docker buildx build --builder ${context} --platform linux/amd64`)
      const decoded = checkPublished(run, dest, LEGACY_TAG)
      await expectSameRootfs(decoded, reference, true)
      expect(sh('docker', ['ps', '-aq']).trim()).toBe(before)
    } finally {
      sh('docker', ['context', 'rm', '-f', context])
    }
  })

  test('rootfs: compresses an existing tar to exactly the same bytes', async () => {
    const dest = join(work, 'from-rootfs')
    const run = await runAction(action, {
      rootfs: reference,
      ...OS,
      destination: dest,
    })
    const decoded = checkPublished(run, dest, LEGACY_TAG)
    expect(readFileSync(decoded).equals(readFileSync(reference))).toBe(true)
  })

  test("build with the legacy builder: build, then the image's filesystem; no container left", async () => {
    const dest = join(work, 'from-legacy-build')
    const before = sh('docker', ['ps', '-aq']).trim()
    const run = await runAction(action, {
      context: fixture,
      buildkit: 'false',
      ...OS,
      destination: `file://${dest}`,
    })
    expect(run.stdout).toContain('docker build (legacy builder), docker export of metal-image-build/')
    const decoded = checkPublished(run, dest, LEGACY_TAG)
    await expectSameRootfs(decoded, reference, true)
    expect(sh('docker', ['ps', '-aq']).trim()).toBe(before)
  })

  test.skipIf(!bk)(
    'build with BuildKit: the image (docker driver) or the tar exporter (classic client)',
    async () => {
      const client = bk!
      sh(client, ['build', '-q', '-t', BUILDKIT_TAG, fixture], { env: { DOCKER_BUILDKIT: '1' } })
      const bkReference = exportImage(BUILDKIT_TAG, join(work, 'reference-buildkit.tar'))
      const dest = join(work, 'from-buildkit')
      const run = await runAction(
        action,
        { context: fixture, buildkit: 'true', ...OS, destination: dest },
        { env: { PATH: `${dirname(client)}:${process.env.PATH}` } },
      )
      // buildx's docker driver commits to the engine's store: the image is named and exported, its name
      // removed again; a classic client streams BuildKit's tar exporter.
      expect(run.stdout).toContain(
        client === 'docker' ? 'docker buildx build, docker export of metal-image-build/' : 'tar exporter',
      )
      const decoded = checkPublished(run, dest, BUILDKIT_TAG)
      // The image's files only; docker export of the reference adds the container's.
      await expectSameRootfs(decoded, bkReference, true)
      expect((await tarEntries(decoded)).has('.dockerenv')).toBe(false)
      expect(sh('docker', ['images', '-q', '--filter', 'reference=metal-image-build/*']).trim()).toBe('')
    },
  )

  test('the bundled example keeps the contract and publishes with every default, plus sha256 and sha512', async () => {
    const dest = join(work, 'example')
    const env = {
      GITHUB_REPOSITORY: 'metal-stack/metal-images',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
    }
    const run = await runAction(
      action,
      {
        context: example,
        'os-name': 'debian',
        'os-version': '12',
        checksums: 'sha256\nsha512',
        destination: dest,
      },
      { env },
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const dir = join(dest, run.outputs.channel!, 'debian/12')
    for (const tool of ['md5sum', 'sha256sum', 'sha512sum']) {
      const alg = tool.replace('sum', '')
      expect(sh(tool, ['-c', `img.tar.lz4.${alg}`], { cwd: dir })).toBe('img.tar.lz4: OK\n')
      if (alg !== 'md5')
        expect(run.outputs[alg]).toBe(
          readFileSync(join(dir, `img.tar.lz4.${alg}`), 'utf8').slice(0, alg === 'sha256' ? 64 : 128),
        )
    }
    // The contract holds: only warnings. Host keys that cloud-init replaces; the device nodes debootstrap put
    // into the base image's /dev (they would land on the installer's live /dev); and docker export's
    // /.dockerenv where the legacy builder exported a container instead of BuildKit writing the image's files.
    const contract = JSON.parse(readFileSync(join(dir, 'contract.json'), 'utf8'))
    expect(contract).toMatchObject({ mode: 'error', passed: true, failed: false, errors: 0 })
    // A container's own files only where the image could not be read as itself (the log warns).
    const exported = run.stdout.includes('Exporting a container of')
    expect([...new Set(contract.findings.map((f: { id: string }) => f.id))].sort()).toEqual(
      exported ? ['dockerenv', 'live-dev', 'ssh-host-keys'] : ['live-dev', 'ssh-host-keys'],
    )
    expect(run.summary).toContain('ssh-host-keys')
    // /etc/metal/build.yaml went into the rootfs: root-owned, 0644, with this run's facts.
    const decoded = join(mkdtempSync(join(tmpdir(), 'metal-image-example-')), 'rootfs.tar')
    execFileSync('lz4', ['-d', '-q', join(dir, 'img.tar.lz4'), decoded])
    const buildYaml = sh('tar', ['-xOf', decoded, 'etc/metal/build.yaml'])
    expect(buildYaml).toContain(`image_id='debian-12.0.${today}'\n`)
    expect(buildYaml).toContain(`commit_sha1='${env.GITHUB_SHA}'\n`)
    expect(buildYaml).toContain("gitrepo='metal-stack/metal-images'\n")
    expect(buildYaml).toContain("commit_ref='main'\n")
    expect(sh('tar', ['--numeric-owner', '-tvf', decoded, 'etc/metal/build.yaml'])).toMatch(
      /^-rw-r--r-- 0\/0 /,
    )
    // The SBOM has one component per installed package (the example has no removed ones).
    const sbom = JSON.parse(readFileSync(join(dir, 'sbom.cdx.json'), 'utf8'))
    expect(sbom.metadata.component).toMatchObject({ name: `debian-12.0.${today}`, type: 'operating-system' })
    expect(sbom.components).toHaveLength(Number(run.outputs.packages))
    expect(sbom.components.find((c: { name: string }) => c.name === 'frr').purl).toMatch(
      /^pkg:deb\/debian\/frr@.*distro=debian-12/,
    )
  })

  describe('bad input: a clear error naming the input, exit code 1, nothing new in the destination', () => {
    let dest: string
    let badContext: string

    beforeAll(async () => {
      dest = join(work, 'kept')
      const good = await runAction(action, {
        rootfs: reference,
        ...OS,
        destination: dest,
      })
      expect(good.code).toBe(0)
      badContext = join(work, 'failing')
      mkdirSync(badContext)
      writeFileSync(
        join(badContext, 'Dockerfile'),
        'FROM debian:bookworm\nRUN echo metal-image-failing-step-output && exit 3\n',
      )
    })

    const notATar = (): string => {
      const path = join(work, 'not-a-tar')
      writeFileSync(path, 'this is not a tar archive\n'.repeat(100))
      return path
    }
    const truncated = (): string => {
      const path = join(work, 'truncated.tar')
      writeFileSync(path, readFileSync(reference).subarray(0, 5_000_000))
      return path
    }
    const gzipped = (): string => {
      const path = join(work, 'rootfs.tar.gz')
      execFileSync('sh', ['-c', `head -c 1000000 '${reference}' | gzip > '${path}'`])
      return path
    }
    const emptyDir = (): string => mkdtempSync(join(work, 'empty-'))
    const fileAsDestination = (): string => {
      const path = join(work, 'a-file')
      writeFileSync(path, '')
      return path
    }

    const cases: [string, () => Record<string, string>, RegExp, Record<string, string>?][] = [
      [
        'a missing context',
        () => ({ context: join(work, 'no-such-dir') }),
        /input "context" = ".*no-such-dir": no such directory/,
      ],
      [
        'a context without a Dockerfile',
        () => ({ context: emptyDir() }),
        /input "file".*no Dockerfile at .*Dockerfile/,
      ],
      [
        'a failing build (legacy builder)',
        () => ({ context: badContext, buildkit: 'false' }),
        /docker build failed \(exit code \d+\) for context .*metal-image-failing-step-output/s,
      ],
      [
        'an unknown image',
        () => ({ image: 'metal-image-test/no-such-image:1' }),
        /input "image" = "metal-image-test\/no-such-image:1": not found locally and could not be pulled/,
      ],
      [
        'a rootfs that is not a tar',
        () => ({ rootfs: notATar() }),
        /input "rootfs" = ".*not-a-tar": not a tar archive/,
      ],
      [
        'a truncated rootfs',
        () => ({ rootfs: truncated() }),
        /input "rootfs" = ".*truncated.tar": the tar archive is truncated/,
      ],
      [
        'a gzip-compressed rootfs',
        () => ({ rootfs: gzipped() }),
        /input "rootfs" = ".*rootfs.tar.gz": is gzip-compressed/,
      ],
      [
        'an invalid os-name',
        () => ({ image: LEGACY_TAG, 'os-name': 'Debian_12' }),
        /input "os-name" = "Debian_12"/,
      ],
      [
        'an invalid os-version',
        () => ({ image: LEGACY_TAG, 'os-version': '12.x' }),
        /input "os-version" = "12.x"/,
      ],
      [
        'an unwritable destination',
        () => ({ image: LEGACY_TAG, destination: fileAsDestination() }),
        /input "destination" = ".*a-file": cannot write/,
      ],
      [
        'an unreachable Docker daemon',
        () => ({ image: LEGACY_TAG }),
        /cannot reach the Docker daemon at unix:\/\/\/nonexistent\/docker.sock, needed for input "image"/,
        { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      ],
    ]

    cases.push([
      'an image that breaks the contract (no kernel), with contract: error (the default)',
      () => ({ image: LEGACY_TAG, contract: '' }),
      /input "contract" = "error": the rootfs breaks metal-hammer's contract, so nothing was published: \[kexec-kernel\] no kernel/,
    ])

    test.each(cases)('%s', async (_name, inputs, message, env) => {
      const before = snapshot(dest)
      const containers = sh('docker', ['ps', '-aq']).trim()
      const run = await runAction(action, { ...OS, destination: dest, ...inputs() }, { env })
      expect(run.code).toBe(1)
      const errors = errorLines(run).join('\n').replaceAll('%0A', '\n')
      expect(errors).toMatch(message)
      expect(snapshot(dest)).toEqual(before)
      expect(run.outputs).toEqual({})
      // Not even a failed build step's container is left behind.
      expect(sh('docker', ['ps', '-aq']).trim()).toBe(containers)
    })

    test('cancelled during the build (SIGINT): exit 1, nothing published', async () => {
      const context = mkdtempSync(join(work, 'slow-'))
      writeFileSync(
        join(context, 'Dockerfile'),
        'FROM debian:bookworm\nRUN echo metal-image-sleeping && sleep 120\n',
      )
      const before = snapshot(dest)
      const started = performance.now()
      const run = await runAction(
        action,
        { context, buildkit: 'false', ...OS, destination: dest },
        { interruptWhen: /metal-image-sleeping/ },
      )
      expect(run.code).toBe(1)
      expect(performance.now() - started).toBeLessThan(60_000)
      expect(errorLines(run).join('\n')).toMatch(/cancelled: nothing was published/)
      expect(snapshot(dest)).toEqual(before)
    })

    test("cancelled during an image's export (SIGINT): exit 1, nothing published, nothing left", async () => {
      const before = snapshot(dest)
      const containers = sh('docker', ['ps', '-aq']).trim().split('\n')
      const run = await runAction(
        action,
        { image: LEGACY_TAG, ...OS, destination: dest },
        { interruptWhen: /Rootfs from docker export of/ },
      )
      expect(run.code).toBe(1)
      expect(errorLines(run).join('\n')).toMatch(/cancelled: nothing was published/)
      expect(snapshot(dest)).toEqual(before)
      // No new container; one an earlier cancelled build left to dockerd may be gone meanwhile.
      const left = sh('docker', ['ps', '-aq']).trim().split('\n').filter(Boolean)
      expect(left.filter((id) => !containers.includes(id))).toEqual([])
    })

    test.skipIf(!bk)('a failing build (BuildKit) shows the failing step', async () => {
      const before = snapshot(dest)
      const run = await runAction(
        action,
        { context: badContext, buildkit: 'true', ...OS, destination: dest },
        { env: { PATH: `${dirname(bk!)}:${process.env.PATH}` } },
      )
      expect(run.code).toBe(1)
      const errors = errorLines(run).join('\n').replaceAll('%0A', '\n')
      expect(errors).toMatch(/docker build failed.*metal-image-failing-step-output/s)
      expect(snapshot(dest)).toEqual(before)
    })
  })
})
