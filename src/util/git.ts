import { execFile } from 'node:child_process'

/**
 * Runs git in `cwd`; undefined when git is missing or this is not a repository. node's execFile, not
 * execa: for three short answers at the start of a run, execa's stream setup cost the main thread more
 * than git took.
 */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 30_000, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    )
  })
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
  // One rev-parse for both: the commit, then (options apply to what follows them) the branch.
  const [origin, head] = await Promise.all([
    git(cwd, ['remote', 'get-url', 'origin']),
    git(cwd, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD']),
  ])
  const [commit, ref] = head?.split('\n') ?? []
  // https://github.com/owner/name.git, git@github.com:owner/name.git, or a path: the last two parts.
  const repository = /([^/:]+\/[^/:]+?)(?:\.git)?\/?$/.exec(origin?.trim() ?? '')?.[1] ?? ''
  return { repository, ref: ref?.trim() ?? '', commit: commit?.trim() ?? '' }
}
