import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { InputError } from '../src/errors.ts'
import { LocalPublication, parseLocalDestination } from '../src/store/local.ts'

const fresh = (): string => mkdtempSync(join(tmpdir(), 'metal-image-store-'))

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1) + (e.isDirectory() ? '/' : ''))
    .sort()
}

describe('parseLocalDestination', () => {
  test.each([
    ['images', '/work/images'],
    ['./out/x', '/work/out/x'],
    ['/abs/path', '/abs/path'],
    ['file:///srv/images', '/srv/images'],
    ['file:///srv/with%20space', '/srv/with space'],
  ])('%s -> %s', (dest, expected) => {
    expect(parseLocalDestination(dest, '/work')).toBe(expected)
  })

  test.each(['gs://bucket/x', 's3://bucket', 'https://example.com/x', 'file://host/share'])(
    '%s is refused',
    (dest) => {
      expect(() => parseLocalDestination(dest, '/work')).toThrow(InputError)
    },
  )
})

describe('LocalPublication', () => {
  test('files appear under their names only on commit, in one folder, temp files gone', async () => {
    const root = fresh()
    const pub = await LocalPublication.open(root, ['debian', '12'], root)
    await pub.writeFile('a', 'A')
    await pub.writeFile('b', 'B')
    expect(existsSync(join(root, 'debian/12/a'))).toBe(false)
    await pub.commit(['a', 'b'])
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/a', 'debian/12/b'])
    expect(readFileSync(join(root, 'debian/12/a'), 'utf8')).toBe('A')
    expect(pub.url('a')).toBe(pathToFileURL(join(root, 'debian/12/a')).href)
  })

  test('abort leaves nothing new: no temp files and no folders it created', async () => {
    const root = fresh()
    mkdirSync(join(root, 'debian'))
    writeFileSync(join(root, 'debian/keep'), 'x')
    const pub = await LocalPublication.open(root, ['debian', '12'], root)
    await pub.writeFile('img', 'partial')
    expect(tree(root)).toContain('debian/12/')
    await pub.abort()
    expect(tree(root)).toEqual(['debian/', 'debian/keep'])
  })

  test('a destination that did not exist is removed again on abort', async () => {
    const parent = fresh()
    const root = join(parent, 'new', 'images')
    const pub = await LocalPublication.open(root, ['debian', '12'], root)
    await pub.abort()
    expect(tree(parent)).toEqual([])
  })

  test('an earlier set stays intact until the new one is committed; obsolete files go', async () => {
    const root = fresh()
    const first = await LocalPublication.open(root, ['debian', '12'], root)
    await first.writeFile('img', 'old image')
    await first.writeFile('packages.txt', 'old packages')
    await first.commit(['img', 'packages.txt'])

    const failed = await LocalPublication.open(root, ['debian', '12'], root)
    await failed.writeFile('img', 'half a new image')
    await failed.abort()
    expect(readFileSync(join(root, 'debian/12/img'), 'utf8')).toBe('old image')
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/img', 'debian/12/packages.txt'])

    const second = await LocalPublication.open(root, ['debian', '12'], root)
    await second.writeFile('img', 'new image')
    await second.commit(['img'], ['packages.txt'])
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/img'])
  })

  test.each([
    [
      'a regular file as destination',
      (root: string) => (writeFileSync(join(root, 'f'), ''), join(root, 'f')),
    ],
    [
      'a folder below a regular file',
      (root: string) => (writeFileSync(join(root, 'f'), ''), join(root, 'f', 'x')),
    ],
    ['a folder in /proc', () => '/proc/metal-image-test'],
    ['a folder in /sys', () => '/sys/metal-image-test'],
  ])('%s is an error naming the destination input', async (_name, make) => {
    const root = fresh()
    const dest = make(root)
    await expect(LocalPublication.open(dest, ['debian', '12'], dest)).rejects.toThrow(
      /input "destination" = ".*": cannot write to .*expected a writable directory/,
    )
  })

  test('segments cannot climb out of the destination', async () => {
    const root = fresh()
    await expect(LocalPublication.open(root, ['..', 'x'], root)).rejects.toThrow(/outside the destination/)
  })
})
