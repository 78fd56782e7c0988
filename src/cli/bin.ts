import { holdSignals, ignoreClosedOutput } from '../util/entry.ts'
import { flushed, nodeTooOld } from '../util/node-version.ts'

holdSignals()
ignoreClosedOutput()

// Before anything that needs Node 24 is loaded: the rest comes in through import().
const tooOld = nodeTooOld(process.version, 'metal-image')
if (tooOld) {
  process.stderr.write(`error: ${tooOld}\n`)
  process.exit(1)
}
const { main } = await import('./cli.ts')
const code = await main(process.argv.slice(2))
// As in index.ts: a client's leftover socket must not keep a finished run alive.
await flushed()
process.exit(code)
