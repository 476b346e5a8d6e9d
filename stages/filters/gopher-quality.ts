// Gopher quality rules (Rae et al. 2021, appendix A), with datatrove's GopherQualityFilter
// defaults, order of checks and drop reasons. A rule whose threshold is 0 is off (datatrove: None).
// As datatrove: "words" are all tokens; the word-count and mean-length rules use the non-symbol
// ones (a character outside datatrove's PUNCTUATION_SET); "#", ellipsis and alphabetic ratios
// divide by all tokens; bullet lines start with "•" or "-".
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { countOf, isPySpaceCode, Ranges, splitLineRanges } from '../text/lines.ts';
import { docTokens } from '../text/tokens.ts';

export const GOPHER_STOP_WORDS = ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'];

export const gopherQualityDefaults = {
  minDocWords: 50,
  maxDocWords: 100_000,
  minAvgWordLength: 3,
  maxAvgWordLength: 10,
  /** Max ratio of "#" and of "..."/"…" to words. */
  maxSymbolWordRatio: 0.1,
  /** Max fraction of lines starting with "•" or "-". */
  maxBulletLinesRatio: 0.9,
  /** Max fraction of lines ending with "..." or "…". */
  maxEllipsisLinesRatio: 0.3,
  /** Min fraction of words with an alphabetic character (named as datatrove's option). */
  maxNonAlphaWordsRatio: 0.8,
  minStopWords: 2,
  /** Stop words (case-sensitive, as datatrove); set per language. */
  stopWords: GOPHER_STOP_WORDS,
};
export type GopherQualityOptions = typeof gopherQualityDefaults;

export interface GopherQualityState {
  /** Stop words by length. */
  byLength: string[][];
  maxStopLength: number;
}

const lines = new Ranges();

/** Whether the token at `pos` is one of `words` (all of its length): compared in place, no string built. */
function isStopAt(text: string, pos: number, words: string[]): boolean {
  // an ASCII double quote is Treebank's "''"
  if (text.charCodeAt(pos) === 34) return words.includes("''");
  for (const w of words) if (text.startsWith(w, pos)) return true;
  return false;
}

/** Apply the rules to a document: `true` or datatrove's reason. */
export function gopherQuality(doc: Doc, o: GopherQualityOptions, state: GopherQualityState): true | string {
  const text = doc.text;
  const t = docTokens(doc);
  const n = t.n;
  if (n === 0) return 'empty'; // datatrove guards the divisions by the word count the same way
  const { lens, symbol, alpha, count, occ } = t;
  // every count below is a sum over tokens of a per-id property: summed once per distinct token
  let nonSymbol = 0;
  let wordChars = 0;
  let alphaWords = 0;
  let stop = 0;
  const maxStop = state.maxStopLength;
  for (let id = 0; id < t.nUniq; id++) {
    const c = count[id];
    const k = occ[id];
    const len = lens[k];
    if (symbol[id] === 0) {
      nonSymbol += c;
      wordChars += c * len;
    }
    if (alpha[id] !== 0) alphaWords += c;
    if (len <= maxStop && isStopAt(text, t.pos[k], state.byLength[len])) stop += c;
  }
  if (o.minDocWords && nonSymbol < o.minDocWords) return 'gopher_short_doc';
  if (o.maxDocWords && nonSymbol > o.maxDocWords) return 'gopher_long_doc';

  const avg = wordChars / nonSymbol; // NaN without words: numpy's mean of [] fails neither test
  if (o.minAvgWordLength && avg < o.minAvgWordLength) return 'gopher_below_avg_threshold';
  if (o.maxAvgWordLength && avg > o.maxAvgWordLength) return 'gopher_above_avg_threshold';

  if (o.maxSymbolWordRatio && countOf(text, '#') / n > o.maxSymbolWordRatio) return 'gopher_too_many_hashes';
  if (o.maxSymbolWordRatio && (countOf(text, '...') + countOf(text, '…')) / n > o.maxSymbolWordRatio) {
    return 'gopher_too_many_ellipsis';
  }

  if (o.maxBulletLinesRatio || o.maxEllipsisLinesRatio) {
    splitLineRanges(text, lines);
    let bullets = 0;
    let ellipses = 0;
    for (let k = 0; k < lines.n; k++) {
      let a = lines.s[k];
      let b = lines.e[k];
      while (a < b && isPySpaceCode(text.charCodeAt(a))) a++;
      while (b > a && isPySpaceCode(text.charCodeAt(b - 1))) b--;
      if (a === b) continue;
      const first = text.charCodeAt(a);
      if (first === 0x2022 || first === 45) bullets++;
      const last = text.charCodeAt(b - 1);
      if (last === 0x2026 || (last === 46 && b - a >= 3 && text.charCodeAt(b - 2) === 46 && text.charCodeAt(b - 3) === 46)) ellipses++;
    }
    const nl = Math.max(lines.n, 1);
    if (o.maxBulletLinesRatio && bullets / nl > o.maxBulletLinesRatio) return 'gopher_too_many_bullets';
    if (o.maxEllipsisLinesRatio && ellipses / nl > o.maxEllipsisLinesRatio) return 'gopher_too_many_end_ellipsis';
  }

  if (o.maxNonAlphaWordsRatio && alphaWords / n < o.maxNonAlphaWordsRatio) return 'gopher_below_alpha_threshold';
  if (o.minStopWords && stop < o.minStopWords) return 'gopher_enough_stop_words';
  return true;
}

export const gopherQualityFilter = defineFilter({
  name: 'gopher-quality',
  defaults: gopherQualityDefaults,
  validate(o) {
    check(o.minDocWords >= 0 && o.maxDocWords >= 0, 'gopher-quality', 'minDocWords/maxDocWords', 'must be >= 0');
    check(!o.maxDocWords || o.maxDocWords >= o.minDocWords, 'gopher-quality', 'maxDocWords', 'must be >= minDocWords');
    check(o.stopWords.every((w) => typeof w === 'string'), 'gopher-quality', 'stopWords', 'must be a list of strings');
  },
  setup(o): GopherQualityState {
    const maxStopLength = Math.max(0, ...o.stopWords.map((w) => w.length));
    const byLength = Array.from({ length: maxStopLength + 1 }, (_, n) => [...new Set(o.stopWords.filter((w) => w.length === n))]);
    return { byLength, maxStopLength };
  },
  filter: (doc, o, state) => gopherQuality(doc, o, state),
});
