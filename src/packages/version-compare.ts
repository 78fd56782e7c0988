import { Buffer } from 'node:buffer'

// ---------------------------------------------------------------------------------------------------------
// dpkg: lib/dpkg/version.c dpkg_version_compare and verrevcmp, lib/dpkg/parsehelp.c parseversion.

export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
export const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)

/**
 * verrevcmp's order(): digits 0 (they are compared as numbers elsewhere), letters by their code, '~'
 * below everything including the end of the string, other characters above letters. dpkg passes a
 * plain `char`, which is signed on amd64: bytes >= 0x80 land between letters and ASCII punctuation there.
 * Versions holding them are invalid (dpkg warns), so the amd64 order is as good as any.
 */
export function order(c: number | undefined): number {
  if (c === undefined) return 0
  if (isDigit(c)) return 0
  if (isAlpha(c)) return c
  if (c === 0x7e) return -1
  return (c >= 0x80 ? c - 256 : c) + 256
}

export function verrevcmp(a: Uint8Array, b: Uint8Array): number {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    let firstDiff = 0
    while ((i < a.length && !isDigit(a[i]!)) || (j < b.length && !isDigit(b[j]!))) {
      const ac = order(a[i])
      const bc = order(b[j])
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (a[i] === 0x30) i++
    while (b[j] === 0x30) j++
    while (i < a.length && j < b.length && isDigit(a[i]!) && isDigit(b[j]!)) {
      if (!firstDiff) firstDiff = a[i]! - b[j]!
      i++
      j++
    }
    if (i < a.length && isDigit(a[i]!)) return 1
    if (j < b.length && isDigit(b[j]!)) return -1
    if (firstDiff) return firstDiff
  }
  return 0
}

export interface DebianVersion {
  epoch: number
  upstream: Uint8Array
  revision: Uint8Array
}

export function parseDebianVersion(v: string): DebianVersion {
  const s = v.trim()
  const colon = s.indexOf(':')
  // Only a number before the first ':' is an epoch; dpkg would reject anything else outright.
  const hasEpoch = colon >= 0 && /^[0-9]+$/.test(s.slice(0, colon))
  const rest = hasEpoch ? s.slice(colon + 1) : s
  const hyphen = rest.lastIndexOf('-')
  return {
    epoch: hasEpoch ? Number(s.slice(0, colon)) : 0,
    upstream: Buffer.from(hyphen < 0 ? rest : rest.slice(0, hyphen), 'utf8'),
    revision: Buffer.from(hyphen < 0 ? '' : rest.slice(hyphen + 1), 'utf8'),
  }
}

/**
 * Debian version order (`dpkg --compare-versions`): epoch as a number, then upstream version, then Debian
 * revision, each compared in alternating non-digit and digit runs; `~` sorts before anything, even the
 * end of the string. Negative, zero or positive as a is older than, the same as or newer than b.
 */
export function compareDebianVersions(a: string, b: string): number {
  if (a === b) return 0
  const x = parseDebianVersion(a)
  const y = parseDebianVersion(b)
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1
  return Math.sign(verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision))
}

// ---------------------------------------------------------------------------------------------------------
// rpm: rpmio/rpmvercmp.c rpmvercmp, lib/rpmver.c rpmverParse and rpmverCmp. rpm's ctype is ASCII-only,
// so other characters are separators; comparing UTF-16 units gives what strcmp gives for ASCII segments.

export const isAsciiAlnum = (c: number): boolean => isDigit(c) || isAlpha(c)
export const TILDE = 0x7e
export const CARET = 0x5e

/**
 * rpmvercmp: one version or release string against another. Runs of digits compare as numbers, runs of
 * letters as strings, a digit run beats a letter run; '~' sorts before anything and '^' after the end of
 * the string but before anything else. Returns -1, 0 or 1.
 */
export function compareRpmVersions(a: string, b: string): number {
  if (a === b) return 0
  let i = 0
  let j = 0
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0)
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAsciiAlnum(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++
    while (j < b.length && !isAsciiAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++
    if (at(a, i) === TILDE || at(b, j) === TILDE) {
      if (at(a, i) !== TILDE) return 1
      if (at(b, j) !== TILDE) return -1
      i++
      j++
      continue
    }
    if (at(a, i) === CARET || at(b, j) === CARET) {
      if (i >= a.length) return -1
      if (j >= b.length) return 1
      if (at(a, i) !== CARET) return 1
      if (at(b, j) !== CARET) return -1
      i++
      j++
      continue
    }
    if (i >= a.length || j >= b.length) break
    const numeric = isDigit(at(a, i))
    const inSegment = numeric ? isDigit : isAlpha
    let ei = i
    let ej = j
    while (ei < a.length && inSegment(at(a, ei))) ei++
    while (ej < b.length && inSegment(at(b, ej))) ej++
    // A digit run against a letter run: the digits are newer.
    if (ej === j) return numeric ? 1 : -1
    let one = a.slice(i, ei)
    let two = b.slice(j, ej)
    if (numeric) {
      one = one.replace(/^0+/, '')
      two = two.replace(/^0+/, '')
      if (one.length !== two.length) return one.length > two.length ? 1 : -1
    }
    if (one !== two) return one < two ? -1 : 1
    i = ei
    j = ej
  }
  if (i >= a.length && j >= b.length) return 0
  return i >= a.length ? -1 : 1
}

export interface RpmEvr {
  epoch: string | null
  version: string
  release: string | null
}

/** rpmverParse: leading digits and a ':' are the epoch, the last '-' after them starts the release. */
export function parseRpmEvr(evr: string): RpmEvr {
  let s = 0
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++
  const dash = evr.lastIndexOf('-')
  const releaseAt = dash >= s ? dash : -1
  const hasEpoch = evr[s] === ':'
  const versionStart = hasEpoch ? s + 1 : 0
  return {
    epoch: hasEpoch ? evr.slice(0, s) || '0' : null,
    version: evr.slice(versionStart, releaseAt < 0 ? undefined : releaseAt),
    release: releaseAt < 0 ? null : evr.slice(releaseAt + 1),
  }
}

/**
 * rpm's order of `[epoch:]version[-release]` (rpmverCmp, what `rpm.vercmp` in rpm's Lua does): a missing
 * epoch is 0, a missing release is older than any release. rpm -qa leaves epochs out, so versions read
 * from packages.txt compare as version and release only.
 */
export function compareRpmEvr(a: string, b: string): number {
  if (a === b) return 0
  const x = parseRpmEvr(a)
  const y = parseRpmEvr(b)
  const values = (p: string | null, q: string | null) =>
    p === null ? (q === null ? 0 : -1) : q === null ? 1 : compareRpmVersions(p, q)
  return (
    values(x.epoch ?? '0', y.epoch ?? '0') || values(x.version, y.version) || values(x.release, y.release)
  )
}
