import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { createReadStream, existsSync } from 'node:fs'
import { extractArchive } from '../../src/verify/archiver.ts'
import { decodeFirstFrame } from '../../src/verify/lz4-decode.ts'
import { ByteReader } from '../../src/verify/reader.ts'
import { requireTool } from '../helpers/env.ts'
import { sourceRunner, type Run } from '../helpers/runner.ts'

/**
 * metal-images' image families, published as its workflow publishes them, for a push to master and for a
 * pull request: the tree of object names must be the one metal-images' scripts make, with the same md5
 * format and packages.txt bytes. The rootfs tars are small (a package database and os-release): the
 * contract is not what this is about.
 */

const ready =
  requireTool('tar', 'apt-get install tar') &&
  requireTool('dpkg-query', 'apt-get install dpkg') &&
  requireTool('rpm', 'apt-get install rpm') &&
  requireTool('rpmbuild', 'apt-get install rpm')

/** metal-images' families: bake target -> OS_NAME and SEMVER_MAJOR_MINOR (docker.yaml, docker-bake.hcl). */
const FAMILIES = [
  { target: 'debian', os: 'debian', version: '13', db: 'dpkg', id: /^debian-13\.0\.\d{8}$/ },
  { target: 'ubuntu', os: 'ubuntu', version: '26.04', db: 'dpkg', id: /^ubuntu-26\.4\.\d{8}$/ },
  {
    target: 'ubuntu-firewall',
    os: 'firewall',
    version: '3.0-ubuntu',
    db: 'dpkg',
    id: /^firewall-ubuntu-3\.0\.\d{8}$/,
  },
  {
    target: 'ubuntu-capms',
    os: 'capms-ubuntu',
    version: '1.32.9',
    db: 'dpkg',
    id: /^capms-ubuntu-1\.32\.9$/,
  },
  { target: 'almalinux', os: 'almalinux', version: '10', db: 'rpm', id: /^almalinux-10\.0\.\d{8}$/ },
] as const

/**
 * What metal-images' scripts put into the bucket, written out from their rules:
 *   prepare.sh:   pull request: OUTPUT_FOLDER="/${PULL_REQUEST_NUMBER}-${GITHUB_HEAD_REF##*\/}"
 *                 push to master: OUTPUT_FOLDER="/stable"
 *   bake output:  ./images${OUTPUT_FOLDER}/${OS_NAME}/${SEMVER_MAJOR_MINOR}/img.tar
 *   export.sh:    packages.txt, lz4 -f -9 img.tar img.tar.lz4, rm -f img.tar, md5sum img.tar.lz4 > img.tar.lz4.md5
 *   docker.yaml:  pull request: GCS_DEST=gs://$GCS_BUCKET/metal-os/pull_requests/; push: gs://$GCS_BUCKET/metal-os
 *                 cd images && gsutil -m cp -r . "${GCS_DEST}"
 */
function metalImagesObjects(
  event: 'push' | 'pull_request',
  pr: { number: number; headRef: string },
): string[] {
  const outputFolder =
    event === 'pull_request'
      ? `/${pr.number}-${pr.headRef.slice(pr.headRef.lastIndexOf('/') + 1)}`
      : '/stable'
  const gcsDest = event === 'pull_request' ? 'metal-os/pull_requests' : 'metal-os'
  return FAMILIES.flatMap((f) =>
    ['img.tar.lz4', 'img.tar.lz4.md5', 'packages.txt'].map(
      (file) => `${gcsDest}${outputFolder}/${f.os}/${f.version}/${file}`,
    ),
  ).sort()
}

/** Every file under `dir`, as object names relative to it. */
function objects(dir: string): string[] {
  const out: string[] = []
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name)
      if (statSync(path).isDirectory()) walk(path)
      else out.push(relative(dir, path))
    }
  }
  walk(dir)
  return out.sort()
}

/**
 * The published image, read as metal-hammer reads it: pierrec/lz4's first frame, then archiver v2.1.0's tar
 * rules (src/verify, the extractor of the image test), into a root whose /dev is a bind mount of a scratch
 * folder, as metal-hammer binds its live /dev before extracting. Mounting needs root; elsewhere the
 * extraction runs without the bind.
 */
async function extractAsHammer(image: string, root: string): Promise<void> {
  const dev = `${root}-dev`
  mkdirSync(join(root, 'dev'), { recursive: true })
  mkdirSync(dev, { recursive: true })
  const bound =
    process.getuid?.() === 0 && spawnSync('mount', ['--bind', dev, join(root, 'dev')]).status === 0
  try {
    const facts = await extractArchive(decodeFirstFrame(new ByteReader(createReadStream(image))), { root })
    expect(facts.end).toBe('end-of-archive')
    expect(facts.outside).toBe(0)
    expect(existsSync(join(root, 'etc/os-release'))).toBe(true)
  } finally {
    if (bound) spawnSync('umount', [join(root, 'dev')])
  }
  expect(readdirSync(dev)).toEqual([])
}

