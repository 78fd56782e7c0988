import { main } from './cli.ts'

const code = await main(process.argv.slice(2))
// As in index.ts: a client's leftover socket must not keep a finished run alive.
process.exit(code)
