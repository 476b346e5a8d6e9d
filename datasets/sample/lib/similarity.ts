// 5-gram word-shingle Jaccard, the measure MinHash dedup approximates (datatrove's default n=5).
import { words } from '../../../stages/text/words.ts';

export function shingles(text: string, n = 5): Set<string> {
  const w = words(text.toLowerCase());
  const out = new Set<string>();
  if (w.length < n) {
    if (w.length) out.add(w.join(' '));
    return out;
  }
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(' '));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const s of small) if (big.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}
