// Word tokens as datatrove's filters see them. datatrove runs NLTK's `word_tokenize` (Treebank
// rules) for English: words keep inner hyphens, periods and digit separators ("well-known",
// "3.5", "1,000"), contractions split ("do", "n't"), most punctuation becomes one token per
// character and "..." stays whole. Gopher and FineWeb count those tokens, so we reproduce the
// same rules with one hand-written scanner (plus Intl.Segmenter for CJK/Thai runs, via words.ts)
// instead of a per-language tokenizer. The token table is cached per document object while its
// text is unchanged, so a chain of filters tokenizes each document once.
import type { Doc } from '../../engine/types.ts';
import { segmentRunRanges } from './words.ts';
import { charClass, charLen, NOSPACE, OTHER, SPACE, WORD } from './chars.ts';
import { ProbeTable } from './probe-table.ts';

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
/** Non-ASCII characters Treebank pads one by one: “ ” ‘ … « ». */
function isPadded(c: number): boolean {
  return c === 0x201c || c === 0x201d || c === 0x2018 || c === 0x2026 || c === 0xab || c === 0xbb;
}

function isWordAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return ASCII[c] === A_WORD;
  const k = charClass(text, i);
  return k === WORD || k === NOSPACE;
}

/** Treebank's contraction split: "don't" → "do" "n't", "John's" → "John" "'s". */
const CONTRACTION = /^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$/i;

/** Token ranges of the last scan: [TS[k], TE[k]) in the text, or TS[k] = QUOTE and TE[k] = the
 * offset of an ASCII double quote, Treebank's "''". */
let TS = new Int32Array(1024);
let TE = new Int32Array(1024);
let nTok = 0;
const QUOTE = -1;

function push(s: number, e: number): void {
  if (nTok === TS.length) {
    const a = new Int32Array(nTok * 2);
    a.set(TS);
    TS = a;
    const b = new Int32Array(nTok * 2);
    b.set(TE);
    TE = b;
  }
  TS[nTok] = s;
  TE[nTok] = e;
  nTok++;
}

/** NLTK-like word tokens of a text (words and punctuation tokens, in order). */
export function tokenize(text: string): string[] {
  scan(text, true);
  const out = new Array<string>(nTok);
  for (let k = 0; k < nTok; k++) out[k] = TS[k] === QUOTE ? "''" : text.slice(TS[k], TE[k]);
  return out;
}

/** Number of tokens `tokenize` would return, without building them. */
export function countTokens(text: string): number {
  return scan(text, false);
}

// The text's UTF-16 units, written by one native copy: reading them from a typed array is cheaper
// than a charCodeAt per character (scan reads each one, buildTable lays tokens end to end).
let srcBuf = Buffer.alloc(16384);
let srcView = new Uint16Array(srcBuf.buffer, srcBuf.byteOffset, srcBuf.length >> 1);
function utf16(text: string): Uint16Array {
  if (srcView.length < text.length) {
    srcBuf = Buffer.allocUnsafeSlow(Math.max(text.length, srcView.length * 2) * 2);
    srcView = new Uint16Array(srcBuf.buffer, srcBuf.byteOffset, srcBuf.length >> 1);
  }
  srcBuf.write(text, 0, 'utf16le');
  return srcView;
}

