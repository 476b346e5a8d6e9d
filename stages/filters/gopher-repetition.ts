// Gopher repetition rules (Rae et al. 2021, table A1) with datatrove's GopherRepetitionFilter
// defaults, order and reasons. Lines, paragraphs and n-grams are compared without building their
// strings, and exactly: tokens are exact integer ids (stages/text/tokens.ts), n-grams of ids are
// interned pairwise, and hashes only bucket candidates whose characters are then compared, so no
// hash collision can change a decision.
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { duplicateRanges, paragraphRanges, Ranges, splitCharRanges } from '../text/lines.ts';
import { docTokens, powTable, type TokenTable } from '../text/tokens.ts';

export const gopherRepetitionDefaults = {
  dupLineFrac: 0.3,
  dupParaFrac: 0.3,
  dupLineCharFrac: 0.2,
  dupParaCharFrac: 0.2,
  /** [n, max fraction of characters in the most frequent n-gram]. */
  topNGrams: [
    [2, 0.2],
    [3, 0.18],
    [4, 0.16],
  ] as Array<[number, number]>,
  /** [n, max fraction of characters in duplicated n-grams]. */
  dupNGrams: [
    [5, 0.15],
    [6, 0.14],
    [7, 0.13],
    [8, 0.12],
    [9, 0.11],
    [10, 0.1],
  ] as Array<[number, number]>,
};
export type GopherRepetitionOptions = typeof gopherRepetitionDefaults;

function grow(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  return a.length >= n ? a : new Int32Array(Math.max(n, a.length * 2));
}

/**
 * Exact n-gram classes, built one size at a time: the class of the n-gram at i is the interned pair
 * (class of its (n-1)-gram at i, id of token i+n-1), keys compared in full. An n-gram can only
 * repeat where its (n-1)-gram prefix repeats, so only those starts are carried to the next size;
 * on ordinary prose few survive past n = 3.
 */
class NGramClasses {
  t: TokenTable | null = null;
  /** Size of the classes in `cls`. */
  n = 0;
  /** Class of the n-gram at each candidate start (valid for starts listed in `cand`). */
  private cls = new Int32Array(1024);
  private cand = new Int32Array(1024);
  private next = new Int32Array(1024);
  nc = 0;
  /** Per class: occurrences and first start. */
  private count = new Int32Array(1024);
  private first = new Int32Array(1024);
  private classes = 0;
  // pair table
  private keyA = new Int32Array(2048);
  private keyB = new Int32Array(2048);
  private val = new Int32Array(2048);
  private stamp = new Int32Array(2048);
  private gen = 0;

  reset(t: TokenTable): void {
    this.t = t;
    const n = t.n;
    this.cls = grow(this.cls, n);
    this.cand = grow(this.cand, n);
    this.next = grow(this.next, n);
    this.count = grow(this.count, Math.max(n, t.nUniq));
    this.first = grow(this.first, Math.max(n, t.nUniq));
    // size 1: token ids
    this.count.fill(0, 0, t.nUniq);
    for (let i = n - 1; i >= 0; i--) {
      const id = t.ids[i];
      this.count[id]++;
      this.first[id] = i;
      this.cls[i] = id;
      this.cand[i] = i;
    }
    this.classes = t.nUniq;
    this.nc = n;
    this.n = 1;
  }

  /** Advance to size n + 1. */
  step(): void {
    const t = this.t!;
    const n = this.n + 1;
    const m = t.n - n + 1;
    // starts whose current n-gram repeats and that leave room for one more token
    let k = 0;
    for (let j = 0; j < this.nc; j++) {
      const i = this.cand[j];
      if (i >= m) break;
      if (this.count[this.cls[i]] >= 2) this.next[k++] = i;
    }
    [this.cand, this.next] = [this.next, this.cand];
    this.nc = k;
    let cap = 64;
    while (cap < k * 2) cap <<= 1;
    if (this.keyA.length < cap) {
      this.keyA = new Int32Array(cap);
      this.keyB = new Int32Array(cap);
      this.val = new Int32Array(cap);
      this.stamp = new Int32Array(cap);
      this.gen = 0;
    }
    const gen = ++this.gen;
    const mask = cap - 1;
    let classes = 0;
    for (let j = 0; j < k; j++) {
      const i = this.cand[j];
      const a = this.cls[i];
      const b = t.ids[i + n - 1];
      let s = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77)) >>> 0;
      s = (s ^ (s >>> 15)) & mask;
      let c = -1;
      while (this.stamp[s] === gen) {
        if (this.keyA[s] === a && this.keyB[s] === b) {
          c = this.val[s];
          break;
        }
        s = (s + 1) & mask;
      }
      if (c < 0) {
        c = classes++;
        this.stamp[s] = gen;
        this.keyA[s] = a;
        this.keyB[s] = b;
        this.val[s] = c;
        this.count[c] = 0;
        this.first[c] = i;
      }
      this.count[c]++;
      this.cls[i] = c;
    }
    this.classes = classes;
    this.n = n;
  }

  /** Most frequent n-gram's count and first start (first-seen among ties, as Counter.most_common). */
  top(): [count: number, start: number] {
    let best = 1;
    let start = 0; // all distinct: the first n-gram, once
    for (let c = 0; c < this.classes; c++) {
      const k = this.count[c];
      if (k > best || (k === best && k > 1 && this.first[c] < start)) {
        best = k;
        start = this.first[c];
      }
    }
    return [best, start];
  }
}

