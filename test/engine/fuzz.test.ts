// Seeded fuzzing of every reader (and the extractor when present): random byte flips, truncations,
// insertions and duplicated spans of real files. No case may crash or hang; every failure must be
// counted (read_errors) with a log line naming the file and a byte offset or line.
import { expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describeShared, shared } from '../shared.ts';
import { tempDir } from '../helpers.ts';
import { readerFor } from '../../engine/readers/index.ts';
import { parquetWriter } from '../../engine/writers/parquet.ts';
import { emptyStageStats, sinkFor } from '../../engine/stats.ts';
import type { Doc, Reader } from '../../engine/types.ts';
import { mutate, rng } from '../fuzz-lib.ts';

async function readSafely(reader: Reader, file: string) {
  const stats = emptyStageStats('read');
  const warnings: string[] = [];
  const ctx = { stats: sinkFor(stats), log: { info: (_m: string) => {}, warn: (m: string) => void warnings.push(m) } };
  const docs: Doc[] = [];
  const t = performance.now();
  for await (const d of reader.read(file, ctx)) docs.push(d);
  return { docs, errors: stats.counters.read_errors ?? 0, warnings, ms: performance.now() - t };
}

describeShared('fuzzed inputs', 'data/warc', () => {
  const dir = tempDir('tokenmill-fuzz-');

  it('10,000+ mutated WARC, gzip, JSONL and Parquet inputs: no crash, no hang, every failure counted with a location', async () => {
    const seeds: Array<{ name: string; bytes: Buffer }> = [];
    for (const f of ['other/warcio_example.warc.gz', 'other/warcio_example.warc', 'commoncrawl/cc-main-2024-22_whirlwind.warc.gz', 'other/warcio_example-iana.org-chunked.warc', 'other/warcio_example.arc.gz']) {
      seeds.push({ name: f.split('/').pop()!, bytes: readFileSync(shared(`data/warc/${f}`)) });
    }
    // JSONL, gzipped JSONL and Parquet made from real documents.
    const docs: Doc[] = [];
    for await (const d of readerFor('x.warc.gz').read(shared('data/warc/commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz'), { stats: sinkFor(emptyStageStats('r')), log: { info: () => {}, warn: () => {} } })) {
      docs.push({ id: d.id, text: new TextDecoder().decode(d.raw).slice(0, 3000), metadata: { url: d.metadata.url } });
      if (docs.length === 12) break;
    }
    const jsonl = Buffer.from(docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    seeds.push({ name: 'docs.jsonl', bytes: jsonl }, { name: 'docs.jsonl.gz', bytes: gzipSync(jsonl) });
    const pq = join(dir, 'seed.parquet');
    const sink = await parquetWriter({ rowGroupSize: 4 }).open(pq);
    for (const d of docs) await sink.write(d);
    await sink.close();
    seeds.push({ name: 'docs.parquet', bytes: readFileSync(pq) });

    const r = rng(20261124);
    const perSeed = Math.ceil(10_000 / seeds.length);
    let cases = 0;
    let failures = 0;
    let slowest = 0;
    for (const seed of seeds) {
      const file = join(dir, `case-${seed.name}`);
      const reader = readerFor(file);
      for (let i = 0; i < perSeed; i++) {
        writeFileSync(file, mutate(seed.bytes, r));
        const res = await readSafely(reader, file);
        cases++;
        slowest = Math.max(slowest, res.ms);
        if (res.errors > 0) {
          failures++;
          // Every counted failure has a log line with the file and a byte offset / line / row.
          const located = res.warnings.filter((w) => w.includes(file) && /(byte \d+|:\d+:|row \d+|after line \d+|after row \d+|not a readable Parquet)/.test(w));
          expect(located.length, `${seed.name} case ${i}: ${res.warnings.join(' | ')}`).toBeGreaterThan(0);
        }
      }
    }
    expect(cases).toBeGreaterThanOrEqual(10_000);
    // The mutations are real: a good share of the cases must have hit errors.
    expect(failures).toBeGreaterThan(cases / 10);
    // No hang: every case finished, and none took more than a few seconds.
    expect(slowest).toBeLessThan(5000);
  }, 600_000);

  it('mutated HTML through the extractor: every page yields a result within its time budget', async () => {
    const htmlStage = join(__dirname, '..', '..', 'stages', 'html', 'extract.ts');
    if (!existsSync(htmlStage)) {
      console.log('skipping HTML fuzz: stages/html/extract.ts is absent');
      return;
    }
    const { registry } = await import('../../stages/registry.ts');
    const extract = registry.extract;
    expect(extract).toBeDefined();
    const { makeTaskContext } = await import('../../engine/context.ts');
    const ctx = makeTaskContext({ runDir: dir });
    const step = extract({});
    if (step.kind !== 'stage') throw new Error('extract is not a stage');
    const proc = await step.open(ctx);
    const pages: Buffer[] = [];
    for await (const d of readerFor('x.warc.gz').read(shared('data/warc/commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz'), { stats: sinkFor(emptyStageStats('r')), log: { info: () => {}, warn: () => {} } })) {
      pages.push(Buffer.from(d.raw!));
    }
    const r = rng(7);
    let slowest = 0;
    for (let i = 0; i < 1000; i++) {
      const raw = mutate(pages[i % pages.length], r);
      const t = performance.now();
      const out = await proc.process({ id: `p${i}`, text: '', raw, metadata: { contentType: 'text/html' } });
      slowest = Math.max(slowest, performance.now() - t);
      expect(typeof out === 'string' || typeof out.text === 'string').toBe(true);
    }
    expect(slowest).toBeLessThan(5000);
  }, 600_000);
});
