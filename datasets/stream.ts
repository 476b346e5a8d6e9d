// The deterministic sample order of the loader, and the producer that turns it into batches.
// Runs inside the loader's worker thread (or in-process with `worker: false`).
//
// Order, all derived from (seed, epoch) and nothing else, so every rank computes the same global
// stream and a resumed loader can recompute where it was:
//  1. per dataset: its own endless stream of rows (datasets/cursor.ts: shard and record-batch
//     order shuffled per dataset epoch, then a shuffle window of B positions).
//  2. mixing: position j of loader-epoch E draws its dataset by weight from hash(seed, E, j);
//     each dataset's stream runs on across its own epochs. With one dataset, loader epoch = dataset
//     epoch. The shuffle window (shuffleBuffer rows) is shared by the datasets by weight, so each
//     dataset's window spans about shuffleBuffer positions of the mixed stream.
//  3. ranks: positions c0, c0+1, … of the epoch are striped over ranks (j - c0) % worldSize; the
//     remainder (fewer than worldSize positions) is dropped, never padded by repeating samples.
//     c0 = 0, or the resume position; because all ranks consume in lockstep, the global position
//     after a rank consumed k samples is c0 + k·worldSize, which is what state() records. A loader
//     resumed with another worldSize re-stripes exactly the remaining positions.
// Data: a rank allocates its output batches ahead (as far as the shuffle window reaches) and each
// row is read from its shard straight into its slot; other ranks' rows are not read at all.
import { DatasetCursor, type DatasetSource, type Target } from './cursor.ts';
import type { BlockMeta } from './shards.ts';
import { hashInts } from './random.ts';

export type { DatasetSource } from './cursor.ts';
export { hashInts, Rng } from './random.ts';

/** Record batches' token data held besides the output batches: none (rows go straight to their slots). */
export const READ_AHEAD = 0;

// ---------------------------------------------------------------------------------------------
// The producer: mixing, rank striping, batches, state.

/** Where a loader is: small JSON, identical on every rank (ranks consume in lockstep). */
export interface LoaderState {
  /** 2: the inside-out shuffle window and 64-row chunk order (a v1 state names another order). */
  v: 2;
  seed: number;
  /** Loader epoch and global position in it (samples consumed by all ranks together). */
  epoch: number;
  pos: number;
  /** Per-dataset stream cursors (rows consumed since the start) at the start of `epoch`. */
  cursors: number[];
  /** Fingerprint of datasets, weights, shuffle settings: a state only resumes the same stream. */
  fp: string;
}

export interface ProducerOptions {
  sources: DatasetSource[];
  weights: number[];
  batchSize: number;
  seed: number;
  rank: number;
  worldSize: number;
  shuffle: boolean;
  shuffleBuffer: number;
  /** Shards whose record batches are interleaved (read-ahead window of remote datasets). */
  shardWindow: number;
  epochs: number;
  samplesPerEpoch: number;
  dropLast: boolean;
  dtype: 'int32' | 'uint16';
  docStarts: boolean;
  state?: LoaderState;
}

export interface RawBatch {
  rows: number;
  rowLen: number;
  tokens: Int32Array | Uint16Array | Uint32Array;
  numTokens: Int32Array;
  /** dataset · 2^40 + row index in the dataset's (unshuffled) shard order. */
  sampleIds: Float64Array;
  /** doc_starts of row i: docStarts[docStartOffsets[i] .. docStartOffsets[i+1]). */
  docStartOffsets?: Int32Array;
  docStarts?: Int32Array;
  epoch: number;
  /** State after this batch. */
  state: LoaderState;
  /** Rows of the output batches allocated ahead (the shuffle window's slots) when it was made. */
  buffered: number;
}

export const SAMPLE_DATASET = 2 ** 40;

export function fingerprint(o: Pick<ProducerOptions, 'sources' | 'weights' | 'shuffle' | 'shuffleBuffer' | 'shardWindow' | 'samplesPerEpoch'>): string {
  const parts: number[] = [o.shuffle ? 1 : 0, o.shuffleBuffer, o.shardWindow, o.samplesPerEpoch];
  for (let d = 0; d < o.sources.length; d++) {
    parts.push(Math.round(o.weights[d] * 1e9));
    for (const s of o.sources[d].manifest.shards) parts.push(s.rows, parseInt(s.xxhash64.slice(0, 8), 16), parseInt(s.xxhash64.slice(8), 16));
  }
  return hashInts(...parts).toString(16).padStart(8, '0') + hashInts(...parts.reverse()).toString(16).padStart(8, '0');
}

