// Gopher repetition rules (Rae et al. 2021, table A1) with datatrove's GopherRepetitionFilter
// defaults, order and reasons. N-grams are hashed over interned token ids instead of joined strings;
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

/** Token ids (interned per document) and lengths. */
function intern(tokens: string[]): { ids: Int32Array; lens: Int32Array } {
  const map = new Map<string, number>();
  const ids = new Int32Array(tokens.length);
  const lens = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    let id = map.get(t);
    if (id === undefined) map.set(t, (id = map.size));
    ids[i] = id;
    lens[i] = t.length;
  }
  return { ids, lens };
}

/** 53-bit hash of the n-gram starting at i (two 32-bit multiplicative lanes). */
function ngramKey(ids: Int32Array, i: number, n: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let k = i; k < i + n; k++) {
    a = Math.imul(a ^ ids[k], 0x9e3779b1);
    b = Math.imul(b + ids[k], 0x85ebca77) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

function ngramChars(lens: Int32Array, i: number, n: number): number {
  let c = n - 1;
  for (let k = i; k < i + n; k++) c += lens[k];
  return c;
}

/** Characters of the most frequent n-gram times its count (first-seen wins ties, as Counter.most_common). */
export function topNGramChars(ids: Int32Array, lens: Int32Array, n: number): number {
  const count = new Map<number, number>();
  const firstAt = new Map<number, number>();
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ngramKey(ids, i, n);
    const c = count.get(key);
    if (c === undefined) {
      count.set(key, 1);
      firstAt.set(key, i);
    } else count.set(key, c + 1);
  }
  let best = 0;
  let bestKey = 0;
  for (const [key, c] of count) {
    if (c > best) {
      best = c;
      bestKey = key;
    }
  }
  return best === 0 ? 0 : best * ngramChars(lens, firstAt.get(bestKey)!, n);
}

/** datatrove's find_all_duplicate: characters of repeated n-grams, skipping past each repeat. */
export function duplicateNGramChars(ids: Int32Array, lens: Int32Array, n: number): number {
  const seen = new Set<number>();
  const last = ids.length - n;
  let chars = 0;
  let i = 0;
  while (i <= last) {
    const key = ngramKey(ids, i, n);
    if (seen.has(key)) {
      chars += ngramChars(lens, i, n);
      i += n;
    } else {
      seen.add(key);
      i++;
    }
  }
  return chars;
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

  const { ids, lens } = intern(docTokens(doc));
  for (const [n, frac] of o.topNGrams) {
    if (ids.length < n) continue;
    if (topNGramChars(ids, lens, n) / len > frac) return `top_${n}_gram`;
  }
  for (const [n, frac] of o.dupNGrams) {
    if (ids.length < n) continue;
    const chars = duplicateNGramChars(ids, lens, n);
    if (chars / len > frac) return `duplicated_${n}_n_grams`;
    // no repeated n-gram means no repeated longer n-gram either
    if (chars === 0) break;
  }
  return true;
}

export const gopherRepetitionFilter = defineFilter({
  name: 'gopher-repetition',
  defaults: gopherRepetitionDefaults,
  validate(o) {
    const pairs = (v: unknown) => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && p[0] > 0 && typeof p[1] === 'number');
    check(pairs(o.topNGrams), 'gopher-repetition', 'topNGrams', 'must be a list of [n, fraction] pairs');
    check(pairs(o.dupNGrams), 'gopher-repetition', 'dupNGrams', 'must be a list of [n, fraction] pairs');
  },
  filter: (doc, o) => gopherRepetition(doc, o),
});
