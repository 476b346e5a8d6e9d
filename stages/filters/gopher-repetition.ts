// Gopher repetition rules (Rae et al. 2021, table A1) with datatrove's GopherRepetitionFilter
// defaults, order and reasons. Lines, paragraphs and n-grams are compared without building their
// strings, and exactly: tokens are exact integer ids (stages/text/tokens.ts), n-grams of ids are
// interned pairwise, and hashes only bucket candidates whose characters are then compared, so no
// hash collision can change a decision.
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { duplicateRanges, paragraphRanges, Ranges, splitCharRanges } from '../text/lines.ts';
import { docTokens, joinedChars, type TokenTable } from '../text/tokens.ts';
import { ProbeTable } from '../text/probe-table.ts';

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

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

/**
 * Exact n-gram classes, built one size at a time: the class of the n-gram at i is the interned pair
 * (class of its (n-1)-gram at i, id of token i+n-1), keys compared in full. An n-gram can only
 * repeat where its (n-1)-gram prefix repeats, so only those starts are carried to the next size;
 * on ordinary prose few survive past n = 3. Pairs alone in their hash bucket occur once and are
 * marked -1 without interning.
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
  private bk = new Uint8Array(4096);
  private hs = new Int32Array(1024);

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
    const ids = t.ids;
    const cls = this.cls;
    const count = this.count;
    const first = this.first;
    // starts whose current n-gram repeats and that leave room for one more token
    const cand = this.next;
    let k = 0;
    for (let j = 0, prev = this.cand; j < this.nc; j++) {
      const i = prev[j];
      if (i >= m) break;
      const c = cls[i];
      if (c >= 0 && count[c] >= 2) cand[k++] = i;
    }
    this.next = this.cand;
    this.cand = cand;
    this.nc = k;
    // pre-pass: a pair alone in its hash bucket occurs once and needs no interning
    let cap = 256;
    while (cap < k * 4) cap <<= 1;
    if (this.bk.length < cap) this.bk = new Uint8Array(cap);
    this.hs = grow(this.hs, k);
    const bk = this.bk;
    const hs = this.hs;
    bk.fill(0, 0, cap);
    const bmask = cap - 1;
    for (let j = 0; j < k; j++) {
      const i = cand[j];
      const h = mix(Math.imul(cls[i], 0x9e3779b1) ^ ids[i + n - 1]);
      hs[j] = h;
      if (bk[h & bmask] < 2) bk[h & bmask]++;
    }
    if (this.keyA.length < cap) {
      this.keyA = new Int32Array(cap);
      this.keyB = new Int32Array(cap);
      this.val = new Int32Array(cap);
      this.stamp = new Int32Array(cap);
      this.gen = 0;
    }
    const gen = ++this.gen;
    const keyA = this.keyA;
    const keyB = this.keyB;
    const val = this.val;
    const stamp = this.stamp;
    const mask = cap - 1;
    let classes = 0;
    for (let j = 0; j < k; j++) {
      const i = cand[j];
      const h = hs[j];
      if (bk[h & bmask] < 2) {
        cls[i] = -1; // occurs once
        continue;
      }
      const a = cls[i];
      const b = ids[i + n - 1];
      let s = (h >>> 8) & mask;
      let c = -1;
      while (stamp[s] === gen) {
        if (keyA[s] === a && keyB[s] === b) {
          c = val[s];
          break;
        }
        s = (s + 1) & mask;
      }
      if (c < 0) {
        c = classes++;
        stamp[s] = gen;
        keyA[s] = a;
        keyB[s] = b;
        val[s] = c;
        count[c] = 0;
        first[c] = i;
      }
      count[c]++;
      cls[i] = c;
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
const seen = new ProbeTable();
/** Starts whose n-grams (n >= MIN_DUP_N) may repeat, increasing, and their window keys. */
let cands = new Int32Array(1024);
let nCands = 0;
let candsFor: TokenTable | null = null;
/** joinedChars of candsFor. */
let joined: Uint16Array = new Uint16Array(0);

/** Window (characters) for the uniqueness pre-pass of duplicateNGramChars. */
const W = 12;
/** Smallest n the pre-pass covers: an n-gram has at least n characters. */
const MIN_DUP_N = 5;

/**
 * Starts whose n-grams may repeat, for every n >= MIN_DUP_N at once. Two n-grams with equal
 * characters share their first W characters, and both have at least W when the 5-gram at the start
 * does; so a start whose 5-gram spans W characters and whose first W characters (taken at a token
 * boundary) occur at no other token boundary has n-grams that occur once, for every n >= 5. Windows
 * are counted in hash buckets: a shared bucket only means "maybe".
 */
