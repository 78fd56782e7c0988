import { holdSignals, ignoreClosedOutput } from '../util/entry.ts'
import { flushed, nodeTooOld } from '../util/node-version.ts'

holdSignals()
ignoreClosedOutput()

// action.yml runs this on node24; a copy run by hand, or a runner that ignores `using`, gets one line.
const tooOld = nodeTooOld(process.version, 'metal-image-action')
if (tooOld) {
  // A workflow command: the runner shows it as the step's error.
  process.stdout.write(`::error::${tooOld}\n`)
  process.exit(1)
}
const { run } = await import('./action.ts')
await run()
// Done, whatever a store client still holds open (the GCS client can keep a socket to an abandoned
// upload): a finished step must not keep the job waiting. The output files are written synchronously;
// stdout, a pipe to the runner, is let through first.
await flushed()
process.exit()
