// BPE training (HF tokenizers' algorithm): pair counts over the distinct words, weighted by word
// counts; a max-heap of pairs with lazy re-checking; each merge rewrites only the words that hold
// the pair (an index pair → words) and updates the counts of the pairs around each occurrence.
// Deterministic: ties go to the pair with the smaller (left id, right id).
import type { BpeModel } from './model.ts';
import { resolvePattern } from './patterns.ts';
import { WordTable } from './word-table.ts';

export interface TrainOptions {
  /** Total vocabulary size, including the 256 byte tokens and the special tokens. */
  vocabSize: number;
  /** Pre-tokenisation pattern the words were counted with (stored in the model). */
  pattern: string;
  /** Special tokens, given ids after the learned tokens. */
  specials?: string[];
  /** Pairs seen fewer times are never merged (default 2). */
  minFrequency?: number;
  /** Called every ~1000 merges. */
  onProgress?(merges: number, total: number): void;
}

/** Max-heap of pair ids by (count desc, left asc, right asc), in typed arrays. */
class PairHeap {
  private ids = new Int32Array(1 << 16);
  private cnt = new Float64Array(1 << 16);
  size = 0;
  constructor(
    private pa: () => Int32Array,
    private pb: () => Int32Array,
  ) {}
  private before(ci: number, pi: number, cj: number, pj: number): boolean {
    if (ci !== cj) return ci > cj;
    const pa = this.pa();
    const ai = pa[pi];
    const aj = pa[pj];
    if (ai !== aj) return ai < aj;
    const pb = this.pb();
    return pb[pi] < pb[pj];
  }
  push(id: number, count: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.ids = ids;
      const cnt = new Float64Array(this.size * 2);
      cnt.set(this.cnt);
      this.cnt = cnt;
    }
    const { ids, cnt } = this;
    let k = this.size++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.before(count, id, cnt[p], ids[p])) break;
      ids[k] = ids[p];
      cnt[k] = cnt[p];
      k = p;
    }
    ids[k] = id;
    cnt[k] = count;
  }
  /** Remove the top; its id and count are in topId/topCount. */
  pop(): void {
    const { ids, cnt } = this;
    this.topId = ids[0];
    this.topCount = cnt[0];
    const n = --this.size;
    if (n === 0) return;
    const id = ids[n];
    const c = cnt[n];
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      let m = l;
      if (l + 1 < n && this.before(cnt[l + 1], ids[l + 1], cnt[l], ids[l])) m = l + 1;
      if (!this.before(cnt[m], ids[m], c, id)) break;
      ids[k] = ids[m];
      cnt[k] = cnt[m];
      k = m;
    }
    ids[k] = id;
    cnt[k] = c;
  }
  topId = -1;
  topCount = 0;
}

