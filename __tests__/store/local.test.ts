import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { InputError } from '../../src/util/errors.ts'
import { LocalStaging, LocalStore, parseLocalDestination } from '../../src/store/local.ts'
import { newOwner } from '../../src/store/owner.ts'
import type { SetCommit } from '../../src/store/store.ts'

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

describe('LocalStore transactions', () => {
  const store = (root: string) => new LocalStore(root, 'destination')
  /** A set in `dir`: the image and companions as given, nothing else. */
  const set = (
    dir: string,
    image: string,
    companions: string[] = [],
    obsolete: string[] = [],
  ): SetCommit => ({
    lockDir: dir,
    image: `${dir}/${image}`,
    companions: companions.map((n) => `${dir}/${n}`),
    seal: [],
    retract: [],
    obsolete: obsolete.map((n) => `${dir}/${n}`),
  })

  test('files appear under their names only on commit; no temporary file or lock stays', async () => {
    const root = fresh()
    const tx = await store(root).begin(['debian/12'])
    await tx.writeFile('debian/12/a', 'A')
    await tx.writeFile('debian/12/b', 'B')
    expect(existsSync(join(root, 'debian/12/a'))).toBe(false)
    expect(await tx.commit(set('debian/12', 'a', ['b']))).toEqual({ committed: true })
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/a', 'debian/12/b'])
    expect(readFileSync(join(root, 'debian/12/a'), 'utf8')).toBe('A')
    expect(store(root).url('debian/12/a')).toBe(pathToFileURL(join(root, 'debian/12/a')).href)
  })

  test('abort leaves nothing new: no temp files and no folders it created', async () => {
    const root = fresh()
    mkdirSync(join(root, 'debian'))
    writeFileSync(join(root, 'debian/keep'), 'x')
    const tx = await store(root).begin(['debian/12/20261125'])
    await tx.writeFile('debian/12/20261125/img', 'partial')
    expect(tree(root)).toContain('debian/12/20261125/')
    await tx.abort()
    expect(tree(root)).toEqual(['debian/', 'debian/keep'])
  })

  test('a destination that did not exist is removed again on abort', async () => {
    const parent = fresh()
    const root = join(parent, 'new', 'images')
    const tx = await store(root).begin(['debian/12'])
    await tx.abort()
    expect(tree(parent)).toEqual([])
  })

  test('an earlier set stays intact until the new one is committed; obsolete files go', async () => {
    const root = fresh()
    const first = await store(root).begin(['debian/12'])
    await first.writeFile('debian/12/img', 'old image')
    await first.writeFile('debian/12/packages.txt', 'old packages')
    await first.commit(set('debian/12', 'img', ['packages.txt']))

    const failed = await store(root).begin(['debian/12'])
    await failed.writeFile('debian/12/img', 'half a new image')
    await failed.abort()
    expect(readFileSync(join(root, 'debian/12/img'), 'utf8')).toBe('old image')
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/img', 'debian/12/packages.txt'])

    const second = await store(root).begin(['debian/12'])
    await second.writeFile('debian/12/img', 'new image')
    await second.commit(set('debian/12', 'img', [], ['packages.txt']))
    expect(tree(root)).toEqual(['debian/', 'debian/12/', 'debian/12/img'])
  })

  test('copy is complete under its temporary name before it is renamed into place', async () => {
    const root = fresh()
    const tx = await store(root).begin(['stable/debian/12'])
    await tx.writeFile('stable/debian/12/img', 'image')
    await tx.commit(set('stable/debian/12', 'img'))
    const copy = await store(root).begin(['release/debian/12'])
    expect(await copy.copy('stable/debian/12/img', 'release/debian/12/img')).toBe(
      '78805a221a988e79ef3f42d7c5bfd418',
    )
    const partial = readdirSync(join(root, 'release/debian/12')).filter((n) => n.endsWith('.partial'))
    expect(partial).toHaveLength(1)
    expect(readFileSync(join(root, 'release/debian/12', partial[0]!), 'utf8')).toBe('image')
    expect(existsSync(join(root, 'release/debian/12/img'))).toBe(false)
    await copy.commit(set('release/debian/12', 'img'))
    expect(readFileSync(join(root, 'release/debian/12/img'), 'utf8')).toBe('image')
    expect(readdirSync(join(root, 'release/debian/12'))).toEqual(['img'])
  })

  test('reading: files, folders, sizes; missing ones are undefined or empty', async () => {
    const root = fresh()
    mkdirSync(join(root, 'debian/12/20261125'), { recursive: true })
    writeFileSync(join(root, 'debian/12/versions.json'), '{}')
    expect((await store(root).read('debian/12/versions.json'))?.toString()).toBe('{}')
    expect(await store(root).read('debian/13/versions.json')).toBeUndefined()
    expect(await store(root).folders('debian/12')).toEqual(['20261125'])
    expect(await store(root).folders('nope')).toEqual([])
    expect(await store(root).size('debian/12/versions.json')).toBe(2)
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
    await expect(store(dest).begin(['debian/12'])).rejects.toThrow(
      /input "destination" = ".*": cannot write to .*expected a writable directory/,
    )
  })

  test('paths cannot climb out of the destination', async () => {
    const root = fresh()
    await expect(store(root).begin(['../x'])).rejects.toThrow(/outside the destination/)
    expect(() => store(root).url('a/../../b')).toThrow(/outside the destination/)
  })
})

describe('two runs staging into a folder one of them created', () => {
  test('the one that gives up does not take the folder away from the other', async () => {
    const root = mkdtempSync(join(tmpdir(), 'metal-image-staging-'))
    const store = new LocalStore(root, 'destination')
    const dir = 'debian/12/20261201'
    const a = new LocalStaging(store, newOwner(60_000))
    await a.prepare(dir)
    // b finds the folder a made, and has not written into it yet when a gives up (its discard removes
    // the folders it made, while empty).
    const b = new LocalStaging(store, newOwner(60_000))
    await b.prepare(dir)
    await a.discard()
    expect(existsSync(join(root, dir))).toBe(true)
    await b.writeFile(`${dir}/img.tar.lz4.md5`, Buffer.from('x'))
    const stream = b.createWriteStream(`${dir}/img.tar.lz4`)
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject)
      stream.end('image', () => resolve())
    })
    await stream.staged()
    // Once files are staged, no probe is left.
    expect(readdirSync(join(root, dir)).filter((n) => n.includes('.probe'))).toEqual([])
    expect(readdirSync(join(root, dir))).toHaveLength(2)
    await b.discard()
  })
})
