#!/usr/bin/env node
// Bundles src/ into dist/, the folder GitHub runs the action from (with no node_modules beside it):
// the action entry, the CLI, the workers, and our LZ4 addon (native/prebuilt/) for both kinds of Linux
// runner. With --check, bundles into a temporary folder and fails when dist/ differs from it.
import { build } from 'esbuild'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeLicenses } from './licenses.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const check = process.argv.includes('--check')
const out = check ? mkdtempSync(join(tmpdir(), 'metal-image-dist-')) : join(root, 'dist')
const NATIVE_ARCHES = ['x64', 'arm64']

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const bundled = await build({
  absWorkingDir: root,
  // Worker names must match src/util/workers.ts; the test's root helper, src/verify/sandbox.ts.
  entryPoints: {
    index: 'src/github/index.ts',
    cli: 'src/cli/bin.ts',
    'lz4-worker': 'src/lz4/worker.ts',
    'hash-worker': 'src/pipeline/hash-worker.ts',
    'read-ahead-worker': 'src/pipeline/read-ahead-worker.ts',
    'rpmdb-reader': 'src/packages/rpm/child.ts',
    'verify-helper': 'src/verify/helper.ts',
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: '[name]-[hash]',
  // Bundled CommonJS dependencies call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  // Taken out of the code into dist/licenses.txt (with every bundled package's license), not linked per chunk.
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
})

const cli = join(out, 'cli.js')
writeFileSync(cli, '#!/usr/bin/env node\n' + readFileSync(cli, 'utf8'))
chmodSync(cli, 0o755)
// Without a package.json of its own, dist/ copied anywhere would be read as CommonJS.
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n')

// Our Node-API addon of lz4's C (native/, built and checked by native/build.sh; src/lz4/native.ts loads it).
const lz4block = NATIVE_ARCHES.map((arch) => `lz4block.linux-${arch}-gnu.node`)
for (const file of lz4block) cpSync(join(root, 'native', 'prebuilt', file), join(out, file))
const lz4 = {
  name: 'lz4',
  version: '1.9.4',
  license: 'BSD-2-Clause',
  repository: 'github.com/lz4/lz4',
  files: lz4block,
  source: "native/lz4/LICENSE (lz4's lib/LICENSE)",
  note:
    "lz4's library (lz4.c, lz4hc.c), unmodified from Debian 12's source package lz4_1.9.4-1, compiled with " +
    "metal-image-action's own native/lz4block.c (under its MIT License) into the files above.",
  text: readFileSync(join(root, 'native', 'lz4', 'LICENSE'), 'utf8').trim(),
}
writeLicenses({ root, out, metafile: bundled.metafile, vendored: [lz4] })

// action.yml comes from src/config/inputs.ts (scripts/action-yml.ts), compiled here so any Node can run this.
const generator = await build({
  absWorkingDir: root,
  entryPoints: ['scripts/action-yml.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
})
const generatorFile = join(mkdtempSync(join(tmpdir(), 'metal-image-action-yml-')), 'action-yml.mjs')
writeFileSync(generatorFile, generator.outputFiles[0].text)
const actionYml = (await import(generatorFile)).actionYml()
rmSync(dirname(generatorFile), { recursive: true, force: true })
if (!check) writeFileSync(join(root, 'action.yml'), actionYml)

if (check) {
  const dist = join(root, 'dist')
  const list = (dir, prefix = '') =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? list(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
  const fresh = new Set(list(out))
  const committed = new Set(existsSync(dist) ? list(dist) : [])
  const problems = []
  for (const f of fresh) {
    if (!committed.has(f)) problems.push(`missing in dist/: ${f}`)
    else if (!readFileSync(join(out, f)).equals(readFileSync(join(dist, f))))
      problems.push(`differs: dist/${f}`)
  }
  for (const f of committed) if (!fresh.has(f)) problems.push(`stale in dist/: ${f}`)
  if (readFileSync(join(root, 'action.yml'), 'utf8') !== actionYml)
    problems.push('differs: action.yml (from src/config/inputs.ts)')
  rmSync(out, { recursive: true, force: true })
  if (problems.length > 0) {
    console.error(
      `dist/ or action.yml is not fresh from src/ (run npm run bundle and commit both):\n  ${problems.join('\n  ')}`,
    )
    process.exit(1)
  }
  console.log('dist/ and action.yml match a fresh build from src/')
}
