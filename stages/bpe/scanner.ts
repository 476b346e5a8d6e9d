// Hand-written pre-tokenisers equivalent to the GPT-2 and cl100k/Llama-3 regexes (checked against
// the regex in test/stages/bpe/scanner.test.ts). They walk char codes with a class table and report
// piece boundaries, so the encoder never allocates a substring for a cached piece.

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
