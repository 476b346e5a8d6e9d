// WARC read speed: tokenmill's reader beside a raw gunzip of the same file (the floor any reader
// pays) and beside the warcio.js library, on the large real-HTML WARC.
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { WARCParser } from 'warcio';
import { iterWarcRecords } from '../engine/readers/warc-records.ts';
import { realWarc, report, timeit } from './lib.ts';

export default async function run(): Promise<void> {
  const file = await realWarc();
  if (!file) return;
  const mb = statSync(file).size / 1e6;
  let records = 0;

  const gunzip = await timeit(async () => {
    for await (const _ of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip())) void _;
  }, 2);
  const ours = await timeit(async () => {
    records = 0;
    for await (const r of iterWarcRecords(file, { errors: [] })) records += r.payload.length >= 0 ? 1 : 0;
  }, 2);
  let warcioRecords = 0;
  const warcio = await timeit(async () => {
    warcioRecords = 0;
    for await (const r of new WARCParser(createReadStream(file, { highWaterMark: 1 << 20 }))) {
      await r.readFully(true);
      warcioRecords++;
    }
  }, 1);

  const row = (reader: string, s: number, n: number | null) => ({
    reader,
    'MB/s (gz)': mb / s,
    'records/s': n === null ? null : n / s,
    'x gunzip time': s / gunzip,
  });
  report({
    name: 'warc',
    title: `WARC read, one core: ${file.split('/').pop()} (${mb.toFixed(1)} MB gzipped, ${records} records)`,
    rows: [row('raw gunzip (node zlib, no parsing)', gunzip, null), row('tokenmill WARC reader', ours, records), row('warcio.js 2.4 (pako)', warcio, warcioRecords)],
    notes: ['records/s counts every record (warcinfo, request, response); payloads are fully decoded (chunked, Content-Encoding).'],
  });
}
