import { run } from './action.ts'

await run()
// Done, whatever a store client still holds open (the GCS client can keep a socket to an abandoned
// upload): a finished step must not keep the job waiting. stdout and the output files are written
// synchronously on Linux, so nothing is lost.
process.exit()
