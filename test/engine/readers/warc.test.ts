// The WARC reader against the reference reader (Python warcio) on real files from ../shared:
// record counts, offsets, types, URIs, statuses, decoded payload lengths and SHA-1s.
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describeShared, shared } from '../../shared.ts';
import { iterWarcRecords, type WarcReadResult } from '../../../engine/readers/warc-records.ts';
import { warcReader } from '../../../engine/readers/warc.ts';
import { emptyStageStats, sinkFor } from '../../../engine/stats.ts';

function base32(buf: Buffer): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let val = 0;
  let out = '';
  for (const b of buf) {
    val = (val << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += A[(val >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(val << (5 - bits)) & 31];
  return out;
}

async function readAll(file: string) {
  const result: WarcReadResult = { errors: [] };
  const recs = [];
  for await (const r of iterWarcRecords(shared(`data/warc/${file}`), result)) {
    recs.push({
      offset: r.offset,
      type: r.type,
      target_uri: r.targetUri,
      date: r.date,
      record_id: r.recordId,
      content_length: r.contentLength,
      http_status: r.httpStatus,
      payload_len_after_http_and_transfer_decoding: r.payload.length,
      payload_sha1_b32: base32(createHash('sha1').update(r.payload).digest()),
    });
  }
  return { recs, errors: result.errors.filter((e) => !e.warning) };
}

describeShared('WARC reader vs the reference manifest', 'data/warc/warcio_reference_manifest.json', () => {
  const manifest = JSON.parse(readFileSync(shared('data/warc/warcio_reference_manifest.json'), 'utf8')) as Record<string, { n_records: number; error: string | null; records: Record<string, unknown>[] }>;
  const fields = ['offset', 'type', 'target_uri', 'date', 'record_id', 'content_length', 'http_status', 'payload_len_after_http_and_transfer_decoding', 'payload_sha1_b32'];

  for (const [file, ref] of Object.entries(manifest)) {
    it(file, async () => {
      const { recs, errors } = await readAll(file);
      // ARC has no record ids: the reference reader invents random ones.
      const compared = file.endsWith('.arc.gz') ? fields.filter((f) => f !== 'record_id') : fields;
      if (ref.error === null) {
        expect(errors).toEqual([]);
        expect(recs.length).toBe(ref.n_records);
        ref.records.forEach((r, i) => {
          for (const f of compared) expect(recs[i][f as keyof (typeof recs)[0]], `record ${i} ${f}`).toEqual(r[f]);
        });
      } else {
        // A broken file: a clear error with its byte offset, and every record the reference read is kept.
        expect(errors.length).toBeGreaterThan(0);
        expect(errors[0].message.length).toBeGreaterThan(10);
        expect(recs.length).toBeGreaterThanOrEqual(ref.n_records);
        ref.records.forEach((r, i) => {
          for (const f of ['offset', 'type', 'target_uri', 'record_id', 'http_status']) expect(recs[i][f as keyof (typeof recs)[0]], `record ${i} ${f}`).toEqual(r[f]);
        });
      }
    });
  }

  it('as a pipeline reader: HTML responses become documents; errors are counted, not thrown', async () => {
    const stats = emptyStageStats('read');
    const log: string[] = [];
    const ctx = { stats: sinkFor(stats), log: { info: () => {}, warn: (m: string) => log.push(m) } };
    const docs = [];
    for await (const d of warcReader().read(shared('data/warc/commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz'), ctx)) docs.push(d);
    const responses = manifest['commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz'].records.filter((r) => r.type === 'response' && r.http_status === '200');
    expect(docs.length + (stats.counters.non_html ?? 0)).toBe(responses.length);
    expect(docs[0].metadata.url).toBe(responses[0].target_uri);
    expect(docs[0].raw!.length).toBe(responses[0].payload_len_after_http_and_transfer_decoding);

    const bad = [];
    for await (const d of warcReader().read(shared('data/warc/other/warcio_example-bad-non-chunked.warc.gz'), ctx)) bad.push(d);
    expect(stats.counters.read_errors).toBe(1);
    expect(log.at(-1)).toMatch(/warcio_example-bad-non-chunked\.warc\.gz: bad record at byte 0: gzip member continues beyond a single record/);

    const wet = [];
    for await (const d of warcReader().read(shared('data/warc/commoncrawl/cc-main-2024-22_whirlwind.warc.wet.gz'), ctx)) wet.push(d);
    expect(wet.length).toBe(1);
    expect(Buffer.byteLength(wet[0].text)).toBe(4456);
    expect(wet[0].metadata.ccLanguage).toBe('spa');
  });
});
