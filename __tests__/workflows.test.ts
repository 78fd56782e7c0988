import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isScalar, LineCounter, parse, parseDocument, visit } from 'yaml'
import { describe, expect, test } from 'vitest'
import { InputError } from '../src/util/errors.ts'
import { parseInputs } from '../src/config/parse.ts'
import { type InputName } from '../src/config/inputs.ts'

/**
 * The repository's own workflows and the example workflows (issue 6), checked the way a user of the
 * action would trip over them: YAML that does not parse, an input the action does not have, a required
 * input left out, a value the action would refuse, a third-party action not pinned to a commit, and
 * permissions wider than the jobs need.
 */

const root = resolve(import.meta.dirname, '..')
const WORKFLOW_DIRS = ['.github/workflows', 'examples/workflows']

interface ActionInput {
  required?: boolean
  default?: string
}
interface ActionSpec {
  inputs: Record<string, ActionInput>
}

const ACTION: ActionSpec = parse(readFileSync(join(root, 'action.yml'), 'utf8'))
/** The repository name the action is published under, whoever owns it (metal-stack/<name>@v1). */
const ACTION_REPO: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name

/** Actions that trade the job's OIDC token for cloud credentials: the only reason for id-token: write. */
const OIDC_ACTIONS = ['google-github-actions/auth', 'aws-actions/configure-aws-credentials']

/**
 * Values for inputs given as an expression the checker cannot evaluate (`${{ vars.X }}`,
 * `${{ github.event.release.tag_name }}`): required ones, and those another input makes required. Any
 * other such input is left out, that is: checked as if it took its default.
 */
const STAND_INS: Partial<Record<InputName, string>> = {
  'os-name': 'debian',
  'os-version': '12',
  'from-channel': 'stand-in-from',
  'to-channel': 'stand-in-to',
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g
const SHA = /^[0-9a-f]{40}$/
const VERSION_COMMENT = /^\s*v?\d+(\.\d+)*\b/

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Obj = { [key: string]: Json }
type Combination = Obj

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

interface WorkflowCheck {
  problems: string[]
  /** How many steps use this action (`./` or `<owner>/<ACTION_REPO>@...`). */
  actionUses: number
}

/** Every problem in one workflow file's text; none means it passes. */
function checkWorkflow(text: string, action: ActionSpec = ACTION): WorkflowCheck {
  const problems: string[] = []
  const lines = new LineCounter()
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter: lines })
  if (doc.errors.length > 0) return { problems: doc.errors.map((e) => `YAML: ${e.message}`), actionUses: 0 }
  problems.push(...pinComments(doc, lines))

  const workflow: unknown = doc.toJS()
  if (!isObj(workflow)) return { problems: ['not a mapping at the top level'], actionUses: 0 }
  if (workflow.on === undefined) problems.push('no "on": the workflow never runs')
  if (!isObj(workflow.jobs) || Object.keys(workflow.jobs).length === 0)
    return { problems: [...problems, 'no jobs'], actionUses: 0 }

  problems.push(...topLevelPermissions(workflow.permissions))

  let actionUses = 0
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (!isObj(job)) {
      problems.push(`job ${jobId}: not a mapping`)
      continue
    }
    const steps = Array.isArray(job.steps) ? job.steps.filter(isObj) : []
    const uses = [job.uses, ...steps.map((s) => s.uses)].filter((u): u is string => typeof u === 'string')
    for (const ref of uses) problems.push(...pinning(jobId, ref))
    problems.push(...jobPermissions(jobId, job.permissions, uses))

    const combinations = matrixCombinations(job)
    steps.forEach((step, index) => {
      const ref = typeof step.uses === 'string' ? step.uses : ''
      const label = typeof step.name === 'string' ? step.name : typeof step.id === 'string' ? step.id : ''
      const where = `job ${jobId}, step ${index + 1}${label ? ` (${label})` : ''}`
      const before = steps.slice(0, index).map((s) => (typeof s.uses === 'string' ? s.uses : ''))
      const checkedOut = before.some((u) => u.startsWith('actions/checkout@'))
      if (ref.startsWith('google-github-actions/auth@') && !checkedOut)
        problems.push(`${where}: google-github-actions/auth must come after actions/checkout`)
      // An expression in a script is pasted into it before the shell runs: a tag or branch name could inject
      // commands. Values go in through env.
      if (typeof step.run === 'string' && /\$\{\{/.test(step.run))
        problems.push(`${where}: \${{ }} inside run: pass the value through env instead`)
      if (!isThisAction(ref)) return
      actionUses++
      if (ref.startsWith('./') && !checkedOut)
        problems.push(`${where}: uses ${ref} without an actions/checkout step before it`)
      problems.push(...actionInputs(where, step.with, combinations, action))
    })
  }
  return { problems, actionUses }
}