/** Learn merges from word counts: a WordTable, or (word, count) pairs. Bytes are UTF-8. */
export function trainBpe(words: WordTable | Iterable<[string, number]>, opts: TrainOptions): BpeModel {
  const specials = opts.specials ?? ['<|endoftext|>'];
  const minFreq = opts.minFrequency ?? 2;
  const target = opts.vocabSize - 256 - specials.length;
  if (!(target >= 0)) throw new Error(`vocabSize ${opts.vocabSize} is smaller than 256 byte tokens + ${specials.length} specials`);
  const { sym, starts, lens, wcount, nw, total } = symbols(words instanceof WordTable ? words : tableOf(words));
  // The caller may drop its table now (WordCounter.release): nothing below refers to it.
  words = [];

  // Pair registry: (a, b) → pair id by open addressing over ids (keys read from pa/pb); per pair:
  // count, and the words that (may) hold it, as a linked list of nodes in typed arrays (8 bytes a
  // node). Nodes of a merged pair's list go to a free list and are reused.
  let slots = new Int32Array(1 << 17);
  let mask = slots.length - 1;
  let pa = new Int32Array(1 << 16);
  let pb = new Int32Array(1 << 16);
  let pcount = new Float64Array(1 << 16);
  let head = new Int32Array(1 << 16).fill(-1);
  let npairs = 0;
  let nodeWord = new Int32Array(Math.max(1024, total));
  let nodeNext = new Int32Array(nodeWord.length);
  let nnodes = 0;
  let free = -1;
  const slotOf = (a: number, b: number): number => {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
    h ^= h >>> 15;
    return h & mask;
  };
  const pairId = (a: number, b: number): number => {
    let s = slotOf(a, b);
    for (;;) {
      const q = slots[s] - 1;
      if (q < 0) break;
      if (pa[q] === a && pb[q] === b) return q;
      s = (s + 1) & mask;
    }
    const id = npairs++;
    if (id === pa.length) {
      const cap = Math.ceil(pa.length * 1.5);
      pa = growI32(pa, cap);
      pb = growI32(pb, cap);
      const c = new Float64Array(cap);
      c.set(pcount);
      pcount = c;
      head = growI32(head, cap, -1);
    }
    pa[id] = a;
    pb[id] = b;
    slots[s] = id + 1;
    if (npairs * 2 > slots.length) {
      slots = new Int32Array(slots.length * 2);
      mask = slots.length - 1;
      for (let q = 0; q < npairs; q++) {
        let t = slotOf(pa[q], pb[q]);
        while (slots[t] !== 0) t = (t + 1) & mask;
        slots[t] = q + 1;
      }
    }
    return id;
  };
  /** Note that word w holds pair p (skipped if w was the last word noted for p). */
  const note = (p: number, w: number): void => {
    const h = head[p];
    if (h >= 0 && nodeWord[h] === w) return;
    let n = free;
    if (n >= 0) free = nodeNext[n];
    else {
      if (nnodes === nodeWord.length) {
        const cap = Math.ceil(nnodes * 1.25);
        nodeWord = growI32(nodeWord, cap);
        nodeNext = growI32(nodeNext, cap);
      }
      n = nnodes++;
    }
    nodeWord[n] = w;
    nodeNext[n] = h;
    head[p] = n;
  };
  for (let w = 0; w < nw; w++) {
    const s = starts[w];
    const c = wcount[w];
    for (let i = s; i < s + lens[w] - 1; i++) {
      const p = pairId(sym[i], sym[i + 1]);
      pcount[p] += c;
      note(p, w);
    }
  }
  // A pair that exists now gains no occurrences later (new occurrences all hold a new token), so
  // pairs below minFreq are never queued.
  const heap = new PairHeap(() => pa, () => pb);
  for (let p = 0; p < npairs; p++) if (pcount[p] >= minFreq) heap.push(p, pcount[p]);

  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const merges: Array<[number, number]> = [];
  const seen = new Int32Array(nw).fill(-1);
  const touched: number[] = [];
  let pushedAt = new Int32Array(npairs + 1024).fill(-1);
  while (merges.length < target && heap.size > 0) {
    heap.pop();
    const p = heap.topId;
    const c = heap.topCount;
    if (c !== pcount[p]) {
      if (pcount[p] >= minFreq) heap.push(p, pcount[p]);
      continue;
    }
    if (c < minFreq) break;
    const a = pa[p];
    const b = pb[p];
    const t = tokens.length;
    const ta = tokens[a];
    const tb = tokens[b];
    const tt = new Uint8Array(ta.length + tb.length);
    tt.set(ta);
    tt.set(tb, ta.length);
    tokens.push(tt);
    merges.push([a, b]);
    const mi = merges.length - 1;
    touched.length = 0;
    const add = (x: number, y: number, w: number, d: number) => {
      const q = pairId(x, y);
      pcount[q] += d;
      if (d > 0) {
        if (q >= pushedAt.length) pushedAt = growI32(pushedAt, Math.max(q + 1, Math.ceil(pushedAt.length * 1.5)), -1);
        note(q, w);
        touched.push(q);
      }
    };
    let next = head[p];
    head[p] = -1;
    while (next >= 0) {
      const node = next;
      next = nodeNext[node];
      const w = nodeWord[node];
      nodeNext[node] = free;
      free = node;
      if (seen[w] === mi) continue;
      seen[w] = mi;
      const s = starts[w];
      const len = lens[w];
      const wc = wcount[w];
      let r = s;
      let o = s;
      const end = s + len;
      while (r < end) {
        if (r + 1 < end && sym[r] === a && sym[r + 1] === b) {
          if (o > s) {
            const prev = sym[o - 1];
            add(prev, a, w, -wc);
            add(prev, t, w, wc);
          }
          if (r + 2 < end) {
            const next = sym[r + 2];
            add(b, next, w, -wc);
            add(t, next, w, wc);
          }
          pcount[p] -= wc;
          sym[o++] = t;
          r += 2;
        } else {
          sym[o++] = sym[r++];
        }
      }
      lens[w] = o - s;
    }
    // Pairs that gained occurrences all hold the new token t: queue each once with its count.
    // Pairs that lost occurrences keep their old heap entry, re-checked lazily when popped.
    for (const q of touched) {
      if (pushedAt[q] === mi || pcount[q] < minFreq) continue;
      pushedAt[q] = mi;
      heap.push(q, pcount[q]);
    }
    if (opts.onProgress && merges.length % 1000 === 0) opts.onProgress(merges.length, target);
  }
  if (process.env.TM_DEBUG) console.error({ nw, total, npairs, nnodes, heap: heap.size, pairCap: pa.length, nodeCap: nodeWord.length, pushedAt: pushedAt.length, slots: slots.length });
  const model: BpeModel = { tokens, merges, pattern: resolvePattern(opts.pattern), specials: {} };
  specials.forEach((s, i) => (model.specials[s] = tokens.length + i));
  return model;
}

function tableOf(words: Iterable<[string, number]>): WordTable {
  const t = new WordTable();
  for (const [w, c] of words) t.addString(w, c);
  return t;
}

/** The words of wt as UTF-8 symbols: starts/lens into sym, and their counts. */
function symbols(wt: WordTable) {
  // Words as byte symbols in one flat array; each word's symbols shrink in place as merges apply.
  // Word order does not change the result (counts are exact sums; ties break on token ids), so
  // the table's order is used as is. Words of one byte hold no pair and are left out.
  let nw = 0;
  let total = 0;
  for (let x = 0; x < wt.size; x++) {
    const n = wt.utf8Length(x);
    if (n > 1) {
      nw++;
      total += n;
    }
  }
  const starts = new Int32Array(nw + 1);
  const lens = new Int32Array(nw);
  const wcount = new Float64Array(nw);
  const sym = new Int32Array(total);
  let at = 0;
  for (let x = 0, w = 0; x < wt.size; x++) {
    if (wt.utf8Length(x) <= 1) continue;
    starts[w] = at;
    const end = wt.writeUtf8(x, sym, at);
    lens[w] = end - at;
    wcount[w] = wt.count[x];
    at = end;
    w++;
  }
  starts[nw] = at;
  return { sym, starts, lens, wcount, nw, total };
}

function growI32(a: Int32Array<ArrayBuffer>, cap: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
