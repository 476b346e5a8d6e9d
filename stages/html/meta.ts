// Page metadata gathered while parsing: title, canonical URL, publication date, <html lang>.
// Fed by the parser callbacks of both the extractor and the plain stripper.

export interface PageMeta {
  title?: string;
  canonicalUrl?: string;
  /** Publication date (ISO 8601 when parseable), from meta tags, JSON-LD or <time>. */
  publishedDate?: string;
  htmlLang?: string;
}

// Meta names/properties that carry a publication date, best first.
const DATE_KEYS = [
  'article:published_time',
  'og:published_time',
  'datepublished',
  'publishdate',
  'publish-date',
  'pubdate',
  'date',
  'dc.date.issued',
  'dc.date',
  'dcterms.created',
  'sailthru.date',
  'parsely-pub-date',
  'article.published',
  'published_time',
];
const DATE_RANK = new Map(DATE_KEYS.map((k, i) => [k, i]));

export class MetaCollector {
  private titleTag = '';
  private ogTitle?: string;
  private canonical?: string;
  private ogUrl?: string;
  private dateRank = Infinity;
  private date?: string;
  private timeDate?: string;
  private lang?: string;
  /** Text capture of <title> or a JSON-LD script. */
  capture: 'title' | 'ldjson' | null = null;
  private buf = '';

  /** Call for every open tag; returns true if the tag's text should be passed to `text()`. */
  open(name: string, a: Record<string, string>): void {
    switch (name) {
      case 'html':
        if (a.lang && !this.lang) this.lang = a.lang.trim() || undefined;
        else if (a['xml:lang'] && !this.lang) this.lang = a['xml:lang'].trim() || undefined;
        break;
      case 'title':
        if (!this.titleTag) {
          this.capture = 'title';
          this.buf = '';
        }
        break;
      case 'meta': {
        const key = (a.property ?? a.name ?? a.itemprop ?? '').toLowerCase();
        const content = a.content;
        if (!key || content === undefined) break;
        if (key === 'og:title' && !this.ogTitle) this.ogTitle = content.trim();
        else if (key === 'og:url' && !this.ogUrl) this.ogUrl = content.trim();
        else {
          const r = DATE_RANK.get(key);
          if (r !== undefined && r < this.dateRank && content.trim()) {
            this.dateRank = r;
            this.date = content.trim();
          }
        }
        break;
      }
      case 'link':
        if (!this.canonical && a.href && /(^|\s)canonical(\s|$)/i.test(a.rel ?? '')) this.canonical = a.href.trim();
        break;
      case 'time':
        if (!this.timeDate && (a.datetime || a.pubdate !== undefined)) this.timeDate = (a.datetime ?? '').trim() || undefined;
        break;
      case 'script':
        if (this.dateRank > 2 && /ld\+json/i.test(a.type ?? '')) {
          this.capture = 'ldjson';
          this.buf = '';
        }
        break;
    }
  }

  text(t: string): void {
    if (this.buf.length < 200_000) this.buf += t;
  }

  close(name: string): void {
    if (this.capture === 'title' && name === 'title') {
      this.titleTag = this.buf.replace(/\s+/g, ' ').trim();
      this.capture = null;
    } else if (this.capture === 'ldjson' && name === 'script') {
      const m = /"datePublished"\s*:\s*"([^"]+)"/.exec(this.buf);
      if (m && this.dateRank > 2) {
        this.dateRank = 2;
        this.date = m[1];
      }
      this.capture = null;
    }
  }

  result(baseUrl?: string): PageMeta {
    const out: PageMeta = {};
    const title = this.ogTitle || this.titleTag;
    if (title) out.title = title;
    const canon = this.canonical ?? this.ogUrl;
    if (canon) out.canonicalUrl = resolveUrl(canon, baseUrl);
    const date = normalizeDate(this.date ?? this.timeDate);
    if (date) out.publishedDate = date;
    if (this.lang) out.htmlLang = this.lang;
    return out;
  }
}

function resolveUrl(href: string, base?: string): string {
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}

/** ISO 8601 if the value parses as a plausible date, else undefined. */
export function normalizeDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  const y = new Date(t).getUTCFullYear();
  if (y < 1990 || y > 2100) return undefined;
  // Keep the date as written when it is already ISO-like (keeps the page's time zone offset).
  return /^\d{4}-\d{2}-\d{2}/.test(v) ? v : new Date(t).toISOString();
}
