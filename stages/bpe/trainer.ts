// BPE training (HF tokenizers' algorithm): pair counts over the distinct words, weighted by word
// counts; a max-heap of pairs with lazy re-checking; each merge rewrites only the words that hold
// the pair (an index pair → words) and updates the counts of the pairs around each occurrence.
// Deterministic: ties go to the pair with the smaller (left id, right id).
import { PairTable } from './core.ts';
import type { BpeModel } from './model.ts';
import { resolvePattern } from './patterns.ts';

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

const NONE = 0x7fffffff;

/** Max-heap of pair ids by (count desc, left asc, right asc). */
class PairHeap {
  ids: number[] = [];
  cnt: number[] = [];
  constructor(
    private a: (p: number) => number,
    private b: (p: number) => number,
  ) {}
  private before(i: number, j: number): boolean {
    const ci = this.cnt[i];
    const cj = this.cnt[j];
    if (ci !== cj) return ci > cj;
    const pi = this.ids[i];
    const pj = this.ids[j];
    const ai = this.a(pi);
    const aj = this.a(pj);
    return ai !== aj ? ai < aj : this.b(pi) < this.b(pj);
  }
  private swap(i: number, j: number): void {
    const t = this.ids[i]; this.ids[i] = this.ids[j]; this.ids[j] = t;
    const c = this.cnt[i]; this.cnt[i] = this.cnt[j]; this.cnt[j] = c;
  }
  get size(): number {
    return this.ids.length;
  }
  push(id: number, count: number): void {
    this.ids.push(id);
    this.cnt.push(count);
    let k = this.ids.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.before(k, p)) break;
      this.swap(k, p);
      k = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.ids[0], this.cnt[0]];
    const lastId = this.ids.pop()!;
    const lastCnt = this.cnt.pop()!;
    const n = this.ids.length;
    if (n > 0) {
      this.ids[0] = lastId;
      this.cnt[0] = lastCnt;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < n && this.before(l, m)) m = l;
        if (r < n && this.before(r, m)) m = r;
        if (m === k) break;
        this.swap(k, m);
        k = m;
      }
    }
    return top;
  }
}

/** Learn merges from word counts. Words are pre-tokens (strings); bytes are UTF-8. */
export function trainBpe(words: Iterable<[string, number]>, opts: TrainOptions): BpeModel {
  const specials = opts.specials ?? ['<|endoftext|>'];
  const minFreq = opts.minFrequency ?? 2;
  const target = opts.vocabSize - 256 - specials.length;
  if (!(target >= 0)) throw new Error(`vocabSize ${opts.vocabSize} is smaller than 256 byte tokens + ${specials.length} specials`);

  // Words as byte symbols in one flat array; each word's symbols shrink in place as merges apply.
  const enc = new TextEncoder();
  const list = [...words].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const starts = new Int32Array(list.length + 1);
  const lens = new Int32Array(list.length);
  const wcount = new Float64Array(list.length);
  let total = 0;
  const encoded: Uint8Array[] = list.map(([w]) => {
    const b = enc.encode(w);
    total += b.length;
    return b;
  });
  const sym = new Int32Array(total);
  let at = 0;
  list.forEach(([, c], i) => {
    starts[i] = at;
    sym.set(encoded[i], at);
    lens[i] = encoded[i].length;
    wcount[i] = c;
    at += encoded[i].length;
  });
  starts[list.length] = at;
  encoded.length = 0;
  list.length = 0;

  // Pair registry: (a, b) → pair id; per pair: count, and the words that (may) hold it, as a
  // linked list of nodes in typed arrays (8 bytes a node, no per-pair JS array).
  const table = new PairTable(1 << 16);
  let pa = new Int32Array(1 << 16);
  let pb = new Int32Array(1 << 16);
  let pcount = new Float64Array(1 << 16);
  let head = new Int32Array(1 << 16).fill(-1);
  let npairs = 0;
  let nodeWord = new Int32Array(1 << 20);
  let nodeNext = new Int32Array(1 << 20);
  let nnodes = 0;
  const pairId = (a: number, b: number): number => {
    const p = table.priority(a, b);
    if (p !== NONE) return p;
    const id = npairs++;
    if (id === pa.length) {
      pa = growI32(pa);
      pb = growI32(pb);
      const c = new Float64Array(pcount.length * 2);
      c.set(pcount);
      pcount = c;
      head = growI32(head, -1);
    }
    table.set(a, b, id, id);
    pa[id] = a;
    pb[id] = b;
    return id;
  };
  /** Note that word w holds pair p (skipped if w was the last word noted for p). */
  const note = (p: number, w: number): void => {
    const h = head[p];
    if (h >= 0 && nodeWord[h] === w) return;
    if (nnodes === nodeWord.length) {
      nodeWord = growI32(nodeWord);
      nodeNext = growI32(nodeNext);
    }
    nodeWord[nnodes] = w;
    nodeNext[nnodes] = h;
    head[p] = nnodes++;
  };
  const nw = lens.length;
  for (let w = 0; w < nw; w++) {
    const s = starts[w];
    const c = wcount[w];
    for (let i = s; i < s + lens[w] - 1; i++) {
      const p = pairId(sym[i], sym[i + 1]);
      pcount[p] += c;
      note(p, w);
    }
  }
  const heap = new PairHeap((p) => pa[p], (p) => pb[p]);
  for (let p = 0; p < npairs; p++) if (pcount[p] > 0) heap.push(p, pcount[p]);

  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const merges: Array<[number, number]> = [];
  const seen = new Int32Array(nw).fill(-1);
  const touched: number[] = [];
  let pushedAt = new Int32Array(npairs * 2 + 1024).fill(-1);
  while (merges.length < target && heap.size > 0) {
    const [p, c] = heap.pop();
    if (c !== pcount[p]) {
      if (pcount[p] > 0) heap.push(p, pcount[p]);
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
        if (q >= pushedAt.length) {
          const grown = new Int32Array(pushedAt.length * 2).fill(-1);
          grown.set(pushedAt);
          pushedAt = grown;
        }
        note(q, w);
        touched.push(q);
      }
    };
    let node = head[p];
    head[p] = -1;
    for (; node >= 0; node = nodeNext[node]) {
      const w = nodeWord[node];
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
      if (pushedAt[q] === mi || pcount[q] <= 0) continue;
      pushedAt[q] = mi;
      heap.push(q, pcount[q]);
    }
    if (opts.onProgress && merges.length % 1000 === 0) opts.onProgress(merges.length, target);
  }
  const model: BpeModel = { tokens, merges, pattern: resolvePattern(opts.pattern), specials: {} };
  specials.forEach((s, i) => (model.specials[s] = tokens.length + i));
  return model;
}

function growI32(a: Int32Array<ArrayBuffer>, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
