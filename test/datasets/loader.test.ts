// Streaming loader: coverage and partition over ranks, exact resume (also with another
// worldSize), bounded buffering, shuffle quality, weighted mixing, verification errors,
// http(s) datasets through a loopback server with a shared cache.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset, token } from './fixtures.ts';
import { neighbourCorrelation, openLoader, toTensor, type Batch, type LoaderOptions, type LoaderState } from '../../datasets/loader.ts';
import { readManifest } from '../../datasets/manifest.ts';
import { READ_AHEAD, SAMPLE_DATASET } from '../../datasets/stream.ts';

let root: string;
let A: string; // 1,000 rows, 5 shards
let Bds: string; // 400 rows, 3 shards, other salt
let big: string; // 100× the shuffle buffer

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'loader-'));
  A = join(root, 'a');
  Bds = join(root, 'b');
  big = join(root, 'big');
  await makeDataset(A, { rows: 1000, shards: 5, batchRows: 8 });
  await makeDataset(Bds, { rows: 400, shards: 3, batchRows: 16, salt: 1 });
  await makeDataset(big, { rows: 6400, shards: 8, batchRows: 16 });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function collect(o: LoaderOptions, maxBatches = Infinity): Promise<{ batches: Batch[]; states: LoaderState[]; loader: Awaited<ReturnType<typeof openLoader>> }> {
  const loader = await openLoader(o);
  const batches: Batch[] = [];
  const states: LoaderState[] = [];
  if (maxBatches > 0) {
    for await (const b of loader) {
      batches.push(b);
      states.push(loader.state());
      if (batches.length >= maxBatches) break;
    }
  }
  await loader.close();
  return { batches, states, loader };
}

const ids = (bs: Batch[]) => bs.flatMap((b) => [...b.sampleIds]);

function checkData(bs: Batch[]): void {
  for (const b of bs) {
    for (let k = 0; k < b.rows; k++) {
      const id = b.sampleIds[k];
      const d = Math.floor(id / SAMPLE_DATASET);
      const r = id - d * SAMPLE_DATASET;
      for (const i of [0, 5, b.rowLen - 1]) expect(b.tokens[k * b.rowLen + i]).toBe(token(d, r, i));
      expect(b.numTokens[k]).toBe(b.rowLen - (r % 3));
    }
  }
}

describe('partition and coverage', () => {
  for (const W of [1, 3, 4, 7]) {
    it(`worldSize ${W}: ranks are disjoint, cover all but < ${W} samples, data matches ids`, async () => {
      const all: number[] = [];
      for (let rank = 0; rank < W; rank++) {
        const { batches, loader } = await collect({ path: A, batchSize: 16, seed: 5, rank, worldSize: W, shuffleBuffer: 100, worker: false });
        checkData(batches);
        const mine = ids(batches);
        expect(mine.length).toBe(Math.floor(1000 / W));
        expect(loader.stats().dropped).toBe(1000 % W);
        all.push(...mine);
      }
      expect(new Set(all).size).toBe(all.length); // no sample twice
      expect(all.length).toBe(1000 - (1000 % W)); // none missing beyond the remainder
      expect(all.every((x) => x >= 0 && x < 1000)).toBe(true);
    });
  }

  it('epochs: each epoch is a full pass in a different order; same seed → same order; other seed → other order', async () => {
    const { batches } = await collect({ path: A, batchSize: 100, seed: 1, epochs: 2, shuffleBuffer: 50, worker: false });
    const e0 = ids(batches.filter((b) => b.epoch === 0));
    const e1 = ids(batches.filter((b) => b.epoch === 1));
    expect(new Set(e0).size).toBe(1000);
    expect(new Set(e1).size).toBe(1000);
    expect(e0).not.toEqual(e1);
    const again = await collect({ path: A, batchSize: 100, seed: 1, epochs: 1, shuffleBuffer: 50, worker: false });
    expect(ids(again.batches)).toEqual(e0);
    const other = await collect({ path: A, batchSize: 100, seed: 2, epochs: 1, shuffleBuffer: 50, worker: false });
    expect(ids(other.batches)).not.toEqual(e0);
  });

  it('last batch of an epoch is short unless dropLast', async () => {
    const keep = await collect({ path: A, batchSize: 64, seed: 1, worker: false });
    expect(keep.batches.map((b) => b.rows).at(-1)).toBe(1000 % 64);
    const drop = await collect({ path: A, batchSize: 64, seed: 1, worker: false, dropLast: true });
    expect(drop.batches.every((b) => b.rows === 64)).toBe(true);
    expect(drop.batches.length).toBe(Math.floor(1000 / 64));
  });
});

