import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'
import {
  fillMissing,
  packageDirOf,
  parseLegalFile,
  parseLicensesTxt,
  readmeLicenseSection,
  writeLicenses,
  type LicenseEntry,
} from '../scripts/licenses.mjs'

/**
 * dist/ carries third-party code: dist/licenses.txt must hold the license of every package in it (issue 19).
 * The packages are found here from the shipped files themselves, not from the generator's metafile: esbuild
 * writes a `// node_modules/<package>/<file>` line above every module it bundles.
 */

const root = resolve(import.meta.dirname, '..')
const dist = join(root, 'dist')

/** name@version of the package in each folder whose code dist/*.js holds. */
function packagesInBundle(): Map<string, string> {
  const found = new Map<string, string>()
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.js')))
    for (const m of readFileSync(join(dist, file), 'utf8').matchAll(/^\/\/ (node_modules\/\S+)$/gm)) {
      const dir = packageDirOf(m[1]!)
      if (!dir || found.has(dir)) continue
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
      found.set(dir, `${pkg.name}@${pkg.version}`)
    }
  return found
}

/** What a licenses.txt lacks: packages with no entry, or an entry without license text. */
function missingLicenses(licensesTxt: string, packages: Iterable<string>): string[] {
  const listed = new Map(parseLicensesTxt(licensesTxt).map((e) => [`${e.name}@${e.version}`, e.text]))
  return [...new Set(packages)].filter((p) => (listed.get(p) ?? '').length < 100).sort()
}

describe('dist/licenses.txt', () => {
  const licenses = readFileSync(join(dist, 'licenses.txt'), 'utf8')
  const bundled = packagesInBundle()

  test('every package whose code is in dist/*.js has its license text', () => {
    // The action's bundle holds a few hundred packages (AWS SDK, Google Cloud Storage, the toolkit).
    expect(bundled.size).toBeGreaterThan(100)
    expect(missingLicenses(licenses, bundled.values())).toEqual([])
  })

  test("our addon's binaries are listed under lz4, whose C they hold, with lz4's license", () => {
    const ours = readdirSync(dist).filter((f) => f.startsWith('lz4block.'))
    expect(ours.sort()).toEqual(['lz4block.linux-arm64-gnu.node', 'lz4block.linux-x64-gnu.node'])
    const entry = parseLicensesTxt(licenses).find((e) => e.name === 'lz4')
    expect({ ...entry, files: entry?.files.sort() }).toMatchObject({
      version: '1.9.4',
      license: 'BSD-2-Clause',
      files: ours,
    })
    expect(entry?.text).toBe(readFileSync(join(root, 'native/lz4/LICENSE'), 'utf8').trim())
    expect(entry?.text).toMatch(/^LZ4 Library\nCopyright \(c\) 2011-2020, Yann Collet/)
  })

  test('a text says which license it is: MIT packages carry MIT texts, Apache-2.0 ones the Apache License', () => {
    const entries = parseLicensesTxt(licenses)
    for (const e of entries.filter((e) => e.license === 'MIT'))
      expect(e.text, `${e.name}@${e.version}`).toMatch(/Permission is hereby granted|MIT/i)
    for (const e of entries.filter((e) => e.license === 'Apache-2.0'))
      expect(e.text, `${e.name}@${e.version}`).toMatch(/Apache License/i)
  })

  test('it is the one place: no per-chunk LEGAL files, no license links in the code', () => {
    const others = readdirSync(dist).filter((f) => /legal|licen[cs]e|notice|copying/i.test(f))
    expect(others).toEqual(['licenses.txt'])
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js')))
      expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/For license information please see/)
    // The legal comments taken out of the code are kept, under their package.
    expect(licenses).toMatch(/Package: undici\n[^=]*formdata-polyfill\. MIT License/)
  })

  test('the check catches a package without an entry, and an entry without text', () => {
    const [first, second] = [...new Set(bundled.values())]
    const entries = licenses.split(/(?=^={80}$)/m)
    const withoutFirst = entries.filter((e) => !e.includes(`Package: ${first!.replace(/@[^@]*$/, '')}\n`))
    expect(missingLicenses(withoutFirst.join(''), [first!, second!])).toEqual([first])
    const name = second!.replace(/@[^@]*$/, '')
    const emptied = entries
      .map((e) => (e.includes(`Package: ${name}\n`) ? e.split('\n\n')[0] + '\n\n\n' : e))
      .join('')
    expect(missingLicenses(emptied, [first!, second!])).toEqual([second])
  })
})

