import { DPKG_EFLAGS, DPKG_MULTIARCH, DPKG_STATUSES, DPKG_WANTS } from './types.ts'
import {
  ParseState,
  ST_NOTINSTALLED,
  type Slot,
  archNameIllegal,
  asciiLower,
  installedInstances,
  parseNv,
  parseVersion,
  pkgNameIllegal,
} from './state.ts'

/** lib/dpkg/fields.c scan_word: words separated by space, tab or newline. */
export const words = (value: string): string[] => value.split(/[ \t\n]+/).filter((w) => w !== '')

export const DEPENDENCY_FIELDS = new Set([
  'replaces',
  'provides',
  'depends',
  'pre-depends',
  'recommends',
  'suggests',
  'breaks',
  'conflicts',
  'enhances',
])
export const CHAR_FIELDS = [
  'section',
  'installed-size',
  'origin',
  'maintainer',
  'bugs',
  'source',
  'description',
]
export const ARCHIVE_FIELDS = ['filename', 'size', 'md5sum', 'msdos-filename']
// lib/dpkg/parse.c fieldinfos: the capitalisation dpkg uses in messages.
export const KNOWN_FIELDS = new Map<string, string>(
  [
    'Package',
    'Essential',
    'Protected',
    'Status',
    'Priority',
    'Section',
    'Installed-Size',
    'Origin',
    'Maintainer',
    'Bugs',
    'Architecture',
    'Multi-Arch',
    'Source',
    'Version',
    'Config-Version',
    'Replaces',
    'Provides',
    'Depends',
    'Pre-Depends',
    'Recommends',
    'Suggests',
    'Breaks',
    'Conflicts',
    'Enhances',
    'Conffiles',
    'Filename',
    'Size',
    'MD5sum',
    'MSDOS-Filename',
    'Description',
    'Triggers-Pending',
    'Triggers-Awaited',
    'Recommended',
    'Optional',
    'Class',
    'Revision',
    'Package-Revision',
    'Package_Revision',
  ].map((f) => [f.toLowerCase(), f]),
)

