import { SPDX_IDS } from './spdx-ids.ts'
import type { CdxLicenseChoice } from './cyclonedx.ts'

// ---------------------------------------------------------------------------------------------------------
// Licenses

export const SPDX_BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]))
export const LICENSE_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/

/**
 * The expression in canonical form (identifiers in the SPDX list's case, single spaces), or null when the
 * string is not an SPDX license expression (SPDX 2.3 annex D) made of listed identifiers. Operators must be
 * upper-case: the lower-case `and`/`or` of Fedora's older license tags come with non-SPDX names. Licenses and
 * exceptions are not told apart (CycloneDX's list mixes them), so this is a little lax after WITH.
 */
export function normalizeSpdxExpression(s: string): string | null {
  const tokens = s.match(/[()]|[^\s()]+/g) ?? []
  let i = 0
  const id = (allowPlus: boolean): string | null => {
    const t = tokens[i]
    if (t === undefined || t === 'AND' || t === 'OR' || t === 'WITH' || t === '(' || t === ')') return null
    i++
    if (allowPlus && LICENSE_REF.test(t)) return t
    const exact = SPDX_BY_LOWER.get(t.toLowerCase())
    if (exact) return exact
    const base = allowPlus && t.endsWith('+') ? SPDX_BY_LOWER.get(t.slice(0, -1).toLowerCase()) : undefined
    return base ? `${base}+` : null
  }
  const atom = (): string | null => {
    if (tokens[i] !== '(') return id(true)
    i++
    const inner = or()
    if (inner === null || tokens[i] !== ')') return null
    i++
    return `(${inner})`
  }
  const withExpr = (): string | null => {
    const left = atom()
    if (left === null || tokens[i] !== 'WITH') return left
    i++
    const exception = id(false)
    return exception === null ? null : `${left} WITH ${exception}`
  }
  const chain = (next: () => string | null, op: string) => (): string | null => {
    let left = next()
    while (left !== null && tokens[i] === op) {
      i++
      const right = next()
      left = right === null ? null : `${left} ${op} ${right}`
    }
    return left
  }
  const and = chain(withExpr, 'AND')
  const or = chain(and, 'OR')
  const result = or()
  return result !== null && i === tokens.length ? result : null
}

/**
 * CycloneDX licenses for a package's license strings. The schema allows either one expression or a list of
 * licenses, each an SPDX id or a name: a lone string that is a listed id becomes `{license: {id}}`, a lone
 * SPDX expression `{expression}`, anything else (and every string when there are several) an id or a name.
 */
export function cyclonedxLicenses(licenses: readonly string[] | undefined): CdxLicenseChoice[] | undefined {
  const strings = [...new Set((licenses ?? []).map((s) => s.trim()).filter((s) => s !== ''))]
  if (strings.length === 0) return undefined
  const asLicense = (s: string): CdxLicenseChoice => {
    const id = SPDX_BY_LOWER.get(s.toLowerCase())
    return id ? { license: { id } } : { license: { name: s } }
  }
  if (strings.length === 1) {
    const s = strings[0]!
    if (SPDX_BY_LOWER.has(s.toLowerCase())) return [asLicense(s)]
    const expression = normalizeSpdxExpression(s)
    return [expression === null ? { license: { name: s } } : { expression }]
  }
  return strings.map(asLicense)
}
