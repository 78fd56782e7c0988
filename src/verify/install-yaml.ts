import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { parse } from 'yaml'

/**
 * /etc/metal/install.yaml as metal-hammer writes it before it runs the installer (api.InstallerConfig,
 * marshalled by gopkg.in/yaml.v3 with its 4-space indent), for a machine of a private network with one
 * NIC. The console is ttyS0, the first serial port, which the test's VM has (metal-hammer's own default
 * when its kernel command line names none).
 */
export interface MachineFacts {
  hostname: string
  machineUuid: string
  /** The UUID of the root file system, which the test's disk gets (mke2fs -U). */
  rootUuid: string
  /** The console password, which the installer gives the "metal" user. */
  password: string
  console: string
  sshPublicKey: string
  /** The MAC of the machine's NIC, which the VM's NIC gets. */
  mac: string
}

export function newMachine(hostname = 'metal-test'): MachineFacts {
  return {
    hostname,
    machineUuid: `00000000-0000-0000-0000-${randomBytes(6).toString('hex')}`,
    rootUuid: randomUUID(),
    password: randomBytes(12).toString('base64').slice(0, 16),
    console: 'ttyS0,115200n8',
    sshPublicKey: `${sshEd25519()} metal-image-action-test`,
    mac: '00:03:00:11:11:01',
  }
}

export function installYaml(m: MachineFacts, now: Date): string {
  return `hostname: ${m.hostname}
networks:
    - asn: 4200003073
      destinationprefixes: []
      ips:
        - 10.0.16.2
      nat: false
      networkid: bc830818-2df1-4904-8c40-4322296d393d
      networktype: privateprimaryunshared
      prefixes:
        - 10.0.16.0/22
      private: true
      underlay: false
      vrf: 3981
machineuuid: ${m.machineUuid}
sshpublickey: ${m.sshPublicKey}
password: ${m.password}
console: ${m.console}
timestamp: "${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}"
nics:
    - identifier: ""
      mac: "${m.mac}"
      name: lan0
      neighbors:
        - identifier: ""
          mac: 44:38:39:00:00:1a
          name: null
          neighbors: []
vpn: null
role: machine
raidenabled: false
root_uuid: ${m.rootUuid}
firewall_rules: null
dns_servers:
    - ip: 8.8.4.4
ntp_servers:
    - address: 1.pool.ntp.org
`
}

/**
 * The facts the test needs from an install.yaml the user gives (input test-install-yaml); what it does
 * not say comes from `fallback`. Throws when it is not a YAML mapping.
 */
export function machineFromYaml(text: string, fallback: MachineFacts): MachineFacts {
  const doc: unknown = parse(text)
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error('is not a YAML mapping (metal-hammer writes api.InstallerConfig)')
  const y = doc as Record<string, unknown>
  const str = (key: string, dflt: string): string =>
    typeof y[key] === 'string' && y[key] !== '' ? (y[key] as string) : dflt
  const nics = Array.isArray(y.nics) ? (y.nics as { mac?: unknown }[]) : []
  const mac = typeof nics[0]?.mac === 'string' ? nics[0].mac : fallback.mac
  return {
    hostname: str('hostname', fallback.hostname),
    machineUuid: str('machineuuid', fallback.machineUuid),
    rootUuid: str('root_uuid', fallback.rootUuid),
    password: str('password', fallback.password),
    console: str('console', fallback.console),
    sshPublicKey: str('sshpublickey', fallback.sshPublicKey),
    mac: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) ? mac : fallback.mac,
  }
}

/** A fresh ed25519 public key in OpenSSH's one-line form (the private half is not kept). */
function sshEd25519(): string {
  const { publicKey } = generateKeyPairSync('ed25519')
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')}`
}
