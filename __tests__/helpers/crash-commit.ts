// A process that commits a test set to a local folder and kills itself (SIGKILL: no cleanup of any kind)
// right before its n-th change to the folder, for the tests of what the next run finds and does.
//
//   node crash-commit.ts <root> <dir> <name> <version> <companions,...> <kill-before> <keep-aside:yes|no>
//
// kill-before -1: no kill; prints the number of changes the commit made.
import { commitTestSet, hooked, localTransaction, testSet } from './sets.ts'

const [root, dir, name, version, companions, killAt, keepAside] = process.argv.slice(2) as string[]
let changes = 0
const tx = await localTransaction(root!, dir!, (objects) =>
  hooked(
    objects,
    ({ n }) => {
      changes = n + 1
      if (n === Number(killAt)) process.kill(process.pid, 'SIGKILL')
    },
    { keepAside: keepAside === 'yes' },
  ),
)
await commitTestSet(tx, dir!, testSet(name!, version!, companions ? companions.split(',') : []))
process.stdout.write(`${changes}\n`)
