// Text normalisers used before hashing. `simple` follows datatrove's simplify_text: lowercase,
// accents folded (NFD, nonspacing marks removed), digit runs → "0"; punctuation and whitespace
// are then dropped by the word segmenter (or collapsed, for exact hashing).

const NON_ASCII = /[^\x00-\x7f]/;
const NONSPACING = /\p{Mn}+/gu;
const DIGITS = /\p{Nd}+/gu;
const PUNCT_SPACE = /[\p{P}\p{S}\p{Z}\s]+/gu;
const SPACE = /\s+/g;

export type NormalizerName = 'none' | 'whitespace' | 'simple';
export const NORMALIZERS: NormalizerName[] = ['none', 'whitespace', 'simple'];

/** Lowercase, fold accents, digit runs → 0 (words are still separated by the original punctuation). */
export function simplify(text: string): string {
  let t = text.toLowerCase();
  if (NON_ASCII.test(t)) t = t.normalize('NFD').replace(NONSPACING, '').normalize('NFC');
  return t.replace(DIGITS, '0');
}

/** Collapse whitespace runs to one space and trim. */
export function collapseWhitespace(text: string): string {
  return text.replace(SPACE, ' ').trim();
}

/** Normaliser by name, for exact hashing of whole texts. */
export function normalizer(name: NormalizerName): (text: string) => string {
  switch (name) {
    case 'none':
      return (t) => t;
    case 'whitespace':
      return collapseWhitespace;
    case 'simple':
      return (t) => simplify(t).replace(PUNCT_SPACE, ' ').trim();
  }
}
