import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { cycles, importGraph, importsOf, RULES, violations } from '../scripts/check-imports.ts'

const src = join(import.meta.dirname, '..', 'src')

describe('the folder rules of ARCHITECTURE.md', () => {
  test('src/ keeps them: every import points down, no circles', () => {
    expect(violations(importGraph(src))).toEqual([])
  })

  test('every folder of src/ has a rule, and ARCHITECTURE.md names each folder', () => {
    const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory())
    expect(folders.map((f) => f.name).sort()).toEqual(Object.keys(RULES).sort())
    const doc = readFileSync(join(import.meta.dirname, '..', 'ARCHITECTURE.md'), 'utf8')
    for (const folder of Object.keys(RULES)) expect(doc).toContain(`\`${folder}/\``)
  })

  test('an import that points up, one sideways, a file outside the folders and a circle are each caught', () => {
    const graph = new Map<string, string[]>([
      ['util/log.ts', ['app/run.ts']],
      ['store/s3.ts', ['source/docker.ts']],
      ['loose.ts', []],
      ['release/a.ts', ['release/b.ts']],
      ['release/b.ts', ['release/a.ts']],
      ['app/run.ts', ['util/log.ts']],
      ['source/docker.ts', []],
    ])
    const found = violations(graph).map((v) => `${v.file} ${v.message}`)
    expect(found).toEqual([
      'util/log.ts imports app/run.ts: util/ may import only nothing of ours',
      'store/s3.ts imports source/docker.ts: store/ may import only util/',
      expect.stringMatching(/^loose\.ts is not in one of the folders/),
      'app/run.ts is in an import circle: app/run.ts -> util/log.ts -> app/run.ts',
      'release/a.ts is in an import circle: release/a.ts -> release/b.ts -> release/a.ts',
    ])
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a', 'a']])
  })

  test('imports are found in every form: type-only, re-exports, multi-line, dynamic', () => {
    const text = [
      "import type { A } from './a.ts'",
      "export { B } from '../b.ts'",
      'import {\n  C,\n  D,\n} from "./c.ts"',
      "const s3 = await import('./s3.ts')",
      "// import { X } from './commented.ts'",
      "import { readFileSync } from 'node:fs'",
    ].join('\n')
    expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './s3.ts'])
  })
})
