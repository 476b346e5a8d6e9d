// Word counting of one input shard (a file, or a newline-aligned byte range of a plain .txt/.jsonl
// file), run in a worker thread by the CLI trainer.
import { closeSync, openSync, readSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { WordCounter } from './counts.ts';

export interface Shard {
  path: string;
  /** Byte range for uncompressed .txt/.jsonl; whole file when absent. */
  start?: number;
  end?: number;
  /** Characters to count at most (sampling). */
  budget: number;
}

/** Bytes [start, end) extended so that the shard holds exactly the lines that start inside it. */
function readAligned(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const grab = (from: number, len: number) => {
      const b = Buffer.alloc(len);
      const n = readSync(fd, b, 0, len, from);
      return b.subarray(0, n);
    };
    let s = start;
    if (start > 0) {
      // Skip the line that began before start (it belongs to the previous shard).
      for (;;) {
        const b = grab(s - 1, 65536);
        if (b.length === 0) return Buffer.alloc(0);
        const nl = b.indexOf(10);
        if (nl >= 0) {
          s = s - 1 + nl + 1;
          break;
        }
        s += b.length;
      }
    }
    let e = end;
    for (;;) {
      const b = grab(e - 1, 65536);
      if (b.length === 0) break;
      const nl = b.indexOf(10);
      if (nl >= 0) {
        e = e - 1 + nl + 1;
        break;
      }
      e += b.length;
    }
    return e > s ? grab(s, e - s) : Buffer.alloc(0);
  } finally {
    closeSync(fd);
  }
}

export interface ShardResult {
  counts: Buffer;
  docs: number;
  chars: number;
  errors: number;
}

/** Count one shard into counter (a worker's own, or the main thread's when counting inline). */
export async function countShardInto(counter: WordCounter, shard: Shard): Promise<{ docs: number; errors: number }> {
  const start = counter.chars;
  const name = shard.path.toLowerCase();
  let docs = 0;
  let errors = 0;
  const budget = start + shard.budget;
  const add = (text: string) => {
    if (counter.chars >= budget) return;
    counter.add(text);
    docs++;
  };
  const isText = /\.(txt|text|md)(\.gz)?$/.test(name);
  if (isText || (/\.jsonl?$/.test(name) && shard.start !== undefined)) {
    let buf: Buffer = shard.start !== undefined ? readAligned(shard.path, shard.start, shard.end!) : readFileSync(shard.path);
    if (name.endsWith('.gz')) buf = gunzipSync(buf);
    const text = buf.toString('utf8');
    if (isText) {
      // Count in ~1 MB pieces cut after a newline (pre-tokens do not cross lines except newline runs).
      for (let at = 0; at < text.length && counter.chars < budget; ) {
        let cut = Math.min(text.length, at + (1 << 20));
        if (cut < text.length) {
          const nl = text.indexOf('\n', cut);
          cut = nl < 0 ? text.length : nl + 1;
        }
        add(text.slice(at, cut));
        at = cut;
      }
    } else {
      let lineNo = 0;
      for (const line of text.split('\n')) {
        lineNo++;
        if (!line.trim()) continue;
        try {
          const t = (JSON.parse(line) as { text?: unknown }).text;
          if (typeof t === 'string') add(t);
          else errors++;
        } catch {
          errors++;
        }
        if (counter.chars >= budget) break;
      }
    }
  } else {
    // Loaded only for these formats: the readers pull in Parquet/WARC libraries (memory per worker).
    const { readerFor } = await import('../../engine/readers/index.ts');
    const reader = readerFor(shard.path);
    const quiet = { info() {}, warn() {} };
    for await (const doc of reader.read(shard.path, { stats: { count: () => {}, observe: () => {} }, log: quiet })) {
      if (!doc.text && doc.raw) {
        // WARC responses carry HTML: train on their main content, as the pipeline's extract stage keeps.
        const { decodeHtml, extractText } = await import('../html/index.ts');
        const url = typeof doc.metadata.url === 'string' ? doc.metadata.url : undefined;
        const ct = typeof doc.metadata.contentType === 'string' ? doc.metadata.contentType : undefined;
        add(extractText(decodeHtml(doc.raw, ct).text, { url }).text);
      } else add(doc.text);
      if (counter.chars >= budget) break;
    }
  }
  return { docs, errors };
}

export async function countShard(shard: Shard, pattern: string, maxWords: number): Promise<ShardResult> {
  const counter = new WordCounter(pattern, maxWords);
  const r = await countShardInto(counter, shard);
  return { counts: counter.encode(), chars: counter.chars, ...r };
}
