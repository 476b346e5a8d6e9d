import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Doc } from '../../../engine/types.ts';
import { exactDedup } from '../../../stages/dedup/exact.ts';
import { urlDedup } from '../../../stages/dedup/url-dedup.ts';
import { lineDedup } from '../../../stages/dedup/line-dedup.ts';
import { normalizeUrl } from '../../../stages/dedup/url.ts';
import { stages } from '../../../stages/dedup/index.ts';
import { describeShared, shared } from '../../shared.ts';
import { tempDir } from '../../helpers.ts';
import { drive, readJsonlDocs } from './driver.ts';
import { rng, vocabulary, randomDoc } from './gen.ts';

const FIX = 'data/dedup/cs336_fixtures';
const NDD = 'data/dedup/ndd_collection_r8_webkb.jsonl';
const kept = (r: { out: Doc[][] }) => r.out.flat().map((d) => d.id).sort();

/** 300 documents, a third of them copies (some with other whitespace/case) of earlier ones, spread over two sources. */
function corpus(): { docs: Doc[]; firstOf: Map<string, string> } {
  const r = rng(3);
  const vocab = vocabulary(500);
  const docs: Doc[] = [];
  const firstOf = new Map<string, string>();
  for (let i = 0; i < 300; i++) {
    let text: string;
    if (i > 10 && r() < 0.33) {
      const src = docs[Math.floor(r() * docs.length)];
      text = r() < 0.5 ? src.text : src.text.replace(/ /g, '  \n');
    } else {
      text = randomDoc(r, vocab, 20).join(' ');
    }
    const source = i % 2 ? 'b.jsonl' : 'a.jsonl';
    docs.push({ id: `d${i}`, text, metadata: { source, offset: i } });
  }
  // Expected kept doc of each whitespace-normalised text: smallest (source, offset).
  const sorted = [...docs].sort((x, y) => (x.metadata.source! < y.metadata.source! ? -1 : x.metadata.source! > y.metadata.source! ? 1 : x.metadata.offset! - y.metadata.offset!));
  for (const d of sorted) {
    const k = d.text.replace(/\s+/g, ' ').trim();
    if (!firstOf.has(k)) firstOf.set(k, d.id);
  }
  return { docs, firstOf };
}

