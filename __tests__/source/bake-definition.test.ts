import { describe, expect, test } from 'vitest'
import {
  definitionJson,
  droppedBecause,
  envSecrets,
  parseOutput,
  parseSetLines,
  planBake,
  printFailure,
  printOverrides,
  pushes,
  type BakeDefinition,
} from '../../src/source/bake-definition.ts'
import { bakeMessage } from '../../src/source/bake.ts'
import { NO_BUILDX_OPTIONS, type BakeConfig } from '../../src/source/config.ts'
import { InputError } from '../../src/util/errors.ts'

const CONFIG: BakeConfig = {
  files: ['docker-bake.hcl'],
  target: 'ubuntu-firewall',
  set: [],
  buildArgs: [],
  labels: [],
  stage: '',
  platform: 'linux/amd64',
  noCache: false,
  pull: false,
  buildx: NO_BUILDX_OPTIONS,
}

/**
 * What `docker buildx bake --print ubuntu-firewall` printed for the fixture (buildx 0.13.1), with the
 * marker args of set lines 0 (`_common.output+=type=registry`) and 1 (`ubuntu.tags+=r/u:extra`).
 */
const PRINTED: BakeDefinition = {
  group: { default: { targets: ['ubuntu-firewall'] } },
  target: {
    ubuntu: {
      context: '.',
      contexts: { cloudinit: './debian/cloud-init', ctx: './debian/context' },
      dockerfile: './debian/Dockerfile',
      args: {
        BASE_OS_NAME: 'bake-base/ubuntu',
        FIXTURE_VERSION: '1.2.3',
        METAL_IMAGE_SET_LINE_0: '1',
        METAL_IMAGE_SET_LINE_1: '1',
      },
      tags: ['127.0.0.1:15000/bake-fixture/ubuntu:12'],
      secret: ['id=fixture_token,env=FIXTURE_TOKEN'],
    },
    'ubuntu-firewall': {
      context: '.',
      contexts: { baseapp: 'target:ubuntu', ctx: './firewall/context' },
      dockerfile: './firewall/Dockerfile',
      args: { METAL_IMAGE_SET_LINE_0: '1' },
      tags: ['127.0.0.1:15000/bake-fixture/firewall:3.0-ubuntu'],
      output: ['type=cacheonly'],
    },
  },
}

