// End to end through the CLI: `tokenmill pipeline commoncrawl` on the embedded sample WARC, checked
// against the sample's MANIFEST (what each planted page is) — spam, copies and foreign-language pages
// go, unique English articles stay, and the run ends with a tokenizer and packed Arrow shards.
import { expect, it, beforeAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe } from 'vitest';
import { ROOT } from '../shared.ts';
import { cli, tempDir } from '../helpers.ts';
import { parquetReader } from '../../engine/readers/parquet.ts';
import { emptyStageStats, sinkFor } from '../../engine/stats.ts';

interface Rec { uri: string; kind: string; language: string }
const manifest = JSON.parse(readFileSync(join(ROOT, 'datasets/sample/MANIFEST.json'), 'utf8')) as { records: Rec[] };
const out = tempDir();
let stats: any;
const kept = new Set<string>();

describe('pnpm pipeline commoncrawl on the embedded sample', () => {
  beforeAll(async () => {
    const r = cli(['pipeline', 'commoncrawl', '--output', out, '--workers', '2', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done in [\d.]+ s/);
    stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    const ctx = { stats: sinkFor(emptyStageStats('r')), log: { info: (_: string) => {}, warn: (_: string) => {} } };
    for (const f of readdirSync(join(out, 'docs')).sort()) for await (const d of parquetReader().read(join(out, 'docs', f), ctx)) kept.add(d.metadata.url as string);
  }, 300_000);

  const stage = (name: string) => stats.phases.flatMap((p: any) => p.stages).find((s: any) => s.name === name);
  const byKind = (k: string) => manifest.records.filter((r) => r.kind.startsWith(k));

  it('reads every record: the corrupt one is counted with its offset, non-HTML and non-200 are skipped', () => {
    const read = stats.phases[0].stages[0];
    expect(read.counters.read_errors).toBe(byKind('corrupt').length);
    expect(read.counters.non_html).toBe(byKind('non_html').length);
    const logs = readdirSync(join(out, 'phases/00-docs/logs')).map((f) => readFileSync(join(out, 'phases/00-docs/logs', f), 'utf8')).join('');
    expect(logs).toMatch(/commoncrawl-sample\.warc\.gz: bad record at byte \d+/);
  });

  it('drops every spam page and every copy, keeps every unique English article', () => {
    for (const r of byKind('spam')) expect(kept.has(r.uri), r.uri).toBe(false);
    for (const r of byKind('exact_dup_of')) expect(kept.has(r.uri) && kept.has(r.kind.slice('exact_dup_of:'.length)), r.uri).toBe(false);
    const near = byKind('near_dup_of').filter((r) => r.language === 'en');
    const nearDropped = near.filter((r) => !(kept.has(r.uri) && kept.has(r.kind.slice('near_dup_of:'.length))));
    expect(nearDropped.length / near.length).toBeGreaterThanOrEqual(0.75);
    const english = manifest.records.filter((r) => r.kind === 'article' && r.language === 'en');
    expect(english.filter((r) => kept.has(r.uri))).toHaveLength(english.length);
    for (const r of manifest.records.filter((x) => x.kind === 'article' && x.language !== 'en')) expect(kept.has(r.uri), r.uri).toBe(false);
    expect(stage('langid').dropped.language_not_kept).toBeGreaterThan(50);
    expect(stage('exact-dedup-filter').dropped.exact_duplicate).toBe(byKind('exact_dup_of').filter((r) => r.language === 'en').length);
  });

  it('ends with a trained tokenizer and packed Arrow shards listed in a manifest', () => {
    const tok = JSON.parse(readFileSync(join(out, 'tokenizer/tokenizer.json'), 'utf8'));
    expect(tok.model.type).toBe('BPE');
    const m = JSON.parse(readFileSync(join(out, 'tokens/manifest.json'), 'utf8'));
    expect(m.shards.length).toBeGreaterThan(0);
    let rows = 0;
    for (const s of m.shards) {
      const t = tableFromIPC(readFileSync(join(out, 'tokens', s.file ?? s.name ?? s.path)));
      expect(t.numRows).toBe(s.rows);
      rows += t.numRows;
    }
    expect(rows).toBeGreaterThan(10);
    const packStats = stage('pack');
    expect(packStats.docsIn).toBe(kept.size);
    expect(stage('tokenize').counters.tokens).toBeGreaterThan(20_000);
  });
});
