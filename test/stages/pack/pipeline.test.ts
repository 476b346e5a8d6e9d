// The pack stage through the engine: worker threads, temp names committed per task, the
// pack-manifest phase after the barrier, stats merged into stats.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describeShared, shared, ROOT } from '../../shared.ts';
import { runPipeline } from '../../../engine/executor.ts';
import { readManifest, verifyShard } from '../../../datasets/manifest.ts';

describeShared('pack in a pipeline run', 'data/html_extraction/ground-truth.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'packrun-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends with verified shards + manifest after the barrier; tokens conserved in stats.json', async () => {
    const gt = JSON.parse(readFileSync(shared('data/html_extraction/ground-truth.json'), 'utf8')) as Record<string, { articleBody: string }>;
    const docs = Object.entries(gt).map(([id, v]) => ({ id, text: v.articleBody }));
    const inputs = [0, 1].map((k) => {
      const p = join(dir, `in-${k}.jsonl`);
      writeFileSync(p, docs.filter((_, i) => i % 2 === k).map((d) => JSON.stringify(d)).join('\n') + '\n');
      return p;
    });
    const run = join(dir, 'run');
    const { stats } = await runPipeline(join(ROOT, 'test/stages/pack/pipeline.ts'), { input: inputs, output: run, tasks: 2, workers: 2, progress: 'none' });
    const m = readManifest(join(run, 'tokens'));
    const total = docs.reduce((a, d) => a + encode(d.text).length, 0);
    expect(m.tokens).toBe(total + docs.length);
    expect(m.shards.length).toBeGreaterThan(2);
    expect(new Set(m.shards.map((s) => s.file.slice(0, 11)))).toEqual(new Set(['shard-00000', 'shard-00001']));
    for (const s of m.shards) await verifyShard(join(run, 'tokens', s.file), s);
    expect(readdirSync(join(run, 'tokens')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const packStats = stats.phases.flatMap((p) => p.stages).find((s) => s.name === 'pack')!;
    expect(packStats.tokensIn).toBe(total);
    expect(packStats.counters.tokens_out).toBe(total + docs.length + packStats.counters.pad_tokens);
    expect(packStats.tokensOut).toBe(packStats.counters.tokens_out);
    expect(packStats.counters.rows).toBe(m.rows);
    expect(stats.phases.map((p) => p.name).some((n) => n.includes('pack-manifest'))).toBe(true);
    expect(existsSync(join(run, 'docs'))).toBe(true);
  }, 120_000);
});