describe('exact resume', () => {
  const rng = (s: number) => () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);

  for (const [name, base] of [
    ['one dataset, 2 ranks, 2 epochs', { path: '', batchSize: 24, seed: 11, worldSize: 2, rank: 1, epochs: 2, shuffleBuffer: 80 }],
    ['mixed datasets 3:1', { path: '', batchSize: 16, seed: 4, epochs: 2, shuffleBuffer: 40, samplesPerEpoch: 700 }],
  ] as Array<[string, LoaderOptions]>) {
    it(`${name}: interrupted at random points = uninterrupted`, async () => {
      const o: LoaderOptions = { ...base, path: name.startsWith('mixed') ? [{ path: A, weight: 3 }, { path: Bds, weight: 1 }] : A, worker: false };
      const full = await collect(o);
      checkData(full.batches);
      const rand = rng(name.length);
      for (let trial = 0; trial < 3; trial++) {
        const got: Batch[] = [];
        let state: LoaderState | undefined;
        let guard = 0;
        while (got.length < full.batches.length && guard++ < 50) {
          const n = 1 + Math.floor(rand() * 12);
          const part = await collect({ ...o, state }, n);
          if (part.batches.length === 0) break;
          got.push(...part.batches);
          state = part.states.at(-1);
          // the state is small JSON
          expect(JSON.stringify(state).length).toBeLessThan(200);
          state = JSON.parse(JSON.stringify(state));
        }
        expect(got.length).toBe(full.batches.length);
        expect(ids(got)).toEqual(ids(full.batches));
        for (let i = 0; i < got.length; i += 7) expect([...got[i].tokens]).toEqual([...full.batches[i].tokens]);
      }
    });
  }

  it('through the worker thread: resumed stream equals the uninterrupted one', async () => {
    const o: LoaderOptions = { path: A, batchSize: 32, seed: 9, epochs: 2, shuffleBuffer: 64, prefetch: 3, worker: true };
    const full = await collect(o);
    const first = await collect(o, 17);
    const rest = await collect({ ...o, state: first.states.at(-1) });
    expect(ids([...first.batches, ...rest.batches])).toEqual(ids(full.batches));
    checkData(rest.batches);
  });

  it('leaving a for-await loop early and iterating again continues from state()', async () => {
    for (const worker of [true, false]) {
      const o: LoaderOptions = { path: A, batchSize: 16, seed: 13, shuffleBuffer: 64, worker };
      const full = ids((await collect(o)).batches);
      const loader = await openLoader(o);
      const got: number[] = [];
      for (const stopAfter of [5, 9, Infinity]) {
        let n = 0;
        for await (const b of loader) {
          got.push(...b.sampleIds);
          if (++n >= stopAfter) break;
        }
      }
      await loader.close();
      expect(got).toEqual(full);
    }
  });

  it('with another worldSize: the remaining samples are re-striped, none repeated or skipped', async () => {
    const o: LoaderOptions = { path: A, batchSize: 10, seed: 21, shuffleBuffer: 90, worker: false };
    // Two ranks run 13 batches each, then stop; their states agree.
    const before = await Promise.all([0, 1].map((rank) => collect({ ...o, rank, worldSize: 2 }, 13)));
    const s0 = before[0].states.at(-1)!;
    expect(before[1].states.at(-1)).toEqual(s0);
    expect(s0.pos).toBe(13 * 10 * 2);
    // Resume on 3 ranks.
    const after = await Promise.all([0, 1, 2].map((rank) => collect({ ...o, rank, worldSize: 3, state: s0 })));
    const seen = [...before, ...after].flatMap((r) => ids(r.batches));
    expect(new Set(seen).size).toBe(seen.length);
    const remaining = 1000 - 260;
    expect(seen.length).toBe(1000 - (remaining % 3));
    // The 3 ranks stripe exactly the single-rank continuation of the same state.
    const single = ids((await collect({ ...o, state: s0 })).batches);
    const perRank = after.map((r) => ids(r.batches));
    for (let j = 0; j < perRank[0].length * 3; j++) expect(perRank[j % 3][Math.floor(j / 3)]).toBe(single[j]);
    // And the uninterrupted 2-rank run's first 260 positions are what the 2 ranks consumed.
    const whole = ids((await collect({ ...o })).batches);
    expect(new Set(whole.slice(0, 260))).toEqual(new Set(before.flatMap((r) => ids(r.batches))));
    expect(whole.slice(260)).toEqual(single);
  });

  it('refuses a state of another dataset or seed', async () => {
    const { states } = await collect({ path: A, batchSize: 10, seed: 1, worker: false }, 2);
    await expect(openLoader({ path: Bds, batchSize: 10, seed: 1, state: states[1] })).rejects.toThrow(/state is for another dataset/);
    await expect(collect({ path: A, batchSize: 10, seed: 2, state: states[1], worker: false })).rejects.toThrow(/seed 1, loader seed is 2/);
  });
});

