// Real pages: the CS336 high-quality page survives FineWeb's filter chain; the low-quality one
// survives it too (as in datatrove: no heuristic rule fires on it) and is dropped only by mC4's
// paragraph rule; CCNet-processed Common Crawl documents mostly pass.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeShared, shared } from '../../shared.ts';
import { makeTaskContext } from '../../../engine/context.ts';
import type { Doc, DocProcessor, Stage } from '../../../engine/types.ts';
import { c4ParagraphFilter, fineWebFilters } from '../../../stages/filters/index.ts';

async function openChain(stages: Stage[]): Promise<Array<[string, DocProcessor]>> {
  return Promise.all(stages.map(async (s) => [s.name, await s.open(makeTaskContext({ runDir: '/tmp/tm-filters-real', stageName: s.name }))] as [string, DocProcessor]));
}

/** Run a document through a chain: the kept doc, or "<stage>:<reason>". */
async function runChain(chain: Array<[string, DocProcessor]>, d: Doc): Promise<Doc | string> {
  for (const [name, p] of chain) {
    const r = await p.process(d);
    if (typeof r === 'string') return `${name}:${r}`;
    d = r;
  }
  return d;
}

const CS336 = 'data/quality/cs336_quality_classifier_real.jsonl';

describeShared('CS336 real high/low quality pages', CS336, () => {
  const rows = readFileSync(shared(CS336), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; expected_keep: boolean });
  const high = rows.find((r) => r.expected_keep)!;
  const low = rows.find((r) => !r.expected_keep)!;

  it('keeps the high-quality page through the FineWeb chain (blank lines are not duplicate lines)', async () => {
    const r = await runChain(await openChain(fineWebFilters()), { id: 'high', text: high.text, metadata: {} });
    expect(typeof r === 'string' ? r : r.metadata.language).toBe('en');
  });

  it("FineWeb's heuristic chain keeps the low-quality page, as datatrove's would: it passes every rule (the CS336 fixture is for a quality classifier)", async () => {
    // 121 tokens, 106 words of mean length 5.4, 83.5% with a letter (>= 80%), 8 stop words, lid.176
    // en 0.81, 5 of 12 lines end in punctuation, no repeated lines or n-grams: no heuristic fires
    const r = await runChain(await openChain(fineWebFilters()), { id: 'low', text: low.text, metadata: {} });
    expect(typeof r).toBe('object');
    expect((r as Doc).metadata.language).toBe('en');
  });

  it("drops the low-quality page (phpBB footer: no three 200-char paragraphs) with mC4's paragraph rule, keeps the high one", async () => {
    const chain = await openChain([...fineWebFilters(), c4ParagraphFilter()]);
    expect(await runChain(chain, { id: 'low', text: low.text, metadata: {} })).toBe('c4-paragraph:< 3 paragraphs');
    expect(typeof (await runChain(chain, { id: 'high', text: high.text, metadata: {} }))).toBe('object');
  });
});

const CCNET = ['data/quality/dolma_ccnet_cc_en_head-0091.jsonl.gz', 'data/quality/dolma_ccnet_cc_en_head-0174.jsonl.gz'];

describeShared('CCNet-processed Common Crawl documents (pass-rate sanity)', CCNET, () => {
  const docs: Doc[] = CCNET.flatMap((f) =>
    gunzipSync(readFileSync(shared(f)))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l, i) => {
        const j = JSON.parse(l) as { id: string; text: string; metadata: { url: string; language: string; language_score: number } };
        return { id: `${f}:${i}`, text: j.text, metadata: { url: j.metadata.url, ccnetLanguage: j.metadata.language, ccnetScore: j.metadata.language_score } };
      }),
  );

  it('has the 20 documents', () => expect(docs).toHaveLength(20));

  it('FineWeb chain keeps most of them (CCNet "head" = cleanest bucket) and drops only short or sentence-poor ones', async () => {
    const chain = await openChain(fineWebFilters());
    const results = await Promise.all(docs.map((d) => runChain(chain, structuredClone(d))));
    const kept = results.filter((r) => typeof r !== 'string') as Doc[];
    const dropped = results.filter((r): r is string => typeof r === 'string');
    expect(kept.length / docs.length).toBeGreaterThanOrEqual(0.6);
    expect(kept.length).toBeLessThan(docs.length); // some pages of 300-800 chars must not pass C4's 5 sentences
    for (const r of dropped) expect(r).toMatch(/^(gopher-quality|c4-quality|gopher-repetition|fineweb-quality):/);
    // our lid.176 agrees with CCNet's own lid.176 labels
    for (const d of kept) {
      expect(d.metadata.language).toBe(d.metadata.ccnetLanguage);
      expect(Math.abs((d.metadata.languageScore as number) - (d.metadata.ccnetScore as number))).toBeLessThan(0.15);
    }
  });
});
