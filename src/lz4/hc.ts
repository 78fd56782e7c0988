/*
 * LZ4 HC (high compression) block compressor, levels 3..12, in TypeScript.
 *
 * The algorithm is LZ4 HC by Yann Collet (https://github.com/lz4/lz4, lib/lz4hc.c, BSD-2-Clause license,
 * Copyright (C) 2011-2020 Yann Collet). This is an independent TypeScript implementation of the algorithm of
 * lz4 1.9.4 for the case lz4frame uses with independent blocks (LZ4_compress_HC_extStateHC: no dictionary, no
 * prefix, limited output): the hash-chain parser for levels 3..9 and the optimal parser for levels 10..12,
 * including the repeated-pattern analysis and chain swapping. It makes the same decisions as the C code, so its
 * output is byte-for-byte the block that `lz4 -<level>` writes.
 *
 * Positions are plain offsets into the block. lz4 works with indices that start at 64 KiB; that only serves
 * streaming with dictionaries, and for a single independent block it is equivalent to using offsets and an
 * "empty" hash-table value far enough back (-65536) that every chain step to it ends the search.
 */

const MINMATCH = 4
const LASTLITERALS = 5
const MFLIMIT = 12
const MIN_INPUT_LENGTH = MFLIMIT + 1
const ML_MASK = 15
const RUN_MASK = 15
const OPTIMAL_ML = ML_MASK - 1 + MINMATCH
const MAX_DISTANCE = 65535
const HASH_LOG = 15
const HASH_SHIFT = 32 - HASH_LOG
const HASH_SIZE = 1 << HASH_LOG
const CHAIN_MASK = 0xffff
const EMPTY = -65536
// 2654435761 as a signed 32-bit integer, for Math.imul.
const PRIME32 = -1640531535
const OPT_NUM = 4096
const TRAILING_LITERALS = 3

/** nbSearches per level 0..12, and for the optimal levels the length at which a match is taken at once. */
const NB_SEARCHES = [2, 2, 2, 4, 8, 16, 32, 64, 128, 256, 96, 512, 16384]
const TARGET_LENGTH = [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 64, 128, OPT_NUM]
const LEVEL_MAX = 12
const LEVEL_DEFAULT = 9
const LEVEL_OPT_MIN = 10

/** The largest block: the largest that an LZ4 frame allows. */
export const MAX_BLOCK_SIZE = 4 << 20

// All state lives in module-level constants, shared by every HCCompressor of this thread (compression is
// synchronous, so they never overlap). V8 then knows these typed arrays at compile time and drops most checks from
// the search loops, which makes them about 15 % faster than with tables passed around or kept in variables.
/** The block being compressed, copied here; bytes past its end are zero. */
const SRC = new Uint8Array(MAX_BLOCK_SIZE + 8)
/** The same bytes, read as little-endian 32-bit words: one unaligned load each in optimized code. */
const WORDS = new DataView(SRC.buffer)
const HASH_TABLE = new Int32Array(HASH_SIZE)
/** Distance from each position (modulo 64 Ki) to the previous one with the same hash, up to 65535. */
const CHAIN_TABLE = new Uint16Array(CHAIN_MASK + 1)
let nextToUpdate = 0
// Results of the match searches besides the length.
let foundMatch = 0
let foundStart = 0

function hash(word: number): number {
  return Math.imul(word, PRIME32) >>> HASH_SHIFT
}

/** Number of zero bytes at the low end of a nonzero word, i.e. of equal bytes before the first difference. */
function lowZeroBytes(diff: number): number {
  // diff ^ (diff - 1) sets the lowest set bit and all below it; `| 0` keeps the arithmetic in int32.
  return (31 - Math.clz32(diff ^ ((diff - 1) | 0))) >> 3
}

/** Number of equal bytes at pIn and pMatch (pMatch < pIn), not counting past pInLimit. */
function countMatch(pIn: number, pMatch: number, pInLimit: number): number {
  const w = WORDS
  const start = pIn
  const wordLimit = pInLimit - 3
  while (pIn < wordLimit) {
    const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true)
    if (diff === 0) {
      pIn += 4
      pMatch += 4
      continue
    }
    return pIn + lowZeroBytes(diff) - start
  }
  const s = SRC
  while (pIn < pInLimit && s[pIn] === s[pMatch]) {
    pIn++
    pMatch++
  }
  return pIn - start
}

/** Length of the run at ip (up to iEnd) that repeats the 4-byte pattern. */
function countPattern(ip: number, iEnd: number, pattern: number): number {
  const w = WORDS
  const start = ip
  const wordLimit = iEnd - 3
  while (ip < wordLimit) {
    const diff = w.getInt32(ip, true) ^ pattern
    if (diff === 0) {
      ip += 4
      continue
    }
    return ip + lowZeroBytes(diff) - start
  }
  // ip - start is a multiple of 4 here, so the pattern continues at its byte 0.
  const s = SRC
  let p = pattern
  while (ip < iEnd && s[ip] === (p & 0xff)) {
    ip++
    p >>>= 8
  }
  return ip - start
}

