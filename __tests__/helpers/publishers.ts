import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { md5 } from './sets.ts'

const root = resolve(import.meta.dirname, '..', '..')
/**
 * The CLI from src/, run by this Node (24 under npm test): what `metal-image` does, unbundled.
 * METAL_IMAGE_TEST_CLI runs another one instead (dist/cli.js, or an earlier checkout's src/cli/bin.ts).
 */
export const CLI = process.env.METAL_IMAGE_TEST_CLI || join(root, 'src', 'cli', 'bin.ts')

/** A small rootfs tar of its own: `bytes` of random data (stored by LZ4), so every publisher's image differs. */
export function rootfsTar(dir: string, id: string, bytes = 256 << 10): string {
  const tree = mkdtempSync(join(dir, `tree-${id}-`))
  mkdirSync(join(tree, 'etc'))
  writeFileSync(join(tree, 'etc', 'publisher'), `${id}\n`)
  writeFileSync(join(tree, 'etc', 'payload'), randomBytes(bytes))
  const tar = join(dir, `rootfs-${id}.tar`)
  execFileSync('tar', ['-C', tree, '-cf', tar, 'etc'])
  return tar
}

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** performance.now() when the process ended. */
  endedAt: number
}

export interface Running {
  child: ChildProcessWithoutNullStreams
  done: Promise<CliRun>
  /** Resolves once stderr has matched `pattern`. */
  when(pattern: RegExp): Promise<void>
}

/** Starts the CLI with `args`; stdin stays open (a pipe) until the caller ends it. */
export function startCli(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  const waiting: { pattern: RegExp; resolve: () => void }[] = []
  child.stdout.on('data', (d: Buffer) => (stdout += d))
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
    for (const w of [...waiting])
      if (w.pattern.test(stderr)) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve()
      }
  })
  child.stdin.on('error', () => {})
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, outputs: parseOutputs(stdout), endedAt: performance.now() }),
    ),
  )
  return {
    child,
    done,
    when: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve()
        waiting.push({ pattern, resolve })
        void done.then(() => reject(new Error(`the CLI ended before its log matched ${pattern}:\n${stderr}`)))
      }),
  }
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = startCli(args, env)
  run.child.stdin.end()
  return run.done
}

function parseOutputs(stdout: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const m = /^([a-z0-9-]+)=(.*)$/.exec(line)
    if (m) outputs[m[1]!] = m[2]!
  }
  return outputs
}

/** What a reader of a folder sees, read file by file the way a reader would. */
export interface Snapshot {
  /** The md5 file's hex, read before and after the rest (undefined: no such file). */
  md5Before: string | undefined
  md5After: string | undefined
  image: Buffer | undefined
  /** versions.json's entries' md5s, oldest first. */
  index: string[]
  names: string[]
}

export type Reader = (name: string) => Promise<Buffer | undefined>

/** Reads a folder as a reader does: the md5, versions.json, the image, the md5 again. */
export async function snapshot(
  read: Reader,
  list: () => Promise<string[]>,
  options: { always?: boolean } = {},
): Promise<Snapshot> {
  const hex = (b: Buffer | undefined): string | undefined => b?.toString().slice(0, 32)
  const md5Before = hex(await read('img.tar.lz4.md5'))
  const indexText = await read('versions.json')
  // Without a checksum file there is nothing to compare the image with (and it is the big read).
  const image = md5Before !== undefined || options.always ? await read('img.tar.lz4') : undefined
  const md5After = hex(await read('img.tar.lz4.md5'))
  let index: string[] = []
  try {
    index = indexText
      ? (JSON.parse(indexText.toString()) as { versions: { md5: string }[] }).versions.map((v) => v.md5)
      : []
  } catch {
    index = ['<unreadable versions.json>']
  }
  return { md5Before, md5After, image, index, names: (await list()).sort() }
}

/**
 * Reads a folder over and over while runs publish to it, and records what must never be seen: a
 * checksum file that disagrees with the image or with versions.json, an image or an index entry that
 * no successful run published (checked at the end, against the runs' outputs).
 */
export class Observer {
  readonly problems: string[] = []
  readonly images = new Set<string>()
  readonly indexed = new Set<string>()
  count = 0
  private running = true
  private readonly loop: Promise<void>

