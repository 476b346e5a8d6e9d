// Parquet document writer (parquetjs-lite): id, text, url, date, language columns plus the full
// metadata as a JSON column, so any Parquet reader (DuckDB, pyarrow, hyparquet) can open it.
import parquet from 'parquetjs-lite';
import type { Doc, DocSink, Writer } from '../types.ts';

const schema = new parquet.ParquetSchema({
  id: { type: 'UTF8' },
  text: { type: 'UTF8', compression: 'GZIP' },
  url: { type: 'UTF8', optional: true },
  date: { type: 'UTF8', optional: true },
  language: { type: 'UTF8', optional: true },
  metadata: { type: 'UTF8', compression: 'GZIP' },
});

export function parquetWriter(options: { rowGroupSize?: number } = {}): Writer<{ rowGroupSize: number }> {
  const rowGroupSize = options.rowGroupSize ?? 1000;
  return {
    name: 'parquet',
    options: { rowGroupSize },
    extension: '.parquet',
    async open(path: string): Promise<DocSink> {
      const w = await parquet.ParquetWriter.openFile(schema, path);
      w.setRowGroupSize(rowGroupSize);
      return {
        async write(doc: Doc) {
          const m = doc.metadata;
          await w.appendRow({
            id: doc.id,
            text: doc.text,
            url: typeof m.url === 'string' ? m.url : undefined,
            date: typeof m.date === 'string' ? m.date : undefined,
            language: typeof m.language === 'string' ? m.language : undefined,
            metadata: JSON.stringify(m),
          });
        },
        async close() {
          await w.close();
        },
      };
    },
  };
}
