import { rmSync } from 'node:fs'

/**
 * What a run leaves on this machine that must not outlive it: temporary files (a half-written image, a
 * staged packages.txt). Each is registered while it exists; when the process ends before the run could
 * remove them itself (a signal it had to stop for at once, an uncaught error), they are removed
 * synchronously on the way out, on process 'exit'. Anything on a bucket cannot be removed synchronously:
 * the next run to the folder removes it (see store/owner.ts).
 */
const files = new Set<string>()
const actions = new Set<() => void>()
let installed = false

/** Removes `path` when the process exits before the returned function is called. */
export function removeOnExit(path: string): () => void {
  install()
  files.add(path)
  return () => void files.delete(path)
}

/** Runs `fn` (synchronously, errors ignored) when the process exits before the returned function is called. */
export function onExit(fn: () => void): () => void {
  install()
  actions.add(fn)
  return () => void actions.delete(fn)
}

/** Does now what exit would do: removes the registered files and runs the registered actions, once. */
export function runExitCleanups(): void {
  for (const path of [...files]) {
    files.delete(path)
    try {
      rmSync(path, { force: true })
    } catch {
      // On the way out: nothing left to report it to.
    }
  }
  for (const fn of [...actions]) {
    actions.delete(fn)
    try {
      fn()
    } catch {
      // As above.
    }
  }
}

const notes = new Set<string>()

/**
 * Something a run that is abandoned now should say (a commit under way that the next run finishes),
 * until the returned function is called.
 */
export function noteWhileRunning(note: string): () => void {
  notes.add(note)
  return () => void notes.delete(note)
}

export function currentNotes(): string[] {
  return [...notes]
}

/** Files still registered, for tests. */
export function pendingExitFiles(): string[] {
  return [...files]
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', runExitCleanups)
}
