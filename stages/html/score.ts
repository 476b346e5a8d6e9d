// The article-extraction-benchmark metric (../shared/README.md): tokens = \w+ (Unicode),
// lowercased; shingles = 4-grams of tokens; precision/recall/F1 of the shingle sets.

const WORD = /[\p{L}\p{N}\p{M}\p{Pc}]+/gu;

export function shingles(text: string, n = 4): Set<string> {
  const toks = text.toLowerCase().match(WORD) ?? [];
  const out = new Set<string>();
  if (toks.length > 0 && toks.length < n) out.add(toks.join(' '));
  for (let i = 0; i + n <= toks.length; i++) out.add(toks.slice(i, i + n).join(' '));
  return out;
}

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

/** Shingle precision/recall/F1 of `predicted` against `truth`. */
export function shingleScore(predicted: string, truth: string): PRF {
  const p = shingles(predicted);
  const t = shingles(truth);
  if (p.size === 0 && t.size === 0) return { precision: 1, recall: 1, f1: 1 };
  let common = 0;
  for (const s of p) if (t.has(s)) common++;
  const precision = p.size ? common / p.size : 0;
  const recall = t.size ? common / t.size : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Jaccard similarity of the 4-gram shingle sets (for comparing with Common Crawl's WET text). */
export function shingleJaccard(a: string, b: string): number {
  const x = shingles(a);
  const y = shingles(b);
  if (x.size === 0 && y.size === 0) return 1;
  let common = 0;
  for (const s of x) if (y.has(s)) common++;
  return common / (x.size + y.size - common);
}
