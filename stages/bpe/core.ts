// The BPE encoder's inner loop: pre-token → token ids by lowest-priority pair merging (tiktoken's
// algorithm), over integer token ids with an open-addressing pair table (no byte strings built),
// and a per-encoder cache of pre-token → ids.
import { utf8Into } from './bytes.ts';

const EMPTY = -1;

/** (left id, right id) → (priority, merged id). Priority is the merge's rank: lower merges first. */
export class PairTable {
  private mask: number;
  private keyA: Int32Array;
  private keyB: Int32Array;
  private prio: Int32Array;
  private out: Int32Array;
  /** Direct table for pairs of ids < 256 (most lookups on cache misses). */
  private smallPrio = new Int32Array(65536).fill(0x7fffffff);
  private smallOut = new Int32Array(65536);
  size = 0;

  constructor(expected: number) {
    let cap = 1024;
    while (cap < expected * 2) cap <<= 1;
    this.mask = cap - 1;
    this.keyA = new Int32Array(cap).fill(EMPTY);
    this.keyB = new Int32Array(cap);
    this.prio = new Int32Array(cap);
    this.out = new Int32Array(cap);
  }

  private slot(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** Insert if absent (the first insertion wins); returns false if the pair was already there. */
  set(a: number, b: number, prio: number, out: number): boolean {
    if (a < 256 && b < 256) {
      const k = (a << 8) | b;
      if (this.smallPrio[k] !== 0x7fffffff) return false;
      this.smallPrio[k] = prio;
      this.smallOut[k] = out;
    }
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keyA[i];
      if (ka === EMPTY) break;
      if (ka === a && this.keyB[i] === b) return false;
      i = (i + 1) & this.mask;
    }
    if ((this.size + 1) * 2 > this.mask + 1) {
      this.grow();
      return this.set(a, b, prio, out);
    }
    this.keyA[i] = a;
    this.keyB[i] = b;
    this.prio[i] = prio;
    this.out[i] = out;
    this.size++;
    return true;
  }

  private grow(): void {
    const { keyA, keyB, prio, out } = this;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keyA = new Int32Array(cap).fill(EMPTY);
    this.keyB = new Int32Array(cap);
    this.prio = new Int32Array(cap);
    this.out = new Int32Array(cap);
    this.size = 0;
    for (let i = 0; i < keyA.length; i++) {
      if (keyA[i] === EMPTY) continue;
      let j = this.slot(keyA[i], keyB[i]);
      while (this.keyA[j] !== EMPTY) j = (j + 1) & this.mask;
      this.keyA[j] = keyA[i];
      this.keyB[j] = keyB[i];
      this.prio[j] = prio[i];
      this.out[j] = out[i];
      this.size++;
    }
  }