/** Length of the run ending just before ip (down to iLow) that repeats the 4-byte pattern. */
function reverseCountPattern(ip: number, iLow: number, pattern: number): number {
  const w = WORDS
  const start = ip
  while (ip >= iLow + 4) {
    const diff = w.getInt32(ip - 4, true) ^ pattern
    // The high bytes are the ones nearest to ip.
    if (diff !== 0) return start - ip + (Math.clz32(diff) >> 3)
    ip -= 4
  }
  const s = SRC
  let shift = 24
  while (ip > iLow) {
    if (s[ip - 1] !== ((pattern >>> shift) & 0xff)) break
    ip--
    shift -= 8
  }
  return start - ip
}

/** Adds positions nextToUpdate..ip-1 to the hash chains. */
function insertUpTo(ip: number): void {
  const w = WORDS
  const chain = CHAIN_TABLE
  const ht = HASH_TABLE
  for (let idx = nextToUpdate; idx < ip; idx++) {
    const h = hash(w.getInt32(idx, true))
    let delta = idx - ht[h]!
    // Negative when a position is inserted again (see below): lz4's unsigned difference clamps it too.
    if (delta > MAX_DISTANCE || delta < 0) delta = MAX_DISTANCE
    chain[idx & CHAIN_MASK] = delta
    ht[h] = idx
  }
  // Searches sometimes go back before positions already inserted; lz4 then moves nextToUpdate back as well and
  // inserts those positions again, which changes the chains, so do the same to make the same choices.
  nextToUpdate = ip
}

/** Whether the word repeats a 1- or 2-byte pattern, the runs that the pattern analysis handles. */
function isRepeatedPattern(pattern: number): boolean {
  return (pattern & 0xffff) === pattern >>> 16 && (pattern & 0xff) === pattern >>> 24
}

// Set by repeatJump when it found a longer match.
let jumpLongest = 0
const STOP = -0x40000000

/**
 * Inside a run of a 1- or 2-byte pattern the chains step one byte at a time; this jumps across the run of the
 * candidate just before matchCandidateIdx + 1 instead. Returns the next candidate (STOP ends the search) and
 * sets jumpLongest (with foundMatch/foundStart when it grew).
 */
function repeatJump(
  ip: number,
  matchCandidateIdx: number,
  iHighLimit: number,
  lowestMatchIndex: number,
  lookBackLength: number,
  pattern: number,
  srcPatternLength: number,
  longest: number,
): number {
  jumpLongest = longest
  // Past srcPatternLength + 1 the forward length no longer changes anything below, and lz4 limits the backward
  // length to lowestMatchIndex after counting: counting only that far makes long runs (sparse files, padding)
  // cost at most the window, not the whole run, per jump.
  const forwardEnd = matchCandidateIdx + srcPatternLength + 1
  const forwardPatternLength =
    countPattern(matchCandidateIdx + 4, forwardEnd < iHighLimit ? forwardEnd : iHighLimit, pattern) + 4
  const backLength = reverseCountPattern(matchCandidateIdx, lowestMatchIndex, pattern)
  const currentSegmentLength = backLength + forwardPatternLength
  if (currentSegmentLength >= srcPatternLength && forwardPatternLength <= srcPatternLength) {
    // The whole source pattern fits: align on its end, the match may continue past the run.
    return matchCandidateIdx + forwardPatternLength - srcPatternLength
  }
  const matchIndex = matchCandidateIdx - backLength
  if (lookBackLength !== 0) return matchIndex
  const maxML = currentSegmentLength < srcPatternLength ? currentSegmentLength : srcPatternLength
  if (longest < maxML) {
    if (ip - matchIndex > MAX_DISTANCE) return STOP
    jumpLongest = maxML
    foundMatch = matchIndex
    foundStart = ip
  }
  return matchIndex - CHAIN_TABLE[matchIndex & CHAIN_MASK]!
}

/**
 * Returns the first position from ip on (at most mflimit + 1) where insertAndFindBestMatch could find a match,
 * having inserted the positions before it, as the searches at those positions would have. Most positions of
 * incompressible data find no match, and there the full search costs more than the chain walk itself: this loop
 * rules them out with the 4-byte test alone (no match yet means no other test applies), hashes each position once
 * for both its search and its insertion, makes no call, and loads the next position's first candidate early.
 * Anything else (a candidate with the 4 bytes, or the start of the pattern analysis) is left to the full search,
 * which then sees the same chains and makes the same choice.
 */
