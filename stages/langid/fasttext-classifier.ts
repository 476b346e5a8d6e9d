// fastText supervised-model inference in TypeScript, decision for decision the same as the C++
// (FastText::predictLine): hidden = mean of the input rows (float32, summed in fastText's order),
// then the loss's predict: hierarchical softmax (Huffman tree from the label counts, depth-first
// search with the k-best heap and threshold pruning), softmax, or one-vs-all / negative sampling
// (sigmoid lookup table). Scores are log-probabilities in float32 like `real`; probabilities are
// expf(score) as predictLine returns them (musl's expf, see expf.ts).
import { FeatureExtractor } from './fasttext-features.ts';
import { Loss, readFastTextFile, type FastTextFile } from './fasttext-format.ts';
import { expf } from './expf.ts';

export interface FastTextPrediction {
  /** Label as stored in the model, e.g. "__label__en". */
  label: string;
  prob: number;
}

const f32 = Math.fround;
/** fastText's std_log: log(x + 1e-5) in double, returned as float. */
const stdLog = (x: number) => f32(Math.log(f32(x) + 1e-5));

/**
 * The k best (score, label) pairs, kept as fastText keeps them: a std::push_heap / std::pop_heap heap
 * under comparePairs (a.score > b.score, so the front is the lowest score), sorted at the end with
 * std::sort_heap. The heap steps are libc++'s (sift-up; Floyd's sift-down on pop), so labels with
 * equal scores come out in the same order as in the WebAssembly build.
 */
class KBest {
  readonly scores: number[] = [];
  readonly ids: number[] = [];
  constructor(readonly k: number) {}
  get size(): number {
    return this.scores.length;
  }
  get minScore(): number {
    return this.scores[0];
  }
  /** heap.push_back; push_heap; if (size > k) { pop_heap; pop_back; } */
  push(score: number, id: number): void {
    this.scores.push(score);
    this.ids.push(id);
    this.siftUp(this.scores.length);
    if (this.scores.length > this.k) {
      this.popHeap(this.scores.length);
      this.scores.pop();
      this.ids.pop();
    }
  }
  /** libc++ __sift_up of element len - 1. */
  private siftUp(len: number): void {
    if (len <= 1) return;
    const s = this.scores;
    const d = this.ids;
    let last = len - 1;
    let p = (len - 2) >> 1;
    if (!(s[p] > s[last])) return;
    const ts = s[last];
    const td = d[last];
    for (;;) {
      s[last] = s[p];
      d[last] = d[p];
      last = p;
      if (p === 0) break;
      p = (p - 1) >> 1;
      if (!(s[p] > ts)) break;
    }
    s[last] = ts;
    d[last] = td;
  }
  /** libc++ __pop_heap: moves the front to len - 1 (Floyd's sift-down, then sift-up). */
  private popHeap(len: number): void {
    if (len <= 1) return;
    const s = this.scores;
    const d = this.ids;
    const topS = s[0];
    const topD = d[0];
    let hole = 0;
    let child = 0;
    for (;;) {
      child = 2 * child + 1;
      let ci = child;
      if (child + 1 < len && s[ci] > s[ci + 1]) {
        ci++;
        child++;
      }
      s[hole] = s[ci];
      d[hole] = d[ci];
      hole = ci;
      if (child > (len - 2) >> 1) break;
    }
    const last = len - 1;
    if (hole === last) {
      s[hole] = topS;
      d[hole] = topD;
    } else {
      s[hole] = s[last];
      d[hole] = d[last];
      s[last] = topS;
      d[last] = topD;
      this.siftUp(hole + 1);
    }
  }
  /** std::sort_heap: best first. */
  sorted(): Array<[number, number]> {
    for (let n = this.scores.length; n > 1; n--) this.popHeap(n);
    return this.scores.map((s, i) => [s, this.ids[i]]);
  }
}

export class FastTextClassifier {
  readonly dim: number;
  readonly labels: string[];
  private readonly features: FeatureExtractor;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly outputNorm: Float32Array;
  private readonly outputRows: number;
  private readonly loss: Loss;
  private readonly hidden: Float32Array;
  // hierarchical softmax tree (HierarchicalSoftmaxLoss::buildTree)
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly osz: number;
  private readonly sigmoidTable: Float32Array;

  static load(path: string): FastTextClassifier {
    return new FastTextClassifier(readFastTextFile(path));
  }

  constructor(f: FastTextFile) {
    if (f.args.model !== 3) throw new Error('fastText: not a supervised model (predict needs one)');
    this.dim = f.args.dim;
    const dec = new TextDecoder();
    this.labels = f.entries.slice(f.nwords, f.nwords + f.nlabels).map((e) => dec.decode(e));
    this.features = new FeatureExtractor(f);
    this.input = f.input;
    this.output = f.output;
    this.outputNorm = f.outputNorm;
    this.outputRows = f.outputRows;
    this.loss = f.args.loss;
    this.hidden = new Float32Array(this.dim);
    this.osz = f.nlabels;
    const tree = buildTree(f.counts.subarray(f.nwords, f.nwords + f.nlabels));
    this.left = tree.left;
    this.right = tree.right;
    this.sigmoidTable = sigmoidTable();
  }

  /** Best labels first: at most k (-1: all) with probability ≥ threshold, as predictLine(text + "\n"). */
  predict(text: string, k: number, threshold: number): FastTextPrediction[] {
    if (k === -1) k = this.outputRows;
    else if (k <= 0) throw new Error('k needs to be 1 or higher!');
    if (!this.computeHidden(text)) return [];
    const heap = new KBest(k);
    const thr = f32(threshold);
    if (this.loss === Loss.hs) this.dfs(heap, stdLog(thr), 2 * this.osz - 2, 0);
    else this.findKBest(heap, thr, this.computeOutput());
    return heap.sorted().map(([score, id]) => ({ label: this.labels[id], prob: expf(score) }));
  }

