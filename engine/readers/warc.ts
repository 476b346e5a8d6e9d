// WARC/WET reader on the `warcio` library. Only `response` records with an HTML content type
// (and WET `conversion` records) become documents. A corrupt record is counted (`read_errors`,
// logged with file and byte offset) and the reader resyncs at the next gzip member / WARC header,
// so the records after it are still read.
import { WARCParser } from 'warcio';
import type { Doc, ReadContext, Reader } from '../types.ts';
import { openSource } from '../sources.ts';

export interface WarcRecordInfo {
  offset: number;
  type: string;
  targetUri: string | null;
  date: string | null;
  recordId: string | null;
  contentLength: number;
  httpStatus: string | null;
  contentType: string | null;
  /** Payload after HTTP headers, transfer- and content-decoding. */
  payload: Uint8Array;
}

export interface WarcReadResult {
  /** Errors met while reading, each naming the byte offset. */
  errors: Array<{ offset: number; message: string }>;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08];
const WARC_MAGIC = [...Buffer.from('WARC/')];
const MAX_RESYNCS = 1000;

/** Find the first occurrence of `pattern` at or after `from`; -1 if none. */
async function findNext(source: string, from: number, pattern: number[]): Promise<number> {
  let pos = from;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of openSource(source, { start: from })) {
    const buf: Buffer = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const idx = buf.indexOf(Buffer.from(pattern));
    if (idx >= 0) return pos - carry.length + idx;
    carry = buf.subarray(Math.max(0, buf.length - pattern.length + 1));
    pos += chunk.length;
  }
  return -1;
}

async function isGzip(source: string): Promise<boolean> {
  for await (const chunk of openSource(source)) return chunk[0] === 0x1f && chunk[1] === 0x8b;
  return false;
}

function httpStatusOf(rec: any): string | null {
  const h = rec.httpHeaders;
  if (!h) return null;
  // Requests have "GET /path HTTP/1.1": the reference reader reports the path as the status.
  return h.statusCode !== undefined && h.statusCode !== 0 ? String(h.statusCode) : (h.statusline?.split(' ')[1] ?? null);
}

/**
 * Iterate over every record of a WARC (or WARC.gz) with its decoded payload, resyncing after
 * corrupt records. `errors` is filled as errors happen.
 */
export async function* iterWarcRecords(source: string, result: WarcReadResult, onBytes?: (n: number) => void): AsyncGenerator<WarcRecordInfo> {
  const gz = await isGzip(source);
  let base = 0;
  let resyncs = 0;
  let lastOffset = -1;
  for (;;) {
    const parser = new WARCParser(openSource(source, { start: base, onBytes }));
    let failedAt = -1;
    try {
      for await (const rec of parser) {
        const offset = base + parser.offset;
        if (gz && offset === lastOffset) {
          throw new Error('gzip member continues beyond a single record: not a multi-member (per-record) gzip WARC; recompress it with one gzip member per record');
        }
        lastOffset = offset;
        const payload = await rec.readFully(true);
        const wh = rec.warcHeaders.headers;
        yield {
          offset,
          type: rec.warcType ?? 'unknown',
          targetUri: rec.warcTargetURI ?? null,
          date: wh.get('WARC-Date') ?? null,
          recordId: wh.get('WARC-Record-ID') ?? null,
          contentLength: Number(wh.get('Content-Length') ?? 0),
          httpStatus: httpStatusOf(rec),
          contentType: rec.httpHeaders?.headers.get('Content-Type') ?? wh.get('Content-Type') ?? null,
          payload,
        };
      }
      return;
    } catch (e) {
      failedAt = Math.max(base, lastOffset);
      result.errors.push({ offset: failedAt, message: (e as Error).message.split('\n')[0] });
      if (String((e as Error).message).startsWith('gzip member continues')) return;
    }
    if (++resyncs > MAX_RESYNCS) return;
    const next = await findNext(source, failedAt + 1, gz ? GZIP_MAGIC : WARC_MAGIC);
    if (next < 0) return;
    base = next;
  }
}

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;

export interface WarcReaderOptions {
  /** Keep non-2xx responses (default: skip them, counted as `http_<status>`). */
  keepNon2xx?: boolean;
}

export function warcReader(options: WarcReaderOptions = {}): Reader<WarcReaderOptions> {
  return {
    name: 'warc',
    options,
    async *read(source: string, ctx: ReadContext): AsyncIterable<Doc> {
      const result: WarcReadResult = { errors: [] };
      let reported = 0;
      const origWarn = console.warn;
      // warcio reports some record-level problems through console.warn: count them instead.
      console.warn = (...args: unknown[]) => {
        ctx.stats.count('warc_warnings');
        ctx.log.warn(`${source}: ${args.map(String).join(' ').split('\n')[0]}`);
      };
      try {
        for await (const rec of iterWarcRecords(source, result, ctx.onBytes)) {
          for (; reported < result.errors.length; reported++) reportError(source, result.errors[reported], ctx);
          ctx.stats.count('warc_records');
          const doc = recordToDoc(rec, source, options, ctx);
          if (doc) yield doc;
        }
        for (; reported < result.errors.length; reported++) reportError(source, result.errors[reported], ctx);
      } finally {
        console.warn = origWarn;
      }
    },
  };
}

function reportError(source: string, err: { offset: number; message: string }, ctx: ReadContext): void {
  ctx.stats.count('read_errors');
  ctx.log.warn(`${source}: bad record at byte ${err.offset}: ${err.message}`);
}

function recordToDoc(rec: WarcRecordInfo, source: string, o: WarcReaderOptions, ctx: ReadContext): Doc | null {
  const id = (rec.recordId ?? `${source}@${rec.offset}`).replace(/^<urn:uuid:|^<|>$/g, '');
  const metadata = {
    url: rec.targetUri ?? undefined,
    warcRecordId: rec.recordId ?? undefined,
    date: rec.date ?? undefined,
    source,
    offset: rec.offset,
    contentType: rec.contentType ?? undefined,
  };
  if (rec.type === 'conversion') {
    // WET: the text is already extracted.
    return { id, text: Buffer.from(rec.payload).toString('utf8'), metadata };
  }
  if (rec.type !== 'response') return null;
  const status = Number(rec.httpStatus);
  if (!o.keepNon2xx && !(status >= 200 && status < 300)) {
    ctx.stats.count(`http_${rec.httpStatus ?? 'unknown'}`);
    return null;
  }
  if (!rec.contentType || !HTML_TYPES.test(rec.contentType)) {
    ctx.stats.count('non_html');
    return null;
  }
  return { id, text: '', raw: rec.payload, metadata: { ...metadata, httpStatus: status } };
}
