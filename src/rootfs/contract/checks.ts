/**
 * The metal-hammer contract's vocabulary: every check with its level, the entries the checker is fed,
 * its findings and the document written beside the image (contract.json).
 */
import type { Header } from 'tar-stream'
import type { TarHeader } from '../tar.ts'
import { normalizeTarPath } from '../tar.ts'

export type ContractLevel = 'error' | 'warning'
/** The `contract` input: `error` fails the run on an error finding, `warn` only reports, `off` skips. */
export type ContractMode = 'error' | 'warn' | 'off'

/** Every check, in the order findings are reported, with what it requires (for the README's table). */
export const CONTRACT_CHECKS = [
  {
    id: 'tar-type',
    level: 'error',
    description:
      'Every entry is a file, hard link, symlink, device node, directory or FIFO: metal-hammer extracts with archiver v2.1.0, which fails on any other type flag (GNU sparse S, contiguous 7, D, V, M, N, vendor letters) with "unknown type flag".',
  },
  {
    id: 'dotdot-path',
    level: 'error',
    description:
      'No entry name has a .. component: archiver refuses those that leave the image ("illegal file path"), GNU tar skips them all.',
  },
  {
    id: 'parent-path',
    level: 'error',
    description:
      "Every entry's parent is a directory when extraction reaches it (or a symlink to one in the image made before): under a regular file, a dangling symlink or a symlink loop, archiver's MkdirAll fails.",
  },
  {
    id: 'outside-root',
    level: 'error',
    description:
      "No entry is written through an absolute symlink (or one climbing above /): archiver follows it on metal-hammer's own root, so the file lands outside the image.",
  },
  {
    id: 'path-exists',
    level: 'error',
    description:
      'No symlink or hard link where an earlier entry (or a directory made for one) already is, no file where a directory is, no directory where a file is: os.Symlink, os.Link and os.Create fail there. A warning for a file written through an earlier symlink (archiver keeps the symlink, GNU tar replaces it).',
  },
  {
    id: 'hardlink-target',
    level: 'error',
    description:
      'Every hard link names an entry extracted before it: a target that is missing, comes later, is the link itself, a directory or outside the image fails os.Link.',
  },
  {
    id: 'mount-point',
    level: 'error',
    description:
      'Only directories at /proc, /sys, /tmp, /dev, /etc and /etc/metal, and no symlink, hard link or directory at /etc/metal/disk.json: metal-hammer makes them before it extracts.',
  },
  {
    id: 'proc-sys',
    level: 'error',
    description:
      'Nothing under /proc or /sys but directories: metal-hammer has procfs and sysfs mounted there while extracting, and they refuse new files and mode changes. Directories there are a warning: made only where the live system has them.',
  },
  {
    id: 'live-dev',
    level: 'warning',
    description:
      "Nothing under /dev but directories: metal-hammer binds its live /dev there before extracting, so a device node of the image opens and chmods the installer's own (/dev/console), other files are lost, and a symlink fails where the live /dev has that name.",
  },
  {
    id: 'tmp-vanishes',
    level: 'warning',
    description:
      'Nothing under /tmp: it lands in the tmpfs metal-hammer mounts there while extracting, and is gone after the install.',
  },
  {
    id: 'special-file',
    level: 'warning',
    description: 'No device nodes or FIFOs outside /dev: archiver writes them as empty regular files.',
  },
  {
    id: 'extract-unverified',
    level: 'warning',
    description:
      'The extraction checks above keep up to 1,048,576 paths and 131,072 symlink targets (32 MiB of them), hashed, and follow up to 4,096 path components a walk through symlinks; entries they could not check beyond that are counted here.',
  },
  {
    id: 'kexec-kernel',
    level: 'error',
    description:
      'Exactly one kernel /boot/vmlinuz-<version>, a regular file (symlinks and hard links are followed inside the image): metal-hammer kexecs into it.',
  },
  {
    id: 'kexec-initrd',
    level: 'error',
    description:
      "The kernel's initrd: /boot/initrd.img-<version> (Debian, Ubuntu) or /boot/initramfs-<version>.img (AlmaLinux).",
  },
  {
    id: 'kexec-system-map',
    level: 'error',
    description:
      "The kernel's /boot/System.map-<version> and no other System.map: os-installer finds the kernel version through the one System.map.",
  },
  {
    id: 'installer',
    level: 'error',
    description:
      'The installer metal-hammer runs chrooted: /install-go if present, else /install.sh; a regular file with an execute bit. A warning when neither exists (os-installer setups).',
  },
  {
    id: 'package-frr',
    level: 'warning',
    description: 'FRR, for routing to the host: the frr package, or its zebra daemon.',
  },
  {
    id: 'package-lldp',
    level: 'warning',
    description:
      'An LLDP daemon, to tell whether an allocated machine is alive: go-lldpd (a binary, /usr/local/bin/lldpd) or the lldpd package.',
  },
  {
    id: 'package-ignition-or-cloud-init',
    level: 'warning',
    description: 'ignition or cloud-init, to run the user data on first boot.',
  },
  {
    id: 'dockerenv',
    level: 'warning',
    description: '/.dockerenv, left by docker export, is not in the image.',
  },
  {
    id: 'machine-id',
    level: 'warning',
    description:
      '/etc/machine-id is empty (or "uninitialized"), so every machine gets its own id on first boot.',
  },
  {
    id: 'world-writable',
    level: 'warning',
    description:
      'No regular file, and no directory without the sticky bit, is writable by everyone outside /tmp and /var/tmp (symlinks, device nodes, FIFOs and sticky directories such as /run/lock are fine).',
  },
  {
    id: 'ssh-host-keys',
    level: 'error',
    description:
      'No SSH host key /etc/ssh/ssh_host_*_key in the image, or else something replaces them on first boot: cloud-init (unless ssh_deletekeys is false) or an sshd-keygen unit, then a warning.',
  },
] as const satisfies readonly { id: string; level: ContractLevel; description: string }[]

