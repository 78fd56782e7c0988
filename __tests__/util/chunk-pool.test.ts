import { describe, expect, test } from 'vitest'
import { BlockPool, ChunkPool } from '../../src/util/chunk-pool.ts'

/** Reads `n` bytes of `value` into the pool, as a socket or file read would. */
function read(pool: ChunkPool, n: number, value: number): Buffer {
  const space = pool.space()
  expect(space.length).toBeGreaterThanOrEqual(n)
  space.fill(value, 0, n)
  return pool.filled(n)
}

describe('ChunkPool: read memory used again only when nobody reads it any more', () => {
  test('a slab comes back only after every chunk of it was released and reads moved on', () => {
    const pool = new ChunkPool()
    const first = Array.from({ length: 16 }, (_, i) => read(pool, 64 << 10, i))
    // The 1 MiB slab is full: the next read starts another one.
    const second = read(pool, 64 << 10, 100)
    expect(second.buffer).not.toBe(first[0]!.buffer)
    for (const chunk of first.slice(0, 15)) pool.release(chunk)
    // One chunk still out: its slab must not be written to.
    for (let i = 0; i < 15; i++) read(pool, 64 << 10, 200)
    expect(pool.stats.reused).toBe(0)
    expect(first[15]!.every((b) => b === 15)).toBe(true)
    pool.release(first[15]!)
    const third = read(pool, 64 << 10, 201)
    expect(pool.stats).toEqual({ allocated: 2, reused: 1 })
    expect(third.buffer).toBe(first[0]!.buffer)
  })

  test('pieces of a chunk released one by one count as the chunk', () => {
    const pool = new ChunkPool()
    const chunk = read(pool, 1 << 20, 1)
    read(pool, 1000, 2)
    pool.release(chunk.subarray(0, 1000))
    pool.release(chunk.subarray(1000, 5000))
    expect(pool.stats.reused).toBe(0)
    pool.release(chunk.subarray(5000))
    read(pool, (1 << 20) - 1000, 3)
    read(pool, 1000, 4)
    expect(pool.stats.reused).toBe(1)
  })

  test('a chunk never released keeps its slab out of use; chunks from elsewhere are ignored', () => {
    const pool = new ChunkPool()
    const kept = read(pool, 1 << 20, 7)
    pool.release(Buffer.alloc(1 << 20))
    for (let i = 0; i < 64; i++) pool.release(read(pool, 1 << 20, 9))
    expect(kept.every((b) => b === 7)).toBe(true)
    // The others came back and were used again.
    expect(pool.stats.allocated).toBeLessThanOrEqual(3)
  })
})

describe('BlockPool: a block used again only once it is given back', () => {
  test('take gives buffers of the size at offset 0; a given-back one is taken again', () => {
    const pool = new BlockPool(4096, 4)
    const a = pool.take()
    expect([a.length, a.byteOffset, a.buffer.byteLength]).toEqual([4096, 0, 4096])
    const b = pool.take()
    expect(b.buffer).not.toBe(a.buffer)
    pool.give(a.subarray(0, 100))
    expect(pool.take().buffer).toBe(a.buffer)
    expect(pool.stats).toEqual({ allocated: 2, reused: 1 })
  })

  test('a second give of the same block, or a view of memory that is not the pool’s, changes nothing', () => {
    const pool = new BlockPool(4096, 4)
    const a = pool.take()
    pool.give(a)
    pool.give(a.subarray(10))
    pool.give(Buffer.allocUnsafeSlow(4096))
    const first = pool.take()
    const second = pool.take()
    // Handed out once only: two takes never share memory.
    expect(first.buffer).toBe(a.buffer)
    expect(second.buffer).not.toBe(a.buffer)
    expect(pool.stats).toEqual({ allocated: 2, reused: 1 })
  })

  test('adopt takes memory handed back by another thread; spares stop at the limit', () => {
    const pool = new BlockPool(4096, 2)
    pool.adopt(Buffer.allocUnsafeSlow(4096))
    pool.adopt(Buffer.allocUnsafeSlow(100))
    expect(pool.take().length).toBe(4096)
    expect(pool.stats).toEqual({ allocated: 0, reused: 1 })
    const out = [pool.take(), pool.take(), pool.take(), pool.take()]
    for (const b of out) pool.give(b)
    for (let i = 0; i < 4; i++) pool.take()
    // Two came back as spares, the others were left to the garbage collector.
    expect(pool.stats).toEqual({ allocated: 6, reused: 3 })
  })
})
