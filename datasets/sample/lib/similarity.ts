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

/** Fraction of words changed between two texts: 1 − LCS(words) / longer length. */
export function editedFraction(a: string, b: string): number {
  const x = words(a.toLowerCase());
  const y = words(b.toLowerCase());
  const dp = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    let prev = 0;
    for (let j = 1; j <= y.length; j++) {
      const tmp = dp[j];
      dp[j] = x[i - 1] === y[j - 1] ? prev + 1 : Math.max(dp[j], dp[j - 1]);
      prev = tmp;
    }
  }
  const n = Math.max(x.length, y.length);
  return n ? 1 - dp[y.length] / n : 0;
}
