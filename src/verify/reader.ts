/**
 * A pull reader over a stream of chunks with Go's io.ReadFull semantics, which the decoders of this
 * folder mirror: at the end of the data, a read that got no byte is a clean end (`undefined`), one that
 * got some but not all is "unexpected EOF".
 */
export class UnexpectedEof extends Error {
  constructor() {
    super('unexpected EOF')
    this.name = 'UnexpectedEof'
  }
}

export class ByteReader {
  private readonly source: AsyncIterator<Uint8Array>
  private chunk: Buffer = Buffer.alloc(0)
  private pos = 0
  private done = false
  /** Bytes handed out so far. */
  consumed = 0

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]()
  }

  /** Exactly `n` bytes; undefined at a clean end (no byte left); UnexpectedEof when fewer are left. */
  async full(n: number): Promise<Buffer | undefined> {
    if (n === 0) return Buffer.alloc(0)
    if (this.chunk.length - this.pos >= n) {
      const out = this.chunk.subarray(this.pos, this.pos + n)
      this.pos += n
      this.consumed += n
      return out
    }
    const parts: Buffer[] = []
    let have = 0
    while (have < n) {
      if (this.pos === this.chunk.length && !(await this.refill())) {
        if (have === 0) return undefined
        throw new UnexpectedEof()
      }
      const take = Math.min(n - have, this.chunk.length - this.pos)
      parts.push(this.chunk.subarray(this.pos, this.pos + take))
      this.pos += take
      have += take
    }
    this.consumed += n
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n)
  }

  /** Exactly `n` bytes; UnexpectedEof when the data ends before (even with no byte read). */
  async exactly(n: number): Promise<Buffer> {
    const out = await this.full(n)
    if (out === undefined) throw new UnexpectedEof()
    return out
  }

  /** Skips `n` bytes; false when the data ended first. */
  async skip(n: number): Promise<boolean> {
    let left = n
    while (left > 0) {
      if (this.pos === this.chunk.length && !(await this.refill())) return false
      const take = Math.min(left, this.chunk.length - this.pos)
      this.pos += take
      left -= take
      this.consumed += take
    }
    return true
  }

  /** The next piece of at most `max` bytes as it comes (no copy); undefined at the end. */
  async some(max: number): Promise<Buffer | undefined> {
    if (this.pos === this.chunk.length && !(await this.refill())) return undefined
    const take = Math.min(max, this.chunk.length - this.pos)
    const out = this.chunk.subarray(this.pos, this.pos + take)
    this.pos += take
    this.consumed += take
    return out
  }

  private async refill(): Promise<boolean> {
    while (!this.done) {
      const next = await this.source.next()
      if (next.done) {
        this.done = true
        break
      }
      if (next.value.length === 0) continue
      this.chunk = Buffer.isBuffer(next.value)
        ? next.value
        : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length)
      this.pos = 0
      return true
    }
    return false
  }
}
