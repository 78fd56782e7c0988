/**
 * A problem with what the user asked for. The message names the input, the value and what is
 * expected, so the log line alone tells the user what to change.
 */
export class InputError extends Error {
  readonly input: string
  readonly value: string

  constructor(input: string, value: string, problem: string) {
    super(`input "${input}"${value === '' ? '' : ` = "${value}"`}: ${problem}`)
    this.name = 'InputError'
    this.input = input
    this.value = value
  }
}

/** A failure of a tool or service we depend on (docker, the file system), with what to do about it. */
export class StageError extends Error {
  readonly stage: string

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StageError'
    this.stage = stage
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
