/**
 * What the entries (cli/bin.ts, github/index.ts) set up before they load the rest. Loading the bundle takes
 * about a tenth of a second, and until the run listens for SIGINT and SIGTERM a signal would kill the
 * process outright, without a word; and a reader of stderr that goes away (`metal-image ... 2>&1 | head`)
 * would end it half-way, with a `docker create` container left behind.
 *
 * This module imports nothing, so it loads on any Node.
 */

let held: NodeJS.Signals | undefined
const hold = (signal: NodeJS.Signals): void => void (held ??= signal)

/**
 * Keeps SIGINT and SIGTERM from killing the process until takeHeldSignal(): the run is cancelled then.
 * Also once a run is over (withCancellation), until the process exits: a signal then would turn a run that
 * published into one "killed by SIGTERM".
 */
export function holdSignals(): void {
  if (process.listeners('SIGINT').includes(hold)) return
  process.on('SIGINT', hold)
  process.on('SIGTERM', hold)
}

/**
 * The first signal that came while held, if any; the hold ends. Called once the run's own handlers are in
 * place, so that no signal falls between the two.
 */
export function takeHeldSignal(): NodeJS.Signals | undefined {
  process.off('SIGINT', hold)
  process.off('SIGTERM', hold)
  const signal = held
  held = undefined
  return signal
}

/**
 * A closed stdout or stderr is not a reason to stop: the run publishes, or fails, as it would have, and
 * says so in its exit code. Without a listener, the EPIPE of the next write is an uncaught error.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})
}
