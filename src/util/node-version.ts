/**
 * The oldest Node.js the tool runs on: node:sqlite (rpm databases), the store clients and the bundle's
 * target need 24. Checked by the entries before they load anything else: an ES module's static imports are
 * resolved before any of its code runs, so on an older Node the bundle would die resolving `node:sqlite`
 * with a stack trace instead of saying what is wrong.
 *
 * This module imports nothing, so it loads on any Node.
 */
export const NODE_MAJOR = 24

/** The one line to print when `version` (process.version, `v20.19.0`) is too old; undefined when it is fine. */
export function nodeTooOld(version: string, tool: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (major >= NODE_MAJOR) return undefined
  return `${tool} needs Node.js ${NODE_MAJOR} or later (this is ${version})`
}

/**
 * Resolves once stdout and stderr have passed on what was written to them (a pipe takes 64 KiB at a
 * time and Node queues the rest), or after `ms`: exiting before would cut the last lines, the error
 * among them.
 */
export async function flushed(ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const drained = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write('', () => resolve()))
  await Promise.race([
    Promise.all([drained(process.stdout), drained(process.stderr)]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ])
  clearTimeout(timer)
}
