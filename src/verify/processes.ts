import type { ChildProcess } from 'node:child_process'

/**
 * Children started in their own process group (detached) that must not outlive this process, even when it
 * ends without cleaning up (an uncaught error, process.exit): their groups get SIGKILL on exit.
 */
const groups = new Set<number>()
let hooked = false

export function killOnExit(child: ChildProcess): () => void {
  const pid = child.pid
  if (pid === undefined) return () => {}
  groups.add(pid)
  if (!hooked) {
    hooked = true
    process.on('exit', () => {
      for (const group of groups) killGroup(group, 'SIGKILL')
    })
  }
  return () => void groups.delete(pid)
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}
