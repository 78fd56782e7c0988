import { execFileSync, spawnSync } from 'node:child_process'

/**
 * Tests that need a tool or a server fail under CI=true when it is missing (CI must provide it), and
 * are skipped locally with a message saying how to get it.
 */
export function requireTool(name: string, how: string): boolean {
  const ok = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
  return need(ok, `${name} is not installed (${how})`)
}

export function dockerAvailable(): boolean {
  const ok =
    spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 20_000 }).status === 0
  return need(
    ok,
    'no Docker engine is reachable (run `sudo bash scripts/test-env.sh` to install and start one)',
  )
}

export function buildxAvailable(): boolean {
  const ok = spawnSync('docker', ['buildx', 'version']).status === 0
  return need(ok, 'docker buildx is not installed (run `sudo bash scripts/test-env.sh`)')
}

function need(ok: boolean, message: string): boolean {
  if (ok) return true
  if (process.env.CI === 'true') throw new Error(`CI=true but ${message}`)
  console.warn(`skipping: ${message}`)
  return false
}

export function run(cmd: string, args: string[], input?: Buffer): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 1 << 30 })
}

/** A command's output as text, with extra environment variables and a working folder. */
export function sh(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  })
}