function skipLiterals(ip: number, mflimit: number, maxNbAttempts: number, patternAnalysis: boolean): number {
  insertUpTo(ip)
  if (ip > mflimit) return ip
  const w = WORDS
  const chain = CHAIN_TABLE
  const ht = HASH_TABLE
  // A step of 1 starts the pattern analysis, which only changes the search for 1- and 2-byte patterns.
  const patternStep = patternAnalysis ? 1 : -1
  const attempts = maxNbAttempts | 0
  let pattern = w.getInt32(ip, true)
  let h = hash(pattern)
  let head = ht[h]!
  let headWord = head >= 0 ? w.getInt32(head, true) : 0
  let headDist = chain[head & CHAIN_MASK]!
  for (;;) {
    // Load the next position's chain head and its first candidate now: these loads then overlap this search.
    const nextPattern = w.getInt32(ip + 1, true)
    const nextH = hash(nextPattern)
    const nextHead = nextH === h ? ip : ht[nextH]!
    const nextWord = nextHead >= 0 ? w.getInt32(nextHead, true) : 0
    const nextDist = chain[nextHead & CHAIN_MASK]!
    const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0
    let matchIndex = head
    if (matchIndex >= lowestMatchIndex) {
      // With no match yet the search tests just these 4 bytes, and a candidate that has them is a match. The
      // first candidate is the one loaded ahead.
      if (headWord === pattern) break
      let nbAttempts = attempts - 1
      let distNextMatch = headDist
      let found = false
      for (;;) {
        if (distNextMatch === patternStep && isRepeatedPattern(pattern)) {
          found = true
          break
        }
        matchIndex -= distNextMatch
        if (matchIndex < lowestMatchIndex || nbAttempts <= 0) break
        nbAttempts--
        if (w.getInt32(matchIndex, true) === pattern) {
          found = true
          break
        }
        distNextMatch = chain[matchIndex & CHAIN_MASK]!
      }
      if (found) break
    }
    // No match: insert ip now, as the next search would; the table has not changed since head was read.
    let delta = ip - head
    if (delta > MAX_DISTANCE || delta < 0) delta = MAX_DISTANCE
    chain[ip & CHAIN_MASK] = delta
    ht[h] = ip
    ip++
    if (ip > mflimit) break
    pattern = nextPattern
    h = nextH
    head = nextHead
    headWord = nextWord
    // The distance loaded ahead is stale when it is the one just written (both positions had the same hash).
    headDist = (nextHead & CHAIN_MASK) === ((ip - 1) & CHAIN_MASK) ? delta : nextDist
  }
  nextToUpdate = ip
  return ip
}

/**
 * Inserts positions up to ip into the hash chains, then looks for the longest match (of at least MINMATCH) that
 * starts at ip; returns its length, or MINMATCH - 1 when there is none, with the match at foundMatch. This is
 * insertAndGetWiderMatch without the look-back, the most frequent search of levels 3..9, kept separate because the
 * smaller loop runs faster.
 */
function insertAndFindBestMatch(
  ip: number,
  iHighLimit: number,
  maxNbAttempts: number,
  patternAnalysis: boolean,
): number {
  insertUpTo(ip)
  const w = WORDS
  const s = SRC
  const chain = CHAIN_TABLE
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0
  let nbAttempts = maxNbAttempts | 0
  const pattern = w.getInt32(ip, true)
  let repeat = 0
  let srcPatternLength = 0
  let longest = MINMATCH - 1
  let probe = w.getUint16(ip + longest - 1, true)
  let patternStep = patternAnalysis ? 1 : -1
  const wordLimit = iHighLimit - 3
  let bestMatch = 0
  let matchIndex = HASH_TABLE[hash(pattern)]!
  for (;;) {
    let distNextMatch = 0
    let stopped = true
    while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
      nbAttempts--
      if (w.getUint16(matchIndex + longest - 1, true) === probe && w.getInt32(matchIndex, true) === pattern) {
        let pIn = ip + MINMATCH
        let pMatch = matchIndex + MINMATCH
        for (;;) {
          if (pIn < wordLimit) {
            const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true)
            if (diff === 0) {
              pIn += 4
              pMatch += 4
              continue
            }
            pIn += lowZeroBytes(diff)
          } else {
            while (pIn < iHighLimit && s[pIn] === s[pMatch]) {
              pIn++
              pMatch++
            }
          }
          break
        }
        if (pIn - ip > longest) {
          longest = pIn - ip
          bestMatch = matchIndex
          probe = w.getUint16(ip + longest - 1, true)
        }
      }
      distNextMatch = chain[matchIndex & CHAIN_MASK]!
      if (distNextMatch === patternStep) {
        stopped = false
        break
      }
      matchIndex -= distNextMatch
    }
    if (stopped) break

    if (repeat === 0) {
      if (isRepeatedPattern(pattern)) {
        repeat = 2
        srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4
      } else {
        repeat = 1
        patternStep = -1
      }
    }
    if (repeat === 2 && matchIndex - 1 >= lowestMatchIndex && w.getInt32(matchIndex - 1, true) === pattern) {
      matchIndex =
        repeatJump(ip, matchIndex - 1, iHighLimit, lowestMatchIndex, 0, pattern, srcPatternLength, longest) |
        0
      if (jumpLongest !== longest) {
        longest = jumpLongest
        bestMatch = foundMatch
        probe = w.getUint16(ip + longest - 1, true)
      }
      continue
    }
    matchIndex -= distNextMatch
  }
  foundMatch = bestMatch
  return longest
}

