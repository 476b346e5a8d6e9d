// C4's heuristics (Raffel et al. 2020; tensorflow_datasets c4_utils) with datatrove's
// C4QualityFilter defaults, order and reasons: line-level filters rewrite the text, document-level
// ones drop it. Sentences are counted with a Punkt-like rule (terminal punctuation followed by
// whitespace and a capital/digit/quote, with common abbreviations excepted).
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc, StatsSink } from '../../engine/types.ts';
import { hasOtherBreaks, isPySpaceCode, Ranges, splitLineRanges, splitLines } from '../text/lines.ts';
import { cachedTokens, countTokens, setDocTokenCount } from '../text/tokens.ts';

const CITATION = /\[\d*\]|\[edit\]|\[citation needed\]/g;
const END_PUNCTUATION = ['.', '?', '!', '"', "'"];
const POLICY_SUBSTRINGS = ['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'];

export const c4QualityDefaults = {
  /** Split into lines (C4); false: into sentences, and join kept ones with spaces. */
  splitParagraph: true,
  removeCitations: true,
  /** Drop lines that do not end in . ? ! " ' (FineWeb turns this off). */
  filterNoTerminalPunct: true,
  /** Drop documents with fewer sentences after line filtering; -1 disables. */
  minNumSentences: 5,
  /** Drop lines with fewer whitespace-separated words; -1 disables. */
  minWordsPerLine: 3,
  /** Drop lines with a word longer than this; -1 disables. */
  maxWordLength: 1000,
  filterLoremIpsum: true,
  filterJavascript: true,
  filterCurlyBracket: true,
  filterPolicy: true,
};
export type C4QualityOptions = typeof c4QualityDefaults;

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'sr', 'jr', 'vs', 'etc', 'inc', 'ltd', 'co', 'corp', 'no', 'fig', 'e.g', 'i.e',
  'u.s', 'a.m', 'p.m', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'mt', 'gen', 'gov',
]);
/** Candidate sentence boundary: terminal punctuation (+ closing quotes/brackets), whitespace, then a sentence start. */
const BOUNDARY = /([.!?]+)["'”’)\]]*\s+(?=["'“‘(\[]?[\p{Lu}\p{N}])/gu;

/** Sentences in one line, as Punkt would count them for ordinary prose. */
export function countSentences(line: string): number {
  if (line.trim() === '') return 0;
  let n = 1;
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(line); m !== null; m = BOUNDARY.exec(line)) {
    if (m[1] === '.') {
      // "Mr. Smith", "e.g. The": the word before the period is a known abbreviation or an initial
      const w = wordBefore(line, m.index).toLowerCase();
      if (ABBREVIATIONS.has(w) || /^\p{L}$/u.test(w)) continue;
    }
    if (m.index + m[0].length < line.length) n++;
  }
  return n;
}

const LETTER = /\p{L}/u;
/** Lines mentioning any phrase of the line/document rules (case-insensitive). */
// Case-insensitive as Python's lower(): the only non-ASCII character lowering into these phrases is
// the Kelvin sign (K -> k), named explicitly since /i without /u does not fold it (/iu is slower).
const FLAGGED = /lorem ipsum|javascript|terms of use|privacy policy|coo[k\u212a]ie policy|uses coo[k\u212a]ies|use of coo[k\u212a]ies|use coo[k\u212a]ies/i;
/** Whether a page may mention any of them (one scan). */
const ANY_FLAGGED = /lorem ipsum|javascript|terms of use|privacy policy|coo[k\u212a]ie/i;

/**
 * Whitespace-separated words of text[a, b) (Python's str.split()) and the longest one's length,
 * without splitting; stops once `enough` words are found (the count is then at least `enough`).
 */
function wordStats(text: string, a: number, b: number, enough: number): [count: number, longest: number] {
  let count = 0;
  let longest = 0;
  let start = -1;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 0x85 ? isPySpaceCode(c) : false) {
      if (start >= 0) {
        if (++count >= enough) return [count, Math.max(longest, i - start)];
        if (i - start > longest) longest = i - start;
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) {
    count++;
    if (b - start > longest) longest = b - start;
  }
  return [count, longest];
}

