import { Buffer } from 'node:buffer'

// ---------------------------------------------------------------------------------------------------------
// /etc/os-release

/**
 * Parses os-release(5): shell-style `KEY=value` lines, values possibly quoted and backslash-escaped. Lines
 * that are not assignments are ignored, as systemd does.
 */
export function parseOsRelease(content: Uint8Array | string): Record<string, string> {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8')
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m) out[m[1]!] = shellWord(m[2]!)
  }
  return out
}

/** One shell word: quoted and unquoted parts concatenated, up to unquoted whitespace or a comment. */
export function shellWord(s: string): string {
  let out = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "'") {
      const end = s.indexOf("'", i + 1)
      const stop = end < 0 ? s.length : end
      out += s.slice(i + 1, stop)
      i = stop + 1
    } else if (c === '"') {
      i++
      while (i < s.length && s[i] !== '"') {
        // Inside double quotes the backslash only escapes the characters the shell gives a meaning there.
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++
        out += s[i]
        i++
      }
      i++
    } else if (c === '\\') {
      if (i + 1 < s.length) out += s[i + 1]
      i += 2
    } else if (/\s/.test(c) || c === '#') {
      break
    } else {
      out += c
      i++
    }
  }
  return out
}

export interface Distro {
  /** The purl namespace (vendor); undefined when unknown. */
  vendor: string | undefined
  /** The `distro` qualifier value; undefined when unknown. */
  distro: string | undefined
  prettyName: string | undefined
}

export function distroOf(osRelease: Uint8Array | string | undefined): Distro {
  const f = osRelease === undefined ? {} : parseOsRelease(osRelease)
  // os-release(5) lets the fields be lower-case already; purl wants the vendor lower-cased anyway.
  const id = f.ID?.toLowerCase() || undefined
  // Debian testing and unstable have no VERSION_ID, only a codename.
  const release = f.VERSION_ID || f.VERSION_CODENAME
  return {
    vendor: id,
    distro: id && release ? `${id}-${release}` : undefined,
    prettyName: f.PRETTY_NAME || undefined,
  }
}