/**
 * Inserts positions up to ip into the hash chains, then looks for a match at ip that is longer than `longest`,
 * possibly extended backwards down to iLowLimit. Returns the best length (still `longest` when nothing better was
 * found); the match is then foundStart..+length copying from foundMatch. This is the search of levels 3..9
 * (no chain swapping); findLongerMatch has the one of the optimal parser.
 */
function insertAndGetWiderMatch(
  ip: number,
  iLowLimit: number,
  iHighLimit: number,
  longest: number,
  maxNbAttempts: number,
  patternAnalysis: boolean,
): number {
  insertUpTo(ip)
  const w = WORDS
  const s = SRC
  const chain = CHAIN_TABLE
  const lookBackLength = ip - iLowLimit
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0
  let nbAttempts = maxNbAttempts | 0
  const pattern = w.getInt32(ip, true)
  // 0: not tested yet, 1: not a repeated pattern, 2: a repeated pattern of srcPatternLength bytes at ip
  let repeat = 0
  let srcPatternLength = 0
  // A candidate can only be longer if it matches at the current longest length: that 16-bit test comes first.
  let probeDelta = longest - 1 - lookBackLength
  let probe = w.getUint16(iLowLimit + longest - 1, true)

  // Chain steps of 1 start the pattern analysis (levels 9+); -1 never matches a step.
  let patternStep = patternAnalysis ? 1 : -1
  const wordLimit = iHighLimit - 3
  let bestMatch = 0
  let bestStart = 0
  let matchIndex = HASH_TABLE[hash(pattern)]!
  for (;;) {
    // This loop has no calls and no stores outside locals, so V8 keeps it tight; it only stops at the end of the
    // search or at a chain step that starts the pattern analysis.
    let distNextMatch = 0
    let stopped = true
    while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
      nbAttempts--
      if (w.getUint16(matchIndex + probeDelta, true) === probe && w.getInt32(matchIndex, true) === pattern) {
        let pIn = ip + MINMATCH
        let pMatch = matchIndex + MINMATCH
        for (;;) {
          if (pIn < wordLimit) {
            const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true)
            if (diff === 0) {
              pIn += 4
              pMatch += 4
              continue
            }
            pIn += lowZeroBytes(diff)
          } else {
            while (pIn < iHighLimit && s[pIn] === s[pMatch]) {
              pIn++
              pMatch++
            }
          }
          break
        }
        const forward = pIn - ip
        // Only count backwards (down to iLowLimit and the block start) when that can make the match longer;
        // lz4 always counts, but the result is the same.
        const maxBack = lookBackLength < matchIndex ? lookBackLength : matchIndex
        if (forward + maxBack > longest) {
          let back = 0
          for (;;) {
            if (back + 4 <= maxBack) {
              const diff = w.getInt32(ip - back - 4, true) ^ w.getInt32(matchIndex - back - 4, true)
              if (diff === 0) {
                back += 4
                continue
              }
              // The high bytes are the ones nearest to ip.
              back += Math.clz32(diff) >> 3
            } else {
              while (back < maxBack && s[ip - back - 1] === s[matchIndex - back - 1]) back++
            }
            break
          }
          if (forward + back > longest) {
            longest = forward + back
            bestMatch = matchIndex - back
            bestStart = ip - back
            probeDelta = longest - 1 - lookBackLength
            probe = w.getUint16(iLowLimit + longest - 1, true)
          }
        }
      }
      distNextMatch = chain[matchIndex & CHAIN_MASK]!
      if (distNextMatch === patternStep) {
        stopped = false
        break
      }
      matchIndex -= distNextMatch
    }
    if (stopped) break

    // Inside a run of a 1- or 2-byte pattern the chain steps one byte at a time; jump across the run instead.
    if (repeat === 0) {
      if (isRepeatedPattern(pattern)) {
        repeat = 2
        srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4
      } else {
        repeat = 1
        patternStep = -1
      }
    }
    if (repeat === 2 && matchIndex - 1 >= lowestMatchIndex && w.getInt32(matchIndex - 1, true) === pattern) {
      matchIndex =
        repeatJump(
          ip,
          matchIndex - 1,
          iHighLimit,
          lowestMatchIndex,
          lookBackLength,
          pattern,
          srcPatternLength,
          longest,
        ) | 0
      if (jumpLongest !== longest) {
        longest = jumpLongest
        bestMatch = foundMatch
        bestStart = foundStart
        probeDelta = longest - 1 - lookBackLength
        probe = w.getUint16(iLowLimit + longest - 1, true)
      }
      continue
    }
    matchIndex -= distNextMatch
  }
  foundMatch = bestMatch
  foundStart = bestStart
  return longest
}

