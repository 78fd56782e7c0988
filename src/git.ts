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

/** The checkout's repository (owner/name from the origin remote), branch and commit; empty when unknown. */
export async function gitHead(cwd: string): Promise<{ repository: string; ref: string; commit: string }> {
  const [origin, ref, commit] = await Promise.all([
    git(cwd, ['remote', 'get-url', 'origin']),
    git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(cwd, ['rev-parse', 'HEAD']),
  ])
  // https://github.com/owner/name.git, git@github.com:owner/name.git, or a path: the last two parts.
  const repository = /([^/:]+\/[^/:]+?)(?:\.git)?\/?$/.exec(origin?.trim() ?? '')?.[1] ?? ''
  return { repository, ref: ref?.trim() ?? '', commit: commit?.trim() ?? '' }
}
