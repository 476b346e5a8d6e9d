// Main-content extraction. The approach of readability/boilerpipe/trafilatura on a compact tree:
//  1. prune hidden elements, boilerplate tags (nav, aside, footer, header, menus, dialogs) and
//     elements whose class/id/role says menu, sidebar, share bar, cookie notice, comments …;
//  2. score paragraph-like blocks by text length and commas, propagate the score to ancestors and
//     discount it by link density; the best container (plus qualifying siblings) is the article;
//  3. render it as lines (headings, paragraphs, list items, table rows, <br>), dropping link-heavy
//     blocks inside it; retry with less pruning when the result is suspiciously short.
// A page over the size budget, nested too deep or parsed past the time budget falls back to
// plain stripping (the caller counts `extract_fallback`).
import { BudgetExceeded, parsePage, textLen, type El, type ParsedPage } from './dom.ts';
import type { PageMeta } from './meta.ts';
import { BLOCK_TAGS, CELL_TAGS, LineBuilder, stripHtmlWithMeta } from './strip.ts';

export type Favor = 'precision' | 'recall' | 'balanced';

export interface ExtractOptions {
  /** Trade recall for precision (drop more borderline blocks) or the reverse. */
  favor?: Favor;
  includeTables?: boolean;
  includeComments?: boolean;
  /** Render links as `[text](href)`. */
  keepLinks?: boolean;
  /** Larger pages (UTF-16 code units) are stripped, not extracted. */
  maxBytes?: number;
  /** Parse/extraction time budget per page; past it the page is stripped. */
  timeBudgetMs?: number;
  /** Deeper nesting is treated as pathological and stripped. */
  maxDepth?: number;
  /** Page URL, to resolve the canonical link. */
  url?: string;
}

export interface ExtractResult extends PageMeta {
  text: string;
  /** Set when extraction fell back to plain stripping: why ("size", "time budget", "nesting depth"). */
  fallback?: string;
}

export const EXTRACT_DEFAULTS = {
  favor: 'balanced' as Favor,
  includeTables: true,
  includeComments: false,
  keepLinks: false,
  maxBytes: 5_000_000,
  timeBudgetMs: 2_000,
  maxDepth: 1_500,
};

// Containers that are boilerplate by tag.
const BOILERPLATE_TAGS = new Set(['nav', 'aside', 'footer', 'header', 'menu', 'dialog', 'form', 'input', 'option', 'fieldset', 'legend']);
const BOILERPLATE_ROLES = /\b(navigation|menu|menubar|complementary|alert|alertdialog|dialog|banner|contentinfo|search)\b/;
// Class/id hints (readability's lists, extended with trafilatura's share/cookie/newsletter cues).
const UNLIKELY =
  /-ad-|\bads?\b|advert|ai2html|banner|breadcrumb|combx|comment|community|cookie|consent|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|share|sharing|newsletter|subscri|signup|promo|recommend|most-?popular|trending|outbrain|taboola|toolbar|byline|author|caption|credit|timestamp|dateline|tags\b|tag-list|topics/;
const MAYBE = /\band\b|article|body|column|content|main|mathjax|shadow|story|post-text|entry/;
const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story/;
const NEGATIVE = /-ad-|hidden|banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|caption|byline|author/;
const NEVER_PRUNE = new Set(['#root', 'html', 'body', 'main', 'article']);

