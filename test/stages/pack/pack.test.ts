// Pack stage: every mode keeps every token (rows × rowLen = tokens + BOS/EOS + padding + overlap),
// documents are found again at their recorded starts, shards + manifest open in an independent
// Arrow reader (Polars, Rust), and a corrupted shard is named by the verifier.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, decode } from 'gpt-tokenizer/encoding/r50k_base';
import { describeShared, shared } from '../../shared.ts';
import { Packer, type PackMode } from '../../../stages/pack/packer.ts';
import { pack } from '../../../stages/pack/pack.ts';
import { makeTaskContext } from '../../../engine/context.ts';
import type { Doc, GlobalPhase, Stage } from '../../../engine/types.ts';
import { ShardReader } from '../../../datasets/shards.ts';
import { readManifest, verifyShard } from '../../../datasets/manifest.ts';

const require = createRequire(import.meta.url);
const EOT = 50256;

function realDocs(): Array<{ id: string; tokens: Uint32Array; text: string }> {
  const gt = JSON.parse(readFileSync(shared('data/html_extraction/ground-truth.json'), 'utf8')) as Record<string, { articleBody: string }>;
  return Object.entries(gt).map(([id, v]) => ({ id, text: v.articleBody, tokens: Uint32Array.from(encode(v.articleBody)) }));
}

interface Row {
  ids: number[];
  n: number;
  starts: number[];
  docIds: string[];
}

function runPacker(docs: ReturnType<typeof realDocs>, rowLen: number, mode: PackMode, overlap: boolean, bos = -1, eos = EOT) {
  const rows: Row[] = [];
  const p = new Packer({ rowLen, mode, overlap, bos, eos, pad: 0 }, (row, n, starts, ids) => rows.push({ ids: [...row], n, starts: [...starts], docIds: [...ids] }));
  for (const d of docs) p.add(d.tokens, d.id);
  p.finish();
  return { rows, counts: p.counts };
}

/** The framed token sequence of each document, read back from the rows via doc_starts. */
function readBack(rows: Row[], overlap: boolean, framedLen: (id: string) => number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let k = 0; k < row.starts.length; k++) {
      const id = row.docIds[row.docIds.length - row.starts.length + k];
      const want = framedLen(id);
      const got: number[] = [];
      let rr = r;
      let pos = row.starts[k];
      while (got.length < want) {
        const cur = rows[rr];
        expect(cur, `doc ${id} runs past the last row`).toBeDefined();
        const take = Math.min(want - got.length, cur.n - pos);
        got.push(...cur.ids.slice(pos, pos + take));
        if (got.length < want) {
          rr++;
          pos = overlap ? 1 : 0;
        }
      }
      expect(out.has(id), `doc ${id} starts twice`).toBe(false);
      out.set(id, got);
    }
  }
  return out;
}

