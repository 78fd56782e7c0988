import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, test } from 'vitest'
import { PackageDatabases } from '../../src/packages/installed.ts'
import { RpmDbLimitError } from '../../src/packages/rpm/db.ts'
import { ISOLATION_LIMITS, readRpmDbIsolated, type IsolationLimits } from '../../src/packages/rpm/reader.ts'
import type { Log } from '../../src/util/log.ts'
import { requireTool } from '../helpers/env.ts'

// Databases an image's author could put into /var/lib/rpm/rpmdb.sqlite to hang or exhaust the run.
const haveRpm = requireTool('rpm', 'apt-get install rpm')
const work = mkdtempSync(join(tmpdir(), 'rpm-hostile-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** rpm --initdb's empty database (rpm opens none without its index tables), or just rpm's Packages table. */
function template(): string {
  const file = join(work, 'template', 'var/lib/rpm/rpmdb.sqlite')
  if (existsSync(file)) return file
  mkdirSync(join(work, 'template'), { recursive: true })
  if (haveRpm) {
    const r = spawnSync('rpm', [
      '--root',
      join(work, 'template'),
      '--dbpath',
      '/var/lib/rpm',
      '--define',
      '_db_backend sqlite',
      '--initdb',
    ])
    expect(r.status).toBe(0)
  } else {
    mkdirSync(join(work, 'template/var/lib/rpm'), { recursive: true })
    const db = new DatabaseSync(file)
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)')
    db.close()
  }
  return file
}

/** A root whose rpm database is the template changed by `sql`; returns the database file. */
function hostile(name: string, sql: string): string {
  const dir = join(work, name, 'var/lib/rpm')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'rpmdb.sqlite')
  copyFileSync(template(), file)
  const db = new DatabaseSync(file)
  db.exec(sql)
  db.close()
  return file
}

/** A valid header for a package `name` (the smallest blob rpm lists). */
function header(name: string): Buffer {
  const strings = [name, '1', '1', 'noarch', 'x.src.rpm'].map((s) => Buffer.from(`${s}\0`))
  const tags = [1000, 1001, 1002, 1022, 1044]
  const index: Buffer[] = []
  let offset = 0
  const entry = (tag: number, type: number, at: number, count: number) => {
    const e = Buffer.alloc(16)
    e.writeInt32BE(tag, 0)
    e.writeInt32BE(type, 4)
    e.writeInt32BE(at, 8)
    e.writeInt32BE(count, 12)
    return e
  }
  strings.forEach((s, i) => {
    index.push(entry(tags[i]!, 6, offset, 1))
    offset += s.length
  })
  const trailer = entry(63, 7, -16 * (strings.length + 1), 16)
  const head = Buffer.alloc(8)
  head.writeInt32BE(1 + strings.length, 0)
  head.writeInt32BE(offset + 16, 4)
  return Buffer.concat([head, entry(63, 7, offset, 16), ...index, ...strings, trailer])
}

const RECURSIVE = 'WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)'

/** rpm -qa on the database's root, stopped after `ms`. */
function rpmQa(file: string, ms: number): { status: number | null; timedOut: boolean; stdout: string } {
  const root = file.slice(0, -'/var/lib/rpm/rpmdb.sqlite'.length)
  const r = spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa'], {
    encoding: 'utf8',
    timeout: ms,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
  })
  return { status: r.status, timedOut: r.signal === 'SIGTERM', stdout: r.stdout }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('it did not fail')
}

const quick = (limits: Partial<IsolationLimits>): IsolationLimits => ({
  ...ISOLATION_LIMITS,
  ms: 20_000,
  ...limits,
})