/** Scan `text`; with `record`, leave the token ranges in TS/TE. Returns the token count. */
function scan(text: string, record: boolean): number {
  nTok = 0;
  let count = 0;
  // every token takes at least one character of the text: room for text.length tokens means the
  // loop below writes ranges without bounds checks or growth
  if (record && TS.length < text.length) {
    TS = new Int32Array(Math.max(text.length, TS.length * 2));
    TE = new Int32Array(TS.length);
  }
  const ts = TS;
  const te = TE;
  const n = text.length;
  // the text's code units from one native copy (scanned here, laid end to end by buildTable)
  const u = utf16(text);
  let i = 0;
  while (i < n) {
    const c = u[i];
    const a = c < 128 ? ASCII[c] : 0;
    if (a === A_SPACE) {
      i++;
      continue;
    }
    if (a === A_WORD || (a === 0 && isWordAt(text, i))) {
      // a word: word chars joined by inner - ' ’ . (and , : between digits); an ASCII first
      // character is already known to be one
      let j = a === A_WORD ? i + 1 : i;
      let noSpace = false;
      let apostrophe = false;
      for (;;) {
        while (j < n) {
          const d = u[j];
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
        const d = u[j];
        if ((d === 45 || d === 46 || d === 39 || d === 0x2019) && isWordAt(text, j + 1)) {
          if (d === 39 || d === 0x2019) apostrophe = true;
          j++;
        } else if ((d === 44 || d === 58) && isDigit(u[j - 1]) && isDigit(u[j + 1])) {
          j++;
        } else break;
      }
      if (noSpace) {
        nTok = record ? count : 0;
        segmentRunRanges(text.slice(i, j), i, push);
        count += record ? nTok - count : nTok;
        nTok = 0;
        i = j;
        continue;
      }
      const m = apostrophe ? CONTRACTION.exec(text.slice(i, j)) : null;
      if (m) {
        if (record) {
          ts[count] = i;
          te[count] = i + m[1].length;
          ts[count + 1] = i + m[1].length;
          te[count + 1] = j;
        }
        count += 2;
      } else {
        if (record) {
          ts[count] = i;
          te[count] = j;
        }
        count++;
      }
      i = j;
      continue;
    }
    if (a === A_DOT || a === A_DASH) {
      // "..." and "--" stay whole, a lone "." or "-" is a token
      let j = i + 1;
      while (j < n && u[j] === c) j++;
      if (record) {
          ts[count] = i;
          te[count] = j;
        }
      count++;
      i = j;
      continue;
    }
    if (a === A_QUOTE) {
      if (record) {
        ts[count] = QUOTE; // Treebank rewrites ASCII double quotes to `` / '' (2-char tokens)
        te[count] = i;
      }
      count++;
      i++;
      continue;
    }
    if (a === A_PAD || (a === 0 && isPadded(c))) {
      if (record) {
        ts[count] = i;
        te[count] = i + 1;
      }
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
      const d = u[j];
      if (d < 128) {
        if (ASCII[d] !== A_OTHER) break;
        j++;
      } else {
        if (charClass(text, j) !== OTHER || isPadded(d)) break;
        j += charLen(text, j);
      }
    }
    if (record) {
          ts[count] = i;
          te[count] = j;
        }
    count++;
    i = j;
  }
  if (record) nTok = count;
  return count;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// ---------------------------------------------------------------------------------------------
// Per-document token table: the tokens as ranges of the text with exact integer ids (equal ids <=>
// equal strings, confirmed by comparing characters), their lengths and per-id properties, so
// filters count words and n-grams with integer work instead of building and hashing strings.

/** datatrove's PUNCTUATION_SET (datatrove.utils.text): a token is a "symbol word" when every character is in it. */
const DATATROVE_PUNCTUATION =
  '!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„\';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_."}►»';
const PUNCT_SET = new Uint8Array(65536);
for (const ch of DATATROVE_PUNCTUATION) PUNCT_SET[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 32; c++) if (c !== 9 && c !== 10) PUNCT_SET[c] = 1;
for (let c = 127; c < 160; c++) PUNCT_SET[c] = 1;

export interface TokenTable {
  /** The text the tokens are ranges of. */
  text: string;
  /** Number of tokens. */
  n: number;
  /** Exact id of each token: ids are equal exactly when the token strings are equal. */
  ids: Int32Array;
  /** Length of each token (UTF-16 units, as Python's len on BMP text). */
  lens: Int32Array;
  /** Offset in the text where each token starts (tokens never span whitespace). An ASCII double
   * quote is always its own token and stands for Treebank's "''". */
  pos: Int32Array;
  /** Characters of tokens 0 … k-1 laid end to end: cum[k] (length n + 1). */
  cum: Int32Array;
  /** Number of distinct tokens; ids run 0 … nUniq-1 in order of first occurrence. */
  nUniq: number;
  /** Per id: occurrences. */
  count: Int32Array;
  /** Per id: index of its first token (its length is lens[occ[id]]). */
  occ: Int32Array;
  /** Per id: 1 when every character is in datatrove's PUNCTUATION_SET. */
  symbol: Uint8Array;
  /** Per id: 1 when some character is a letter (Python's any(c.isalpha())). */
  alpha: Uint8Array;
  /** The string of token id `id`. */
  str(id: number): string;
}

let stream = new Uint16Array(8192);
let streamFor: TokenTable | null = null;
/** The tokens' characters laid end to end (token k at cum[k] … cum[k+1]), as built with the table; valid until the next table. */
export function joinedChars(t: TokenTable): Uint16Array {
  if (t !== streamFor) throw new Error('joinedChars: the token table is stale (a later document was tokenized)');
  return stream;
}

const LETTER = /\p{L}/u;
const letterTable = new Uint8Array(65536); // 0 unknown, 1 no, 2 yes
function isLetterAt(chars: Uint16Array, i: number, end: number): boolean {
  const c = chars[i];
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) return LETTER.test(String.fromCharCode(c, chars[i + 1]));
  let k = letterTable[c];
  if (k === 0) k = letterTable[c] = LETTER.test(String.fromCharCode(c)) ? 2 : 1;
  return k === 2;
}

// Buffers reused from one document to the next (a table is valid until the next one is built).
let ids = new Int32Array(1024);
let lens = new Int32Array(1024);
let pos0 = new Int32Array(1024);
let cum = new Int32Array(1025);
let idCount = new Int32Array(1024);
let symbol = new Uint8Array(1024);
let alpha = new Uint8Array(1024);
let firstTok = new Int32Array(1024);
const slots = new ProbeTable();

function buildTable(text: string): TokenTable {
  scan(text, true);
  const n = nTok;
  if (ids.length < n) {
    const m = n * 2;
    ids = new Int32Array(m);
    lens = new Int32Array(m);
    pos0 = new Int32Array(m);
    cum = new Int32Array(m + 1);
    idCount = new Int32Array(m);
    symbol = new Uint8Array(m);
    alpha = new Uint8Array(m);
    firstTok = new Int32Array(m);
  }
  const g = slots.begin(n);
  const src = srcView; // written by scan
  // locals: module-level lets would be reloaded on every access in the loop
  const ts = TS, te = TE, idsL = ids, lensL = lens, posL = pos0, cumL = cum;
  const cnt = idCount, symL = symbol, alphaL = alpha, firstL = firstTok, sKey = slots.key, sId = slots.val, sGen = slots.gen;
  const mask = slots.mask;
  let out = stream;
  let nUniq = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const quote = ts[k] === QUOTE;
    const s = quote ? te[k] : ts[k];
    const len = quote ? 2 : te[k] - s;
    // the token's characters, end to end after the previous ones (read from the text once)
    const from = total;
    if (from + len > out.length) {
      const grown = new Uint16Array(Math.max(out.length * 2, from + len));
      grown.set(out.subarray(0, from));
      out = stream = grown;
    }
    if (quote) {
      out[from] = 39;
      out[from + 1] = 39;
    } else for (let q = 0; q < len; q++) out[from + q] = src[s + q];
    const c0 = out[from];
    const cl = out[from + len - 1];
    posL[k] = s;
    lensL[k] = len;
    total += len;
    cumL[k + 1] = total;
    // intern: bucket by length and three characters, then compare all characters
    const cm = out[from + (len >> 1)];
    let h = Math.imul(len ^ (c0 << 8) ^ (cl << 20), 0x9e3779b1) ^ Math.imul(cm, 0x85ebca77);
    h ^= h >>> 15;
    let slot = h & mask;
    let id = -1;
    while (sGen[slot] === g) {
      if (sKey[slot] === h) {
        const o = firstL[sId[slot]];
        if (lensL[o] === len) {
          const so = cumL[o];
          let q = 0;
          while (q < len && out[so + q] === out[from + q]) q++;
          if (q === len) {
            id = sId[slot];
            cnt[id]++;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (id < 0) {
      id = nUniq++;
      sGen[slot] = g;
      sKey[slot] = h;
      sId[slot] = id;
      firstL[id] = k;
      cnt[id] = 1;
      let sym = 1;
      let alp = 0;
      for (let q = from, e = from + len; q < e; q++) {
        const c = out[q];
        if (PUNCT_SET[c] === 0) sym = 0;
        if (alp === 0 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 128 && isLetterAt(out, q, e)))) alp = 1;
      }
      symL[id] = sym;
      alphaL[id] = alp;
    }
    idsL[k] = id;
  }
  const first = firstTok;
  const starts = pos0;
  const table: TokenTable = {
    text,
    n,
    ids,
    lens,
    pos: pos0,
    cum,
    nUniq,
    count: idCount,
    occ: firstTok,
    symbol,
    alpha,
    str: (id: number) => {
      const k = first[id];
      // an ASCII double quote is always its own token, Treebank's "''"
      return text.charCodeAt(starts[k]) === 34 ? "''" : text.slice(starts[k], starts[k] + lens[k]);
    },
  };
  streamFor = table;
  return table;
}

// Filters of a chain see one document after another, so remembering the last one is enough
// (a WeakMap over every document costs more in GC than it saves).
let lastDoc: Doc | null = null;
let lastText = '';
let lastTable: TokenTable | null = null;

/** Token table of `doc.text`, built once per document while its text is unchanged. */
export function docTokens(doc: Doc): TokenTable {
  if (doc === lastDoc && doc.text === lastText && lastTable) return lastTable;
  lastTable = buildTable(doc.text);
  lastDoc = doc;
  lastText = doc.text;
  return lastTable;
}

/** The token table of `doc.text` if it is already built (without building it). */
export function cachedTokens(doc: Doc): TokenTable | null {
  return doc === lastDoc && doc.text === lastText ? lastTable : null;
}

let countDoc: Doc | null = null;
let countText = '';
let countValue = 0;

/** Token count of `doc.text` (from the cache when the table is built or the count was given). */
export function docTokenCount(doc: Doc): number {
  if (doc === lastDoc && doc.text === lastText && lastTable) return lastTable.n;
  if (doc === countDoc && doc.text === countText) return countValue;
  return countTokens(doc.text);
}

/** Record the token count of a text a filter is about to give `doc` (saves the next filter a scan). */
export function setDocTokenCount(doc: Doc, text: string, count: number): void {
  countDoc = doc;
  countText = text;
  countValue = count;
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
