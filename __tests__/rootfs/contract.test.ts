import { existsSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import {
  CONTRACT_CHECKS,
  formatContractJson,
  MAX_LISTED,
  type ContractFinding,
} from '../../src/rootfs/contract/checks.ts'
import { ContractChecker } from '../../src/rootfs/contract/checker.ts'
import { sshDeleteKeysSetting } from '../../src/rootfs/contract/ssh.ts'
import { normalizeTarPath } from '../../src/rootfs/tar.ts'
import {
  type Entry,
  V,
  check,
  cloudInit,
  dir,
  file,
  hardlink,
  keys,
  summary,
  symlink,
} from './contract-tars.ts'
import { EXTRACT_CASES } from './extract-cases.ts'

// ---------------------------------------------------------------------------------------------------------
// A rootfs that keeps the whole contract, laid out as metal-images builds Debian: merged /usr, the kernel
// in /boot with Debian's convenience symlinks in /, go-lldpd and ignition as plain binaries.

const OLD = '6.1.0-27-amd64'

const good: readonly Entry[] = [
  ['./', dir()],
  ['./bin', symlink('usr/bin')],
  ['./lib', symlink('usr/lib')],
  ['./sbin', symlink('usr/sbin')],
  ['./boot/', dir()],
  [`./boot/System.map-${V}`, file('ffffffff81000000 T _text\n')],
  [`./boot/config-${V}`, file('CONFIG_KEXEC=y\n')],
  ['./boot/grub/', dir()],
  [`./boot/initrd.img-${V}`, file('initrd')],
  [`./boot/vmlinuz-${V}`, file('kernel')],
  ['./dev/', dir()],
  ['./etc/', dir()],
  ['./etc/machine-id', file('')],
  ['./etc/ssh/', dir()],
  ['./etc/ssh/sshd_config', file('PermitRootLogin no\n')],
  ['./etc/systemd/system/lldpd.service', file('[Service]\nExecStart=/usr/local/bin/lldpd\n')],
  ['./initrd.img', symlink(`boot/initrd.img-${V}`)],
  ['./install.sh', file('#!/bin/bash\n', 0o755)],
  ['./run/', dir()],
  ['./run/lock/', dir(0o1777)],
  ['./tmp/', dir(0o1777)],
  ['./usr/', dir()],
  ['./usr/bin/', dir()],
  ['./usr/bin/bash', file('ELF', 0o755)],
  ['./usr/bin/sh', symlink('bash')],
  // No entries for usr/lib/ and usr/local/: a tar need not list every directory.
  ['./usr/lib/frr/zebra', file('ELF', 0o755)],
  ['./usr/local/bin/ignition', file('ELF', 0o755)],
  ['./usr/local/bin/lldpd', file('ELF', 0o755)],
  ['./var/', dir()],
  ['./var/run', symlink('/run')],
  ['./var/tmp/', dir(0o1777)],
  ['./var/tmp/cache', file('x', 0o666)],
  ['./vmlinuz', symlink(`boot/vmlinuz-${V}`)],
]

/** /boot/vmlinuz-V -> l1 -> l2 ... -> the kernel file: `links` symlinks to follow. */
function chain(links: number): Entry[] {
  const hops: Entry[] = [[`boot/vmlinuz-${V}`, symlink(links > 1 ? 'l1' : 'kernel')]]
  for (let i = 1; i < links; i++) hops.push([`boot/l${i}`, symlink(i + 1 < links ? `l${i + 1}` : 'kernel')])
  return [...hops, ['boot/kernel', file('kernel')]]
}

interface Case {
  name: string
  /** Entries of `good` to leave out (by normalized path). */
  remove?: string[]
  /** Entries appended after the rest: a later entry for a path replaces the earlier one. */
  add?: Entry[]
  packages?: string[]
  expect: [id: ContractFinding['id'], level: ContractFinding['level'], path?: string][]
  /** Matched against the messages, in order. */
  messages?: RegExp[]
}

const cases: Case[] = [
  // kexec
  {
    name: 'no kernel',
    remove: [`boot/vmlinuz-${V}`],
    expect: [['kexec-kernel', 'error', '/boot']],
    messages: [/no kernel: \/boot has no vmlinuz-<version>/],
  },
  {
    name: 'no /boot at all',
    remove: [
      'boot',
      `boot/System.map-${V}`,
      `boot/config-${V}`,
      'boot/grub',
      `boot/initrd.img-${V}`,
      `boot/vmlinuz-${V}`,
    ],
    expect: [['kexec-kernel', 'error', '/boot']],
    messages: [/\/boot is missing/],
  },
  {
    name: 'two kernels',
    add: [
      [`boot/vmlinuz-${OLD}`, file('kernel')],
      [`boot/initrd.img-${OLD}`, file('initrd')],
      [`boot/System.map-${OLD}`, file('map')],
    ],
    expect: [['kexec-kernel', 'error', '/boot']],
    messages: [new RegExp(`^2 kernels in /boot \\(vmlinuz-${OLD}, vmlinuz-${V}\\)`)],
  },
  {
    name: 'no initrd',
    remove: [`boot/initrd.img-${V}`],
    expect: [['kexec-initrd', 'error', `/boot/initrd.img-${V}`]],
    messages: [/neither \/boot\/initrd\.img-6\.1\.0-28-amd64 nor \/boot\/initramfs-6\.1\.0-28-amd64\.img/],
  },
  {
    name: 'the AlmaLinux initramfs name instead of initrd.img',
    remove: [`boot/initrd.img-${V}`],
    add: [[`boot/initramfs-${V}.img`, file('initrd', 0o600)]],
    expect: [],
  },
  {
    name: 'initrd is a dangling symlink',
    remove: [`boot/initrd.img-${V}`],
    add: [[`boot/initrd.img-${V}`, symlink(`/var/lib/initramfs/initrd.img-${V}`)]],
    expect: [['kexec-initrd', 'error', `/boot/initrd.img-${V}`]],
    messages: [
      /is a symlink to \/var\/lib\/initramfs\/initrd\.img-6\.1\.0-28-amd64, which is not in the image/,
    ],
  },
  {
    name: 'no System.map',
    remove: [`boot/System.map-${V}`],
    expect: [['kexec-system-map', 'error', `/boot/System.map-${V}`]],
  },
  {
    name: 'a System.map left from another kernel',
    add: [[`boot/System.map-${OLD}`, file('map')]],
    expect: [['kexec-system-map', 'error', `/boot/System.map-${OLD}`]],
    messages: [/belongs to no kernel in \/boot; os-installer needs exactly one System\.map/],
  },
  {
    name: 'kernel: relative symlink into /usr/lib/modules',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`usr/lib/modules/${V}/vmlinuz`, file('kernel')],
      [`boot/vmlinuz-${V}`, symlink(`../usr/lib/modules/${V}/vmlinuz`)],
    ],
    expect: [],
  },
  {
    name: 'kernel: absolute symlink through the /lib -> usr/lib symlink',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink(`/lib/modules/${V}/vmlinuz`)],
      [`usr/lib/modules/${V}/vmlinuz`, file('kernel')],
    ],
    expect: [],
  },
  {
    name: 'kernel: a chain of symlinks',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink('../kernel')],
      ['kernel', symlink('/opt/current')],
      ['opt/current', symlink(`kernels/vmlinuz-${V}`)],
      [`opt/kernels/vmlinuz-${V}`, file('kernel')],
    ],
    expect: [],
  },
  {
    name: 'kernel: .. above the root stays at the root, as under chroot',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink(`../../../../../usr/lib/modules/${V}/vmlinuz`)],
      [`usr/lib/modules/${V}/vmlinuz`, file('kernel')],
    ],
    expect: [],
  },
  {
    name: 'kernel: a hard link counts as the file',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`usr/lib/modules/${V}/vmlinuz`, file('kernel')],
      [`boot/vmlinuz-${V}`, hardlink(`usr/lib/modules/${V}/vmlinuz`)],
    ],
    expect: [],
  },
  {
    name: 'kernel: /boot itself is a symlink',
    remove: [
      'boot',
      `boot/System.map-${V}`,
      `boot/config-${V}`,
      'boot/grub',
      `boot/initrd.img-${V}`,
      `boot/vmlinuz-${V}`,
    ],
    add: [
      ['boot', symlink('usr/lib/boot')],
      [`usr/lib/boot/vmlinuz-${V}`, file('kernel')],
      [`usr/lib/boot/initrd.img-${V}`, file('initrd')],
      [`usr/lib/boot/System.map-${V}`, file('map')],
    ],
    expect: [],
  },
  {
    name: 'kernel: dangling symlink',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, symlink(`/usr/lib/modules/${V}/vmlinuz`)]],
    expect: [['kexec-kernel', 'error', `/boot/vmlinuz-${V}`]],
    messages: [/is a symlink to \/usr\/lib\/modules\/6\.1\.0-28-amd64\/vmlinuz, which is not in the image/],
  },
  {
    name: 'kernel: a symlink to a file the host has is still resolved in the image',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, symlink('/etc/passwd')]],
    expect: [['kexec-kernel', 'error', `/boot/vmlinuz-${V}`]],
    messages: [/symlink to \/etc\/passwd, which is not in the image/],
  },
  {
    name: 'kernel: symlink loop',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink('a')],
      ['boot/a', symlink('/boot/b')],
      ['boot/b', symlink(`./vmlinuz-${V}`)],
    ],
    expect: [['kexec-kernel', 'error', `/boot/vmlinuz-${V}`]],
    messages: [/is a symlink loop/],
  },
  {
    name: 'kernel: 40 symlinks in a row resolve, as in Linux (MAXSYMLINKS)',
    remove: [`boot/vmlinuz-${V}`],
    add: chain(40),
    expect: [],
  },
  {
    name: 'kernel: 41 symlinks in a row are a loop, as in Linux',
    remove: [`boot/vmlinuz-${V}`],
    add: chain(41),
    expect: [['kexec-kernel', 'error', `/boot/vmlinuz-${V}`]],
    messages: [/is a symlink loop/],
  },
  {
    // 40 links of 4,000 bytes each resolve in Linux after 80,000 components; the check stops at 4,096
    // and says it did not verify, rather than spending minutes on crafted links (or the stack on one).
    name: 'kernel: a walk longer than the check follows is a warning that it is unverified',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink(`${'./'.repeat(2000)}l1`)],
      ...Array.from({ length: 3 }, (_, i): Entry => [
        `boot/l${i + 1}`,
        symlink(`${'./'.repeat(2000)}l${i + 2}`),
      ]),
      ['boot/l4', file('kernel')],
    ],
    expect: [['kexec-kernel', 'warning', `/boot/vmlinuz-${V}`]],
    messages: [/a path this streaming check does not track: not verified/],
  },
  {
    name: 'kernel: a symlink through a file',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, symlink('/install.sh/vmlinuz')]],
    expect: [['kexec-kernel', 'error', `/boot/vmlinuz-${V}`]],
    messages: [/\/install\.sh is not a directory/],
  },
  {
    // GNU tar would replace the file by a directory; archiver's MkdirAll fails on it.
    name: 'kernel: replaced by a later directory entry',
    add: [[`boot/vmlinuz-${V}/`, dir()]],
    expect: [
      ['path-exists', 'error', `/boot/vmlinuz-${V}`],
      ['kexec-kernel', 'error', `/boot/vmlinuz-${V}`],
    ],
    messages: [/a directory where a regular file is/, /is a directory/],
  },
  {
    // archiver writes the file through the symlink: /boot/nowhere gets the kernel, the symlink stays.
    name: 'kernel: a dangling symlink replaced by a later file',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, symlink('nowhere')],
      [`boot/vmlinuz-${V}`, file('kernel')],
    ],
    expect: [['path-exists', 'warning', `/boot/vmlinuz-${V}`]],
  },
  {
    name: 'kernel: a hard link to a file that comes later',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      [`boot/vmlinuz-${V}`, hardlink(`usr/lib/modules/${V}/vmlinuz`)],
      [`usr/lib/modules/${V}/vmlinuz`, file('kernel')],
    ],
    expect: [
      ['hardlink-target', 'error', `/boot/vmlinuz-${V}`],
      ['kexec-kernel', 'error', `/boot/vmlinuz-${V}`],
    ],
    messages: [
      /hard links? to no file extracted before/,
      /^\/boot\/vmlinuz-6\.1\.0-28-amd64 is a hard link to \/usr\/lib\/modules\/6\.1\.0-28-amd64\/vmlinuz, which comes only later in the archive: os\.Link fails in extraction$/,
    ],
  },
  {
    name: 'kernel: a hard link to a missing file',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, hardlink('boot/kernel')]],
    expect: [
      ['hardlink-target', 'error', `/boot/vmlinuz-${V}`],
      ['kexec-kernel', 'error', `/boot/vmlinuz-${V}`],
    ],
    messages: [/./, /is a hard link to \/boot\/kernel, which is not in the image/],
  },
  {
    name: 'kernel: a hard link to itself',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, hardlink(`./boot/vmlinuz-${V}`)]],
    expect: [
      ['hardlink-target', 'error', `/boot/vmlinuz-${V}`],
      ['kexec-kernel', 'error', `/boot/vmlinuz-${V}`],
    ],
    messages: [/./, /is a hard link to \/boot\/vmlinuz-6\.1\.0-28-amd64, itself/],
  },
  {
    name: 'kernel: a hard link to a directory',
    remove: [`boot/vmlinuz-${V}`],
    add: [[`boot/vmlinuz-${V}`, hardlink('boot/grub')]],
    expect: [
      ['hardlink-target', 'error', `/boot/vmlinuz-${V}`],
      ['kexec-kernel', 'error', `/boot/vmlinuz-${V}`],
    ],
    messages: [/./, /is a hard link to \/boot\/grub, a directory/],
  },
  {
    name: 'initrd and System.map: hard links to files that come later',
    remove: [`boot/initrd.img-${V}`, `boot/System.map-${V}`],
    add: [
      [`boot/initrd.img-${V}`, hardlink('boot/initrd')],
      [`boot/System.map-${V}`, hardlink('boot/map')],
      ['boot/initrd', file('initrd')],
      ['boot/map', file('map')],
    ],
    expect: [
      ['hardlink-target', 'error', `/boot/initrd.img-${V}`],
      ['kexec-initrd', 'error', `/boot/initrd.img-${V}`],
      ['kexec-system-map', 'error', `/boot/System.map-${V}`],
    ],
    messages: [/^2 entries are hard links/, /which comes only later/, /which comes only later/],
  },
  {
    name: 'kernel: a symlink to a path the check does not track is a warning',
    remove: [`boot/vmlinuz-${V}`],
    add: [
      ['usr/src/linux/arch/x86/boot/bzImage', file('kernel')],
      [`boot/vmlinuz-${V}`, symlink('/usr/src/linux/arch/x86/boot/bzImage')],
    ],
    expect: [['kexec-kernel', 'warning', `/boot/vmlinuz-${V}`]],
    messages: [/does not track: not verified/],
  },

  // installer
  {
    name: 'no installer',
    remove: ['install.sh'],
    expect: [['installer', 'warning', '/install.sh']],
    messages: [/neither \/install\.sh nor \/install-go/],
  },
  {
    name: 'install.sh not executable',
    add: [['install.sh', file('#!/bin/bash\n', 0o644)]],
    expect: [['installer', 'error', '/install.sh']],
    messages: [/^\/install\.sh is not executable \(mode 0644\)/],
  },
  {
    name: 'install.sh is a directory',
    remove: ['install.sh'],
    add: [['install.sh/', dir()]],
    expect: [['installer', 'error', '/install.sh']],
    messages: [/^\/install\.sh is a directory/],
  },
  {
    name: 'install.sh is a dangling symlink',
    remove: ['install.sh'],
    add: [['install.sh', symlink('opt/installer')]],
    expect: [['installer', 'error', '/install.sh']],
    messages: [/symlink to \/opt\/installer, which is not in the image/],
  },
  {
    name: 'install.sh: a symlink to an executable',
    remove: ['install.sh'],
    add: [
      ['install.sh', symlink('/opt/installer')],
      ['opt/installer', file('#!/bin/sh\n', 0o700)],
    ],
    expect: [],
  },
  {
    name: 'install.sh: a hard link to an executable',
    remove: ['install.sh'],
    add: [
      ['opt/installer', file('#!/bin/sh\n', 0o755)],
      ['install.sh', hardlink('opt/installer', 0o755)],
    ],
    expect: [],
  },
  {
    name: 'install.sh: a hard link to a file that comes later',
    remove: ['install.sh'],
    add: [
      ['install.sh', hardlink('opt/installer', 0o755)],
      ['opt/installer', file('#!/bin/sh\n', 0o755)],
    ],
    expect: [
      ['hardlink-target', 'error', '/install.sh'],
      ['installer', 'error', '/install.sh'],
    ],
    messages: [
      /./,
      /^\/install\.sh is a hard link to \/opt\/installer, which comes only later in the archive/,
    ],
  },
  {
    name: 'install-go: a hard link to a missing file',
    add: [['install-go', hardlink('opt/install-go', 0o755)]],
    expect: [
      ['hardlink-target', 'error', '/install-go'],
      ['installer', 'error', '/install-go'],
    ],
    messages: [/./, /^\/install-go is a hard link to \/opt\/install-go, which is not in the image/],
  },
  {
    name: 'install-go instead of install.sh',
    remove: ['install.sh'],
    add: [['install-go', file('ELF', 0o755)]],
    expect: [],
  },
  {
    name: 'install-go not executable: metal-hammer prefers it to a good install.sh',
    add: [['install-go', file('ELF', 0o644)]],
    expect: [['installer', 'error', '/install-go']],
    messages: [/^\/install-go is not executable/],
  },
  {
    name: 'install-go is a directory: metal-hammer falls back to install.sh',
    add: [['install-go/', dir()]],
    expect: [],
  },
  {
    name: 'install-go is a directory and there is no install.sh',
    remove: ['install.sh'],
    add: [['install-go/', dir()]],
    expect: [['installer', 'error', '/install-go']],
    messages: [/^\/install-go is a directory, so metal-hammer would run \/install\.sh, which is missing/],
  },

  // infrastructure packages
  {
    name: 'no FRR',
    remove: ['usr/lib/frr/zebra'],
    expect: [['package-frr', 'warning', undefined]],
  },
  { name: 'FRR from its package only', remove: ['usr/lib/frr/zebra'], packages: ['frr'], expect: [] },
  {
    name: "FRR's zebra where the rpm puts it",
    remove: ['usr/lib/frr/zebra'],
    add: [['usr/libexec/frr/zebra', file('ELF', 0o755)]],
    expect: [],
  },
  {
    name: 'no LLDP daemon',
    remove: ['usr/local/bin/lldpd'],
    expect: [['package-lldp', 'warning', undefined]],
  },
  { name: 'the lldpd package', remove: ['usr/local/bin/lldpd'], packages: ['lldpd'], expect: [] },
  {
    name: "lldpd's binary without a package database",
    remove: ['usr/local/bin/lldpd'],
    add: [['usr/sbin/lldpd', file('ELF', 0o755)]],
    expect: [],
  },
  {
    name: 'neither ignition nor cloud-init',
    remove: ['usr/local/bin/ignition'],
    expect: [['package-ignition-or-cloud-init', 'warning', undefined]],
  },
  {
    name: 'cloud-init instead of ignition',
    remove: ['usr/local/bin/ignition'],
    add: [cloudInit],
    expect: [],
  },
  {
    name: 'the cloud-init package instead of ignition',
    remove: ['usr/local/bin/ignition'],
    packages: ['cloud-init'],
    expect: [],
  },
  {
    name: 'all infrastructure missing, with a package database that lists none',
    remove: ['usr/lib/frr/zebra', 'usr/local/bin/lldpd', 'usr/local/bin/ignition'],
    packages: ['bash', 'frr-pythontools', 'lldpad'],
    expect: [
      ['package-frr', 'warning', undefined],
      ['package-lldp', 'warning', undefined],
      ['package-ignition-or-cloud-init', 'warning', undefined],
    ],
  },

  // hygiene
  {
    name: '/.dockerenv',
    add: [['.dockerenv', file('', 0o755)]],
    expect: [['dockerenv', 'warning', '/.dockerenv']],
  },
  {
    name: 'a machine id',
    add: [['etc/machine-id', file('7b9f54e12f3b4f06a34c9d0f4b0e68c2\n', 0o444)]],
    expect: [['machine-id', 'warning', '/etc/machine-id']],
    messages: [/^\/etc\/machine-id is not empty \(7b9f54e12f3b4f06a34c9d0f4b0e68c2\)/],
  },
  {
    name: 'machine-id "uninitialized" (systemd first boot)',
    add: [['etc/machine-id', file('uninitialized\n', 0o444)]],
    expect: [],
  },
  {
    name: 'a machine id emptied by a later entry',
    add: [
      ['etc/machine-id', file('7b9f54e12f3b4f06a34c9d0f4b0e68c2\n')],
      ['etc/machine-id', file('')],
    ],
    expect: [],
  },
  {
    name: 'world-writable file and directory',
    add: [
      ['opt/shared', file('x', 0o666)],
      ['srv/drop/', dir(0o777)],
      ['usr/local/bin/tool', file('ELF', 0o4777)],
    ],
    expect: [['world-writable', 'warning', '/opt/shared']],
    messages: [
      /^3 world-writable entries outside \/tmp and \/var\/tmp: \/opt\/shared \(0666\), \/srv\/drop\/ \(0777\), \/usr\/local\/bin\/tool \(04777\)$/,
    ],
  },
  {
    name: 'world-writable: symlinks, device nodes, fifos, sticky directories and /tmp are fine',
    add: [
      ['var/lib/php/sessions/', dir(0o1733)],
      ['dev/shm/', dir(0o1777)],
      ['dev/zero', { special: 'character-device', mode: 0o666 }],
      ['run/initctl', { special: 'fifo', mode: 0o666 }],
      ['tmp/deep/dir/', dir(0o777)],
      ['var/tmp/deep/file', file('x', 0o777)],
    ],
    // None is world-writable; what extraction does with /dev, /tmp and a FIFO is reported by its own rules.
    expect: [
      ['live-dev', 'warning', '/dev/zero'],
      ['tmp-vanishes', 'warning', '/tmp/deep/dir'],
      ['special-file', 'warning', '/run/initctl'],
    ],
  },
  {
    name: 'world-writable: names that only look like /tmp count',
    add: [
      ['tmpdata', file('x', 0o666)],
      ['var/tmp2/', dir(0o777)],
    ],
    expect: [['world-writable', 'warning', '/tmpdata']],
  },
  {
    name: 'world-writable: fixed by a later entry',
    add: [
      ['opt/shared', file('x', 0o666)],
      ['opt/shared', file('x', 0o644)],
    ],
    expect: [],
  },

  // SSH host keys
  {
    name: 'SSH host keys with nothing to regenerate them',
    add: keys,
    expect: [['ssh-host-keys', 'error', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/^3 SSH host keys in the image \(.*\): every machine installed from it would share them$/],
  },
  {
    name: 'SSH host keys regenerated by cloud-init',
    add: [...keys, cloudInit],
    expect: [['ssh-host-keys', 'warning', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/cloud-init's ssh module deletes and regenerates them on first boot/],
  },
  {
    name: 'SSH host keys regenerated by the cloud-init package',
    add: keys,
    packages: ['cloud-init'],
    expect: [['ssh-host-keys', 'warning', '/etc/ssh/ssh_host_rsa_key']],
  },
  {
    name: 'SSH host keys kept by ssh_deletekeys: false',
    add: [
      ...keys,
      cloudInit,
      ['etc/cloud/cloud.cfg', file('users:\n  - default\nssh_deletekeys: true\n')],
      ['etc/cloud/cloud.cfg.d/99-keep-keys.cfg', file('#cloud-config\nssh_deletekeys: false # keep\n')],
    ],
    expect: [['ssh-host-keys', 'error', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/ssh_deletekeys is false in \/etc\/cloud\/cloud\.cfg\.d\/99-keep-keys\.cfg$/],
  },
  {
    name: 'ssh_deletekeys: false in cloud.cfg, overridden in cloud.cfg.d',
    add: [
      ...keys,
      cloudInit,
      ['etc/cloud/cloud.cfg.d/50-delete.cfg', file('ssh_deletekeys: yes\n')],
      ['etc/cloud/cloud.cfg', file('ssh_deletekeys: False\n')],
    ],
    expect: [['ssh-host-keys', 'warning', '/etc/ssh/ssh_host_rsa_key']],
  },
  {
    name: 'cloud.cfg.d files apply in name order: the last one wins',
    add: [
      ...keys,
      cloudInit,
      ['etc/cloud/cloud.cfg.d/90-keep.cfg', file('ssh_deletekeys: "off"\n')],
      ['etc/cloud/cloud.cfg.d/10-delete.cfg', file('ssh_deletekeys: true\n')],
      ['etc/cloud/cloud.cfg.d/95-readme.txt', file('ssh_deletekeys: true\n')],
    ],
    expect: [['ssh-host-keys', 'error', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/ssh_deletekeys is off in \/etc\/cloud\/cloud\.cfg\.d\/90-keep\.cfg/],
  },
  {
    name: 'SSH host keys with cloud-init disabled',
    add: [...keys, cloudInit, ['etc/cloud/cloud-init.disabled', file('')]],
    expect: [['ssh-host-keys', 'error', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/cloud-init is disabled by \/etc\/cloud\/cloud-init\.disabled$/],
  },
  {
    name: 'SSH host keys with an sshd-keygen unit',
    add: [...keys, ['usr/lib/systemd/system/sshd-keygen@.service', file('[Unit]\n')]],
    expect: [['ssh-host-keys', 'warning', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/an sshd-keygen unit \(\/usr\/lib\/systemd\/system\/sshd-keygen@\.service\)/],
  },
  {
    name: 'SSH host keys with a masked sshd-keygen unit',
    add: [
      ...keys,
      ['usr/lib/systemd/system/sshd-keygen@.service', file('[Unit]\n')],
      ['etc/systemd/system/sshd-keygen@.service', symlink('/dev/null')],
    ],
    expect: [['ssh-host-keys', 'error', '/etc/ssh/ssh_host_rsa_key']],
    messages: [/the sshd-keygen unit is masked$/],
  },
  {
    name: 'public host keys and empty key files are no baked keys',
    add: [
      ['etc/ssh/ssh_host_ed25519_key.pub', file('ssh-ed25519 AAAA\n')],
      ['etc/ssh/ssh_host_rsa_key', file('')],
      ['etc/ssh/ssh_host_ecdsa_key', symlink('/var/lib/ssh/ssh_host_ecdsa_key')],
    ],
    expect: [],
  },
]

function rootfs(c: Pick<Case, 'remove' | 'add'>): Entry[] {
  const removed = new Set(c.remove ?? [])
  return [...good.filter(([name]) => !removed.has(normalizeTarPath(name))), ...(c.add ?? [])]
}

describe('contract check, one small rootfs per broken rule', () => {
  test('a rootfs that keeps the contract has no findings, with and without a package database', async () => {
    expect(await check(good)).toEqual([])
    expect(await check(good, { names: new Set(['frr', 'lldpd', 'cloud-init']) })).toEqual([])
  })

  test.each(cases)('$name', async (c) => {
    const packages = c.packages === undefined ? undefined : { names: new Set(c.packages) }
    const findings = await check(rootfs(c), packages)
    expect(summary(findings)).toEqual(c.expect)
    c.messages?.forEach((m, i) => expect(findings[i]?.message).toMatch(m))
    for (const f of findings) expect(f.message).not.toMatch(/\n/)
  })

  test('every check has a case that breaks it (here or in extract-cases.ts)', () => {
    const broken = new Set([...cases, ...EXTRACT_CASES].flatMap((c) => c.expect.map(([id]) => id)))
    expect([...broken].sort()).toEqual(CONTRACT_CHECKS.map((c) => c.id).sort())
  })

  test('the /etc/passwd symlink case points at a file the host has: symlinks are resolved in the image', () => {
    expect(existsSync('/etc/passwd')).toBe(true)
  })

  test('findings come in CONTRACT_CHECKS order', async () => {
    const findings = await check(
      rootfs({
        remove: ['install.sh', `boot/vmlinuz-${V}`, 'usr/lib/frr/zebra'],
        add: [...keys, ['.dockerenv', file('')], ['opt/x', file('', 0o666)]],
      }),
    )
    expect(findings.map((f) => f.id)).toEqual([
      'kexec-kernel',
      'installer',
      'package-frr',
      'dockerenv',
      'world-writable',
      'ssh-host-keys',
    ])
  })

  test('a body observe() did not ask for, or of an entry replaced since, is ignored', () => {
    const checker = new ContractChecker()
    expect(checker.observe({ path: 'etc/machine-id', type: 'file', mode: 0o444, size: 0 })).toBe(false)
    expect(checker.observe({ path: 'etc/machine-id', type: 'file', mode: 0o444, size: 14 })).toBe(true)
    // Content captured for another entry (its size does not match the latest header) is dropped.
    checker.file('etc/machine-id', Buffer.from('7b9f54e12f3b4f06a34c9d0f4b0e68c2\n'))
    checker.file('etc/machine-id', Buffer.from('uninitialized\n'))
    expect(checker.wants('etc/machine-id')).toBe(true)
    expect(checker.wants('etc/cloud/cloud.cfg.d/90_dpkg.cfg')).toBe(true)
    expect(checker.wants('etc/cloud/cloud.cfg.d/README')).toBe(false)
    expect(checker.finish().filter((f) => f.id === 'machine-id')).toEqual([])
  })

  test.each([
    ['ssh_deletekeys: false\n', 'false'],
    ['ssh_deletekeys:   "no"  # keep them\n', 'no'],
    ["#cloud-config\nssh_deletekeys: 'True'\n", 'True'],
    ['ssh_deletekeys: 0\nssh_deletekeys: 1\n', '1'],
    ['ssh_deletekeys:\n', ''],
    ['  ssh_deletekeys: false\nssh_genkeytypes: [ed25519]\n', null],
    ['system_info:\n  ssh_deletekeys: false\n', null],
  ])('ssh_deletekeys in %j is %j', (text, value) => {
    expect(sshDeleteKeysSetting(text)).toBe(value)
  })
})

describe('memory stays bounded', () => {
  test('a huge rootfs: every world-writable entry counted, the first few listed, few headers kept', () => {
    const checker = new ContractChecker()
    const n = 200_000
    for (let i = 0; i < n; i++) {
      const dir = `usr/share/data/d${i % 1000}`
      checker.observe({ path: `${dir}/f${i}`, type: 'file', mode: i % 4 === 0 ? 0o666 : 0o644, size: 100 })
      checker.observe({ path: `${dir}/l${i}`, type: 'symlink', mode: 0o777, size: 0, linkname: `f${i}` })
    }
    const ww = checker.finish().find((f) => f.id === 'world-writable')!
    expect(ww.count).toBe(n / 4)
    expect(ww.paths).toHaveLength(MAX_LISTED)
    expect(ww.paths![0]).toBe('/usr/share/data/d0/f0')
    expect(ww.message).toMatch(/^50000 world-writable entries outside .*, and 49997 more$/)
    // usr, usr/share: everything deeper is counted, not kept.
    expect(checker.recordedEntries).toBe(2)
  })
})

describe('contract.json', () => {
  const findings: ContractFinding[] = [
    { id: 'kexec-kernel', level: 'error', message: 'no kernel', path: '/boot' },
    { id: 'dockerenv', level: 'warning', message: '/.dockerenv', path: '/.dockerenv' },
  ]

  test.each([
    ['error', false, true, 1, 1],
    ['warn', false, false, 1, 1],
    ['off', true, false, 0, 0],
  ] as const)('mode %s', (mode, passed, failed, errors, warnings) => {
    const { document, file, output } = formatContractJson(findings, mode)
    expect(document).toEqual({
      mode,
      passed,
      failed,
      errors,
      warnings,
      findings: mode === 'off' ? [] : findings,
    })
    expect(JSON.parse(file)).toEqual(document)
    expect(file.endsWith('}\n')).toBe(true)
    expect(JSON.parse(output)).toEqual(document)
    expect(output).not.toMatch(/\n/)
  })

  test('no findings: passed', () => {
    expect(formatContractJson([], 'error').document).toEqual({
      mode: 'error',
      passed: true,
      failed: false,
      errors: 0,
      warnings: 0,
      findings: [],
    })
  })
})