/**
 * The match search of the optimal parser: forward only (from ip), always with pattern analysis, and with chain
 * swapping. Returns the best length (still `longest` when nothing better was found), the match at foundMatch.
 */
function insertAndGetLongerMatch(
  ip: number,
  iHighLimit: number,
  longest: number,
  maxNbAttempts: number,
): number {
  insertUpTo(ip)
  const w = WORDS
  const chain = CHAIN_TABLE
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0
  let nbAttempts = maxNbAttempts | 0
  let matchChainPos = 0
  const pattern = w.getInt32(ip, true)
  let repeat = 0
  let srcPatternLength = 0
  let probe = w.getUint16(ip + longest - 1, true)

  let matchIndex = HASH_TABLE[hash(pattern)]!
  while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
    let matchLength = 0
    nbAttempts--
    if (w.getUint16(matchIndex + longest - 1, true) === probe && w.getInt32(matchIndex, true) === pattern) {
      matchLength = MINMATCH + countMatch(ip + MINMATCH, matchIndex + MINMATCH, iHighLimit)
      if (matchLength > longest) {
        longest = matchLength
        foundMatch = matchIndex
        foundStart = ip
        probe = w.getUint16(ip + longest - 1, true)
      }
    }

    if (matchLength === longest && matchIndex + longest <= ip) {
      // Follow whichever position inside the match has the farthest next candidate: any longer match must also
      // match there, and it skips more of the chain.
      let distanceToNextMatch = 1
      const end = longest - MINMATCH + 1
      let step = 1
      let accel = 1 << 4
      for (let pos = 0; pos < end; pos += step) {
        const candidateDist = chain[(matchIndex + pos) & CHAIN_MASK]!
        step = accel++ >> 4
        if (candidateDist > distanceToNextMatch) {
          distanceToNextMatch = candidateDist
          matchChainPos = pos
          accel = 1 << 4
        }
      }
      if (distanceToNextMatch > 1) {
        matchIndex -= distanceToNextMatch
        continue
      }
    }

    const distNextMatch = chain[matchIndex & CHAIN_MASK]!
    if (distNextMatch === 1 && matchChainPos === 0) {
      if (repeat === 0) {
        if (isRepeatedPattern(pattern)) {
          repeat = 2
          srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4
        } else {
          repeat = 1
        }
      }
      if (
        repeat === 2 &&
        matchIndex - 1 >= lowestMatchIndex &&
        w.getInt32(matchIndex - 1, true) === pattern
      ) {
        matchIndex =
          repeatJump(
            ip,
            matchIndex - 1,
            iHighLimit,
            lowestMatchIndex,
            0,
            pattern,
            srcPatternLength,
            longest,
          ) | 0
        if (jumpLongest !== longest) {
          longest = jumpLongest
          probe = w.getUint16(ip + longest - 1, true)
        }
        continue
      }
    }
    matchIndex -= chain[(matchIndex + matchChainPos) & CHAIN_MASK]!
  }
  return longest
}

/**
 * Writes literals src[anchor..ip) and a match of matchLength at `offset` back. Returns the new output position,
 * or -1 when lz4's (conservative) output limit check fails.
 */
function encodeSequence(
  dst: Uint8Array,
  ip: number,
  anchor: number,
  op: number,
  matchLength: number,
  offset: number,
  oend: number,
): number {
  const s = SRC
  let length = ip - anchor
  if (op + ((length / 255) | 0) + length + (2 + 1 + LASTLITERALS) > oend) return -1
  const token = op++
  let tokenValue: number
  if (length >= RUN_MASK) {
    let len = length - RUN_MASK
    tokenValue = RUN_MASK << 4
    for (; len >= 255; len -= 255) dst[op++] = 255
    dst[op++] = len
  } else {
    tokenValue = length << 4
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) dst[op + i] = s[anchor + i]!
  } else {
    dst.set(s.subarray(anchor, ip), op)
  }
  op += length
  dst[op++] = offset & 0xff
  dst[op++] = offset >>> 8

  length = matchLength - MINMATCH
  if (op + ((length / 255) | 0) + (1 + LASTLITERALS) > oend) return -1
  if (length >= ML_MASK) {
    tokenValue += ML_MASK
    length -= ML_MASK
    for (; length >= 510; length -= 510) {
      dst[op++] = 255
      dst[op++] = 255
    }
    if (length >= 255) {
      length -= 255
      dst[op++] = 255
    }
    dst[op++] = length
  } else {
    tokenValue += length
  }
  dst[token] = tokenValue
  return op
}