describe.skipIf(!ready)("metal-images' families, published as its workflow does", () => {
  const work = mkdtempSync(join(tmpdir(), 'metal-image-families-'))
  const rootfs = new Map<string, { tar: string; packages: Buffer }>()

  /** A Debian-style rootfs with a dpkg database; packages.txt must be what `dpkg -l` prints for it. */
  function dpkgRootfs(name: string): { tar: string; packages: Buffer } {
    const root = join(work, name)
    mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true })
    mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true })
    mkdirSync(join(root, 'etc'), { recursive: true })
    const status = ['base-files', 'dpkg', 'frr', 'lldpd', `${name}-marker`]
      .map(
        (pkg, i) =>
          `Package: ${pkg}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.${i}-1\nDescription: ${pkg} for ${name}\n`,
      )
      .join('\n')
    writeFileSync(join(root, 'var/lib/dpkg/status'), status)
    writeFileSync(join(root, 'etc/os-release'), `ID=${name.split('-')[0]}\nVERSION_ID="1"\n`)
    const tar = `${root}.tar`
    execFileSync('tar', ['-C', root, '-cf', tar, 'etc', 'var'])
    const listed = spawnSync('dpkg-query', [`--admindir=${join(root, 'var/lib/dpkg')}`, '-l'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    })
    expect(listed.status, listed.stderr.toString()).toBe(0)
    return { tar, packages: listed.stdout }
  }

  /** An AlmaLinux-style rootfs with an rpm database made by rpm; packages.txt must be what `rpm -qa` prints. */
  function rpmRootfs(name: string): { tar: string; packages: Buffer } {
    const root = join(work, name)
    const top = join(work, 'rpmbuild')
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work }
    mkdirSync(join(top, 'SPECS'), { recursive: true })
    writeFileSync(
      join(top, 'SPECS/marker.spec'),
      'Name: alma-marker\nVersion: 1.0\nRelease: 1\nSummary: x\nLicense: MIT\nBuildArch: noarch\n%description\nx\n%files\n',
    )
    execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '-bb', join(top, 'SPECS/marker.spec')], {
      env,
      stdio: 'ignore',
    })
    const rpmFile = join(top, 'RPMS/noarch/alma-marker-1.0-1.noarch.rpm')
    const rpm = (...args: string[]) =>
      execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { env })
    mkdirSync(join(root, 'etc'), { recursive: true })
    rpm('--initdb')
    rpm('-i', '--justdb', '--nodeps', '--nosignature', rpmFile)
    writeFileSync(join(root, 'etc/os-release'), 'ID="almalinux"\nVERSION_ID="10.0"\n')
    const tar = `${root}.tar`
    execFileSync('tar', ['-C', root, '-cf', tar, 'etc', 'var'])
    return { tar, packages: rpm('-qa') }
  }

  beforeAll(() => {
    for (const f of FAMILIES)
      rootfs.set(f.target, f.db === 'rpm' ? rpmRootfs(f.target) : dpkgRootfs(f.target))
  })

  test.each([
    ['push', { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/master' }],
    [
      'pull_request',
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF: 'refs/pull/352/merge',
        GITHUB_HEAD_REF: 'feature/capi-images',
      },
    ],
  ] as const)(
    '%s: the same object names, md5 files and packages.txt as metal-images',
    async (event, vars) => {
      const payload = join(work, `${event}.json`)
      writeFileSync(
        payload,
        JSON.stringify(
          event === 'pull_request'
            ? {
                number: 352,
                pull_request: { number: 352, head: { ref: 'feature/capi-images' } },
                repository: { default_branch: 'master' },
              }
            : { ref: 'refs/heads/master', repository: { default_branch: 'master' } },
        ),
      )
      const bucket = join(work, `bucket-${event}`)
      // One destination for every event: the channel (stable, pull_requests/<n>-<branch>) comes from the run,
      // as prepare.sh and the gsutil destination make it. Everything beyond metal-images' three files is off.
      const destination = join(bucket, 'metal-os')
      const run = sourceRunner()
      const runs: Run[] = []
      for (const f of FAMILIES) {
        const result = await run(
          {
            rootfs: rootfs.get(f.target)!.tar,
            'os-name': f.os,
            'os-version': f.version,
            destination,
            sbom: 'false',
            'contract-json': 'false',
            'versions-json': 'false',
            'build-info': 'false',
            contract: 'off',
            'compression-level': '1',
          },
          { env: { ...vars, GITHUB_EVENT_PATH: payload } },
        )
        expect(result.code, result.errors.join('\n')).toBe(0)
        expect(result.outputs['image-id']).toMatch(f.id)
        runs.push(result)
      }
      expect(objects(bucket)).toEqual(
        metalImagesObjects(event, { number: 352, headRef: 'feature/capi-images' }),
      )
      for (const [i, f] of FAMILIES.entries()) {
        const folder = join(
          bucket,
          runs[i]!.outputs.url!.replace(/^file:\/\//, '').slice(bucket.length + 1, -'/img.tar.lz4'.length),
        )
        const image = readFileSync(join(folder, 'img.tar.lz4'))
        // md5sum's own line, run in the folder as export.sh does.
        expect(readFileSync(join(folder, 'img.tar.lz4.md5'), 'utf8')).toBe(
          execFileSync('md5sum', ['img.tar.lz4'], { cwd: folder, encoding: 'utf8' }),
        )
        expect(readFileSync(join(folder, 'img.tar.lz4.md5'), 'utf8')).toBe(
          `${createHash('md5').update(image).digest('hex')}  img.tar.lz4\n`,
        )
        expect(readFileSync(join(folder, 'packages.txt')).equals(rootfs.get(f.target)!.packages)).toBe(true)
        await extractAsHammer(join(folder, 'img.tar.lz4'), join(work, `extracted-${event}-${f.target}`))
      }
    },
  )
})
