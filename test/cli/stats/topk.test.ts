// The bounded top-k counter on real hosts: every URL of the reference WARC manifest and the CCNet
// sample, against exact counts. k is small so that pruning really happens.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeShared, shared } from '../../shared.ts';
import { emptyTopK, topkAdd, topkList, topkMerge, type TopK } from '../../../engine/topk.ts';

function realHosts(): string[] {
  const m = JSON.parse(readFileSync(shared('data/warc/warcio_reference_manifest.json'), 'utf8')) as Record<string, { records?: Array<{ target_uri: string | null }> }>;
  const urls = Object.values(m).flatMap((f) => (f.records ?? []).map((r) => r.target_uri).filter((u): u is string => !!u));
  for (const f of ['dolma_ccnet_cc_en_head-0091.jsonl.gz', 'dolma_ccnet_cc_en_head-0174.jsonl.gz']) {
    const lines = gunzipSync(readFileSync(shared(`data/quality/${f}`))).toString('utf8').split('\n').filter(Boolean);
    urls.push(...lines.map((l) => (JSON.parse(l) as { id: string }).id));
  }
  return urls.flatMap((u) => {
    try {
      return [new URL(u.trim().replace(/^<|>$/g, '')).hostname];
    } catch {
      return [];
    }
  });
}

function check(t: TopK, hosts: string[]): void {
  const exact = new Map<string, number>();
  for (const h of hosts) exact.set(h, (exact.get(h) ?? 0) + 1);
  const { items, maxError } = topkList(t, Infinity);
  expect(t.n).toBe(hosts.length);
  expect(Object.keys(t.items).length).toBeLessThanOrEqual(t.k);
  expect(maxError).toBeLessThanOrEqual(hosts.length / (t.k + 1));
  const est = new Map(items.map((x) => [x.item, x.count]));
  for (const [h, n] of exact) {
    const e = est.get(h) ?? 0;
    expect(e).toBeLessThanOrEqual(n);
    expect(n).toBeLessThanOrEqual(e + maxError);
    if (n > hosts.length / (t.k + 1)) expect(est.has(h), h).toBe(true);
  }
}

describeShared('bounded top-k (Misra–Gries) on real hosts', ['data/warc/warcio_reference_manifest.json', 'data/quality/dolma_ccnet_cc_en_head-0091.jsonl.gz'], () => {
  const hosts = realHosts();

  it('the real data has many distinct hosts and a skewed head', () => {
    expect(hosts.length).toBeGreaterThan(150);
    expect(new Set(hosts).size).toBeGreaterThan(40);
  });

  it('one summary: counts within the bound, every frequent host present', () => {
    for (const k of [4, 8, 32]) {
      const t = emptyTopK(k);
      for (const h of hosts) topkAdd(t, h);
      check(t, hosts);
      expect(topkList(t).maxError).toBeGreaterThan(0); // pruning happened: far more hosts than k
    }
    // Large k: exact.
    const t = emptyTopK(10_000);
    for (const h of hosts) topkAdd(t, h);
    expect(topkList(t).maxError).toBe(0);
  });

  it('merged summaries of task shards keep the guarantee, whatever the split', () => {
    for (const parts of [2, 3, 7]) {
      const tasks = Array.from({ length: parts }, () => emptyTopK(8));
      hosts.forEach((h, i) => topkAdd(tasks[i % parts], h));
      const merged = tasks.reduce((a, b) => topkMerge(a, b));
      check(merged, hosts);
      // JSON round trip (stats files) changes nothing.
      check(JSON.parse(JSON.stringify(merged)) as TopK, hosts);
    }
  });
});