function isThisAction(ref: string): boolean {
  if (ref === './' || ref === '.' || ref === './action.yml') return true
  const m = /^([^/@]+)\/([^/@]+)@/.exec(ref)
  return m?.[2] === ACTION_REPO
}

/** Third-party actions and reusable workflows run at a full commit SHA; images by digest. */
function pinning(jobId: string, ref: string): string[] {
  if (ref.startsWith('./') || isThisAction(ref)) return []
  if (ref.startsWith('docker://'))
    return /@sha256:[0-9a-f]{64}$/.test(ref) ? [] : [`job ${jobId}: ${ref} is not pinned by digest`]
  const at = ref.lastIndexOf('@')
  if (at < 0) return [`job ${jobId}: ${ref} has no version`]
  return SHA.test(ref.slice(at + 1)) ? [] : [`job ${jobId}: ${ref} is not pinned to a full 40-hex commit SHA`]
}

/** A SHA says nothing to a reader: the line carries the version it is (`@<sha> # v7.0.1`). */
function pinComments(doc: ReturnType<typeof parseDocument>, lines: LineCounter): string[] {
  const problems: string[] = []
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return
      const ref = String(pair.value.value)
      const at = ref.lastIndexOf('@')
      if (at < 0 || !SHA.test(ref.slice(at + 1))) return
      if (!VERSION_COMMENT.test(pair.value.comment ?? '')) {
        const line = pair.value.range ? lines.linePos(pair.value.range[0]).line : '?'
        problems.push(`line ${line}: ${ref} has no "# v<version>" comment after the SHA`)
      }
    },
  })
  return problems
}

function writes(permissions: Json | undefined): string[] {
  if (permissions === 'write-all') return ['write-all']
  if (!isObj(permissions)) return []
  return Object.entries(permissions)
    .filter(([, level]) => level === 'write')
    .map(([scope]) => scope)
}

/** Declared, and read-only: a job that needs more says so itself. */
function topLevelPermissions(permissions: Json | undefined): string[] {
  if (permissions === undefined)
    return ['no top-level "permissions": the token gets the repository default, possibly write-all']
  if (permissions === 'write-all') return ['top-level permissions grant write: write-all']
  if (permissions !== 'read-all' && !isObj(permissions))
    return [`top-level permissions: ${JSON.stringify(permissions)} is not a mapping, read-all or {}`]
  const granted = writes(permissions)
  return granted.length > 0 ? [`top-level permissions grant write: ${granted.join(', ')}`] : []
}

function jobPermissions(jobId: string, permissions: Json | undefined, uses: string[]): string[] {
  const granted = writes(permissions)
  if (granted.includes('write-all')) return [`job ${jobId}: permissions write-all`]
  const oidc = uses.some((u) => OIDC_ACTIONS.some((a) => u.startsWith(`${a}@`)))
  if (granted.includes('id-token') && !oidc)
    return [`job ${jobId}: id-token: write, but no step exchanges the token (${OIDC_ACTIONS.join(', ')})`]
  return []
}