function findCandidates(t: TokenTable): void {
  const { cum } = t;
  const n = t.n;
  const total = cum[n];
  const chars = joinedChars(t);
  joined = chars;
  hashes = grow(hashes, n);
  // ~32 buckets per window: few unique windows share a bucket by chance (each that does is a false candidate)
  let cap = 1024;
  while (cap < n * 32) cap <<= 1;
  if (buckets.length < cap) buckets = new Uint8Array(cap);
  buckets.fill(0, 0, cap);
  const mask = cap - 1;
  const hs = hashes;
  const bk = buckets;
  let full = n; // starts from here have no full window
  for (let k = 0; k < n; k++) {
    const p = cum[k];
    if (p + W > total) {
      full = k;
      break;
    }
    // the twelve characters as six independent products (no serial hash chain)
    const h = mix(
      Math.imul(chars[p] | (chars[p + 1] << 16), 0x9e3779b1) ^
        Math.imul(chars[p + 2] | (chars[p + 3] << 16), 0x85ebca77) ^
        Math.imul(chars[p + 4] | (chars[p + 5] << 16), 0xc2b2ae3d) ^
        Math.imul(chars[p + 6] | (chars[p + 7] << 16), 0x27d4eb2f) ^
        Math.imul(chars[p + 8] | (chars[p + 9] << 16), 0x165667b1) ^
        Math.imul(chars[p + 10] | (chars[p + 11] << 16), 0xd3a2646d),
    );
    hs[k] = h;
    if (bk[h & mask] < 2) bk[h & mask]++;
  }
  cands = grow(cands, n);
  const cs = cands;
  let nc = 0;
  for (let k = 0; k + MIN_DUP_N <= n; k++) {
    // unique window: every n-gram from k occurs once
    if (k < full && cum[k + MIN_DUP_N] - cum[k] >= W && bk[hs[k] & mask] < 2) continue;
    cs[nc++] = k;
  }
  nCands = nc;
  candsFor = t;
}

/**
 * datatrove's find_all_duplicate(words, n): walking the starts, an n-gram equal to one already
 * walked adds its length and jumps n tokens. datatrove joins with "" here, so n-grams are equal when
 * their characters are (["ab", "c"] equals ["a", "bc"]) and the length has no spaces. For n >= 5
 * only the starts findCandidates keeps are visited (the others occur once: they can neither match
 * nor be matched, so stepping over them is datatrove's idx += 1). Visited n-grams are bucketed by
 * their length, first window and last character, and matched by comparing characters.
 */
export function duplicateNGramChars(t: TokenTable, n: number): number {
  const m = t.n - n + 1;
  if (m <= 0) return 0;
  const windowed = n >= MIN_DUP_N;
  let nc: number;
  if (windowed) {
    if (candsFor !== t) findCandidates(t);
    nc = nCands;
  } else {
    // small n: every start
    cands = grow(cands, m);
    candsFor = null;
    for (let i = 0; i < m; i++) cands[i] = i;
    nc = m;
    joined = joinedChars(t);
  }
  const chars = joined;
  const cs = cands;
  const hs = hashes;
  const { cum } = t;
  const gen = seen.begin(nc);
  const sk = seen.key;
  const sp = seen.val;
  const sg = seen.gen;
  const mask = seen.mask;
  let repeated = 0;
  let from = 0; // first start not jumped over
  for (let j = 0; j < nc; j++) {
    const i = cs[j];
    if (i >= m) break;
    if (i < from) continue;
    const len = cum[i + n] - cum[i];
    // equal n-grams have equal lengths, first windows (when that long) and last characters
    const b0 = cum[i];
    const key = windowed && len >= W ? hs[i] : chars[b0];
    const h = mix(key ^ Math.imul(len, 0x27d4eb2f) ^ Math.imul(chars[b0 + len - 1], 0x165667b1));
    let s = h & mask;
    let found = false;
    while (sg[s] === gen) {
      if (sk[s] === h) {
        const o = sp[s];
        if (cum[o + n] - cum[o] === len) {
          const a = cum[o];
          let q = 0;
          while (q < len && chars[a + q] === chars[b0 + q]) q++;
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
      from = i + n;
    } else {
      sg[s] = gen;
      sk[s] = h;
      sp[s] = i;
      from = i + 1;
    }
  }
  return repeated;
}

/**
 * Upper bounds of topNGramChars for n = 2, 3, 4 without counting n-grams: an n-gram occurs at most
 * as often as its rarest token, so count × length <= max over starts of (min token count × length).
 */
export function topBounds(t: TokenTable): [number, number, number] {
  const { ids, cum, count: cnt } = t;
  // all n-grams distinct: the value is the first n-gram's length
  let b2 = t.n >= 2 ? cum[2] + 1 : 0;
  let b3 = t.n >= 3 ? cum[3] + 2 : 0;
  let b4 = t.n >= 4 ? cum[4] + 3 : 0;
  const n = t.n;
  // counts of tokens i … i+3 rolled along (one table read per start)
  let c0 = n > 0 ? cnt[ids[0]] : 0;
  let c1 = n > 1 ? cnt[ids[1]] : 0;
  let c2 = n > 2 ? cnt[ids[2]] : 0;
  for (let i = 0; i + 1 < n; i++) {
    const c3 = i + 3 < n ? cnt[ids[i + 3]] : 0;
    let m = c0 < c1 ? c0 : c1;
    if (m >= 2) {
      // else the n-grams from i occur once: covered by the all-distinct case
      const p = cum[i];
      const v2 = m * (cum[i + 2] - p + 1);
      if (v2 > b2) b2 = v2;
      if (i + 2 < n) {
        if (c2 < m) m = c2;
        const v3 = m * (cum[i + 3] - p + 2);
        if (v3 > b3) b3 = v3;
        if (i + 3 < n) {
          if (c3 < m) m = c3;
          const v4 = m * (cum[i + 4] - p + 3);
          if (v4 > b4) b4 = v4;
        }
      }
    }
    c0 = c1;
    c1 = c2;
    c2 = c3;
  }
  return [b2, b3, b4];
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
  // exact counts only where a cheap upper bound does not already settle the rule
  const bounds = t.n >= 2 ? topBounds(t) : [0, 0, 0];
  for (const [n, frac] of o.topNGrams) {
    if (t.n < n || (n <= 4 && bounds[n - 2] / len <= frac)) continue;
    if (topNGramChars(t, n) / len > frac) return `top_${n}_gram`;
  }
  for (const [n, frac] of o.dupNGrams) {
    if (t.n < n) continue;
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
