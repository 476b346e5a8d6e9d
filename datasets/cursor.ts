// One dataset's endless stream of rows in seeded shuffled order, read straight into the slots of
// the output batches they will occupy.
//
// Order (per dataset epoch e, from (seed, dataset index, e) only):
//  1. shard order shuffled; chunks of CHUNK_ROWS consecutive rows of the record batches of
//     `shardWindow` consecutive shards of that order shuffled together, so the rows read close
//     together in time come from many places of many shards;
//  2. a shuffle window of B stream positions: each input row (in block order) is placed at a
//     random free position among the next B positions of the stream; a position is output once
//     it is filled and all before it were output. This is a shuffle buffer turned inside out:
//     where a classic buffer holds B rows and outputs a random one, this one knows, when a row is
//     read, where it will be output, so the row is read from the file directly into that output
//     slot (one kernel copy, no buffer copies). At most B rows are held, as slots of the batches
//     being filled. B = 1 reads sequentially.
// Position p of the stream is output when the producer asks for it (`fill(p)`); the producer tells
// the cursor where each placed row goes (`Target`). The placements are one fixed sequence,
// whatever the timing, so `skipTo` recomputes them in index space to resume.
import { join } from 'node:path';
import { ShardReader, type BlockMeta } from './shards.ts';
import { verifyShard, verifySize, type Manifest } from './manifest.ts';
import { ensureShard } from './fetch.ts';
import { hashInts, Rng, shuffleInPlace } from './random.ts';
import { RowReads } from './row-reads.ts';

export interface DatasetSource {
  manifest: Manifest;
  /** Local folder, or the cache folder of a remote dataset. */
  dir: string;
  baseUrl?: string;
  verify: 'full' | 'size' | 'none';
}

/**
 * Where the row placed at stream position `pos` goes: the bytes of its token ids, or null when
 * nobody needs them (another rank's sample, dropped). `id` is the row in the dataset's shard
 * order; `block`/`row` give its small columns. `seq` orders the outputs (for flushing reads).
 */
export interface Target {
  (pos: number, id: number, block: BlockMeta, row: number): Uint8Array | null;
  /** Output order of the last non-null destination returned. */
  seq: number;
}

/** Rows read in one go (one readv); the unit of the input order's shuffle. */
export const CHUNK_ROWS = 64;
/**
 * Bytes of record batch metadata (num_tokens, doc_starts) kept for reuse: the chunks of a record
 * batch are read at different times, and a miss costs a read and an allocation. ~2 KB per 512-row
 * batch without doc_starts: the blocks of a whole window of 128 MB shards fit.
 */
const META_CACHE_BYTES = 8 << 20;

/** Shared between cursors of one process: shards already verified. */
const verified = new Set<string>();

export class DatasetCursor {
  readonly rows: number;
  readonly rowLen: number;
  private readonly shardStart: number[];
  private readonly batchRows: number;
  private readonly shardBatches: number[];
  /** Shuffle window (stream positions). */
  readonly B: number;
  // index state
  private epoch = -1;
  private epochEnd = 0;
  private chunks = new Int32Array(0); // quadruples (shard, record batch, first row, end row)
  private chunkIdx = 0;
  private rowInChunk = 0;
  private rng = new Rng(0);
  /** First position not yet filled; window = [head, limit), limit ≤ head + B, ≤ epochEnd. */
  head = 0;
  /** head % B. */
  private headAt = 0;
  private limit = 0;
  /** Position p is filled (ring index p % B). */
  private readonly placed: Uint8Array;
  /** Free positions of the window, unordered. */
  private readonly free: Float64Array;
  private nfree = 0;
  // data
  private cur: BlockMeta | undefined;
  private metaCache = new Map<number, BlockMeta>();
  private metaBytes = 0;
  private readonly reads: RowReads;
  private readonly rowBytes: number;
  /** Open shard readers (insertion order = LRU order) and pending opens (download, verify). */
  private readers = new Map<number, ShardReader>();
  private opening = new Map<number, Promise<ShardReader>>();

