// The deterministic sample order of the loader, and the producer that turns it into batches.
// Runs inside the loader's worker thread (or in-process with `worker: false`).
//
// Order, all derived from (seed, epoch) and nothing else, so every rank computes the same global
// stream and a resumed loader can recompute where it was:
//  1. per dataset and dataset-epoch: shard order shuffled, record-batch order inside each shard
//     shuffled, rows read in that order into a shuffle buffer of B rows; each output picks a random
//     buffer slot and refills it with the next input row (drained at the end of the epoch).
//  2. mixing: position j of loader-epoch E draws its dataset by weight from hash(seed, E, j);
//     each dataset's stream runs on across its own epochs. With one dataset, loader epoch = dataset
//     epoch.
//  3. ranks: positions c0, c0+1, … of the epoch are striped over ranks (j - c0) % worldSize; the
//     remainder (fewer than worldSize positions) is dropped, never padded by repeating samples.
//     c0 = 0, or the resume position; because all ranks consume in lockstep, the global position
//     after a rank consumed k samples is c0 + k·worldSize, which is what state() records. A loader
//     resumed with another worldSize re-stripes exactly the remaining positions.
import { ShardReader, type ShardBatch, type TokenArray } from './shards.ts';
import { verifyShard, type Manifest } from './manifest.ts';
import { ensureShard, isUrl } from './fetch.ts';
import { join } from 'node:path';

// ---------------------------------------------------------------------------------------------
// Seeded randomness.

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = mix32(h ^ mix32((x >>> 0) + Math.floor(x / 4294967296) * 0x632be5ab));
  }
  return h;
}

/** sfc32: small, fast, 32-bit state PRNG; next() ∈ [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  constructor(seed: number) {
    this.a = hashInts(seed, 1);
    this.b = hashInts(seed, 2);
    this.c = hashInts(seed, 3);
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
}

function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

// ---------------------------------------------------------------------------------------------
// One dataset's infinite stream of rows.

export interface DatasetSource {
  manifest: Manifest;
  /** Local folder, or the cache folder of a remote dataset. */
  dir: string;
  baseUrl?: string;
  verify: 'full' | 'size' | 'none';
}

export interface OutRows {
  tokens: TokenArray | Int32Array;
  numTokens: Int32Array;
  starts?: Int32Array[];
}

interface Block {
  shard: number;
  batch: number;
  data?: ShardBatch;
}

/** Record batches held besides the shuffle buffer: the one being read into it. */
export const READ_AHEAD = 0;

/** Shared between cursors of one process: shards already verified. */
const verified = new Set<string>();

export class DatasetCursor {
  readonly rows: number;
  readonly rowLen: number;
  private readonly shardStart: number[];
  private readonly batchRows: number;
  private readonly shardBatches: number[];
  private readonly B: number;
  // epoch state
  epoch = -1;
  /** Rows output so far in this epoch. */
  outputs = 0;
  private blocks = new Int32Array(0); // pairs (shard, batch)
  private blockIdx = 0;
  private rowInBlock = 0;
  private inputLeft = 0;
  private rng!: Rng;
  // buffer: row ids + (in data mode) row data
  readonly ids: Float64Array;
  len = 0;
  private slots?: TokenArray;
  private numTok?: Int32Array;
  private starts?: Int32Array[];
  // data mode
  private cur?: Block;
  /** Open shard readers (insertion order = LRU order) and pending opens (download, verify). */
  private readers = new Map<number, ShardReader>();
  private opening = new Map<number, Promise<ShardReader>>();
  /** Read buffers, reused: the current input block, and random reads (materialize). */
  private scratch = new Uint8Array(0);
  private scratch2 = new Uint8Array(0);

