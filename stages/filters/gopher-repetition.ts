// Gopher repetition rules (Rae et al. 2021, table A1) with datatrove's GopherRepetitionFilter
// defaults, order and reasons. N-grams are hashed over 64-bit token hashes instead of joined strings;
// an n-gram's character length is still that of the space-joined string, as datatrove measures it.
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { findDuplicates, splitParagraphs } from '../text/lines.ts';
import { docTokens } from '../text/tokens.ts';

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

/**
 * Two 32-bit hash lanes per token (standing for its string: equal tokens, equal ids) and token
 * lengths. Hashing the characters is ~5x cheaper than interning fresh strings in a Map.
 */
export function tokenIds(tokens: string[]): { ids: Int32Array; ids2: Int32Array; lens: Int32Array } {
  const ids = new Int32Array(tokens.length);
  const ids2 = new Int32Array(tokens.length);
  const lens = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    let a = 0x811c9dc5;
    let b = t.length;
    for (let k = 0; k < t.length; k++) {
      const c = t.charCodeAt(k);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b + c, 0x5bd1e995) ^ (b >>> 15);
    }
    ids[i] = a;
    ids2[i] = b;
    lens[i] = t.length;
  }
  return { ids, ids2, lens };
}

/**
 * N-gram keys of one document: two 32-bit hash lanes per start position, extended in place from
 * n to n+1 (O(tokens) per n), looked up in an open-addressing table reused across documents (a
 * generation stamp instead of clearing). 64-bit keys: a false match needs a 2^-64 collision.
 */
class NGramTable {
  private cap = 0;
  private keyA = new Int32Array(0);
  private keyB = new Int32Array(0);
  private stamp = new Int32Array(0);
  /** Count of the n-gram, and position of its first occurrence. */
  readonly count: Int32Array = new Int32Array(0);
  readonly first: Int32Array = new Int32Array(0);
  private gen = 0;

  reset(entries: number): void {
    let cap = 64;
    while (cap < entries * 2) cap <<= 1;
    if (cap > this.cap) {
      this.cap = cap;
      this.keyA = new Int32Array(cap);
      this.keyB = new Int32Array(cap);
      this.stamp = new Int32Array(cap);
      (this as { count: Int32Array }).count = new Int32Array(cap);
      (this as { first: Int32Array }).first = new Int32Array(cap);
      this.gen = 0;
    }
    this.gen++;
  }

  /** Slot of (a, b); inserted with count 0 and first = at when new. */
  slot(a: number, b: number, at: number): number {
    const mask = this.cap - 1;
    let i = (a ^ Math.imul(b, 0x27d4eb2d)) & mask;
    for (;;) {
      if (this.stamp[i] !== this.gen) {
        this.stamp[i] = this.gen;
        this.keyA[i] = a;
        this.keyB[i] = b;
        this.count[i] = 0;
        this.first[i] = at;
        return i;
      }
      if (this.keyA[i] === a && this.keyB[i] === b) return i;
      i = (i + 1) & mask;
    }
  }
}

const table = new NGramTable();

function ngramChars(lens: Int32Array, i: number, n: number): number {
  let c = n - 1;
  for (let k = i; k < i + n; k++) c += lens[k];
  return c;
}

/** Hash lanes of all n-grams, grown one token at a time (call with n = 1, 2, 3 … in order). */
class Lanes {
  a: Int32Array;
  b: Int32Array;
  n = 0;
  /** `ids2`: a second, independent id per token (defaults to `ids`). */
  constructor(
    private ids: Int32Array,
    private ids2: Int32Array = ids,
  ) {
    this.a = new Int32Array(ids.length);
    this.b = new Int32Array(ids.length);
  }
  /** Extend every n-gram hash to length n (valid for starts 0 … len-n). */
  grow(n: number): void {
    const { ids, ids2, a, b } = this;
    while (this.n < n) {
      const k = this.n;
      for (let i = 0; i + k < ids.length; i++) {
        a[i] = Math.imul(a[i] ^ ids[i + k], 0x9e3779b1) ^ (a[i] >>> 16);
        b[i] = Math.imul(b[i] + ids2[i + k] + 0x632be5ab, 0x85ebca77) ^ (b[i] >>> 13);
      }
      this.n++;
    }
  }
}
export { Lanes };

/** Characters of the most frequent n-gram times its count (first-seen wins ties, as Counter.most_common). */
export function topNGramChars(ids: Int32Array, lens: Int32Array, n: number, lanes = new Lanes(ids)): number {
  const m = ids.length - n + 1;
  if (m <= 0) return 0;
  lanes.grow(n);
  table.reset(m);
  let best = 0;
  let bestFirst = 0;
  for (let i = 0; i < m; i++) {
    const s = table.slot(lanes.a[i], lanes.b[i], i);
    const c = ++table.count[s];
    const f = table.first[s];
    if (c > best || (c === best && f < bestFirst)) {
      best = c;
      bestFirst = f;
    }
  }
  return best * ngramChars(lens, bestFirst, n);
}

/** datatrove's find_all_duplicate: characters of repeated n-grams, skipping past each repeat. */
export function duplicateNGramChars(ids: Int32Array, lens: Int32Array, n: number, lanes = new Lanes(ids)): number {
  const m = ids.length - n + 1;
  if (m <= 0) return 0;
  lanes.grow(n);
  table.reset(m);
  let chars = 0;
  let i = 0;
  while (i < m) {
    const s = table.slot(lanes.a[i], lanes.b[i], i);
    if (table.count[s] > 0) {
      chars += ngramChars(lens, i, n);
      i += n;
    } else {
      table.count[s] = 1;
      i++;
    }
  }
  return chars;
}

const counts = new NGramTable();
const seenTable = new NGramTable();