  /** Model::computeHidden: float32 sum of the rows in order, times float(1 / n). False when there is no row. */
  private computeHidden(text: string): boolean {
    const h = this.hidden;
    const x = this.input;
    const dim = this.dim;
    const n = this.features.extract(text);
    const rows = this.features.out.a;
    // eight columns at a time in locals: each column is a float32 sum in row order, a chain of
    // dependent add + round steps, so independent chains run side by side
    let j = 0;
    for (; j + 8 <= dim; j += 8) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; // prettier-ignore
      for (let r = 0; r < n; r++) {
        const o = rows[r] * dim + j;
        a0 = f32(a0 + x[o]);
        a1 = f32(a1 + x[o + 1]);
        a2 = f32(a2 + x[o + 2]);
        a3 = f32(a3 + x[o + 3]);
        a4 = f32(a4 + x[o + 4]);
        a5 = f32(a5 + x[o + 5]);
        a6 = f32(a6 + x[o + 6]);
        a7 = f32(a7 + x[o + 7]);
      }
      h[j] = a0;
      h[j + 1] = a1;
      h[j + 2] = a2;
      h[j + 3] = a3;
      h[j + 4] = a4;
      h[j + 5] = a5;
      h[j + 6] = a6;
      h[j + 7] = a7;
    }
    for (; j < dim; j++) {
      let a = 0;
      for (let r = 0; r < n; r++) a = f32(a + x[rows[r] * dim + j]);
      h[j] = a;
    }
    if (n === 0) return false;
    const a = f32(1 / n);
    for (let j = 0; j < dim; j++) h[j] *= a;
    return true;
  }

  /** Matrix::dotRow in float32, left to right (QuantMatrix: times the row's norm at the end). */
  private dotRow(i: number): number {
    const h = this.hidden;
    const w = this.output;
    let d = 0;
    for (let j = 0, o = i * this.dim; j < this.dim; j++, o++) d = f32(d + f32(w[o] * h[j]));
    return f32(d * this.outputNorm[i]);
  }

  /** HierarchicalSoftmaxLoss::dfs: left child gets log(1 - f), right child log(f). */
  private dfs(heap: KBest, logThreshold: number, node: number, score: number): void {
    if (score < logThreshold) return;
    if (heap.size === heap.k && score < heap.minScore) return;
    const l = this.left[node];
    const r = this.right[node];
    if (l === -1 && r === -1) {
      heap.push(score, node);
      return;
    }
    let f = this.dotRow(node - this.osz);
    f = f32(1 / f32(1 + expf(-f)));
    this.dfs(heap, logThreshold, l, f32(score + stdLog(1 - f)));
    this.dfs(heap, logThreshold, r, f32(score + stdLog(f)));
  }

  /** SoftmaxLoss / BinaryLogisticLoss::computeOutput. */
  private computeOutput(): Float32Array {
    const n = this.outputRows;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.dotRow(i);
    if (this.loss === Loss.softmax) {
      let max = out[0];
      for (let i = 0; i < n; i++) max = Math.max(out[i], max);
      let z = 0;
      for (let i = 0; i < n; i++) {
        out[i] = expf(f32(out[i] - max));
        z = f32(z + out[i]);
      }
      for (let i = 0; i < n; i++) out[i] /= z;
    } else {
      for (let i = 0; i < n; i++) out[i] = this.sigmoid(out[i]);
    }
    return out;
  }

  /** Loss::sigmoid: 512-entry table on [-8, 8]. */
  private sigmoid(x: number): number {
    if (x < -8) return 0;
    if (x > 8) return 1;
    return this.sigmoidTable[Math.trunc(f32(f32(f32(f32(x + 8) * 512) / 8) / 2))];
  }

  /** Loss::findKBest over the output probabilities. */
  private findKBest(heap: KBest, threshold: number, out: Float32Array): void {
    for (let i = 0; i < out.length; i++) {
      if (out[i] < threshold) continue;
      const s = stdLog(out[i]);
      if (heap.size === heap.k && s < heap.minScore) continue;
      heap.push(s, i);
    }
  }
}

/** HierarchicalSoftmaxLoss::buildTree: Huffman tree over the label counts (sorted by decreasing count). */
function buildTree(counts: Float64Array): { left: Int32Array; right: Int32Array } {
  const osz = counts.length;
  const size = Math.max(2 * osz - 1, 0);
  const left = new Int32Array(size).fill(-1);
  const right = new Int32Array(size).fill(-1);
  const count = new Float64Array(size).fill(1e15);
  count.set(counts);
  let leaf = osz - 1;
  let node = osz;
  for (let i = osz; i < size; i++) {
    const mini = [0, 0];
    for (let j = 0; j < 2; j++) mini[j] = leaf >= 0 && count[leaf] < count[node] ? leaf-- : node++;
    left[i] = mini[0];
    right[i] = mini[1];
    count[i] = count[mini[0]] + count[mini[1]];
  }
  return { left, right };
}

function sigmoidTable(): Float32Array {
  const t = new Float32Array(513);
  for (let i = 0; i <= 512; i++) {
    const x = f32(f32((i * 2 * 8) / 512) - 8);
    t[i] = 1 / (1 + expf(-x));
  }
  return t;
}