  constructor(
    readonly src: DatasetSource,
    readonly index: number,
    readonly seed: number,
    bufferRows: number,
    readonly shuffle: boolean,
    readonly withStarts: boolean,
    readonly shardWindow = 16,
  ) {
    const m = src.manifest;
    this.rowLen = m.rowLen;
    this.batchRows = m.batchRows;
    this.shardStart = [];
    this.shardBatches = [];
    let n = 0;
    for (const s of m.shards) {
      this.shardStart.push(n);
      this.shardBatches.push(Math.ceil(s.rows / m.batchRows));
      n += s.rows;
    }
    this.rows = n;
    if (n === 0) throw new Error(`${src.baseUrl ?? src.dir}: dataset has no rows`);
    this.B = Math.max(1, shuffle ? Math.min(bufferRows, n) : 1);
    this.ids = new Float64Array(this.B);
  }

  private rowsOf(shard: number, batch: number): number {
    return Math.min(this.batchRows, this.src.manifest.shards[shard].rows - batch * this.batchRows);
  }

  private startEpoch(e: number): void {
    this.epoch = e;
    this.outputs = 0;
    const m = this.src.manifest;
    const order = Int32Array.from(m.shards.keys());
    if (this.shuffle) shuffleInPlace(order, new Rng(hashInts(this.seed, this.index, e, 0x5a4d)));
    // Blocks (record batches) of a window of `shardWindow` consecutive shards (in the epoch's
    // shard order) are shuffled together: neighbours then come from different shards.
    const blocks: number[] = [];
    const K = this.shuffle ? this.shardWindow : 1;
    for (let w = 0; w < order.length; w += K) {
      const pairs: number[] = [];
      for (const s of order.subarray(w, w + K)) for (let b = 0; b < this.shardBatches[s]; b++) pairs.push(s, b);
      const perm = Int32Array.from({ length: pairs.length / 2 }, (_, i) => i);
      if (this.shuffle) shuffleInPlace(perm, new Rng(hashInts(this.seed, this.index, e, w, 0xb10c)));
      for (const i of perm) blocks.push(pairs[2 * i], pairs[2 * i + 1]);
    }
    this.blocks = Int32Array.from(blocks);
    this.blockIdx = 0;
    this.rowInBlock = 0;
    this.inputLeft = this.rows;
    this.rng = new Rng(hashInts(this.seed, this.index, e, 0xbeef));
    this.len = 0;
  }

  /** Advance in index space only (no data) to absolute cursor `c` (rows output since epoch 0). */
  skipTo(c: number): void {
    const e = Math.floor(c / this.rows);
    const off = c - e * this.rows;
    if (e !== this.epoch || off < this.outputs) this.startEpoch(e);
    while (this.outputs < off) this.step();
  }

  /** Rows held: buffer + loaded input block(s). */
  bufferedRows(): number {
    let n = this.len;
    if (this.cur?.data) n += this.cur.data.rows;
    return n;
  }

  /** Load the data of every row in the buffer (after skipTo). */
  async materialize(): Promise<void> {
    this.allocate();
    const byBlock = new Map<number, number[]>();
    for (let i = 0; i < this.len; i++) {
      const { key } = this.locate(this.ids[i]);
      let l = byBlock.get(key);
      if (!l) byBlock.set(key, (l = []));
      l.push(i);
    }
    for (const [key, positions] of byBlock) {
      const { shard, batch } = this.locate(this.keyToRow(key));
      const r = this.readers.get(shard) ?? (await this.openReader(shard));
      const data = this.readBlock(r, shard, batch, 2);
      for (const i of positions) this.copyIn(i, data, this.locate(this.ids[i]).row);
    }
  }

  private allocate(): void {
    if (this.slots) return;
    const m = this.src.manifest;
    this.slots = m.dtype === 'uint16' ? new Uint16Array(this.B * this.rowLen) : new Uint32Array(this.B * this.rowLen);
    this.numTok = new Int32Array(this.B);
    if (this.withStarts) this.starts = new Array(this.B);
  }

