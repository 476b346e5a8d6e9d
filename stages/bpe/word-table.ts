// Word → count table for BPE word counting, in typed arrays: open addressing over word indices,
// words kept as UTF-16 code units in one arena. Counting allocates no string per pre-token, and a
// distinct word costs ~28 bytes + 2 per code unit (a Map<string, number> entry plus its string
// costs ~4× that), so the counting threads and the merge need a fraction of the memory.

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units: the hash every WordTable uses (callers hash while they copy). */
export const hashStep = (h: number, unit: number): number => Math.imul(h ^ unit, FNV_PRIME);
export const HASH_START = FNV_OFFSET;

export class WordTable {
  /** Code units of all words, back to back. */
  units: Uint16Array = new Uint16Array(1 << 16);
  private used = 0;
  start = new Int32Array(1024);
  len = new Int32Array(1024);
  count = new Float64Array(1024);
  private hash = new Int32Array(1024);
  /** Word index + 1 per slot (0 = empty); at most half full. */
  private slots = new Int32Array(2048);
  private mask = 2047;
  size = 0;
  /** Staging area for the word being added (see add). */
  scratch: Uint16Array = new Uint16Array(256);

  /** Make scratch hold at least n units. */
  reserve(n: number): Uint16Array {
    if (n > this.scratch.length) this.scratch = new Uint16Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  /** Add c to the count of the word in scratch[0, n), whose hash (hashStep from HASH_START) is h. */
  add(n: number, h: number, c: number): void {
    const { slots, mask, hash, len, start, units, scratch } = this;
    let s = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const w = slots[s];
      if (w === 0) break;
      const x = w - 1;
      if (hash[x] === h && len[x] === n) {
        const at = start[x];
        let k = 0;
        while (k < n && units[at + k] === scratch[k]) k++;
        if (k === n) {
          this.count[x] += c;
          return;
        }
      }
      s = (s + 1) & mask;
    }
    this.insert(s, n, h, c);
  }

