// The dedup stages driven by the real engine (plan → phases with barriers → inline tasks).
import { expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePipeline, planFor } from '../../../engine/plan.ts';
import { executePlan } from '../../../engine/executor.ts';
import { jsonlReader } from '../../../engine/readers/jsonl.ts';
import { jsonlWriter } from '../../../engine/writers/jsonl.ts';
import { exactDedup, minhash } from '../../../stages/dedup/index.ts';
import { describeShared, shared } from '../../shared.ts';
import { tempDir } from '../../helpers.ts';

const NDD = 'data/dedup/ndd_collection_r8_webkb.jsonl';

describeShared('exact + minhash dedup through the engine', NDD, () => {
  const dir = tempDir();
  // Three input files, so task counts 1 and 3 shard them differently.
  const lines = readFileSync(shared(NDD), 'utf8').split('\n').filter(Boolean);
  const inputs = [0, 1, 2].map((k) => {
    const p = join(dir, `part${k}.jsonl`);
    writeFileSync(p, lines.filter((_, i) => i % 3 === k).map((l) => {
      const r = JSON.parse(l);
      return JSON.stringify({ id: r.doc_id, text: r.text, metadata: { ndd_group: r.ndd_group } });
    }).join('\n') + '\n');
    return p;
  });

  const run = async (tasks: number, out: string, crashAfterDocs?: number) => {
    const p = definePipeline({
      name: 'dedup-test',
      input: { paths: inputs, reader: jsonlReader() },
      output: jsonlWriter({ gzip: false }),
      outputDir: join(dir, out),
      tasks,
      workers: 0,
      stages: [exactDedup(), minhash({ clusterMetadata: true })],
    });
    const { plan, built } = await planFor(p, '<test>', {}, dir);
    return executePlan(plan, built, { progress: 'none', crashAfterDocs });
  };
  const keptIds = (out: string) =>
    readdirSync(join(dir, out, 'docs'))
      .flatMap((f) => readFileSync(join(dir, out, 'docs', f), 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l).id as string)
      .sort();

  it('keeps the same documents for 1 and 3 tasks, and after a crash + rerun', async () => {
    const one = await run(1, 'one');
    await run(3, 'three');
    expect(keptIds('one').length).toBeLessThan(lines.length);
    expect(keptIds('three')).toEqual(keptIds('one'));
    const dropped = Object.fromEntries(one.stats.phases.flatMap((ph) => ph.stages).flatMap((s) => Object.entries(s.dropped)));
    expect(dropped.exact_duplicate).toBeGreaterThan(0);
    expect(dropped.minhash_duplicate).toBeGreaterThan(0);
    expect(keptIds('one').length).toBe(lines.length - dropped.exact_duplicate - dropped.minhash_duplicate);

    await expect(run(3, 'crash', 100)).rejects.toThrow(/failed/);
    await run(3, 'crash');
    expect(keptIds('crash')).toEqual(keptIds('one'));
    rmSync(dir, { recursive: true, force: true });
  });
});
