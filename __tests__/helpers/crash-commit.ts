// A process that commits a test set to a local folder and kills itself (SIGKILL: no cleanup of any kind)
// right before its n-th change to the folder, for the tests of what the next run finds and does.
//
//   node crash-commit.ts <root> <dir> <name> <version> <companions,...> <kill-before> <keep-aside:yes|no>
//
// kill-before -1: no kill; prints the number of changes the commit made. kill-before `release`: after
// every change, right before the lock is removed (the set complete, the journal still in the lock).
import { commitTestSet, hooked, localTransaction, testSet } from './sets.ts'

const [root, dir, name, version, companions, killAt, keepAside] = process.argv.slice(2) as string[]
let changes = 0
const tx = await localTransaction(root!, dir!, (objects) => {
  const wrapped = hooked(
    objects,
    ({ n }) => {
      changes = n + 1
      if (n === Number(killAt)) process.kill(process.pid, 'SIGKILL')
    },
    { keepAside: keepAside === 'yes' },
  )
  if (killAt !== 'release') return wrapped
  const lock = wrapped.lock
  return {
    ...wrapped,
    lock: {
      exact: lock.exact,
      read: (p) => lock.read(p),
      create: (p, b) => lock.create(p, b),
      replace: (p, b, v) => lock.replace(p, b, v),
      remove: () => void process.kill(process.pid, 'SIGKILL') as never,
    },
  }
})
await commitTestSet(tx, dir!, testSet(name!, version!, companions ? companions.split(',') : []))
process.stdout.write(`${changes}\n`)
