// A process that takes a folder's lock `rounds` times and, each time, does a read-modify-write of a counter
// file that loses updates unless the lock keeps every other holder out (lock.test.ts).
//
//   node lock-child.ts <root> <rounds>
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { FolderLock } from '../../src/store/lock.ts'
import { LocalObjects, LocalStore } from '../../src/store/local.ts'
import { newOwner } from '../../src/store/owner.ts'
import { silentLog } from '../../src/util/log.ts'

const [root, rounds] = process.argv.slice(2) as [string, string]
const store = new LocalStore(root, 'destination')
for (let i = 0; i < Number(rounds); i++) {
  const owner = newOwner(3600_000)
  const { lock } = await FolderLock.acquire(
    new LocalObjects(store, owner).lock,
    'd/.metal-image.lock',
    owner,
    {
      leaseMs: 10_000,
      settleMs: 20,
      pollMs: 5,
      deadline: performance.now() + 60_000,
      budget: 'test budget',
      signal: new AbortController().signal,
      log: silentLog,
      url: 'the test lock',
    },
  )
  appendFileSync(join(root, 'log'), `enter ${process.pid}\n`)
  const n = Number(readFileSync(join(root, 'counter'), 'utf8'))
  await sleep(2)
  writeFileSync(join(root, 'counter'), String(n + 1))
  appendFileSync(join(root, 'log'), `exit ${process.pid}\n`)
  await lock.release()
}