  constructor(read: () => Promise<Snapshot>) {
    this.loop = (async () => {
      while (this.running) {
        let s: Snapshot
        try {
          s = await read()
        } catch (err) {
          this.problems.push(`reading failed: ${String(err)}`)
          continue
        }
        this.count++
        if (s.image) this.images.add(md5(s.image))
        for (const m of s.index) this.indexed.add(m)
        // The md5 did not change while the image and the index were read: they were read in one state.
        if (s.md5Before !== undefined && s.md5Before === s.md5After) {
          if (!s.image) this.problems.push(`an md5 (${s.md5Before}) without an image`)
          else if (md5(s.image) !== s.md5Before)
            this.problems.push(`the md5 file says ${s.md5Before}, the image is ${md5(s.image)}`)
          if (s.index.at(-1) !== s.md5Before)
            this.problems.push(
              `the md5 file says ${s.md5Before}, versions.json's newest entry ${s.index.at(-1)}`,
            )
        }
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }
}

/** Leftovers of runs: temporary files, kept-aside images, upload records, locks. */
export function leftovers(names: string[]): string[] {
  return names.filter((n) => n.startsWith('.') || n.endsWith('.partial'))
}

export interface RaceStore {
  /** The destination input, e.g. a folder, s3://bucket/prefix, gs://bucket/prefix. */
  destination: string
  /** More CLI arguments (an endpoint). */
  args?: string[]
  env?: Record<string, string>
  /** Reads a file of the image folder (debian/12 under the destination). */
  read: Reader
  /** Names in the image folder, hidden ones included. */
  list: () => Promise<string[]>
  /** Uploads not completed under the folder (S3), for the leftover checks. */
  openUploads?: () => Promise<string[]>
}

export interface RaceReport {
  runs: number
  won: number
  lost: number
  observed: number
}

/**
 * How a run says another one got there first: while it built ("lost the race"), or before it began
 * (its plan already saw the other run's version).
 */
export const LOST =
  /lost the race for .*: another run published there while this one was building|would be lower than .*, which already exists|already exists: set on-conflict to overwrite/

const base = Date.UTC(2026, 0, 1)
const dateOf = (day: number): string =>
  new Date(base + day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '')

/**
 * `rounds` rounds of `publishers` concurrent CLI runs to one flat folder, each with its own image and a
 * later date than the round before (within a round, dates differ too): whichever commits, the folder must
 * hold exactly one run's set at every observed instant, versions.json must list exactly the runs that
 * say they published, every run that did not must say it lost the race, and nothing may be left behind.
 */
export async function publishRaces(
  store: RaceStore,
  work: string,
  options: { rounds: number; publishers: number; bytes?: number },
): Promise<RaceReport> {
  const observer = new Observer(() => snapshot(store.read, store.list))
  const report: RaceReport = { runs: 0, won: 0, lost: 0, observed: 0 }
  const winners: { version: string; md5: string }[] = []
  const losers: string[] = []
  try {
    for (let round = 0; round < options.rounds; round++) {
      const runs = await Promise.all(
        Array.from({ length: options.publishers }, (_, i) => {
          const tar = rootfsTar(work, `r${round}p${i}`, options.bytes)
          return runCli(
            [
              ...['--rootfs', tar, '--os-name', 'debian', '--os-version', '12'],
              ...['--destination', store.destination, '--contract', 'off', '--build-info', 'false'],
              ...['--date', dateOf(round * 10 + i)],
              ...(store.args ?? []),
            ],
            store.env,
          ).then((run) => ({ run, tar }))
        }),
      )
      for (const { run } of runs) {
        report.runs++
        if (run.code === 0) {
          report.won++
          winners.push({ version: run.outputs.version!, md5: run.outputs.md5! })
        } else {
          report.lost++
          if (!LOST.test(run.stderr))
            throw new Error(`a run failed for another reason than a lost race:\n${run.stderr}`)
          losers.push(run.stderr)
        }
      }
      const final = await snapshot(store.read, store.list, { always: true })
      const newest = [...winners].sort((a, b) => (a.version < b.version ? -1 : 1)).at(-1)!
      if (
        final.md5Before !== newest.md5 ||
        md5(final.image ?? '') !== newest.md5 ||
        final.index.at(-1) !== newest.md5
      )
        throw new Error(
          `round ${round}: the folder does not hold the newest published set ${newest.version} (${newest.md5}): md5 ${final.md5Before}, image ${md5(final.image ?? '')}, index ${final.index.at(-1)}`,
        )
      if (JSON.stringify(final.index) !== JSON.stringify(winners.map((w) => w.md5)))
        throw new Error(
          `round ${round}: versions.json lists ${final.index}, the runs that published ${winners.map((w) => w.md5)}`,
        )
      const left = leftovers(final.names)
      if (left.length > 0) throw new Error(`round ${round}: left behind: ${left.join(', ')}`)
      const uploads = (await store.openUploads?.()) ?? []
      if (uploads.length > 0) throw new Error(`round ${round}: uploads left open: ${uploads.join(', ')}`)
    }
  } finally {
    await observer.stop()
  }
  report.observed = observer.count
  if (observer.problems.length > 0) throw new Error(`observed: ${[...new Set(observer.problems)].join('\n')}`)
  const published = new Set(winners.map((w) => w.md5))
  const strangers = [...observer.images, ...observer.indexed].filter((m) => !published.has(m))
  if (strangers.length > 0)
    throw new Error(`observed images or index entries no run published: ${strangers.join(', ')}`)
  return report
}

/**
 * Runs that are killed (SIGKILL: no cleanup at all) at a random moment while another publishes, then a
 * run that must publish and leave nothing of the killed ones behind. The folder is observed throughout.
 */
export async function killRounds(
  store: RaceStore,
  work: string,
  options: { rounds: number; maxDelayMs: number; bytes?: number },
): Promise<{ killed: number; observed: number }> {
  const observer = new Observer(() => snapshot(store.read, store.list))
  const published = new Set<string>()
  let killed = 0
  /** The tars of runs that were killed: one may have committed before the kill, which is a whole set. */
  const victims: string[] = []
  let day = 400
  const args = (tar: string): string[] => [
    ...['--rootfs', tar, '--os-name', 'debian', '--os-version', '12'],
    ...['--destination', store.destination, '--contract', 'off', '--build-info', 'false'],
    ...['--date', dateOf(day++)],
    ...(store.args ?? []),
  ]
  try {
    for (let round = 0; round < options.rounds; round++) {
      const victimTar = rootfsTar(work, `k${round}`, options.bytes)
      const victim = startCli(args(victimTar), store.env)
      victim.child.stdin.end()
      const other = runCli(args(rootfsTar(work, `o${round}`, options.bytes)), store.env)
      await new Promise((r) => setTimeout(r, Math.random() * options.maxDelayMs))
      if (
        victim.child.exitCode === null &&
        victim.child.signalCode === null &&
        victim.child.kill('SIGKILL')
      ) {
        killed++
        victims.push(victimTar)
      }
      const [v, o] = await Promise.all([victim.done, other])
      for (const run of [v, o]) if (run.code === 0) published.add(run.outputs.md5!)
      const next = await runCli(args(rootfsTar(work, `n${round}`, options.bytes)), store.env)
      if (next.code !== 0) throw new Error(`round ${round}: the run after the kill failed:\n${next.stderr}`)
      published.add(next.outputs.md5!)
      const final = await snapshot(store.read, store.list, { always: true })
      if (final.md5Before !== next.outputs.md5 || final.index.at(-1) !== next.outputs.md5)
        throw new Error(`round ${round}: the folder does not hold the last run's set`)
      const left = leftovers(final.names)
      if (left.length > 0)
        throw new Error(`round ${round}: left behind after the next run: ${left.join(', ')}`)
      const uploads = (await store.openUploads?.()) ?? []
      if (uploads.length > 0) throw new Error(`round ${round}: uploads left open: ${uploads.join(', ')}`)
    }
  } finally {
    await observer.stop()
  }
  if (observer.problems.length > 0) throw new Error(`observed: ${[...new Set(observer.problems)].join('\n')}`)
  let strangers = [...observer.images, ...observer.indexed].filter((m) => !published.has(m))
  if (strangers.length > 0) {
    // A run killed just after its commit completed published a whole set without saying so. The image
    // depends only on the tar (no build info): what each killed run would have published, made again.
    const made = new Set<string>()
    for (const tar of victims) {
      const again = await runCli([
        ...['--rootfs', tar, '--os-name', 'debian', '--os-version', '12', '--contract', 'off'],
        ...['--build-info', 'false', '--destination', mkdtempSync(join(work, 'again-'))],
      ])
      if (again.code === 0) made.add(again.outputs.md5!)
    }
    strangers = strangers.filter((m) => !made.has(m))
  }
  if (strangers.length > 0)
    throw new Error(`observed images or index entries no run published: ${strangers.join(', ')}`)
  return { killed, observed: observer.count }
}