/** Writes the final literals src[anchor..end); returns the compressed size, or 0 when it does not fit. */
function encodeLastLiterals(dst: Uint8Array, anchor: number, end: number, op: number, oend: number): number {
  const lastRunSize = end - anchor
  const llAdd = ((lastRunSize + 255 - RUN_MASK) / 255) | 0
  if (op + 1 + llAdd + lastRunSize > oend) return 0
  if (lastRunSize >= RUN_MASK) {
    let acc = lastRunSize - RUN_MASK
    dst[op++] = RUN_MASK << 4
    for (; acc >= 255; acc -= 255) dst[op++] = 255
    dst[op++] = acc
  } else {
    dst[op++] = lastRunSize << 4
  }
  dst.set(SRC.subarray(anchor, end), op)
  return op + lastRunSize
}

/** Levels 3..9: greedy parsing with lookahead over up to three overlapping matches. */
function compressHashChain(dst: Uint8Array, inputSize: number, oend: number, maxNbAttempts: number): number {
  const patternAnalysis = maxNbAttempts > 128
  let ip = 0
  let anchor = 0
  const mflimit = inputSize - MFLIMIT
  const matchlimit = inputSize - LASTLITERALS
  let op = 0

  if (inputSize < MIN_INPUT_LENGTH) return encodeLastLiterals(dst, anchor, inputSize, op, oend)

  let ml = 0
  let ref = 0
  let ml0 = 0
  let start0 = 0
  let ref0 = 0
  let ml2 = 0
  let start2 = 0
  let ref2 = 0
  let ml3 = 0
  let start3 = 0
  let ref3 = 0

  while (ip <= mflimit) {
    ip = skipLiterals(ip, mflimit, maxNbAttempts, patternAnalysis)
    if (ip > mflimit) break
    ml = insertAndFindBestMatch(ip, matchlimit, maxNbAttempts, patternAnalysis)
    if (ml < MINMATCH) {
      ip++
      continue
    }
    ref = foundMatch
    // Saved, in case a later match makes us skip too much.
    start0 = ip
    ref0 = ref
    ml0 = ml

    let search2 = true
    for (;;) {
      if (search2) {
        if (ip + ml <= mflimit) {
          ml2 = insertAndGetWiderMatch(ip + ml - 2, ip, matchlimit, ml, maxNbAttempts, patternAnalysis)
          start2 = foundStart
          ref2 = foundMatch
        } else {
          ml2 = ml
        }
        if (ml2 === ml) {
          op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend)
          if (op < 0) return 0
          ip += ml
          anchor = ip
          break
        }
        if (start0 < ip && start2 < ip + ml0) {
          // Squeeze the first match between the original one and the second.
          ip = start0
          ref = ref0
          ml = ml0
        }
        if (start2 - ip < 3) {
          // The first match is too short to keep: the second replaces it.
          ml = ml2
          ip = start2
          ref = ref2
          continue
        }
        search2 = false
      }

      // Here ml2 > ml and ip + 3 <= start2, usually start2 < ip + ml.
      if (start2 - ip < OPTIMAL_ML) {
        let newMl = ml
        if (newMl > OPTIMAL_ML) newMl = OPTIMAL_ML
        if (ip + newMl > start2 + ml2 - MINMATCH) newMl = start2 - ip + ml2 - MINMATCH
        const correction = newMl - (start2 - ip)
        if (correction > 0) {
          start2 += correction
          ref2 += correction
          ml2 -= correction
        }
      }

      if (start2 + ml2 <= mflimit) {
        ml3 = insertAndGetWiderMatch(
          start2 + ml2 - 3,
          start2,
          matchlimit,
          ml2,
          maxNbAttempts,
          patternAnalysis,
        )
        start3 = foundStart
        ref3 = foundMatch
      } else {
        ml3 = ml2
      }

      if (ml3 === ml2) {
        // No better third match: write the first two.
        if (start2 < ip + ml) ml = start2 - ip
        op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend)
        if (op < 0) return 0
        anchor = ip + ml
        ip = start2
        op = encodeSequence(dst, ip, anchor, op, ml2, ip - ref2, oend)
        if (op < 0) return 0
        ip += ml2
        anchor = ip
        break
      }

      if (start3 < ip + ml + 3) {
        // No room for the second match between the first and the third.
        if (start3 >= ip + ml) {
          // The first one can be written now; the third becomes the first.
          if (start2 < ip + ml) {
            const correction = ip + ml - start2
            start2 += correction
            ref2 += correction
            ml2 -= correction
            if (ml2 < MINMATCH) {
              start2 = start3
              ref2 = ref3
              ml2 = ml3
            }
          }
          op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend)
          if (op < 0) return 0
          anchor = ip + ml
          ip = start3
          ref = ref3
          ml = ml3
          start0 = start2
          ref0 = ref2
          ml0 = ml2
          search2 = true
          continue
        }
        start2 = start3
        ref2 = ref3
        ml2 = ml3
        continue
      }

      // Three ascending matches: write the first, shortened to end where the second starts.
      if (start2 < ip + ml) {
        if (start2 - ip < OPTIMAL_ML) {
          if (ml > OPTIMAL_ML) ml = OPTIMAL_ML
          if (ip + ml > start2 + ml2 - MINMATCH) ml = start2 - ip + ml2 - MINMATCH
          const correction = ml - (start2 - ip)
          if (correction > 0) {
            start2 += correction
            ref2 += correction
            ml2 -= correction
          }
        } else {
          ml = start2 - ip
        }
      }
      op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend)
      if (op < 0) return 0
      anchor = ip + ml
      ip = start2
      ref = ref2
      ml = ml2
      start2 = start3
      ref2 = ref3
      ml2 = ml3
    }
  }
  return encodeLastLiterals(dst, anchor, inputSize, op, oend)
}