describe('buffering, shuffle quality, mixing', () => {
  for (const worker of [true, false]) it(`buffered rows stay within shuffleBuffer + read-ahead + prefetch on a dataset 100× the buffer (${worker ? 'worker' : 'same thread'}, recycle ${worker ? 0 : 3})`, async () => {
    const shuffleBuffer = 64;
    const prefetch = 2;
    const batchSize = 8;
    const batchRows = readManifest(big).batchRows;
    const loader = await openLoader({ path: big, batchSize, seed: 3, shuffleBuffer, prefetch, worker, recycle: worker ? 0 : 3 });
    let n = 0;
    let slow = 0;
    for await (const b of loader) {
      n += b.rows;
      // a slow consumer now and then: the worker must wait, not run ahead
      if (++slow % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(n).toBe(6400);
    const s = loader.stats();
    expect(s.maxBufferedRows).toBeGreaterThan(shuffleBuffer);
    expect(s.maxBufferedRows).toBeLessThanOrEqual(shuffleBuffer + (1 + READ_AHEAD) * batchRows + prefetch * batchSize);
  });

  it('neighbour correlation of source positions: ≈1 unshuffled, small shuffled', async () => {
    const seq = ids((await collect({ path: big, batchSize: 64, seed: 1, shuffle: false, worker: false })).batches);
    expect(seq).toEqual(Array.from({ length: 6400 }, (_, i) => i));
    expect(neighbourCorrelation(seq)).toBeGreaterThan(0.99);
    const shuf = ids((await collect({ path: big, batchSize: 64, seed: 1, shuffleBuffer: 256, worker: false })).batches);
    expect(neighbourCorrelation(shuf)).toBeLessThan(0.3);
  });

  it('mixing follows the weights and keeps each dataset in its own order', async () => {
    const { batches } = await collect({ path: [{ path: A, weight: 3 }, { path: Bds, weight: 1 }], batchSize: 50, seed: 8, samplesPerEpoch: 4000, shuffleBuffer: 30, worker: false });
    checkData(batches);
    const all = ids(batches);
    expect(all.length).toBe(4000);
    const fromB = all.filter((x) => x >= SAMPLE_DATASET);
    expect(fromB.length / all.length).toBeGreaterThan(0.22);
    expect(fromB.length / all.length).toBeLessThan(0.28);
    // B (400 rows) cycles: every full pass covers all its rows once.
    const firstPass = fromB.slice(0, 400).map((x) => x - SAMPLE_DATASET);
    expect(new Set(firstPass).size).toBe(400);
  });

  it('uint32 datasets: int32 batches with the right rows, uint16 refused', async () => {
    const dir = join(root, 'u32');
    await makeDataset(dir, { rows: 300, shards: 3, batchRows: 8, vocabSize: 100277 });
    const { batches } = await collect({ path: dir, batchSize: 7, seed: 2, shuffleBuffer: 50, worldSize: 2, rank: 1, worker: false });
    expect(batches[0].tokens).toBeInstanceOf(Int32Array);
    checkData(batches);
    expect(ids(batches).length).toBe(150);
    await expect(openLoader({ path: dir, batchSize: 4, dtype: 'uint16' })).rejects.toThrow(/dtype uint16 needs uint16 datasets/);
  });

  it('docStarts on request, uint16 batches, tfjs tensors', async () => {
    const { batches } = await collect({ path: A, batchSize: 4, seed: 1, docStarts: true, dtype: 'uint16', worker: false }, 1);
    const b = batches[0];
    expect(b.tokens).toBeInstanceOf(Uint16Array);
    expect(b.docStarts!.map((s, k) => [...s])).toEqual([...b.sampleIds].map((id) => [0, id % 16]));
    const t = (await toTensor(b)) as { shape: number[]; dtype: string; dataSync(): Int32Array; dispose(): void };
    expect(t.shape).toEqual([4, 16]);
    expect(t.dtype).toBe('int32');
    expect(t.dataSync()[1]).toBe(b.tokens[1]);
    t.dispose();
  }, 30_000);
});

describe('long record batches, recycled buffers', () => {
  let long: string; // record batches of 200 rows: chunks of 64 rows start inside them
  beforeAll(async () => {
    long = join(root, 'long');
    await makeDataset(long, { rows: 3000, shards: 2, batchRows: 200 });
  });
  // Rows copied out of a batch (with recycle, its memory is reused later).
  const copy = (b: Batch): Batch => ({ ...b, tokens: b.tokens.slice(), numTokens: b.numTokens.slice(), sampleIds: b.sampleIds.slice(), docStarts: b.docStarts?.map((d) => d.slice()) });
  const checkAll = (bs: Batch[]) => {
    for (const b of bs) {
      for (let k = 0; k < b.rows; k++) for (let i = 0; i < b.rowLen; i++) expect(b.tokens[k * b.rowLen + i]).toBe(token(0, b.sampleIds[k], i));
    }
  };

  it('every row carries its own data when read chunks and record batches interleave', async () => {
    const { batches } = await collect({ path: long, batchSize: 24, seed: 3, epochs: 3, shuffleBuffer: 300, shardWindow: 2, worker: false });
    checkAll(batches);
    expect(ids(batches).length).toBe(9000);
  });

  for (const worker of [false, true]) {
    it(`recycle: the stream and its data are those of new buffers (${worker ? 'worker' : 'same thread'})`, async () => {
      const o: LoaderOptions = { path: long, batchSize: 16, seed: 7, epochs: 2, shuffleBuffer: 256, worker, docStarts: true, dtype: 'uint16' };
      const fresh = (await collect(o)).batches;
      const loader = await openLoader({ ...o, recycle: 2 });
      const got: Batch[] = [];
      const seen = new Set<ArrayBufferLike>();
      const held: Batch[] = [];
      for await (const b of loader) {
        seen.add(b.tokens.buffer);
        got.push(copy(b));
        // the last 2 batches are still intact
        held.push(b);
        if (held.length > 2) held.shift();
        for (const h of held) expect(h.tokens[0]).toBe(token(0, h.sampleIds[0], 0));
      }
      await loader.close();
      expect(ids(got)).toEqual(ids(fresh));
      checkAll(got);
      for (let i = 0; i < got.length; i++) expect(got[i].docStarts!.map((d) => [...d])).toEqual(fresh[i].docStarts!.map((d) => [...d]));
      // memory was reused: far fewer buffers than batches (the shuffle window's + what is held)
      if (!worker) expect(seen.size).toBeLessThan(got.length / 2);
    });
  }
});

describe('verification and http', () => {
  it('a corrupted shard is a clear error naming it', async () => {
    const dir = join(root, 'corrupt');
    await makeDataset(dir, { rows: 200, shards: 2 });
    const m = readManifest(dir);
    const f = join(dir, m.shards[1].file);
    const bytes = readFileSync(f);
    bytes[200] ^= 1;
    writeFileSync(f, bytes);
    await expect(collect({ path: dir, batchSize: 8, seed: 1 })).rejects.toThrow(new RegExp(`shard ${m.shards[1].file}: xxhash64 [0-9a-f]+ does not match manifest`));
    // verify 'size' only checks sizes: the same-size corruption passes, a truncation does not.
    expect(ids((await collect({ path: dir, batchSize: 8, seed: 1, verify: 'size', worker: false })).batches).length).toBe(200);
    const cut = join(root, 'truncated');
    await makeDataset(cut, { rows: 200, shards: 2 });
    const f2 = join(cut, m.shards[1].file);
    writeFileSync(f2, readFileSync(f2).subarray(0, bytes.length - 1));
    await expect(collect({ path: cut, batchSize: 8, seed: 1, verify: 'size', worker: false })).rejects.toThrow(new RegExp(`shard ${m.shards[1].file}: ${bytes.length - 1} bytes on disk, manifest says ${bytes.length}`));
    await expect(openLoader({ path: join(root, 'nope'), batchSize: 8 })).rejects.toThrow(/manifest.json: missing/);
  });

  describe('http base URL', () => {
    let server: Server;
    let base: string;
    const hits = new Map<string, number>();
    beforeAll(async () => {
      server = createServer((req, res) => {
        const name = decodeURIComponent((req.url ?? '/').split('?')[0].replace(/^\/ds\//, ''));
        hits.set(name, (hits.get(name) ?? 0) + 1);
        const p = join(A, name);
        if (name.includes('..') || !existsSync(p)) {
          res.writeHead(404).end();
          return;
        }
        const body = readFileSync(p);
        res.writeHead(200, { 'content-length': body.length });
        // trickle so concurrent loaders overlap
        res.write(body.subarray(0, body.length >> 1));
        setTimeout(() => res.end(body.subarray(body.length >> 1)), 20);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address() as { port: number };
      base = `http://127.0.0.1:${addr.port}/ds`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('two concurrent loaders download each shard once and yield the local batches; stale locks and parts are cleaned', async () => {
      const cacheDir = join(root, 'cache');
      const o = { batchSize: 32, seed: 6, shuffleBuffer: 50, cacheDir };
      // A crashed downloader left a lock and a part file (pid 2^22+1 is not alive).
      const { cacheFolder } = await import('../../datasets/fetch.ts');
      const folder = cacheFolder(base, cacheDir);
      const m = readManifest(A);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${m.shards[0].file}.lock`), '4194305');
      writeFileSync(join(folder, `${m.shards[0].file}.4194305.abc123.part`), 'junk');
      const [r1, r2] = await Promise.all([collect({ ...o, path: base }), collect({ ...o, path: base, worker: false })]);
      const local = await collect({ ...o, path: A, worker: false });
      expect(ids(r1.batches)).toEqual(ids(local.batches));
      expect(ids(r2.batches)).toEqual(ids(local.batches));
      checkData(r1.batches);
      for (const s of m.shards) expect(hits.get(s.file)).toBe(1);
      const left = readdirSync(folder);
      expect(left.filter((n) => n.endsWith('.lock') || n.endsWith('.part'))).toEqual([]);
      // Second run: served from the cache (only the manifest is fetched again).
      await collect({ ...o, path: base });
      for (const s of m.shards) expect(hits.get(s.file)).toBe(1);
    });
  });
});