export type ContractCheckId = (typeof CONTRACT_CHECKS)[number]['id']

export interface ContractFinding {
  id: ContractCheckId
  level: ContractLevel
  /** One line, for the log, an annotation and the summary table. */
  message: string
  /** The path inside the image it concerns, absolute (`/boot/vmlinuz-6.1.0-28-amd64`). */
  path?: string
  /** Findings about many entries (world-writable, ssh-host-keys): how many there are in all ... */
  count?: number
  /** ... and the first of them, at most MAX_LISTED. */
  paths?: string[]
}

export type ContractEntryType =
  'file' | 'link' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo' | 'other'

/** One tar entry header: what the checker is fed, in archive order. */
export interface ContractEntry {
  /** Normalized (normalizeTarPath): no leading `./` or `/`, no trailing `/`; '' is the root. */
  path: string
  /** 'link' is a tar hard link: the same file as the earlier entry it names. */
  type: ContractEntryType
  /** Permission bits, with setuid/setgid/sticky (07777). */
  mode: number
  uid?: number
  gid?: number
  size: number
  /** A symlink's target as stored (not normalized: absolute and relative differ), a hard link's entry name. */
  linkname?: string
  /** The type flag as written ('0', '5', ...): what an 'other' entry is ('S', '7', ...). */
  flag?: string
}

/** Installed packages, from the image's package database (dpkg status, rpm), when it has one. */
export interface ContractPackages {
  names: ReadonlySet<string>
}

const ENTRY_TYPES = new Set<string>([
  'file',
  'link',
  'symlink',
  'directory',
  'character-device',
  'block-device',
  'fifo',
])

/** A header as TarWalker (or, in tests, tar-stream) reads it, as a ContractEntry. */
export function contractEntry(header: TarHeader | Header): ContractEntry {
  // tar-stream reports a type flag it does not know as null. A contiguous file ('7') is one archiver
  // does not know either.
  const type = header.type as string | null
  return {
    path: normalizeTarPath(header.name),
    type: type !== null && ENTRY_TYPES.has(type) ? (type as ContractEntryType) : 'other',
    flag: 'flag' in header ? header.flag : type === 'contiguous-file' ? '7' : undefined,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid,
    gid: header.gid,
    size: header.size ?? 0,
    linkname: header.linkname ?? undefined,
  }
}

/** Paths listed in a finding about many entries; the count covers all of them. */
export const MAX_LISTED = 20

export interface ContractDocument {
  mode: ContractMode
  /** The image keeps the contract: no error finding (warnings allowed). */
  passed: boolean
  /** The run fails and nothing is published: mode `error` and the image did not pass. */
  failed: boolean
  errors: number
  warnings: number
  findings: ContractFinding[]
}

/** With mode `off` nothing was checked: no findings, passed. */
export function contractDocument(findings: readonly ContractFinding[], mode: ContractMode): ContractDocument {
  const kept = mode === 'off' ? [] : [...findings]
  const errors = kept.filter((f) => f.level === 'error').length
  return {
    mode,
    passed: errors === 0,
    failed: mode === 'error' && errors > 0,
    errors,
    warnings: kept.length - errors,
    findings: kept,
  }
}

/** `file`: contract.json beside the image (indented); `output`: the same document on one line, for the `contract` output. */
export function formatContractJson(
  findings: readonly ContractFinding[],
  mode: ContractMode,
): { document: ContractDocument; file: string; output: string } {
  const document = contractDocument(findings, mode)
  return { document, file: `${JSON.stringify(document, null, 2)}\n`, output: JSON.stringify(document) }
}
