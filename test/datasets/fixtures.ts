// Token datasets for loader tests: row r of a dataset holds tokens derived from (salt, r), so a
// test can check that every delivered row carries the data of the sample id it claims.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShardWriter, type ShardMeta } from '../../datasets/shards.ts';
import { buildManifest, MANIFEST } from '../../datasets/manifest.ts';

export const token = (salt: number, r: number, i: number) => (salt * 7919 + r * 31 + i * 17) % 50000;

export interface FixtureOptions {
  rows: number;
  rowLen?: number;
  shards?: number;
  batchRows?: number;
  salt?: number;
  /** > 65,536: uint32 ids. */
  vocabSize?: number;
}

/** Write `rows` rows over `shards` shards (+ manifest) into dir. */
export async function makeDataset(dir: string, o: FixtureOptions): Promise<void> {
  const rowLen = o.rowLen ?? 16;
  const shards = o.shards ?? 4;
  const salt = o.salt ?? 0;
  mkdirSync(dir, { recursive: true });
  const meta: ShardMeta = {
    seqLen: rowLen, rowLen, overlap: false, vocabSize: o.vocabSize ?? 50257, dtype: (o.vocabSize ?? 50257) > 65536 ? 'uint32' : 'uint16', tokenizer: 'gpt2', tokenizerHash: '',
    bos: -1, eos: 50256, pad: 50256, mode: 'concat', batchRows: o.batchRows ?? 8,
  };
  const row = new Uint32Array(rowLen);
  let r = 0;
  for (let s = 0; s < shards; s++) {
    // uneven shard sizes
    const n = s === shards - 1 ? o.rows - r : Math.floor((o.rows / shards) * (0.6 + (0.8 * s) / Math.max(1, shards - 1)));
    const w = new ShardWriter(join(dir, `shard-00000-${String(s).padStart(3, '0')}.arrow`), meta);
    for (let k = 0; k < n; k++, r++) {
      for (let i = 0; i < rowLen; i++) row[i] = token(salt, r, i);
      w.append(row, rowLen - (r % 3), [0, r % rowLen], [`doc${r}`]);
    }
    w.close();
  }
  const m = await buildManifest(dir);
  writeFileSync(join(dir, MANIFEST), JSON.stringify(m));
}
