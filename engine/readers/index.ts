// Reader choice by file name: .warc/.warc.gz/.arc(.gz)/.wet.gz → WARC, .jsonl(.gz)/.json(.gz) →
// JSONL, .parquet → Parquet.
import type { Reader } from '../types.ts';
import { warcReader } from './warc.ts';
import { jsonlReader } from './jsonl.ts';
import { parquetReader } from './parquet.ts';

export { warcReader, jsonlReader, parquetReader };

export function readerFor(source: string): Reader {
  const name = source.split('?')[0].toLowerCase();
  if (/\.(warc|arc)(\.gz)?$/.test(name) || /\.wet(\.gz)?$/.test(name) || /\.wat(\.gz)?$/.test(name)) return warcReader();
  if (/\.jsonl?(\.gz)?$/.test(name)) return jsonlReader();
  if (name.endsWith('.parquet')) return parquetReader();
  throw new Error(`${source}: unknown input format (expected .warc[.gz], .jsonl[.gz] or .parquet)`);
}