function literalsPrice(litlen: number): number {
  return litlen >= RUN_MASK ? litlen + 1 + (((litlen - RUN_MASK) / 255) | 0) : litlen
}

function sequencePrice(litlen: number, mlen: number): number {
  let price = 1 + 2 + literalsPrice(litlen)
  if (mlen >= ML_MASK + MINMATCH) price += 1 + (((mlen - (ML_MASK + MINMATCH)) / 255) | 0)
  return price
}

const optSize = OPT_NUM + TRAILING_LITERALS + 1
const optPrice = new Int32Array(optSize)
const optOff = new Int32Array(optSize)
const optMlen = new Int32Array(optSize)
const optLitlen = new Int32Array(optSize)
let longerLen = 0
let longerOff = 0

/** Sets longerLen/longerOff to a match at ip longer than minLen, or longerLen = 0. */
function findLongerMatch(ip: number, iHighLimit: number, minLen: number, nbSearches: number): void {
  const matchLength = insertAndGetLongerMatch(ip, iHighLimit, minLen, nbSearches)
  if (matchLength <= minLen) {
    longerLen = 0
    longerOff = 0
    return
  }
  longerLen = matchLength
  longerOff = ip - foundMatch
}

/** Levels 10..12: price-based optimal parsing over up to OPT_NUM positions at a time. */
function compressOptimal(
  dst: Uint8Array,
  inputSize: number,
  oend: number,
  nbSearches: number,
  sufficientLen: number,
  fullUpdate: boolean,
): number {
  const price = optPrice
  const off = optOff
  const mlen = optMlen
  const litlen = optLitlen
  let ip = 0
  let anchor = 0
  const mflimit = inputSize - MFLIMIT
  const matchlimit = inputSize - LASTLITERALS
  let op = 0
  if (sufficientLen >= OPT_NUM) sufficientLen = OPT_NUM - 1

  while (ip <= mflimit) {
    const llen = ip - anchor
    let bestMlen: number
    let bestOff: number
    let cur: number
    let lastMatchPos: number

    findLongerMatch(ip, matchlimit, MINMATCH - 1, nbSearches)
    if (longerLen === 0) {
      ip++
      continue
    }

    if (longerLen > sufficientLen) {
      // Good enough: take it at once.
      op = encodeSequence(dst, ip, anchor, op, longerLen, longerOff, oend)
      if (op < 0) return 0
      ip += longerLen
      anchor = ip
      continue
    }

    for (let rPos = 0; rPos < MINMATCH; rPos++) {
      mlen[rPos] = 1
      off[rPos] = 0
      litlen[rPos] = llen + rPos
      price[rPos] = literalsPrice(llen + rPos)
    }
    {
      const matchML = longerLen
      const offset = longerOff
      for (let m = MINMATCH; m <= matchML; m++) {
        mlen[m] = m
        off[m] = offset
        litlen[m] = llen
        price[m] = sequencePrice(llen, m)
      }
    }
    lastMatchPos = longerLen
    for (let addLit = 1; addLit <= TRAILING_LITERALS; addLit++) {
      mlen[lastMatchPos + addLit] = 1
      off[lastMatchPos + addLit] = 0
      litlen[lastMatchPos + addLit] = addLit
      price[lastMatchPos + addLit] = price[lastMatchPos]! + literalsPrice(addLit)
    }

    let encodeNow = false
    bestMlen = 0
    bestOff = 0
    for (cur = 1; cur < lastMatchPos; cur++) {
      const curPtr = ip + cur
      if (curPtr > mflimit) break
      if (fullUpdate) {
        // Skip when the next position is no dearer, unless the price rises sharply after it.
        if (price[cur + 1]! <= price[cur]! && price[cur + MINMATCH]! < price[cur]! + 3) continue
      } else {
        if (price[cur + 1]! <= price[cur]!) continue
      }

      if (fullUpdate) findLongerMatch(curPtr, matchlimit, MINMATCH - 1, nbSearches)
      else findLongerMatch(curPtr, matchlimit, lastMatchPos - cur, nbSearches)
      if (longerLen === 0) continue

      if (longerLen > sufficientLen || longerLen + cur >= OPT_NUM) {
        bestMlen = longerLen
        bestOff = longerOff
        lastMatchPos = cur + 1
        encodeNow = true
        break
      }

      {
        const baseLitlen = litlen[cur]!
        for (let ll = 1; ll < MINMATCH; ll++) {
          const p = price[cur]! - literalsPrice(baseLitlen) + literalsPrice(baseLitlen + ll)
          const pos = cur + ll
          if (p < price[pos]!) {
            mlen[pos] = 1
            off[pos] = 0
            litlen[pos] = baseLitlen + ll
            price[pos] = p
          }
        }
      }

      {
        const matchML = longerLen
        const offset = longerOff
        for (let m = MINMATCH; m <= matchML; m++) {
          const pos = cur + m
          let p: number
          let ll: number
          if (mlen[cur] === 1) {
            ll = litlen[cur]!
            p = (cur > ll ? price[cur - ll]! : 0) + sequencePrice(ll, m)
          } else {
            ll = 0
            p = price[cur]! + sequencePrice(0, m)
          }
          if (pos > lastMatchPos + TRAILING_LITERALS || p <= price[pos]!) {
            if (m === matchML && lastMatchPos < pos) lastMatchPos = pos
            mlen[pos] = m
            off[pos] = offset
            litlen[pos] = ll
            price[pos] = p
          }
        }
      }
      for (let addLit = 1; addLit <= TRAILING_LITERALS; addLit++) {
        mlen[lastMatchPos + addLit] = 1
        off[lastMatchPos + addLit] = 0
        litlen[lastMatchPos + addLit] = addLit
        price[lastMatchPos + addLit] = price[lastMatchPos]! + literalsPrice(addLit)
      }
    }

    if (!encodeNow) {
      bestMlen = mlen[lastMatchPos]!
      bestOff = off[lastMatchPos]!
      cur = lastMatchPos - bestMlen
    }

    // Walk back from the end to turn the price table into the chosen path.
    {
      let candidatePos = cur
      let selectedMatchLength = bestMlen
      let selectedOffset = bestOff
      for (;;) {
        const nextMatchLength = mlen[candidatePos]!
        const nextOffset = off[candidatePos]!
        mlen[candidatePos] = selectedMatchLength
        off[candidatePos] = selectedOffset
        selectedMatchLength = nextMatchLength
        selectedOffset = nextOffset
        if (nextMatchLength > candidatePos) break
        candidatePos -= nextMatchLength
      }
    }

    {
      let rPos = 0
      while (rPos < lastMatchPos) {
        const m = mlen[rPos]!
        const offset = off[rPos]!
        if (m === 1) {
          ip++
          rPos++
          continue
        }
        rPos += m
        op = encodeSequence(dst, ip, anchor, op, m, offset, oend)
        if (op < 0) return 0
        ip += m
        anchor = ip
      }
    }
  }
  return encodeLastLiterals(dst, anchor, inputSize, op, oend)
}

