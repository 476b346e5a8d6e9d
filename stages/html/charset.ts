// Decode HTML payload bytes to a string. Order of evidence: BOM, HTTP Content-Type charset,
// <meta charset> / <meta http-equiv> in the first bytes, then detection. Labels are checked
// against the bytes: a page labelled UTF-8 that is not valid UTF-8 is detected instead, and a page
// labelled with a legacy charset whose bytes are valid non-ASCII UTF-8 is decoded as UTF-8
// (both mislabellings are common on the web). Decoding goes through iconv-lite.
import iconv from 'iconv-lite';
import chardet from 'chardet';

export interface Decoded {
  text: string;
  /** Charset actually used for decoding (lowercase iconv-lite name). */
  charset: string;
}

// WHATWG Encoding Standard: these labels decode as a superset charset in browsers.
const ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'iso-8859-9': 'windows-1254',
  'iso-8859-11': 'windows-874',
  'tis-620': 'windows-874',
  gb2312: 'gbk',
  'gb_2312-80': 'gbk',
  'x-gbk': 'gbk',
  shift_jis: 'shift_jis',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  'ms_kanji': 'shift_jis',
  'windows-31j': 'shift_jis',
  'ks_c_5601-1987': 'euc-kr',
  'x-euc-jp': 'euc-jp',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
};

/** Normalise a charset label to a name iconv-lite decodes, or null if unknown. */
export function normalizeCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  let l = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (!l) return null;
  l = ALIASES[l] ?? l;
  // UTF-16 declared in a <meta> of bytes we could read as ASCII cannot be true (WHATWG: use UTF-8).
  if (l === 'utf-16' || l === 'utf-16le' || l === 'utf-16be') return l;
  return iconv.encodingExists(l) ? l : null;
}

/** charset parameter of a Content-Type header value. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = /charset\s*=\s*["']?([^"';,\s]+)/i.exec(contentType);
  return m ? m[1] : null;
}

function bomCharset(b: Uint8Array): [string, number] | null {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return ['utf-8', 3];
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return ['utf-16le', 2];
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return ['utf-16be', 2];
  return null;
}

const META_SCAN_BYTES = 4096;

/** Charset declared by an XML declaration or a <meta> tag in the first bytes (prescan, simplified from WHATWG). */
export function charsetFromMeta(b: Uint8Array): string | null {
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, META_SCAN_BYTES)).toString('latin1');
  const xml = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  const re = /<meta\s[^>]*>/gi;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    const tag = m[0];
    const cs = /\bcharset\s*=\s*["']?\s*([^"'\s;/>]+)/i.exec(tag);
    if (cs) return cs[1];
  }
  return null;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or null if they are not valid UTF-8 (one native pass). */
function tryUtf8(b: Uint8Array): string | null {
  try {
    return utf8Fatal.decode(b);
  } catch {
    return null;
  }
}

function detect(b: Uint8Array): string | null {
  // chardet's statistics need text, not markup: a sample of the first 64 KB is plenty.
  const sample = b.length > 65536 ? b.subarray(0, 65536) : b;
  return normalizeCharset(chardet.detect(sample));
}

/** Decode HTML bytes; `contentType` is the HTTP Content-Type header if known. */
export function decodeHtml(bytes: Uint8Array, contentType?: string): Decoded {
  const bom = bomCharset(bytes);
  if (bom) return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset + bom[1], bytes.length - bom[1]), bom[0]), charset: bom[0] };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let declared = normalizeCharset(charsetFromContentType(contentType)) ?? normalizeCharset(charsetFromMeta(bytes));
  if (declared && declared.startsWith('utf-16')) declared = 'utf-8';
  const utf8 = tryUtf8(bytes);
  if (utf8 !== null) {
    // Valid UTF-8: pure ASCII (as many chars as bytes) decodes the same in any ASCII-compatible
    // charset, so the label stands; valid non-ASCII UTF-8 is practically never a legacy charset
    // by accident, so it wins over a legacy label.
    return { text: utf8, charset: declared && utf8.length === bytes.length ? declared : 'utf-8' };
  }
  let charset: string;
  if (declared && declared !== 'utf-8') {
    charset = declared;
  } else {
    charset = detect(bytes) ?? 'windows-1252';
    if (charset === 'utf-8') charset = 'windows-1252';
  }
  return { text: iconv.decode(buf, charset), charset };
}
