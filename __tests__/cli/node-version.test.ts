import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { NODE_MAJOR, nodeTooOld } from '../../src/util/node-version.ts'

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))

/** The modules an ES module of dist/ loads before its first line runs: its static imports, transitively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  if (file.startsWith('node:')) return seen
  const code = readFileSync(join(DIST, file), 'utf8')
  for (const m of code.matchAll(
    /^(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm,
  )) {
    const spec = m[1] ?? m[2]!
    staticClosure(spec.startsWith('./') ? spec.slice(2) : spec, seen)
  }
  return seen
}

/** A `node` older than 24 on PATH (the machines' own node is 20), outside node_modules. */
function oldNode(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue
    const path = join(dir, 'node')
    if (!existsSync(path)) continue
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim()
    if (nodeTooOld(version, 'x')) return { path, version }
  }
  return undefined
}

describe('nodeTooOld', () => {
  test('one line naming the Node it needs and the one it got', () => {
    expect(nodeTooOld('v20.19.2', 'metal-image')).toBe(
      'metal-image needs Node.js 24 or later (this is v20.19.2)',
    )
    expect(nodeTooOld('v23.11.0', 'metal-image')).toMatch(/this is v23\.11\.0/)
    expect(nodeTooOld('v24.0.0', 'metal-image')).toBeUndefined()
    expect(nodeTooOld('v26.1.0', 'metal-image')).toBeUndefined()
    expect(nodeTooOld(process.version, 'metal-image')).toBeUndefined()
    expect(NODE_MAJOR).toBe(24)
  })
})

describe('the bundled entries check the Node version before loading what needs 24', () => {
  test.each(['cli.js', 'index.js'])('%s loads nothing but the check before its first line runs', (entry) => {
    const loaded = [...staticClosure(entry)]
    // node:sqlite, the store clients and the rest come in through import() after the check.
    expect(loaded.filter((m) => m.startsWith('node:'))).toEqual(['node:module'])
    for (const chunk of loaded.filter((m) => !m.startsWith('node:') && m !== entry))
      expect(readFileSync(join(DIST, chunk), 'utf8').length).toBeLessThan(4000)
  })

  const old = oldNode()
  if (!old) console.warn('skipping: no Node.js older than 24 on PATH to run the bundle with')
  test.skipIf(!old).each([
    ['cli.js', 'stderr', 'error: metal-image needs Node.js 24 or later'],
    ['index.js', 'stdout', '::error::metal-image-action needs Node.js 24 or later'],
  ] as const)('%s under an old Node: one line, exit code 1', (entry, stream, line) => {
    const r = spawnSync(old!.path, [join(DIST, entry), '--help'], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r[stream]).toBe(`${line} (this is ${old!.version})\n`)
    expect(r[stream === 'stderr' ? 'stdout' : 'stderr']).toBe('')
  })
})
