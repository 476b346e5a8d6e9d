// Fixed-size binary records (W little-endian uint32 words) on disk: buffered writers and readers,
// a stable radix sort on the 64-bit key in words 0-1, and a streaming k-way merge of sorted runs.
// Memory stays bounded: a run is sorted in RAM (its size is capped by the writer), merges hold one
// buffer per input file.
import { closeSync, openSync, readSync, writeSync, existsSync, statSync, rmSync } from 'node:fs';

const BUF_WORDS = 1 << 16;

export class RecordWriter {
  private fd: number;
  private buf = new Uint32Array(BUF_WORDS);
  private n = 0;
  records = 0;

  constructor(path: string, readonly width: number) {
    this.fd = openSync(path, 'w');
  }

  /** Append one record from `src` starting at word `at`. */
  push(src: ArrayLike<number>, at = 0): void {
    if (this.n + this.width > this.buf.length) this.flush();
    for (let i = 0; i < this.width; i++) this.buf[this.n + i] = src[at + i];
    this.n += this.width;
    this.records++;
  }

  /** Append several words as one record (convenience for small records). */
  write(...words: number[]): void {
    this.push(words);
  }

  private flush(): void {
    if (this.n === 0) return;
    const bytes = new Uint8Array(this.buf.buffer, 0, this.n * 4);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.n = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Sequential reader: `next()` advances; the current record is `buf[pos .. pos+width)`. */
export class RecordReader {
  private fd: number;
  buf: Uint32Array;
  pos = 0;
  private end = 0;
  private started = false;
  private eof = false;

  constructor(readonly path: string, readonly width: number, bufRecords = 4096) {
    if (!existsSync(path)) throw new Error(`dedup: missing ${path} (did an earlier phase of this stage run?)`);
    if (statSync(path).size % (width * 4) !== 0) throw new Error(`dedup: ${path} is truncated (size not a multiple of ${width * 4} bytes)`);
    this.fd = openSync(path, 'r');
    this.buf = new Uint32Array(width * bufRecords);
  }

  next(): boolean {
    if (this.started) this.pos += this.width;
    this.started = true;
    if (this.pos < this.end) return true;
    if (this.eof) return false;
    const bytes = new Uint8Array(this.buf.buffer);
    let got = 0;
    while (got < bytes.length) {
      const r = readSync(this.fd, bytes, got, bytes.length - got, null);
      if (r === 0) break;
      got += r;
    }
    this.pos = 0;
    this.end = got >>> 2;
    if (got < bytes.length) {
      this.eof = true;
      closeSync(this.fd);
    }
    return this.end > 0;
  }

  close(): void {
    if (!this.eof) {
      this.eof = true;
      closeSync(this.fd);
    }
  }
}

/** All records of a (small) file at once. */
export function readAllRecords(path: string, width: number): Uint32Array {
  const r = new RecordReader(path, width, 1 << 14);
  const parts: Uint32Array[] = [];
  let total = 0;
  while (r.next()) {
    parts.push(r.buf.slice(r.pos, r.pos + width));
    total += width;
  }
  const out = new Uint32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Order of `n` records (width w) in `data` sorted by the unsigned 64-bit key (word 0 high, word 1
 * low), stable: records with equal keys keep their insertion order. LSD radix, 16-bit digits.
 */
export function sortByKey(data: Uint32Array, n: number, w: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  // digits from least significant: word1 low, word1 high, word0 low, word0 high
  for (const [word, shift] of [[1, 0], [1, 16], [0, 0], [0, 16]] as const) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((data[i * w + word] >>> shift) & 0xffff) + 1]++;
    if (count[((data[word] >>> shift) & 0xffff) + 1] === n) continue; // all equal: skip pass
    for (let d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (let i = 0; i < n; i++) {
      const r = order[i];
      tmp[count[(data[r * w + word] >>> shift) & 0xffff]++] = r;
    }
    [order, tmp] = [tmp, order];
  }
  return order;
}

/** Write records of `data` in sorted key order to `path`. */
export function writeSorted(path: string, data: Uint32Array, n: number, w: number): void {
  const order = sortByKey(data, n, w);
  const out = new RecordWriter(path, w);
  for (let i = 0; i < n; i++) out.push(data, order[i] * w);
  out.close();
}

/** Growable buffer of records. */
export class RecordBuffer {
  data: Uint32Array;
  n = 0;
  constructor(readonly width: number, initial = 1024) {
    this.data = new Uint32Array(width * initial);
  }
  push(src: ArrayLike<number>, at = 0): void {
    if ((this.n + 1) * this.width > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const o = this.n * this.width;
    for (let i = 0; i < this.width; i++) this.data[o + i] = src[at + i];
    this.n++;
  }
  clear(): void {
    this.n = 0;
  }
}

/**
 * Pull-based k-way merge of files sorted by key: `next()` advances to the smallest record in
 * (key, file index, position) order; it is then `reader.buf[reader.pos …]`, from file `file`.
 * Files are given in a fixed order, so ties are deterministic. Holds one buffer per file.
 */
export class SortedMerge {
  private readers: RecordReader[];
  private heap: number[] = [];
  private started = false;
  reader!: RecordReader;
  file = -1;

  constructor(paths: string[], readonly width: number) {
    this.readers = paths.map((p) => new RecordReader(p, width));
    for (let i = 0; i < this.readers.length; i++) if (this.readers[i].next()) this.heap.push(i);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private less(a: number, b: number): boolean {
    const ra = this.readers[a];
    const rb = this.readers[b];
    const a0 = ra.buf[ra.pos];
    const b0 = rb.buf[rb.pos];
    if (a0 !== b0) return a0 < b0;
    const a1 = ra.buf[ra.pos + 1];
    const b1 = rb.buf[rb.pos + 1];
    if (a1 !== b1) return a1 < b1;
    return a < b;
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const c = l + 1 < heap.length && this.less(heap[l + 1], heap[l]) ? l + 1 : l;
      if (!this.less(heap[c], heap[i])) return;
      [heap[c], heap[i]] = [heap[i], heap[c]];
      i = c;
    }
  }

  next(): boolean {
    const heap = this.heap;
    if (this.started && heap.length) {
      // Advance the reader of the record handed out last.
      if (this.readers[heap[0]].next()) this.down(0);
      else {
        const last = heap.pop()!;
        if (heap.length) {
          heap[0] = last;
          this.down(0);
        }
      }
    }
    this.started = true;
    if (!heap.length) return false;
    this.file = heap[0];
    this.reader = this.readers[this.file];
    return true;
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}

/** Streaming k-way merge: calls `visit(reader, fileIndex)` for each record in key order. */
export function mergeSorted(paths: string[], width: number, visit: (r: RecordReader, file: number) => void): number {
  const m = new SortedMerge(paths, width);
  let count = 0;
  while (m.next()) {
    visit(m.reader, m.file);
    count++;
  }
  return count;
}

/**
 * Records routed to `parts` partitions, sorted by key, ending as ONE sorted file per partition
 * (`finalPath(part)`), whatever the input size: buffers are spilled as sorted runs
 * (`runPath(part, run)`) whenever `maxRecords` are buffered, and runs are merged at `finish()`
 * and deleted. So readers of a partition open one file per task, never one per run.
 */
export class PartitionedSorter {
  private bufs: RecordBuffer[];
  private runFiles: string[][];
  private buffered = 0;
  runs = 0;

  constructor(
    private readonly parts: number,
    private readonly width: number,
    private readonly maxRecords: number,
    private readonly runPath: (part: number, run: number) => string,
    private readonly finalPath: (part: number) => string,
  ) {
    this.bufs = Array.from({ length: parts }, () => new RecordBuffer(width, 256));
    this.runFiles = Array.from({ length: parts }, () => []);
  }

  push(part: number, rec: ArrayLike<number>): void {
    this.bufs[part].push(rec);
    if (++this.buffered >= this.maxRecords) this.spill();
  }

  private spill(): void {
    for (let q = 0; q < this.parts; q++) {
      const p = this.runPath(q, this.runs);
      writeSorted(p, this.bufs[q].data, this.bufs[q].n, this.width);
      this.runFiles[q].push(p);
      this.bufs[q].clear();
    }
    this.runs++;
    this.buffered = 0;
  }

  finish(): void {
    if (this.runs === 0) {
      for (let q = 0; q < this.parts; q++) writeSorted(this.finalPath(q), this.bufs[q].data, this.bufs[q].n, this.width);
      return;
    }
    if (this.buffered > 0) this.spill();
    for (let q = 0; q < this.parts; q++) {
      const out = new RecordWriter(this.finalPath(q), this.width);
      const m = new SortedMerge(this.runFiles[q], this.width);
      while (m.next()) out.push(m.reader.buf, m.reader.pos);
      m.close();
      out.close();
      for (const p of this.runFiles[q]) rmSync(p, { force: true });
    }
  }
}
