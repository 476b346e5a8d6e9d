// The simple, fast HTML → text stripper (stage `html-to-text`, and the extractor's fallback):
// one streaming pass of htmlparser2, no tree, so any size or nesting depth runs in linear time.
// Drops script/style/nav/header/footer/aside/forms; block elements, list items and table rows
// become lines; entities are decoded by the parser; whitespace is normalised.
import { Parser } from 'htmlparser2';
import { MetaCollector, type PageMeta } from './meta.ts';

/** Elements whose whole content is dropped. */
export const SKIP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas',
  'select', 'textarea', 'button', 'title',
]);
/** Boilerplate containers also dropped by the stripper. */
const STRIP_BOILERPLATE = new Set(['nav', 'header', 'footer', 'aside', 'form']);

/** Elements that start and end a line. */
export const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup',
  'hr', 'html', 'legend', 'li', 'listing', 'main', 'menu', 'nav', 'ol', 'p', 'plaintext', 'pre', 'section',
  'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul', 'caption', 'br', 'option', 'xmp', 'noframes', 'frameset',
]);
export const CELL_TAGS = new Set(['td', 'th']);

/** Accumulates text into normalised lines. */
export class LineBuilder {
  lines: string[] = [];
  private cur = '';
  private pre = 0;

  text(t: string): void {
    if (this.pre > 0) {
      const parts = t.split('\n');
      for (let i = 0; i < parts.length; i++) {
        if (i > 0) this.flush();
        this.cur += parts[i].replace(/[ \t\f\r\u00a0]+/g, ' ');
      }
      return;
    }
    this.cur += t;
  }
  /** A separator that is a space in the output (table cells, inline breaks). */
  space(): void {
    this.cur += ' ';
  }
  enterPre(): void {
    this.flush();
    this.pre++;
  }
  leavePre(): void {
    this.flush();
    this.pre--;
  }
  flush(): void {
    if (this.cur.length === 0) return;
    const line = this.cur.replace(/[\s\u00a0\u200b\ufeff]+/g, ' ').trim();
    if (line) this.lines.push(line);
    this.cur = '';
  }
  finish(): string {
    this.flush();
    return this.lines.join('\n');
  }
}

export interface StripResult extends PageMeta {
  text: string;
}

/**
 * Plain stripping with page metadata; `url` resolves a relative canonical link.
 * `allText` keeps nav/header/footer/aside/forms too (every visible text: the baseline of the benchmark).
 */
export function stripHtmlWithMeta(html: string, url?: string, allText = false): StripResult {
  const boilerplate = allText ? new Set<string>() : STRIP_BOILERPLATE;
  const out = new LineBuilder();
  const meta = new MetaCollector();
  let skip = 0;
  let depth = 0;
  let bodyDepth = -10;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        meta.open(name, attribs);
        // Inside a dropped element every tag counts toward its depth (the parser balances
        // open/close events, implied and void ones included).
        if (skip > 0) {
          skip++;
          return;
        }
        depth++;
        if (name === 'body') bodyDepth = depth;
        // A POST <form> right under <body> wraps the whole page (ASP.NET): keep its content.
        const wrapper = name === 'form' && depth === bodyDepth + 1 && /post/i.test(attribs.method ?? '');
        if (SKIP_TAGS.has(name) || (boilerplate.has(name) && !wrapper) || attribs.hidden !== undefined) {
          depth--;
          skip = 1;
          return;
        }
        if (name === 'pre') out.enterPre();
        else if (BLOCK_TAGS.has(name)) out.flush();
        else if (CELL_TAGS.has(name)) out.space();
      },
      ontext(t) {
        if (meta.capture) meta.text(t);
        if (skip === 0) out.text(t);
      },
      onclosetag(name) {
        meta.close(name);
        if (skip > 0) {
          skip--;
          return;
        }
        depth--;
        if (name === 'pre') out.leavePre();
        else if (BLOCK_TAGS.has(name)) out.flush();
        else if (CELL_TAGS.has(name)) out.space();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { text: out.finish(), ...meta.result(url) };
}

/** Plain text of an HTML string (boilerplate containers dropped, blocks as lines). */
export function stripHtml(html: string): string {
  return stripHtmlWithMeta(html).text;
}
