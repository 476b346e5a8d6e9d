// End-to-end: the commoncrawl pipeline on the large real-HTML WARC, one task on one worker, so the
// figure is MB/s of WARC per core. Beside it, in the same run: a raw gunzip of the same file (the
// floor any pipeline pays) and the per-stage time breakdown from the run's own stats.
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { runPipeline } from '../engine/executor.ts';
import { WORK_DIR, realWarc, report, timeit } from './lib.ts';

export default async function run(): Promise<void> {
  const warc = await realWarc();
  if (!warc) return;
  const mb = statSync(warc).size / 1e6;
  const gunzip = await timeit(async () => {
    for await (const _ of createReadStream(warc, { highWaterMark: 1 << 20 }).pipe(createGunzip())) void _;
  }, 1);
  const t = performance.now();
  const { stats } = await runPipeline('commoncrawl', { input: [warc], tasks: 1, workers: 1, output: join(WORK_DIR, 'run-e2e'), force: true, progress: 'none' });
  const secs = (performance.now() - t) / 1000;
  const read = stats.phases[0].stages[0];
  const rows: Array<Record<string, string | number>> = [
    { what: 'raw gunzip of the WARC (floor)', 'MB/s of WARC': mb / gunzip, 'docs/s': '', seconds: gunzip },
    { what: 'tokenmill commoncrawl pipeline, end to end', 'MB/s of WARC': mb / secs, 'docs/s': read.docsOut / secs, seconds: secs },
  ];
  const stageRows = stats.phases.flatMap((p) => p.stages.filter((s) => s.timeMs > 0).map((s) => ({ what: `  ${p.name} / ${s.name}`, 'MB/s of WARC': '', 'docs/s': s.docsIn / (s.timeMs / 1000), seconds: s.timeMs / 1000 })));
  report({
    name: 'pipeline',
    title: `End to end, one core: ${warc.split('/').pop()} (${mb.toFixed(1)} MB gzipped, ${read.docsOut} HTML pages)`,
    rows: [...rows, ...stageRows],
    // the documents that reach `pack` (the last phase is the global manifest step, which passes none)
    notes: [`kept ${stats.phases.flatMap((p) => p.stages).find((s) => s.name === 'pack')?.docsIn ?? 0} documents (packed into token shards); goal ≥ 10 MB/s of WARC per core end to end`],
  });
}
