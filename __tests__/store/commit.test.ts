import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { newOwner, parseTempName, tempName } from '../../src/store/owner.ts'
import { PlacedUnverified } from '../../src/store/store.ts'
import { currentNotes } from '../../src/util/cleanup.ts'
import {
  commitTestSet,
  expectedState,
  folderState,
  hooked,
  localTransaction,
  sealViolations,
  testSet,
  type FolderState,
} from '../helpers/sets.ts'

// The commit of a set (store/commit.ts) on the local store, with a fault or a kill before each change it
// makes to the folder in turn: whatever happens, the folder holds the earlier set or the new one (never a
// mix), a checksum file present always agrees with the image and versions.json, and what a failure
// leaves is said. Stores without a way to put an image back (buckets) are played by the local store
// without its hard-link "keep aside".

const DIR = 'debian/12'
const A = testSet('A', '12.0.20261201', ['packages.txt', 'sbom.cdx.json'])
const B = testSet('B', '12.0.20261202', ['packages.txt', 'contract.json'])
const C = testSet('C', '12.0.20261203', ['packages.txt'])
const D = testSet('D', '12.0.20261204', ['packages.txt', 'sbom.cdx.json'])
const crashScript = resolve(import.meta.dirname, '../helpers/crash-commit.ts')

const fresh = (): string => mkdtempSync(join(tmpdir(), 'metal-image-commit-'))
const eperm = (op: string, path: string): Error =>
  Object.assign(new Error(`EPERM: operation not permitted, ${op} '${path}'`), { code: 'EPERM' })

/** A folder's state without this process's own staged files (the set it is about to commit). */
function others(state: FolderState): FolderState {
  return { ...state, hidden: state.hidden.filter((n) => parseTempName(n)?.owner.pid !== process.pid) }
}

async function withA(): Promise<string> {
  const root = fresh()
  await commitTestSet(await localTransaction(root, DIR), DIR, A)
  return root
}

/** How many changes committing B over A makes, with or without keeping the image aside. */
async function changesOfB(keepAside: boolean): Promise<number> {
  const root = await withA()
  let count = 0
  const tx = await localTransaction(root, DIR, (o) =>
    hooked(o, ({ n }) => void (count = n + 1), { keepAside }),
  )
  await commitTestSet(tx, DIR, B)
  expect(folderState(join(root, DIR))).toEqual(expectedState(B, [A]))
  return count
}

describe('a commit that fails at any change', () => {
  test('locally: it is undone, the earlier set is intact byte for byte, and the error names file and operation', async () => {
    const changes = await changesOfB(true)
    // keep the image aside, retract the md5, packages.txt, contract.json, remove the SBOM, the image,
    // versions.json, the md5
    expect(changes).toBe(8)
    for (let k = 0; k < changes; k++) {
      const root = await withA()
      const tx = await localTransaction(root, DIR, (o) =>
        hooked(o, ({ op, path, n }) => {
          if (n === k) throw eperm(op, path)
        }),
      )
      const failure = await commitTestSet(tx, DIR, B).then(
        () => undefined,
        (err: Error) => err,
      )
      expect(failure?.message, `change ${k}`).toMatch(
        /^could not (keep|replace|write|remove) (img\.tar\.lz4(\.md5)?|packages\.txt|contract\.json|sbom\.cdx\.json|versions\.json)( aside)? \(EPERM\); the earlier set in file:\/\/.*\/debian\/12\/ is intact$/,
      )
      expect(folderState(join(root, DIR)), `change ${k}`).toEqual(expectedState(A))
    }
  })

  test('on a store that cannot put an image back: undone before the image; after it, finished by the next run', async () => {
    const changes = await changesOfB(false)
    expect(changes).toBe(7)
    for (let k = 0; k < changes; k++) {
      const root = await withA()
      let imageAt = -1
      const tx = await localTransaction(root, DIR, (o) =>
        hooked(
          o,
          ({ op, path, n }) => {
            if (path.endsWith('/img.tar.lz4') && op === 'place' && imageAt < 0) imageAt = n
            if (n === k) throw eperm(op, path)
          },
          { keepAside: false },
        ),
      )
      const failure = await commitTestSet(tx, DIR, B).then(
        () => undefined,
        (err: Error) => err,
      )
      const dir = join(root, DIR)
      if (imageAt < 0 || k < imageAt || (k === imageAt && failure?.message.includes('img.tar.lz4 (EPERM)'))) {
        expect(failure?.message, `change ${k}`).toMatch(/\(EPERM\); the earlier set in .* is intact$/)
        expect(folderState(dir), `change ${k}`).toEqual(expectedState(A))
        continue
      }
      expect(failure?.message, `change ${k}`).toMatch(
        /\(EPERM\); the new image is already in place in .* and a bucket cannot take it back: .* the next run to this folder finishes the set$/,
      )
      const left = folderState(dir)
      expect(sealViolations(left), `change ${k}`).toEqual([])
      expect(left.files['img.tar.lz4.md5'], `change ${k}`).toBeUndefined()
      // The lock keeps the journal; the staged files it names stay for the next run.
      expect(
        left.hidden.filter((n) => !n.endsWith('.partial')),
        `change ${k}`,
      ).toEqual(['.metal-image.lock'])
      // The next run finds the journal in the lock and finishes B before it commits C.
      let before: FolderState | undefined
      await commitTestSet(await localTransaction(root, DIR), DIR, C, async () => {
        before = others(folderState(dir))
        return undefined
      })
      expect(before, `change ${k}`).toEqual({ ...expectedState(B, [A]), hidden: ['.metal-image.lock'] })
      expect(folderState(dir), `change ${k}`).toEqual(expectedState(C, [A, B]))
    }
  })
})

