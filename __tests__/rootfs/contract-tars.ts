import { Readable } from 'node:stream'
import { extract } from 'tar-stream'
import {
  contractEntry,
  type ContractFinding,
  type ContractPackages,
} from '../../src/rootfs/contract/checks.ts'
import { ContractChecker } from '../../src/rootfs/contract/checker.ts'
import type { Limits } from '../../src/rootfs/contract/extract.ts'
import { normalizeTarPath, TarWalker } from '../../src/rootfs/tar.ts'
import { packTar, type PackEntry } from '../helpers/tar.ts'

// ---------------------------------------------------------------------------------------------------------
// Small rootfs tars, written by tar-stream and read back through a tar parser, so the checker sees real headers.

export type Spec =
  | { file: string; mode?: number }
  | { dir: true; mode?: number }
  | { symlink: string }
  | { link: string; mode?: number }
  | { special: 'character-device' | 'block-device' | 'fifo'; mode: number }
export type Entry = [name: string, spec: Spec]

export const file = (content = '', mode = 0o644): Spec => ({ file: content, mode })
export const dir = (mode = 0o755): Spec => ({ dir: true, mode })
export const symlink = (target: string): Spec => ({ symlink: target })
export const hardlink = (target: string, mode = 0o644): Spec => ({ link: target, mode })

export function buildTar(entries: readonly Entry[]): Promise<Buffer> {
  return packTar(
    entries.map(([name, spec]): PackEntry => {
      const header = { name, uid: 0, gid: 0, mtime: new Date(0) }
      if ('file' in spec) return { ...header, type: 'file', mode: spec.mode ?? 0o644, content: spec.file }
      if ('dir' in spec) return { ...header, type: 'directory', mode: spec.mode ?? 0o755 }
      if ('symlink' in spec) return { ...header, type: 'symlink', mode: 0o777, linkname: spec.symlink }
      if ('link' in spec) return { ...header, type: 'link', mode: spec.mode ?? 0o644, linkname: spec.link }
      return { ...header, type: spec.special, mode: spec.mode, devmajor: 1, devminor: 3 }
    }),
  )
}

/**
 * What the pipeline is meant to do while the rootfs streams past (see TarInspector): every header to
 * observe(), the body of an entry only when observe() asks for it. `capture` keeps other bodies too.
 * Several sources are read one after the other into the same checker, as if they were one tar.
 */
export async function readContract(
  sources: Readable[],
  capture?: (path: string) => boolean,
): Promise<{ checker: ContractChecker; captured: Map<string, Buffer>; entries: number }> {
  const checker = new ContractChecker()
  const captured = new Map<string, Buffer>()
  let entries = 0
  for (const source of sources) {
    const parser = extract()
    const reading = (async () => {
      for await (const entry of parser) {
        entries++
        const path = normalizeTarPath(entry.header.name)
        const wanted = checker.observe(contractEntry(entry.header))
        const keep = capture?.(path) === true
        const parts: Buffer[] = []
        for await (const part of entry) if (wanted || keep) parts.push(part as Buffer)
        if (wanted) checker.file(path, Buffer.concat(parts))
        if (keep) captured.set(path, Buffer.concat(parts))
      }
    })()
    source.on('error', (err) => parser.destroy(err))
    source.pipe(parser)
    await reading
  }
  return { checker, captured, entries }
}

export async function check(
  entries: readonly Entry[],
  packages?: ContractPackages,
): Promise<ContractFinding[]> {
  const { checker } = await readContract([Readable.from([await buildTar(entries)])])
  return checker.finish(packages)
}

export const summary = (findings: readonly ContractFinding[]) => findings.map((f) => [f.id, f.level, f.path])

export const V = '6.1.0-28-amd64'
export const keys: Entry[] = ['rsa', 'ecdsa', 'ed25519'].flatMap((t): Entry[] => [
  [`etc/ssh/ssh_host_${t}_key`, file('-----BEGIN OPENSSH PRIVATE KEY-----\n', 0o600)],
  [`etc/ssh/ssh_host_${t}_key.pub`, file(`ssh-${t} AAAA root@buildkitsandbox\n`)],
])
export const cloudInit: Entry = ['usr/bin/cloud-init', file('#!/usr/bin/python3\n', 0o755)]

/**
 * The checker fed as the pipeline feeds it (stream.ts, TarInspector): TarWalker's headers through
 * contractEntry, bodies only when observe() asks for them.
 */
export function checkTar(
  tar: Buffer,
  { packages, limits }: { packages?: ContractPackages; limits?: Limits } = {},
): ContractFinding[] {
  const checker = new ContractChecker(limits)
  let wanted = false
  const walker = new TarWalker(
    (header) => (wanted = checker.observe(contractEntry(header))),
    (header, content) => wanted && checker.file(normalizeTarPath(header.name), content),
  )
  walker.write(tar)
  walker.end()
  return checker.finish(packages)
}
