import { InputError } from '../util/errors.ts'
import type { BakeConfig } from './config.ts'
import { csvFields } from './csv.ts'

/**
 * A bake definition as `docker buildx bake --print` shows it, and what the action makes of it: the
 * `set` lines buildx 0.13 cannot apply, the inputs applied over the target, and the target's outputs
 * (the rootfs as a tar on stdout for the action, pushes kept, tars on disk dropped). Pure functions: the
 * docker side is bake.ts.
 */

/** One target of a printed definition (the fields the action reads or writes; others pass through). */
export interface BakeTarget {
  context?: string
  contexts?: Record<string, string>
  dockerfile?: string
  args?: Record<string, string | null>
  labels?: Record<string, string | null>
  tags?: string[]
  target?: string
  secret?: string[]
  ssh?: string[]
  platforms?: string[]
  output?: string[]
  attest?: string[]
  'cache-from'?: string[]
  'cache-to'?: string[]
  'no-cache'?: boolean
  pull?: boolean
  [key: string]: unknown
}

export interface BakeDefinition {
  group?: Record<string, { targets?: string[] }>
  target: Record<string, BakeTarget>
}

/** Keys whose values are lists: `+=` appends to them (buildx 0.22 and later do it themselves). */
const LIST_KEYS: Record<string, keyof BakeTarget> = {
  output: 'output',
  'cache-from': 'cache-from',
  'cache-to': 'cache-to',
  tags: 'tags',
  platform: 'platforms',
  secrets: 'secret',
  ssh: 'ssh',
  attest: 'attest',
  annotations: 'annotations',
}

/** A `set` line, taken apart. */
export interface SetLine {
  line: string
  /** Target name or glob (`_common`, `*`). */
  pattern: string
  /** `output`, `args.NAME`, ... */
  key: string
  append: boolean
  value: string | undefined
  /**
   * Who applies it: buildx (plain `=` lines, given to `--print` as they are), or the action (`+=`, and
   * every output and push line: the action owns the target's outputs). The action finds out which
   * targets a line reaches by giving buildx a marker build arg for the same pattern.
   */
  by: 'buildx' | 'action'
  /** The marker build arg of a line the action applies. */
  marker?: string
}

const MARKER = 'METAL_IMAGE_SET_LINE_'

export function parseSetLines(lines: readonly string[]): SetLine[] {
  return lines.map((line, i) => {
    const eq = line.indexOf('=')
    const left = eq === -1 ? line : line.slice(0, eq)
    const append = left.endsWith('+')
    const name = append ? left.slice(0, -1) : left
    const dot = name.indexOf('.')
    const pattern = dot === -1 ? '' : name.slice(0, dot)
    const key = dot === -1 ? '' : name.slice(dot + 1)
    const value = eq === -1 ? undefined : line.slice(eq + 1)
    if (!pattern || !key || /\s/.test(name))
      throw new InputError(
        'set',
        line,
        'expected target.key=value (or target.key+=value), e.g. debian.args.FOO=bar',
      )
    if (value === undefined && !key.startsWith('args.'))
      throw new InputError('set', line, 'expected target.key=value: only args.NAME may leave out the value')
    const top = key.split('.')[0]!
    if (append && !(top in LIST_KEYS))
      throw new InputError(
        'set',
        line,
        `+= appends to a list: ${Object.keys(LIST_KEYS).join(', ')}; "${key}" takes =`,
      )
    const mine = append || top === 'output' || top === 'push'
    return {
      line,
      pattern,
      key,
      append,
      value,
      by: mine ? 'action' : 'buildx',
      ...(mine ? { marker: `${MARKER}${i}` } : {}),
    }
  })
}