const classes = new NGramClasses();

/** datatrove's find_top_duplicate(get_n_grams(words, n)): count × length of the " "-joined most frequent n-gram. */
export function topNGramChars(t: TokenTable, n: number, state = classes): number {
  if (t.n < n) return 0;
  if (state.n > n || state.t !== t) state.reset(t);
  while (state.n < n) state.step();
  const [count, start] = state.top();
  return count * (t.cum[start + n] - t.cum[start] + n - 1);
}

let hashes = new Int32Array(1024);
let buckets = new Uint8Array(4096);
let seenKey = new Int32Array(2048);
let seenPos = new Int32Array(2048);
let seenGen = new Int32Array(2048);
let seenStamp = 0;

/**
 * datatrove's find_all_duplicate(words, n): walking the starts, an n-gram equal to one already
 * walked adds its length and jumps n tokens. datatrove joins with "" here, so n-grams are equal when
 * their characters are (["ab", "c"] equals ["a", "bc"]) and the length has no spaces. A first pass
 * drops starts whose hash bucket holds no other start (those n-grams occur once, so walking them
 * can neither match nor be matched); the others are compared by their characters.
 */
export function duplicateNGramChars(t: TokenTable, n: number): number {
  const m = t.n - n + 1;
  if (m <= 0) return 0;
  const { cum, pre, chars } = t;
  const pow = powTable(cum[t.n]);
  hashes = grow(hashes, m);
  let cap = 256;
  while (cap < m * 4) cap <<= 1;
  if (buckets.length < cap) buckets = new Uint8Array(cap);
  buckets.fill(0, 0, cap);
  const mask = cap - 1;
  for (let i = 0; i < m; i++) {
    let h = (pre[i + n] - Math.imul(pre[i], pow[cum[i + n] - cum[i]])) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    hashes[i] = h;
    const b = h & mask;
    if (buckets[b] < 2) buckets[b]++;
  }
  if (seenKey.length < cap) {
    seenKey = new Int32Array(cap);
    seenPos = new Int32Array(cap);
    seenGen = new Int32Array(cap);
    seenStamp = 0;
  }
  const gen = ++seenStamp;
  let repeated = 0;
  let i = 0;
  while (i < m) {
    const h = hashes[i];
    if (buckets[h & mask] < 2) {
      i++;
      continue;
    }
    const a = cum[i];
    const len = cum[i + n] - a;
    let s = (h >>> 7) & mask;
    let found = false;
    while (seenGen[s] === gen) {
      if (seenKey[s] === h) {
        const b = cum[seenPos[s]];
        if (cum[seenPos[s] + n] - b === len) {
          let q = 0;
          while (q < len && chars[a + q] === chars[b + q]) q++;
          if (q === len) {
            found = true;
            break;
          }
        }
      }
      s = (s + 1) & mask;
    }
    if (found) {
      repeated += len;
      i += n;
    } else {
      seenGen[s] = gen;
      seenKey[s] = h;
      seenPos[s] = i;
      i++;
    }
  }
  return repeated;
}

const paras = new Ranges();
const lineRuns = new Ranges();

export function gopherRepetition(doc: Doc, o: GopherRepetitionOptions): true | string {
  const text = doc.text;
  const len = text.length;
  if (len === 0) return 'empty'; // datatrove: the char fractions below would divide by zero

  if (o.dupParaFrac || o.dupParaCharFrac) {
    paragraphRanges(text, paras);
    const [paraDups, paraChars] = duplicateRanges(text, paras);
    if (o.dupParaFrac && paraDups / paras.n > o.dupParaFrac) return 'dup_para_frac';
    if (o.dupParaCharFrac && paraChars / len > o.dupParaCharFrac) return 'dup_para_char_frac';
  }

  if (o.dupLineFrac || o.dupLineCharFrac) {
    // re.split("\n+", text): runs of newlines, so blank lines are not duplicated lines
    splitCharRanges(text, 10, true, lineRuns);
    const [lineDups, lineChars] = duplicateRanges(text, lineRuns);
    if (o.dupLineFrac && lineDups / lineRuns.n > o.dupLineFrac) return 'dup_line_frac';
    if (o.dupLineCharFrac && lineChars / len > o.dupLineCharFrac) return 'dup_line_char_frac';
  }

  if (o.topNGrams.length === 0 && o.dupNGrams.length === 0) return true;
  const t = docTokens(doc);
  // checked in datatrove's order (lists as given); sizes without any n-gram skipped
  for (const [n, frac] of o.topNGrams) {
    if (t.n >= n && topNGramChars(t, n) / len > frac) return `top_${n}_gram`;
  }
  for (const [n, frac] of o.dupNGrams) {
    if (duplicateNGramChars(t, n) / len > frac) return `duplicated_${n}_n_grams`;
  }
  return true;
}

export const gopherRepetitionFilter = defineFilter({
  name: 'gopher-repetition',
  defaults: gopherRepetitionDefaults,
  validate(o) {
    const pairs = (v: unknown) => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && p[0] >= 2 && typeof p[1] === 'number');
    check(pairs(o.topNGrams), 'gopher-repetition', 'topNGrams', 'must be a list of [n >= 2, fraction] pairs');
    check(pairs(o.dupNGrams), 'gopher-repetition', 'dupNGrams', 'must be a list of [n >= 2, fraction] pairs');
  },
  filter: (doc, o) => gopherRepetition(doc, o),
});
