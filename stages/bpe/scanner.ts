// Hand-written pre-tokenisers equivalent to the GPT-2 and cl100k/Llama-3 regexes (checked against
// the regex in test/stages/bpe/scanner.test.ts). They walk char codes with a class table and report
// piece boundaries, so the encoder never allocates a substring for a cached piece.
import { PATTERNS, portablePattern } from './patterns.ts';

export const C_OTHER = 0;
export const C_L = 1;
export const C_N = 2;
/** White_Space other than \r and \n. */
export const C_WS = 3;
/** \r or \n. */
export const C_NL = 4;

const BMP = new Uint8Array(65536);
(() => {
  const L = /\p{L}/u;
  const N = /\p{N}/u;
  const WS = /\p{White_Space}/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c < 0xe000) continue; // surrogates: handled by the scanner
    const s = String.fromCharCode(c);
    BMP[c] = c === 10 || c === 13 ? C_NL : L.test(s) ? C_L : N.test(s) ? C_N : WS.test(s) ? C_WS : C_OTHER;
  }
})();
const astral = new Map<number, number>();
function astralClass(cp: number): number {
  let k = astral.get(cp);
  if (k === undefined) {
    const s = String.fromCodePoint(cp);
    k = /\p{L}/u.test(s) ? C_L : /\p{N}/u.test(s) ? C_N : C_OTHER;
    astral.set(cp, k);
  }
  return k;
}

/**
 * Class of the code point at i, and its length in UTF-16 units via `lastLen`. Lone surrogates are
 * OTHER (as U+FFFD is), as in the u-flag regex.
 */
let lastLen = 1;
function classAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c >= 0xe000) {
    lastLen = 1;
    return BMP[c];
  }
  if (c < 0xdc00 && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) {
      lastLen = 2;
      return astralClass(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
    }
  }
  lastLen = 1;
  return C_OTHER;
}

/** End of the run of code points of class k starting at i (at most max code points). */
function runOf(s: string, i: number, k: number, max = Infinity): number {
  const n = s.length;
  let count = 0;
  while (i < n && count < max) {
    if (classAt(s, i) !== k) break;
    i += lastLen;
    count++;
  }
  return i;
}

/** End of a run of code points whose class is WS or NL; also sets `lastNl` (index after the last newline, or -1). */
let lastNl = -1;
function wsRun(s: string, i: number): number {
  const n = s.length;
  lastNl = -1;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13) {
      i++;
      lastNl = i;
      continue;
    }
    if (c < 0xd800 || c >= 0xe000) {
      if (BMP[c] !== C_WS) break;
      i++;
    } else break; // no astral White_Space
  }
  return i;
}

/** Contraction at i ("'" already seen)? Returns its end or -1. Case-insensitive for cl100k. */
function contraction(s: string, i: number, ci: boolean): number {
  let a = s.charCodeAt(i + 1);
  if (ci && a >= 65 && a <= 90) a += 32;
  if (a === 115 || a === 116 || a === 109 || a === 100) return i + 2; // s t m d
  let b = s.charCodeAt(i + 2);
  if (ci && b >= 65 && b <= 90) b += 32;
  if ((a === 114 && b === 101) || (a === 118 && b === 101) || (a === 108 && b === 108)) return i + 3; // re ve ll
  return -1;
}

/** End of the GPT-2 pattern's match at i (i < s.length). */
export function nextGpt2(s: string, i: number): number {
  const n = s.length;
  const c = s.charCodeAt(i);
  if (c === 39 && i + 1 < n) {
    const e = contraction(s, i, false);
    if (e > 0) return e;
  }
  let k = classAt(s, i);
  let start = i;
  if (c === 32 && i + 1 < n) {
    const k2 = classAt(s, i + 1);
    if (k2 === C_L || k2 === C_N || k2 === C_OTHER) {
      start = i + 1;
      k = k2;
    }
  }
  if (k === C_L || k === C_N || k === C_OTHER) {
    return runOf(s, start + (start === i ? 0 : 0), k);
  }
  // Whitespace: \s+(?!\S) | \s+
  const j = wsRun(s, i);
  if (j >= n) return j;
  return j - 1 > i ? j - 1 : j;
}

/** End of the cl100k / Llama-3 pattern's match at i (i < s.length). */
export function nextCl100k(s: string, i: number): number {
  const n = s.length;
  const c = s.charCodeAt(i);
  if (c === 39 && i + 1 < n) {
    const e = contraction(s, i, true);
    if (e > 0) return e;
  }
  const k = classAt(s, i);
  const len = lastLen;
  if (k === C_L) return runOf(s, i + len, C_L);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if ((k === C_OTHER || k === C_WS) && i + len < n && classAt(s, i + len) === C_L) return runOf(s, i + len, C_L);
  if (k === C_N) return runOf(s, i, C_N, 3);
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  let p = -1;
  if (k === C_OTHER) p = i;
  else if (c === 32 && i + 1 < n && classAt(s, i + 1) === C_OTHER) p = i + 1;
  if (p >= 0) {
    let e = runOf(s, p, C_OTHER);
    while (e < n) {
      const d = s.charCodeAt(e);
      if (d !== 10 && d !== 13) break;
      e++;
    }
    return e;
  }
  // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
  const j = wsRun(s, i);
  if (lastNl > 0) return lastNl;
  if (j >= n) return j;
  return j - 1 > i ? j - 1 : j;
}

// ---------------------------------------------------------------------------------------------
// o200k: letters split by case ([Lu Lt Lm Lo M]* [Ll Lm Lo M]+ | [Lu Lt Lm Lo M]+ [Ll Lm Lo M]*),
// marks (\p{M}) kept inside words, optional contraction suffix, "/" allowed after punctuation.

