/** The database or one of its package headers is not what rpm would read; `hnum` names the Packages row. */
export class RpmDbError extends Error {
  override name = 'RpmDbError'
  readonly hnum: number | undefined

  constructor(message: string, hnum?: number, options?: { cause?: unknown }) {
    super(hnum === undefined ? message : `rpm database, package row hnum=${hnum}: ${message}`, options)
    this.hnum = hnum
  }
}