/**
 * Top-n-gram and duplicated-n-gram characters for every n up to maxN in one sweep, equal to
 * topNGramChars / duplicateNGramChars for each n. An n-gram can only repeat where its (n-1)-gram
 * prefix repeats, so each size only hashes the positions that repeated at the size below; a
 * position whose n-gram is unique never matches in find_all_duplicate and is stepped over without
 * a lookup. On ordinary prose few positions survive past n = 3, so sizes 4-10 cost almost nothing.
 */
export function ngramSweep(ids: Int32Array, ids2: Int32Array, lens: Int32Array, maxN: number, wantTop: (n: number) => boolean, wantDup: (n: number) => boolean): { top: number[]; dup: number[] } {
  const top: number[] = [];
  const dup: number[] = [];
  const total = ids.length;
  if (total < 2) return { top, dup };
  // hash lanes of the n-gram at each start (only candidates are kept up to date)
  const a = new Int32Array(total);
  const b = new Int32Array(total);
  const slots = new Int32Array(total);
  // candidate starts, increasing: positions whose (n-1)-gram repeats (all of them for n = 2)
  let cand = new Int32Array(total);
  let nc = 0;
  for (let i = 0; i < total; i++) {
    a[i] = Math.imul(ids[i], 0x9e3779b1) ^ (ids[i] >>> 16);
    b[i] = Math.imul(ids2[i] + 0x632be5ab, 0x85ebca77);
    cand[nc++] = i;
  }
  for (let n = 2; n <= maxN; n++) {
    const m = total - n + 1;
    if (m <= 0) break;
    // extend candidates' hashes by their n-th token; drop starts too close to the end
    let k = 0;
    for (let j = 0; j < nc; j++) {
      const i = cand[j];
      if (i >= m) break;
      a[i] = Math.imul(a[i] ^ ids[i + n - 1], 0x9e3779b1) ^ (a[i] >>> 16);
      b[i] = Math.imul(b[i] + ids2[i + n - 1] + 0x632be5ab, 0x85ebca77) ^ (b[i] >>> 13);
      k++;
    }
    nc = k;
    if (nc > 0) {
      counts.reset(nc);
      for (let j = 0; j < nc; j++) {
        const i = cand[j];
        const s = counts.slot(a[i], b[i], i);
        counts.count[s]++;
        slots[i] = s;
      }
    }
    // the n-grams that occur at least twice: the only ones that can repeat, now and at n + 1
    const next = new Int32Array(nc);
    let nn = 0;
    for (let j = 0; j < nc; j++) {
      const i = cand[j];
      if (counts.count[slots[i]] >= 2) next[nn++] = i;
    }
    if (wantTop(n)) {
      // most frequent n-gram, first-seen among ties; all unique: the first n-gram, once
      let best = 1;
      let bestFirst = 0;
      for (let j = 0; j < nn; j++) {
        const s = slots[next[j]];
        const c = counts.count[s];
        const f = counts.first[s];
        if (c > best || (c === best && f < bestFirst)) [best, bestFirst] = [c, f];
      }
      top[n] = best * ngramChars(lens, bestFirst, n);
    }
    if (wantDup(n)) {
      // find_all_duplicate over repeating starts only: a unique n-gram is never seen before nor
      // after, so stepping over it is the same as datatrove's idx += 1
      let chars = 0;
      let from = 0; // first start not jumped over by a previous duplicate
      if (nn > 0) seenTable.reset(nn);
      for (let j = 0; j < nn; j++) {
        const i = next[j];
        if (i < from) continue;
        const s = seenTable.slot(a[i], b[i], i);
        if (seenTable.count[s] > 0) {
          chars += ngramChars(lens, i, n);
          from = i + n;
        } else {
          seenTable.count[s] = 1;
          from = i + 1;
        }
      }
      dup[n] = chars;
    }
    cand = next;
    nc = nn;
  }
  return { top, dup };
}

export function gopherRepetition(doc: Doc, o: GopherRepetitionOptions): true | string {
  const text = doc.text;
  const len = text.length;
  if (len === 0) return true;

  const paragraphs = splitParagraphs(text);
  const [paraDups, paraChars] = findDuplicates(paragraphs);
  if (o.dupParaFrac && paraDups / paragraphs.length > o.dupParaFrac) return 'dup_para_frac';
  if (o.dupParaCharFrac && paraChars / len > o.dupParaCharFrac) return 'dup_para_char_frac';

  // runs of newlines, so blank lines are not counted as duplicated lines (datatrove ≥ 0.3.0)
  const lines = text.split(/\n+/);
  const [lineDups, lineChars] = findDuplicates(lines);
  if (o.dupLineFrac && lines.length && lineDups / lines.length > o.dupLineFrac) return 'dup_line_frac';
  if (o.dupLineCharFrac && lineChars / len > o.dupLineCharFrac) return 'dup_line_char_frac';

  const { ids, ids2, lens } = tokenIds(docTokens(doc));
  const topNs = new Set(o.topNGrams.map(([n]) => n));
  const dupNs = new Set(o.dupNGrams.map(([n]) => n));
  const maxN = Math.max(1, ...topNs, ...dupNs);
  const { top, dup } = ngramSweep(ids, ids2, lens, maxN, (n) => topNs.has(n), (n) => dupNs.has(n));
  // checked in datatrove's order (lists as given), sizes without any n-gram skipped
  for (const [n, frac] of o.topNGrams) {
    if (ids.length >= n && n >= 2 && top[n] / len > frac) return `top_${n}_gram`;
  }
  for (const [n, frac] of o.dupNGrams) {
    if (ids.length >= n && n >= 2 && dup[n] / len > frac) return `duplicated_${n}_n_grams`;
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