function error(fn: () => unknown): InputError {
  try {
    fn()
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('no error')
}

describe('set lines', () => {
  test("taken apart; output, push and += lines are the action's, others go to buildx as written", () => {
    expect(
      parseSetLines([
        '_common.output+=type=registry',
        'debian.args.FOO=a=b',
        'debian.args.FROM_ENV',
        '*.tags+=r/x:1',
        'debian.push=true',
        'debian.output=type=tar,dest=-',
      ]),
    ).toEqual([
      {
        line: '_common.output+=type=registry',
        pattern: '_common',
        key: 'output',
        append: true,
        value: 'type=registry',
        by: 'action',
        marker: 'METAL_IMAGE_SET_LINE_0',
      },
      {
        line: 'debian.args.FOO=a=b',
        pattern: 'debian',
        key: 'args.FOO',
        append: false,
        value: 'a=b',
        by: 'buildx',
      },
      {
        line: 'debian.args.FROM_ENV',
        pattern: 'debian',
        key: 'args.FROM_ENV',
        append: false,
        value: undefined,
        by: 'buildx',
      },
      {
        line: '*.tags+=r/x:1',
        pattern: '*',
        key: 'tags',
        append: true,
        value: 'r/x:1',
        by: 'action',
        marker: 'METAL_IMAGE_SET_LINE_3',
      },
      {
        line: 'debian.push=true',
        pattern: 'debian',
        key: 'push',
        append: false,
        value: 'true',
        by: 'action',
        marker: 'METAL_IMAGE_SET_LINE_4',
      },
      {
        line: 'debian.output=type=tar,dest=-',
        pattern: 'debian',
        key: 'output',
        append: false,
        value: 'type=tar,dest=-',
        by: 'action',
        marker: 'METAL_IMAGE_SET_LINE_5',
      },
    ])
  })

  test.each([
    ['nodot=1', 'expected target.key=value'],
    ['debian.tags', 'only args.NAME may leave out the value'],
    ['debian.args.X+=1', '+= appends to a list'],
    ['debian.dockerfile+=x', '+= appends to a list'],
    ['deb ian.tags=x', 'expected target.key=value'],
  ])('%s is an error naming the line', (line, text) => {
    const err = error(() => parseSetLines([line]))
    expect(err.input).toBe('set')
    expect(err.message).toContain(line)
    expect(err.message).toContain(text)
  })

  test("the print replaces the target's outputs first, then each line or its marker", () => {
    const sets = parseSetLines(['_common.output+=type=registry', 'debian.args.FOO=1'])
    expect(printOverrides('debian', sets)).toEqual([
      '--set',
      'debian.output=type=cacheonly',
      '--set',
      '_common.args.METAL_IMAGE_SET_LINE_0=1',
      '--set',
      'debian.args.FOO=1',
    ])
  })
})

describe('planBake', () => {
  const sets = parseSetLines(['_common.output+=type=registry', 'ubuntu.tags+=r/u:extra'])

  test("metal-images' line pushes the target it reaches; its linked target keeps no outputs", () => {
    const plan = planBake(PRINTED, { config: CONFIG, sets, secretSpecs: [] })
    expect(plan.outputs).toEqual(['type=tar,dest=-', 'type=registry'])
    expect(plan.pushTo).toEqual(['127.0.0.1:15000/bake-fixture/firewall:3.0-ubuntu'])
    expect(plan.pushedBy).toEqual({ input: 'set', value: '_common.output+=type=registry' })
    const fw = plan.definition.target['ubuntu-firewall']!
    expect(fw.output).toEqual(['type=tar,dest=-', 'type=registry'])
    expect(fw.platforms).toEqual(['linux/amd64'])
    expect(fw.args).toBeUndefined()
    const ubuntu = plan.definition.target.ubuntu!
    expect(ubuntu.output).toBeUndefined()
    // The += on a list reached ubuntu (markers gone, the rest of the args as printed).
    expect(ubuntu.tags).toEqual(['127.0.0.1:15000/bake-fixture/ubuntu:12', 'r/u:extra'])
    expect(ubuntu.args).toEqual({ BASE_OS_NAME: 'bake-base/ubuntu', FIXTURE_VERSION: '1.2.3' })
    expect(plan.definition.group).toBeUndefined()
    expect(plan.secrets).toEqual([{ target: 'ubuntu', spec: 'id=fixture_token,env=FIXTURE_TOKEN' }])
    // The printed definition is left as it was.
    expect(PRINTED.target['ubuntu-firewall']!.output).toEqual(['type=cacheonly'])
  })

  test('outputs that would write the rootfs to disk are left out, with the reason', () => {
    const printed = structuredClone(PRINTED)
    const lines = [
      'ubuntu-firewall.output=type=tar,dest=./img.tar',
      'ubuntu-firewall.output+=type=local,dest=out',
      'ubuntu-firewall.output+=./dir',
      'ubuntu-firewall.output+=-',
      'ubuntu-firewall.output+=type=cacheonly',
      'ubuntu-firewall.output+=type=docker',
    ]
    printed.target['ubuntu-firewall']!.args = Object.fromEntries(
      lines.map((_, i) => [`METAL_IMAGE_SET_LINE_${i}`, '1']),
    )
    const plan = planBake(printed, { config: CONFIG, sets: parseSetLines(lines), secretSpecs: [] })
    expect(plan.outputs).toEqual(['type=tar,dest=-', 'type=docker'])
    expect(plan.dropped.map((d) => d.spec)).toEqual([
      'type=tar,dest=./img.tar',
      'type=local,dest=out',
      './dir',
      '-',
      'type=cacheonly',
    ])
    expect(plan.dropped[0]!.why).toMatch(/uncompressed rootfs to disk \(\.\/img\.tar\)/)
    expect(plan.pushedBy).toBeUndefined()
    expect(plan.pushTo).toEqual([])
  })

  test("push and tags inputs: one image output, the tags replace the target's", () => {
    const config = {
      ...CONFIG,
      buildx: { ...NO_BUILDX_OPTIONS, push: true, tags: ['r/fw:1', 'r/fw:latest'] },
    }
    const plan = planBake(PRINTED, { config, sets: [], secretSpecs: [] })
    expect(plan.outputs).toEqual(['type=tar,dest=-', 'type=image,push=true'])
    expect(plan.pushTo).toEqual(['r/fw:1', 'r/fw:latest'])
    expect(plan.pushedBy).toEqual({ input: 'push', value: 'true' })
    // A pushing output from set and push: true push once.
    const both = planBake(PRINTED, { config, sets, secretSpecs: [] })
    expect(both.outputs).toEqual(['type=tar,dest=-', 'type=registry'])
    expect(both.pushTo).toEqual(['r/fw:1', 'r/fw:latest'])
  })

  test('a push set to anything but true or false is an error naming the line, not no push', () => {
    const config = { ...CONFIG, buildx: { ...NO_BUILDX_OPTIONS, tags: ['r/fw:1'] } }
    const maybe = parseSetLines(['ubuntu-firewall.push=maybe'])
    const err = error(() => planBake(PRINTED, { config, sets: maybe, secretSpecs: [] }))
    expect([err.input, err.message]).toEqual([
      'set',
      'input "set" = "ubuntu-firewall.push=maybe": push takes true or false',
    ])
    const off = parseSetLines(['ubuntu-firewall.push=false'])
    expect(planBake(PRINTED, { config, sets: off, secretSpecs: [] }).pushTo).toEqual([])
    // What buildx takes (Go's ParseBool): t and f too.
    const t = parseSetLines(['ubuntu-firewall.push=t'])
    expect(planBake(PRINTED, { config, sets: t, secretSpecs: [] }).pushTo).toEqual(['r/fw:1'])
  })

  test('a push needs a name', () => {
    const printed = structuredClone(PRINTED)
    delete printed.target['ubuntu-firewall']!.tags
    const err = error(() => planBake(printed, { config: CONFIG, sets, secretSpecs: [] }))
    expect(err.input).toBe('tags')
    expect(err.message).toContain('_common.output+=type=registry')
    // An output that names its image needs no tags.
    printed.target['ubuntu-firewall']!.args = { METAL_IMAGE_SET_LINE_0: '1' }
    const named = parseSetLines(['_common.output+=type=image,"name=r/a:1,r/a:2",push=true'])
    expect(planBake(printed, { config: CONFIG, sets: named, secretSpecs: [] }).pushTo).toEqual([
      'r/a:1',
      'r/a:2',
    ])
  })

  test('inputs over the target; secrets, ssh, attestations, no-cache and pull over every target built', () => {
    const config: BakeConfig = {
      ...CONFIG,
      buildArgs: [['A', '1']],
      labels: ['org.x=y=z'],
      stage: 'final',
      noCache: true,
      pull: true,
      buildx: {
        ...NO_BUILDX_OPTIONS,
        contexts: [['ctx', './other']],
        ssh: ['default'],
        cacheFrom: ['type=registry,ref=r/c'],
        cacheTo: ['type=inline'],
        attests: [{ spec: 'type=provenance,disabled=true', input: 'provenance' }],
      },
    }
    const plan = planBake(PRINTED, { config, sets: [], secretSpecs: ['id=s,src=/tmp/x/secret-0'] })
    const fw = plan.definition.target['ubuntu-firewall']!
    expect(fw).toMatchObject({
      args: { A: '1' },
      labels: { 'org.x': 'y=z' },
      target: 'final',
      contexts: { baseapp: 'target:ubuntu', ctx: './other' },
      'cache-from': ['type=registry,ref=r/c'],
      'cache-to': ['type=inline'],
    })
    for (const t of Object.values(plan.definition.target)) {
      expect(t['no-cache']).toBe(true)
      expect(t.pull).toBe(true)
      expect(t.ssh).toEqual(['default'])
      expect(t.attest).toEqual(['type=provenance,disabled=true'])
      expect(t.secret?.at(-1)).toBe('id=s,src=/tmp/x/secret-0')
    }
    const ubuntu = plan.definition.target.ubuntu!
    expect(ubuntu.target).toBeUndefined()
    expect(ubuntu.args).not.toHaveProperty('A')
  })

  test('attestations: the last of each type counts, disabled ones ask for nothing; each names its source', () => {
    const printed = structuredClone(PRINTED)
    printed.target.ubuntu!.attest = ['type=provenance,mode=max', 'type=sbom']
    const off = {
      ...CONFIG,
      buildx: {
        ...NO_BUILDX_OPTIONS,
        attests: [
          { spec: 'type=provenance,disabled=true', input: 'provenance' as const },
          { spec: 'type=sbom,disabled=true', input: 'sbom-attestation' as const },
        ],
      },
    }
    expect(planBake(printed, { config: off, sets: [], secretSpecs: [] }).attests).toEqual([])
    expect(planBake(printed, { config: CONFIG, sets: [], secretSpecs: [] }).attests).toEqual([
      { target: 'ubuntu', spec: 'type=provenance,mode=max', input: 'targets' },
      { target: 'ubuntu', spec: 'type=sbom', input: 'targets' },
    ])
    const on = {
      ...CONFIG,
      buildx: { ...NO_BUILDX_OPTIONS, attests: [{ spec: 'type=sbom', input: 'attests' as const }] },
    }
    expect(planBake(PRINTED, { config: on, sets: [], secretSpecs: [] }).attests).toContainEqual({
      target: 'ubuntu-firewall',
      spec: 'type=sbom',
      input: 'attests',
    })
  })

  test('one target, not a group', () => {
    const group = structuredClone(PRINTED)
    group.group = { default: { targets: ['ubuntu', 'ubuntu-firewall'] } }
    expect(error(() => planBake(group, { config: CONFIG, sets: [], secretSpecs: [] })).message).toMatch(
      /names several targets \(ubuntu, ubuntu-firewall\)/,
    )
  })
})

describe('outputs', () => {
  test.each([
    ['type=registry', true],
    ['type=image,push=true', true],
    ['type=image,"name=a,b",push=true', true],
    ['type=image,push=false', false],
    ['type=image', false],
    ['type=tar,dest=-', false],
    ['type=docker', false],
  ])('%s pushes: %s', (spec, expected) => {
    expect(pushes(spec)).toBe(expected)
  })

  test('option strings are CSV: quoted names keep their commas', () => {
    expect(parseOutput('type=image,"name=r/a:1,r/a:2",push=true')).toEqual({
      type: 'image',
      attrs: new Map([
        ['type', 'image'],
        ['name', 'r/a:1,r/a:2'],
        ['push', 'true'],
      ]),
    })
    // An archive on disk: buildx empties an existing file before the build starts.
    expect(droppedBecause('type=oci,dest=image.tar')).toBe('it would write a file (image.tar)')
    expect(droppedBecause('type=docker,dest=/tmp/x.tar')).toBe('it would write a file (/tmp/x.tar)')
    expect(droppedBecause('type=oci,dest=-')).toBe("standard output carries the action's tar stream")
    expect(droppedBecause('type=docker')).toBeUndefined()
    expect(droppedBecause('type=image,push=true')).toBeUndefined()
  })
})

describe('the definition as a bake file', () => {
  test('${ and %{ stay what they were: bake reads JSON strings as HCL templates', () => {
    const json = definitionJson({
      target: {
        t: {
          args: { A: 'a${b}c', B: '100%{x}', C: null, 'K${y': 'v', 'L%{z': 'w' },
          'dockerfile-inline': 'FROM x\nRUN echo ${HOME}',
        },
      },
    })
    expect(JSON.parse(json)).toEqual({
      target: {
        t: {
          args: { A: 'a$${b}c', B: '100%%{x}', C: null, 'K$${y': 'v', 'L%%{z': 'w' },
          'dockerfile-inline': 'FROM x\nRUN echo $${HOME}',
        },
      },
    })
  })
})

describe('secrets of the bake file', () => {
  test('those that read a variable: env=, type=env with src, or a bare id named like a variable', () => {
    process.env.METAL_IMAGE_TEST_BARE = 'x'
    try {
      expect(
        envSecrets([
          'id=a,env=VAR_A',
          'type=env,id=b,src=VAR_B',
          'id=c,src=./file',
          'id=METAL_IMAGE_TEST_BARE',
          'id=no_such_variable_or_file',
        ]),
      ).toEqual([
        { id: 'a', variable: 'VAR_A' },
        { id: 'b', variable: 'VAR_B' },
        { id: 'METAL_IMAGE_TEST_BARE', variable: 'METAL_IMAGE_TEST_BARE' },
      ])
    } finally {
      delete process.env.METAL_IMAGE_TEST_BARE
    }
  })
})

describe("bake's errors, attributed to the input they are about", () => {
  const sets = parseSetLines(['nope.args.X=1', 'debian.foo=1'])
  const debian = { ...CONFIG, target: 'debian' }

  test.each([
    ["ERROR: could not find any target matching 'debian'", 'targets', 'no such target in docker-bake.hcl'],
    ['ERROR: failed to find target debian', 'targets', 'no such target'],
    ["ERROR: could not find any target matching 'nope'", 'set', 'nope.args.X=1'],
    ['ERROR: unknown key: foo', 'set', 'debian.foo=1'],
    [
      'docker-bake.hcl:2\n--------------------\nERROR: docker-bake.hcl:2,16-3,1: Invalid expression; Expected the start of an expression',
      'bake-files',
      'Invalid expression',
    ],
    ['ERROR: failed to stat /x: no such file or directory', 'targets', 'failed to stat /x'],
  ])('%s -> %s', (message, input, text) => {
    const err = printFailure(message, debian, sets)
    expect(err.input).toBe(input)
    expect(err.message).toContain(text)
  })

  test("bake's message without its progress lines", () => {
    expect(
      bakeMessage(
        '#0 building with "default" instance using docker driver\n#1 [internal] load local bake definitions\n' +
          'docker-bake.hcl:2\n--------------------\n   2 | >>> x\n--------------------\nERROR: docker-bake.hcl:2,1-2: Invalid\n',
      ),
    ).toBe(
      'docker-bake.hcl:2\n--------------------\n   2 | >>> x\n--------------------\nERROR: docker-bake.hcl:2,1-2: Invalid',
    )
  })

  test('a minified bake file: its line is cut, the error itself is kept', () => {
    const line = `{"target":{"img":{"platforms":"linux/amd64",${'"x":1,'.repeat(1000)}}}}`
    const excerpt = Array.from({ length: 20 }, (_, i) => `  ${i} | ${line}`).join('\n')
    const message = bakeMessage(
      `min.json:1\n--------------------\n${excerpt}\n--------------------\nERROR: min.json:1,40-53: Unsuitable value type; list of string required\n`,
    )
    expect(message.length).toBeLessThan(4200)
    expect(message).toMatch(/^min\.json:1\n/)
    expect(message).toMatch(/\.\.\. \(60\d\d characters\)/)
    expect(message.split('\n').at(-1)).toBe(
      'ERROR: min.json:1,40-53: Unsuitable value type; list of string required',
    )
  })
})