  private locate(id: number): { shard: number; batch: number; row: number; key: number } {
    // binary search the shard
    let lo = 0;
    let hi = this.shardStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.shardStart[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    const r = id - this.shardStart[lo];
    const batch = Math.floor(r / this.batchRows);
    return { shard: lo, batch, row: r - batch * this.batchRows, key: this.blockKey(lo, batch) };
  }

  private blockKey(shard: number, batch: number): number {
    return this.shardStart[shard] + batch; // unique: a shard has at most rows batches
  }

  /** Open (download, verify) a shard; opens are shared, so a failure surfaces to every caller. */
  private openReader(shard: number): Promise<ShardReader> {
    let p = this.opening.get(shard);
    if (!p) {
      p = (async () => {
        const entry = this.src.manifest.shards[shard];
        const path = this.src.baseUrl ? await ensureShard(this.src.baseUrl, this.src.dir, entry) : join(this.src.dir, entry.file);
        const key = `${path}\0${entry.xxhash64}`;
        if (this.src.verify !== 'none' && !verified.has(key)) {
          await verifyShard(path, entry, this.src.verify === 'size');
          verified.add(key);
        }
        const r = await ShardReader.open(path);
        if (r.meta.rowLen !== this.rowLen || r.meta.dtype !== this.src.manifest.dtype) {
          throw new Error(`shard ${entry.file}: rowLen/dtype ${r.meta.rowLen}/${r.meta.dtype} differ from the manifest (${this.rowLen}/${this.src.manifest.dtype})`);
        }
        this.opening.delete(shard);
        this.readers.set(shard, r);
        // Keep the readers of a window of shards open (blocks of a window are interleaved).
        if (this.readers.size > Math.max(4, this.shardWindow + 2)) {
          const [oldest, or] = this.readers.entries().next().value as [number, ShardReader];
          this.readers.delete(oldest);
          void or.close();
        }
        return r;
      })();
      this.opening.set(shard, p);
    }
    return p;
  }

  private readBlock(r: ShardReader, shard: number, batch: number, which: 1 | 2): ShardBatch {
    const need = r.blockBytes(batch);
    let buf = which === 1 ? this.scratch : this.scratch2;
    if (buf.length < need) {
      buf = new Uint8Array(Math.ceil(need * 1.25));
      if (which === 1) this.scratch = buf;
      else this.scratch2 = buf;
    }
    const data = r.batchSync(batch, buf);
    if (data.rows !== this.rowsOf(shard, batch)) {
      throw new Error(`shard ${this.src.manifest.shards[shard].file}: record batch ${batch} has ${data.rows} rows, expected ${this.rowsOf(shard, batch)} (batchRows ${this.batchRows})`);
    }
    return data;
  }

  /** First row id of the block with this key. */
  private keyToRow(key: number): number {
    let lo = 0;
    let hi = this.shardStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.shardStart[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return this.shardStart[lo] + (key - this.shardStart[lo]) * this.batchRows;
  }

  private copyIn(i: number, data: ShardBatch, row: number): void {
    const R = this.rowLen;
    this.slots!.set(data.ids.subarray(row * R, row * R + R), i * R);
    this.numTok![i] = data.numTokens[row];
    if (this.starts) this.starts[i] = data.starts.slice(data.startOffsets[row], data.startOffsets[row + 1]);
  }

  private moveSlot(from: number, to: number): void {
    const R = this.rowLen;
    this.slots!.copyWithin(to * R, from * R, from * R + R);
    this.numTok![to] = this.numTok![from];
    if (this.starts) this.starts[to] = this.starts[from];
  }

  private nextBlockKey(): number {
    const k = this.blockIdx * 2;
    return this.blockKey(this.blocks[k], this.blocks[k + 1]);
  }

  /** Load the current input block if its shard is open; false when an open must be awaited. */
  private loadSync(): boolean {
    const shard = this.blocks[this.blockIdx * 2];
    const r = this.readers.get(shard);
    if (!r) {
      this.openReader(shard).catch(() => undefined);
      return false;
    }
    // Start opening (downloading) the shards of the next blocks while this one is consumed.
    const nBlocks = this.blocks.length / 2;
    for (let k = this.blockIdx + 1; k < Math.min(nBlocks, this.blockIdx + 4); k++) {
      const s = this.blocks[2 * k];
      if (!this.readers.has(s)) this.openReader(s).catch(() => undefined);
    }
    this.cur = { shard, batch: this.blocks[this.blockIdx * 2 + 1], data: this.readBlock(r, shard, this.blocks[this.blockIdx * 2 + 1], 1) };
    return true;
  }

  /** The next input row id; in data mode copies its data into slot `i`. */
  private insert(i: number, data: boolean): void {
    const shard = this.blocks[this.blockIdx * 2];
    const batch = this.blocks[this.blockIdx * 2 + 1];
    this.ids[i] = this.shardStart[shard] + batch * this.batchRows + this.rowInBlock;
    if (data) this.copyIn(i, this.cur!.data!, this.rowInBlock);
    this.inputLeft--;
    if (++this.rowInBlock === this.rowsOf(shard, batch)) {
      this.blockIdx++;
      this.rowInBlock = 0;
      if (data) this.cur = undefined;
    }
  }

  /** Index-only step (skipTo): exactly the steps of `take`, without data. */
  private step(): number {
    if (this.epoch < 0 || (this.len === 0 && this.inputLeft === 0)) this.startEpoch(this.epoch + 1);
    while (this.len < this.B && this.inputLeft > 0) this.insert(this.len++, false);
    const i = this.rng.int(this.len);
    const id = this.ids[i];
    if (this.inputLeft > 0) this.insert(i, false);
    else {
      const last = --this.len;
      if (i !== last) this.ids[i] = this.ids[last];
    }
    this.outputs++;
    return id;
  }

  /**
   * Output the next row: returns its row id and copies its data to out[outRow] (null: consumed,
   * not kept); -1 when a shard must be opened first (then nothing was output: call again).
   */
  takeSync(out: OutRows | null, outRow: number): number {
    if (!this.slots) return -1;
    if (this.epoch < 0 || (this.len === 0 && this.inputLeft === 0)) this.startEpoch(this.epoch + 1);
    while (this.len < this.B && this.inputLeft > 0) {
      if (!this.cur && !this.loadSync()) return -1;
      this.insert(this.len++, true);
    }
    if (this.inputLeft > 0 && !this.cur && !this.loadSync()) return -1;
    const i = this.rng.int(this.len);
    const id = this.ids[i];
    if (out) {
      const R = this.rowLen;
      out.tokens.set(this.slots.subarray(i * R, i * R + R), outRow * R);
      out.numTokens[outRow] = this.numTok![i];
      if (out.starts) out.starts[outRow] = this.starts![i];
    }
    if (this.inputLeft > 0) this.insert(i, true);
    else {
      const last = --this.len;
      if (i !== last) {
        this.ids[i] = this.ids[last];
        this.moveSlot(last, i);
      }
    }
    this.outputs++;
    return id;
  }

  /** `takeSync`, waiting for shard opens (downloads, verification) as needed. */
  async take(out: OutRows | null, outRow: number): Promise<number> {
    this.allocate();
    for (;;) {
      const id = this.takeSync(out, outRow);
      if (id >= 0) return id;
      await this.openReader(this.blocks[this.blockIdx * 2]);
    }
  }

  async close(): Promise<void> {
    for (const p of this.opening.values()) await p.catch(() => undefined);
    for (const r of this.readers.values()) await r.close();
    this.readers.clear();
    this.opening.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// The producer: mixing, rank striping, batches, state.

/** Where a loader is: small JSON, identical on every rank (ranks consume in lockstep). */
export interface LoaderState {
  v: 1;
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
  /** Rows held by the producer (shuffle buffers + loaded input blocks) when it was made. */
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
  return { v: 1, seed: o.seed, epoch: 0, pos: 0, cursors: o.sources.map(() => 0), fp: fingerprint(o) };
}

/** Batches for one rank, from `o.state` (or the start) on. */
export async function* produce(o: ProducerOptions, onCursors?: (c: DatasetCursor[]) => void): AsyncGenerator<RawBatch> {
  const fp = fingerprint(o);
  const st = o.state ?? initialState(o);
  if (st.v !== 1) throw new Error(`loader state version ${st.v} is not supported`);
  if (st.fp !== fp) throw new Error(`loader state is for another dataset or shuffle setup (fingerprint ${st.fp}, this loader ${fp}): datasets, weights, shuffle, shuffleBuffer, shardWindow and samplesPerEpoch must match`);
  if (st.seed !== o.seed) throw new Error(`loader state has seed ${st.seed}, loader seed is ${o.seed}`);
  const W = o.worldSize;
  const B = o.batchSize;
  const choose = chooser(o.seed, o.weights);
  const ds = o.sources.map((s, d) => new DatasetCursor(s, d, o.seed, o.shuffleBuffer, o.shuffle, o.docStarts, o.shardWindow));
  onCursors?.(ds);
  const rowLen = ds[0].rowLen;
  const M = o.samplesPerEpoch;
  let E = st.epoch;
  let c0 = st.pos;
  let epochStart = st.cursors.slice();
  const cur = epochStart.slice();
  for (let j = 0; j < c0; j++) cur[choose(E, j)]++;
  for (let d = 0; d < ds.length; d++) {
    ds[d].skipTo(cur[d]);
    await ds[d].materialize();
  }
  const buffered = () => ds.reduce((a, c) => a + c.bufferedRows(), 0);
  const alloc = () => ({
    tokens: o.dtype === 'uint16' ? new Uint16Array(B * rowLen) : new Int32Array(B * rowLen),
    numTokens: new Int32Array(B),
    sampleIds: new Float64Array(B),
    starts: o.docStarts ? (new Array(B) as Int32Array[]) : undefined,
  });
  const finish = (b: ReturnType<typeof alloc>, n: number, k: number): RawBatch => {
    const raw: RawBatch = {
      rows: n,
      rowLen,
      tokens: n === B ? b.tokens : b.tokens.slice(0, n * rowLen),
      numTokens: n === B ? b.numTokens : b.numTokens.slice(0, n),
      sampleIds: n === B ? b.sampleIds : b.sampleIds.slice(0, n),
      epoch: E,
      state: { v: 1, seed: o.seed, epoch: E, pos: c0 + k * W, cursors: epochStart.slice(), fp },
      buffered: buffered(),
    };
    if (b.starts) {
      const offs = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offs[i + 1] = offs[i] + b.starts[i].length;
      const all = new Int32Array(offs[n]);
      for (let i = 0; i < n; i++) all.set(b.starts[i], offs[i]);
      raw.docStartOffsets = offs;
      raw.docStarts = all;
    }
    return raw;
  };
  try {
    while (E < o.epochs) {
      const per = Math.floor(Math.max(0, M - c0) / W);
      const last = c0 + per * W;
      let k = 0;
      let n = 0;
      let b = alloc();
      for (let j = c0; j < M; j++) {
        const d = choose(E, j);
        const owned = j < last && (j - c0) % W === o.rank;
        if (owned) {
          let id = ds[d].takeSync(b, n);
          if (id < 0) id = await ds[d].take(b, n);
          b.sampleIds[n] = d * SAMPLE_DATASET + id;
          n++;
          k++;
          if (n === B) {
            yield finish(b, n, k);
            b = alloc();
            n = 0;
          }
        } else if (ds[d].takeSync(null, 0) < 0) {
          await ds[d].take(null, 0);
        }
        cur[d]++;
      }
      if (n > 0 && !o.dropLast) yield finish(b, n, k);
      E++;
      c0 = 0;
      epochStart = cur.slice();
    }
  } finally {
    for (const c of ds) await c.close();
  }
}

/** Buffers of a batch, for postMessage transfer. */
export function transferList(r: RawBatch): ArrayBuffer[] {
  const l = [r.tokens.buffer, r.numTokens.buffer, r.sampleIds.buffer] as ArrayBuffer[];
  if (r.docStartOffsets) l.push(r.docStartOffsets.buffer as ArrayBuffer, r.docStarts!.buffer as ArrayBuffer);
  return l;
}