const F_U = 1; // Lu Lt Lm Lo M
const F_LW = 2; // Ll Lm Lo M
const F_L = 4; // \p{L}
const F_N = 8; // \p{N}
const F_WS = 16; // White_Space (incl. \r \n)
const F_NL = 32; // \r \n

let O_BMP: Uint8Array | undefined;
const oAstral = new Map<number, number>();

function oFlagsOf(s: string): number {
  let f = 0;
  if (/[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]/u.test(s)) f |= F_U;
  if (/[\p{Ll}\p{Lm}\p{Lo}\p{M}]/u.test(s)) f |= F_LW;
  if (/\p{L}/u.test(s)) f |= F_L;
  if (/\p{N}/u.test(s)) f |= F_N;
  if (/\p{White_Space}/u.test(s)) f |= F_WS;
  if (s === '\r' || s === '\n') f |= F_NL;
  return f;
}

function oTable(): Uint8Array {
  if (O_BMP) return O_BMP;
  const t = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c < 0xe000) continue;
    // Fast paths for ASCII letters/digits; the regexes for the rest (once per process).
    t[c] = oFlagsOf(String.fromCharCode(c));
  }
  O_BMP = t;
  return t;
}

let oLen = 1;
/** o200k flags of the code point at i (0 past the end); its UTF-16 length in oLen. */
function oAt(s: string, i: number, t: Uint8Array): number {
  if (i >= s.length) {
    oLen = 0;
    return 0;
  }
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c >= 0xe000) {
    oLen = 1;
    return t[c];
  }
  if (c < 0xdc00 && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) {
      oLen = 2;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      let f = oAstral.get(cp);
      if (f === undefined) {
        f = oFlagsOf(String.fromCodePoint(cp));
        oAstral.set(cp, f);
      }
      return f;
    }
  }
  oLen = 1;
  return 0; // lone surrogate: "other"
}

/** End of the run of code points having flag f, from i. */
function oRun(s: string, i: number, f: number, t: Uint8Array): number {
  for (;;) {
    const k = oAt(s, i, t);
    if (oLen === 0 || (k & f) === 0) return i;
    i += oLen;
  }
}

/** Optional case-insensitive contraction at e. */
function oSuffix(s: string, e: number): number {
  if (s.charCodeAt(e) === 39 && e + 1 < s.length) {
    const c = contraction(s, e, true);
    if (c > 0) return c;
  }
  return e;
}

/** End of the o200k pattern's match at i (i < s.length). */
export function nextO200k(s: string, i: number): number {
  const t = oTable();
  const n = s.length;
  const f0 = oAt(s, i, t);
  const len0 = oLen;
  const prefixOk = (f0 & (F_L | F_N | F_NL)) === 0; // [^\r\n\p{L}\p{N}]
  // Alternative 1: P? U* Lw+ C?
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 0 && !prefixOk) continue;
    const j = pass === 0 ? i + len0 : i;
    const k = oRun(s, j, F_U, t);
    if ((oAt(s, k, t) & F_LW) !== 0) return oSuffix(s, oRun(s, k, F_LW, t));
    // Backtrack U*: the last code point in [j, k) that is also Lw ends the match.
    let m = -1;
    let mEnd = -1;
    for (let p = j; p < k; ) {
      const f = oAt(s, p, t);
      if (f & F_LW) {
        m = p;
        mEnd = p + oLen;
      }
      p += oLen;
    }
    if (m >= 0) return oSuffix(s, mEnd);
  }
  // Alternative 2: P? U+ Lw* C?
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 0 && !prefixOk) continue;
    const j = pass === 0 ? i + len0 : i;
    const k = oRun(s, j, F_U, t);
    if (k > j) return oSuffix(s, oRun(s, k, F_LW, t));
  }
  // \p{N}{1,3}
  if (f0 & F_N) {
    let e = i;
    for (let c = 0; c < 3; c++) {
      const f = oAt(s, e, t);
      if ((f & F_N) === 0) break;
      e += oLen;
    }
    return e;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
  const OTHER_MASK = F_WS | F_L | F_N;
  let p = -1;
  if (oLen !== 0 && (f0 & OTHER_MASK) === 0) p = i;
  else if (s.charCodeAt(i) === 32 && i + 1 < n && (oAt(s, i + 1, t) & OTHER_MASK) === 0) p = i + 1;
  if (p >= 0) {
    let e = p;
    for (;;) {
      const f = oAt(s, e, t);
      if (oLen === 0 || (f & OTHER_MASK) !== 0) break;
      e += oLen;
    }
    while (e < n) {
      const d = s.charCodeAt(e);
      if (d !== 10 && d !== 13 && d !== 47) break;
      e++;
    }
    return e;
  }
  // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
  const j = wsRun(s, i);
  if (lastNl > 0) return lastNl;
  if (j >= n) return j;
  return j - 1 > i ? j - 1 : j;
}

/** The hand-written scanner of a known pattern (GPT-2, cl100k = Llama 3, o200k), else undefined (RegExp). */
export function scannerFor(pattern: string): ((s: string, i: number) => number) | undefined {
  const p = portablePattern(pattern);
  if (p === portablePattern(PATTERNS.gpt2)) return nextGpt2;
  if (p === portablePattern(PATTERNS.cl100k) || p === portablePattern(PATTERNS.llama3)) return nextCl100k;
  if (p === portablePattern(PATTERNS.o200k)) return nextO200k;
  return undefined;
}
