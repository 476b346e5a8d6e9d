// fastText's input features for one line, as Dictionary::getLine builds them for prediction:
// whitespace-separated tokens of the UTF-8 bytes (up to the first '\n', then the end-of-sentence
// token "</s>"), each token replaced by its word row followed by its char n-gram rows (in-vocabulary
// words: precomputed as initNgrams does; other tokens: computeSubwords on "<token>"), then word
// n-gram rows. Hashes are fastText's FNV-1a over *signed* bytes; hashed rows go through pruneidx
// in quantized models. Rows are handed to a callback in fastText's order, so the float sums match.
import type { FastTextFile } from './fasttext-format.ts';

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const EOS = new TextEncoder().encode('</s>');
const LABEL_PREFIX = new TextEncoder().encode('__label__');
const BOW = 0x3c; // '<'
const EOW = 0x3e; // '>'

/** fastText's hash: FNV-1a, each byte sign-extended (uint32_t(int8_t(c))) as released models were trained. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ ((bytes[i] << 24) >> 24), FNV_PRIME);
  return h >>> 0;
}

function isSpace(b: number): boolean {
  // fastText's readWord: ' ', \n, \r, \t, \v, \f, \0
  return b === 0x20 || (b >= 0x09 && b <= 0x0d) || b === 0;
}

export class FeatureExtractor {
  private readonly nwords: number;
  private readonly minn: number;
  private readonly maxn: number;
  private readonly bucket: number;
  private readonly wordNgrams: number;
  // vocabulary: open addressing on the fastText hash, entries' bytes concatenated
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly entryHash: Uint32Array;
  private readonly entryBytes: Uint8Array;
  private readonly entryStart: Int32Array;
  private readonly types: Uint8Array;
  // rows of in-vocabulary entries (own row + its char n-grams), flattened
  private readonly subStart: Int32Array;
  private readonly subRows: Int32Array;
  // pruned n-gram buckets → input row (open addressing), when the model is quantized
  private readonly pruned: number; // pruneidx_size_
  private readonly pruneKeys: Int32Array;
  private readonly pruneRows: Int32Array;
  private readonly pruneMask: number;
  private readonly eosId: number;
  private readonly encoder = new TextEncoder();
  private buf = new Uint8Array(1 << 16);
  private word = new Uint8Array(256);
  private hashes = new Int32Array(256);

  constructor(f: FastTextFile) {
    const { args } = f;
    this.nwords = f.nwords;
    this.minn = args.minn;
    this.maxn = args.maxn;
    this.bucket = args.bucket;
    this.wordNgrams = args.wordNgrams;
    this.types = f.types;

    this.pruned = f.pruneidxSize;
    let pcap = 16;
    while (pcap < f.pruneidx.size * 3) pcap <<= 1;
    this.pruneMask = pcap - 1;
    this.pruneKeys = new Int32Array(pcap).fill(-1);
    this.pruneRows = new Int32Array(pcap);
    for (const [bucketId, row] of f.pruneidx) {
      let s = Math.imul(bucketId, 0x9e3779b1) >>> 0 & this.pruneMask;
      while (this.pruneKeys[s] !== -1) s = (s + 1) & this.pruneMask;
      this.pruneKeys[s] = bucketId;
      this.pruneRows[s] = this.nwords + row;
    }

    const n = f.entries.length;
    let total = 0;
    for (const e of f.entries) total += e.length;
    this.entryBytes = new Uint8Array(total);
    this.entryStart = new Int32Array(n + 1);
    this.entryHash = new Uint32Array(n);
    let cap = 16;
    while (cap < n * 2) cap <<= 1;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap).fill(-1);
    let eos = -1;
    for (let i = 0, off = 0; i < n; i++) {
      const e = f.entries[i];
      this.entryBytes.set(e, off);
      this.entryStart[i] = off;
      off += e.length;
      this.entryStart[i + 1] = off;
      const h = fnv1a(e, 0, e.length);
      this.entryHash[i] = h;
      let s = h & this.mask;
      while (this.slots[s] !== -1) s = (s + 1) & this.mask;
      this.slots[s] = i;
      if (equalBytes(e, 0, e.length, EOS)) eos = i;
    }
    this.eosId = eos;

    // Dictionary::initNgrams: [i] + computeSubwords("<" + word + ">") (none for "</s>")
    const sub: number[] = [];
    this.subStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      this.subStart[i] = sub.length;
      sub.push(i);
      if (i !== eos) {
        const e = f.entries[i];
        const w = this.wordBuffer(e.length + 2);
        w.set(e, 1);
        this.subwords(w, e.length + 2, (row) => sub.push(row));
      }
    }
    this.subStart[n] = sub.length;
    this.subRows = Int32Array.from(sub);
  }

  /** Input row of hashed bucket id (pushHash): nwords + id, through pruneidx when pruned; -1 if dropped. */
  private hashRow(id: number): number {
    if (this.pruned < 0) return this.nwords + id;
    if (this.pruned === 0) return -1;
    let s = Math.imul(id, 0x9e3779b1) >>> 0 & this.pruneMask;
    for (;;) {
      const k = this.pruneKeys[s];
      if (k === id) return this.pruneRows[s];
      if (k === -1) return -1;
      s = (s + 1) & this.pruneMask;
    }
  }

  private wordBuffer(len: number): Uint8Array {
    if (this.word.length < len) this.word = new Uint8Array(len * 2);
    this.word[0] = BOW;
    this.word[len - 1] = EOW;
    return this.word;
  }

  /** Dictionary::computeSubwords over w[0, len) = "<" + token + ">": char n-grams of minn..maxn UTF-8 characters. */
  private subwords(w: Uint8Array, len: number, add: (row: number) => void): void {
    const { minn, maxn, bucket } = this;
    for (let i = 0; i < len; i++) {
      if ((w[i] & 0xc0) === 0x80) continue;
      let h = FNV_OFFSET;
      for (let j = i, n = 1; j < len && n <= maxn; n++) {
        h = Math.imul(h ^ ((w[j++] << 24) >> 24), FNV_PRIME);
        while (j < len && (w[j] & 0xc0) === 0x80) h = Math.imul(h ^ ((w[j++] << 24) >> 24), FNV_PRIME);
        if (n >= minn && !(n === 1 && (i === 0 || j === len))) {
          const row = this.hashRow((h >>> 0) % bucket);
          if (row >= 0) add(row);
        }
      }
    }
  }

  private lookup(bytes: Uint8Array, start: number, end: number, h: number): number {
    let s = h & this.mask;
    for (;;) {
      const id = this.slots[s];
      if (id === -1) return -1;
      if (this.entryHash[id] === h && equalBytes(this.entryBytes, this.entryStart[id], this.entryStart[id + 1], bytes, start, end)) return id;
      s = (s + 1) & this.mask;
    }
  }

  /**
   * Calls `add(row)` for each input row of `text` read as fastText reads `text + "\n"` (what the
   * wasm build's predict passes to predictLine): only its first line counts. Returns the row count.
   */
  forEachRow(text: string, add: (row: number) => void): number {
    if (this.buf.length < text.length * 3 + 1) this.buf = new Uint8Array(text.length * 3 + 1024);
    const buf = this.buf;
    const len = this.encoder.encodeInto(text, buf).written;
    let count = 0;
    let nh = 0;
    const counted = (row: number) => {
      count++;
      add(row);
    };
    let i = 0;
    for (;;) {
      while (i < len && isSpace(buf[i]) && buf[i] !== 0x0a) i++;
      let s: number;
      let e: number;
      let bytes: Uint8Array;
      if (i >= len || buf[i] === 0x0a) {
        bytes = EOS; // the newline (or the one the wasm build appends) reads as "</s>"
        s = 0;
        e = EOS.length;
      } else {
        s = i;
        while (i < len && !isSpace(buf[i])) i++;
        e = i;
        bytes = buf;
      }
      const h = fnv1a(bytes, s, e);
      const id = this.lookup(bytes, s, e, h);
      const eos = id >= 0 ? id === this.eosId : equalBytes(bytes, s, e, EOS);
      const isLabel = id >= 0 ? this.types[id] === 1 : startsWith(bytes, s, e, LABEL_PREFIX);
      if (!isLabel) {
        if (id >= 0) {
          if (this.maxn <= 0) counted(id);
          else for (let r = this.subStart[id], end = this.subStart[id + 1]; r < end; r++) counted(this.subRows[r]);
        } else if (!eos) {
          const w = this.wordBuffer(e - s + 2);
          w.set(bytes.subarray(s, e), 1);
          this.subwords(w, e - s + 2, counted);
        }
        if (this.wordNgrams > 1) {
          if (nh === this.hashes.length) {
            const grown = new Int32Array(nh * 2);
            grown.set(this.hashes);
            this.hashes = grown;
          }
          this.hashes[nh++] = h | 0;
        }
      }
      if (eos) break;
    }
    if (this.wordNgrams > 1) this.wordNgramRows(nh, counted);
    return count;
  }

  /** Dictionary::addWordNgrams: h = h * 116049371 + hash, in uint64 from the int32 (sign-extended) hashes. */
  private wordNgramRows(nh: number, add: (row: number) => void): void {
    const bucket = BigInt(this.bucket);
    for (let i = 0; i < nh; i++) {
      let h = BigInt.asUintN(64, BigInt(this.hashes[i]));
      for (let j = i + 1; j < nh && j < i + this.wordNgrams; j++) {
        h = BigInt.asUintN(64, h * 116049371n + BigInt.asUintN(64, BigInt(this.hashes[j])));
        const row = this.hashRow(Number(h % bucket));
        if (row >= 0) add(row);
      }
    }
  }
}

function equalBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs = 0, be = b.length): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

function startsWith(a: Uint8Array, s: number, e: number, prefix: Uint8Array): boolean {
  if (e - s < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[s + i] !== prefix[i]) return false;
  return true;
}
