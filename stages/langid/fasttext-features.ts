// fastText's input features for one line, as Dictionary::getLine builds them for prediction:
// whitespace-separated tokens of the UTF-8 bytes (up to the first '\n', then the end-of-sentence
// token "</s>"), each token replaced by its word row followed by its char n-gram rows (in-vocabulary
// words: as initNgrams precomputes them; other tokens: computeSubwords on "<token>"), then word
// n-gram rows. Hashes are fastText's FNV-1a over *signed* bytes; hashed rows go through pruneidx
// in quantized models. Rows come out in fastText's order, so the float sums match.
//
// Speed: out-of-vocabulary tokens (most tokens: lid.176 knows 7,235 words) are added to the lookup
// table with their n-gram rows the first time they are seen, so a repeated token costs one hash and
// one probe. The cache is bounded and only changes speed, never the rows.
import type { FastTextFile } from './fasttext-format.ts';

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const EOS = new TextEncoder().encode('</s>');
const LABEL_PREFIX = new TextEncoder().encode('__label__');
const BOW = 0x3c; // '<'
const EOW = 0x3e; // '>'
const WORD = 0;
const LABEL = 1;
/** Out-of-vocabulary tokens kept with their rows before the cache starts over. */
const CACHE_ENTRIES = 1 << 17;
/** Longer tokens are not cached (they are rarely repeated, and would make the cache's memory unbounded). */
const CACHED_TOKEN_BYTES = 64;

/** fastText's hash: FNV-1a, each byte sign-extended (uint32_t(int8_t(c))) as released models were trained. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ ((bytes[i] << 24) >> 24), FNV_PRIME);
  return h >>> 0;
}

/** Growable Int32Array. */
class IntList {
  a: Int32Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) this.grow(this.n + 1);
    this.a[this.n++] = v;
  }
  grow(min: number): void {
    let cap = this.a.length * 2;
    while (cap < min) cap *= 2;
    const b = new Int32Array(cap);
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
}

export class FeatureExtractor {
  private readonly nwords: number;
  private readonly minn: number;
  private readonly maxn: number;
  private readonly bucket: number;
  private readonly wordNgrams: number;
  // lookup table: dictionary entries, then cached out-of-vocabulary tokens (open addressing on the
  // hash); slot pairs [hash, id] and per-entry meta [bytes start, end, rows start, end] keep a
  // lookup to few cache lines
  private readonly base: number;
  private slots: Int32Array;
  private mask: number;
  private entries = 0;
  private entryHash: Uint32Array;
  private entryType: Uint8Array;
  private entryBytes: Uint8Array;
  private meta: Int32Array;
  private readonly rowArena = new IntList(1 << 16);
  private eosId = -1;
  // pruned n-gram buckets → input row (open addressing), when the model is quantized
  private readonly pruned: number; // pruneidx_size_
  private readonly pruneKeys: Int32Array;
  private readonly pruneRows: Int32Array;
  private readonly pruneMask: number;
  /** One bit per bucket: kept by pruneidx (most n-grams of new tokens are not; this 2M-bucket bitset is 256 KB). */
  private readonly pruneBits: Uint32Array;
  private readonly encoder = new TextEncoder();
  private buf = new Uint8Array(1 << 16);
  private word = new Uint8Array(256);
  private readonly hashes = new IntList(256);
  /** Rows of the last `extract`. */
  readonly out = new IntList(4096);

  constructor(f: FastTextFile) {
    const { args } = f;
    this.nwords = f.nwords;
    this.minn = args.minn;
    this.maxn = args.maxn;
    this.bucket = args.bucket;
    this.wordNgrams = args.wordNgrams;

    this.pruned = f.pruneidxSize;
    let pcap = 16;
    while (pcap < f.pruneidx.size * 3) pcap <<= 1;
    this.pruneMask = pcap - 1;
    this.pruneKeys = new Int32Array(pcap).fill(-1);
    this.pruneRows = new Int32Array(pcap);
    this.pruneBits = new Uint32Array(f.pruneidx.size ? (args.bucket + 31) >>> 5 : 0);
    for (const [bucketId, row] of f.pruneidx) {
      let s = (Math.imul(bucketId, 0x9e3779b1) >>> 0) & this.pruneMask;
      while (this.pruneKeys[s] !== -1) s = (s + 1) & this.pruneMask;
      this.pruneKeys[s] = bucketId;
      this.pruneRows[s] = this.nwords + row;
      this.pruneBits[bucketId >>> 5] |= 1 << (bucketId & 31);
    }

    this.base = f.entries.length;
    const max = this.base + CACHE_ENTRIES + 1;
    let cap = 16;
    while (cap < max * 1.5) cap <<= 1;
    this.mask = cap - 1;
    this.slots = new Int32Array(2 * cap).fill(-1);
    this.entryHash = new Uint32Array(max);
    this.entryType = new Uint8Array(max);
    this.meta = new Int32Array(4 * max);
    let total = 0;
    for (const e of f.entries) total += e.length;
    this.entryBytes = new Uint8Array(total + 8 * CACHE_ENTRIES);
    for (let i = 0; i < this.base; i++) {
      const e = f.entries[i];
      // Dictionary::initNgrams: [i] + computeSubwords("<" + word + ">"), none for "</s>"; [i] alone
      // without char n-grams; labels in the text add nothing
      const isEos = equalBytes(e, 0, e.length, EOS, 0, EOS.length);
      const type = f.types[i] === 1 ? LABEL : WORD;
      const start = this.rowArena.n;
      if (type === WORD) this.rowArena.push(i);
      if (type === WORD && !isEos && this.maxn > 0) this.subwords(e, 0, e.length, this.rowArena);
      this.add(e, 0, e.length, fnv1a(e, 0, e.length), type, start);
      if (isEos) this.eosId = i;
    }
    if (this.eosId < 0) this.addEos();
  }

