import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runInBackground
} from "./chunk-XYX34ZYA.js";
import "./chunk-VF57VZD3.js";

// src/lz4/worker.ts
import { parentPort, workerData } from "node:worker_threads";

// src/lz4/hc.ts
var MINMATCH = 4;
var LASTLITERALS = 5;
var MFLIMIT = 12;
var MIN_INPUT_LENGTH = MFLIMIT + 1;
var ML_MASK = 15;
var RUN_MASK = 15;
var OPTIMAL_ML = ML_MASK - 1 + MINMATCH;
var MAX_DISTANCE = 65535;
var HASH_LOG = 15;
var HASH_SHIFT = 32 - HASH_LOG;
var HASH_SIZE = 1 << HASH_LOG;
var CHAIN_MASK = 65535;
var EMPTY = -65536;
var PRIME32 = -1640531535;
var OPT_NUM = 4096;
var TRAILING_LITERALS = 3;
var NB_SEARCHES = [2, 2, 2, 4, 8, 16, 32, 64, 128, 256, 96, 512, 16384];
var TARGET_LENGTH = [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 64, 128, OPT_NUM];
var LEVEL_MAX = 12;
var LEVEL_DEFAULT = 9;
var LEVEL_OPT_MIN = 10;
var MAX_BLOCK_SIZE = 4 << 20;
var SRC = new Uint8Array(MAX_BLOCK_SIZE + 8);
var WORDS = new DataView(SRC.buffer);
var HASH_TABLE = new Int32Array(HASH_SIZE);
var CHAIN_TABLE = new Uint16Array(CHAIN_MASK + 1);
var nextToUpdate = 0;
var foundMatch = 0;
var foundStart = 0;
function hash(word) {
  return Math.imul(word, PRIME32) >>> HASH_SHIFT;
}
function lowZeroBytes(diff) {
  return 31 - Math.clz32(diff ^ (diff - 1 | 0)) >> 3;
}
function countMatch(pIn, pMatch, pInLimit) {
  const w = WORDS;
  const start = pIn;
  const wordLimit = pInLimit - 3;
  while (pIn < wordLimit) {
    const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true);
    if (diff === 0) {
      pIn += 4;
      pMatch += 4;
      continue;
    }
    return pIn + lowZeroBytes(diff) - start;
  }
  const s = SRC;
  while (pIn < pInLimit && s[pIn] === s[pMatch]) {
    pIn++;
    pMatch++;
  }
  return pIn - start;
}
function countPattern(ip, iEnd, pattern) {
  const w = WORDS;
  const start = ip;
  const wordLimit = iEnd - 3;
  while (ip < wordLimit) {
    const diff = w.getInt32(ip, true) ^ pattern;
    if (diff === 0) {
      ip += 4;
      continue;
    }
    return ip + lowZeroBytes(diff) - start;
  }
  const s = SRC;
  let p = pattern;
  while (ip < iEnd && s[ip] === (p & 255)) {
    ip++;
    p >>>= 8;
  }
  return ip - start;
}
function reverseCountPattern(ip, iLow, pattern) {
  const w = WORDS;
  const start = ip;
  while (ip >= iLow + 4) {
    const diff = w.getInt32(ip - 4, true) ^ pattern;
    if (diff !== 0) return start - ip + (Math.clz32(diff) >> 3);
    ip -= 4;
  }
  const s = SRC;
  let shift = 24;
  while (ip > iLow) {
    if (s[ip - 1] !== (pattern >>> shift & 255)) break;
    ip--;
    shift -= 8;
  }
  return start - ip;
}
function insertUpTo(ip) {
  const w = WORDS;
  const chain = CHAIN_TABLE;
  const ht = HASH_TABLE;
  for (let idx = nextToUpdate; idx < ip; idx++) {
    const h = hash(w.getInt32(idx, true));
    let delta = idx - ht[h];
    if (delta > MAX_DISTANCE || delta < 0) delta = MAX_DISTANCE;
    chain[idx & CHAIN_MASK] = delta;
    ht[h] = idx;
  }
  nextToUpdate = ip;
}
function isRepeatedPattern(pattern) {
  return (pattern & 65535) === pattern >>> 16 && (pattern & 255) === pattern >>> 24;
}
var jumpLongest = 0;
var STOP = -1073741824;
function repeatJump(ip, matchCandidateIdx, iHighLimit, lowestMatchIndex, lookBackLength, pattern, srcPatternLength, longest) {
  jumpLongest = longest;
  const forwardEnd = matchCandidateIdx + srcPatternLength + 1;
  const forwardPatternLength = countPattern(matchCandidateIdx + 4, forwardEnd < iHighLimit ? forwardEnd : iHighLimit, pattern) + 4;
  const backLength = reverseCountPattern(matchCandidateIdx, lowestMatchIndex, pattern);
  const currentSegmentLength = backLength + forwardPatternLength;
  if (currentSegmentLength >= srcPatternLength && forwardPatternLength <= srcPatternLength) {
    return matchCandidateIdx + forwardPatternLength - srcPatternLength;
  }
  const matchIndex = matchCandidateIdx - backLength;
  if (lookBackLength !== 0) return matchIndex;
  const maxML = currentSegmentLength < srcPatternLength ? currentSegmentLength : srcPatternLength;
  if (longest < maxML) {
    if (ip - matchIndex > MAX_DISTANCE) return STOP;
    jumpLongest = maxML;
    foundMatch = matchIndex;
    foundStart = ip;
  }
  return matchIndex - CHAIN_TABLE[matchIndex & CHAIN_MASK];
}
function skipLiterals(ip, mflimit, maxNbAttempts, patternAnalysis) {
  insertUpTo(ip);
  if (ip > mflimit) return ip;
  const w = WORDS;
  const chain = CHAIN_TABLE;
  const ht = HASH_TABLE;
  const patternStep = patternAnalysis ? 1 : -1;
  const attempts = maxNbAttempts | 0;
  let pattern = w.getInt32(ip, true);
  let h = hash(pattern);
  let head = ht[h];
  let headWord = head >= 0 ? w.getInt32(head, true) : 0;
  let headDist = chain[head & CHAIN_MASK];
  for (; ; ) {
    const nextPattern = w.getInt32(ip + 1, true);
    const nextH = hash(nextPattern);
    const nextHead = nextH === h ? ip : ht[nextH];
    const nextWord = nextHead >= 0 ? w.getInt32(nextHead, true) : 0;
    const nextDist = chain[nextHead & CHAIN_MASK];
    const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0;
    let matchIndex = head;
    if (matchIndex >= lowestMatchIndex) {
      if (headWord === pattern) break;
      let nbAttempts = attempts - 1;
      let distNextMatch = headDist;
      let found = false;
      for (; ; ) {
        if (distNextMatch === patternStep && isRepeatedPattern(pattern)) {
          found = true;
          break;
        }
        matchIndex -= distNextMatch;
        if (matchIndex < lowestMatchIndex || nbAttempts <= 0) break;
        nbAttempts--;
        if (w.getInt32(matchIndex, true) === pattern) {
          found = true;
          break;
        }
        distNextMatch = chain[matchIndex & CHAIN_MASK];
      }
      if (found) break;
    }
    let delta = ip - head;
    if (delta > MAX_DISTANCE || delta < 0) delta = MAX_DISTANCE;
    chain[ip & CHAIN_MASK] = delta;
    ht[h] = ip;
    ip++;
    if (ip > mflimit) break;
    pattern = nextPattern;
    h = nextH;
    head = nextHead;
    headWord = nextWord;
    headDist = (nextHead & CHAIN_MASK) === (ip - 1 & CHAIN_MASK) ? delta : nextDist;
  }
  nextToUpdate = ip;
  return ip;
}
function insertAndFindBestMatch(ip, iHighLimit, maxNbAttempts, patternAnalysis) {
  insertUpTo(ip);
  const w = WORDS;
  const s = SRC;
  const chain = CHAIN_TABLE;
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0;
  let nbAttempts = maxNbAttempts | 0;
  const pattern = w.getInt32(ip, true);
  let repeat = 0;
  let srcPatternLength = 0;
  let longest = MINMATCH - 1;
  let probe = w.getUint16(ip + longest - 1, true);
  let patternStep = patternAnalysis ? 1 : -1;
  const wordLimit = iHighLimit - 3;
  let bestMatch = 0;
  let matchIndex = HASH_TABLE[hash(pattern)];
  for (; ; ) {
    let distNextMatch = 0;
    let stopped = true;
    while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
      nbAttempts--;
      if (w.getUint16(matchIndex + longest - 1, true) === probe && w.getInt32(matchIndex, true) === pattern) {
        let pIn = ip + MINMATCH;
        let pMatch = matchIndex + MINMATCH;
        for (; ; ) {
          if (pIn < wordLimit) {
            const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true);
            if (diff === 0) {
              pIn += 4;
              pMatch += 4;
              continue;
            }
            pIn += lowZeroBytes(diff);
          } else {
            while (pIn < iHighLimit && s[pIn] === s[pMatch]) {
              pIn++;
              pMatch++;
            }
          }
          break;
        }
        if (pIn - ip > longest) {
          longest = pIn - ip;
          bestMatch = matchIndex;
          probe = w.getUint16(ip + longest - 1, true);
        }
      }
      distNextMatch = chain[matchIndex & CHAIN_MASK];
      if (distNextMatch === patternStep) {
        stopped = false;
        break;
      }
      matchIndex -= distNextMatch;
    }
    if (stopped) break;
    if (repeat === 0) {
      if (isRepeatedPattern(pattern)) {
        repeat = 2;
        srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4;
      } else {
        repeat = 1;
        patternStep = -1;
      }
    }
    if (repeat === 2 && matchIndex - 1 >= lowestMatchIndex && w.getInt32(matchIndex - 1, true) === pattern) {
      matchIndex = repeatJump(ip, matchIndex - 1, iHighLimit, lowestMatchIndex, 0, pattern, srcPatternLength, longest) | 0;
      if (jumpLongest !== longest) {
        longest = jumpLongest;
        bestMatch = foundMatch;
        probe = w.getUint16(ip + longest - 1, true);
      }
      continue;
    }
    matchIndex -= distNextMatch;
  }
  foundMatch = bestMatch;
  return longest;
}
function insertAndGetWiderMatch(ip, iLowLimit, iHighLimit, longest, maxNbAttempts, patternAnalysis) {
  insertUpTo(ip);
  const w = WORDS;
  const s = SRC;
  const chain = CHAIN_TABLE;
  const lookBackLength = ip - iLowLimit;
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0;
  let nbAttempts = maxNbAttempts | 0;
  const pattern = w.getInt32(ip, true);
  let repeat = 0;
  let srcPatternLength = 0;
  let probeDelta = longest - 1 - lookBackLength;
  let probe = w.getUint16(iLowLimit + longest - 1, true);
  let patternStep = patternAnalysis ? 1 : -1;
  const wordLimit = iHighLimit - 3;
  let bestMatch = 0;
  let bestStart = 0;
  let matchIndex = HASH_TABLE[hash(pattern)];
  for (; ; ) {
    let distNextMatch = 0;
    let stopped = true;
    while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
      nbAttempts--;
      if (w.getUint16(matchIndex + probeDelta, true) === probe && w.getInt32(matchIndex, true) === pattern) {
        let pIn = ip + MINMATCH;
        let pMatch = matchIndex + MINMATCH;
        for (; ; ) {
          if (pIn < wordLimit) {
            const diff = w.getInt32(pMatch, true) ^ w.getInt32(pIn, true);
            if (diff === 0) {
              pIn += 4;
              pMatch += 4;
              continue;
            }
            pIn += lowZeroBytes(diff);
          } else {
            while (pIn < iHighLimit && s[pIn] === s[pMatch]) {
              pIn++;
              pMatch++;
            }
          }
          break;
        }
        const forward = pIn - ip;
        const maxBack = lookBackLength < matchIndex ? lookBackLength : matchIndex;
        if (forward + maxBack > longest) {
          let back = 0;
          for (; ; ) {
            if (back + 4 <= maxBack) {
              const diff = w.getInt32(ip - back - 4, true) ^ w.getInt32(matchIndex - back - 4, true);
              if (diff === 0) {
                back += 4;
                continue;
              }
              back += Math.clz32(diff) >> 3;
            } else {
              while (back < maxBack && s[ip - back - 1] === s[matchIndex - back - 1]) back++;
            }
            break;
          }
          if (forward + back > longest) {
            longest = forward + back;
            bestMatch = matchIndex - back;
            bestStart = ip - back;
            probeDelta = longest - 1 - lookBackLength;
            probe = w.getUint16(iLowLimit + longest - 1, true);
          }
        }
      }
      distNextMatch = chain[matchIndex & CHAIN_MASK];
      if (distNextMatch === patternStep) {
        stopped = false;
        break;
      }
      matchIndex -= distNextMatch;
    }
    if (stopped) break;
    if (repeat === 0) {
      if (isRepeatedPattern(pattern)) {
        repeat = 2;
        srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4;
      } else {
        repeat = 1;
        patternStep = -1;
      }
    }
    if (repeat === 2 && matchIndex - 1 >= lowestMatchIndex && w.getInt32(matchIndex - 1, true) === pattern) {
      matchIndex = repeatJump(
        ip,
        matchIndex - 1,
        iHighLimit,
        lowestMatchIndex,
        lookBackLength,
        pattern,
        srcPatternLength,
        longest
      ) | 0;
      if (jumpLongest !== longest) {
        longest = jumpLongest;
        bestMatch = foundMatch;
        bestStart = foundStart;
        probeDelta = longest - 1 - lookBackLength;
        probe = w.getUint16(iLowLimit + longest - 1, true);
      }
      continue;
    }
    matchIndex -= distNextMatch;
  }
  foundMatch = bestMatch;
  foundStart = bestStart;
  return longest;
}
function insertAndGetLongerMatch(ip, iHighLimit, longest, maxNbAttempts) {
  insertUpTo(ip);
  const w = WORDS;
  const chain = CHAIN_TABLE;
  const lowestMatchIndex = ip > MAX_DISTANCE ? ip - MAX_DISTANCE : 0;
  let nbAttempts = maxNbAttempts | 0;
  let matchChainPos = 0;
  const pattern = w.getInt32(ip, true);
  let repeat = 0;
  let srcPatternLength = 0;
  let probe = w.getUint16(ip + longest - 1, true);
  let matchIndex = HASH_TABLE[hash(pattern)];
  while (matchIndex >= lowestMatchIndex && nbAttempts > 0) {
    let matchLength = 0;
    nbAttempts--;
    if (w.getUint16(matchIndex + longest - 1, true) === probe && w.getInt32(matchIndex, true) === pattern) {
      matchLength = MINMATCH + countMatch(ip + MINMATCH, matchIndex + MINMATCH, iHighLimit);
      if (matchLength > longest) {
        longest = matchLength;
        foundMatch = matchIndex;
        foundStart = ip;
        probe = w.getUint16(ip + longest - 1, true);
      }
    }
    if (matchLength === longest && matchIndex + longest <= ip) {
      let distanceToNextMatch = 1;
      const end = longest - MINMATCH + 1;
      let step = 1;
      let accel = 1 << 4;
      for (let pos = 0; pos < end; pos += step) {
        const candidateDist = chain[matchIndex + pos & CHAIN_MASK];
        step = accel++ >> 4;
        if (candidateDist > distanceToNextMatch) {
          distanceToNextMatch = candidateDist;
          matchChainPos = pos;
          accel = 1 << 4;
        }
      }
      if (distanceToNextMatch > 1) {
        matchIndex -= distanceToNextMatch;
        continue;
      }
    }
    const distNextMatch = chain[matchIndex & CHAIN_MASK];
    if (distNextMatch === 1 && matchChainPos === 0) {
      if (repeat === 0) {
        if (isRepeatedPattern(pattern)) {
          repeat = 2;
          srcPatternLength = countPattern(ip + 4, iHighLimit, pattern) + 4;
        } else {
          repeat = 1;
        }
      }
      if (repeat === 2 && matchIndex - 1 >= lowestMatchIndex && w.getInt32(matchIndex - 1, true) === pattern) {
        matchIndex = repeatJump(
          ip,
          matchIndex - 1,
          iHighLimit,
          lowestMatchIndex,
          0,
          pattern,
          srcPatternLength,
          longest
        ) | 0;
        if (jumpLongest !== longest) {
          longest = jumpLongest;
          probe = w.getUint16(ip + longest - 1, true);
        }
        continue;
      }
    }
    matchIndex -= chain[matchIndex + matchChainPos & CHAIN_MASK];
  }
  return longest;
}
function encodeSequence(dst, ip, anchor, op, matchLength, offset, oend) {
  const s = SRC;
  let length = ip - anchor;
  if (op + (length / 255 | 0) + length + (2 + 1 + LASTLITERALS) > oend) return -1;
  const token = op++;
  let tokenValue;
  if (length >= RUN_MASK) {
    let len = length - RUN_MASK;
    tokenValue = RUN_MASK << 4;
    for (; len >= 255; len -= 255) dst[op++] = 255;
    dst[op++] = len;
  } else {
    tokenValue = length << 4;
  }
  if (length < 32) {
    for (let i = 0; i < length; i++) dst[op + i] = s[anchor + i];
  } else {
    dst.set(s.subarray(anchor, ip), op);
  }
  op += length;
  dst[op++] = offset & 255;
  dst[op++] = offset >>> 8;
  length = matchLength - MINMATCH;
  if (op + (length / 255 | 0) + (1 + LASTLITERALS) > oend) return -1;
  if (length >= ML_MASK) {
    tokenValue += ML_MASK;
    length -= ML_MASK;
    for (; length >= 510; length -= 510) {
      dst[op++] = 255;
      dst[op++] = 255;
    }
    if (length >= 255) {
      length -= 255;
      dst[op++] = 255;
    }
    dst[op++] = length;
  } else {
    tokenValue += length;
  }
  dst[token] = tokenValue;
  return op;
}
function encodeLastLiterals(dst, anchor, end, op, oend) {
  const lastRunSize = end - anchor;
  const llAdd = (lastRunSize + 255 - RUN_MASK) / 255 | 0;
  if (op + 1 + llAdd + lastRunSize > oend) return 0;
  if (lastRunSize >= RUN_MASK) {
    let acc = lastRunSize - RUN_MASK;
    dst[op++] = RUN_MASK << 4;
    for (; acc >= 255; acc -= 255) dst[op++] = 255;
    dst[op++] = acc;
  } else {
    dst[op++] = lastRunSize << 4;
  }
  dst.set(SRC.subarray(anchor, end), op);
  return op + lastRunSize;
}
function compressHashChain(dst, inputSize, oend, maxNbAttempts) {
  const patternAnalysis = maxNbAttempts > 128;
  let ip = 0;
  let anchor = 0;
  const mflimit = inputSize - MFLIMIT;
  const matchlimit = inputSize - LASTLITERALS;
  let op = 0;
  if (inputSize < MIN_INPUT_LENGTH) return encodeLastLiterals(dst, anchor, inputSize, op, oend);
  let ml = 0;
  let ref = 0;
  let ml0 = 0;
  let start0 = 0;
  let ref0 = 0;
  let ml2 = 0;
  let start2 = 0;
  let ref2 = 0;
  let ml3 = 0;
  let start3 = 0;
  let ref3 = 0;
  while (ip <= mflimit) {
    ip = skipLiterals(ip, mflimit, maxNbAttempts, patternAnalysis);
    if (ip > mflimit) break;
    ml = insertAndFindBestMatch(ip, matchlimit, maxNbAttempts, patternAnalysis);
    if (ml < MINMATCH) {
      ip++;
      continue;
    }
    ref = foundMatch;
    start0 = ip;
    ref0 = ref;
    ml0 = ml;
    let search2 = true;
    for (; ; ) {
      if (search2) {
        if (ip + ml <= mflimit) {
          ml2 = insertAndGetWiderMatch(ip + ml - 2, ip, matchlimit, ml, maxNbAttempts, patternAnalysis);
          start2 = foundStart;
          ref2 = foundMatch;
        } else {
          ml2 = ml;
        }
        if (ml2 === ml) {
          op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend);
          if (op < 0) return 0;
          ip += ml;
          anchor = ip;
          break;
        }
        if (start0 < ip && start2 < ip + ml0) {
          ip = start0;
          ref = ref0;
          ml = ml0;
        }
        if (start2 - ip < 3) {
          ml = ml2;
          ip = start2;
          ref = ref2;
          continue;
        }
        search2 = false;
      }
      if (start2 - ip < OPTIMAL_ML) {
        let newMl = ml;
        if (newMl > OPTIMAL_ML) newMl = OPTIMAL_ML;
        if (ip + newMl > start2 + ml2 - MINMATCH) newMl = start2 - ip + ml2 - MINMATCH;
        const correction = newMl - (start2 - ip);
        if (correction > 0) {
          start2 += correction;
          ref2 += correction;
          ml2 -= correction;
        }
      }
      if (start2 + ml2 <= mflimit) {
        ml3 = insertAndGetWiderMatch(
          start2 + ml2 - 3,
          start2,
          matchlimit,
          ml2,
          maxNbAttempts,
          patternAnalysis
        );
        start3 = foundStart;
        ref3 = foundMatch;
      } else {
        ml3 = ml2;
      }
      if (ml3 === ml2) {
        if (start2 < ip + ml) ml = start2 - ip;
        op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend);
        if (op < 0) return 0;
        anchor = ip + ml;
        ip = start2;
        op = encodeSequence(dst, ip, anchor, op, ml2, ip - ref2, oend);
        if (op < 0) return 0;
        ip += ml2;
        anchor = ip;
        break;
      }
      if (start3 < ip + ml + 3) {
        if (start3 >= ip + ml) {
          if (start2 < ip + ml) {
            const correction = ip + ml - start2;
            start2 += correction;
            ref2 += correction;
            ml2 -= correction;
            if (ml2 < MINMATCH) {
              start2 = start3;
              ref2 = ref3;
              ml2 = ml3;
            }
          }
          op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend);
          if (op < 0) return 0;
          anchor = ip + ml;
          ip = start3;
          ref = ref3;
          ml = ml3;
          start0 = start2;
          ref0 = ref2;
          ml0 = ml2;
          search2 = true;
          continue;
        }
        start2 = start3;
        ref2 = ref3;
        ml2 = ml3;
        continue;
      }
      if (start2 < ip + ml) {
        if (start2 - ip < OPTIMAL_ML) {
          if (ml > OPTIMAL_ML) ml = OPTIMAL_ML;
          if (ip + ml > start2 + ml2 - MINMATCH) ml = start2 - ip + ml2 - MINMATCH;
          const correction = ml - (start2 - ip);
          if (correction > 0) {
            start2 += correction;
            ref2 += correction;
            ml2 -= correction;
          }
        } else {
          ml = start2 - ip;
        }
      }
      op = encodeSequence(dst, ip, anchor, op, ml, ip - ref, oend);
      if (op < 0) return 0;
      anchor = ip + ml;
      ip = start2;
      ref = ref2;
      ml = ml2;
      start2 = start3;
      ref2 = ref3;
      ml2 = ml3;
    }
  }
  return encodeLastLiterals(dst, anchor, inputSize, op, oend);
}
function literalsPrice(litlen) {
  return litlen >= RUN_MASK ? litlen + 1 + ((litlen - RUN_MASK) / 255 | 0) : litlen;
}
function sequencePrice(litlen, mlen) {
  let price = 1 + 2 + literalsPrice(litlen);
  if (mlen >= ML_MASK + MINMATCH) price += 1 + ((mlen - (ML_MASK + MINMATCH)) / 255 | 0);
  return price;
}
var optSize = OPT_NUM + TRAILING_LITERALS + 1;
var optPrice = new Int32Array(optSize);
var optOff = new Int32Array(optSize);
var optMlen = new Int32Array(optSize);
var optLitlen = new Int32Array(optSize);
var longerLen = 0;
var longerOff = 0;
function findLongerMatch(ip, iHighLimit, minLen, nbSearches) {
  const matchLength = insertAndGetLongerMatch(ip, iHighLimit, minLen, nbSearches);
  if (matchLength <= minLen) {
    longerLen = 0;
    longerOff = 0;
    return;
  }
  longerLen = matchLength;
  longerOff = ip - foundMatch;
}
function compressOptimal(dst, inputSize, oend, nbSearches, sufficientLen, fullUpdate) {
  const price = optPrice;
  const off = optOff;
  const mlen = optMlen;
  const litlen = optLitlen;
  let ip = 0;
  let anchor = 0;
  const mflimit = inputSize - MFLIMIT;
  const matchlimit = inputSize - LASTLITERALS;
  let op = 0;
  if (sufficientLen >= OPT_NUM) sufficientLen = OPT_NUM - 1;
  while (ip <= mflimit) {
    const llen = ip - anchor;
    let bestMlen;
    let bestOff;
    let cur;
    let lastMatchPos;
    findLongerMatch(ip, matchlimit, MINMATCH - 1, nbSearches);
    if (longerLen === 0) {
      ip++;
      continue;
    }
    if (longerLen > sufficientLen) {
      op = encodeSequence(dst, ip, anchor, op, longerLen, longerOff, oend);
      if (op < 0) return 0;
      ip += longerLen;
      anchor = ip;
      continue;
    }
    for (let rPos = 0; rPos < MINMATCH; rPos++) {
      mlen[rPos] = 1;
      off[rPos] = 0;
      litlen[rPos] = llen + rPos;
      price[rPos] = literalsPrice(llen + rPos);
    }
    {
      const matchML = longerLen;
      const offset = longerOff;
      for (let m = MINMATCH; m <= matchML; m++) {
        mlen[m] = m;
        off[m] = offset;
        litlen[m] = llen;
        price[m] = sequencePrice(llen, m);
      }
    }
    lastMatchPos = longerLen;
    for (let addLit = 1; addLit <= TRAILING_LITERALS; addLit++) {
      mlen[lastMatchPos + addLit] = 1;
      off[lastMatchPos + addLit] = 0;
      litlen[lastMatchPos + addLit] = addLit;
      price[lastMatchPos + addLit] = price[lastMatchPos] + literalsPrice(addLit);
    }
    let encodeNow = false;
    bestMlen = 0;
    bestOff = 0;
    for (cur = 1; cur < lastMatchPos; cur++) {
      const curPtr = ip + cur;
      if (curPtr > mflimit) break;
      if (fullUpdate) {
        if (price[cur + 1] <= price[cur] && price[cur + MINMATCH] < price[cur] + 3) continue;
      } else {
        if (price[cur + 1] <= price[cur]) continue;
      }
      if (fullUpdate) findLongerMatch(curPtr, matchlimit, MINMATCH - 1, nbSearches);
      else findLongerMatch(curPtr, matchlimit, lastMatchPos - cur, nbSearches);
      if (longerLen === 0) continue;
      if (longerLen > sufficientLen || longerLen + cur >= OPT_NUM) {
        bestMlen = longerLen;
        bestOff = longerOff;
        lastMatchPos = cur + 1;
        encodeNow = true;
        break;
      }
      {
        const baseLitlen = litlen[cur];
        for (let ll = 1; ll < MINMATCH; ll++) {
          const p = price[cur] - literalsPrice(baseLitlen) + literalsPrice(baseLitlen + ll);
          const pos = cur + ll;
          if (p < price[pos]) {
            mlen[pos] = 1;
            off[pos] = 0;
            litlen[pos] = baseLitlen + ll;
            price[pos] = p;
          }
        }
      }
      {
        const matchML = longerLen;
        const offset = longerOff;
        for (let m = MINMATCH; m <= matchML; m++) {
          const pos = cur + m;
          let p;
          let ll;
          if (mlen[cur] === 1) {
            ll = litlen[cur];
            p = (cur > ll ? price[cur - ll] : 0) + sequencePrice(ll, m);
          } else {
            ll = 0;
            p = price[cur] + sequencePrice(0, m);
          }
          if (pos > lastMatchPos + TRAILING_LITERALS || p <= price[pos]) {
            if (m === matchML && lastMatchPos < pos) lastMatchPos = pos;
            mlen[pos] = m;
            off[pos] = offset;
            litlen[pos] = ll;
            price[pos] = p;
          }
        }
      }
      for (let addLit = 1; addLit <= TRAILING_LITERALS; addLit++) {
        mlen[lastMatchPos + addLit] = 1;
        off[lastMatchPos + addLit] = 0;
        litlen[lastMatchPos + addLit] = addLit;
        price[lastMatchPos + addLit] = price[lastMatchPos] + literalsPrice(addLit);
      }
    }
    if (!encodeNow) {
      bestMlen = mlen[lastMatchPos];
      bestOff = off[lastMatchPos];
      cur = lastMatchPos - bestMlen;
    }
    {
      let candidatePos = cur;
      let selectedMatchLength = bestMlen;
      let selectedOffset = bestOff;
      for (; ; ) {
        const nextMatchLength = mlen[candidatePos];
        const nextOffset = off[candidatePos];
        mlen[candidatePos] = selectedMatchLength;
        off[candidatePos] = selectedOffset;
        selectedMatchLength = nextMatchLength;
        selectedOffset = nextOffset;
        if (nextMatchLength > candidatePos) break;
        candidatePos -= nextMatchLength;
      }
    }
    {
      let rPos = 0;
      while (rPos < lastMatchPos) {
        const m = mlen[rPos];
        const offset = off[rPos];
        if (m === 1) {
          ip++;
          rPos++;
          continue;
        }
        rPos += m;
        op = encodeSequence(dst, ip, anchor, op, m, offset, oend);
        if (op < 0) return 0;
        ip += m;
        anchor = ip;
      }
    }
  }
  return encodeLastLiterals(dst, anchor, inputSize, op, oend);
}
function compressBound(n) {
  return n + (n / 255 | 0) + 16;
}
var HCCompressor = class {
  /**
   * Compresses source (at most MAX_BLOCK_SIZE bytes) as one independent LZ4 block at `level` (3..12; like
   * LZ4_compress_HC_extStateHC, levels below 1 mean the default 9, levels above 12 mean 12, and 1..2 search 2
   * candidates). Returns the compressed size, or 0 when it does not fit in dst.length bytes.
   */
  compress(source, dst, level2) {
    const n = source.length;
    if (n > MAX_BLOCK_SIZE) throw new RangeError(`LZ4 blocks are at most ${MAX_BLOCK_SIZE} bytes, not ${n}`);
    level2 = level2 >= 1 ? Math.min(Math.floor(level2), LEVEL_MAX) : LEVEL_DEFAULT;
    const oend = dst.length >= compressBound(n) ? 2147483647 : dst.length;
    SRC.set(source);
    SRC.fill(0, n, n + 8);
    HASH_TABLE.fill(EMPTY);
    nextToUpdate = 0;
    if (level2 < LEVEL_OPT_MIN) return compressHashChain(dst, n, oend, NB_SEARCHES[level2]);
    return compressOptimal(dst, n, oend, NB_SEARCHES[level2], TARGET_LENGTH[level2], level2 === LEVEL_MAX);
  }
};

// src/lz4/worker.ts
var { level, background } = workerData;
if (background) runInBackground();
var hc = new HCCompressor();
var scratch = new Uint8Array(MAX_BLOCK_SIZE);
parentPort.on("message", (msg) => {
  try {
    const src = new Uint8Array(msg.data, 0, msg.length);
    const n = msg.length > 1 ? hc.compress(src, scratch.subarray(0, msg.length - 1), level) : 0;
    const out = n > 0 ? scratch.slice(0, n).buffer : null;
    const reply = { id: msg.id, src: msg.data, srcLength: msg.length, out, outLength: n };
    parentPort.postMessage(reply, out ? [msg.data, out] : [msg.data]);
  } catch (err) {
    parentPort.postMessage({
      id: msg.id,
      src: msg.data,
      srcLength: msg.length,
      out: null,
      outLength: 0,
      error: String(err)
    });
  }
});
