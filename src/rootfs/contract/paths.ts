/**
 * Every path an extraction has created so far, with what it is, in bounded memory: a path is kept as a
 * 61-bit hash in an open-addressing table (one Int32Array, 8 bytes a slot, at most half full), not as a
 * string. A rootfs of 70,000 entries takes 2 MiB. Past `limit` paths nothing more is kept and
 * `overflowed` says so: a path not found may then exist after all.
 *
 * Two different paths share a hash with a probability of about n^2 / 2^62 (2e-7 for a million paths,
 * 1e-9 for 70,000).
 */

/** What a path is during extraction. 0 is an empty slot. */
export const DIR = 1
/** A directory made by MkdirAll for an entry below it, or by metal-hammer before extracting. */
export const MADE_DIR = 2
/** A regular file: what archiver writes for files, device nodes and FIFOs alike. */
export const FILE = 3
export const SYMLINK = 4
export type PathKind = typeof DIR | typeof MADE_DIR | typeof FILE | typeof SYMLINK

export const isDir = (kind: number): boolean => kind === DIR || kind === MADE_DIR

export class PathTable {
  private mask: number
  /**
   * Two 32-bit words a slot, side by side (one cache line per probe): the first hash lane, then the
   * second lane with its low 3 bits replaced by the kind (0: an empty slot). 61 bits of hash in all.
   */
  private slots: Int32Array
  size = 0
  overflowed = false
  private readonly limit: number

  constructor(limit: number, initialSlots = 1 << 17) {
    this.limit = limit
    this.mask = initialSlots - 1
    this.slots = new Int32Array(2 * initialSlots)
  }

  /** What `path` is, or 0 if it was never recorded. */
  get(path: string): number {
    hash(path)
    return this.slots[this.find(h1, h2) + 1]! & KIND
  }

  /** Records `path`; false (and `overflowed`) when the table is full and the path was new. */
  set(path: string, kind: PathKind): boolean {
    hash(path)
    let at = this.find(h1, h2)
    if ((this.slots[at + 1]! & KIND) === 0) {
      if (this.size >= this.limit) {
        this.overflowed = true
        return false
      }
      if (4 * (this.size + 1) > this.slots.length) {
        this.grow()
        at = this.find(h1, h2)
      }
      this.size++
    }
    this.slots[at] = h1
    this.slots[at + 1] = (h2 & ~KIND) | kind
    return true
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.slots.byteLength
  }

  /** Where the key's slot is (its first word), or the empty slot where it would go (linear probing). */
  private find(a: number, b: number): number {
    const slots = this.slots
    const key = b & ~KIND
    let at = 2 * (a & this.mask)
    for (;;) {
      const second = slots[at + 1]!
      if ((second & KIND) === 0 || (slots[at] === a && (second & ~KIND) === key)) return at
      at = (at + 2) & (2 * this.mask + 1)
    }
  }

  private grow(): void {
    const old = this.slots
    this.mask = old.length - 1
    this.slots = new Int32Array(2 * old.length)
    for (let i = 0; i < old.length; i += 2) {
      if ((old[i + 1]! & KIND) === 0) continue
      const at = this.find(old[i]!, old[i + 1]!)
      this.slots[at] = old[i]!
      this.slots[at + 1] = old[i + 1]!
    }
  }
}

/** The low bits of a slot's second word: the kind. */
const KIND = 7

// The two lanes of the last hash, and its string (a get and a set of one path hash it once): module
// state rather than an array per call, on the hot path.
let h1 = 0
let h2 = 0
let hashed: string | undefined

/** FNV-1a and a Murmur-style multiply over the UTF-16 code units, each lane finished with Murmur3's fmix32. */
function hash(s: string): void {
  if (s === hashed) return
  hashed = s
  let a = 0x811c9dc5
  let b = 0x9747b28c ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 13
  }
  h1 = fmix(a)
  h2 = fmix(b)
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