describe('a commit killed (SIGKILL) before any of its changes', () => {
  test.each([
    ['locally', 'yes'],
    ['on a store that cannot put an image back', 'no'],
  ])(
    '%s: the folder never shows a checksum that disagrees; the next run finishes or undoes it',
    async (_name, keepAside) => {
      const changes = await changesOfB(keepAside === 'yes')
      const outcomes = new Set<string>()
      for (let k = 0; k <= changes; k++) {
        const root = await withA()
        const dir = join(root, DIR)
        const child = spawnSync(
          process.execPath,
          [crashScript, root, DIR, 'B', B.version, 'packages.txt,contract.json', String(k), keepAside],
          { encoding: 'utf8' },
        )
        expect(child.signal ?? child.status, child.stderr).toBe(k < changes ? 'SIGKILL' : 0)
        expect(sealViolations(folderState(dir)), `killed before change ${k}`).toEqual([])
        let recovered: FolderState | undefined
        await commitTestSet(await localTransaction(root, DIR), DIR, C, async () => {
          recovered = others(folderState(dir))
          return undefined
        })
        const a = { ...expectedState(A), hidden: ['.metal-image.lock'] }
        const b = { ...expectedState(B, [A]), hidden: ['.metal-image.lock'] }
        expect([a, b], `killed before change ${k}`).toContainEqual(recovered)
        outcomes.add(recovered === undefined ? '?' : recovered.files['img.tar.lz4'] === A.image ? 'A' : 'B')
        const before = recovered!.files['img.tar.lz4'] === A.image ? [A] : [A, B]
        // No temporary file, kept-aside image or lock of the killed run stays.
        expect(folderState(dir), `killed before change ${k}`).toEqual(expectedState(C, before))
      }
      // Both ways happen: undone before the point of no return, finished after it.
      expect([...outcomes].sort()).toEqual(['A', 'B'])
    },
  )

  test('killed after its last change, before the lock goes: the next run keeps the complete set and commits', async () => {
    const root = await withA()
    const dir = join(root, DIR)
    const child = spawnSync(
      process.execPath,
      [crashScript, root, DIR, 'B', B.version, 'packages.txt,contract.json', 'release', 'yes'],
      { encoding: 'utf8' },
    )
    expect(child.signal, child.stderr).toBe('SIGKILL')
    // B is complete; its journal is still in the lock, A's image still kept aside.
    const killed = others(folderState(dir))
    expect({ ...killed, hidden: [] }).toEqual(expectedState(B, [A]))
    expect(killed.hidden).toContain('.metal-image.lock')
    for (const next of [C, D]) {
      let recovered: FolderState | undefined
      await commitTestSet(await localTransaction(root, DIR), DIR, next, async () => {
        recovered = others(folderState(dir))
        return undefined
      })
      if (next === C) expect(recovered).toEqual({ ...expectedState(B, [A]), hidden: ['.metal-image.lock'] })
    }
    expect(folderState(dir)).toEqual(expectedState(D, [A, B, C]))
  })
})

