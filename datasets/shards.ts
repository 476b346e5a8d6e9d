// Arrow IPC token shards: the on-disk format of packed sequences, readable by any Arrow reader
// (pyarrow, Polars, DuckDB's arrow extension, apache-arrow JS).
//
// One shard = one Arrow IPC *file* (random-access footer) holding record batches of `batchRows`
// rows (the last may be shorter), so the loader can seek to the batch of row r without reading the
// rest. Columns:
//   input_ids  FixedSizeList<uint16|uint32>[rowLen]  token ids (uint16 when vocabSize <= 65,536)
//   num_tokens int32        tokens before the row's trailing padding (== rowLen when unpadded)
//   doc_starts list<int32>  positions in the row where a document starts (its BOS, or first token)
//   doc_ids    list<utf8>   ids of the documents with tokens in the row, in order (the first may
//                           be a continuation from the previous row)
// Schema metadata (all strings): see ShardMeta.
import { closeSync, fstatSync, openSync, readSync, writeSync, writevSync } from 'node:fs';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';
import { BufferRegion, FieldNode, RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';
import { Field, FixedSizeList, Int32, List, Message, MetadataVersion, Schema, Uint16, Uint32, Utf8 } from 'apache-arrow';
import { readBatchHeader, type BatchHeader } from './batch-header.ts';

export const FORMAT = 'tokenmill.tokens/1';

export type TokenDtype = 'uint16' | 'uint32';
export type TokenArray = Uint16Array | Uint32Array;

/** What a shard (and the dataset manifest) says about its rows. */
export interface ShardMeta {
  /** Training sequence length; rows hold rowLen = seqLen (+1 with overlap) tokens. */
  seqLen: number;
  rowLen: number;
  overlap: boolean;
  vocabSize: number;
  dtype: TokenDtype;
  /** Tokenizer spec (e.g. "gpt2", a file path) and a hash of its vocabulary/merges. */
  tokenizer: string;
  tokenizerHash: string;
  /** Special token ids (-1 = not used). */
  bos: number;
  eos: number;
  pad: number;
  mode: string;
  /** Rows per record batch (all but the last batch of a shard). */
  batchRows: number;
}

export function dtypeFor(vocabSize: number): TokenDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

const metaKeys: Array<keyof ShardMeta> = ['seqLen', 'rowLen', 'overlap', 'vocabSize', 'dtype', 'tokenizer', 'tokenizerHash', 'bos', 'eos', 'pad', 'mode', 'batchRows'];
const numericKeys = new Set(['seqLen', 'rowLen', 'vocabSize', 'bos', 'eos', 'pad', 'batchRows']);

function metaToMap(m: ShardMeta): Map<string, string> {
  const out = new Map<string, string>([['format', FORMAT]]);
  for (const k of metaKeys) out.set(k, String(m[k]));
  return out;
}

export function metaFromMap(map: Map<string, string>, where: string): ShardMeta {
  if (map.get('format') !== FORMAT) throw new Error(`${where}: not a tokenmill token shard (schema metadata format=${map.get('format') ?? 'missing'})`);
  const out: Record<string, unknown> = {};
  for (const k of metaKeys) {
    const v = map.get(k);
    if (v === undefined) throw new Error(`${where}: schema metadata lacks "${k}"`);
    out[k] = numericKeys.has(k) ? Number(v) : k === 'overlap' ? v === 'true' : v;
  }
  return out as unknown as ShardMeta;
}

export function shardSchema(meta: ShardMeta): Schema {
  const tok = meta.dtype === 'uint16' ? new Uint16() : new Uint32();
  return new Schema(
    [
      new Field('input_ids', new FixedSizeList(meta.rowLen, new Field('item', tok, false)), false),
      new Field('num_tokens', new Int32(), false),
      new Field('doc_starts', new List(new Field('item', new Int32(), false)), false),
      new Field('doc_ids', new List(new Field('item', new Utf8(), false)), false),
    ],
    metaToMap(meta),
  );
}

/**
 * Writes one shard. Rows are appended with `append` (or packed straight into `rowSlot()`); every
 * `batchRows` rows a record batch is written to the file descriptor with one writev: the Arrow
 * message header (flatbuffers, by apache-arrow's encoder) followed by the column buffers as they
 * are, so the token ids go from the batch buffer to the file with no copy. The layout is exactly
 * what apache-arrow's RecordBatchFileWriter writes for this schema (magic, record batches, EOS,
 * footer); memory stays at one batch.
 */
export class ShardWriter {
  readonly meta: ShardMeta;
  private readonly schema: Schema;
  private readonly fd: number;
  private ids: TokenArray;
  private readonly slots: TokenArray[] = [];
  private numTokens: Int32Array;
  private startOffsets: Int32Array;
  private starts = new Int32Array(1024);
  private nStarts = 0;
  private idOffsets: Int32Array;
  private docIds: string[] = [];
  private n = 0;
  private readonly blocks: FileBlock[] = [];
  rows = 0;
  bytes = 0;

  constructor(readonly path: string, meta: ShardMeta) {
    this.meta = meta;
    this.schema = shardSchema(meta);
    this.fd = openSync(path, 'w');
    const B = meta.batchRows;
    this.ids = meta.dtype === 'uint16' ? new Uint16Array(B * meta.rowLen) : new Uint32Array(B * meta.rowLen);
    this.numTokens = new Int32Array(B);
    this.startOffsets = new Int32Array(B + 1);
    this.idOffsets = new Int32Array(B + 1);
    this.write([MAGIC, ZEROS.subarray(0, 2)]);
  }
  /**
   * The slot of the next row in the pending record batch: a row packed into it is appended
   * without a copy (pass the same view to `append`). Valid until that append.
   */
  rowSlot(): TokenArray {
    const R = this.meta.rowLen;
    // The batch buffer is reused for every batch, so are the views of its rows.
    return (this.slots[this.n] ??= this.ids.subarray(this.n * R, this.n * R + R));
  }

  /** Append one row: `tokens` has exactly rowLen ids (padding included). */
  append(tokens: ArrayLike<number> & { length: number }, numTokens: number, docStarts: ArrayLike<number>, docIds: ArrayLike<string>): void {
    const R = this.meta.rowLen;
    if (tokens.length !== R) throw new Error(`${this.path}: row of ${tokens.length} tokens, expected ${R}`);
    // A row packed into its slot (the view rowSlot handed out) is already in place.
    if (tokens !== this.slots[this.n]) this.ids.set(tokens as ArrayLike<number>, this.n * R);
    this.numTokens[this.n] = numTokens;
    if (this.nStarts + docStarts.length > this.starts.length) {
      const grown = new Int32Array(Math.max(this.starts.length * 2, this.nStarts + docStarts.length));
      grown.set(this.starts.subarray(0, this.nStarts));
      this.starts = grown;
    }
    for (let i = 0; i < docStarts.length; i++) this.starts[this.nStarts++] = docStarts[i];
    for (let i = 0; i < docIds.length; i++) this.docIds.push(docIds[i]);
    this.n++;
    this.startOffsets[this.n] = this.nStarts;
    this.idOffsets[this.n] = this.docIds.length;
    if (this.n === this.meta.batchRows) this.flushBatch();
  }

  private flushBatch(): void {
    const n = this.n;
    if (n === 0) return;
    const R = this.meta.rowLen;
    // One buffer for all ids of the batch: ASCII ids (the usual case) in one encode of their
    // concatenation, others one by one.
    const ids = this.docIds;
    const strOffsets = new Int32Array(ids.length + 1);
    const joined = ids.join('');
    let strData: Buffer;
    if (Buffer.byteLength(joined, 'utf8') === joined.length) {
      for (let i = 0; i < ids.length; i++) strOffsets[i + 1] = strOffsets[i] + ids[i].length;
      strData = Buffer.from(joined, 'latin1');
    } else {
      for (let i = 0; i < ids.length; i++) strOffsets[i + 1] = strOffsets[i] + Buffer.byteLength(ids[i], 'utf8');
      strData = Buffer.allocUnsafe(strOffsets[ids.length]);
      for (let i = 0; i < ids.length; i++) strData.write(ids[i], strOffsets[i], 'utf8');
    }
    // Buffers in the order of the schema's fields (validity bitmaps empty: no nulls), each padded to 8.
    const none = ZEROS.subarray(0, 0);
    const buffers: ArrayBufferView[] = [
      none, none, this.ids.subarray(0, n * R), // input_ids: list validity, item validity, ids
      none, this.numTokens.subarray(0, n), // num_tokens
      none, this.startOffsets.subarray(0, n + 1), none, this.starts.subarray(0, this.nStarts), // doc_starts
      none, this.idOffsets.subarray(0, n + 1), none, strOffsets, strData, // doc_ids
    ];
    const regions: BufferRegion[] = [];
    const body: Uint8Array[] = [];
    let bodyLength = 0;
    for (const b of buffers) {
      const len = (b.byteLength + 7) & ~7;
      regions.push(new BufferRegion(bodyLength, len));
      bodyLength += len;
      if (b.byteLength === 0) continue;
      body.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      if (len > b.byteLength) body.push(ZEROS.subarray(0, len - b.byteLength));
    }
    const nodes = [n, n * R, n, n, this.nStarts, n, ids.length].map((len) => new FieldNode(len, 0));
    const header = Message.encode(Message.from(new RecordBatchHeader(n, nodes, regions, null), bodyLength));
    const metaLength = (header.byteLength + 8 + 7) & ~7;
    this.blocks.push(new FileBlock(metaLength, bodyLength, this.bytes));
    this.write([new Uint8Array(Int32Array.of(-1, metaLength - 8).buffer), header, ZEROS.subarray(0, metaLength - 8 - header.byteLength), ...body]);
    this.rows += n;
    this.n = 0;
    this.nStarts = 0;
    this.docIds.length = 0;
  }

  /** Write chunks at the end of the file: one writev, finished by hand after a short write. */
  private write(chunks: Uint8Array[]): void {
    const total = chunks.reduce((a, c) => a + c.length, 0);
    let done = writevSync(this.fd, chunks);
    if (done < total) {
      for (const chunk of chunks) {
        if (done >= chunk.length) {
          done -= chunk.length;
          continue;
        }
        let off = done;
        done = 0;
        while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
      }
    }
    this.bytes += total;
  }

  /** Rows written so far, including those not yet flushed. */
  get rowCount(): number {
    return this.rows + this.n;
  }

  /** Bytes on disk so far plus the pending batch's token bytes (for shard rollover). */
  get approxBytes(): number {
    return this.bytes + this.n * this.meta.rowLen * (this.meta.dtype === 'uint16' ? 2 : 4);
  }

  close(): { rows: number; bytes: number } {
    this.flushBatch();
    // EOS marker for stream readers, then the footer (schema + record batch blocks) and its length.
    const footer = Footer.encode(new Footer(this.schema, MetadataVersion.V5, this.blocks, []));
    this.write([new Uint8Array(Int32Array.of(-1, 0).buffer), footer, new Uint8Array(Int32Array.of(footer.byteLength).buffer), MAGIC]);
    closeSync(this.fd);
    return { rows: this.rows, bytes: this.bytes };
  }
}

const MAGIC = new TextEncoder().encode('ARROW1');
const ZEROS = new Uint8Array(8);

/** One decoded record batch of a shard (views into the read buffer, no copies). */
export interface ShardBatch {
  rows: number;
  /** rows × rowLen token ids. */
  ids: TokenArray;
  numTokens: Int32Array;
  /** doc_starts of row i are starts[startOffsets[i] .. startOffsets[i+1]). */
  startOffsets: Int32Array;
  starts: Int32Array;
  /** Lazily decoded doc ids of row i. */
  docIds(i: number): string[];
}

/**
 * What the loader needs of a record batch: where its token ids are in the file, num_tokens, and
 * (when asked for) doc_starts; doc ids are not read (the loader never yields them).
 */
export interface BlockMeta {
  rows: number;
  numTokens: Int32Array;
  /** Empty unless read with starts: doc_starts of row i are starts[startOffsets[i] .. startOffsets[i+1]). */
  startOffsets: Int32Array;
  starts: Int32Array;
  fd: number;
  /** File position of row 0's ids; row r is at idsPos + r × rowBytes. */
  idsPos: number;
  rowBytes: number;
}

const dec = new TextDecoder();

/**
 * Random access to a shard's record batches. The footer (schema, record batch positions) and
 * the record batch headers are decoded by apache-arrow's flatbuffer decoders; the body buffers are
 * read with positioned reads and viewed in place (the column layout is this module's fixed
 * schema, checked on every batch), or, for the loader, only their positions are given out.
 */
export class ShardReader {
  private constructor(
    readonly path: string,
    readonly meta: ShardMeta,
    readonly numBatches: number,
    readonly fd: number,
    private readonly blocks: Array<{ offset: number; metaDataLength: number; bodyLength: number }>,
  ) {}

  private readonly headers: Array<{ rows: number; bufs: Array<{ offset: number; length: number }> } | undefined> = [];

  static async open(path: string): Promise<ShardReader> {
    return ShardReader.openSync(path);
  }

  /** Open a shard: its footer (schema metadata, record batch positions) is read synchronously. */
  static openSync(path: string): ShardReader {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new Error(`${path}: cannot read Arrow shard: ${(e as Error).message}`);
    }
    try {
      // An Arrow IPC file: "ARROW1\0\0" … footer, int32 footer length, "ARROW1".
      const size = fstatSync(fd).size;
      const tail = new Uint8Array(10);
      if (size < 22 || readSync(fd, tail, 0, 10, size - 10) !== 10 || dec.decode(tail.subarray(4)) !== 'ARROW1') {
        throw new Error(`${path}: cannot read Arrow shard: not an Arrow IPC file (no ARROW1 trailer; stream format or truncated?)`);
      }
      const footerLen = new DataView(tail.buffer).getInt32(0, true);
      if (footerLen <= 0 || footerLen > size - 18) throw new Error(`${path}: cannot read Arrow shard: bad footer length ${footerLen}`);
      const buf = new Uint8Array(footerLen);
      if (readSync(fd, buf, 0, footerLen, size - 10 - footerLen) !== footerLen) throw new Error(`${path}: cannot read Arrow shard: short read of the footer`);
      const footer = Footer.decode(buf);
      const meta = metaFromMap(footer.schema.metadata, path);
      const blocks = [];
      for (let i = 0; i < footer.numRecordBatches; i++) {
        const b = footer.getRecordBatch(i)!;
        blocks.push({ offset: Number(b.offset), metaDataLength: b.metaDataLength, bodyLength: Number(b.bodyLength) });
      }
      return new ShardReader(path, meta, blocks.length, fd, blocks);
    } catch (e) {
      closeSync(fd);
      const msg = (e as Error).message;
      throw new Error(msg.startsWith(path) ? msg : `${path}: cannot read Arrow shard: ${msg}`);
    }
  }

  /** Read `n` bytes at `pos` into buf (fully, or a truncation error naming the batch). */
  private readFully(buf: Uint8Array, n: number, pos: number, i: number): void {
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, buf, got, n - got, pos + got);
      if (r <= 0) throw new Error(`${this.path}: truncated (record batch ${i} ends at ${pos + n})`);
      got += r;
    }
  }

  /** The decoded header of record batch i: row count and body buffer offsets (checked layout). */
  private header(i: number, metaBytes: Uint8Array): { rows: number; bufs: Array<{ offset: number; length: number }> } {
    const dv = new DataView(metaBytes.buffer, metaBytes.byteOffset, metaBytes.length);
    let at = 4;
    let len = dv.getInt32(0, true);
    if (len === -1) {
      len = dv.getInt32(4, true);
      at = 8;
    }
    let h: BatchHeader;
    try {
      h = readBatchHeader(metaBytes.subarray(at, at + len));
    } catch (e) {
      throw new Error(`${this.path}: block ${i}: ${(e as Error).message}`);
    }
    if (h.compressed) throw new Error(`${this.path}: compressed record batches are not supported`);
    if (h.bufs.length !== 14) throw new Error(`${this.path}: record batch ${i} has ${h.bufs.length} buffers, expected 14 (not a tokenmill shard layout)`);
    return { rows: h.rows, bufs: h.bufs };
  }

  /** Views of the columns in a record batch body (`body` = byte offset of the body in `buf`). */
  private columns(i: number, rows: number, bufs: Array<{ offset: number; length: number }>, buf: Uint8Array, body: number, bodyLength: number, first: number) {
    const view = <T>(k: number, C: { new (b: ArrayBufferLike, o: number, l: number): T; BYTES_PER_ELEMENT: number }, count: number): T => {
      if (bufs[k].offset < first || bufs[k].offset + count * C.BYTES_PER_ELEMENT > bodyLength) throw new Error(`${this.path}: record batch ${i} buffer ${k} out of bounds`);
      return new C(buf.buffer, buf.byteOffset + body + bufs[k].offset - first, count);
    };
    const numTokens = view(4, Int32Array, rows);
    const startOffsets = view(6, Int32Array, rows + 1);
    const starts = view(8, Int32Array, startOffsets[rows]);
    const idOffsets = view(10, Int32Array, rows + 1);
    const strOffsets = view(12, Int32Array, idOffsets[rows] + 1);
    const strData = view(13, Uint8Array, strOffsets[idOffsets[rows]]);
    return {
      numTokens,
      startOffsets,
      starts,
      docIds: (r: number) => {
        const out: string[] = [];
        for (let k = idOffsets[r]; k < idOffsets[r + 1]; k++) out.push(dec.decode(strData.subarray(strOffsets[k], strOffsets[k + 1])));
        return out;
      },
    };
  }

  /**
   * Record batch i, read into `buf` (reused by the caller; the returned views point into it) or a
   * new buffer.
   */
  batchSync(i: number, buf?: Uint8Array): ShardBatch {
    const blk = this.blocks[i];
    if (!blk) throw new Error(`${this.path}: record batch ${i} missing (file has ${this.numBatches})`);
    const n = blk.metaDataLength + blk.bodyLength;
    if (!buf || buf.length < n) buf = new Uint8Array(n + 4096);
    this.readFully(buf, n, blk.offset, i);
    const { rows, bufs } = this.header(i, buf.subarray(0, blk.metaDataLength));
    const R = this.meta.rowLen;
    const width = this.meta.dtype === 'uint16' ? 2 : 4;
    if (bufs[2].offset + rows * R * width > blk.bodyLength) throw new Error(`${this.path}: record batch ${i} buffer 2 out of bounds`);
    const idsAt = buf.byteOffset + blk.metaDataLength + bufs[2].offset;
    const ids = width === 2 ? new Uint16Array(buf.buffer, idsAt, rows * R) : new Uint32Array(buf.buffer, idsAt, rows * R);
    return { rows, ids, ...this.columns(i, rows, bufs, buf, blk.metaDataLength, blk.bodyLength, 0) };
  }

  /**
   * Record batch i without its token ids: the small columns, and the file position of the ids
   * (rows × rowLen values, row-major) for the caller to read where it wants them.
   */
  blockMeta(i: number, withStarts = true): BlockMeta {
    const blk = this.blocks[i];
    if (!blk) throw new Error(`${this.path}: record batch ${i} missing (file has ${this.numBatches})`);
    // Decoding a header (flatbuffers) costs more than reading the small columns: once per batch.
    let h = this.headers[i];
    if (!h) {
      const meta = new Uint8Array(blk.metaDataLength);
      this.readFully(meta, meta.length, blk.offset, i);
      h = this.headers[i] = this.header(i, meta);
    }
    const { rows, bufs } = h;
    const R = this.meta.rowLen;
    const rowBytes = R * (this.meta.dtype === 'uint16' ? 2 : 4);
    const body = blk.offset + blk.metaDataLength;
    if (bufs[2].offset + rows * rowBytes > blk.bodyLength) throw new Error(`${this.path}: record batch ${i} buffer 2 out of bounds`);
    // num_tokens (buffer 4), and doc_starts (6, 8) when asked for, follow the ids in the body:
    // one small read of buffers 3..4 or 3..8 (the doc ids after them are never needed here).
    const first = bufs[3].offset;
    const last = withStarts ? 8 : 4;
    const end = bufs[last].offset + bufs[last].length;
    const bounds = (k: number, bytes: number) => {
      if (bufs[k].offset < first || bufs[k].offset + bytes > end || end > blk.bodyLength) throw new Error(`${this.path}: record batch ${i} buffer ${k} out of bounds`);
      return bufs[k].offset - first;
    };
    const side = new Uint8Array(end - first);
    this.readFully(side, side.length, body + first, i);
    const numTokens = new Int32Array(side.buffer, bounds(4, rows * 4), rows);
    let startOffsets = new Int32Array(0);
    let starts = startOffsets;
    if (withStarts) {
      startOffsets = new Int32Array(side.buffer, bounds(6, (rows + 1) * 4), rows + 1);
      starts = new Int32Array(side.buffer, bounds(8, startOffsets[rows] * 4), startOffsets[rows]);
    }
    return { rows, fd: this.fd, idsPos: body + bufs[2].offset, rowBytes, numTokens, startOffsets, starts };
  }

  /** Record batch i in a new buffer. */
  async batch(i: number): Promise<ShardBatch> {
    return this.batchSync(i);
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}