  private insert(s: number, n: number, h: number, c: number): void {
    const x = this.size++;
    if (x === this.start.length) this.growWords();
    if (this.used + n > this.units.length) {
      const u = new Uint16Array(Math.max(this.used + n, this.units.length * 2));
      u.set(this.units.subarray(0, this.used));
      this.units = u;
    }
    this.units.set(this.scratch.subarray(0, n), this.used);
    this.start[x] = this.used;
    this.len[x] = n;
    this.hash[x] = h;
    this.count[x] = c;
    this.used += n;
    this.slots[s] = x + 1;
    if (this.size * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
  }

  private growWords(): void {
    const cap = this.start.length * 2;
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.start = i32(this.start);
    this.len = i32(this.len);
    this.hash = i32(this.hash);
    const c = new Float64Array(cap);
    c.set(this.count);
    this.count = c;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let x = 0; x < this.size; x++) {
      const h = this.hash[x];
      let s = (h ^ (h >>> 15)) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = x + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Add a word given as a string (tests, and counts read back as strings). */
  addString(word: string, c: number): void {
    const sc = this.reserve(word.length);
    let h = HASH_START;
    for (let k = 0; k < word.length; k++) {
      const u = word.charCodeAt(k);
      sc[k] = u;
      h = hashStep(h, u);
    }
    this.add(word.length, h, c);
  }

  /** Add the UTF-8 word bytes[from, to) (decoded as TextDecoder does: invalid bytes → U+FFFD). */
  addUtf8(bytes: Uint8Array, from: number, to: number, c: number): void {
    const sc = this.reserve(to - from);
    let n = 0;
    let h = HASH_START;
    const put = (u: number) => {
      sc[n++] = u;
      h = hashStep(h, u);
    };
    for (let i = from; i < to; ) {
      const cp = decodeUtf8At(bytes, i, to);
      i += lastUtf8Len;
      if (cp < 0x10000) put(cp);
      else {
        put(0xd800 + ((cp - 0x10000) >> 10));
        put(0xdc00 + ((cp - 0x10000) & 0x3ff));
      }
    }
    this.add(n, h, c);
  }

  /** Count of a word (0 if absent). */
  get(word: string): number {
    const sc = this.reserve(word.length);
    let h = HASH_START;
    for (let k = 0; k < word.length; k++) h = hashStep(h, (sc[k] = word.charCodeAt(k)));
    const n = word.length;
    for (let s = (h ^ (h >>> 15)) & this.mask; ; s = (s + 1) & this.mask) {
      const w = this.slots[s];
      if (w === 0) return 0;
      const x = w - 1;
      if (this.len[x] === n && this.hash[x] === h && this.equals(x, sc, n)) return this.count[x];
    }
  }

  private equals(x: number, sc: Uint16Array, n: number): boolean {
    const at = this.start[x];
    for (let k = 0; k < n; k++) if (this.units[at + k] !== sc[k]) return false;
    return true;
  }

  word(x: number): string {
    const at = this.start[x];
    // Chunked: String.fromCharCode's argument count is limited.
    let s = '';
    for (let k = 0; k < this.len[x]; k += 8192) s += String.fromCharCode(...this.units.subarray(at + k, at + Math.min(this.len[x], k + 8192)));
    return s;
  }

  *entries(): IterableIterator<[string, number]> {
    for (let x = 0; x < this.size; x++) yield [this.word(x), this.count[x]];
  }

  /** Add every word of another table. */
  addTable(t: WordTable): void {
    for (let x = 0; x < t.size; x++) {
      const n = t.len[x];
      const sc = this.reserve(n);
      sc.set(t.units.subarray(t.start[x], t.start[x] + n));
      this.add(n, t.hash[x], t.count[x]);
    }
  }

  /**
   * Drop words counted fewer than `threshold` times, the threshold doubling from 2 until at most
   * `keep` words remain; returns the occurrences dropped. Keeps the order of the remaining words.
   */
  prune(keep: number): number {
    let threshold = 2;
    for (;;) {
      let left = 0;
      for (let x = 0; x < this.size; x++) if (this.count[x] >= threshold) left++;
      if (left <= keep) break;
      threshold *= 2;
    }
    let dropped = 0;
    let o = 0;
    let at = 0;
    for (let x = 0; x < this.size; x++) {
      const c = this.count[x];
      if (c < threshold) {
        dropped += c;
        continue;
      }
      const n = this.len[x];
      this.units.copyWithin(at, this.start[x], this.start[x] + n);
      this.start[o] = at;
      this.len[o] = n;
      this.hash[o] = this.hash[x];
      this.count[o] = c;
      at += n;
      o++;
    }
    this.size = o;
    this.used = at;
    this.rehash(this.mask + 1);
    return dropped;
  }

  /** Word indices in string order (UTF-16 code units, as JS compares strings). */
  sortedOrder(): Int32Array {
    const { units, start, len } = this;
    const order = new Int32Array(this.size);
    for (let x = 0; x < this.size; x++) order[x] = x;
    order.sort((a, b) => {
      const sa = start[a];
      const sb = start[b];
      const n = Math.min(len[a], len[b]);
      for (let k = 0; k < n; k++) {
        const d = units[sa + k] - units[sb + k];
        if (d !== 0) return d;
      }
      return len[a] - len[b];
    });
    return order;
  }

  /** UTF-8 length of word x (lone surrogates count as U+FFFD, as TextEncoder writes them). */
  utf8Length(x: number): number {
    const { units } = this;
    let n = 0;
    for (let i = this.start[x], end = i + this.len[x]; i < end; i++) {
      const u = units[i];
      if (u < 0x80) n += 1;
      else if (u < 0x800) n += 2;
      else if (u >= 0xd800 && u < 0xdc00 && i + 1 < end && units[i + 1] >= 0xdc00 && units[i + 1] < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  /** Write word x as UTF-8 into out at `at` (room for utf8Length(x) bytes); returns the end. */
  writeUtf8(x: number, out: { [i: number]: number }, at: number): number {
    const { units } = this;
    for (let i = this.start[x], end = i + this.len[x]; i < end; i++) {
      let u = units[i];
      if (u < 0x80) out[at++] = u;
      else if (u < 0x800) {
        out[at++] = 0xc0 | (u >> 6);
        out[at++] = 0x80 | (u & 63);
      } else {
        if (u >= 0xd800 && u < 0xe000) {
          const v = i + 1 < end ? units[i + 1] : 0;
          if (u < 0xdc00 && v >= 0xdc00 && v < 0xe000) {
            const cp = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
            out[at++] = 0xf0 | (cp >> 18);
            out[at++] = 0x80 | ((cp >> 12) & 63);
            out[at++] = 0x80 | ((cp >> 6) & 63);
            out[at++] = 0x80 | (cp & 63);
            i++;
            continue;
          }
          u = 0xfffd;
        }
        out[at++] = 0xe0 | (u >> 12);
        out[at++] = 0x80 | ((u >> 6) & 63);
        out[at++] = 0x80 | (u & 63);
      }
    }
    return at;
  }
}

let lastUtf8Len = 1;
/** Code point of the UTF-8 sequence at i (U+FFFD for an invalid one, consuming maximal subparts as the WHATWG decoder does); its length in lastUtf8Len. */
function decodeUtf8At(b: Uint8Array, i: number, end: number): number {
  const b0 = b[i];
  lastUtf8Len = 1;
  if (b0 < 0x80) return b0;
  let need: number;
  let cp: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    cp = b0 & 0xf;
    if (b0 === 0xe0) lo = 0xa0;
    if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    cp = b0 & 7;
    if (b0 === 0xf0) lo = 0x90;
    if (b0 === 0xf4) hi = 0x8f;
  } else return 0xfffd;
  let j = i + 1;
  for (let k = 0; k < need; k++, j++) {
    if (j >= end) {
      lastUtf8Len = j - i;
      return 0xfffd;
    }
    const bj = b[j];
    if (bj < lo || bj > hi) {
      lastUtf8Len = j - i;
      return 0xfffd;
    }
    lo = 0x80;
    hi = 0xbf;
    cp = (cp << 6) | (bj & 63);
  }
  lastUtf8Len = j - i;
  return cp;
}
