// WARC/WET/ARC reader. Only `response` records with an HTML content type (and WET `conversion`
// records) become documents. A corrupt record is counted (`read_errors`, logged with file and byte
// offset) and reading resumes at the next gzip member, so the records after it are kept.
import type { Doc, ReadContext, Reader } from '../types.ts';
import { iterWarcRecords, type WarcReadResult, type WarcRecordInfo } from './warc-records.ts';

export { iterWarcRecords };

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
      for await (const rec of iterWarcRecords(source, result, ctx.onBytes)) {
        for (; reported < result.errors.length; reported++) reportError(source, result.errors[reported], ctx);
        ctx.stats.count('warc_records');
        if (rec.truncated) ctx.stats.count('truncated_records');
        const doc = recordToDoc(rec, source, options, ctx);
        if (doc) yield doc;
      }
      for (; reported < result.errors.length; reported++) reportError(source, result.errors[reported], ctx);
    },
  };
}

function reportError(source: string, err: { offset: number; message: string; warning?: boolean }, ctx: ReadContext): void {
  ctx.stats.count(err.warning ? 'read_warnings' : 'read_errors');
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
    ...(rec.identifiedLanguage ? { ccLanguage: rec.identifiedLanguage } : {}),
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
