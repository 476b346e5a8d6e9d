// The shard writer encodes Arrow IPC itself (header by apache-arrow's encoder, buffers as they
// are): apache-arrow's own file reader must read back every column, for uint16 and uint32 ids,
// non-ASCII document ids, a short last batch and an empty shard; ShardReader agrees.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { ShardReader, ShardWriter, type ShardMeta } from '../../datasets/shards.ts';

const dir = mkdtempSync(join(tmpdir(), 'shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = (vocabSize: number, batchRows: number): ShardMeta => ({
  seqLen: 12, rowLen: 12, overlap: false, vocabSize, dtype: vocabSize > 65536 ? 'uint32' : 'uint16', tokenizer: 'test', tokenizerHash: 'h',
  bos: -1, eos: 7, pad: 0, mode: 'concat', batchRows,
});

describe('ShardWriter output read by apache-arrow', () => {
  for (const [vocab, batchRows, rows] of [[50257, 5, 23], [100277, 4, 8], [50257, 3, 0]] as const) {
    it(`vocab ${vocab}, ${rows} rows in batches of ${batchRows}`, async () => {
      const path = join(dir, `s-${vocab}-${rows}.arrow`);
      const w = new ShardWriter(path, meta(vocab, batchRows));
      const want: Array<{ ids: number[]; n: number; starts: number[]; docIds: string[] }> = [];
      for (let r = 0; r < rows; r++) {
        const ids = Array.from({ length: 12 }, (_, i) => (r * 7919 + i * 104729) % vocab);
        const starts = r % 3 === 0 ? [] : [0, r % 12];
        const docIds = r % 2 ? [`doc-${r}`] : [`dok-${r}-ü`, `文書${r}`];
        // Half the rows packed into the writer's slot, half appended from elsewhere.
        const row = r % 2 ? w.rowSlot() : new Uint32Array(12);
        row.set(ids);
        w.append(row, 12 - (r % 4), starts, docIds);
        want.push({ ids, n: 12 - (r % 4), starts, docIds });
      }
      const { rows: written, bytes } = w.close();
      expect(written).toBe(rows);
      const file = readFileSync(path);
      expect(file.length).toBe(bytes);
      const t = tableFromIPC(file);
      expect(t.numRows).toBe(rows);
      expect(t.schema.fields.map((f) => f.name)).toEqual(['input_ids', 'num_tokens', 'doc_starts', 'doc_ids']);
      expect(t.schema.metadata.get('vocabSize')).toBe(String(vocab));
      for (let r = 0; r < rows; r++) {
        const row = t.get(r)!.toJSON() as Record<string, { toArray(): ArrayLike<unknown> } | number>;
        const list = (k: string) => Array.from((row[k] as { toArray(): ArrayLike<unknown> }).toArray());
        expect(list('input_ids')).toEqual(want[r].ids);
        expect(row.num_tokens).toBe(want[r].n);
        expect(list('doc_starts')).toEqual(want[r].starts);
        expect(list('doc_ids')).toEqual(want[r].docIds);
      }
      const reader = await ShardReader.open(path);
      expect(reader.numBatches).toBe(Math.ceil(rows / batchRows));
      for (let b = 0; b < reader.numBatches; b++) {
        const batch = reader.batchSync(b);
        for (let k = 0; k < batch.rows; k++) {
          const r = b * batchRows + k;
          expect([...batch.ids.subarray(k * 12, k * 12 + 12)]).toEqual(want[r].ids);
          expect(batch.docIds(k)).toEqual(want[r].docIds);
          expect([...batch.starts.subarray(batch.startOffsets[k], batch.startOffsets[k + 1])]).toEqual(want[r].starts);
        }
      }
      await reader.close();
    });
  }
});