/** The letters-and-periods word ending at `end` (scanning back; a `$`-anchored regex would rescan the line). */
function wordBefore(line: string, end: number): string {
  let i = end;
  while (i > 0) {
    const ch = line[i - 1];
    if (ch === '.' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch > '\x7f' && LETTER.test(ch))) i--;
    else break;
  }
  return line.slice(i, end);
}

const lines = new Ranges();
/** Separators of str.splitlines() that the tokenizer does not treat as whitespace. */
const NON_SPACE_BREAK = /[\x1c\x1d\x1e\x85]/;

/**
 * Apply C4's rules: the text with bad lines removed, or the reason the whole document is dropped.
 * With `doc` (whose token table is cached), also records the new text's token count: tokens never
 * span a line break, so it is the count of the kept lines' tokens (FineWeb's filter then needs no
 * second tokenization).
 */
export function c4Quality(text: string, o: C4QualityOptions, stats?: StatsSink, doc?: Doc): { text: string } | { reason: string } {
  if (!o.splitParagraph) return c4Sentences(text, o, stats);
  splitLineRanges(text, lines);
  let sentences = 0;
  const kept: string[] = [];
  // most pages mention none of the phrases: then skip the per-line scans
  const anyFlagged = ANY_FLAGGED.test(text);
  const table = doc ? cachedTokens(doc) : null;
  const counting = table !== null && !(hasOtherBreaks(text) && NON_SPACE_BREAK.test(text));
  let tokens = 0;
  let tok = 0; // first token not before the current line
  for (let k = 0; k < lines.n; k++) {
    // line.strip()
    let a = lines.s[k];
    let b = lines.e[k];
    while (a < b && isPySpaceCode(text.charCodeAt(a))) a++;
    while (b > a && isPySpaceCode(text.charCodeAt(b - 1))) b--;
    // a word longer than the limit needs a line longer than it; and counting stops at the minimum
    if (o.maxWordLength !== -1 && b - a > o.maxWordLength && wordStats(text, a, b, Infinity)[1] > o.maxWordLength) {
      stats?.count('line-filter-too_long_word');
      continue;
    }
    const nWords = wordStats(text, a, b, o.minWordsPerLine)[0];
    let line = text.slice(a, b);
    let modified = false;
    if (o.removeCitations && line.includes('[')) {
      const stripped = line.replace(CITATION, '');
      modified = stripped !== line;
      line = stripped;
    }
    // one case-insensitive scan finds lines that need a closer look
    const verdict = lineRule(line, nWords, o, anyFlagged && FLAGGED.test(line));
    if (verdict !== null) {
      if (typeof verdict !== 'string') return verdict;
      stats?.count(verdict);
      continue;
    }
    // only `sentences < minNumSentences` is asked: past the minimum, counting more changes nothing
    if (sentences < o.minNumSentences) sentences += countSentences(line);
    kept.push(line);
    if (counting) {
      if (modified) tokens += countTokens(line);
      else {
        const pos = table.pos;
        while (tok < table.n && pos[tok] < a) tok++;
        const from = tok;
        while (tok < table.n && pos[tok] < b) tok++;
        tokens += tok - from;
      }
    }
  }
  if (sentences < o.minNumSentences) return { reason: 'too_few_sentences' };
  const out = kept.join('\n').trim();
  if (counting) setDocTokenCount(doc!, out, tokens);
  return { text: out };
}

/**
 * C4's rules for one line (after citation removal), in datatrove's order: null keeps it, a
 * `line-filter-*` stat drops the line, `{ reason }` drops the document. `flagged` false says the
 * line mentions none of the lowercase phrases, so their scans are skipped.
 */
