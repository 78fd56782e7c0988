import { formatBytes } from '../util/log.ts'

/**
 * Logs bytes done and throughput on a fixed interval, so a long export never looks hung in the
 * Actions log (which shows nothing between lines).
 */
export function reportProgress(
  what: () => { read: number; written: number },
  print: (line: string) => void,
  intervalMs = 10_000,
): () => void {
  const start = performance.now()
  let lastRead = 0
  let lastAt = start
  const timer = setInterval(() => {
    const now = performance.now()
    const { read, written } = what()
    const rate = Math.round((read - lastRead) / ((now - lastAt) / 1000))
    const ratio = read > 0 ? ` (${((100 * written) / read).toFixed(1)} %)` : ''
    print(
      `${formatBytes(read)} of rootfs read, ${formatBytes(rate)}/s; ${formatBytes(written)} compressed${ratio}; ` +
        `${((now - start) / 1000).toFixed(0)} s`,
    )
    lastRead = read
    lastAt = now
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