/** The matrix's combinations as GitHub expands them (include and exclude); [{}] without a matrix. */
function matrixCombinations(job: Obj): Combination[] | undefined {
  const strategy = job.strategy
  if (!isObj(strategy) || strategy.matrix === undefined) return [{}]
  const matrix = strategy.matrix
  // fromJSON(...) and friends: not known before the run.
  if (!isObj(matrix)) return undefined
  const axes = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude')
  if (axes.some(([, values]) => !Array.isArray(values))) return undefined
  let combos: Combination[] = axes.length > 0 ? [{}] : []
  for (const [key, values] of axes)
    combos = combos.flatMap((combo) => (values as Json[]).map((value) => ({ ...combo, [key]: value })))
  const exclude = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isObj) : []
  combos = combos.filter((combo) => !exclude.some((ex) => matches(combo, ex)))
  const original = combos.map((combo) => ({ ...combo }))
  for (const extra of Array.isArray(matrix.include) ? matrix.include.filter(isObj) : []) {
    let merged = false
    combos.forEach((combo, i) => {
      const base = original[i]!
      const clash = Object.entries(extra).some(
        ([key, value]) => key in base && JSON.stringify(base[key]) !== JSON.stringify(value),
      )
      if (!clash) {
        Object.assign(combo, extra)
        merged = true
      }
    })
    if (!merged) combos.push({ ...extra })
  }
  return combos
}

function matches(value: Json | undefined, pattern: Json): boolean {
  if (isObj(pattern))
    return isObj(value) && Object.entries(pattern).every(([key, p]) => matches(value[key], p))
  return JSON.stringify(value) === JSON.stringify(pattern)
}

function lookup(combo: Combination, path: string): Json | undefined {
  let value: Json | undefined = combo
  for (const part of path.split('.')) value = isObj(value) ? value[part] : undefined
  return value
}

/**
 * An input's value in one matrix combination: `${{ matrix.a.b }}` replaced by the matrix value (its YAML
 * type kept when it is the whole value, to catch `26.04` read as a number), or undefined when some other
 * expression leaves it unknown.
 */
function substitute(value: Json, combo: Combination | undefined): Json | undefined {
  if (typeof value !== 'string') return value
  const whole = /^\$\{\{\s*matrix\.([\w.-]+)\s*\}\}$/.exec(value)
  if (whole && combo) return lookup(combo, whole[1]!)
  let unknown = false
  const text = value.replace(EXPRESSION, (_, expr: string) => {
    const m = /^matrix\.([\w.-]+)$/.exec(expr)
    const found = m && combo ? lookup(combo, m[1]!) : undefined
    if (found === undefined || isObj(found) || Array.isArray(found)) unknown = true
    return String(found)
  })
  return unknown ? undefined : text
}

function actionInputs(
  where: string,
  withBlock: Json | undefined,
  combinations: Combination[] | undefined,
  action: ActionSpec,
): string[] {
  const problems: string[] = []
  const given = isObj(withBlock) ? withBlock : {}
  if (withBlock !== undefined && !isObj(withBlock)) problems.push(`${where}: "with" is not a mapping`)

  for (const name of Object.keys(given))
    if (!(name in action.inputs)) problems.push(`${where}: input "${name}" does not exist in action.yml`)
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = given[name]
    if (
      spec.required &&
      spec.default === undefined &&
      (value === undefined || value === null || value === '')
    )
      problems.push(`${where}: required input "${name}" is missing`)
  }
  for (const [name, value] of Object.entries(given))
    if (isObj(value) || Array.isArray(value))
      problems.push(
        `${where}: input "${name}" is a ${Array.isArray(value) ? 'list' : 'mapping'}, not a string`,
      )
  problems.push(...storeOptions(where, given))
  if (problems.length > 0) return problems

  // What the action makes of the values, in every matrix combination (or once, when unknown).
  const seen = new Set<string>()
  for (const combo of combinations ?? [undefined]) {
    const values: Partial<Record<InputName, string>> = {}
    for (const [name, raw] of Object.entries(given)) {
      const value = substitute(raw, combo)
      if (name === 'os-version' && typeof value === 'number')
        problems.push(`${where}: os-version ${value} is a YAML number (quote it: '${value}')`)
      if (value === undefined) {
        const standIn = STAND_INS[name as InputName]
        if (standIn !== undefined) values[name as InputName] = standIn
      } else if (value !== null) values[name as InputName] = String(value)
    }
    try {
      parseInputs((name) => values[name] ?? '')
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      const message = `${where}${combo && Object.keys(combo).length > 0 ? ` (matrix ${JSON.stringify(combo)})` : ''}: ${err.message}`
      if (!seen.has(message)) problems.push(message)
      seen.add(message)
    }
  }
  return problems
}