function lineRule(line: string, nWords: number, o: C4QualityOptions, flagged: boolean): string | { reason: string } | null {
  if (o.filterNoTerminalPunct && (!END_PUNCTUATION.some((p) => line.endsWith(p)) || line.endsWith('...'))) return 'line-filter-no_terminal_punc';
  if (nWords < o.minWordsPerLine) return 'line-filter-too_few_words';
  const lower = flagged ? line.toLowerCase() : '';
  if (flagged && o.filterLoremIpsum && lower.includes('lorem ipsum')) return { reason: 'lorem_ipsum' };
  if (flagged && o.filterJavascript && lower.includes('javascript')) return 'line-filter-javascript';
  if (o.filterCurlyBracket && line.includes('{')) return { reason: 'curly_bracket' };
  if (flagged && o.filterPolicy && POLICY_SUBSTRINGS.some((p) => lower.includes(p))) return 'line-filter-policy';
  return null;
}

/** split_paragraph=False: the rules applied to sentences, kept ones joined with spaces. */
function c4Sentences(text: string, o: C4QualityOptions, stats?: StatsSink): { text: string } | { reason: string } {
  const kept: string[] = [];
  for (let line of splitSentences(text)) {
    line = line.trim();
    const [nWords, longest] = wordStats(line, 0, line.length, Infinity);
    if (o.maxWordLength !== -1 && longest > o.maxWordLength) {
      stats?.count('line-filter-too_long_word');
      continue;
    }
    if (o.removeCitations) line = line.replace(CITATION, '');
    const verdict = lineRule(line, nWords, o, true);
    if (verdict !== null) {
      if (typeof verdict !== 'string') return verdict;
      stats?.count(verdict);
      continue;
    }
    kept.push(line);
  }
  if (kept.length < o.minNumSentences) return { reason: 'too_few_sentences' };
  return { text: kept.join(' ').trim() };
}

/** Sentences of a text (split at the boundaries countSentences counts). */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of splitLines(text)) {
    let start = 0;
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(line); m !== null; m = BOUNDARY.exec(line)) {
      const end = m.index + m[0].length;
      out.push(line.slice(start, end).trim());
      start = end;
    }
    if (start < line.length) out.push(line.slice(start).trim());
  }
  return out.filter((s) => s !== '');
}

export const c4QualityFilter = defineFilter({
  name: 'c4-quality',
  defaults: c4QualityDefaults,
  validate(o) {
    check(o.minNumSentences >= -1, 'c4-quality', 'minNumSentences', 'must be >= -1');
    check(o.minWordsPerLine >= -1, 'c4-quality', 'minWordsPerLine', 'must be >= -1');
  },
  filter(doc: Doc, o, _state, ctx) {
    const r = c4Quality(doc.text, o, ctx.stats, doc);
    if ('reason' in r) return r.reason;
    doc.text = r.text;
    return true;
  },
});

// mC4's paragraph rule (c4_utils.paragraph_filter), as datatrove's C4ParagraphFilter.
export const c4ParagraphDefaults = { minParagraphs: 3, minParagraphLength: 200 };

export function c4Paragraph(text: string, o: typeof c4ParagraphDefaults): true | string {
  const lens = text.split('\n').map((l) => l.length);
  if (lens.length < o.minParagraphs) return `< ${o.minParagraphs} paragraphs`;
  // the shortest of the `minParagraphs` longest lines must be long enough
  const top = lens.sort((a, b) => b - a).slice(0, o.minParagraphs);
  if (Math.min(...top) < o.minParagraphLength) return `< ${o.minParagraphs} paragraphs`;
  return true;
}

export const c4ParagraphFilter = defineFilter({
  name: 'c4-paragraph',
  defaults: c4ParagraphDefaults,
  validate(o) {
    check(Number.isInteger(o.minParagraphs) && o.minParagraphs > 0, 'c4-paragraph', 'minParagraphs', 'must be a positive integer');
  },
  filter: (doc, o) => c4Paragraph(doc.text, o),
});
