// Word tokens as datatrove's filters see them. datatrove runs NLTK's `word_tokenize` (Treebank
// rules) for English: words keep inner hyphens, periods and digit separators ("well-known",
// "3.5", "1,000"), contractions split ("do", "n't"), most punctuation becomes one token per
// character and "..." stays whole. Gopher and FineWeb count those tokens, so we reproduce the
// same rules with one Unicode regex (plus Intl.Segmenter for CJK/Thai runs, via words.ts) instead
// of a per-language tokenizer. Results are cached per document object while its text is unchanged,
// so a chain of filters tokenizes each document once.
import type { Doc } from '../../engine/types.ts';
import { segmentRun } from './words.ts';
import { charClass, charLen, NOSPACE, OTHER, SPACE, WORD } from './chars.ts';

// ASCII classes for the scanner's fast path.
const A_SPACE = 1;
const A_WORD = 2;
const A_DOT = 3;
const A_DASH = 4;
const A_PAD = 5;
const A_QUOTE = 6;
const A_OTHER = 7;
const ASCII = new Uint8Array(128).fill(A_OTHER);
for (const ch of ' \t\n\r\v\f') ASCII[ch.charCodeAt(0)] = A_SPACE;
for (let c = 48; c <= 57; c++) ASCII[c] = A_WORD;
for (let c = 65; c <= 90; c++) ASCII[c] = ASCII[c + 32] = A_WORD;
ASCII[95] = A_WORD; // "_" is a word character for NLTK (\w)
ASCII[46] = A_DOT;
ASCII[45] = A_DASH;
ASCII[34] = A_QUOTE;
for (const ch of ';@#$%&?!*()[]{}<>:,`') ASCII[ch.charCodeAt(0)] = A_PAD;
/** Non-ASCII characters Treebank pads one by one. */
const PADDED_UNICODE = new Set(['“', '”', '‘', '…', '«', '»']);

function isWordAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII[c] === A_WORD;
  const k = charClass(text, i);
  return k === WORD || k === NOSPACE;
}

/** Treebank's contraction split: "don't" → "do" "n't", "John's" → "John" "'s". */
const CONTRACTION = /^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$/i;

/** NLTK-like word tokens of a text (words and punctuation tokens, in order). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  scan(text, out);
  return out;
}

/** Number of tokens `tokenize` would return, without building them. */
export function countTokens(text: string): number {
  return scan(text, null);
}

const scratch: string[] = [];

function scan(text: string, out: string[] | null): number {
  let count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const a = c < 128 ? ASCII[c] : 0;
    if (a === A_SPACE) {
      i++;
      continue;
    }
    if (a === A_WORD || (a === 0 && isWordAt(text, i))) {
      // a word: word chars joined by inner - ' ’ . (and , : between digits)
      let j = i;
      let noSpace = false;
      let apostrophe = false;
      for (;;) {
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d < 128) {
            if (ASCII[d] !== A_WORD) break;
            j++;
          } else {
            const k = charClass(text, j);
            if (k === NOSPACE) noSpace = true;
            else if (k !== WORD) break;
            j += charLen(text, j);
          }
        }
        if (j + 1 >= n) break;
        const d = text.charCodeAt(j);
        if ((d === 45 || d === 46 || d === 39 || d === 0x2019) && isWordAt(text, j + 1)) {
          if (d === 39 || d === 0x2019) apostrophe = true;
          j++;
        } else if ((d === 44 || d === 58) && isDigit(text.charCodeAt(j - 1)) && isDigit(text.charCodeAt(j + 1))) {
          j++;
        } else break;
      }
      if (noSpace) {
        const sink = out ?? scratch;
        const before = sink.length;
        segmentRun(text.slice(i, j), sink);
        count += sink.length - before;
        if (!out) scratch.length = 0;
        i = j;
        continue;
      }
      if (out || apostrophe) {
        const t = text.slice(i, j);
        const m = apostrophe ? CONTRACTION.exec(t) : null;
        if (m) {
          out?.push(m[1], m[2]);
          count += 2;
        } else {
          out?.push(t);
          count++;
        }
      } else count++;
      i = j;
      continue;
    }
    if (a === A_DOT || a === A_DASH) {
      // "..." and "--" stay whole, a lone "." or "-" is a token
      let j = i + 1;
      while (j < n && text.charCodeAt(j) === c) j++;
      out?.push(text.slice(i, j));
      count++;
      i = j;
      continue;
    }
    if (a === A_QUOTE) {
      out?.push("''"); // Treebank rewrites ASCII double quotes to `` / '' (2-char tokens)
      count++;
      i++;
      continue;
    }
    if (a === A_PAD || (a === 0 && PADDED_UNICODE.has(text[i]))) {
      out?.push(text[i]);
      count++;
      i++;
      continue;
    }
    if (a === 0 && charClass(text, i) === SPACE) {
      i++;
      continue;
    }
    // any other run of symbols (e.g. "/", "++", "////") is one token
    let j = i + charLen(text, i);
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d < 128) {
        if (ASCII[d] !== A_OTHER) break;
        j++;
      } else {
        if (charClass(text, j) !== OTHER || PADDED_UNICODE.has(text[j])) break;
        j += charLen(text, j);
      }
    }
    out?.push(text.slice(i, j));
    count++;
    i = j;
  }
  return count;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Filters of a chain see one document after another, so remembering the last one is enough
// (a WeakMap over every document costs more in GC than it saves).
let lastDoc: Doc | null = null;
let lastText = '';
let lastTokens: string[] = [];

/** Tokens of `doc.text`, computed once per document while its text is unchanged. */
export function docTokens(doc: Doc): string[] {
  if (doc === lastDoc && doc.text === lastText) return lastTokens;
  lastTokens = tokenize(doc.text);
  lastDoc = doc;
  lastText = doc.text;
  return lastTokens;
}

/** Token count of `doc.text` (from the cache when the tokens are known). */
export function docTokenCount(doc: Doc): number {
  if (doc === lastDoc && doc.text === lastText) return lastTokens.length;
  return countTokens(doc.text);
}

/** Python's `string.punctuation`; datatrove drops tokens that are substrings of it (`w not in string.punctuation`). */
export const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const PUNCT_CHAR = new Uint8Array(128);
for (const ch of ASCII_PUNCTUATION) PUNCT_CHAR[ch.charCodeAt(0)] = 1;

export function isPunctuationToken(t: string): boolean {
  if (t.length === 1) {
    const c = t.charCodeAt(0);
    return c < 128 && PUNCT_CHAR[c] === 1;
  }
  const c = t.charCodeAt(0);
  // a longer substring of string.punctuation starts with a punctuation character
  return c < 128 && PUNCT_CHAR[c] === 1 && t.length <= ASCII_PUNCTUATION.length && ASCII_PUNCTUATION.includes(t);
}