/** Applies one field to the stanza being built (lib/dpkg/parse.c pkg_parse_field and lib/dpkg/fields.c). */
export function parseField(ps: ParseState, pkg: Slot, key: string, fieldName: string, value: string): void {
  switch (key) {
    case 'package': {
      const e = pkgNameIllegal(value)
      if (e) ps.error(`invalid package name in '${fieldName}' field: ${e}`)
      pkg.name = asciiLower(value)
      return
    }
    case 'essential':
    case 'protected': {
      if (!value) return
      const r = parseNv(value, 0, 'last', ['no', 'yes'])
      if (typeof r === 'string') ps.error(`boolean (yes/no) '${fieldName}' field: ${r}`)
      return
    }
    case 'status': {
      const want = parseNv(value, 0, 'next', DPKG_WANTS)
      if (typeof want === 'string') ps.error(`first (want) word in '${fieldName}' field: ${want}`)
      const eflag = parseNv(value, want[1], 'next', DPKG_EFLAGS)
      if (typeof eflag === 'string') ps.error(`second (error) word in '${fieldName}' field: ${eflag}`)
      const status = parseNv(value, eflag[1], 'last', DPKG_STATUSES)
      if (typeof status === 'string') ps.error(`third (status) word in '${fieldName}' field: ${status}`)
      pkg.want = want[0]
      pkg.eflag = eflag[0]
      pkg.status = status[0]
      return
    }
    case 'class':
    case 'priority': {
      // f_obs_class is f_priority plus a warning.
      if (key === 'class') ps.warn(`obsolete '${fieldName}' field used`)
      if (!value) return
      const r = parseNv(value, 0, 'fallback', [
        'required',
        'important',
        'standard',
        'optional',
        'extra',
        'unknown',
      ])
      if (typeof r === 'string') ps.error(`word in '${fieldName}' field: ${r}`)
      return
    }
    case 'architecture': {
      pkg.arch = value
      const e = value === '' ? null : archNameIllegal(value)
      if (e) ps.warn(`'${value}' is not a valid architecture name in '${fieldName}' field: ${e}`)
      return
    }
    case 'multi-arch': {
      if (!value) return
      const r = parseNv(value, 0, 'last', DPKG_MULTIARCH)
      if (typeof r === 'string') ps.error(`quadstate (foreign/allowed/same/no) '${fieldName}' field: ${r}`)
      pkg.multiArch = r[0]
      return
    }
    case 'version':
    case 'config-version': {
      const r = parseVersion(value)
      const msg = `'${fieldName}' field value '${value.slice(0, 250)}': ${r.error ?? r.warning}`
      if (r.error) ps.error(msg)
      if (r.warning) ps.warn(msg)
      if (key === 'version') pkg.version = r.version
      else pkg.configVersion = true
      return
    }
    case 'revision':
    case 'package-revision':
    case 'package_revision':
      // f_obs_revision: the old split-out Debian revision, folded into the version.
      ps.warn(`obsolete '${fieldName}' field used`)
      if (!value) return
      if (pkg.version.revision) pkg.version.upstream = `${pkg.version.upstream ?? ''}-${pkg.version.revision}`
      pkg.version.revision = value
      return
    case 'recommended':
    case 'optional':
      ps.warn(`obsolete '${fieldName}' field used`)
      return
    case 'conffiles':
      pkg.conffiles = value !== ''
      return
    case 'triggers-pending': {
      const seen = new Set<string>()
      for (const w of words(value)) {
        // lib/dpkg/trigname.c trig_name_is_illegal
        if ([...w].some((ch) => ch <= ' ' || ch >= '\x7f'))
          ps.error(
            `illegal pending trigger name '${w.slice(0, 255)}': trigger name contains invalid character`,
          )
        if (seen.has(w)) ps.error(`duplicate pending trigger '${w.slice(0, 255)}'`)
        seen.add(w)
      }
      pkg.trigPend = seen.size > 0
      return
    }
    case 'triggers-awaited': {
      const seen = new Set<string>()
      for (const w of words(value)) seen.add(awaitedTriggerKey(ps, w))
      pkg.trigAw = seen.size > 0
      return
    }
    default:
      if (CHAR_FIELDS.includes(key)) {
        // f_charfield: an empty value leaves the field unset.
        if (!value) return
        if (key === 'maintainer') pkg.maintainer = true
        return
      }
      if (ARCHIVE_FIELDS.includes(key)) {
        if (!value) ps.error(`empty archive details '${fieldName}' field`)
        ps.error(`archive details '${fieldName}' field not allowed in status file`)
      }
  }
}

/**
 * f_trigaw resolves each word like a command-line package specifier (lib/dpkg/pkg-spec.c); returns a key
 * identifying the awaited instance so duplicates can be refused.
 */
export function awaitedTriggerKey(ps: ParseState, word: string): string {
  const colon = word.indexOf(':')
  const name = colon < 0 ? word : word.slice(0, colon)
  const arch = colon < 0 ? null : word.slice(colon + 1)
  const bad = (e: string) => ps.error(`illegal package name in awaited trigger '${word.slice(0, 255)}': ${e}`)
  const e = pkgNameIllegal(name)
  if (e) bad(`illegal package name in specifier '${word}': ${e}`)
  if (arch !== null) {
    const ea = archNameIllegal(arch)
    if (ea) bad(`illegal architecture name in specifier '${word}': ${ea}`)
    return `${asciiLower(name)}:${arch}`
  }
  const set = ps.db.sets.get(asciiLower(name))
  if (installedInstances(set) > 1)
    bad(`ambiguous package name '${asciiLower(name)}' with more than one installed instance`)
  const single = set?.slots.find((s) => s.status > ST_NOTINSTALLED)
  return single ? `${asciiLower(name)}:${single.arch ?? ''}` : asciiLower(name)
}
