// Line and paragraph splitting with Python's semantics, since datatrove's thresholds are defined
// over `str.splitlines()` (no trailing empty line; \r\n, \r, \v, \f, \x1c-\x1e, \x85, \u2028/9 all
// break lines) and `re.split(r"\n{2,}", text.strip())`.
import { ProbeTable } from './probe-table.ts';

const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's `text.splitlines()`. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** datatrove's paragraphs: `re.split(r"\n{2,}", text.strip())`. */
export function splitParagraphs(text: string): string[] {
  return pyStrip(text).split(/\n{2,}/);
}

/** Python's `str.strip()` (Unicode whitespace, like String.prototype.trim plus \x1c-\x1f and \x85). */
export function pyStrip(s: string): string {
  // a scan from both ends: /\s+$/ backtracks quadratically on texts with many whitespace runs
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s.charCodeAt(a))) a++;
  while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Python's str.isspace() on one UTF-16 unit (the characters Python's strip() and split() treat as whitespace). */
function isPySpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13) || c >= 0x1c;
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Number of duplicated elements and their total length, counting every occurrence after the first. */
export function findDuplicates(items: string[]): [count: number, chars: number] {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const x of items) {
    if (seen.has(x)) {
      count++;
      chars += x.length;
    } else seen.add(x);
  }
  return [count, chars];
}

/** Count occurrences of a substring. */
export function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// The same splits as [start, end) ranges into the text, and duplicate counting over ranges, so
// filters find repeated lines and paragraphs without allocating a string per line.

/** A reusable list of [s[k], e[k]) ranges. */
export class Ranges {
  n = 0;
  s = new Int32Array(256);
  e = new Int32Array(256);
  push(a: number, b: number): void {
    if (this.n === this.s.length) {
      const s = new Int32Array(this.n * 2);
      s.set(this.s);
      this.s = s;
      const e = new Int32Array(this.n * 2);
      e.set(this.e);
      this.e = e;
    }
    this.s[this.n] = a;
    this.e[this.n] = b;
    this.n++;
  }
}

/** Python's `str.isspace()` for one UTF-16 unit (what strip()/lstrip()/rstrip() remove). */
export function isPySpaceCode(c: number): boolean {
  return isPySpace(c);
}

const OTHER_BREAK = /[\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's `text.splitlines()` as ranges. */
let breaksText = '';
let breaksResult = false;
/** Whether `text` has a line break other than \n (remembered for the last text: filters of a chain ask about the same one). */
export function hasOtherBreaks(text: string): boolean {
  if (text !== breaksText) {
    breaksResult = OTHER_BREAK.test(text);
    breaksText = text;
  }
  return breaksResult;
}

export function splitLineRanges(text: string, out: Ranges): Ranges {
  if (!hasOtherBreaks(text)) {
    // only \n: split with indexOf (native) instead of a per-character loop
    splitCharRanges(text, 10, false, out);
    if (out.s[out.n - 1] === text.length) out.n--; // no trailing empty line
    return out;
  }
  out.n = 0;
  const n = text.length;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x1f ? c === 0x85 || c === 0x2028 || c === 0x2029 : (c >= 10 && c <= 13) || c >= 0x1c) {
      out.push(start, i);
      if (c === 13 && i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  if (start < n) out.push(start, n);
  return out;
}

/** `text.split(sep)` for a one-character separator, or for runs of it (`re.split(sep + "+")`) when `runs`. */
export function splitCharRanges(text: string, sep: number, runs: boolean, out: Ranges, from = 0, to = text.length): Ranges {
  out.n = 0;
  const ch = String.fromCharCode(sep);
  let start = from;
  for (let i = text.indexOf(ch, from); i !== -1 && i < to; i = text.indexOf(ch, i + 1)) {
    out.push(start, i);
    if (runs) while (i + 1 < to && text.charCodeAt(i + 1) === sep) i++;
    start = i + 1;
  }
  out.push(start, to);
  return out;
}

/** datatrove's paragraphs, `re.split(r"\n{2,}", text.strip())`, as ranges. */
export function paragraphRanges(text: string, out: Ranges): Ranges {
  out.n = 0;
  let a = 0;
  let b = text.length;
  while (a < b && isPySpace(text.charCodeAt(a))) a++;
  while (b > a && isPySpace(text.charCodeAt(b - 1))) b--;
  let start = a;
  for (let i = text.indexOf('\n', a); i !== -1 && i < b; i = text.indexOf('\n', i + 1)) {
    if (i + 1 < b && text.charCodeAt(i + 1) === 10) {
      out.push(start, i);
      i++;
      while (i + 1 < b && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  out.push(start, b);
  return out;
}

const dupTable = new ProbeTable();

/**
 * datatrove's find_duplicates over ranges of `text`: the number of ranges equal to an earlier one
 * and their total length. Ranges are bucketed by rangeKey and a match is confirmed by comparing the
 * characters, so a key collision cannot count a false duplicate.
 */
export function duplicateRanges(text: string, r: Ranges): [count: number, chars: number] {
  const gen = dupTable.begin(r.n);
  const keys = dupTable.key, idx = dupTable.val, gens = dupTable.gen, mask = dupTable.mask, rs = r.s, re = r.e;
  let count = 0;
  let chars = 0;
  for (let k = 0; k < r.n; k++) {
    const s = rs[k];
    const e = re[k];
    const h = rangeKey(text, s, e);
    let slot = h & mask;
    let dup = false;
    while (gens[slot] === gen) {
      if (keys[slot] === h) {
        const o = idx[slot];
        const os = rs[o];
        if (re[o] - os === e - s && (os === s || sameChars(text, os, s, e - s))) {
          dup = true;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    if (dup) {
      count++;
      chars += e - s;
    } else {
      gens[slot] = gen;
      keys[slot] = h;
      idx[slot] = k;
    }
  }
  return [count, chars];
}

/**
 * Bucket key of text[s, e): its length and up to 9 characters spread over it. Equal ranges get
 * equal keys; unequal ones rarely do and are told apart by comparing characters. Sampling keeps
 * the cost per range constant instead of hashing every character of every line.
 */
function rangeKey(text: string, s: number, e: number): number {
  const len = e - s;
  let h = Math.imul(len, 0x9e3779b1);
  if (len > 0) {
    const step = len >= 8 ? len >> 3 : 1;
    for (let i = s; i < e; i += step) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ text.charCodeAt(e - 1), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

function sameChars(text: string, a: number, b: number, len: number): boolean {
  for (let q = 0; q < len; q++) if (text.charCodeAt(a + q) !== text.charCodeAt(b + q)) return false;
  return true;
}
