// GPT-2's byte ↔ unicode map: each byte gets a printable character so vocab/merges files are text
// (e.g. space → "Ġ"). Used by encoder.json/vocab.bpe and HF tokenizer.json (ByteLevel) files.

function build(): { byteToChar: string[]; charToByte: Map<string, number> } {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const byteToChar: string[] = new Array(256);
  const charToByte = new Map<string, number>();
  bs.forEach((b, i) => {
    byteToChar[b] = String.fromCharCode(cs[i]);
    charToByte.set(byteToChar[b], b);
  });
  return { byteToChar, charToByte };
}

const map = build();
export const BYTE_TO_CHAR: readonly string[] = map.byteToChar;
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = map.charToByte;

/** Bytes → GPT-2 printable string. */
export function bytesToUnicode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** GPT-2 printable string → bytes; throws naming the character if it is not in the map. */
export function unicodeToBytes(s: string, what = 'token'): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]);
    if (b === undefined) throw new Error(`${what} ${JSON.stringify(s)}: character U+${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} is not a byte-level symbol`);
    out[i] = b;
  }
  return out;
}

/**
 * UTF-8 encode s[start, end) into out at 0; returns the byte length. Lone surrogates become
 * U+FFFD (EF BF BD), as TextEncoder and tiktoken do. `out` must hold 3 * (end - start) bytes.
 */
export function utf8Into(s: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c < 0xe000) {
      const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 63);
        out[n++] = 0x80 | ((cp >> 6) & 63);
        out[n++] = 0x80 | (cp & 63);
        i++;
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}