/** LZ4_COMPRESSBOUND: the largest block that `n` input bytes can need. */
function compressBound(n: number): number {
  return n + ((n / 255) | 0) + 16
}

/**
 * Compresses blocks. The tables are per thread and not per instance (see above); the class keeps the API of a
 * reusable state, as LZ4_compress_HC_extStateHC has, and nothing is allocated per block.
 */
export class HCCompressor {
  /**
   * Compresses source (at most MAX_BLOCK_SIZE bytes) as one independent LZ4 block at `level` (3..12; like
   * LZ4_compress_HC_extStateHC, levels below 1 mean the default 9, levels above 12 mean 12, and 1..2 search 2
   * candidates). Returns the compressed size, or 0 when it does not fit in dst.length bytes.
   */
  compress(source: Uint8Array, dst: Uint8Array, level: number): number {
    const n = source.length
    if (n > MAX_BLOCK_SIZE) throw new RangeError(`LZ4 blocks are at most ${MAX_BLOCK_SIZE} bytes, not ${n}`)
    level = level >= 1 ? Math.min(Math.floor(level), LEVEL_MAX) : LEVEL_DEFAULT
    // Like lz4, check the output limit only when dst could be too small; lz4's checks keep a few bytes of margin,
    // so a result that would fit exactly can still be refused, just as lz4 refuses it.
    const oend = dst.length >= compressBound(n) ? 0x7fffffff : dst.length

    SRC.set(source)
    SRC.fill(0, n, n + 8)
    HASH_TABLE.fill(EMPTY)
    nextToUpdate = 0
    if (level < LEVEL_OPT_MIN) return compressHashChain(dst, n, oend, NB_SEARCHES[level]!)
    return compressOptimal(dst, n, oend, NB_SEARCHES[level]!, TARGET_LENGTH[level]!, level === LEVEL_MAX)
  }
}

let shared: HCCompressor | undefined

/**
 * Compresses src as one independent LZ4 block (no dictionary, no prefix) like lz4 1.9.4's
 * LZ4_compress_HC_extStateHC at `level`; returns the compressed size, or 0 when it does not fit in dst.length.
 */
export function compressBlockHC(source: Uint8Array, dst: Uint8Array, level: number): number {
  shared ??= new HCCompressor()
  return shared.compress(source, dst, level)
}