  constructor(
    readonly src: DatasetSource,
    readonly index: number,
    readonly seed: number,
    window: number,
    readonly shuffle: boolean,
    readonly shardWindow = 16,
    /** Read doc_starts (the small columns' larger part) only when batches carry them. */
    readonly withStarts = true,
  ) {
    const m = src.manifest;
    this.rowLen = m.rowLen;
    this.batchRows = m.batchRows;
    this.rowBytes = m.rowLen * (m.dtype === 'uint16' ? 2 : 4);
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
    this.B = Math.max(1, shuffle ? Math.min(window, n) : 1);
    this.placed = new Uint8Array(this.B);
    this.free = new Float64Array(this.B);
    this.reads = new RowReads(this.rowBytes);
  }

  private rowsOf(shard: number, batch: number): number {
    return Math.min(this.batchRows, this.src.manifest.shards[shard].rows - batch * this.batchRows);
  }

  private startEpoch(e: number): void {
    this.epoch = e;
    const m = this.src.manifest;
    const order = Int32Array.from(m.shards.keys());
    if (this.shuffle) shuffleInPlace(order, new Rng(hashInts(this.seed, this.index, e, 0x5a4d)));
    const chunks: number[] = [];
    const K = this.shuffle ? this.shardWindow : 1;
    for (let w = 0; w < order.length; w += K) {
      const triples: number[] = [];
      for (const s of order.subarray(w, w + K)) {
        for (let b = 0; b < this.shardBatches[s]; b++) {
          const n = this.rowsOf(s, b);
          for (let r = 0; r < n; r += CHUNK_ROWS) triples.push(s, b, r, Math.min(n, r + CHUNK_ROWS));
        }
      }
      const perm = Int32Array.from({ length: triples.length / 4 }, (_, i) => i);
      if (this.shuffle) shuffleInPlace(perm, new Rng(hashInts(this.seed, this.index, e, w, 0xb10c)));
      for (const i of perm) chunks.push(triples[4 * i], triples[4 * i + 1], triples[4 * i + 2], triples[4 * i + 3]);
    }
    this.chunks = Int32Array.from(chunks);
    this.chunkIdx = 0;
    this.rowInChunk = 0;
    this.rng = new Rng(hashInts(this.seed, this.index, e, 0xbeef));
    this.epochEnd = (e + 1) * this.rows;
    this.limit = Math.min(this.head + this.B, this.epochEnd);
    this.nfree = 0;
    for (let p = this.head; p < this.limit; p++) this.free[this.nfree++] = p;
  }

  /**
   * Place the next input row at a random free window position and read it to its target (index
   * only, without data, when resuming). Returns false (nothing done) when its shard must be opened.
   */
  private place(target: Target, withData = true): boolean {
    if (this.head === this.epochEnd) this.startEpoch(this.epoch + 1);
    const c = this.chunkIdx * 4;
    const chunks = this.chunks;
    const shard = chunks[c];
    const batch = chunks[c + 1];
    if (withData && !this.cur && !this.load(shard, batch)) return false;
    const B = this.B;
    const k = this.rng.int(this.nfree);
    const p = this.free[k];
    this.free[k] = this.free[--this.nfree];
    const r = chunks[c + 2] + this.rowInChunk;
    const id = this.shardStart[shard] + batch * this.batchRows + r;
    // Ring index of p without a floating-point modulo: p is in [head, head + B).
    let at = p - this.head + this.headAt;
    if (at >= B) at -= B;
    this.placed[at] = 1;
    if (withData) {
      const blk = this.cur!;
      const dest = target(p, id, blk, r);
      this.reads.add(blk.fd, blk.idsPos + r * this.rowBytes, dest, target.seq);
    } else target(p, id, undefined as unknown as BlockMeta, r);
    this.rowInChunk++;
    if (r + 1 === chunks[c + 3]) {
      this.chunkIdx++;
      this.rowInChunk = 0;
      this.cur = undefined;
    }
    // Output every filled position at the head; each frees a position at the window's end.
    const placed = this.placed;
    while (this.head < this.limit && placed[this.headAt] !== 0) {
      placed[this.headAt] = 0;
      this.head++;
      if (++this.headAt === B) this.headAt = 0;
      if (this.limit < this.epochEnd) this.free[this.nfree++] = this.limit++;
    }
    return true;
  }