describe('exact-dedup', () => {
  it('is registered with minhash, url-dedup and line-dedup', () => {
    expect(Object.keys(stages).sort()).toEqual(['exact-dedup', 'line-dedup', 'minhash', 'url-dedup']);
    expect(exactDedup().expand!().map((s) => s.name)).toEqual(['exact-dedup-hashes', 'exact-dedup-groups', 'exact-dedup-filter']);
    expect(() => exactDedup({ normalize: 'nfc' } as never).validate!()).toThrow(/stage "exact-dedup": option "normalize"/);
  });

  it('keeps the first copy by (source, offset), the same for 1, 2 and 7 tasks', async () => {
    const { docs, firstOf } = corpus();
    const expected = [...firstOf.values()].sort();
    expect(expected.length).toBeLessThan(docs.length);
    for (const tasks of [1, 2, 7]) {
      const dir = tempDir();
      const r = await drive(exactDedup(), docs, dir, tasks);
      expect(kept(r)).toEqual(expected);
      expect(r.stats.get('exact-dedup-filter')!.dropped.exact_duplicate).toBe(docs.length - expected.length);
      expect(r.stats.get('exact-dedup-groups')!.counters.exact_duplicates).toBe(docs.length - expected.length);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the configured normaliser', async () => {
    const docs: Doc[] = ['Hello  World', 'hello world', 'Héllo, world!', 'Hello World'].map((text, i) => ({ id: `${i}`, text, metadata: { source: 's', offset: i } }));
    const run = async (o: Parameters<typeof exactDedup>[0]) => {
      const dir = tempDir();
      const r = kept(await drive(exactDedup(o), docs, dir, 2));
      rmSync(dir, { recursive: true, force: true });
      return r;
    };
    expect(await run({ normalize: 'none' })).toEqual(['0', '1', '2', '3']);
    expect(await run({ normalize: 'whitespace' })).toEqual(['0', '1', '2']);
    expect(await run({ normalize: 'simple' })).toEqual(['0']);
    expect(await run({ normalizeFn: (t: string) => t.slice(0, 1) })).toEqual(['0', '1']);
  });

  it('a run killed in any phase and rerun gives the same kept set', async () => {
    const { docs, firstOf } = corpus();
    const expected = [...firstOf.values()].sort();
    for (let step = 0; step < 3; step++) {
      const dir = tempDir();
      await expect(drive(exactDedup({ runDocs: 7 }), docs, dir, 3, { crash: { step, rank: 1 } })).rejects.toThrow('injected crash');
      expect(kept(await drive(exactDedup({ runDocs: 7 }), docs, dir, 3))).toEqual(expected);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeShared('exact-dedup on shared data', [`${FIX}/LABELS.json`, NDD], () => {
  it('cs336 exact duplicate pair: doc1 = doc2, 4 kept', async () => {
    const labels = JSON.parse(readFileSync(shared(`${FIX}/LABELS.json`), 'utf8')).minhash_exact_duplicates;
    const dir = shared(`${FIX}/${labels.input_dir}`);
    const docs = readdirSync(dir).sort().map((f) => ({ id: f, text: readFileSync(join(dir, f), 'utf8'), metadata: { source: join(dir, f), offset: 0 } }));
    const run = tempDir();
    const r = await drive(exactDedup(), docs, run, 2);
    expect(kept(r)).toHaveLength(labels.expected_kept_count);
    expect(kept(r)).toContain('doc1.txt');
    expect(r.dropped.map((d) => d.doc.id)).toEqual(['doc2.txt']);
    rmSync(run, { recursive: true, force: true });
  });

  it('cs336 exact line dedup: removes every repeated line, outputs match exactly', async () => {
    const labels = JSON.parse(readFileSync(shared(`${FIX}/LABELS.json`), 'utf8')).exact_line_dedup;
    const read = (sub: string) => {
      const dir = shared(`${FIX}/${sub}`);
      return readdirSync(dir).sort().map((f) => ({ id: f, text: readFileSync(join(dir, f), 'utf8'), metadata: { source: join(dir, f), offset: 0 } }));
    };
    const expected = read(labels.expected_output_dir).map((d) => d.text).sort();
    for (const tasks of [1, 2, 7]) {
      const run = tempDir();
      const r = await drive(lineDedup({ removeAll: true, dropEmpty: false }), read(labels.input_dir), run, tasks);
      expect(r.out.flat().map((d) => d.text).sort()).toEqual(expected);
      rmSync(run, { recursive: true, force: true });
    }
  });

  it('ndd collection: removes exactly the repeated texts, independent of the task count', async () => {
    const docs = readJsonlDocs(shared(NDD), 'doc_id');
    const distinct = new Set(docs.map((d) => d.text.replace(/\s+/g, ' ').trim())).size;
    const sets = [];
    for (const tasks of [1, 7]) {
      const dir = tempDir();
      const r = await drive(exactDedup(), docs, dir, tasks);
      expect(kept(r)).toHaveLength(distinct);
      sets.push(kept(r).join('\n'));
      rmSync(dir, { recursive: true, force: true });
    }
    expect(sets[1]).toBe(sets[0]);
  });
});

describe('line-dedup', () => {
  it('keeps the first occurrence of a repeated line, drops emptied documents', async () => {
    const docs: Doc[] = [
      { id: 'x', text: 'menu\nhome\nunique x\n', metadata: { source: 'b', offset: 0 } },
      { id: 'y', text: 'menu\n  home  \nunique y', metadata: { source: 'a', offset: 5 } },
      { id: 'z', text: 'menu\nhome\n\n', metadata: { source: 'a', offset: 9 } },
    ];
    // runDocs 1: every hash and every removal record is its own sorted run (the spill/merge path).
    for (const [tasks, runDocs] of [[1, 4_000_000], [3, 4_000_000], [2, 1]]) {
      const dir = tempDir();
      const r = await drive(lineDedup({ runDocs }), docs, dir, tasks);
      const texts = Object.fromEntries(r.out.flat().map((d) => [d.id, d.text]));
      expect(texts).toEqual({ x: 'unique x\n', y: 'menu\n  home  \nunique y' });
      expect(r.dropped.map((d) => [d.doc.id, d.reason])).toEqual([['z', 'line_dedup_empty']]);
      expect(r.stats.get('line-dedup-filter')!.counters.line_duplicates).toBe(4);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('url-dedup', () => {
  it('normalises URLs', () => {
    const o = { ignoreScheme: true, stripWww: true, stripQuery: false };
    const same = [
      'https://www.Example.com/a/b/?utm_source=x&q=1&a=2#frag',
      'http://example.com:80/a/b?a=2&q=1',
      'https://example.com/a/b?q=1&a=2&fbclid=zz',
    ].map((u) => normalizeUrl(u, o));
    expect(new Set(same).size).toBe(1);
    expect(normalizeUrl('https://example.com/a/B', o)).not.toBe(same[0]);
    expect(normalizeUrl('https://example.com/', o)).toBe(normalizeUrl('http://www.example.com', o));
    expect(normalizeUrl('not a url', o)).toBe('not a url');
    expect(normalizeUrl('https://x.org/p?b=1', { ...o, stripQuery: true })).toBe('x.org/p');
  });

  const docs: Doc[] = [
    { id: 'a', text: 'short', metadata: { url: 'https://example.com/page', date: '2024-01-01T00:00:00Z', source: 's1', offset: 0 } },
    { id: 'b', text: 'the longest text of all', metadata: { url: 'http://www.example.com/page/', date: '2023-01-01T00:00:00Z', source: 's1', offset: 10 } },
    { id: 'c', text: 'medium text', metadata: { url: 'https://example.com/page#top', date: '2025-06-01T00:00:00Z', source: 's2', offset: 0 } },
    { id: 'd', text: 'other page', metadata: { url: 'https://example.com/other', source: 's2', offset: 5 } },
    { id: 'e', text: 'no url', metadata: { source: 's2', offset: 9 } },
    { id: 'f', text: 'no url', metadata: { source: 's2', offset: 11 } },
  ];

  for (const [keep, winner] of [['longest', 'b'], ['newest', 'c'], ['first', 'a']] as const) {
    it(`keeps the ${keep} document per URL for 1, 2 and 7 tasks`, async () => {
      for (const tasks of [1, 2, 7]) {
        const dir = tempDir();
        const r = await drive(urlDedup({ keep }), docs, dir, tasks);
        expect(kept(r)).toEqual([winner, 'd', 'e', 'f'].sort());
        expect(r.dropped.every((d) => d.reason === 'url_duplicate')).toBe(true);
        expect(r.stats.get('url-dedup-hashes')!.counters.url_unhashed).toBe(2);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('keeps the highest priorityField value', async () => {
    const withScore = docs.map((d, i) => ({ ...d, metadata: { ...d.metadata, score: i === 0 ? 0.9 : 0.1 } }));
    const dir = tempDir();
    expect(kept(await drive(urlDedup({ priorityField: 'score' }), withScore, dir, 2))).toEqual(['a', 'd', 'e', 'f']);
    rmSync(dir, { recursive: true, force: true });
  });
});
