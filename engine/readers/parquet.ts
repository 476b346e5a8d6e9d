// Parquet reader (parquetjs-lite, row cursor: streams row groups, never the whole file).
// Columns id/text/metadata(JSON) as written by tokenmill; other columns go into metadata.
import parquet from 'parquetjs-lite';
import type { Doc, DocMetadata, ReadContext, Reader } from '../types.ts';

export function parquetReader(): Reader<Record<string, never>> {
  return {
    name: 'parquet',
    options: {},
    async *read(source: string, ctx: ReadContext): AsyncIterable<Doc> {
      if (/^https?:/i.test(source)) throw new Error(`${source}: Parquet input must be a local file (download it first)`);
      let reader: any;
      try {
        reader = await parquet.ParquetReader.openFile(source);
      } catch (e) {
        ctx.stats.count('read_errors');
        ctx.log.warn(`${source}: not a readable Parquet file: ${(e as Error).message}`);
        return;
      }
      let row = 0;
      try {
        const cursor = reader.getCursor();
        for (let rec = await cursor.next(); rec; rec = await cursor.next()) {
          row++;
          const { id, text, metadata, ...rest } = rec as Record<string, unknown>;
          if (typeof text !== 'string') {
            ctx.stats.count('read_errors');
            ctx.log.warn(`${source}: row ${row}: missing text column`);
            continue;
          }
          let meta: DocMetadata = {};
          if (typeof metadata === 'string') {
            try { meta = JSON.parse(metadata); } catch { ctx.stats.count('read_errors'); }
          }
          for (const [k, v] of Object.entries(rest)) if (v !== null && v !== undefined) meta[k] ??= typeof v === 'bigint' ? Number(v) : v;
          yield { id: id === undefined ? `${source}:${row}` : String(id), text, metadata: meta };
        }
      } catch (e) {
        ctx.stats.count('read_errors');
        ctx.log.warn(`${source}: read error after row ${row}: ${(e as Error).message}`);
      } finally {
        await reader.close();
      }
    },
  };
}