  /** "</s>" out of vocabulary: a word without rows (addSubwords skips it), whose hash still joins word n-grams. */
  private addEos(): void {
    this.eosId = this.entries;
    this.add(EOS, 0, EOS.length, fnv1a(EOS, 0, EOS.length), WORD, this.rowArena.n);
  }

  /** Adds an entry whose rows are the row arena's from `rowsStart` to its end. */
  private add(bytes: Uint8Array, s: number, e: number, h: number, type: number, rowsStart: number): number {
    const id = this.entries++;
    const b0 = id === 0 ? 0 : this.meta[4 * id - 3];
    if (b0 + (e - s) > this.entryBytes.length) {
      const grown = new Uint8Array(Math.max(this.entryBytes.length * 2, b0 + (e - s)));
      grown.set(this.entryBytes.subarray(0, b0));
      this.entryBytes = grown;
    }
    const eb = this.entryBytes;
    for (let i = s, o = b0; i < e; i++, o++) eb[o] = bytes[i]; // (no subarray view per token)
    const arena = this.rowArena;
    const m = 4 * id;
    this.meta[m] = b0;
    this.meta[m + 1] = b0 + (e - s);
    this.meta[m + 2] = rowsStart;
    this.meta[m + 3] = arena.n;
    this.entryHash[id] = h;
    this.entryType[id] = type;
    this.place(id);
    return id;
  }

  private place(id: number): void {
    const h = this.entryHash[id];
    let slot = h & this.mask;
    while (this.slots[2 * slot + 1] !== -1) slot = (slot + 1) & this.mask;
    this.slots[2 * slot] = h | 0;
    this.slots[2 * slot + 1] = id;
  }

  /** Forget the cached out-of-vocabulary tokens. */
  private resetCache(): void {
    this.slots.fill(-1);
    for (let id = 0; id < this.base; id++) this.place(id);
    this.entries = this.base;
    this.rowArena.n = this.meta[4 * this.base - 1];
    if (this.eosId >= this.base) this.addEos();
  }

  /** Input row of hashed bucket id (pushHash): nwords + id, through pruneidx when pruned; -1 if dropped. */
  private hashRow(id: number): number {
    if (this.pruned < 0) return this.nwords + id;
    if (this.pruned === 0 || (this.pruneBits[id >>> 5] & (1 << (id & 31))) === 0) return -1;
    let s = (Math.imul(id, 0x9e3779b1) >>> 0) & this.pruneMask;
    for (;;) {
      const k = this.pruneKeys[s];
      if (k === id) return this.pruneRows[s];
      if (k === -1) return -1;
      s = (s + 1) & this.pruneMask;
    }
  }

  /** Dictionary::computeSubwords on "<" + bytes[s, e) + ">": char n-grams of minn..maxn UTF-8 characters. */
  private subwords(bytes: Uint8Array, s: number, e: number, into: IntList): void {
    const len = e - s + 2;
    if (this.word.length < len) this.word = new Uint8Array(len * 2);
    const w = this.word;
    w[0] = BOW;
    for (let i = s, o = 1; i < e; i++, o++) w[o] = bytes[i];
    w[len - 1] = EOW;
    const { minn, maxn, bucket } = this;
    for (let i = 0; i < len; i++) {
      if ((w[i] & 0xc0) === 0x80) continue;
      let h = FNV_OFFSET;
      for (let j = i, n = 1; j < len && n <= maxn; n++) {
        h = Math.imul(h ^ ((w[j++] << 24) >> 24), FNV_PRIME);
        while (j < len && (w[j] & 0xc0) === 0x80) h = Math.imul(h ^ ((w[j++] << 24) >> 24), FNV_PRIME);
        if (n >= minn && !(n === 1 && (i === 0 || j === len))) {
          const row = this.hashRow((h >>> 0) % bucket);
          if (row >= 0) into.push(row);
        }
      }
    }
  }

