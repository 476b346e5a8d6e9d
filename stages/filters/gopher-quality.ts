// Gopher quality rules (Rae et al. 2021, appendix A), with datatrove's GopherQualityFilter
// defaults, order of checks and drop reasons. A rule whose threshold is 0 is off (datatrove: None).
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { hasLetter } from '../text/chars.ts';
import { countOf, splitLines } from '../text/lines.ts';
import { docTokens, isPunctuationToken } from '../text/tokens.ts';

export const GOPHER_STOP_WORDS = ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'];

export const gopherQualityDefaults = {
  minDocWords: 50,
  maxDocWords: 100_000,
  minAvgWordLength: 3,
  maxAvgWordLength: 10,
  /** Max ratio of "#" and of "..."/"…" to words. */
  maxSymbolWordRatio: 0.1,
  /** Max fraction of lines starting with "•". */
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

/** Apply the rules to a document: `true` or datatrove's reason. */
export function gopherQuality(doc: Doc, o: GopherQualityOptions, stopWords: Set<string>): true | string {
  const text = doc.text;
  const tokens = docTokens(doc);
  // cheap pre-checks before hashing a token for the Set lookup
  let maxStop = 0;
  for (const w of stopWords) maxStop = Math.max(maxStop, w.length);
  let nWords = 0;
  let wordChars = 0;
  let alphaWords = 0;
  let stop = 0;
  for (const w of tokens) {
    if (!isPunctuationToken(w)) {
      nWords++;
      wordChars += w.length;
    }
    if (hasLetter(w)) alphaWords++;
    if (w.length <= maxStop && stopWords.has(w)) stop++;
  }
  if (o.minDocWords && nWords < o.minDocWords) return 'gopher_short_doc';
  if (o.maxDocWords && nWords > o.maxDocWords) return 'gopher_long_doc';
  if (nWords === 0) return 'gopher_short_doc';

  const avg = wordChars / nWords;
  if (o.minAvgWordLength && avg < o.minAvgWordLength) return 'gopher_below_avg_threshold';
  if (o.maxAvgWordLength && avg > o.maxAvgWordLength) return 'gopher_above_avg_threshold';

  if (o.maxSymbolWordRatio && countOf(text, '#') / nWords > o.maxSymbolWordRatio) return 'gopher_too_many_hashes';
  if (o.maxSymbolWordRatio && (countOf(text, '...') + countOf(text, '…')) / nWords > o.maxSymbolWordRatio) {
    return 'gopher_too_many_ellipsis';
  }

  if (o.maxBulletLinesRatio || o.maxEllipsisLinesRatio) {
    const lines = splitLines(text);
    let bullets = 0;
    let ellipses = 0;
    for (const line of lines) {
      if (line.trimStart().startsWith('•')) bullets++;
      const r = line.trimEnd();
      if (r.endsWith('...') || r.endsWith('…')) ellipses++;
    }
    const n = Math.max(lines.length, 1);
    if (o.maxBulletLinesRatio && bullets / n > o.maxBulletLinesRatio) return 'gopher_too_many_bullets';
    if (o.maxEllipsisLinesRatio && ellipses / n > o.maxEllipsisLinesRatio) return 'gopher_too_many_end_ellipsis';
  }

  if (o.maxNonAlphaWordsRatio && alphaWords / nWords < o.maxNonAlphaWordsRatio) return 'gopher_below_alpha_threshold';
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
  setup: (o) => new Set(o.stopWords),
  filter: (doc, o, stopWords) => gopherQuality(doc, o, stopWords),
});