  /** Slot index of the pair or -1; read prioAt/outAt. */
  find(a: number, b: number): number {
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keyA[i];
      if (ka === EMPTY) return -1;
      if (ka === a && this.keyB[i] === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Priority of merging (a, b), or 0x7fffffff if they do not merge. */
  priority(a: number, b: number): number {
    if ((a | b) < 256) return this.smallPrio[(a << 8) | b];
    const i = this.find(a, b);
    return i < 0 ? 0x7fffffff : this.prio[i];
  }

  merged(a: number, b: number): number {
    if ((a | b) < 256) return this.smallOut[(a << 8) | b];
    return this.out[this.find(a, b)];
  }
}

const NONE = 0x7fffffff;

/** Encodes pre-tokens; keeps scratch buffers and the cache. Not shared between threads. */
export class PieceEncoder {
  private bytes = new Uint8Array(1024);
  private ids = new Int32Array(1024);
  private prios = new Int32Array(1024);
  private cache = new Map<string, number | Int32Array>();

  constructor(
    private pairs: PairTable,
    /** Token id of each single byte. */
    private byteIds: Int32Array,
    private cacheLimit = 1 << 18,
  ) {}

  /** Append the ids of a regex-matched piece to out at pos (room for 3 * piece.length ids); returns the new pos. */
  encode(piece: string, out: Uint32Array, pos: number): number {
    const hit = this.cache.get(piece);
    if (hit !== undefined) {
      if (typeof hit === 'number') {
        out[pos] = hit;
        return pos + 1;
      }
      out.set(hit, pos);
      return pos + hit.length;
    }
    const n = this.mergeRange(piece, 0, piece.length);
    const ids = this.ids;
    if (this.cache.size >= this.cacheLimit) this.cache.clear();
    if (n === 1) this.cache.set(piece, ids[0]);
    else this.cache.set(piece, ids.slice(0, n));
    for (let i = 0; i < n; i++) out[pos + i] = ids[i];
    return pos + n;
  }

  /**
   * Append the ids of s[start, end) to out at pos, through a cache keyed by the characters in
   * place (FNV hash + compare), so a hit allocates nothing.
   */
  encodeRange(s: string, start: number, end: number, out: Uint32Array, pos: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    const rc = this.rc;
    const mask = rc.mask;
    const len = end - start;
    let slot = h & mask;
    for (;;) {
      const key = rc.keys[slot];
      if (key === undefined) break;
      if (rc.hashes[slot] === h && key.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (key.charCodeAt(i) !== s.charCodeAt(start + i)) {
            same = false;
            break;
          }
        }
        if (same) {
          const vs = rc.valStart[slot];
          const vl = rc.valLen[slot];
          const arena = rc.arena;
          for (let i = 0; i < vl; i++) out[pos + i] = arena[vs + i];
          return pos + vl;
        }
      }
      slot = (slot + 1) & mask;
    }
    const n = this.mergeRange(s, start, end);
    const ids = this.ids;
    for (let i = 0; i < n; i++) out[pos + i] = ids[i];
    if (n <= 64) {
      if (rc.size * 2 >= mask + 1 || rc.arenaLen + n > rc.arena.length) {
        rc.reset();
        slot = h & mask;
      }
      rc.keys[slot] = s.slice(start, end);
      rc.hashes[slot] = h;
      rc.valStart[slot] = rc.arenaLen;
      rc.valLen[slot] = n;
      rc.arena.set(ids.subarray(0, n), rc.arenaLen);
      rc.arenaLen += n;
      rc.size++;
    }
    return pos + n;
  }

  /** 512k pieces (~25 MB with keys and ids): large enough that multilingual text rarely clears it. */
  private rc = new RangeCache(1 << 19);

  /** Merge the bytes of s[start, end); the result is this.ids[0, return). */
  mergeRange(s: string, start: number, end: number): number {
    const cap = (end - start) * 3;
    if (cap > this.bytes.length) {
      let c = this.bytes.length;
      while (c < cap) c *= 2;
      this.bytes = new Uint8Array(c);
      this.ids = new Int32Array(c);
      this.prios = new Int32Array(c);
    }
    const bytes = this.bytes;
    const n = utf8Into(s, start, end, bytes);
    const ids = this.ids;
    const byteIds = this.byteIds;
    for (let i = 0; i < n; i++) ids[i] = byteIds[bytes[i]];
    if (n < 2) return n;
    return n > 256 ? this.mergeLong(n) : this.mergeShort(n);
  }

  /** O(n²) merging with a priority per adjacent pair: fastest for short pieces. */
  private mergeShort(len: number): number {
    const ids = this.ids;
    const prios = this.prios;
    const pairs = this.pairs;
    for (let i = 0; i < len - 1; i++) prios[i] = pairs.priority(ids[i], ids[i + 1]);
    while (len > 1) {
      let best = NONE;
      let at = -1;
      for (let i = 0; i < len - 1; i++) {
        if (prios[i] < best) {
          best = prios[i];
          at = i;
        }
      }
      if (at < 0) break;
      ids[at] = pairs.merged(ids[at], ids[at + 1]);
      for (let i = at + 1; i < len - 1; i++) ids[i] = ids[i + 1];
      for (let i = at + 1; i < len - 2; i++) prios[i] = prios[i + 1];
      len--;
      if (at > 0) prios[at - 1] = pairs.priority(ids[at - 1], ids[at]);
      if (at < len - 1) prios[at] = pairs.priority(ids[at], ids[at + 1]);
    }
    return len;
  }

  /**
   * Long pieces (whitespace runs, unspaced scripts): a doubly linked list and a binary heap of
   * (priority, position), O(n log n). Ties go to the leftmost pair, as in tiktoken.
   */
  private mergeLong(len: number): number {
    const ids = this.ids;
    const pairs = this.pairs;
    const next = new Int32Array(len);
    const prev = new Int32Array(len);
    const prio = new Int32Array(len); // priority of the pair starting at i (NONE if none)
    const ver = new Int32Array(len); // bumped whenever prio[i] is recomputed: older heap entries are stale
    for (let i = 0; i < len; i++) {
      next[i] = i + 1 < len ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new MinHeap(len);
    for (let i = 0; i < len - 1; i++) {
      prio[i] = pairs.priority(ids[i], ids[i + 1]);
      if (prio[i] !== NONE) heap.push(prio[i], i, 0);
    }
    prio[len - 1] = NONE;
    while (heap.size > 0) {
      const i = heap.topI();
      const v = heap.topV();
      heap.pop();
      if (ver[i] !== v || prio[i] === NONE) continue;
      const j = next[i];
      ids[i] = pairs.merged(ids[i], ids[j]);
      const k = next[j];
      next[i] = k;
      if (k >= 0) prev[k] = i;
      prio[j] = NONE;
      ver[j]++;
      const a = prev[i];
      if (a >= 0) {
        prio[a] = pairs.priority(ids[a], ids[i]);
        ver[a]++;
        if (prio[a] !== NONE) heap.push(prio[a], a, ver[a]);
      }
      prio[i] = k >= 0 ? pairs.priority(ids[i], ids[k]) : NONE;
      ver[i]++;
      if (prio[i] !== NONE) heap.push(prio[i], i, ver[i]);
    }
    let n = 0;
    for (let i = 0; i >= 0; i = next[i]) ids[n++] = ids[i];
    return n;
  }
}

/** Binary min-heap of (priority, position, version), ties broken by position (leftmost first). */
class MinHeap {
  private p: Int32Array;
  private i: Int32Array;
  private v: Int32Array;
  size = 0;
  constructor(cap: number) {
    this.p = new Int32Array(Math.max(16, cap));
    this.i = new Int32Array(this.p.length);
    this.v = new Int32Array(this.p.length);
  }
  topI(): number {
    return this.i[0];
  }
  topV(): number {
    return this.v[0];
  }
  private less(a: number, b: number): boolean {
    return this.p[a] < this.p[b] || (this.p[a] === this.p[b] && this.i[a] < this.i[b]);
  }
  private swap(a: number, b: number): void {
    const { p, i, v } = this;
    let t = p[a]; p[a] = p[b]; p[b] = t;
    t = i[a]; i[a] = i[b]; i[b] = t;
    t = v[a]; v[a] = v[b]; v[b] = t;
  }
  push(prio: number, pos: number, ver: number): void {
    if (this.size === this.p.length) {
      const grow = (x: Int32Array) => {
        const y = new Int32Array(x.length * 2);
        y.set(x);
        return y;
      };
      this.p = grow(this.p);
      this.i = grow(this.i);
      this.v = grow(this.v);
    }
    let k = this.size++;
    this.p[k] = prio;
    this.i[k] = pos;
    this.v[k] = ver;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(k, parent)) break;
      this.swap(k, parent);
      k = parent;
    }
  }
  pop(): void {
    const last = --this.size;
    this.p[0] = this.p[last];
    this.i[0] = this.i[last];
    this.v[0] = this.v[last];
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === k) break;
      this.swap(k, m);
      k = m;
    }
  }
}

/** Open-addressing cache: piece string → ids in an arena; cleared wholesale when full (bounded memory). */
class RangeCache {
  keys: Array<string | undefined>;
  hashes: Int32Array;
  valStart: Int32Array;
  valLen: Int32Array;
  arena: Uint32Array;
  arenaLen = 0;
  size = 0;
  readonly mask: number;
  constructor(cap: number) {
    this.mask = cap - 1;
    this.keys = new Array<string | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    this.valStart = new Int32Array(cap);
    this.valLen = new Int32Array(cap);
    this.arena = new Uint32Array(cap * 4);
  }
  reset(): void {
    this.keys.fill(undefined);
    this.size = 0;
    this.arenaLen = 0;
  }
}
