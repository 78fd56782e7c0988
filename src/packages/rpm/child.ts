/**
 * The process readRpmDbIsolated starts: reads one rpm database (argv: the file and the limits, as JSON)
 * and writes the result as one JSON document to stdout. Alone in its process, it can be killed wherever
 * sqlite is, which a worker thread cannot (terminate() waits for native code to return).
 */
import { readRpmDbFile, RpmDbLimitError, type RpmDbLimits } from './db.ts'
import { RpmDbError } from './error.ts'

export interface ChildRequest {
  file: string
  limits: RpmDbLimits
}

export type ChildAnswer =
  | { ok: { packages: ReturnType<typeof readRpmDbFile>['packages']; qa: string } }
  | { error: { message: string; hnum: number | undefined; limit: boolean } }

function answer(): ChildAnswer {
  const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest
  try {
    const db = readRpmDbFile(request.file, request.limits)
    return { ok: { packages: db.packages, qa: db.qa.toString('base64') } }
  } catch (err) {
    if (!(err instanceof RpmDbError)) throw err
    return { error: { message: err.message, hnum: err.hnum, limit: err instanceof RpmDbLimitError } }
  }
}

// stdout is a pipe, which Node writes synchronously on Linux: all of it is out when this returns.
process.stdout.write(JSON.stringify(answer()))
