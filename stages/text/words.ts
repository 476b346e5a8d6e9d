// Word segmentation for every script without per-language tokenizers: a Unicode regex for
// space-delimited scripts (~24M words/s) and Intl.Segmenter only on runs of scripts written
// without spaces (CJK, Thai, Khmer, Lao, Myanmar). ICU segmentation degrades quadratically with
// string length (≈3k words/s at 200 KB), so those runs are fed to it in bounded windows.

/** A word: letters/marks/digits, with inner apostrophes ("don't"). */
const WORD_RE = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const NO_SPACE_CHARS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Khmer}\\p{Script=Lao}\\p{Script=Myanmar}';
/** True when a string contains a character of a script written without spaces. */
export const NO_SPACE_SCRIPT = new RegExp(`[${NO_SPACE_CHARS}]`, 'u');
/** Longest window handed to Intl.Segmenter at once (keeps segmentation linear in text length). */
const WINDOW = 256;

let segmenter: Intl.Segmenter | undefined;

/** Segments ending this close to a window's cut may be segmented differently with more context. */
const MARGIN = 32;

/**
 * Push the words of a run (no whitespace inside) with Intl.Segmenter, window by window. A window
 * that does not reach the end of the run keeps only the segments ending at least MARGIN characters
 * before its cut; the rest is re-read at the start of the next window, so no word is cut or
 * segmented differently at a window edge.
 */
export function segmentRun(run: string, out: string[]): void {
  segmentRunRanges(run, 0, (s, e) => out.push(run.slice(s, e)));
}

/** segmentRun's words as [start, end) offsets (plus `base`), for scanners that keep ranges, not strings. */
export function segmentRunRanges(run: string, base: number, emit: (start: number, end: number) => void): void {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  let start = 0;
  while (start < run.length) {
    const end = Math.min(run.length, start + WINDOW);
    const last = end === run.length;
    const limit = last ? Infinity : end - start - MARGIN;
    let next = end;
    for (const s of segmenter.segment(run.slice(start, end))) {
      if (s.index + s.segment.length > limit && s.index > 0) {
        next = start + s.index; // re-read from here
        break;
      }
      if (s.isWordLike) emit(base + start + s.index, base + start + s.index + s.segment.length);
    }
    start = next;
  }
}

/** Split text into words (punctuation and whitespace dropped). */
export function words(text: string): string[] {
  if (!NO_SPACE_SCRIPT.test(text)) return text.match(WORD_RE) ?? [];
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
