import type { BuildConfig } from './config.ts'

/** docker build's arguments for a build, and the same for the log with build arg values hidden. */
export function buildArgs(config: BuildConfig): { args: string[]; shown: string[] } {
  const args: string[] = []
  const shown: string[] = []
  const add = (flag: string, value?: string, show = value): void => {
    args.push(flag, ...(value === undefined ? [] : [value]))
    shown.push(flag, ...(show === undefined ? [] : [show]))
  }
  if (config.file) add('--file', config.file)
  if (config.target) add('--target', config.target)
  add('--platform', config.platform)
  for (const [key, value] of config.buildArgs) add('--build-arg', `${key}=${value}`, `${key}=***`)
  for (const label of config.labels) add('--label', label)
  if (config.buildx.network) add('--network', config.buildx.network)
  for (const host of config.buildx.addHosts) add('--add-host', host)
  if (config.noCache) add('--no-cache')
  if (config.pull) add('--pull')
  return { args, shown }
}
