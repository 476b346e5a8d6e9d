// MinHash signatures: normalised text → word (or char) n-gram shingles → 64-bit shingle hashes →
// k = bands × rows minima under 64-bit affine permutations (WASM kernel) → one 64-bit hash per band.
// Shingle hashes are two independent 32-bit lanes (seeded FNV-1a + murmur3 finaliser per word,
// then an order-sensitive mix of n word hashes), so no BigInt or string joining on the hot path.
import { words } from '../text/words.ts';
import { simplify } from './normalize.ts';
import { minhashKernel, type MinhashKernel } from './wasm.ts';

export interface MinHashConfig {
  bands: number;
  rows: number;
  /** Shingle size in words (or characters with `shingle: 'char'`). */
  ngram: number;
  shingle: 'word' | 'char';
  seed: number;
}

export const MINHASH_DEFAULTS: MinHashConfig = { bands: 14, rows: 8, ngram: 5, shingle: 'word', seed: 1 };

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** splitmix64 over a (hi, lo) pair of 32-bit halves, returned as BigInt (setup only). */
function* splitmix64(seed: number): Generator<bigint> {
  let s = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n);
  for (;;) {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    yield z ^ (z >> 31n);
  }
}

/** True when a lowercased token has digits or non-ASCII characters (accents to fold). */
function needsFold(w: string): boolean {
  for (let j = 0; j < w.length; j++) {
    const c = w.charCodeAt(j);
    if (c > 0x7f || (c >= 0x30 && c <= 0x39)) return true;
  }
  return false;
}

const folded = new Map<string, string>();
/** simplify() of one token, memoised (vocabularies are Zipfian); the cache is bounded. */
function foldWord(w: string): string {
  let f = folded.get(w);
  if (f === undefined) {
    if (folded.size >= 1 << 16) folded.clear();
    f = simplify(w);
    folded.set(w, f);
  }
  return f;
}

export class MinHasher {
  readonly k: number;
  private readonly kPadded: number;
  private readonly kernel: MinhashKernel;
  private readonly abPtr = 0;
  private readonly outPtr: number;
  private readonly xPtr: number;
  private mem32: Uint32Array;
  private w1 = new Uint32Array(1024);
  private w2 = new Uint32Array(1024);
  private readonly seed1: number;
  private readonly seed2: number;

  constructor(readonly cfg: MinHashConfig) {
    this.k = cfg.bands * cfg.rows;
    this.kPadded = Math.ceil(this.k / 4) * 4;
    this.kernel = minhashKernel();
    this.outPtr = this.kPadded * 16;
    this.xPtr = this.outPtr + this.kPadded * 8;
    this.mem32 = new Uint32Array(this.kernel.memory.buffer);
    const rng = splitmix64(cfg.seed);
    const ab = new BigUint64Array(this.kernel.memory.buffer, this.abPtr, this.kPadded * 2);
    for (let i = 0; i < this.kPadded; i++) {
      ab[2 * i] = rng.next().value | 1n; // odd multiplier: a bijection of 2^64
      ab[2 * i + 1] = rng.next().value;
    }
    this.seed1 = Number(rng.next().value & 0xffffffffn);
    this.seed2 = Number(rng.next().value & 0xffffffffn);
  }