describe('what a run abandoned now would say (cleanup.ts notes, in the cancellation message)', () => {
  /** The notes about this test's own folder (other tests' transactions note theirs). */
  const notes = (root: string): string[] => currentNotes().filter((n) => n.includes(root))

  test('a set committed: published, until the run ends', async () => {
    const root = fresh()
    const tx = await localTransaction(root, DIR)
    await commitTestSet(tx, DIR, A)
    expect(notes(root)).toEqual([`the new set is published in file://${root}/${DIR}/`])
    // A failure after the commit (the build cache cancelled) does not take it back.
    await tx.abort()
    expect(notes(root)).toHaveLength(1)
    tx.end()
    expect(notes(root)).toEqual([])
  })

  test("a bucket's staged uploads: said while they exist, gone with abort()", async () => {
    const root = fresh()
    const tx = await localTransaction(root, DIR, undefined, { outlivesExit: true })
    const stream = tx.createWriteStream(`${DIR}/img.tar.lz4`)
    await new Promise<void>((resolve) => stream.end('image', () => resolve()))
    expect(notes(root)).toEqual([
      `what it uploaded to file://${root}/${DIR}/ is removed by a later run there`,
    ])
    await tx.abort()
    expect(notes(root)).toEqual([])
  })

  test('staged files removed on exit (local) need no word; a commit replaces the note on uploads', async () => {
    const root = fresh()
    const local = await localTransaction(root, DIR)
    local.createWriteStream(`${DIR}/img.tar.lz4`).destroy()
    expect(notes(root)).toEqual([])
    await local.abort()
    const bucket = await localTransaction(root, DIR, undefined, { outlivesExit: true })
    await commitTestSet(bucket, DIR, B)
    expect(notes(root)).toEqual([`the new set is published in file://${root}/${DIR}/`])
    bucket.end()
  })
})

describe("the versioned layout: a dead run's leftovers in another date folder", () => {
  test("go with the next commit to any date; a live run's stay", async () => {
    const root = fresh()
    const dead = { ...newOwner(3600_000), pid: spawnSync('true').pid!, start: 1 }
    const alive = newOwner(3600_000)
    const at = (date: string, owner: typeof dead, kind: 'partial' | 'previous') => {
      mkdirSync(join(root, DIR, date), { recursive: true })
      const name = tempName(`${DIR}/${date}/img.tar.lz4`, owner, kind)
      writeFileSync(join(root, name), 'partial image')
      return name.slice(name.lastIndexOf('/') + 1)
    }
    const leftover = at('20261201', dead, 'partial')
    const aside = at('20261130', dead, 'previous')
    const live = at('20261129', alive, 'partial')
    writeFileSync(join(root, DIR, '20261201', 'img.tar.lz4'), 'an image published that day')
    const lines: string[] = []
    const log = {
      info: (m: string) => void lines.push(m),
      warning: (m: string) => void lines.push(m),
      debug: () => {},
      group: <T>(_n: string, fn: () => Promise<T>) => fn(),
    }
    await commitTestSet(
      await localTransaction(root, `${DIR}/20261202`, undefined, { log }),
      `${DIR}/20261202`,
      C,
      undefined,
      DIR,
    )
    expect(readdirSync(join(root, DIR, '20261201'))).toEqual(['img.tar.lz4'])
    expect(readdirSync(join(root, DIR, '20261130'))).toEqual([])
    expect(readdirSync(join(root, DIR, '20261129'))).toEqual([live])
    expect(readdirSync(join(root, DIR, '20261202')).sort()).toEqual([
      'img.tar.lz4',
      'img.tar.lz4.md5',
      'packages.txt',
    ])
    expect(
      lines
        .find((l) => l.startsWith('Removed what runs that ended left'))
        ?.split(': ')[1]
        ?.split(', ')
        .sort(),
    ).toEqual([`20261130/${aside}`, `20261201/${leftover}`])
  })
})

describe('a change the store confirmed but a read does not show (a stale replica)', () => {
  test('before the image: undone all the same, the earlier file put back; the earlier set is intact', async () => {
    const root = await withA()
    let stale = 0
    const tx = await localTransaction(root, DIR, (o) => ({
      ...hooked(o, () => {}),
      place: async (p, staged, exclusive) => {
        if (p.endsWith('/img.tar.lz4')) throw eperm('rename', p)
        await o.place(p, staged, exclusive)
        // The new packages.txt only: putting the earlier one back reads back fine.
        if (p.endsWith('/packages.txt') && stale++ === 0)
          throw new PlacedUnverified(`${p} does not read back as what was written`)
      },
      // The stale read: the new packages.txt does not show.
      placed: async (p, staged) => (p.endsWith('/packages.txt') && stale === 1 ? false : o.placed(p, staged)),
    }))
    const failure = await commitTestSet(tx, DIR, B).then(
      () => undefined,
      (err: Error) => err,
    )
    expect(failure?.message).toMatch(
      /^could not replace packages\.txt .*; the earlier set in file:\/\/.*\/debian\/12\/ is intact$/,
    )
    expect(folderState(join(root, DIR))).toEqual(expectedState(A))
  })
})
