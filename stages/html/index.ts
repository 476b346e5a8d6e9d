// Stages of stages/html, by name (used by pipelines and `tokenmill stage <name>`).
//
// Input contract (both stages): `doc.raw` = HTTP payload bytes (de-chunked, content-decoded) and
// `doc.metadata.contentType` = the HTTP Content-Type header, as the WARC reader yields them; if
// `doc.raw` is absent, `doc.text` holds the HTML string. Output: `doc.text` = text lines joined by
// "\n", `doc.raw` deleted, metadata `title`, `canonicalUrl`, `publishedDate`, `htmlLang`, `charset`
// when known (the WARC-Date in `date` is left alone). A page without text is dropped as "empty_text".
import type { Doc, StageFactory, TaskContext } from '../../engine/types.ts';
import { check, defineStage } from '../../engine/stage.ts';
import { decodeHtml } from './charset.ts';
import { EXTRACT_DEFAULTS, extractText, type ExtractResult, type Favor } from './extract.ts';
import { stripHtmlWithMeta } from './strip.ts';

export { decodeHtml } from './charset.ts';
export { extractText, EXTRACT_DEFAULTS, type ExtractOptions, type ExtractResult } from './extract.ts';
export { stripHtml, stripHtmlWithMeta } from './strip.ts';

function htmlOf(doc: Doc): { html: string; charset?: string } {
  if (!doc.raw) return { html: doc.text ?? '' };
  const ct = typeof doc.metadata.contentType === 'string' ? doc.metadata.contentType : undefined;
  const { text, charset } = decodeHtml(doc.raw, ct);
  return { html: text, charset };
}

function finish(doc: Doc, r: ExtractResult, charset: string | undefined): Doc | string {
  delete doc.raw;
  doc.text = r.text;
  const m = doc.metadata;
  if (r.title) m.title = r.title;
  if (r.canonicalUrl) m.canonicalUrl = r.canonicalUrl;
  if (r.publishedDate) m.publishedDate = r.publishedDate;
  if (r.htmlLang) m.htmlLang = r.htmlLang;
  if (charset) m.charset = charset;
  return r.text.trim() ? doc : 'empty_text';
}

const FAVORS: Favor[] = ['precision', 'recall', 'balanced'];

/** Main-content extraction (article body without menus, footers, share bars, comments …). */
export const extract = defineStage({
  name: 'extract',
  defaults: { ...EXTRACT_DEFAULTS } as {
    favor: Favor;
    includeTables: boolean;
    includeComments: boolean;
    keepLinks: boolean;
    maxBytes: number;
    timeBudgetMs: number;
    maxDepth: number;
  },
  validate(o) {
    check(FAVORS.includes(o.favor), 'extract', 'favor', `must be one of ${FAVORS.join(', ')} (got ${JSON.stringify(o.favor)})`);
    check(o.maxBytes > 0, 'extract', 'maxBytes', 'must be > 0');
    check(o.timeBudgetMs > 0, 'extract', 'timeBudgetMs', 'must be > 0');
    check(o.maxDepth >= 16, 'extract', 'maxDepth', 'must be >= 16');
  },
  open(o, ctx: TaskContext) {
    return {
      process(doc: Doc) {
        const { html, charset } = htmlOf(doc);
        const url = typeof doc.metadata.url === 'string' ? doc.metadata.url : undefined;
        const r = extractText(html, { ...o, url });
        if (r.fallback) {
          ctx.stats.count('extract_fallback');
          ctx.stats.count(`extract_fallback:${r.fallback}`);
        }
        return finish(doc, r, charset);
      },
    };
  },
});

/** Plain HTML → text (no main-content detection): fast, keeps everything but obvious boilerplate tags. */
export const htmlToText = defineStage({
  name: 'html-to-text',
  defaults: {},
  open() {
    return {
      process(doc: Doc) {
        const { html, charset } = htmlOf(doc);
        const url = typeof doc.metadata.url === 'string' ? doc.metadata.url : undefined;
        return finish(doc, stripHtmlWithMeta(html, url), charset);
      },
    };
  },
});

export const stages: Record<string, StageFactory> = {
  extract,
  'html-to-text': htmlToText,
};
