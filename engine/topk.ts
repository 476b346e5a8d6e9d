// A bounded, mergeable top-k counter (Misra–Gries summary; Agarwal et al., "Mergeable Summaries",
// 2012) for things like "documents per domain" where a plain counter per key would grow without
// bound. The runtime records `topk.domain` of the written documents; `tokenmill stats` reads it.
//
// Guarantee: for every item, est(x) <= true(x) <= est(x) + (n - sum(items)) / (k + 1), where
// est(x) = items[x] or 0 — so every item more frequent than n / (k + 1) is present. Merging two
// summaries keeps the guarantee over the union. Updates are amortised O(1): the table holds up to
// 2k entries and is pruned back to k (subtracting the (k+1)-th largest count from all) when full.

export interface TopK {
  kind: 'misra-gries';
  /** Entries kept after each prune. */
  k: number;
  /** Total count added (including what pruning took away). */
  n: number;
  items: Record<string, number>;
}

export function emptyTopK(k = 1000): TopK {
  return { kind: 'misra-gries', k, n: 0, items: {} };
}

/** Subtract the (k+1)-th largest count from every entry and drop those left at <= 0. */
function prune(t: TopK): void {
  const keys = Object.keys(t.items);
  if (keys.length <= t.k) return;
  const counts = keys.map((x) => t.items[x]).sort((a, b) => b - a);
  const cut = counts[t.k];
  const items: Record<string, number> = {};
  for (const x of keys) {
    const v = t.items[x] - cut;
    if (v > 0) items[x] = v;
  }
  t.items = items;
}

export function topkAdd(t: TopK, item: string, count = 1): void {
  t.n += count;
  t.items[item] = (t.items[item] ?? 0) + count;
  // Prune only at 2k entries: amortised O(1) per add.
  if (t.items[item] === count && Object.keys(t.items).length > 2 * t.k) prune(t);
}

/** Merge b into a copy of a (k = the smaller of the two). */
export function topkMerge(a: TopK, b: TopK): TopK {
  const out: TopK = { kind: 'misra-gries', k: Math.min(a.k, b.k), n: a.n + b.n, items: { ...a.items } };
  for (const [x, v] of Object.entries(b.items)) out.items[x] = (out.items[x] ?? 0) + v;
  prune(out);
  return out;
}

/** The largest entries, with the bound on how much each may be undercounted. */
export function topkList(t: TopK, limit = 25): { items: Array<{ item: string; count: number }>; maxError: number } {
  prune(t);
  const kept = Object.values(t.items).reduce((a, b) => a + b, 0);
  const items = Object.entries(t.items)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, limit)
    .map(([item, count]) => ({ item, count }));
  return { items, maxError: Math.floor((t.n - kept) / (t.k + 1)) };
}
