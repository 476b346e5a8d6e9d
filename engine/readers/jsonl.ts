// JSONL(.gz) reader: one `{id, text, metadata}` object per line (other top-level fields are moved
// into metadata). A line that does not parse is counted (`read_errors`, logged with file:line).
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Doc, DocMetadata, ReadContext, Reader } from '../types.ts';
import { openSource } from '../sources.ts';

export function jsonToDoc(obj: unknown, fallbackId: string): Doc | string {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const { id, text, metadata, ...rest } = obj as Record<string, unknown>;
  if (typeof text !== 'string') return 'missing string field "text"';
  const meta: DocMetadata = { ...rest, ...(metadata && typeof metadata === 'object' ? (metadata as DocMetadata) : {}) };
  return { id: id === undefined || id === null ? fallbackId : String(id), text, metadata: meta };
}

/** Lines of a (possibly gzipped) text source. */
export async function* readLines(source: string, onBytes?: (n: number) => void): AsyncGenerator<string> {
  let stream: Readable = Readable.from(openSource(source, { onBytes }));
  if (/\.gz$/i.test(source.split('?')[0])) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

export function jsonlReader(): Reader<Record<string, never>> {
  return {
    name: 'jsonl',
    options: {},
    async *read(source: string, ctx: ReadContext): AsyncIterable<Doc> {
      let lineNo = 0;
      try {
        for await (const line of readLines(source, ctx.onBytes)) {
          lineNo++;
          if (!line.trim()) continue;
          let doc: Doc | string;
          try {
            doc = jsonToDoc(JSON.parse(line), `${source.split('/').pop()}:${lineNo}`);
          } catch (e) {
            doc = `invalid JSON (${(e as Error).message})`;
          }
          if (typeof doc === 'string') {
            ctx.stats.count('read_errors');
            ctx.log.warn(`${source}:${lineNo}: skipped record: ${doc}`);
            continue;
          }
          doc.metadata.source ??= source;
          doc.metadata.offset ??= lineNo;
          yield doc;
        }
      } catch (e) {
        // A truncated gzip stream: keep what was read, count the error.
        ctx.stats.count('read_errors');
        ctx.log.warn(`${source}: read error after line ${lineNo}: ${(e as Error).message}`);
      }
    },
  };
}
