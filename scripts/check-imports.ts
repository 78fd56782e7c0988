// The folder rules of src/ (ARCHITECTURE.md): each folder may import only from the folders listed for it,
// which all lie below it, and no module may reach itself through its imports. `npm run lint` runs this;
// __tests__/architecture.test.ts checks that it catches what it should.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** What each folder of src/ may import besides itself, lowest first. */
export const RULES: Record<string, readonly string[]> = {
  util: [],
  lz4: ['util'],
  rootfs: ['util'],
  packages: ['util'],
  source: ['util'],
  store: ['util'],
  verify: ['util', 'lz4'],
  pipeline: ['util', 'lz4', 'rootfs', 'source'],
  release: ['util', 'store'],
  config: ['util', 'lz4', 'rootfs', 'source', 'store', 'release', 'verify'],
  app: ['util', 'lz4', 'rootfs', 'packages', 'source', 'store', 'verify', 'pipeline', 'release', 'config'],
  github: ['util', 'release', 'config', 'app'],
  cli: ['util', 'config', 'app', 'github'],
}

/** Relative module specifiers of a TypeScript file: static imports, re-exports and import(). Type-only ones count too. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const found: string[] = []
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g))
    found.push(m[1]!)
  for (const m of code.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) found.push(m[1]!)
  return found
}

export interface Violation {
  file: string
  message: string
}

/** Files (paths relative to src/, "/"-separated) and their resolved imports, checked against RULES. */
export function violations(graph: Map<string, string[]>): Violation[] {
  const out: Violation[] = []
  for (const [file, targets] of graph) {
    const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : ''
    const allowed = RULES[folder]
    if (!allowed) {
      out.push({
        file,
        message: `is not in one of the folders of ARCHITECTURE.md (${Object.keys(RULES).join(', ')})`,
      })
      continue
    }
    for (const target of targets) {
      if (target.startsWith('../')) {
        out.push({ file, message: `imports ${target}, outside src/` })
        continue
      }
      const to = target.includes('/') ? target.slice(0, target.indexOf('/')) : ''
      if (to !== folder && !allowed.includes(to))
        out.push({
          file,
          message: `imports ${target}: ${folder}/ may import only ${allowed.length ? allowed.map((f) => `${f}/`).join(', ') : 'nothing of ours'}`,
        })
    }
  }
  for (const cycle of cycles(graph))
    out.push({ file: cycle[0]!, message: `is in an import circle: ${cycle.join(' -> ')}` })
  return out
}

/** Every import circle once, each as the path from its first file back to it. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file)
  return found
}

/** The import graph of a source folder: every .ts file with the files it imports, relative to `root`. */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) {
        const targets = importsOf(readFileSync(path, 'utf8')).map((spec) =>
          relative(root, resolve(dirname(path), spec))
            .split('\\')
            .join('/'),
        )
        graph.set(relative(root, path).split('\\').join('/'), targets)
      }
    }
  }
  walk(root)
  return graph
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..', 'src')
  const found = violations(importGraph(root))
  for (const v of found) console.error(`src/${v.file} ${v.message}`)
  if (found.length > 0) {
    console.error(`${found.length} import rule violations (see ARCHITECTURE.md)`)
    process.exit(1)
  }
  console.log('imports: every one points down the folder rules of ARCHITECTURE.md, no circles')
}
