// Reads a fastText model file (.bin, or quantized .ftz such as lid.176.ftz) into typed arrays, as
// fastText's FastText::loadModel does: args header, dictionary (+ pruneidx of quantized models),
// input matrix (dense or product-quantized), output matrix (dense or product-quantized).
// Quantized rows are decoded at load time into the exact float32 values fastText adds (alpha * c in
// float), so inference is plain float32 row arithmetic with the same rounding as the C++.
import { closeSync, openSync, readSync } from 'node:fs';

const MAGIC = 793712314;

export const enum Loss {
  hs = 1,
  ns = 2,
  softmax = 3,
  ova = 4,
}

export interface FastTextArgs {
  dim: number;
  wordNgrams: number;
  loss: Loss;
  /** 1 cbow, 2 skipgram, 3 supervised. */
  model: number;
  bucket: number;
  minn: number;
  maxn: number;
}

export interface FastTextFile {
  version: number;
  args: FastTextArgs;
  /** Dictionary entries (words first, then labels), UTF-8 bytes. */
  entries: Uint8Array[];
  counts: Float64Array;
  /** 0 word, 1 label. */
  types: Uint8Array;
  nwords: number;
  nlabels: number;
  /** -1: not pruned; otherwise bucket → compacted n-gram row (0 = every n-gram pruned). */
  pruneidxSize: number;
  pruneidx: Map<number, number>;
  /** rows × dim, already scaled by each row's quantized norm. */
  input: Float32Array;
  inputRows: number;
  /** rows × dim (codebook values when quantized, the norm is applied after the dot product, as fastText does). */
  output: Float32Array;
  /** Per output row scale (1 when not quantized). */
  outputNorm: Float32Array;
  outputRows: number;
}

/** Buffered little-endian reader over a file descriptor; big float blocks are read straight into their arrays. */
class Reader {
  private buf = Buffer.allocUnsafe(1 << 20);
  private start = 0; // file offset of buf[0]
  private len = 0;
  private pos = 0; // offset in buf
  constructor(private fd: number) {}