/**
 * As src/store/open.ts has it: store options only for their kind of destination. Read from the values as
 * written: `s3://${{ vars.BUCKET }}/x` is known to be S3 before the run.
 */
function storeOptions(where: string, given: Obj): string[] {
  const destination = typeof given.destination === 'string' ? given.destination : ''
  if (destination.startsWith('${{')) return []
  const kind = destination.startsWith('s3://') ? 's3' : destination.startsWith('gs://') ? 'gcs' : 'local'
  const problems: string[] = []
  for (const [name, wants] of [
    ['endpoint', 's3'],
    ['acl', 's3'],
    ['predefined-acl', 'gcs'],
  ] as const) {
    const value = given[name]
    if (value !== undefined && value !== null && value !== '' && kind !== wants)
      problems.push(`${where}: "${name}" only applies to a ${wants === 's3' ? 's3://' : 'gs://'} destination`)
  }
  return problems
}

function workflowFiles(): string[] {
  return WORKFLOW_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `${dir}/${name}`),
  ).sort()
}

describe('workflow files', () => {
  const files = workflowFiles()

  test('the CI and release workflows and both examples are there', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        'examples/workflows/fork-s3.yml',
        'examples/workflows/metal-images.yml',
      ]),
    )
  })

  test.each(files)('%s passes every check', (file) => {
    const result = checkWorkflow(readFileSync(join(root, file), 'utf8'))
    expect(result.problems).toEqual([])
    // Otherwise the input checks above checked nothing; the release workflow releases, it runs no image build.
    if (file !== '.github/workflows/release.yml') expect(result.actionUses).toBeGreaterThan(0)
  })

  test('CI runs the action from the checkout and promotes what it published', () => {
    const ci = parse(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8'))
    const steps: Obj[] = Object.values(ci.jobs as Record<string, Obj>).flatMap((job) =>
      Array.isArray(job.steps) ? job.steps.filter(isObj) : [],
    )
    const own = steps.filter((s) => s.uses === './')
    expect(own.map((s) => (s.with as Obj).mode ?? 'publish')).toEqual(['publish', 'promote'])
    const scripts = steps.map((s) => s.run).join('\n')
    expect(scripts).toContain('md5sum -c')
    expect(scripts).toContain('lz4 -t')
  })

  test('the metal-images example: stable on master, pull requests, releases promoted from stable', () => {
    const wf = parse(readFileSync(join(root, 'examples/workflows/metal-images.yml'), 'utf8'))
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push', 'release', 'workflow_dispatch'])
    expect(wf.on.push.branches).toEqual(['master'])
    const promote = (wf.jobs.release.steps as Obj[]).find((s) => isObj(s.with) && s.with.mode === 'promote')
    expect(promote?.with).toMatchObject({
      'from-channel': 'stable',
      'to-channel': '${{ github.event.release.tag_name }}',
    })
    expect(wf.env.DESTINATION).toMatch(/^gs:\/\//)
  })
})

/** Colours GitHub's Marketplace accepts for `branding.color`. */
const BRANDING_COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']

/** Where users read how to call the action: every `uses:` of it there must work when copied. */
const USER_FACING = ['README.md', 'examples/workflows/fork-s3.yml', 'examples/workflows/metal-images.yml']

