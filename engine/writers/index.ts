export { parquetWriter } from './parquet.ts';
export { jsonlWriter, docToJson } from './jsonl.ts';