  /** Shingle hashes of a text into WASM memory; returns their count (0: no words). */
  private shingles(text: string): number {
    // Word shingles: segment the lowercased text, then fold the few tokens with digits or
    // non-ASCII letters one by one (NFD over a whole text is the slowest step otherwise).
    const toks = this.cfg.shingle === 'word' ? words(text.toLowerCase()) : [...simplify(text).replace(/\s+/g, ' ').trim()];
    const nw = toks.length;
    if (nw === 0) return 0;
    if (this.w1.length < nw) {
      this.w1 = new Uint32Array(nw * 2);
      this.w2 = new Uint32Array(nw * 2);
    }
    const { w1, w2, seed1, seed2 } = this;
    for (let i = 0; i < nw; i++) {
      let w = toks[i];
      if (needsFold(w)) w = foldWord(w);
      let h1 = seed1 ^ 0x811c9dc5;
      let h2 = seed2;
      for (let j = 0; j < w.length; j++) {
        const c = w.charCodeAt(j);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      w1[i] = fmix32(h1 ^ w.length);
      w2[i] = fmix32(h2 ^ Math.imul(w.length, 0x27d4eb2f));
    }
    // Documents shorter than one n-gram form a single shingle of all their tokens.
    const g = Math.min(this.cfg.ngram, nw);
    const n = nw - g + 1;
    const need = this.xPtr + n * 8;
    if (need > this.kernel.memory.buffer.byteLength) {
      this.kernel.memory.grow(Math.ceil((need - this.kernel.memory.buffer.byteLength) / 65536));
      this.mem32 = new Uint32Array(this.kernel.memory.buffer);
    }
    // Rolling polynomial hash of g word hashes per lane (O(1) per shingle), then a finaliser.
    const mem = this.mem32;
    let o = this.xPtr >>> 2;
    const P1 = 0x01000193;
    const P2 = 0x5bd1e995;
    let top1 = 1;
    let top2 = 1;
    let s1 = 0;
    let s2 = 0;
    for (let t = 0; t < g; t++) {
      if (t > 0) {
        top1 = Math.imul(top1, P1);
        top2 = Math.imul(top2, P2);
      }
      s1 = (Math.imul(s1, P1) + w1[t]) | 0;
      s2 = (Math.imul(s2, P2) + w2[t]) | 0;
    }
    for (let i = 0; ; i++) {
      mem[o++] = fmix32(s1 ^ g); // little-endian: low word first
      mem[o++] = fmix32(s2 + g);
      if (i + 1 >= n) break;
      s1 = (Math.imul(s1 - Math.imul(w1[i], top1), P1) + w1[i + g]) | 0;
      s2 = (Math.imul(s2 - Math.imul(w2[i], top2), P2) + w2[i + g]) | 0;
    }
    return n;
  }

  /**
   * The k minima of a text as 2k 32-bit words (lo, hi per hash), a view into WASM memory valid until
   * the next call; null when the text has no words.
   */
  signature(text: string): Uint32Array | null {
    const n = this.shingles(text);
    if (n === 0) return null;
    this.kernel.minhash(this.xPtr, n, this.abPtr, this.kPadded, this.outPtr);
    return this.mem32.subarray(this.outPtr >>> 2, (this.outPtr >>> 2) + 2 * this.k);
  }

  /** One 64-bit hash per band (hi, lo words) from a signature, into `out` (2 × bands words). */
  bandHashes(sig: Uint32Array, out: Uint32Array): Uint32Array {
    const { bands, rows } = this.cfg;
    for (let b = 0; b < bands; b++) {
      let h1 = 0x2545f491 ^ b;
      let h2 = 0x61c88647 ^ Math.imul(b, 0x9e3779b1);
      for (let r = 0; r < rows; r++) {
        const i = 2 * (b * rows + r);
        h1 = Math.imul(h1 ^ sig[i], 0xcc9e2d51);
        h1 = (h1 << 13) | (h1 >>> 19);
        h1 = Math.imul(h1 ^ sig[i + 1], 0x1b873593);
        h2 = Math.imul(h2 ^ sig[i + 1], 0x85ebca6b);
        h2 = (h2 << 17) | (h2 >>> 15);
        h2 = Math.imul(h2 ^ sig[i], 0xc2b2ae35);
      }
      out[2 * b] = fmix32(h1 ^ h2);
      out[2 * b + 1] = fmix32(h2 + Math.imul(h1, 5));
    }
    return out;
  }
}

/** Fraction of equal minima of two signatures: the MinHash estimate of their Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i += 2) if (a[i] === b[i] && a[i + 1] === b[i + 1]) eq++;
  return eq / (a.length / 2);
}
