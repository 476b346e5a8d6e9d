// Document I/O between phases: gzip-JSONL (what the engine uses for intermediates) beside Parquet
// via parquetjs-lite (the final document format), writing and reading the same real documents.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { iterWarcRecords } from '../engine/readers/warc-records.ts';
import { jsonlWriter } from '../engine/writers/jsonl.ts';
import { parquetWriter } from '../engine/writers/parquet.ts';
import { jsonlReader } from '../engine/readers/jsonl.ts';
import { parquetReader } from '../engine/readers/parquet.ts';
import { emptyStageStats, sinkFor } from '../engine/stats.ts';
import type { Doc, Writer, Reader } from '../engine/types.ts';
import { WORK_DIR, realWarc, report, timeit } from './lib.ts';

export default async function run(): Promise<void> {
  const warc = await realWarc();
  if (!warc) return;
  const docs: Doc[] = [];
  const dec = new TextDecoder();
  for await (const r of iterWarcRecords(warc, { errors: [] })) {
    if (r.type !== 'response') continue;
    docs.push({ id: r.recordId ?? String(r.offset), text: dec.decode(r.payload).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' '), metadata: { url: r.targetUri ?? undefined, date: r.date ?? undefined } });
    if (docs.length === 3000) break;
  }
  const mb = docs.reduce((a, d) => a + Buffer.byteLength(d.text), 0) / 1e6;
  const dir = join(WORK_DIR, 'docs-io');
  mkdirSync(dir, { recursive: true });
  const ctx = { stats: sinkFor(emptyStageStats('r')), log: { info: () => {}, warn: () => {} } };
  const rows = [];
  for (const [name, writer, reader] of [['gzip-JSONL level 1 (intermediates)', jsonlWriter({ gzip: true, level: 1 }), jsonlReader()], ['gzip-JSONL level 6', jsonlWriter({ gzip: true }), jsonlReader()], ['Parquet (parquetjs-lite)', parquetWriter(), parquetReader()]] as Array<[string, Writer, Reader]>) {
    const file = join(dir, `docs${writer.extension}`);
    const w = await timeit(async () => {
      const s = await writer.open(file);
      for (const d of docs) await s.write(d);
      await s.close();
    }, 2);
    const r = await timeit(async () => {
      for await (const _ of reader.read(file, ctx)) void _;
    }, 2);
    rows.push({ format: name, 'write MB/s': mb / w, 'read MB/s': mb / r, 'file MB': statSync(file).size / 1e6 });
  }
  rmSync(dir, { recursive: true, force: true });
  report({ name: 'docs-io', title: `Document I/O, one core: ${docs.length} real pages, ${mb.toFixed(1)} MB of text`, rows });
}
