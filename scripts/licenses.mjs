// dist/licenses.txt: the license of every third-party package whose code is in dist/, in one file.
// scripts/bundle.mjs calls writeLicenses() with esbuild's metafile: a package is listed when some of its
// code ended up in an output file (bytesInOutput > 0), with the text of its LICENSE/LICENCE/COPYING/NOTICE
// files and the legal comments esbuild took out of its code; lz4, compiled into our addon (native/), comes
// in as a `vendored` entry.
// A package whose license text cannot be found fails the bundle.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const RULE = '='.repeat(80)
const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-][\w.-]*)?$/i
const README_FILE = /^readme(\.(md|markdown|txt))?$/i
/** A README's license section counts as the license text only when it holds more than a name. */
const MIN_TEXT = 100

/**
 * Packages that ship without a license and declare none, with what their own repository says. Reviewed by
 * hand; every entry names where the license was found.
 */
const DECLARED_ELSEWHERE = {
  'buffers@0.1.1': {
    license: 'MIT',
    note:
      'buffers 0.1.1 declares no license and ships no license file; its repository ' +
      '(github.com/substack/node-buffers) has since added an MIT LICENSE by James Halliday and ' +
      'declares "MIT/X11" in package.json.',
  },
}

const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`

/** `node_modules/a/node_modules/@b/c/x.js` -> `node_modules/a/node_modules/@b/c`; null outside node_modules. */
export function packageDirOf(path) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path.replaceAll('\\', '/'))
  return m ? m[1] : null
}

/** The package folders (relative to the working directory) with code in some output, sorted. */
export function bundledPackageDirs(metafile) {
  const dirs = new Set()
  for (const output of Object.values(metafile.outputs))
    for (const [path, input] of Object.entries(output.inputs)) {
      const dir = input.bytesInOutput > 0 ? packageDirOf(path) : null
      if (dir) dirs.add(dir)
    }
  return [...dirs].sort()
}

const declaredLicense = (pkg) =>
  typeof pkg.license === 'string'
    ? pkg.license
    : (pkg.license?.type ??
      (Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type ?? l).join(' OR ') : undefined))

const authorOf = (pkg) =>
  (typeof pkg.author === 'string' ? pkg.author : pkg.author?.name)?.replace(/\s*[<(].*$/, '') || undefined

/** github.com/owner/repo, to tell packages of the same repository. */
function repositoryOf(pkg) {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url
  if (!url) return undefined
  return url
    .toLowerCase()
    .replace(/^(git\+)?[a-z]+:\/\/(git@)?/, '')
    .replace(/^git@([^:]+):/, '$1/')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
}

/** The text of a README's license section ("## License" or a setext "License" heading), or undefined. */
export function readmeLicenseSection(text) {
  const lines = text.replaceAll('\r\n', '\n').split('\n')
  const setext = (i) => /^(=+|-+)\s*$/.test(lines[i + 1] ?? '') && lines[i].trim() !== ''
  const heading = (i) => /^#{1,6}\s/.test(lines[i]) || setext(i)
  const start = lines.findIndex(
    (line, i) => heading(i) && /^(#{1,6}\s*)?licen[cs]e\b/i.test(line.replace(/^#{1,6}\s*/, '')),
  )
  if (start < 0) return undefined
  let i = start + (setext(start) ? 2 : 1)
  const body = []
  for (; i < lines.length && !heading(i); i++) body.push(lines[i])
  const section = body.join('\n').trim()
  return section.length >= MIN_TEXT ? section : undefined
}

/** One package's facts and license text, or `text: undefined` when none was found. */
export function readPackage(absDir) {
  const pkg = JSON.parse(readFileSync(join(absDir, 'package.json'), 'utf8'))
  const files = readdirSync(absDir, { withFileTypes: true })
    .filter((f) => f.isFile() && LICENSE_FILE.test(f.name))
    .map((f) => f.name)
    .sort()
  const key = `${pkg.name}@${pkg.version}`
  const elsewhere = DECLARED_ELSEWHERE[key]
  const entry = {
    name: pkg.name,
    version: pkg.version,
    license: declaredLicense(pkg) ?? elsewhere?.license ?? 'none declared',
    repository: repositoryOf(pkg),
    author: authorOf(pkg),
    note: elsewhere?.note,
    source: undefined,
    text: undefined,
  }
  if (files.length > 0) {
    entry.own = true
    entry.source = files.join(', ')
    entry.text = files
      .map((f) => (files.length > 1 ? `--- ${f} ---\n` : '') + readFileSync(join(absDir, f), 'utf8').trim())
      .join('\n\n')
    return entry
  }
  const readme = readdirSync(absDir).find((f) => README_FILE.test(f))
  const section = readme ? readmeLicenseSection(readFileSync(join(absDir, readme), 'utf8')) : undefined
  if (section) {
    entry.own = true
    entry.source = `the license section of ${readme} (the package ships no license file)`
    entry.text = section
  }
  return entry
}

/**
 * Texts for packages that ship none: the license file of another listed package from the same repository
 * and with the same license (a monorepo publishing some packages without it), else for MIT (which has no
 * project-specific wording) the standard text with the package's author as the copyright holder.
 */
export function fillMissing(entries) {
  for (const e of entries) {
    if (e.text) continue
    const sibling = entries.find((o) => o.own && o.repository === e.repository && o.license === e.license)
    if (e.repository && sibling) {
      e.text = sibling.text
      e.source = `${sibling.source} of ${sibling.name} ${sibling.version}, from the same repository (${e.repository}); the package ships no license file`
    } else if (/^MIT(\/X11)?$/i.test(e.license) && e.author) {
      e.text = `MIT License\n\nCopyright (c) ${e.author}\n\n${MIT_TEXT}`
      e.source = `the standard MIT License text, with the author in package.json as the copyright holder (the package ships no license file)`
    }
  }
  return entries
}

/** esbuild's *.LEGAL.txt (legalComments: 'external'): { path of the input file: [comment, ...] }. */
export function parseLegalFile(text) {
  const comments = {}
  let current
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line) && line !== 'Bundled license information:') {
      current = line.slice(0, -1)
      comments[current] ??= []
      comments[current].push('')
    } else if (current && line.startsWith('  ')) {
      const list = comments[current]
      list[list.length - 1] += (list[list.length - 1] ? '\n' : '') + line.slice(2)
    }
  }
  return comments
}

export function formatEntry(e) {
  const lines = [RULE, `Package: ${e.name}`, `Version: ${e.version}`, `License: ${e.license}`]
  if (e.files) lines.push(`Files in dist/: ${e.files.join(', ')}`)
  lines.push(`License text: ${e.source ?? 'NOT FOUND'}`)
  if (e.note) lines.push(`Note: ${e.note}`)
  lines.push('', e.text ?? '')
  if (e.comments?.length)
    lines.push(
      '',
      'Legal comments esbuild took out of its bundled code:',
      '',
      ...e.comments.map((c) => `${c}\n`),
    )
  return lines.join('\n').trimEnd() + '\n'
}

/**
 * Writes <out>/licenses.txt and removes esbuild's per-chunk *.LEGAL.txt files, whose comments it takes in.
 * `vendored`: entries for code that comes from no npm package (lz4's C in native/), text included.
 */
export function writeLicenses({ root, out, metafile, vendored = [] }) {
  const dirs = bundledPackageDirs(metafile)
  const comments = new Map()
  for (const f of readdirSync(out).filter((f) => f.endsWith('.LEGAL.txt'))) {
    for (const [path, list] of Object.entries(parseLegalFile(readFileSync(join(out, f), 'utf8')))) {
      const full = path.startsWith('node_modules/') ? path : `node_modules/${path}`
      const dir = dirs.filter((d) => full.startsWith(`${d}/`)).sort((a, b) => b.length - a.length)[0]
      if (!dir) throw new Error(`legal comment of ${path} (in ${f}): not from a bundled package`)
      const seen = comments.get(dir) ?? new Set()
      for (const c of list) seen.add(c)
      comments.set(dir, seen)
    }
    rmSync(join(out, f))
  }

  const byKey = new Map()
  const add = (entry) => {
    const key = `${entry.name}@${entry.version}`
    const known = byKey.get(key)
    if (!known) return void byKey.set(key, entry)
    for (const c of entry.comments ?? []) if (!known.comments.includes(c)) known.comments.push(c)
  }
  for (const dir of dirs) add({ ...readPackage(join(root, dir)), comments: [...(comments.get(dir) ?? [])] })
  for (const entry of vendored) add({ comments: [], ...entry })

  const entries = fillMissing([...byKey.values()]).sort((a, b) =>
    a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name),
  )
  const missing = entries.filter((e) => !e.text)
  if (missing.length > 0)
    throw new Error(
      `no license text for ${missing.map((e) => `${e.name}@${e.version} (${e.license})`).join(', ')}: ` +
        `find it and add the package to DECLARED_ELSEWHERE in ${relative(root, import.meta.filename)}`,
    )
  const header = [
    'Third-party software in dist/',
    '',
    "Generated by scripts/bundle.mjs from esbuild's metafile: every npm package whose code is bundled into",
    'dist/*.js, and lz4, whose C our addon holds (dist/*.node), each with its license text.',
    `${entries.length} packages. metal-image-action itself is under the MIT License (its LICENSE file).`,
    '',
  ].join('\n')
  writeFileSync(join(out, 'licenses.txt'), header + entries.map((e) => '\n' + formatEntry(e)).join(''))
  return entries
}

/** For tests: the packages a licenses.txt lists, with their license text. */
export function parseLicensesTxt(text) {
  return text
    .split(`${RULE}\n`)
    .slice(1)
    .map((block) => {
      const [head, ...rest] = block.split('\n\n')
      const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(head)?.[1]
      const body = rest.join('\n\n')
      const cut = body.indexOf('\nLegal comments esbuild took out of its bundled code:')
      return {
        name: field('Package'),
        version: field('Version'),
        license: field('License'),
        files: field('Files in dist/')?.split(', ') ?? [],
        text: (cut >= 0 ? body.slice(0, cut) : body).trim(),
      }
    })
}
