import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ContractChecker } from '../../src/rootfs/contract/checker.ts'
import { CONTRACT_CHECKS } from '../../src/rootfs/contract/checks.ts'
import { LIMITS } from '../../src/rootfs/contract/extract.ts'
import { DIR, FILE, MADE_DIR, PathTable, SYMLINK } from '../../src/rootfs/contract/paths.ts'
import { requireTool } from '../helpers/env.ts'
import { checkTar, summary } from './contract-tars.ts'
import { EXTRACT_CASES, EXTRACTION_IDS, NOWHERE } from './extract-cases.ts'
import { gnuCreate, gnuExtract } from './tar-bytes.ts'

const haveTar = requireTool('tar', 'apt-get install tar')

describe('contract: what metal-hammer can extract', () => {
  test.each(EXTRACT_CASES)('$name', (c) => {
    const findings = checkTar(c.tar, { limits: c.limits }).filter((x) => EXTRACTION_IDS.has(x.id))
    expect(summary(findings)).toEqual(c.expect)
    c.messages?.forEach((m, i) => expect(findings[i]?.message).toMatch(m))
    for (const x of findings) expect(x.message).not.toMatch(/\n/)
  })

  test.skipIf(!haveTar).each(EXTRACT_CASES.filter((c) => c.gnu))('GNU tar on "$name": $gnu', (c) => {
    const gnu = gnuExtract(c.tar)
    expect(gnu.status, gnu.stderr).toBe(c.gnu === 'fails' ? 2 : 0)
    // Nothing reached the host through the absolute symlinks.
    expect(existsSync(NOWHERE)).toBe(false)
  })

  test.skipIf(!haveTar)(
    'a sparse file as GNU tar writes it by default (-S): type S, which archiver fails on',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'metal-image-sparse-'))
      const fd = openSync(join(dir, 'disk.img'), 'w')
      writeSync(fd, 'end', 8 << 20)
      closeSync(fd)
      const findings = checkTar(gnuCreate(dir, ['-S', '-cf', '-', 'disk.img']))
      expect(summary(findings.filter((x) => EXTRACTION_IDS.has(x.id)))).toEqual([
        ['tar-type', 'error', '/disk.img'],
      ])
      expect(findings[0]!.message).toContain("/disk.img (type 'S', an old GNU sparse file)")
    },
  )

  test('the path table: every path found with its kind after growing, absent ones not, bounded', () => {
    const table = new PathTable(200_000, 16)
    const kinds = [DIR, MADE_DIR, FILE, SYMLINK] as const
    for (let i = 0; i < 150_000; i++) expect(table.set(`usr/lib/x/${i}/name`, kinds[i % 4]!)).toBe(true)
    for (let i = 0; i < 150_000; i++) expect(table.get(`usr/lib/x/${i}/name`)).toBe(kinds[i % 4])
    for (let i = 0; i < 1000; i++) expect(table.get(`usr/lib/x/${i}/nam`)).toBe(0)
    expect(table.set('usr/lib/x/7/name', FILE)).toBe(true)
    expect(table.get('usr/lib/x/7/name')).toBe(FILE)
    expect(table.size).toBe(150_000)
    // The table doubles when half full: from 16 slots to 2^19 (8 bytes each) for 150,000 paths.
    expect(table.bytes).toBe(8 << 19)
    for (let i = 150_000; i < 200_000; i++) table.set(`usr/lib/x/${i}/name`, FILE)
    expect(table.overflowed).toBe(false)
    expect(table.set('one/more', FILE)).toBe(false)
    expect(table.overflowed).toBe(true)
    expect(table.get('one/more')).toBe(0)
  })

  test('memory: 300,000 paths take a hashed table of 8 MiB', () => {
    const checker = new ContractChecker()
    const n = 300_000
    const t0 = performance.now()
    for (let i = 0; i < n; i++)
      checker.observe({ path: `usr/share/d${i % 997}/f${i}`, type: 'file', mode: 0o644, size: 1 })
    const ms = performance.now() - t0
    expect(checker.finish().filter((x) => EXTRACTION_IDS.has(x.id))).toEqual([])
    // 300,000 paths and their 998 directories: a table of 2^20 slots, 8 bytes each.
    expect(checker.extractionBytes).toBe(8 << 20)
    expect(ms).toBeLessThan(5000)
  })
})

describe('the README documents every check', () => {
  test('the contract table is CONTRACT_CHECKS, row by row', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## The contract check'))
    const table = section.slice(section.indexOf('\n| id'), section.indexOf('\n\n', section.indexOf('\n| id')))
    const rows = table
      .trim()
      .split('\n')
      .slice(2)
      .map((row) =>
        row
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim().replaceAll('\\|', '|')),
      )
    expect(rows).toEqual(CONTRACT_CHECKS.map((c) => [`\`${c.id}\``, c.level, c.description]))
  })

  test('extract-unverified states the limits the checks use', () => {
    const text = CONTRACT_CHECKS.find((c) => c.id === 'extract-unverified')!.description
    expect(text).toContain(`${LIMITS.paths.toLocaleString('en')} paths`)
    expect(text).toContain(
      `${LIMITS.links.toLocaleString('en')} symlink targets (${LIMITS.linkBytes >> 20} MiB`,
    )
    expect(text).toContain(`${LIMITS.steps.toLocaleString('en')} path components a walk`)
  })
})