describeShared('packer on real documents (r50k tokens)', 'data/html_extraction/ground-truth.json', () => {
  const docs = realDocs();
  const byId = new Map(docs.map((d) => [d.id, d]));
  const total = docs.reduce((a, d) => a + d.tokens.length, 0);

  for (const mode of ['concat', 'pad', 'split'] as PackMode[]) {
    for (const overlap of [false, true]) {
      for (const bos of [-1, 50255]) {
        it(`${mode}${overlap ? ' + overlap' : ''}${bos >= 0 ? ' + BOS' : ''}: every token kept once, documents found at their starts`, () => {
          const seqLen = 256;
          const rowLen = seqLen + (overlap ? 1 : 0);
          const { rows, counts } = runPacker(docs, rowLen, mode, overlap, bos);
          const special = docs.length * (bos >= 0 ? 2 : 1);
          expect(counts.tokensIn).toBe(total);
          expect(counts.special).toBe(special);
          expect(rows.length).toBe(counts.rows);
          for (const r of rows) expect(r.ids.length).toBe(rowLen);
          // Conservation.
          expect(rows.length * rowLen).toBe(total + special + counts.pad + counts.overlap);
          expect(rows.reduce((a, r) => a + (rowLen - r.n), 0)).toBe(counts.pad);
          // Padding only trails, and only in the last row for concat.
          if (mode === 'concat') expect(rows.slice(0, -1).every((r) => r.n === rowLen)).toBe(true);
          else expect(counts.pad).toBeGreaterThan(0);
          const framed = (id: string) => byId.get(id)!.tokens.length + (bos >= 0 ? 2 : 1);
          const back = readBack(rows, overlap, framed);
          expect(back.size).toBe(docs.length);
          for (const d of docs) {
            const want = [...(bos >= 0 ? [bos] : []), ...d.tokens, EOT];
            expect(back.get(d.id)).toEqual(want);
          }
          if (overlap) {
            // Carried rows start with the previous row's last token.
            let carried = 0;
            for (let r = 1; r < rows.length; r++) {
              if (rows[r - 1].n === rowLen && rows[r].starts[0] !== 0) {
                expect(rows[r].ids[0]).toBe(rows[r - 1].ids[rowLen - 1]);
                carried++;
              }
            }
            expect(carried).toBe(counts.overlap);
            expect(counts.overlap).toBeGreaterThan(0);
          }
          if (mode === 'pad') {
            // A document that fits in a row never crosses a row boundary.
            for (const r of rows) {
              r.starts.forEach((s, k) => {
                const id = r.docIds[r.docIds.length - r.starts.length + k];
                if (framed(id) <= rowLen) expect(s + framed(id)).toBeLessThanOrEqual(r.n);
              });
            }
          }
          if (mode === 'split') for (const r of rows) expect(r.starts.length).toBeLessThanOrEqual(1);
        });
      }
    }
  }

  it('rows packed into handed-out uint16 slots (nextRow, as the shard writer does) equal the packer\'s own rows', () => {
    for (const [mode, overlap] of [['concat', true], ['pad', false], ['split', true]] as Array<[PackMode, boolean]>) {
      const rowLen = 200 + (overlap ? 1 : 0);
      const want = runPacker(docs, rowLen, mode, overlap, 50255).rows;
      const slab = new Uint16Array(rowLen * 3); // slots are reused, as a writer's batch buffer is
      let slot = 0;
      const got: Row[] = [];
      const p = new Packer(
        { rowLen, mode, overlap, bos: 50255, eos: EOT, pad: 0 },
        (row, n, starts, ids) => {
          expect(row.buffer).toBe(slab.buffer);
          got.push({ ids: [...row], n, starts: [...starts], docIds: [...ids] });
        },
        () => slab.subarray((slot % 3) * rowLen, (slot++ % 3) * rowLen + rowLen),
      );
      for (const d of docs) p.add(d.tokens, d.id);
      p.finish();
      expect(got).toEqual(want);
    }
  });

  it('concat rows decode back to the documents joined by <|endoftext|>', () => {
    const { rows } = runPacker(docs.slice(0, 5), 128, 'concat', false);
    const stream = rows.flatMap((r) => r.ids.slice(0, r.n));
    expect(decode(stream)).toBe(docs.slice(0, 5).map((d) => d.text + '<|endoftext|>').join(''));
  });
});

