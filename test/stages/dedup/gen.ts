// Generated document pairs with a known word 5-gram Jaccard similarity, shared by tests and bench.
import { words } from '../../../stages/text/words.ts';
import { simplify } from '../../../stages/dedup/normalize.ts';
import { rng } from '../../rng.ts';
export { rng };


const SYL = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vi', 'nu', 'pe', 'dor', 'el', 'qua', 'zi', 'bo', 'fen', 'gu', 'ha', 'ir', 'jo', 'wy'];

/** A vocabulary of pseudo-words (1–5 syllables: up to ~3.4M distinct). */
export function vocabulary(n: number, seed = 7): string[] {
  if (n > 1_000_000) throw new Error('vocabulary: at most 1,000,000 words');
  const r = rng(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const k = 1 + Math.floor(r() * 5);
    let w = '';
    for (let i = 0; i < k; i++) w += SYL[Math.floor(r() * SYL.length)];
    out.add(w);
  }
  return [...out];
}

export function randomDoc(r: () => number, vocab: string[], nWords: number): string[] {
  return Array.from({ length: nWords }, () => vocab[Math.floor(r() * vocab.length)]);
}

/** Copy with each word replaced by a random word with probability `rate`. */
export function mutate(r: () => number, doc: string[], vocab: string[], rate: number): string[] {
  return doc.map((w) => (r() < rate ? vocab[Math.floor(r() * vocab.length)] : w));
}

/** Exact Jaccard of word n-gram sets after the same normalisation as the MinHash stage. */
export function exactJaccard(a: string, b: string, n = 5): number {
  const set = (t: string) => {
    const ws = words(simplify(t));
    const s = new Set<string>();
    for (let i = 0; i + n <= ws.length; i++) s.add(ws.slice(i, i + n).join(' '));
    return s;
  };
  const A = set(a);
  const B = set(b);
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter);
}

/**
 * Pairs whose exact Jaccard spreads over [lo, hi]: the edit rate for a target similarity s of
 * 5-grams is about 1 - ((2s/(1+s)))^(1/5) (each edit breaks the 5 shingles covering it).
 */
export function jaccardPairs(count: number, lo: number, hi: number, nWords = 300, seed = 11): Array<{ a: string; b: string; j: number }> {
  const r = rng(seed);
  const vocab = vocabulary(5000, seed + 1);
  const out = [];
  for (let i = 0; i < count; i++) {
    const target = lo + ((hi - lo) * (i + 0.5)) / count;
    const rate = 1 - Math.pow((2 * target) / (1 + target), 1 / 5);
    const base = randomDoc(r, vocab, nWords);
    const a = base.join(' ');
    const b = mutate(r, base, vocab, rate).join(' ');
    out.push({ a, b, j: exactJaccard(a, b) });
  }
  return out;
}
