// A real token dataset for CLI tests: the ../shared article bodies, GPT-2 (r50k) tokens, documents
// joined by <|endoftext|>, cut into overlapping rows of seqLen+1 tokens, written as tokenmill
// shards + manifest (datasets/shards.ts) — what the pack stage produces.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { buildManifest, MANIFEST } from '../../datasets/manifest.ts';
import { ShardWriter, type ShardMeta } from '../../datasets/shards.ts';

export async function writeTokenDataset(dir: string, texts: string[], seqLen: number, shards = 2): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const EOS = 50256;
  const stream: number[] = [];
  const starts = new Set<number>();
  for (const t of texts) {
    starts.add(stream.length);
    for (const id of encode(t)) stream.push(id);
    stream.push(EOS);
  }
  const rowLen = seqLen + 1;
  const meta: ShardMeta = { seqLen, rowLen, overlap: true, vocabSize: 50257, dtype: 'uint16', tokenizer: 'gpt2', tokenizerHash: '', bos: -1, eos: EOS, pad: EOS, mode: 'concat', batchRows: 16 };
  const nRows = Math.floor((stream.length - 1) / seqLen);
  const perShard = Math.ceil(nRows / shards);
  for (let s = 0; s < shards; s++) {
    const w = new ShardWriter(join(dir, `shard-00000-${String(s).padStart(3, '0')}.arrow`), meta);
    for (let r = s * perShard; r < Math.min(nRows, (s + 1) * perShard); r++) {
      const off = r * seqLen;
      const ds: number[] = [];
      for (let i = 0; i < rowLen; i++) if (starts.has(off + i)) ds.push(i);
      w.append(stream.slice(off, off + rowLen), rowLen, ds, [`row${r}`]);
    }
    w.close();
  }
  writeFileSync(join(dir, MANIFEST), JSON.stringify(await buildManifest(dir)));
  return nRows;
}