/** Dataset index of position j of epoch E (weighted, seeded). */
export function chooser(seed: number, weights: number[]): (E: number, j: number) => number {
  if (weights.length === 1) return () => 0;
  const total = weights.reduce((a, b) => a + b, 0);
  const cum = weights.map(((s) => (w: number) => (s += w / total))(0));
  return (E, j) => {
    const u = hashInts(seed, E, j, 0xc0ffee) / 4294967296;
    for (let d = 0; d < cum.length - 1; d++) if (u < cum[d]) return d;
    return cum.length - 1;
  };
}

export function initialState(o: ProducerOptions): LoaderState {
  return { v: 2, seed: o.seed, epoch: 0, pos: 0, cursors: o.sources.map(() => 0), fp: fingerprint(o) };
}

/** Where a walk over the global positions is: one per position, in order. */
class Walk {
  E: number;
  j: number;
  private c0: number;
  private last = 0;
  private full = 0;
  /** Samples this rank owns in the epoch, and how many it met so far. */
  private per = 0;
  k = 0;
  ended = false;
  readonly counts: number[];
  epochStart: number[];
  /** The current position: dataset, its stream position, and (owned) batch seq and row, else seq -1. */
  d = 0;
  p = 0;
  seq = -1;
  row = 0;
  /** Rows of the current position's batch. */
  rows = 0;
  private nextSeq = 0;

  constructor(
    private readonly o: ProducerOptions,
    private readonly choose: (E: number, j: number) => number,
    st: LoaderState,
    counts: number[],
  ) {
    this.E = st.epoch;
    this.j = this.c0 = st.pos;
    this.counts = counts.slice();
    this.epochStart = st.cursors.slice();
    this.setEpoch();
  }

  private setEpoch(): void {
    const { samplesPerEpoch: M, worldSize: W, batchSize: B } = this.o;
    this.per = Math.floor(Math.max(0, M - this.c0) / W);
    this.last = this.c0 + this.per * W;
    this.full = this.o.dropLast ? Math.floor(this.per / B) * B : this.per;
    this.k = 0;
    if (this.E >= this.o.epochs) this.ended = true;
  }

  /** Move to the next position; false past the last epoch. */
  step(): boolean {
    if (this.ended) return false;
    const o = this.o;
    if (this.j === o.samplesPerEpoch) {
      this.E++;
      this.j = this.c0 = 0;
      this.epochStart = this.counts.slice();
      this.setEpoch();
      if (this.ended) return false;
    }
    const j = this.j++;
    const d = (this.d = this.choose(this.E, j));
    this.p = this.counts[d]++;
    this.seq = -1;
    if (j < this.last && (j - this.c0) % o.worldSize === o.rank) {
      const kk = this.k++;
      if (kk < this.full) {
        const B = o.batchSize;
        this.row = kk % B;
        if (this.row === 0) this.nextSeq++;
        this.seq = this.nextSeq - 1;
        this.rows = Math.min(B, this.full - (kk - this.row));
      }
    }
    return true;
  }

  /** The loader state after the current position (positions c0 + k·W consumed by all ranks). */
  state(seed: number, fp: string): LoaderState {
    return { v: 2, seed, epoch: this.E, pos: this.c0 + this.k * this.o.worldSize, cursors: this.epochStart.slice(), fp };
  }
}

/** Stream positions of one dataset → output slot (seq · batchSize + row), or -1: not read. */
class TargetQueue {
  private a = new Float64Array(1024);
  private start = 0;
  private end = 0;
  /** Stream position of a[start]. */
  private base: number;
  constructor(first: number) {
    this.base = first;
  }
  get next(): number {
    return this.base + this.end - this.start;
  }
  push(v: number, keepFrom: number): void {
    if (this.end === this.a.length) {
      const drop = Math.max(0, Math.min(keepFrom - this.base, this.end - this.start));
      this.start += drop;
      this.base += drop;
      const n = this.end - this.start;
      const a = n * 2 > this.a.length ? new Float64Array(this.a.length * 2) : this.a;
      a.copyWithin(0, this.start, this.end);
      if (a !== this.a) a.set(this.a.subarray(this.start, this.end));
      this.a = a;
      this.start = 0;
      this.end = n;
    }
    this.a[this.end++] = v;
  }
  get(pos: number): number {
    return this.a[this.start + pos - this.base];
  }
}