describe('a Packages that is not the table rpm writes is refused before a row is read', () => {
  test.each([
    [
      'a view that never yields a row',
      `DROP TABLE Packages; CREATE VIEW Packages AS ${RECURSIVE} SELECT x AS hnum, x AS blob FROM r WHERE x < 0`,
      "'Packages' is a view, not the table rpm writes: not read",
    ],
    [
      'a view that yields bad rows forever',
      `DROP TABLE Packages; CREATE VIEW Packages AS ${RECURSIVE} SELECT x AS hnum, x'00' AS blob FROM r`,
      "'Packages' is a view",
    ],
    [
      'a view of one 900 MB blob',
      'DROP TABLE Packages; CREATE VIEW Packages AS SELECT 1 AS hnum, zeroblob(900000000) AS blob',
      "'Packages' is a view",
    ],
    [
      'a blob computed from another column',
      'DROP TABLE Packages; CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, n, blob AS (zeroblob(n)) VIRTUAL); INSERT INTO Packages (n) VALUES (900000000)',
      'Packages.blob is a computed column, not one rpm writes: not read',
    ],
  ])('%s', async (name, sql, message) => {
    const file = hostile(name.replace(/\W+/g, '-'), sql)
    const started = performance.now()
    const err = await failure(readRpmDbIsolated(file))
    expect(err).toBeInstanceOf(RpmDbLimitError)
    expect(err.message).toContain(message)
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  test.skipIf(!haveRpm)(
    'where rpm -qa itself hangs, or spins through bad rows, for as long as it is let',
    () => {
      const never = rpmQa(
        hostile(
          'rpm-never',
          `DROP TABLE Packages; CREATE VIEW Packages AS ${RECURSIVE} SELECT x AS hnum, x AS blob FROM r WHERE x < 0`,
        ),
        2000,
      )
      expect(never.timedOut).toBe(true)
      const forever = rpmQa(
        hostile(
          'rpm-forever',
          `DROP TABLE Packages; CREATE VIEW Packages AS ${RECURSIVE} SELECT x AS hnum, x'00' AS blob FROM r`,
        ),
        2000,
      )
      expect(forever.timedOut).toBe(true)
      expect(forever.stdout).toBe('')
    },
  )

  test.skipIf(!haveRpm)('triggers play no part in reading: rpm -qa and we list the same', async () => {
    const file = hostile(
      'trigger',
      'CREATE TRIGGER wipe AFTER INSERT ON Packages BEGIN DELETE FROM Packages; END; DROP TRIGGER wipe;' +
        'CREATE TRIGGER never AFTER UPDATE ON Packages BEGIN SELECT zeroblob(900000000); END',
    )
    const db = new DatabaseSync(file)
    db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(header('kept'))
    db.close()
    const read = await readRpmDbIsolated(file)
    expect(read.qa.toString()).toBe('kept-1-1.noarch\n')
    expect(rpmQa(file, 10_000).stdout).toBe('kept-1-1.noarch\n')
  })
})

describe('limits on what a real table hands over', () => {
  test('a header blob larger than the limit', async () => {
    const file = hostile('big-blob', '')
    const db = new DatabaseSync(file)
    db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(Buffer.alloc(3 << 20, 1))
    db.close()
    const err = await failure(readRpmDbIsolated(file, { limits: quick({ headerBytes: 1 << 20 }) }))
    expect(err).toBeInstanceOf(RpmDbLimitError)
    expect(err.message).toBe(
      'a Packages value is larger than 1048576 bytes, larger than rpm headers are: not read',
    )
  })

  test('more rows than the limit', async () => {
    const file = hostile('rows', '')
    const db = new DatabaseSync(file)
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)')
    for (let i = 0; i < 11; i++) insert.run(header(`p${i}`))
    db.close()
    expect((await readRpmDbIsolated(file, { limits: quick({ rows: 11 }) })).count).toBe(11)
    const err = await failure(readRpmDbIsolated(file, { limits: quick({ rows: 10 }) }))
    expect(err.message).toBe('more than 10 Packages rows, more than rpm databases hold: not read')
  })
})

describe('the process that reads is stopped wherever it is', () => {
  const file = () => hostile('plain', '')

  test('after its time', async () => {
    const err = await failure(readRpmDbIsolated(file(), { limits: quick({ ms: 1 }) }))
    expect(err).toBeInstanceOf(RpmDbLimitError)
    expect(err.message).toBe('reading it took longer than 0.001 s: stopped')
  })

  test('when it holds more memory than allowed', async () => {
    const err = await failure(readRpmDbIsolated(file(), { limits: quick({ rssBytes: 1 << 20 }) }))
    expect(err.message).toBe('reading it took more than 1 MiB of memory: stopped')
  })

  test('when the run is cancelled: at once, with the reason', async () => {
    const abort = new AbortController()
    setTimeout(() => abort.abort(new Error('SIGINT')), 20)
    const started = performance.now()
    const err = await failure(readRpmDbIsolated(file(), { signal: abort.signal }))
    expect(err.message).toBe('SIGINT')
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('in the run: a warning naming the file and the limit, no packages.txt', () => {
  test.each(['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'])('%s', async (path) => {
    const file = hostile(
      `run-${path.split('/')[0]}`,
      `DROP TABLE Packages; CREATE VIEW Packages AS ${RECURSIVE} SELECT x AS hnum, x AS blob FROM r WHERE x < 0`,
    )
    const warnings: string[] = []
    const log: Log = {
      info: () => {},
      warning: (m) => warnings.push(m),
      debug: () => {},
      group: (_name, fn) => fn(),
    }
    const databases = new PackageDatabases({ log })
    try {
      const bytes = readFileSync(file)
      const sink = databases.stream(path, bytes.length)!
      sink.write(bytes.subarray(0, 1000))
      sink.write(bytes.subarray(1000))
      sink.end()
      expect(await databases.read(new Map(), 'img-1')).toBeUndefined()
    } finally {
      databases.dispose()
    }
    expect(warnings).toEqual([
      `The rpm database /${path} in the rootfs is not read: 'Packages' is a view, not the table rpm writes: not read; no packages.txt is published for img-1`,
    ])
  })

  test('a cancelled run is cancelled, not warned about', async () => {
    const databases = new PackageDatabases({
      log: { info() {}, warning() {}, debug() {}, group: (_n, fn) => fn() },
    })
    const bytes = readFileSync(hostile('cancel', ''))
    const sink = databases.stream('var/lib/rpm/rpmdb.sqlite', bytes.length)!
    sink.write(bytes)
    sink.end()
    const abort = new AbortController()
    abort.abort(new Error('SIGTERM'))
    await expect(databases.read(new Map(), 'img-1', abort.signal)).rejects.toThrow('SIGTERM')
    databases.dispose()
  })

  test('a database the stream cut off is not read', async () => {
    const warnings: string[] = []
    const databases = new PackageDatabases({
      log: { info() {}, warning: (m) => warnings.push(m), debug() {}, group: (_n, fn) => fn() },
    })
    databases.stream('var/lib/rpm/rpmdb.sqlite', 8192)!.write(Buffer.alloc(100))
    expect(await databases.read(new Map(), 'img-1')).toBeUndefined()
    expect(warnings[0]).toMatch(
      /^The rpm database \/var\/lib\/rpm\/rpmdb.sqlite in the rootfs is not read: the stream ended inside it/,
    )
    databases.dispose()
  })
})