/** The `--set` flags of the print: buildx's own lines as written, a marker arg for the action's. */
export function printOverrides(target: string, sets: readonly SetLine[]): string[] {
  // First: the target's outputs are the action's, and buildx 0.13's --print opens (and truncates) file
  // outputs; cacheonly opens nothing. An unknown target is reported for this line, by its name.
  const flags = ['--set', `${target}.output=type=cacheonly`]
  for (const set of sets)
    flags.push('--set', set.by === 'buildx' ? set.line : `${set.pattern}.args.${set.marker}=1`)
  return flags
}

/** Which input a failed --print is about, from buildx's message. */
export function printFailure(message: string, config: BakeConfig, sets: readonly SetLine[]): InputError {
  const unmatched = /could not find any target matching '([^']*)'/.exec(message)?.[1]
  if (unmatched === config.target || /failed to find target /.test(message))
    return new InputError(
      'targets',
      config.target,
      `no such target in ${config.files.join(', ')} (give one target, not a group): ${message}`,
    )
  if (unmatched !== undefined) {
    const line = sets.find((s) => s.pattern === unmatched)?.line ?? unmatched
    return new InputError('set', line, `names no target of the bake files: ${message}`)
  }
  const key = /unknown key: (\S+)/.exec(message)?.[1]
  const keyLine = key && sets.find((s) => s.key === key || s.key.startsWith(`${key}.`))
  if (key || /invalid (override|key)/.test(message))
    return new InputError('set', keyLine ? keyLine.line : sets.map((s) => s.line).join('; '), message)
  if (/\.(hcl|json|ya?ml):\d|Invalid |Unsupported |parse|unmarshal|syntax/i.test(message))
    return new InputError(
      'bake-files',
      config.files.join(', '),
      `docker buildx bake cannot read them:\n${message}`,
    )
  return new InputError('targets', config.target, `docker buildx bake cannot resolve it:\n${message}`)
}

/** An output option string's type and attributes (`-` and a bare path are bake's shorthands). */
export function parseOutput(spec: string): { type: string; attrs: Map<string, string> } {
  const attrs = new Map<string, string>()
  if (!spec.includes('=')) {
    attrs.set('dest', spec)
    return { type: spec === '-' ? 'tar' : 'local', attrs }
  }
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=')
    if (eq === -1) continue
    attrs.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1))
  }
  return { type: attrs.get('type') ?? '', attrs }
}

/** An output that pushes: type=registry, or type=image with push=true. */
export function pushes(spec: string): boolean {
  const { type, attrs } = parseOutput(spec)
  return type === 'registry' || (type === 'image' && /^(true|1)$/i.test(attrs.get('push') ?? ''))
}

/**
 * Why an output is not kept next to the action's own tar stream, if it is not: a tar or a folder on disk
 * would hold the uncompressed rootfs, any other file (an OCI or docker archive) the image, and buildx
 * empties an existing one before the build even starts; standard output carries the action's tar; a
 * cache-only output is pointless.
 */
export function droppedBecause(spec: string): string | undefined {
  const { type, attrs } = parseOutput(spec)
  const dest = attrs.get('dest')
  if ((type === 'tar' || type === 'local') && dest !== '-')
    return `it would write the uncompressed rootfs to disk (${dest ?? 'no dest'})`
  if (type === 'tar') return 'the action streams the tar itself'
  if (dest === '-') return "standard output carries the action's tar stream"
  if (dest !== undefined) return `it would write a file (${dest})`
  if (type === 'cacheonly') return 'it exports nothing'
  return undefined
}

/** What the action builds: the definition to give bake, and the facts it needs around the build. */
export interface BakePlan {
  definition: BakeDefinition
  /** The target's outputs: the action's tar stream first. */
  outputs: string[]
  dropped: { spec: string; why: string }[]
  /** The names a push goes to; empty: no push. */
  pushTo: string[]
  /** The input that asked for the push (named when it fails). */
  pushedBy: { input: string; value: string } | undefined
  /** Active attestations per target, with where they came from. */
  attests: { target: string; spec: string; input: string }[]
  /** Every secret spec of every target being built. */
  secrets: { target: string; spec: string }[]
}