const PARA_TAGS = new Set(['p', 'pre', 'td', 'blockquote']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const CONTAINERS = new Set(['div', 'section', 'ul', 'ol', 'dl', 'table', 'figure', 'aside', 'span', 'center']);

interface Flags {
  pruneHints: boolean;
  favor: Favor;
}

function classWeight(el: El): number {
  if (el.weight === el.weight) return el.weight; // cached (not NaN)
  let w = 0;
  if (el.hint) {
    if (NEGATIVE.test(el.hint)) w -= 25;
    if (POSITIVE.test(el.hint)) w += 25;
  }
  el.weight = w;
  return w;
}

/** Post-order pass (reverse document order): text/link/comma totals of live elements. */
function measure(all: El[]): void {
  for (let i = all.length - 1; i >= 0; i--) {
    const el = all[i];
    let chars = el.removed ? 0 : el.ownChars;
    let linkChars = 0;
    let commas = el.removed ? 0 : el.ownCommas;
    let paras = 0;
    if (!el.removed) {
      for (const k of el.kids) {
        if (typeof k !== 'string' && !k.removed) {
          chars += k.chars;
          linkChars += k.linkChars;
          commas += k.commas;
          paras += k.paras;
        }
      }
      if (el.tag === 'a') linkChars = chars;
      if (el.tag === 'p' || el.tag === 'pre') paras++;
    }
    el.chars = chars;
    el.linkChars = linkChars;
    el.commas = commas;
    el.paras = paras;
  }
}

function prune(all: El[], flags: Flags, includeComments: boolean): void {
  const total = all[0].chars || 1;
  for (const el of all) el.removed = false;
  for (let i = 1; i < all.length; i++) {
    const el = all[i];
    if (el.parent!.removed) {
      el.removed = true;
      continue;
    }
    if (el.hidden) {
      el.removed = true;
      continue;
    }
    if (NEVER_PRUNE.has(el.tag)) continue;
    // A "boilerplate" tag that holds most of the page is a layout wrapper (ASP.NET <form>, a
    // <header> around the article): keep it and let scoring decide.
    const big = el.chars > 0.5 * total;
    if (BOILERPLATE_TAGS.has(el.tag) && !big) {
      el.removed = true;
      continue;
    }
    if (!el.hint || !flags.pruneHints) continue;
    if (includeComments && /comment|disqus|replies/.test(el.hint)) continue;
    if (BOILERPLATE_ROLES.test(el.hint) && !big) {
      el.removed = true;
      continue;
    }
    if (UNLIKELY.test(el.hint) && !MAYBE.test(el.hint) && !big && el.tag !== 'a' && el.tag !== 'table' && el.tag !== 'tbody' && el.tag !== 'tr' && el.tag !== 'td' && el.tag !== 'p') {
      el.removed = true;
    }
  }
}

function hasBlockKid(el: El): boolean {
  for (const k of el.kids) if (typeof k !== 'string' && !k.removed && (BLOCK_TAGS.has(k.tag) || k.tag === 'img' || k.tag === 'table')) {
    if (k.tag !== 'br') return true;
  }
  return false;
}

/** Readability's scoring; returns the top candidate. */
function score(all: El[]): El | null {
  const scored: El[] = [];
  for (const el of all) el.score = 0;
  const init = (el: El) => {
    if (el.score !== 0 || el.removed) return;
    let s = classWeight(el);
    // A content-ish class on a small box (a code example's "example-contents") must not outrank
    // the article around it: the bonus grows with the text the element holds.
    if (s > 0) s *= Math.min(1, el.chars / 1000);
    switch (el.tag) {
      case 'div': case 'article': case 'main': s += 5; break;
      case 'pre': case 'td': case 'blockquote': s += 3; break;
      case 'address': case 'ol': case 'ul': case 'dl': case 'dd': case 'dt': case 'li': case 'form': s -= 3; break;
      case 'h1': case 'h2': case 'h3': case 'h4': case 'h5': case 'h6': case 'th': s -= 5; break;
    }
    el.score = s || 1e-9;
    scored.push(el);
  };
  for (const el of all) {
    if (el.removed || el.chars < 25) continue;
    const divLike = el.tag === 'div' || el.tag === 'section' || el.tag === 'article' || el.tag === 'font' || el.tag === 'span' || el.tag === 'center';
    let s: number;
    let anc: El | null;
    if (PARA_TAGS.has(el.tag) || (divLike && !hasBlockKid(el))) {
      // Commas are a prose signal, not a code one (a config file in <pre> is full of them).
      s = 1 + (el.tag === 'pre' ? 0 : Math.min(el.commas, 10)) + Math.min(Math.floor(el.chars / 100), 3);
      anc = el.parent;
    } else if (divLike && el.ownChars >= 25) {
      // Text directly in a container with block children (blog posts: text + <br> + image divs)
      // counts as a paragraph of it, as readability's wrapping of phrasing content does.
      s = 1 + Math.min(el.ownCommas, 10) + Math.min(Math.floor(el.ownChars / 100), 3);
      anc = el;
    } else continue;
    for (let level = 0; anc && anc.tag !== '#root' && level < 5; level++, anc = anc.parent) {
      init(anc);
      anc.score += level === 0 ? s : level === 1 ? s / 2 : s / (level * 3);
    }
  }
  let top: El | null = null;
  for (const el of scored) {
    el.score *= 1 - (el.chars ? el.linkChars / el.chars : 0);
    if (!top || el.score > top.score) top = el;
  }
  if (!top) return null;
  // Climb while the parent scores higher (the article is split over several containers).
  let last = top.score;
  for (let p = top.parent; p && p.tag !== 'body' && p.tag !== '#root' && p.tag !== 'html'; p = p.parent) {
    if (!p.score) continue;
    if (p.score < last / 3) break;
    if (p.score > last) {
      top = p;
      break;
    }
    last = p.score;
  }
  // Nested sections (documentation, long reads): a parent that scores nearly as well and holds
  // much more prose with few links is the article; the child is one of its sections.
  // (Wrappers in between may score nothing; look a few levels up.)
  for (let p = top.parent, up = 1; p && p.tag !== 'body' && p.tag !== '#root' && p.tag !== 'html' && up <= 3; p = p.parent, up++) {
    if (p.score >= 0.75 * top.score && p.chars >= 1.5 * top.chars && linkDensity(p) < 0.2) {
      top = p;
      up = 0;
    }
  }
  // A lone child wrapper: use the parent (readability does the same).
  while (top.parent && top.parent.tag !== 'body' && top.parent.tag !== '#root' && top.parent.tag !== 'html' && liveKids(top.parent) === 1) top = top.parent;
  return top;
}

function liveKids(el: El): number {
  let n = 0;
  for (const k of el.kids) if (typeof k !== 'string' ? !k.removed : k.trim() !== '') n++;
  return n;
}

function linkDensity(el: El): number {
  return el.chars ? el.linkChars / el.chars : 0;
}

/** The top candidate and the siblings that qualify to join it. */
function selectBlocks(top: El): El[] {
  const parent = top.parent;
  if (!parent || parent.tag === '#root') return [top];
  const threshold = Math.max(10, top.score * 0.2);
  const kids = parent.kids.filter((k): k is El => typeof k !== 'string' && !k.removed);
  const keep = kids.map((k) => {
    if (k === top) return true;
    let bonus = 0;
    if (k.hint && k.hint === top.hint && top.hint) bonus += top.score * 0.2;
    const ld = linkDensity(k);
    if (k.score && k.score + bonus >= threshold) return true;
    // Article split over sibling wrappers (figures, ads in between) whose paragraphs sit deeper
    // than the 5 scored ancestor levels: same wrapper class, or several paragraphs of prose.
    if (top.hint && k.hint === top.hint && k.chars > 100 && ld < 0.3) return true;
    if (k.paras >= 2 && k.chars > 500 && ld < 0.15 && !HEADINGS.has(k.tag)) return true;
    // Paragraphs beside the article (a section's intro before its subsections).
    const paraLike = k.tag === 'p' || ((k.tag === 'div' || k.tag === 'section') && !hasBlockKid(k));
    if (paraLike && k.chars > 80 && ld < 0.25) return true;
    if (paraLike && k.chars > 0 && k.chars <= 80 && ld === 0 && /[.!?。！？]\s*$/.test(plain(k))) return true;
    return false;
  });
  // A heading right before kept content is its heading.
  for (let i = kids.length - 2; i >= 0; i--) if (!keep[i] && HEADINGS.has(kids[i].tag) && keep[i + 1] && linkDensity(kids[i]) < 0.5) keep[i] = true;
  return kids.filter((_, i) => keep[i]);
}

function plain(el: El): string {
  let s = '';
  for (const k of el.kids) s += typeof k === 'string' ? k : k.removed ? '' : plain(k);
  return s;
}

/** Readability's "clean conditionally": should this container inside the article be dropped? */
function junkContainer(el: El, top: El, o: Required<Pick<ExtractOptions, 'includeTables'>>, favor: Favor): boolean {
  if (el.tag === 'table' && !o.includeTables && el.chars < 0.5 * top.chars) return true;
  if (!CONTAINERS.has(el.tag) || el === top) return false;
  if (el.chars === 0) return false;
  const w = classWeight(el);
  if (w < 0 && w + el.score < 0 && favor !== 'recall') return true;
  if (el.commas >= 10 && favor !== 'precision') return false;
  const ld = linkDensity(el);
  const strict = favor === 'precision' ? 0.15 : favor === 'recall' ? 0.35 : 0.25;
  if (w < 25 && ld > strict + (el.tag === 'ul' || el.tag === 'ol' ? 0.1 : 0) && el.chars < 2000) return true;
  if (ld > 0.5) return true;
  return false;
}

const JUNK_LINE = /^(advertisement|advertisements|ad|sponsored( content)?|share( this( article| story)?)?|read more|continue reading|related( articles| stories| posts)?|follow us.*|sign up.*|subscribe.*|print|email|tweet|facebook|twitter|linkedin|whatsapp|pinterest|comments?|skip to .*|back to top|loading\.*|image|photo)[:.!]?$/i;

function render(blocks: El[], top: El, o: Required<Omit<ExtractOptions, 'url'>>): string {
  const out = new LineBuilder();
  const walk = (el: El): void => {
    if (el.removed) return;
    if (el !== top && junkContainer(el, top, o, o.favor)) return;
    // Image captions and credits are not article text (kept when favouring recall).
    if (el.tag === 'figcaption' && o.favor !== 'recall') return;
    const t = el.tag;
    if (t === 'pre') out.enterPre();
    else if (BLOCK_TAGS.has(t) || HEADINGS.has(t)) out.flush();
    else if (CELL_TAGS.has(t)) out.space();
    const link = o.keepLinks && t === 'a' && el.href && el.chars > 0 && !el.href.startsWith('#') && !el.href.startsWith('javascript:');
    if (link) out.text('[');
    for (const k of el.kids) {
      if (typeof k === 'string') out.text(k);
      else walk(k);
    }
    if (link) out.text(`](${el.href})`);
    if (t === 'pre') out.leavePre();
    else if (BLOCK_TAGS.has(t) || HEADINGS.has(t)) out.flush();
    else if (CELL_TAGS.has(t)) out.space();
  };
  for (const b of blocks) walk(b);
  out.flush();
  return out.lines.filter((l) => !(l.length < 40 && JUNK_LINE.test(l))).join('\n');
}

/** Comment sections (when asked for): top-level containers hinted as comments, outside the article. */
function renderComments(all: El[], blocks: El[], o: Required<Omit<ExtractOptions, 'url'>>): string {
  const inBlocks = (el: El) => {
    for (let p: El | null = el; p; p = p.parent) if (blocks.includes(p)) return true;
    return false;
  };
  const parts: string[] = [];
  for (const el of all) {
    if (el.removed || !el.hint || !/comment|disqus|replies/.test(el.hint) || el.chars < 25) continue;
    let nested = false;
    for (let p = el.parent; p; p = p.parent) if (p.hint && /comment|disqus|replies/.test(p.hint)) nested = true;
    if (nested || inBlocks(el)) continue;
    const t = render([el], el, { ...o, favor: 'recall' });
    if (t) parts.push(t);
  }
  return parts.join('\n');
}

function extractOnce(all: El[], o: Required<Omit<ExtractOptions, 'url'>>, flags: Flags): { text: string; blocks: El[] } {
  measure(all);
  prune(all, flags, o.includeComments);
  measure(all);
  const top = score(all);
  if (!top) return { text: '', blocks: [] };
  const blocks = o.favor === 'precision' ? [top] : selectBlocks(top);
  let text = render(blocks, top, o);
  if (o.includeComments) {
    const c = renderComments(all, blocks, o);
    if (c) text = text ? `${text}\n${c}` : c;
  }
  return { text, blocks };
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** The headline repeats the page title (kept in metadata): drop it from the first lines. */
function dropTitleLine(text: string, title: string): string {
  const lines = text.split('\n');
  const t = norm(title);
  for (let i = 0; i < Math.min(3, lines.length); i++) {
    const l = norm(lines[i]);
    if (l.length >= 10 && t.includes(l)) {
      lines.splice(i, 1);
      return lines.join('\n');
    }
  }
  return text;
}

/** Main text and metadata of an HTML page. */
export function extractText(html: string, options: ExtractOptions = {}): ExtractResult {
  const o = { ...EXTRACT_DEFAULTS, ...options } as Required<Omit<ExtractOptions, 'url'>> & { url?: string };
  const fallback = (why: string): ExtractResult => ({ ...stripHtmlWithMeta(html, o.url), fallback: why });
  if (html.length > o.maxBytes) return fallback('size');
  const start = performance.now();
  let page;
  try {
    page = parsePage(html, { maxDepth: o.maxDepth, deadline: start + o.timeBudgetMs }, o.url);
  } catch (e) {
    if (e instanceof BudgetExceeded) return fallback(e.why);
    throw e;
  }
  try {
    return extractPage(page, html, o);
  } catch (e) {
    // A bug on one odd page must not fail the task: strip it and say why.
    if (e instanceof RangeError) return fallback('error');
    throw e;
  }
}

function extractPage(page: ParsedPage, html: string, o: Required<Omit<ExtractOptions, 'url'>> & { url?: string }): ExtractResult {
  const { all, meta } = page;
  let { text } = extractOnce(all, o, { pruneHints: true, favor: o.favor });
  // Too little text for the page: hint pruning may have hit the article's own wrapper (retry
  // without it, as readability does).
  const pageChars = all[0].chars;
  const got = textLen(text);
  if (got < 250 && pageChars > 2 * got) {
    const retry = extractOnce(all, o, { pruneHints: false, favor: o.favor });
    if (textLen(retry.text) > got * 1.5) text = retry.text;
  }
  if (o.favor !== 'recall' && meta.title) text = dropTitleLine(text, meta.title);
  if (!text.trim()) {
    const stripped = stripHtmlWithMeta(html, o.url).text;
    return { text: stripped, ...meta };
  }
  return { text, ...meta };
}

export { stripHtmlWithMeta };
