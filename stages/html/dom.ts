// A compact element tree for extraction, built with htmlparser2's streaming callbacks. It keeps
// only what scoring needs (tag, class+id hint, href, text), drops script/style/... at parse time,
// and enforces the size/depth/time budget so pathological pages abort early (→ plain stripping).
import { Parser } from 'htmlparser2';
import { MetaCollector, type PageMeta } from './meta.ts';
import { SKIP_TAGS } from './strip.ts';

export interface El {
  tag: string;
  /** Lowercased `class id role itemprop` attributes, for boilerplate/content hints. */
  hint: string;
  parent: El | null;
  kids: Array<El | string>;
  href?: string;
  /** Marked hidden by the `hidden` attribute, aria-hidden or an inline display:none. */
  hidden: boolean;
  /** Text characters and commas directly inside (not in child elements), counted at parse time. */
  ownChars: number;
  ownCommas: number;
  // Filled by measure():
  /** Characters of text (whitespace runs counted once). */
  chars: number;
  /** Characters inside <a>. */
  linkChars: number;
  /** Commas (Latin and CJK) in the text. */
  commas: number;
  /** Number of <p>-like blocks inside. */
  paras: number;
  /** Readability-style content score. */
  score: number;
  removed: boolean;
  /** Class/id weight (±25), computed once on first use; NaN until then. */
  weight: number;
  /** Creation order (document order). */
  order: number;
}

export class BudgetExceeded extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

export interface ParseLimits {
  maxDepth: number;
  /** Absolute deadline (performance.now()), checked every few hundred tags. */
  deadline: number;
}

export interface ParsedPage {
  root: El;
  /** All elements in document order (parents before children). */
  all: El[];
  meta: PageMeta;
}

function newEl(tag: string, hint: string, parent: El | null, order: number): El {
  return { tag, hint, parent, kids: [], hidden: false, ownChars: 0, ownCommas: 0, chars: 0, linkChars: 0, commas: 0, paras: 0, score: 0, removed: false, weight: NaN, order };
}

// Tags kept out of the tree but whose text flows into the parent (purely presentational wrappers
// that are cheaper to drop than to keep).
const TRANSPARENT = new Set(['span', 'font', 'b', 'strong', 'i', 'em', 'u', 'small', 'big', 'mark', 'abbr', 'cite', 'q', 'sub', 'sup', 's', 'del', 'ins', 'bdi', 'bdo', 'tt', 'var', 'kbd', 'samp', 'data', 'label', 'nobr', 'wbr']);

// Void head elements: metadata only (already seen by the MetaCollector), never text.
const VOID_META = new Set(['meta', 'link', 'base', 'col', 'source', 'track', 'param', 'area']);
const HIDDEN_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden/i;

export function parsePage(html: string, limits: ParseLimits, url?: string): ParsedPage {
  const meta = new MetaCollector();
  const root = newEl('#root', '', null, 0);
  const all: El[] = [root];
  let cur = root;
  let depth = 0;
  let skip = 0;
  // For transparent tags we push null on a parallel stack so closes stay balanced.
  const opened: Array<El | null> = [];
  let ticks = 0;
  const parser = new Parser(
    {
      onopentag(name, a) {
        meta.open(name, a);
        if (skip > 0) {
          skip++;
          return;
        }
        if (SKIP_TAGS.has(name)) {
          skip = 1;
          return;
        }
        if ((++ticks & 255) === 0 && performance.now() > limits.deadline) throw new BudgetExceeded('time budget');
        // One pass over the (few) attributes instead of many missed lookups.
        let hint = '';
        let hidden = false;
        let href: string | undefined;
        for (const k in a) {
          switch (k) {
            case 'class': case 'id': case 'role': case 'itemprop':
              if (a[k]) hint = hint ? hint + ' ' + a[k] : a[k];
              break;
            case 'href': href = a[k]; break;
            case 'hidden': hidden = true; break;
            case 'aria-hidden': if (a[k] === 'true') hidden = true; break;
            case 'style': if (HIDDEN_STYLE.test(a[k])) hidden = true; break;
          }
        }
        if ((TRANSPARENT.has(name) && !hint && !hidden) || VOID_META.has(name)) {
          opened.push(null);
          return;
        }
        if (++depth > limits.maxDepth) throw new BudgetExceeded('nesting depth');
        const el = newEl(name, hint ? hint.toLowerCase() : '', cur, all.length);
        if (name === 'a' && href) el.href = href;
        el.hidden = hidden;
        all.push(el);
        cur.kids.push(el);
        cur = el;
        opened.push(el);
      },
      ontext(t) {
        if (meta.capture) meta.text(t);
        if (skip > 0) return;
        countText(t, cur);
        const kids = cur.kids;
        const last = kids.length - 1;
        // Merge adjacent text (transparent tags split it) so lines are built from whole runs.
        if (last >= 0 && typeof kids[last] === 'string') kids[last] = (kids[last] as string) + t;
        else kids.push(t);
      },
      onclosetag(name) {
        meta.close(name);
        if (skip > 0) {
          skip--;
          return;
        }
        const el = opened.pop();
        if (el === null) return;
        if (el) {
          depth--;
          cur = el.parent ?? root;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { root, all, meta: meta.result(url) };
}

/** Add a text run's visible length and commas to its element (one pass over the characters). */
function countText(s: string, el: El): void {
  let n = 0;
  let commas = 0;
  let ws = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 160) {
      if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 160) {
        if (!ws) n++;
        ws = true;
        continue;
      }
    }
    n++;
    ws = false;
    if (c === 44 || c === 0xff0c || c === 0x3001 || c === 0x060c) commas++;
  }
  el.ownChars += ws && n > 0 ? n - 1 : n;
  el.ownCommas += commas;
}

/** Visible length of a text run: whitespace runs count as one character. */
export function textLen(s: string): number {
  let n = 0;
  let ws = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isWs = c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 160;
    if (isWs) {
      if (!ws) n++;
      ws = true;
    } else {
      n++;
      ws = false;
    }
  }
  return ws && n > 0 ? n - 1 : n;
}

export function countCommas(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 0xff0c || c === 0x3001 || c === 0x060c) n++;
  }
  return n;
}
