// Documents written as Parquet are readable by an independent reader (hyparquet) and by our own
// reader, with every field intact; JSONL round-trips too.
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describeShared, shared } from '../../shared.ts';
import { tempDir } from '../../helpers.ts';
import { warcReader } from '../../../engine/readers/warc.ts';
import { parquetReader } from '../../../engine/readers/parquet.ts';
import { jsonlReader } from '../../../engine/readers/jsonl.ts';
import { parquetWriter } from '../../../engine/writers/parquet.ts';
import { jsonlWriter } from '../../../engine/writers/jsonl.ts';
import { emptyStageStats, sinkFor } from '../../../engine/stats.ts';
import type { Doc } from '../../../engine/types.ts';

const ctx = () => ({ stats: sinkFor(emptyStageStats('read')), log: { info: (_m: string) => {}, warn: (_m: string) => {} } });

async function realDocs(): Promise<Doc[]> {
  const docs: Doc[] = [];
  const dec = new TextDecoder();
  for await (const d of warcReader().read(shared('data/warc/commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz'), ctx())) {
    docs.push({ id: d.id, text: dec.decode(d.raw).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim(), metadata: { ...d.metadata, language: 'xx', score: 0.5 } });
  }
  return docs;
}

describeShared('document writers', 'data/warc/commoncrawl', () => {
  it('Parquet: hyparquet reads back every id, text, url and metadata', async () => {
    const docs = await realDocs();
    expect(docs.length).toBeGreaterThan(10);
    const file = join(tempDir(), 'docs.parquet');
    const sink = await parquetWriter({ rowGroupSize: 7 }).open(file);
    for (const d of docs) await sink.write(d);
    await sink.close();

    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const rows = (await parquetReadObjects({ file: ab, compressors })) as Array<Record<string, string>>;
    expect(rows.length).toBe(docs.length);
    rows.forEach((r, i) => {
      expect(r.id).toBe(docs[i].id);
      expect(r.text).toBe(docs[i].text);
      expect(r.url).toBe(docs[i].metadata.url);
      expect(r.language).toBe('xx');
      expect(JSON.parse(r.metadata)).toEqual(docs[i].metadata);
    });

    const back: Doc[] = [];
    for await (const d of parquetReader().read(file, ctx())) back.push(d);
    expect(back.map((d) => [d.id, d.text, d.metadata])).toEqual(docs.map((d) => [d.id, d.text, d.metadata]));
  });

  it('JSONL.gz round-trips; a bad line is counted with file:line and skipped', async () => {
    const docs = (await realDocs()).slice(0, 5);
    const file = join(tempDir(), 'docs.jsonl.gz');
    const sink = await jsonlWriter({ gzip: true }).open(file);
    for (const d of docs) await sink.write(d);
    await sink.close();
    const back: Doc[] = [];
    for await (const d of jsonlReader().read(file, ctx())) back.push(d);
    expect(back.map((d) => d.text)).toEqual(docs.map((d) => d.text));

    const bad = join(tempDir(), 'bad.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, `{"text":"ok one"}\n{"text": broken\n{"id":7}\n{"id":"x","text":"ok two","lang":"en"}\n`);
    const c = ctx();
    const warnings: string[] = [];
    c.log.warn = (m: string) => void warnings.push(m);
    const got: Doc[] = [];
    for await (const d of jsonlReader().read(bad, c)) got.push(d);
    expect(got.map((d) => d.text)).toEqual(['ok one', 'ok two']);
    expect(got[1].metadata.lang).toBe('en');
    expect(warnings).toEqual([expect.stringMatching(/bad\.jsonl:2: skipped record: invalid JSON/), expect.stringMatching(/bad\.jsonl:3: skipped record: missing string field "text"/)]);
  });
});
