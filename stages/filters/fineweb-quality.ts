// FineWeb's own heuristics (Penedo et al. 2024), with datatrove's FineWebQualityFilter defaults,
// order and reasons.
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc } from '../../engine/types.ts';
import { duplicateRanges, isPySpaceCode, Ranges, splitCharRanges } from '../text/lines.ts';
import { docTokenCount } from '../text/tokens.ts';

export const fineWebQualityDefaults = {
  /** Drop if the fraction of lines ending in . ' " ! ? is at most this. */
  linePunctThr: 0.12,
  /** Do not drop documents where no line ends in punctuation (e.g. some languages). */
  linePunctExcludeZero: false,
  /** Drop if the fraction of lines of at most `shortLineLength` chars is at least this. */
  shortLineThr: 0.67,
  shortLineLength: 30,
  /** Drop if duplicated non-empty lines hold at least this fraction of the characters. */
  charDuplicatesRatio: 0.01,
  /** Drop if newlines per word exceed this (lists). */
  newLineRatio: 0.3,
};
export type FineWebQualityOptions = typeof fineWebQualityDefaults;

const lines = new Ranges();
const nonEmpty = new Ranges();

export function fineWebQuality(doc: Doc, o: FineWebQualityOptions): true | string {
  const text = doc.text;
  let a = 0;
  while (a < text.length && isPySpaceCode(text.charCodeAt(a))) a++;
  if (a === text.length) return 'empty';
  splitCharRanges(text, 10, false, lines); // doc.text.split("\n")

  let punct = 0;
  let short = 0;
  nonEmpty.n = 0;
  for (let k = 0; k < lines.n; k++) {
    const s = lines.s[k];
    const e = lines.e[k];
    if (e > s) {
      const c = text.charCodeAt(e - 1); // ends with . ' " ! ?
      if (c === 46 || c === 39 || c === 34 || c === 33 || c === 63) punct++;
    }
    if (e - s <= o.shortLineLength) short++;
    let q = s;
    while (q < e && isPySpaceCode(text.charCodeAt(q))) q++;
    if (q < e) nonEmpty.push(s, e);
  }
  const punctRatio = punct / lines.n;
  if (punctRatio <= o.linePunctThr && !(punctRatio === 0 && o.linePunctExcludeZero)) return 'line_punct_ratio';
  if (short / lines.n >= o.shortLineThr) return 'short_line_ratio';

  const chars = text.length - (lines.n - 1); // text without its newlines
  if (chars > 0 && duplicateRanges(text, nonEmpty)[1] / chars >= o.charDuplicatesRatio) return 'char_dup_ratio';

  const nWords = docTokenCount(doc);
  if (nWords === 0 || (lines.n - 1) / nWords > o.newLineRatio) return 'list_ratio';
  return true;
}

export const fineWebQualityFilter = defineFilter({
  name: 'fineweb-quality',
  defaults: fineWebQualityDefaults,
  validate(o) {
    for (const k of ['linePunctThr', 'shortLineThr', 'charDuplicatesRatio'] as const) {
      check(o[k] >= 0 && o[k] <= 1, 'fineweb-quality', k, 'must be between 0 and 1');
    }
  },
  filter: (doc, o) => fineWebQuality(doc, o),
});