export interface PlanInputs {
  config: BakeConfig
  sets: readonly SetLine[]
  /** buildx --secret specs of the secret inputs (values already in files). */
  secretSpecs: string[]
}

/**
 * Applies what buildx did not (the action's `set` lines, found by their marker args) and the inputs to a
 * printed definition, and decides the target's outputs.
 */
export function planBake(printed: BakeDefinition, { config, sets, secretSpecs }: PlanInputs): BakePlan {
  const definition = structuredClone(printed)
  delete definition.group
  const name = config.target
  const target = definition.target[name]
  if (!target)
    throw new InputError(
      'targets',
      name,
      'docker buildx bake --print did not show this target (is it a group?)',
    )
  const groupTargets = printed.group?.default?.targets ?? [name]
  if (groupTargets.length !== 1 || groupTargets[0] !== name)
    throw new InputError(
      'targets',
      name,
      `names several targets (${groupTargets.join(', ')}): give one target, the action publishes one image`,
    )

  // The action's set lines, where their markers arrived.
  const outputs: { spec: string; set: SetLine }[] = []
  let pushSet: SetLine | undefined
  for (const set of sets) {
    if (set.by !== 'action') continue
    for (const [tname, t] of Object.entries(definition.target)) {
      if (!t.args || !(set.marker! in t.args)) continue
      const top = set.key.split('.')[0]!
      if (top === 'output' || top === 'push') {
        // Outputs and pushes of linked targets are bake's to ignore (it builds them without outputs).
        if (tname === name && top === 'push') pushSet = set
        else if (tname === name) outputs.push({ spec: set.value!, set })
        continue
      }
      const field = LIST_KEYS[top]!
      t[field] = [...((t[field] as string[] | undefined) ?? []), set.value!]
    }
  }
  for (const t of Object.values(definition.target)) {
    if (!t.args) continue
    for (const arg of Object.keys(t.args)) if (arg.startsWith(MARKER)) delete t.args[arg]
    if (Object.keys(t.args).length === 0) delete t.args
  }

  // The inputs, over the target (and, for what a whole build means, over the targets it links to).
  const { buildx } = config
  for (const t of Object.values(definition.target)) {
    if (secretSpecs.length > 0) t.secret = [...(t.secret ?? []), ...secretSpecs]
    if (buildx.ssh.length > 0) t.ssh = [...(t.ssh ?? []), ...buildx.ssh]
    if (buildx.attests.length > 0) t.attest = [...(t.attest ?? []), ...buildx.attests.map((a) => a.spec)]
    if (config.noCache) t['no-cache'] = true
    if (config.pull) t.pull = true
  }
  if (config.buildArgs.length > 0) target.args = { ...target.args, ...Object.fromEntries(config.buildArgs) }
  if (config.labels.length > 0)
    target.labels = {
      ...target.labels,
      ...Object.fromEntries(
        config.labels.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    }
  if (config.stage) target.target = config.stage
  if (buildx.contexts.length > 0)
    target.contexts = { ...target.contexts, ...Object.fromEntries(buildx.contexts) }
  if (buildx.cacheFrom.length > 0)
    target['cache-from'] = [...(target['cache-from'] ?? []), ...buildx.cacheFrom]
  if (buildx.cacheTo.length > 0) target['cache-to'] = [...(target['cache-to'] ?? []), ...buildx.cacheTo]
  if (buildx.tags.length > 0) target.tags = [...buildx.tags]
  target.platforms = [config.platform]

  // The outputs: the rootfs to the action, pushes kept, nothing uncompressed on disk.
  const dropped: BakePlan['dropped'] = []
  const kept: { spec: string; set?: SetLine }[] = []
  for (const output of outputs) {
    const why = droppedBecause(output.spec)
    if (why) dropped.push({ spec: output.spec, why })
    else kept.push(output)
  }
  // The values Go's strconv.ParseBool takes, as buildx reads them.
  if (pushSet && !/^(1|t|true|0|f|false)$/i.test(pushSet.value ?? ''))
    throw new InputError('set', pushSet.line, 'push takes true or false')
  const push = pushSet ? /^(1|t|true)$/i.test(pushSet.value ?? '') : buildx.push
  if (push && !kept.some((o) => pushes(o.spec))) kept.push({ spec: 'type=image,push=true', set: pushSet })
  const final = ['type=tar,dest=-', ...kept.map((o) => o.spec)]
  target.output = final
  const pushing = kept.filter((o) => pushes(o.spec))
  const pushTo = [...new Set(pushing.flatMap((o) => nameList(o.spec) ?? target.tags ?? []))]
  const by = pushing[0]?.set
  const pushedBy =
    pushing.length === 0
      ? undefined
      : by
        ? { input: 'set', value: by.line }
        : { input: 'push', value: 'true' }
  if (pushedBy && pushTo.length === 0)
    throw new InputError(
      'tags',
      '',
      `the push (${pushedBy.input}: ${pushedBy.value}) needs a name: the bake target ${name} has no tags; give tags`,
    )

  return {
    definition,
    outputs: final,
    dropped,
    pushTo,
    pushedBy,
    attests: activeAttestations(definition, config),
    secrets: Object.entries(definition.target).flatMap(([tname, t]) =>
      (t.secret ?? []).map((spec) => ({ target: tname, spec })),
    ),
  }
}

/** The `name=` of an image output, split (it may hold several names). */
function nameList(spec: string): string[] | undefined {
  const names = parseOutput(spec).attrs.get('name')
  return names
    ? names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : undefined
}

/**
 * The attestations each target will make: the last of each type wins, as bake merges them, and one with
 * disabled=true makes none. Each with the input it came from (the bake file's own: `targets`).
 */
function activeAttestations(definition: BakeDefinition, config: BakeConfig): BakePlan['attests'] {
  const fromInputs = new Map(config.buildx.attests.map((a) => [a.spec, a.input]))
  const active: BakePlan['attests'] = []
  for (const [tname, t] of Object.entries(definition.target)) {
    const byType = new Map<string, string>()
    for (const spec of t.attest ?? []) byType.set(parseOutput(spec).type, spec)
    for (const spec of byType.values())
      if (!/^(true|1)$/i.test(parseOutput(spec).attrs.get('disabled') ?? ''))
        active.push({ target: tname, spec, input: fromInputs.get(spec) ?? 'targets' })
  }
  return active
}

/**
 * The definition as a bake file in JSON. Bake reads JSON strings as HCL templates, the keys of maps too,
 * so `${` and `%{` in values (a build arg's value, an inline Dockerfile) and in keys (a build arg's or a
 * label's name, from the inputs) are escaped to stay what --print showed.
 */
export function definitionJson(definition: BakeDefinition): string {
  // A function: in a replacement string, $$ would be one $.
  const literal = (text: string): string => text.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{')
  const escape = (value: unknown): unknown => {
    if (typeof value === 'string') return literal(value)
    if (Array.isArray(value)) return value.map(escape)
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [literal(k), escape(v)]))
    return value
  }
  return `${JSON.stringify(escape(definition), null, 2)}\n`
}

/** The secret specs of a definition that read an environment variable: id and variable. */
export function envSecrets(specs: readonly string[]): { id: string; variable: string }[] {
  const found: { id: string; variable: string }[] = []
  for (const spec of specs) {
    const fields = new Map(
      csvFields(spec).map((f) => {
        const eq = f.indexOf('=')
        return [f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1)] as const
      }),
    )
    const id = fields.get('id') ?? ''
    const file = fields.get('src') ?? fields.get('source')
    const env = fields.get('env') ?? (fields.get('type') === 'env' ? file : undefined)
    if (env) found.push({ id, variable: env })
    // Neither: BuildKit takes the variable named like the id when there is one, else a file of that name.
    else if (!file && id && id in process.env) found.push({ id, variable: id })
  }
  return found
}