  private lookup(bytes: Uint8Array, s: number, e: number, h: number): number {
    const slots = this.slots;
    const h32 = h | 0;
    let slot = h & this.mask;
    for (;;) {
      const id = slots[2 * slot + 1];
      if (id === -1) return -1;
      if (slots[2 * slot] === h32 && equalBytes(this.entryBytes, this.meta[4 * id], this.meta[4 * id + 1], bytes, s, e)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Entry of an out-of-vocabulary token, computing and caching its rows. */
  private addToken(bytes: Uint8Array, s: number, e: number, h: number): number {
    if (this.entries >= this.base + CACHE_ENTRIES) this.resetCache();
    const start = this.rowArena.n;
    if (startsWith(bytes, s, e, LABEL_PREFIX)) return this.add(bytes, s, e, h, LABEL, start); // getType: a label, ignored
    this.subwords(bytes, s, e, this.rowArena);
    return this.add(bytes, s, e, h, WORD, start);
  }

  /** A long out-of-vocabulary token (a URL, base64, a run of CJK text): its rows straight into `out`, not cached. */
  private uncachedToken(bytes: Uint8Array, s: number, e: number, h: number): void {
    if (startsWith(bytes, s, e, LABEL_PREFIX)) return;
    this.subwords(bytes, s, e, this.out);
    if (this.wordNgrams > 1) this.hashes.push(h | 0);
  }

  /**
   * The input rows of `text` read as fastText reads `text + "\n"` (what the wasm build's predict
   * passes to predictLine): only its first line counts. Rows land in `this.out.a[0, n)`; returns n.
   */
  extract(text: string): number {
    if (this.buf.length < text.length * 3 + 1) this.buf = new Uint8Array(text.length * 3 + 1024);
    const buf = this.buf;
    const len = this.encoder.encodeInto(text, buf).written;
    const out = this.out;
    out.n = 0;
    this.hashes.n = 0;
    let i = 0;
    for (;;) {
      while (i < len && SEP[buf[i]] === 1) i++;
      let id: number;
      if (i >= len || buf[i] === 0x0a) id = this.eosId; // the newline (or the one the wasm build appends) reads as "</s>"
      else {
        const s = i;
        let h = FNV_OFFSET;
        while (i < len) {
          const b = buf[i];
          if (SEP[b] !== 0) break;
          h = Math.imul(h ^ ((b << 24) >> 24), FNV_PRIME);
          i++;
        }
        h >>>= 0;
        id = this.lookup(buf, s, i, h);
        if (id < 0) {
          if (i - s > CACHED_TOKEN_BYTES) {
            this.uncachedToken(buf, s, i, h);
            continue;
          }
          id = this.addToken(buf, s, i, h);
        }
      }
      // labels have no rows; they only differ from words in not joining word n-grams
      const r0 = this.meta[4 * id + 2];
      const r1 = this.meta[4 * id + 3];
      if (out.n + (r1 - r0) > out.a.length) out.grow(out.n + (r1 - r0));
      const o = out.a;
      const arena = this.rowArena.a;
      let n = out.n;
      for (let r = r0; r < r1; r++) o[n++] = arena[r]; // (a subarray view per token costs more)
      out.n = n;
      if (this.wordNgrams > 1 && this.entryType[id] === WORD) this.hashes.push(this.entryHash[id] | 0);
      if (id === this.eosId) break;
    }
    if (this.wordNgrams > 1) this.wordNgramRows();
    return out.n;
  }

  /** Dictionary::addWordNgrams: h = h * 116049371 + hash, in uint64 from the int32 (sign-extended) hashes. */
  private wordNgramRows(): void {
    const bucket = BigInt(this.bucket);
    const hs = this.hashes.a;
    const nh = this.hashes.n;
    for (let i = 0; i < nh; i++) {
      let h = BigInt.asUintN(64, BigInt(hs[i]));
      for (let j = i + 1; j < nh && j < i + this.wordNgrams; j++) {
        h = BigInt.asUintN(64, h * 116049371n + BigInt.asUintN(64, BigInt(hs[j])));
        const row = this.hashRow(Number(h % bucket));
        if (row >= 0) this.out.push(row);
      }
    }
  }
}

/** fastText's readWord separators: ' ', \r, \t, \v, \f, \0 → 1; '\n' (ends the line) → 2. */
const SEP = new Uint8Array(256);
for (const c of [0x20, 0x0d, 0x09, 0x0b, 0x0c, 0x00]) SEP[c] = 1;
SEP[0x0a] = 2;

function equalBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

function startsWith(a: Uint8Array, s: number, e: number, prefix: Uint8Array): boolean {
  if (e - s < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[s + i] !== prefix[i]) return false;
  return true;
}