  /** Fill positions up to p (with data); false when a shard must be opened first: await `ready()`. */
  fillSync(p: number, target: Target): boolean {
    while (this.head <= p) if (!this.place(target)) return false;
    return true;
  }

  async fill(p: number, target: Target): Promise<void> {
    while (!this.fillSync(p, target)) await this.ready();
  }

  /** Wait for the shard of the next input row to be open. */
  async ready(): Promise<void> {
    if (this.head === this.epochEnd) this.startEpoch(this.epoch + 1);
    await this.openReader(this.chunks[this.chunkIdx * 4]);
  }

  /** Read the pending rows whose outputs come at or before `seq` (all with Infinity). */
  flush(seq = Infinity): void {
    if (this.reads.minSeq <= seq) this.reads.flush();
  }

  /** Rows placed ahead of the resume position by skipTo: [row id, position], to be read. */
  private resumeRows: Array<[number, number]> = [];
  /** Targets of positions below this are no longer asked for (resume keeps its own). */
  private pinned = -1;
  get keepFrom(): number {
    return this.pinned >= 0 ? this.pinned : this.head;
  }

  /** Index-only: replay the placements until position c is the next to be output (resume). */
  skipTo(c: number): void {
    if (c < this.head || (this.head < c && Math.floor(c / this.rows) !== Math.floor(this.head / this.rows))) {
      // Restart at the epoch of c (an epoch starts with an empty window).
      const e = Math.floor(c / this.rows);
      this.epoch = e - 1;
      this.head = this.epochEnd = e * this.rows;
      this.limit = this.head;
      this.nfree = 0;
      this.placed.fill(0);
      this.headAt = this.head % this.B;
      this.cur = undefined;
    }
    this.pinned = c;
    this.resumeRows = [];
    // Placements land in the window [head, head + B): only those at c or later are still due.
    const record: Target = Object.assign((pos: number, id: number) => {
      if (pos >= c) this.resumeRows.push([id, pos]);
      return null;
    }, { seq: 0 });
    while (this.head < c) this.place(record, false);
  }

  /** After skipTo: read the rows it placed at positions still to be output into their targets. */
  async materialize(target: Target): Promise<void> {
    const rows = this.resumeRows.sort((a, b) => a[0] - b[0]);
    this.resumeRows = [];
    let metaKey = -1;
    let blk: BlockMeta | undefined;
    for (const [id, p] of rows) {
      const { shard, batch, row } = this.locate(id);
      const key = this.shardStart[shard] + batch;
      if (key !== metaKey) {
        const r = this.readers.get(shard) ?? (await this.openReader(shard));
        blk = this.blockMeta(r, shard, batch);
        metaKey = key;
      }
      const dest = target(p, id, blk!, row);
      this.reads.add(blk!.fd, blk!.idsPos + row * this.rowBytes, dest, target.seq);
    }
    this.pinned = -1;
  }