/** `<owner>/<repo>@<ref>` of every `uses:` of this action (by repository name) in a text; `@<SHA>` in prose is a placeholder. */
function actionRefs(text: string): { owner: string; ref: string }[] {
  return [...text.matchAll(/uses:\s*([\w.-]+)\/([\w.-]+)@([^\s'"<][^\s'"]*)/g)]
    .filter((m) => m[2] === ACTION_REPO)
    .map((m) => ({ owner: m[1]!, ref: m[3]! }))
}

describe('one name for the action (issue 19)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const actionYml = parse(readFileSync(join(root, 'action.yml'), 'utf8'))
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
  const released = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map((m) => m[1]!)
  const OWNER = 'metal-stack'

  test('action.yml, package.json and LICENSE name the same action and authors', () => {
    expect(actionYml.name).toBe(ACTION_REPO)
    expect(actionYml.author).toBe(pkg.author)
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(
      new RegExp(`^Copyright \\(c\\) \\d{4} ${pkg.author}$`, 'm'),
    )
    expect(pkg.repository.url).toBe(`git+https://github.com/${OWNER}/${ACTION_REPO}.git`)
    expect(BRANDING_COLORS).toContain(actionYml.branding.color)
    expect(actionYml.branding.icon).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  test.each(USER_FACING)('%s uses metal-stack/metal-image-action at a released version', (file) => {
    const refs = actionRefs(readFileSync(join(root, file), 'utf8'))
    expect(refs.length).toBeGreaterThan(0)
    for (const { owner, ref } of refs) {
      expect(owner).toBe(OWNER)
      // A release (vX.Y.Z), the major tag of a release (vX), or a commit.
      const release = /^v(\d+\.\d+\.\d+)$/.exec(ref)
      const major = /^v(\d+)$/.exec(ref)
      if (release) expect(released).toContain(release[1])
      else if (major) expect(released.map((v) => v.split('.')[0])).toContain(major[1])
      else expect(ref).toMatch(SHA)
    }
  })

  test('the README shows a real uses: line with a full version in "Use it in a workflow"', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const section = readme.split(/^## /m).find((s) => s.startsWith('Use it in a workflow'))!
    const [first] = actionRefs(section)
    expect(first?.ref).toMatch(/^v\d+\.\d+\.\d+$/)
    expect(released).toContain(first!.ref.slice(1))
    expect(section).toMatch(/pin a full commit SHA in production/)
  })

  test('a ref by another owner, or at a version never released, is caught', () => {
    expect(actionRefs('      - uses: your-org/metal-image-action@v1\n')).toEqual([
      { owner: 'your-org', ref: 'v1' },
    ])
    expect(released).not.toContain('9.9.9')
  })
})

/** A workflow filter pattern (`on.push.tags`) as GitHub matches it: `*`, `**`, `?`, `+`, `[...]`. */
function filterPattern(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '[') {
      const end = pattern.indexOf(']', i)
      re += pattern.slice(i, end + 1)
      i = end
    } else if (c === '*') {
      const double = pattern[i + 1] === '*'
      re += double ? '.*' : '[^/]*'
      if (double) i++
    } else if (c === '+' || c === '?') re += c
    else re += c.replace(/[.^$|(){}\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

describe('the release workflow (issue 19)', () => {
  const text = readFileSync(join(root, '.github/workflows/release.yml'), 'utf8')
  const wf = parse(text)
  const jobs = wf.jobs as Record<string, Obj>
  const stepsOf = (job: Obj | undefined): Obj[] => (Array.isArray(job?.steps) ? job.steps.filter(isObj) : [])
  const releaseSteps = stepsOf(jobs.release)
  const indexOf = (steps: Obj[], pattern: RegExp) =>
    steps.findIndex((s) => typeof s.run === 'string' && pattern.test(s.run))

  test('runs on a pushed tag vX.Y.Z, and on nothing else', () => {
    expect(wf.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } })
    const tags = filterPattern(wf.on.push.tags[0])
    for (const tag of ['v0.1.0', 'v1.2.3', 'v10.20.300']) expect(tags.test(tag), tag).toBe(true)
    for (const tag of ['v1', 'v1.2', '1.2.3', 'v1.2.3-rc.1', 'va.b.c', 'v1.2.3.4'])
      expect(tags.test(tag), tag).toBe(false)
  })

  test('reads at the top; contents: write only in the job that releases', () => {
    expect(wf.permissions).toEqual({ contents: 'read' })
    const writing = Object.entries(jobs).filter(([, job]) => writes(job.permissions).length > 0)
    expect(writing.map(([id]) => id)).toEqual(['release'])
    expect(jobs.release!.permissions).toEqual({ contents: 'write' })
    // The job that only checks keeps no token in the checkout.
    const checkout = stepsOf(jobs['check-dist']).find((s) => String(s.uses).startsWith('actions/checkout@'))
    expect(checkout?.with).toMatchObject({ 'persist-credentials': false })
  })

  test("pinned actions: only GitHub's own, at the SHAs CI pins, and gh instead of a release action", () => {
    const pins = (yaml: string) => new Set([...yaml.matchAll(/uses: (\S+ # v[\d.]+)$/gm)].map((m) => m[1]))
    const ci = pins(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8'))
    const used = [...pins(text)]
    expect(used.length).toBeGreaterThan(0)
    for (const ref of used) expect(ci, ref).toContain(ref)
    expect(used.every((ref) => /^actions\/(checkout|setup-node)@/.test(ref!))).toBe(true)
    expect(checkWorkflow(text).problems).toEqual([])
  })

  test('dist/ is checked (npm ci, npm run check-dist) before anything is released', () => {
    const check = stepsOf(jobs['check-dist'])
    expect(indexOf(check, /^npm ci$/)).toBeGreaterThanOrEqual(0)
    expect(indexOf(check, /^npm run check-dist$/)).toBeGreaterThan(indexOf(check, /^npm ci$/))
    expect([jobs.release!.needs].flat()).toContain('check-dist')
  })

  test('plan, then the release with the notes of scripts/release.mjs, then the major tag the plan names', () => {
    const plan = indexOf(releaseSteps, /node scripts\/release\.mjs plan "\$TAG" .*--output "\$GITHUB_OUTPUT"/)
    const create = indexOf(releaseSteps, /gh release create "\$TAG" --verify-tag/)
    const move = indexOf(releaseSteps, /git push -f origin "refs\/tags\/\$MAJOR"/)
    expect(plan).toBeGreaterThanOrEqual(0)
    expect(create).toBeGreaterThan(plan)
    expect(move).toBeGreaterThan(create)
    expect(releaseSteps[plan]!.id).toBe('plan')
    expect(releaseSteps[create]!.run).toMatch(
      /node scripts\/release\.mjs notes "\$TAG" > "\$RUNNER_TEMP\/notes\.md"[\s\S]*--notes-file "\$RUNNER_TEMP\/notes\.md"/,
    )
    expect(releaseSteps[create]!.env).toMatchObject({
      TAG: '${{ github.ref_name }}',
      LATEST: '${{ steps.plan.outputs.latest }}',
    })
    expect(releaseSteps[move]).toMatchObject({
      if: "steps.plan.outputs.major-tag != ''",
      env: { MAJOR: '${{ steps.plan.outputs.major-tag }}', COMMIT: '${{ steps.plan.outputs.commit }}' },
    })
    expect(releaseSteps[move]!.run).toMatch(/git tag -f "\$MAJOR" "\$COMMIT"/)
    // The plan compares with main and the other tags: the checkout has all of them.
    const checkout = releaseSteps.find((s) => String(s.uses).startsWith('actions/checkout@'))
    expect(checkout?.with).toMatchObject({ 'fetch-depth': 0 })
  })
})

describe('checkWorkflow rejects what it should (each check can fail)', () => {
  const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1'
  const AUTH = 'google-github-actions/auth@7c6bc770dae815cd3e89ee6cdf493a5fab2cc093 # v3.0.0'
  /** A minimal workflow that passes; each case below breaks one thing in it. */
  const workflow = ({
    permissions = 'permissions:\n  contents: read\n',
    jobPermissions = '',
    matrix = '',
    steps = `      - uses: ${CHECKOUT}\n      - uses: ./\n        with:\n          os-name: debian\n          os-version: '12'\n`,
  } = {}) =>
    `on: push\n${permissions}jobs:\n  build:\n    runs-on: ubuntu-24.04\n${jobPermissions}${matrix}    steps:\n${steps}`
  const action = (withLines: string, ref = './') =>
    `      - uses: ${CHECKOUT}\n      - uses: ${ref}\n        with:\n${withLines
      .split('\n')
      .map((l) => `          ${l}`)
      .join('\n')}\n`

  test('the minimal workflow passes', () => {
    expect(checkWorkflow(workflow())).toEqual({ problems: [], actionUses: 1 })
  })

  test.each([
    ['YAML that does not parse', 'on: push\njobs:\n  a:\n    - b\n   c: 1\n', /YAML/],
    ['a duplicate key', 'on: push\non: pull_request\njobs: {}\n', /unique/],
    ['no jobs', 'on: push\npermissions: {}\n', /no jobs/],
    ['no top-level permissions', workflow({ permissions: '' }), /no top-level "permissions"/],
    ['write-all at the top', workflow({ permissions: 'permissions: write-all\n' }), /grant write: write-all/],
    [
      'a write scope at the top',
      workflow({ permissions: 'permissions:\n  contents: read\n  id-token: write\n' }),
      /grant write: id-token/,
    ],
    [
      'id-token: write in a job that exchanges no token',
      workflow({ jobPermissions: '    permissions:\n      id-token: write\n' }),
      /id-token: write, but no step/,
    ],
    [
      'an input action.yml does not have',
      workflow({ steps: action("os-name: debian\nos-version: '12'\ncompress: lz4") }),
      /input "compress" does not exist/,
    ],
    [
      'a required input left out',
      workflow({ steps: action('os-name: debian') }),
      /required input "os-version" is missing/,
    ],
    [
      'the published action too, by repository name',
      workflow({ steps: action('os-name: debian', 'metal-stack/metal-image-action@v1') }),
      /required input "os-version" is missing/,
    ],
    [
      'a value the action refuses',
      workflow({ steps: action("os-name: debian\nos-version: '3.0_ubuntu'") }),
      /input "os-version" = "3.0_ubuntu"/,
    ],
    [
      'promote without to-channel',
      workflow({ steps: action("os-name: debian\nos-version: '12'\nmode: promote\nfrom-channel: stable") }),
      /to-channel.*required with mode: promote/,
    ],
    [
      'endpoint with a gs:// destination',
      workflow({
        steps: action(
          "os-name: debian\nos-version: '12'\ndestination: gs://b/p\nendpoint: https://s3.example.com",
        ),
      }),
      /"endpoint" only applies to a s3:\/\/ destination/,
    ],
    [
      'predefined-acl with an s3:// destination known only in part',
      workflow({
        steps: action(
          "os-name: debian\nos-version: '12'\ndestination: s3://${{ vars.BUCKET }}/p\npredefined-acl: ${{ vars.ACL }}",
        ),
      }),
      /"predefined-acl" only applies to a gs:\/\/ destination/,
    ],
    [
      'a bad value from the matrix',
      workflow({
        matrix:
          "    strategy:\n      matrix:\n        os: [{ name: debian, version: '12' }, { name: Ubuntu, version: '24.04' }]\n",
        steps: action('os-name: ${{ matrix.os.name }}\nos-version: ${{ matrix.os.version }}'),
      }),
      /matrix .*"Ubuntu".*os-name/,
    ],
    [
      'an os-version the matrix has as a number',
      workflow({
        matrix: '    strategy:\n      matrix:\n        version: [24.04]\n',
        steps: action('os-name: ubuntu\nos-version: ${{ matrix.version }}'),
      }),
      /YAML number/,
    ],
    [
      'a value from an include entry',
      workflow({
        matrix:
          "    strategy:\n      matrix:\n        include:\n          - { os: debian, version: '12.x' }\n",
        steps: action('os-name: ${{ matrix.os }}\nos-version: ${{ matrix.version }}'),
      }),
      /12\.x/,
    ],
    [
      'uses: ./ without a checkout',
      workflow({
        steps: "      - uses: ./\n        with:\n          os-name: debian\n          os-version: '12'\n",
      }),
      /without an actions\/checkout/,
    ],
    [
      'a third-party action by tag',
      workflow({
        steps: `      - uses: actions/checkout@v7\n${action("os-name: debian\nos-version: '12'")}`,
      }),
      /actions\/checkout@v7 is not pinned/,
    ],
    [
      'a third-party action by a short SHA',
      workflow({
        steps: `      - uses: actions/checkout@3d3c42e # v7.0.1\n${action("os-name: debian\nos-version: '12'")}`,
      }),
      /not pinned to a full 40-hex commit SHA/,
    ],
    [
      'a SHA without its version',
      workflow({
        steps: `      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020\n${action("os-name: debian\nos-version: '12'")}`,
      }),
      /line \d+: .* has no "# v<version>" comment/,
    ],
    [
      'a docker image by tag',
      workflow({ steps: `      - uses: docker://alpine:3\n${action("os-name: debian\nos-version: '12'")}` }),
      /not pinned by digest/,
    ],
    [
      'a reusable workflow by branch',
      'on: push\npermissions: {}\njobs:\n  a:\n    uses: octo/wf/.github/workflows/x.yml@main\n',
      /not pinned/,
    ],
    [
      'an expression pasted into a script',
      workflow({
        steps: `      - uses: ${CHECKOUT}\n      - run: echo "\${{ github.ref_name }}"\n${action("os-name: debian\nos-version: '12'").split('\n').slice(1).join('\n')}`,
      }),
      /inside run: pass the value through env/,
    ],
    [
      'auth before checkout',
      workflow({
        jobPermissions: '    permissions:\n      id-token: write\n',
        steps: `      - uses: ${AUTH}\n${action("os-name: debian\nos-version: '12'")}`,
      }),
      /auth must come after actions\/checkout/,
    ],
  ])('%s', (_name, text, expected) => {
    const { problems } = checkWorkflow(text)
    expect(problems.join('\n')).toMatch(expected)
  })

  test('id-token: write in the job that authenticates is fine', () => {
    const text = workflow({
      jobPermissions: '    permissions:\n      contents: read\n      id-token: write\n',
      steps: `      - uses: ${CHECKOUT}\n      - uses: ${AUTH}\n        with:\n          workload_identity_provider: p\n      - uses: ./\n        with:\n          os-name: debian\n          os-version: '12'\n          destination: gs://bucket/metal-os\n`,
    })
    expect(checkWorkflow(text).problems).toEqual([])
  })
})

describe('matrixCombinations', () => {
  test.each([
    [{}, [{}]],
    [
      { strategy: { matrix: { a: [1, 2], b: ['x'] } } },
      [
        { a: 1, b: 'x' },
        { a: 2, b: 'x' },
      ],
    ],
    [{ strategy: { matrix: { a: [1, 2], exclude: [{ a: 2 }] } } }, [{ a: 1 }]],
    // An include entry extends the combinations it does not contradict, or is a combination of its own.
    [{ strategy: { matrix: { a: [1, 2], include: [{ a: 1, c: 'y' }] } } }, [{ a: 1, c: 'y' }, { a: 2 }]],
    [{ strategy: { matrix: { a: [1], include: [{ a: 3 }] } } }, [{ a: 1 }, { a: 3 }]],
    [{ strategy: { matrix: '${{ fromJSON(needs.a.outputs.m) }}' } }, undefined],
  ] as [Obj, Combination[] | undefined][])('%j', (job, expected) => {
    expect(matrixCombinations(job)).toEqual(expected)
  })
})
