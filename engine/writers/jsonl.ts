// JSONL(.gz) document writer: `{id, text, metadata}` per line.
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Doc, DocSink, Writer } from '../types.ts';

export function docToJson(doc: Doc): string {
  return JSON.stringify({ id: doc.id, text: doc.text, metadata: doc.metadata });
}

export function jsonlWriter(options: { gzip?: boolean; level?: number } = {}): Writer<{ gzip: boolean; level: number }> {
  const gzip = options.gzip ?? true;
  const level = options.level ?? 6;
  return {
    name: 'jsonl',
    options: { gzip, level },
    extension: gzip ? '.jsonl.gz' : '.jsonl',
    async open(path: string): Promise<DocSink> {
      const file = createWriteStream(path);
      const out = gzip ? createGzip({ level }) : null;
      out?.pipe(file);
      const target = out ?? file;
      return {
        async write(doc) {
          if (!target.write(docToJson(doc) + '\n')) await once(target, 'drain');
        },
        async close() {
          target.end();
          await once(file, 'close');
        },
      };
    },
  };
}