interface PendingBatch {
  seq: number;
  rows: number;
  tokens: Int32Array | Uint16Array | Uint32Array;
  /** Where row k's token bytes are read: the tokens themselves, or (uint16 → int32) the upper half. */
  stage: Uint8Array;
  /** Views of the rows of `stage` (made once per buffer: recycled buffers keep theirs). */
  slots: Uint8Array[];
  numTokens: Int32Array;
  sampleIds: Float64Array;
  /** With docStarts: the record batch and row each slot's row came from (copied out in finish). */
  startBlk?: BlockMeta[];
  startRow?: Int32Array;
}

/** Row views of recycled batch buffers. */
const slotViews = new WeakMap<ArrayBuffer, Uint8Array[]>();

/**
 * Batches for one rank, from `o.state` (or the start) on. `pool`: buffers of consumed full batches
 * handed back for reuse (the caller pushes, the producer pops): recycled memory is already mapped
 * and its row views made, where a new buffer costs page faults inside the reads and garbage.
 */
export async function* produce(o: ProducerOptions, onCursors?: (c: DatasetCursor[]) => void, pool?: ArrayBuffer[]): AsyncGenerator<RawBatch> {
  const fp = fingerprint(o);
  const st = o.state ?? initialState(o);
  if (st.v !== 2) throw new Error(`loader state version ${st.v} is not supported (states of version 2 resume; version 1 states name the order of an older loader)`);
  if (st.fp !== fp) throw new Error(`loader state is for another dataset or shuffle setup (fingerprint ${st.fp}, this loader ${fp}): datasets, weights, shuffle, shuffleBuffer, shardWindow and samplesPerEpoch must match`);
  if (st.seed !== o.seed) throw new Error(`loader state has seed ${st.seed}, loader seed is ${o.seed}`);
  const B = o.batchSize;
  const choose = chooser(o.seed, o.weights);
  const wsum = o.weights.reduce((a, b) => a + b, 0);
  const ds = o.sources.map((s, d) => new DatasetCursor(s, d, o.seed, Math.max(1, Math.round((o.shuffleBuffer * o.weights[d]) / wsum)), o.shuffle, o.shardWindow, o.docStarts));
  onCursors?.(ds);
  const rowLen = ds[0].rowLen;
  // Stream positions of each dataset at the resume point.
  const cur = st.cursors.slice();
  for (let j = 0; j < st.pos; j++) cur[choose(st.epoch, j)]++;
  const front = new Walk(o, choose, st, cur);
  const ahead = new Walk(o, choose, st, cur);
  const queues = cur.map((c) => new TargetQueue(c));
  const pending: PendingBatch[] = [];
  let headSeq = 0;
  let buffered = 0;

  const srcWidth = o.sources[0].manifest.dtype === 'uint16' ? 2 : 4;
  const widen = o.dtype === 'int32' && srcWidth === 2;
  const rowBytes = rowLen * srcWidth;
  // One buffer per batch (token ids, then numTokens, then sampleIds, 8-byte aligned): one
  // transfer per batch from the worker. Unzeroed (or recycled) memory: every byte is written
  // before the batch is yielded (each row's ids read into it, its numTokens and sampleId set when placed).
  const layout = (rows: number) => {
    const n = rows * rowLen;
    const at1 = Math.ceil((n * (o.dtype === 'uint16' ? 2 : 4)) / 8) * 8;
    const at2 = at1 + Math.ceil((rows * 4) / 8) * 8;
    return { n, at1, at2, bytes: at2 + rows * 8 };
  };
  const full = layout(B);
  const newBatch = (seq: number, rows: number): PendingBatch => {
    const { n, at1, at2, bytes } = rows === B ? full : layout(rows);
    let mem: ArrayBuffer | undefined;
    while (rows === B && pool && pool.length > 0 && !mem) {
      const m = pool.pop()!;
      if (m.byteLength === bytes) mem = m;
    }
    mem ??= Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
    const tokens = o.dtype === 'uint16' ? new Uint16Array(mem, 0, n) : new Int32Array(mem, 0, n);
    const stage = new Uint8Array(mem, widen ? n * 2 : 0, n * srcWidth);
    let slots = slotViews.get(mem);
    if (!slots) {
      slots = new Array<Uint8Array>(rows);
      for (let k = 0; k < rows; k++) slots[k] = new Uint8Array(mem, stage.byteOffset + k * rowBytes, rowBytes);
      if (pool) slotViews.set(mem, slots);
    }
    buffered += rows;
    const b: PendingBatch = { seq, rows, tokens, stage, slots, numTokens: new Int32Array(mem, at1, rows), sampleIds: new Float64Array(mem, at2, rows) };
    if (o.docStarts) {
      b.startBlk = new Array<BlockMeta>(rows);
      b.startRow = new Int32Array(rows);
    }
    return b;
  };
  /** Walk ahead one position: record its target, allocating its batch at its first row. */
  const stepAhead = (): boolean => {
    if (!ahead.step()) return false;
    if (ahead.seq >= 0 && ahead.row === 0) pending.push(newBatch(ahead.seq, ahead.rows));
    queues[ahead.d].push(ahead.seq < 0 ? -1 : ahead.seq * B + ahead.row, ds[ahead.d].keepFrom);
    return true;
  };
  const targets: Target[] = ds.map((_, d) => {
    const q = queues[d];
    const t = function placeRow(pos: number, id: number, blk: BlockMeta, r: number): Uint8Array | null {
      while (q.next <= pos) if (!stepAhead()) return null;
      const v = q.get(pos);
      if (v < 0) return null;
      const seq = Math.floor(v / B);
      const k = v - seq * B;
      const b = pending[seq - headSeq];
      b.sampleIds[k] = d * SAMPLE_DATASET + id;
      b.numTokens[k] = blk.numTokens[r];
      if (b.startBlk) {
        b.startBlk[k] = blk;
        b.startRow![k] = r;
      }
      t.seq = seq;
      return b.slots[k];
    } as Target;
    t.seq = 0;
    return t;
  });

  const finish = (b: PendingBatch): RawBatch => {
    if (widen) {
      // uint16 ids read into the upper half, widened in place: set() copies an overlapping
      // source first, and its native conversion is ~8x a JS loop.
      b.tokens.set(new Uint16Array(b.stage.buffer, b.stage.byteOffset, b.tokens.length));
    }
    const raw: RawBatch = { rows: b.rows, rowLen, tokens: b.tokens, numTokens: b.numTokens, sampleIds: b.sampleIds, epoch: front.E, state: front.state(o.seed, fp), buffered };
    if (b.startBlk) {
      const n = b.rows;
      const blks = b.startBlk;
      const rs = b.startRow!;
      const offs = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offs[i + 1] = offs[i] + blks[i].startOffsets[rs[i] + 1] - blks[i].startOffsets[rs[i]];
      const all = new Int32Array(offs[n]);
      for (let i = 0; i < n; i++) {
        const so = blks[i].startOffsets;
        const r = rs[i];
        for (let k = so[r], at = offs[i]; k < so[r + 1]; k++) all[at++] = blks[i].starts[k];
      }
      raw.docStartOffsets = offs;
      raw.docStarts = all;
    }
    return raw;
  };

  try {
    for (let d = 0; d < ds.length; d++) {
      ds[d].skipTo(cur[d]);
      await ds[d].materialize(targets[d]);
    }
    while (front.step()) {
      const c = ds[front.d];
      if (!c.fillSync(front.p, targets[front.d])) await c.fill(front.p, targets[front.d]);
      if (front.seq >= 0 && front.row === front.rows - 1) {
        for (const x of ds) x.flush(front.seq);
        const b = pending.shift()!;
        headSeq++;
        const raw = finish(b);
        buffered -= b.rows;
        yield raw;
      }
    }
  } finally {
    for (const c of ds) await c.close();
  }
}

/** Buffers of a batch, for postMessage transfer. */
export function transferList(r: RawBatch): ArrayBuffer[] {
  const l = new Set([r.tokens.buffer, r.numTokens.buffer, r.sampleIds.buffer] as ArrayBuffer[]);
  if (r.docStartOffsets) l.add(r.docStartOffsets.buffer as ArrayBuffer).add(r.docStarts!.buffer as ArrayBuffer);
  return [...l];
}
