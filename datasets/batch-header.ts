// The header of an Arrow IPC record batch message, read straight from its flatbuffer: row count,
// body buffer regions, compression. The loader decodes one per record batch it touches, and
// apache-arrow's Message.decode (class instances, BigInts) cost ~40 µs each, 15% of the loader's
// own work on the bench; this reads the same fields in ~1 µs.
// Layout (Arrow format/Message.fbs): Message { version: short, header_type: ubyte, header: union,
// bodyLength: long, … }; RecordBatch { length: long, nodes: [FieldNode], buffers: [Buffer],
// compression: BodyCompression, … }; Buffer and FieldNode are structs of two longs.

/** MessageHeader.RecordBatch in Message.fbs. */
const RECORD_BATCH = 3;

export interface BatchHeader {
  rows: number;
  /** Body buffers: offset and length, in body order. */
  bufs: Array<{ offset: number; length: number }>;
  compressed: boolean;
}

/** Position of a table's field (0 when absent), per the flatbuffers vtable. */
function field(dv: DataView, table: number, index: number): number {
  const vtable = table - dv.getInt32(table, true);
  const at = 4 + 2 * index;
  if (at >= dv.getUint16(vtable, true)) return 0;
  const off = dv.getUint16(vtable + at, true);
  return off === 0 ? 0 : table + off;
}

/** The table or vector an offset field points to. */
const deref = (dv: DataView, pos: number) => pos + dv.getUint32(pos, true);

/** A non-negative int64 below 2^53. */
function int64(dv: DataView, pos: number): number {
  const hi = dv.getInt32(pos + 4, true);
  if (hi < 0 || hi >= 0x200000) throw new Error(`int64 at ${pos} out of range`);
  return hi * 4294967296 + dv.getUint32(pos, true);
}

/**
 * Decode a record batch message's flatbuffer (the bytes after the continuation marker and
 * length). Throws a plain message (the caller names the file and batch) on anything else.
 */
export function readBatchHeader(fb: Uint8Array): BatchHeader {
  const dv = new DataView(fb.buffer, fb.byteOffset, fb.byteLength);
  try {
    const msg = deref(dv, 0);
    const type = field(dv, msg, 1);
    if (type === 0 || dv.getUint8(type) !== RECORD_BATCH) throw new Error('not a record batch message');
    const h = field(dv, msg, 2);
    if (h === 0) throw new Error('record batch message without a header');
    const rb = deref(dv, h);
    const len = field(dv, rb, 0);
    const rows = len === 0 ? 0 : int64(dv, len);
    const bufsField = field(dv, rb, 2);
    const bufs: Array<{ offset: number; length: number }> = [];
    if (bufsField !== 0) {
      const vec = deref(dv, bufsField);
      const n = dv.getUint32(vec, true);
      for (let k = 0; k < n; k++) bufs.push({ offset: int64(dv, vec + 4 + 16 * k), length: int64(dv, vec + 12 + 16 * k) });
    }
    return { rows, bufs, compressed: field(dv, rb, 3) !== 0 };
  } catch (e) {
    if (e instanceof RangeError) throw new Error('record batch header is truncated or malformed');
    throw e;
  }
}
