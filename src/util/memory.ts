import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Gc = (options: { type: 'minor' | 'major'; execution: 'sync' }) => void
let gc: Gc | null | undefined

/**
 * V8 frees a dead Buffer's memory only when it collects the Buffer object, and it starts collecting
 * for external memory only after tens of MB have piled up. Streaming gigabytes through short-lived
 * chunks, that pile is most of the process's peak RSS. Collecting on our own schedule keeps it small:
 * a scavenge of the young generation, where most chunk objects still are, takes well under a
 * millisecond; a full collection of our small heap a few ms.
 */
export function collectGarbage(type: 'minor' | 'major'): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as Gc
    } catch {
      gc = null
    }
  }
  gc?.({ type, execution: 'sync' })
}
