import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, test } from 'vitest'
import { formatContractJson, type ContractPackages } from '../../src/rootfs/contract/checks.ts'
import { parseDpkgStatus } from '../../src/packages/dpkg/parse.ts'
import { dockerAvailable } from '../helpers/env.ts'
import {
  type Entry,
  V,
  buildTar,
  cloudInit,
  file,
  keys,
  readContract,
  summary,
  symlink,
} from './contract-tars.ts'

// ---------------------------------------------------------------------------------------------------------
// A real Debian rootfs: docker export of debian:bookworm, streamed straight into the checker.

const haveDocker = dockerAvailable()
const root = resolve(import.meta.dirname, '..', '..')
const IMAGE = 'debian:bookworm'

async function exportImage<T>(read: (stream: Readable) => Promise<T>): Promise<T> {
  const created = spawnSync('docker', ['create', IMAGE, '/bin/true'], { encoding: 'utf8' })
  if (created.status !== 0) throw new Error(`docker create ${IMAGE}: ${created.stderr}`)
  const container = created.stdout.trim()
  try {
    const child = spawn('docker', ['export', container], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const result = await read(child.stdout)
    const code = await exited
    if (code !== 0) throw new Error(`docker export exited with ${code}: ${stderr}`)
    return result
  } finally {
    spawnSync('docker', ['rm', '-f', container], { stdio: 'ignore' })
  }
}

const isDpkgStatus = (path: string) => path === 'var/lib/dpkg/status'

function installedPackages(status: Buffer | undefined): ContractPackages {
  expect(status).toBeDefined()
  const pkgs = parseDpkgStatus(status!).filter((p) => p.status === 'installed')
  return { names: new Set(pkgs.map((p) => p.name)) }
}

describe.skipIf(!haveDocker)(`contract check of a real ${IMAGE} rootfs`, () => {
  // Pulled, or made with debootstrap where no registry is reachable: the same base image e2e builds FROM.
  beforeAll(
    () => void execFileSync('bash', [join(root, 'scripts/base-image.sh'), IMAGE], { stdio: 'inherit' }),
  )

  test('reports exactly what the image lacks', async () => {
    const { checker, captured, entries } = await exportImage((stream) => readContract([stream], isDpkgStatus))
    const packages = installedPackages(captured.get('var/lib/dpkg/status'))
    expect(packages.names.has('bash')).toBe(true)
    expect(entries).toBeGreaterThan(5000)
    const findings = checker.finish(packages)
    // A container base image: device nodes in /dev (docker export adds /dev/console) that would land on
    // the installer's live /dev, no kernel, no installer, none of metal-stack's daemons, and docker
    // export's /.dockerenv. No machine id, no host keys (no openssh-server), nothing world-writable
    // outside /tmp, and nothing else extraction would trip over.
    expect(summary(findings)).toEqual([
      ['live-dev', 'warning', '/dev/console'],
      ['kexec-kernel', 'error', '/boot'],
      ['installer', 'warning', '/install.sh'],
      ['package-frr', 'warning', undefined],
      ['package-lldp', 'warning', undefined],
      ['package-ignition-or-cloud-init', 'warning', undefined],
      ['dockerenv', 'warning', '/.dockerenv'],
    ])
    expect(findings[1]!.message).toMatch(/^no kernel: \/boot has no vmlinuz-<version>/)
    expect(formatContractJson(findings, 'error').document.failed).toBe(true)
    expect(checker.recordedEntries).toBeLessThan(entries / 4)
  })

  test('with the metal pieces added after its entries, only the leftovers are reported', async () => {
    const extra: Entry[] = [
      [`boot/vmlinuz-${V}`, file('kernel')],
      [`boot/initrd.img-${V}`, file('initrd')],
      [`boot/System.map-${V}`, file('map')],
      ['vmlinuz', symlink(`boot/vmlinuz-${V}`)],
      ['install.sh', file('#!/bin/bash\n', 0o755)],
      ['usr/lib/frr/zebra', file('ELF', 0o755)],
      ['usr/local/bin/lldpd', file('ELF', 0o755)],
      ['etc/systemd/system/lldpd.service', file('[Service]\n')],
      ['usr/local/bin/ignition', file('ELF', 0o755)],
      ...keys,
      cloudInit,
    ]
    // The extra entries come as a second tar read into the same checker: as if the export went on.
    const more = Readable.from([await buildTar(extra)])
    const { checker, captured } = await exportImage((stream) => readContract([stream, more], isDpkgStatus))
    const findings = checker.finish(installedPackages(captured.get('var/lib/dpkg/status')))
    expect(summary(findings)).toEqual([
      ['live-dev', 'warning', '/dev/console'],
      ['dockerenv', 'warning', '/.dockerenv'],
      ['ssh-host-keys', 'warning', '/etc/ssh/ssh_host_rsa_key'],
    ])
  })
})
