import { execa } from 'execa'

/** Runs git in `cwd`; undefined when git is missing or this is not a repository. */
async function git(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore', timeout: 30_000 })
  return result.exitCode === 0 ? String(result.stdout) : undefined
}

export async function gitTags(cwd: string): Promise<string[] | undefined> {
  const out = await git(cwd, ['tag', '--list'])
  return out?.split('\n').filter((t) => t !== '')
}

/** The checked-out commit's committer date as YYYYMMDD in UTC. */
export async function commitDate(cwd: string): Promise<string | undefined> {
  const out = await git(cwd, ['log', '-1', '--format=%cI'])
  if (!out?.trim()) return undefined
  return new Date(out.trim()).toISOString().slice(0, 10).replaceAll('-', '')
}
