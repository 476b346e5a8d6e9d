// Character classes for hand-written scanners: a per-code-unit table filled lazily from Unicode
// regexes, so scanning is a table lookup per character (regexes with \p{…} classes run ~5x slower
// than a charCodeAt loop over typical web text).

export const SPACE = 1;
/** Letter, mark or digit of a space-delimited script. */
export const WORD = 2;
/** Letter of a script written without spaces (Han, Kana, Thai, Khmer, Lao, Myanmar). */
export const NOSPACE = 3;
export const OTHER = 4;

const table = new Uint8Array(65536);
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const NOSPACE_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Khmer}\p{Script=Lao}\p{Script=Myanmar}]/u;
const SPACE_CHAR = /\s/u;

function classify(ch: string): number {
  if (SPACE_CHAR.test(ch)) return SPACE;
  if (NOSPACE_CHAR.test(ch)) return NOSPACE;
  if (WORD_CHAR.test(ch)) return WORD;
  return OTHER;
}

/** Class of the character at `i` (astral characters: class of the whole code point). */
export function charClass(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const cp = text.codePointAt(i)!;
    return cp > 0xffff ? classify(String.fromCodePoint(cp)) : OTHER;
  }
  let k = table[c];
  if (k === 0) k = table[c] = classify(String.fromCharCode(c));
  return k;
}

/** Length in code units of the character at `i` (2 for astral code points). */
export function charLen(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
}

/** Python's str.isalpha() on one character, approximated by \p{L}. */
const ALPHA = /\p{L}/u;
export function hasLetter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return true;
    if (c < 128) continue;
    return ALPHA.test(s.slice(i));
  }
  return false;
}