  private locate(id: number): { shard: number; batch: number; row: number } {
    let lo = 0;
    let hi = this.shardStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.shardStart[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    const r = id - this.shardStart[lo];
    const batch = Math.floor(r / this.batchRows);
    return { shard: lo, batch, row: r - batch * this.batchRows };
  }

  /** Load the metadata of the current input block if its shard is open (else start opening it). */
  private load(shard: number, batch: number): boolean {
    const r = this.readers.get(shard) ?? this.openLocalSync(shard);
    if (!r) {
      this.openReader(shard).catch(() => undefined);
      return false;
    }
    // Start opening (downloading) the shards of the next chunks while this one is consumed.
    const n = this.chunks.length / 4;
    for (let k = this.chunkIdx + 1; k < Math.min(n, this.chunkIdx + 4); k++) {
      const s = this.chunks[4 * k];
      if (!this.readers.has(s)) this.openReader(s).catch(() => undefined);
    }
    this.cur = this.blockMeta(r, shard, batch);
    // Least recently used first: this shard is now the most recent.
    this.readers.delete(shard);
    this.readers.set(shard, r);
    return true;
  }

  private blockMeta(r: ShardReader, shard: number, batch: number): BlockMeta {
    const key = this.shardStart[shard] + batch;
    const hit = this.metaCache.get(key);
    if (hit && hit.fd === r.fd) {
      this.metaCache.delete(key);
      this.metaCache.set(key, hit);
      return hit;
    }
    if (hit) {
      this.metaCache.delete(key);
      this.metaBytes -= hit.numTokens.buffer.byteLength;
    }
    const m = r.blockMeta(batch, this.withStarts);
    this.metaCache.set(key, m);
    this.metaBytes += m.numTokens.buffer.byteLength;
    for (const [k, old] of this.metaCache) {
      if (this.metaBytes <= META_CACHE_BYTES) break;
      this.metaCache.delete(k);
      this.metaBytes -= old.numTokens.buffer.byteLength;
    }
    if (m.rows !== this.rowsOf(shard, batch)) {
      throw new Error(`shard ${this.src.manifest.shards[shard].file}: record batch ${batch} has ${m.rows} rows, expected ${this.rowsOf(shard, batch)} (batchRows ${this.batchRows})`);
    }
    return m;
  }

  /** A local shard that needs no hashing is opened at once (no trip through the event loop). */
  private openLocalSync(shard: number): ShardReader | undefined {
    if (this.src.baseUrl || this.opening.has(shard)) return undefined;
    const entry = this.src.manifest.shards[shard];
    const path = join(this.src.dir, entry.file);
    const key = `${path}\0${entry.xxhash64}`;
    if (this.src.verify === 'full' && !verified.has(key)) return undefined;
    if (this.src.verify === 'size' && !verified.has(key)) {
      verifySize(path, entry);
      verified.add(key);
    }
    return this.register(shard, ShardReader.openSync(path));
  }

  private register(shard: number, r: ShardReader): ShardReader {
    const entry = this.src.manifest.shards[shard];
    if (r.meta.rowLen !== this.rowLen || r.meta.dtype !== this.src.manifest.dtype) {
      void r.close();
      throw new Error(`shard ${entry.file}: rowLen/dtype ${r.meta.rowLen}/${r.meta.dtype} differ from the manifest (${this.rowLen}/${this.src.manifest.dtype})`);
    }
    this.readers.set(shard, r);
    // Keep the readers of a window of shards open (chunks of a window are interleaved); pending
    // reads go to the file descriptors of open readers, so flush before closing one, and the
    // current input block's reader stays (its fd is read row by row).
    if (this.readers.size > Math.max(4, this.shardWindow + 2)) {
      for (const [s, or] of this.readers) {
        if (or.fd === this.cur?.fd || s === shard) continue;
        this.reads.flush();
        this.readers.delete(s);
        for (const [k, m] of this.metaCache) {
          if (m.fd !== or.fd) continue;
          this.metaCache.delete(k);
          this.metaBytes -= m.numTokens.buffer.byteLength;
        }
        void or.close();
        break;
      }
    }
    return r;
  }

  /** Open (download, verify) a shard; opens are shared, so a failure surfaces to every caller. */
  private openReader(shard: number): Promise<ShardReader> {
    const open = this.readers.get(shard);
    if (open) return Promise.resolve(open);
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
        this.opening.delete(shard);
        return this.readers.get(shard) ?? this.register(shard, ShardReader.openSync(path));
      })();
      this.opening.set(shard, p);
    }
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.opening.values()) await p.catch(() => undefined);
    for (const r of this.readers.values()) await r.close();
    this.readers.clear();
    this.opening.clear();
  }
}
