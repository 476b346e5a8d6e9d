// readBatchHeader reads a record batch message's flatbuffer itself: it must agree with
// apache-arrow's Message.decode on every record batch of real shards, and refuse other messages.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Field, Int32, Message, MessageHeader, Schema } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { readBatchHeader } from '../../datasets/batch-header.ts';
import { ShardWriter } from '../../datasets/shards.ts';

const dir = mkdtempSync(join(tmpdir(), 'batch-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The flatbuffer bytes of every record batch message of an Arrow IPC file (via its footer). */
function messages(file: Uint8Array): Uint8Array[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLen = dv.getInt32(file.length - 10, true);
  const footer = Footer.decode(file.subarray(file.length - 10 - footerLen, file.length - 10));
  const out: Uint8Array[] = [];
  for (let i = 0; i < footer.numRecordBatches; i++) {
    const at = Number(footer.getRecordBatch(i)!.offset);
    // continuation marker, length, flatbuffer
    expect(dv.getInt32(at, true)).toBe(-1);
    out.push(file.subarray(at + 8, at + 8 + dv.getInt32(at + 4, true)));
  }
  return out;
}

describe('readBatchHeader', () => {
  it('agrees with apache-arrow on every record batch of uint16 and uint32 shards', () => {
    for (const [vocab, rows, batchRows] of [[50257, 1000, 64], [100277, 37, 5]] as const) {
      const path = join(dir, `s${vocab}.arrow`);
      const w = new ShardWriter(path, { seqLen: 16, rowLen: 16, overlap: false, vocabSize: vocab, dtype: vocab > 65536 ? 'uint32' : 'uint16', tokenizer: 't', tokenizerHash: 'h', bos: -1, eos: 7, pad: 0, mode: 'concat', batchRows });
      for (let r = 0; r < rows; r++) {
        const row = w.rowSlot();
        for (let i = 0; i < 16; i++) row[i] = (r * 31 + i) % vocab;
        w.append(row, 16 - (r % 3), r % 2 ? [0, 5] : [], [`d${r}`]);
      }
      w.close();
      const ms = messages(readFileSync(path));
      expect(ms.length).toBe(Math.ceil(rows / batchRows));
      for (const m of ms) {
        const ref = Message.decode(m);
        expect(ref.headerType).toBe(MessageHeader.RecordBatch);
        const h = ref.header() as unknown as { length: number; buffers: Array<{ offset: number; length: number }> };
        const got = readBatchHeader(m);
        expect(got.compressed).toBe(false);
        expect(got.rows).toBe(Number(h.length));
        expect(got.bufs).toEqual(h.buffers.map((b) => ({ offset: Number(b.offset), length: Number(b.length) })));
        expect(got.bufs).toHaveLength(14);
      }
    }
  });

  it('refuses a schema message and truncated bytes with a plain reason', () => {
    const schema = Message.encode(Message.from(new Schema([new Field('x', new Int32())])));
    expect(() => readBatchHeader(schema)).toThrow(/^not a record batch message$/);
    const path = join(dir, 's50257.arrow');
    const m = messages(readFileSync(path))[0];
    expect(() => readBatchHeader(m.subarray(0, 12))).toThrow(/^record batch header is truncated or malformed$/);
  });
});