describeShared('pack stage → shards → manifest', 'data/html_extraction/ground-truth.json', () => {
  let run: string;
  const docs = realDocs();
  beforeAll(() => {
    run = mkdtempSync(join(tmpdir(), 'pack-'));
  });
  afterAll(() => rmSync(run, { recursive: true, force: true }));

  it('two tasks write size-capped shards; manifest lists them; tokens conserved; Polars reads a shard', async () => {
    const stage = pack({ seqLen: 128, shardBytes: 16 * 1024, batchRows: 16 });
    const [packStep, manifestStep] = stage.expand!() as [Stage, GlobalPhase];
    expect(manifestStep.name).toBe('pack-manifest');
    packStep.validate!();
    const halves = [docs.filter((_, i) => i % 2 === 0), docs.filter((_, i) => i % 2 === 1)];
    const counters: Record<string, number> = {};
    for (let rank = 0; rank < 2; rank++) {
      const ctx = makeTaskContext({ runDir: run, rank, tasks: 2, stageName: 'pack' });
      const proc = await packStep.open(ctx);
      for (const d of halves[rank]) {
        const doc: Doc = { id: d.id, text: d.text, metadata: {}, tokens: d.tokens };
        const out = (await proc.process(doc)) as Doc;
        expect(out.tokens).toBeUndefined();
        expect(out.text).toBe(d.text);
      }
      await proc.finish!();
      const mine = readdirSync(join(run, 'tokens')).filter((f) => f.startsWith(`shard-0000${rank}-`));
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((f) => f.endsWith('.tmp'))).toBe(true); // nothing under its final name before commit
      ctx.commit();
      for (const [k, v] of Object.entries(ctx.stageStats.counters)) counters[k] = (counters[k] ?? 0) + v;
      expect(ctx.stageStats.tokensOut).toBe(ctx.stageStats.counters.rows * 128);
    }
    const total = docs.reduce((a, d) => a + d.tokens.length, 0);
    expect(counters.tokens_in).toBe(total);
    expect(counters.special_tokens).toBe(docs.length);
    expect(counters.tokens_out).toBe(counters.tokens_in + counters.special_tokens + counters.pad_tokens);
    expect(counters.shards).toBeGreaterThan(2);

    const mctx = makeTaskContext({ runDir: run, stageName: 'pack-manifest' });
    await manifestStep.run(mctx);
    mctx.commit();
    const m = readManifest(join(run, 'tokens'));
    expect(m.shards.length).toBe(counters.shards);
    expect(m.rows).toBe(counters.rows);
    expect(m.tokens).toBe(total + docs.length);
    expect(m.shards.map((s) => s.file).filter((f) => f.startsWith('shard-00001-')).length).toBeGreaterThan(0);
    expect(m).toMatchObject({ seqLen: 128, rowLen: 128, vocabSize: 50257, dtype: 'uint16', eos: EOT, pad: EOT, tokenizer: 'gpt2' });

    // Independent reader: Polars (Rust arrow implementation).
    const pl = require('nodejs-polars');
    const first = m.shards[0];
    const df = pl.readIPC(readFileSync(join(run, 'tokens', first.file)));
    expect(df.height).toBe(first.rows);
    expect(df.columns).toEqual(['input_ids', 'num_tokens', 'doc_starts', 'doc_ids']);
    expect(String(df.dtypes[0])).toContain('UInt16');
    const row0: number[] = [...df.getColumn('input_ids').toArray()[0]];
    const ours = await ShardReader.open(join(run, 'tokens', first.file));
    const b0 = await ours.batch(0);
    await ours.close();
    expect(row0).toEqual([...b0.ids.subarray(0, 128)]);
    // Rank 0's first row starts with its first document's tokens.
    expect(row0.slice(0, 20)).toEqual([...halves[0][0].tokens.subarray(0, 20)]);
    expect(df.getColumn('doc_ids').toArray()[0][0]).toBe(halves[0][0].id);
    const nTok: number[] = [...df.getColumn('num_tokens').toArray()];
    expect(nTok.every((n) => n > 0 && n <= 128)).toBe(true);

    // Verification: intact passes, a flipped byte is named.
    const path = join(run, 'tokens', first.file);
    await verifyShard(path, first);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(path, bytes);
    await expect(verifyShard(path, first)).rejects.toThrow(new RegExp(`shard ${first.file}: xxhash64 .* does not match manifest`));
    writeFileSync(path, bytes.subarray(0, 100));
    await expect(verifyShard(path, first, true)).rejects.toThrow(new RegExp(`shard ${first.file}: 100 bytes on disk, manifest says ${first.bytes}`));
  });

  it('rejects bad options before work and unknown special names', async () => {
    expect(() => pack({ mode: 'zigzag' as never }).validate!()).toThrow(/option "mode" must be one of concat, pad, split/);
    expect(() => pack({ seqLen: '1024' as never })).toThrow(/option "seqLen" must be a number/);
    const s = pack({ eos: '<|nope|>' }).expand!()[0] as Stage;
    await expect(s.open(makeTaskContext({ runDir: run }))).rejects.toThrow(/special token "<\|nope\|>" is unknown/);
    const big = pack({ tokenizer: 'cl100k_base' }).expand!()[0] as Stage;
    const ctx = makeTaskContext({ runDir: run, rank: 9 });
    const proc = await big.open(ctx);
    await proc.process({ id: 'x', text: '', metadata: {}, tokens: Uint32Array.of(100000, 5) });
    await proc.finish!();
    ctx.commit();
    const r = await ShardReader.open(join(run, 'tokens', 'shard-00009-000.arrow'));
    expect(r.meta.dtype).toBe('uint32');
    expect(r.meta.eos).toBe(100257);
    const b = await r.batch(0);
    expect([...b.ids.subarray(0, 4)]).toEqual([100000, 5, 100257, 100257]);
    expect(b.numTokens[0]).toBe(3);
    await r.close();
  });

  it('no documents at all: an empty manifest, and the loader says the dataset has no rows', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pack-empty-'));
    try {
      const [, manifestStep] = pack({ dir: 'toks' }).expand!() as [Stage, GlobalPhase];
      const ctx = makeTaskContext({ runDir: empty, log: { info: () => {}, warn: () => {} } });
      await manifestStep.run(ctx);
      ctx.commit();
      const m = readManifest(join(empty, 'toks'));
      expect(m.shards).toEqual([]);
      expect(m.rows).toBe(0);
      const { openLoader } = await import('../../../datasets/loader.ts');
      await expect(openLoader({ path: join(empty, 'toks'), batchSize: 2, worker: false })).rejects.toThrow(/toks: dataset has no rows/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