  private fill(need: number): void {
    if (this.pos + need <= this.len) return;
    const keep = this.len - this.pos;
    if (need > this.buf.length) {
      const b = Buffer.allocUnsafe(need);
      this.buf.copy(b, 0, this.pos, this.len);
      this.buf = b;
    } else this.buf.copy(this.buf, 0, this.pos, this.len);
    this.start += this.pos;
    this.pos = 0;
    this.len = keep;
    while (this.len < need) {
      const n = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.start + this.len);
      if (n === 0) throw new Error('fastText model: unexpected end of file');
      this.len += n;
    }
  }
  u8(): number {
    this.fill(1);
    return this.buf[this.pos++];
  }
  i32(): number {
    this.fill(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): number {
    this.fill(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  f64(): number {
    this.fill(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  /** Bytes up to (not including) the next NUL. */
  cstring(): Uint8Array {
    const parts: Buffer[] = [];
    for (;;) {
      this.fill(1);
      const end = this.buf.indexOf(0, this.pos);
      if (end >= 0 && end < this.len) {
        parts.push(this.buf.subarray(this.pos, end));
        this.pos = end + 1;
        return Uint8Array.from(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      }
      parts.push(Buffer.from(this.buf.subarray(this.pos, this.len)));
      this.pos = this.len;
    }
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    this.into(out);
    return out;
  }
  floats(n: number): Float32Array {
    const out = new Float32Array(n);
    this.into(new Uint8Array(out.buffer));
    return out;
  }
  private into(dst: Uint8Array): void {
    const have = Math.min(this.len - this.pos, dst.length);
    dst.set(this.buf.subarray(this.pos, this.pos + have));
    this.pos += have;
    if (have === dst.length) return;
    // the buffer is exhausted: read the rest straight from the file, then start a fresh buffer there
    let file = this.start + this.len;
    for (let off = have; off < dst.length; ) {
      // at most 1 GiB per read: fs.readSync refuses lengths over 2 GiB (a GlotLID .bin is 1.6 GB)
      const n = readSync(this.fd, dst, off, Math.min(dst.length - off, 1 << 30), file);
      if (n === 0) throw new Error('fastText model: unexpected end of file');
      off += n;
      file += n;
    }
    this.start = file;
    this.len = 0;
    this.pos = 0;
  }
}

interface PQ {
  dim: number;
  nsubq: number;
  dsub: number;
  lastdsub: number;
  centroids: Float32Array;
}

function readPQ(r: Reader): PQ {
  const dim = r.i32();
  const nsubq = r.i32();
  const dsub = r.i32();
  const lastdsub = r.i32();
  return { dim, nsubq, dsub, lastdsub, centroids: r.floats(dim * 256) };
}

/** ProductQuantizer::get_centroids: the last sub-quantizer may be narrower (lastdsub). */
function centroidOffset(pq: PQ, m: number, code: number): number {
  return m === pq.nsubq - 1 ? m * 256 * pq.dsub + code * pq.lastdsub : (m * 256 + code) * pq.dsub;
}

interface QuantMatrix {
  rows: number;
  cols: number;
  /** Decoded codebook values, rows × cols (not scaled). */
  data: Float32Array;
  /** Per-row norm (1 without qnorm). */
  norm: Float32Array;
}

function readQuantMatrix(r: Reader): QuantMatrix {
  const qnorm = r.u8() !== 0;
  const rows = r.i64();
  const cols = r.i64();
  const codesize = r.i32();
  const codes = r.bytes(codesize);
  const pq = readPQ(r);
  const norm = new Float32Array(rows).fill(1);
  if (qnorm) {
    const normCodes = r.bytes(rows);
    const npq = readPQ(r);
    for (let i = 0; i < rows; i++) norm[i] = npq.centroids[centroidOffset(npq, 0, normCodes[i])];
  }
  const data = new Float32Array(rows * cols);
  for (let t = 0; t < rows; t++) {
    const code = t * pq.nsubq;
    let d = pq.dsub;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = centroidOffset(pq, m, codes[code + m]);
      if (m === pq.nsubq - 1) d = pq.lastdsub;
      for (let n = 0; n < d; n++) data[t * cols + m * pq.dsub + n] = pq.centroids[c + n];
    }
  }
  return { rows, cols, data, norm };
}

function readDense(r: Reader): { rows: number; cols: number; data: Float32Array } {
  const rows = r.i64();
  const cols = r.i64();
  return { rows, cols, data: r.floats(rows * cols) };
}

export function readFastTextFile(path: string): FastTextFile {
  const fd = openSync(path, 'r');
  try {
    const r = new Reader(fd);
    if (r.i32() !== MAGIC) throw new Error(`${path}: not a fastText model (bad magic number)`);
    const version = r.i32();
    if (version > 12) throw new Error(`${path}: fastText file version ${version} is newer than 12`);
    const [dim, , , , , wordNgrams, loss, model, bucket, minn, maxnRaw] = Array.from({ length: 12 }, () => r.i32());
    r.f64(); // t (sampling threshold, training only)
    // fastText: version-11 supervised models were trained without char n-grams
    const maxn = version === 11 && model === 3 ? 0 : maxnRaw;
    const args: FastTextArgs = { dim, wordNgrams, loss, model, bucket, minn, maxn };

    const size = r.i32();
    const nwords = r.i32();
    const nlabels = r.i32();
    r.i64(); // ntokens
    const pruneidxSize = r.i64();
    const entries: Uint8Array[] = [];
    const counts = new Float64Array(size);
    const types = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      entries.push(r.cstring());
      counts[i] = r.i64();
      types[i] = r.u8();
    }
    const pruneidx = new Map<number, number>();
    for (let i = 0; i < pruneidxSize; i++) {
      const first = r.i32();
      pruneidx.set(first, r.i32());
    }

    const quantInput = r.u8() !== 0;
    let input: Float32Array;
    let inputRows: number;
    if (quantInput) {
      const q = readQuantMatrix(r);
      if (q.cols !== dim) throw new Error(`${path}: input matrix has ${q.cols} columns, dim is ${dim}`);
      // addcode adds alpha * c[n] rounded to float: store exactly that
      for (let t = 0; t < q.rows; t++) {
        const a = q.norm[t];
        for (let j = t * dim, e = j + dim; j < e; j++) q.data[j] = Math.fround(a * q.data[j]);
      }
      input = q.data;
      inputRows = q.rows;
    } else {
      if (pruneidxSize >= 0) throw new Error(`${path}: invalid model file (pruned dictionary without a quantized matrix; see fastText issue #332)`);
      const m = readDense(r);
      input = m.data;
      inputRows = m.rows;
    }
    const qout = r.u8() !== 0;
    let output: Float32Array;
    let outputNorm: Float32Array;
    let outputRows: number;
    if (quantInput && qout) {
      const q = readQuantMatrix(r);
      output = q.data;
      outputNorm = q.norm;
      outputRows = q.rows;
    } else {
      const m = readDense(r);
      output = m.data;
      outputRows = m.rows;
      outputNorm = new Float32Array(outputRows).fill(1);
    }
    return { version, args, entries, counts, types, nwords, nlabels, pruneidxSize, pruneidx, input, inputRows, output, outputNorm, outputRows };
  } finally {
    closeSync(fd);
  }
}