describe('scripts/licenses.mjs', () => {
  function fakeRoot(packages: Record<string, { json: object; files?: Record<string, string> }>): string {
    const dir = mkdtempSync(join(tmpdir(), 'licenses-'))
    for (const [name, { json, files = {} }] of Object.entries(packages)) {
      mkdirSync(join(dir, 'node_modules', name), { recursive: true })
      writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify(json))
      for (const [file, text] of Object.entries(files))
        writeFileSync(join(dir, 'node_modules', name, file), text)
    }
    mkdirSync(join(dir, 'out'))
    return dir
  }
  const metafile = (...inputs: string[]): Metafile => ({
    inputs: {},
    outputs: {
      'out/index.js': {
        bytes: 1,
        inputs: Object.fromEntries(inputs.map((p) => [p, { bytesInOutput: p.includes('empty') ? 0 : 10 }])),
        imports: [],
        exports: [],
      },
    },
  })

  test('a bundled package without any license text fails the bundle, naming it', () => {
    const dir = fakeRoot({
      lonely: { json: { name: 'lonely', version: '1.0.0', license: 'Apache-2.0' } },
      fine: {
        json: { name: 'fine', version: '2.0.0', license: 'ISC' },
        files: { LICENSE: 'ISC text '.repeat(20) },
      },
    })
    const meta = metafile('node_modules/lonely/index.js', 'node_modules/fine/index.js')
    expect(() => writeLicenses({ root: dir, out: join(dir, 'out'), metafile: meta })).toThrow(
      /no license text for lonely@1\.0\.0 \(Apache-2\.0\)/,
    )
  })

  test('packages, nested ones too, from the outputs; code tree-shaken to nothing does not count', () => {
    const dir = fakeRoot({
      a: {
        json: { name: 'a', version: '1.0.0', license: 'MIT' },
        files: { 'LICENSE.md': 'A license '.repeat(20) },
      },
      'a/node_modules/b': {
        json: { name: 'b', version: '3.1.0', license: 'MIT' },
        files: { licence: 'B licence '.repeat(20), NOTICE: 'B notice' },
      },
      gone: { json: { name: 'gone', version: '1.0.0' } },
    })
    const entries = writeLicenses({
      root: dir,
      out: join(dir, 'out'),
      metafile: metafile(
        'node_modules/a/x.js',
        'node_modules/a/node_modules/b/lib/y.js',
        'node_modules/gone/empty.js',
      ),
    })
    expect(entries.map((e) => `${e.name}@${e.version} ${e.source}`)).toEqual([
      'a@1.0.0 LICENSE.md',
      'b@3.1.0 NOTICE, licence',
    ])
    const parsed = parseLicensesTxt(readFileSync(join(dir, 'out', 'licenses.txt'), 'utf8'))
    expect(parsed.map((e) => e.name)).toEqual(['a', 'b'])
    expect(parsed[1]!.text).toContain('--- NOTICE ---\nB notice')
  })

  test('no license file: the README section, a sibling of the same repository, or the MIT text', () => {
    const entry = (over: Partial<LicenseEntry>): LicenseEntry => ({
      name: 'x',
      version: '1.0.0',
      license: 'MIT',
      repository: undefined,
      author: undefined,
      note: undefined,
      source: undefined,
      text: undefined,
      ...over,
    })
    const [sibling, borrower, mit, unknown] = fillMissing([
      entry({
        name: 'core',
        license: 'Apache-2.0',
        repository: 'github.com/o/mono',
        text: 'APACHE',
        own: true,
      }),
      entry({ name: 'part', license: 'Apache-2.0', repository: 'github.com/o/mono' }),
      entry({ name: 'tiny', license: 'MIT/X11', author: 'Jane Doe' }),
      entry({ name: 'odd', license: 'WTFPL', author: 'Jane Doe' }),
    ])
    expect(sibling!.text).toBe('APACHE')
    expect(borrower!.text).toBe('APACHE')
    expect(borrower!.source).toMatch(/of core 1\.0\.0, from the same repository/)
    expect(mit!.text).toMatch(/^MIT License\n\nCopyright \(c\) Jane Doe\n\nPermission is hereby granted/)
    expect(unknown!.text).toBeUndefined()
  })

  test.each([
    ['## License\n\nMIT\n', undefined],
    [
      `# x\n\n## Licence\n\n(The MIT License)\n\n${'words '.repeat(30)}\n\n## Next\nno`,
      `(The MIT License)\n\n${'words '.repeat(30).trim()}`,
    ],
    [`x\n\nLicense\n-------\n\n${'text '.repeat(30)}\n\nOther\n=====\n`, 'text '.repeat(30).trim()],
    ['## Licensing and more\n\nsee LICENSE', undefined],
  ])('readmeLicenseSection(%j)', (readme, expected) => {
    expect(readmeLicenseSection(readme)).toBe(expected)
  })

  test("esbuild's LEGAL file: comments by input file, several per file", () => {
    const text =
      'Bundled license information:\n\nundici/lib/a.js:\n  /*! ws. MIT License. */\n\nbowser/b.mjs:\n  /*!\n   * one\n   */\n  /*!\n  * two\n  */\n'
    expect(parseLegalFile(text)).toEqual({
      'undici/lib/a.js': ['/*! ws. MIT License. */'],
      'bowser/b.mjs': ['/*!\n * one\n */\n/*!\n* two\n*/'],
    })
  })
})
