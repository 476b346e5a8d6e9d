// Token shards: pack + write speed beside a raw file write of the same bytes, and the streaming
// loader (shuffled) beside a raw fs.read of the same shard bytes and apache-arrow's own file
// reader. Tokens are real: r50k ids of ../shared's article texts (tiktoken), repeated to size.
// Sizes: BENCH_LOADER_TOKENS (default 256M tokens = 512 MB of uint16 ids).
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readvSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { report, sharedPath, WORK_DIR, type Row } from './lib.ts';
import { Packer } from '../stages/pack/packer.ts';
import { ShardSet, packMeta, packDefaults, shardName } from '../stages/pack/pack.ts';
import { buildManifest, MANIFEST, listShards } from '../datasets/manifest.ts';
import { neighbourCorrelation, openLoader, type LoaderOptions } from '../datasets/loader.ts';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';

// A full collection before each measured read, so that the garbage of the previous variant (500 MB
// of batch buffers, freed on V8's background threads) is not charged to the next one's CPU time.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const settle = async () => {
  gc();
  await new Promise((r) => setTimeout(r, 50));
};

const SEQ = 1024;
/** Smaller than the 128 MB default so that the bench dataset has several shards to shuffle. */
const SHARD_BYTES = 32 * 1024 * 1024;

/** CPU seconds (all threads of this process) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

async function realDocs(): Promise<Uint32Array[]> {
  const gt = sharedPath('data/html_extraction/ground-truth.json');
  const { get_encoding } = await import('tiktoken');
  const enc = get_encoding('r50k_base');
  const texts = gt
    ? Object.values(JSON.parse(readFileSync(gt, 'utf8')) as Record<string, { articleBody: string }>).map((v) => v.articleBody)
    : [readFileSync(new URL('../README.md', import.meta.url), 'utf8')];
  const docs = texts.map((t) => enc.encode(t, 'all')).map((a) => Uint32Array.from(a));
  enc.free();
  return docs;
}

/** Documents round-robin into the packer until totalTokens, then finish: the same input for every variant. */
function feed(packer: Packer, docs: Uint32Array[], totalTokens: number): number {
  let tokens = 0;
  for (let i = 0; tokens < totalTokens; i++) {
    const d = docs[i % docs.length];
    packer.add(d, `doc-${i}`);
    tokens += d.length;
  }
  packer.finish();
  return tokens;
}

/** The packer alone (rows discarded): to separate packing from shard writing. */
function packOnly(docs: Uint32Array[], totalTokens: number): { s: number; cpu: number; tokens: number } {
  const c0 = process.cpuUsage();
  const t = performance.now();
  let sum = 0;
  const packer = new Packer({ rowLen: SEQ, mode: 'concat', overlap: false, bos: -1, eos: 50256, pad: 50256 }, (row) => (sum += row[0]));
  const tokens = feed(packer, docs, totalTokens);
  return { s: (performance.now() - t) / 1000, cpu: cpuSince(c0), tokens: tokens + sum * 0 };
}

async function packAndWrite(dir: string, docs: Uint32Array[], totalTokens: number): Promise<{ s: number; cpu: number; tokens: number; rows: number; pad: number; bytes: number }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const o = { ...packDefaults, seqLen: SEQ, shardBytes: SHARD_BYTES };
  const meta = await packMeta(o);
  const c0 = process.cpuUsage();
  const t = performance.now();
  const shards = new ShardSet(meta, o.shardBytes, (s) => join(dir, shardName(0, s)));
  const packer = new Packer({ rowLen: meta.rowLen, mode: 'concat', overlap: false, bos: meta.bos, eos: meta.eos, pad: meta.pad }, (row, n, st, ids) => shards.append(row, n, st, ids), () => shards.nextRow());
  const tokens = feed(packer, docs, totalTokens);
  shards.close();
  const s = (performance.now() - t) / 1000;
  return { s, cpu: cpuSince(c0), tokens, rows: packer.counts.rows, pad: packer.counts.pad, bytes: shards.bytes };
}

/** Raw write of the same number of bytes in 1 MiB chunks (the floor for any file format). */
function rawWrite(path: string, bytes: number): { s: number; cpu: number } {
  const chunk = new Uint8Array(1 << 20).fill(7);
  const c0 = process.cpuUsage();
  const t = performance.now();
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  closeSync(fd);
  return { s: (performance.now() - t) / 1000, cpu: cpuSince(c0) };
}

function rawRead(files: string[]): { s: number; cpu: number; bytes: number } {
  const buf = new Uint8Array(4 << 20);
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t = performance.now();
  for (const f of files) {
    const fd = openSync(f, 'r');
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      bytes += n;
    }
    closeSync(fd);
  }
  return { s: (performance.now() - t) / 1000, cpu: cpuSince(c0), bytes };
}

/**
 * The loader's copy pattern without its format or order logic: each file read in 64-row runs by
 * readv, each row into a random free slot of a window of 64 KB batch buffers (8192 rows), new
 * ones or (`reuse`) the buffers of batches already output. The floor of reading rows shuffled into
 * batch memory, beside the raw read into one reused buffer.
 */
function scatterRead(files: string[], rowBytes: number, reuse = false): { s: number; cpu: number; bytes: number } {
  const W = 8192;
  const perBatch = 32;
  const c0 = process.cpuUsage();
  const t = performance.now();
  let bytes = 0;
  let seed = 1;
  const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  // Window of positions [head, limit); a batch buffer per 32 positions, new when the window reaches it.
  const batches = new Map<number, ArrayBuffer>();
  const spare: ArrayBuffer[] = [];
  const fresh = (b: number) => batches.set(b, (reuse && spare.pop()) || Buffer.allocUnsafeSlow(perBatch * rowBytes).buffer);
  for (let b = 0; b < W / perBatch; b++) fresh(b);
  const filled = new Uint8Array(W);
  const free = Float64Array.from({ length: W }, (_, i) => i);
  let nfree = W;
  let head = 0;
  let limit = W;
  for (const f of files) {
    const fd = openSync(f, 'r');
    const size = statSync(f).size;
    for (let pos = 0; pos + 64 * rowBytes <= size; pos += 64 * rowBytes) {
      const views: Uint8Array[] = [];
      for (let r = 0; r < 64; r++) {
        const k = rand(nfree);
        const p = free[k];
        free[k] = free[--nfree];
        filled[p % W] = 1;
        views.push(new Uint8Array(batches.get(Math.floor(p / perBatch))!, (p % perBatch) * rowBytes, rowBytes));
        while (filled[head % W]) {
          filled[head % W] = 0;
          if (head % perBatch === perBatch - 1) {
            const b = Math.floor(head / perBatch);
            if (reuse) spare.push(batches.get(b)!);
            batches.delete(b);
          }
          head++;
          if (limit % perBatch === 0) fresh(limit / perBatch);
          free[nfree++] = limit++;
        }
      }
      bytes += readvSync(fd, views, pos);
    }
    closeSync(fd);
  }
  return { s: (performance.now() - t) / 1000, cpu: cpuSince(c0), bytes };
}

async function loaderRun(o: LoaderOptions): Promise<{ s: number; cpu: number; startMs: number; tokens: number; corr: number; steadyS: number; steadyCpu: number; steadyTokens: number }> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const loader = await openLoader(o);
  let tokens = 0;
  let startMs = 0;
  let c1 = c0;
  let first = 0;
  const ids: number[] = [];
  for await (const b of loader) {
    if (!startMs) {
      startMs = performance.now() - t;
      c1 = process.cpuUsage();
      first = b.rows * b.rowLen;
    }
    tokens += b.tokens.length;
    if (ids.length < 200_000) for (const x of b.sampleIds) ids.push(x);
  }
  const s = (performance.now() - t) / 1000;
  return { s, cpu: cpuSince(c0), startMs, tokens, corr: neighbourCorrelation(ids), steadyS: s - startMs / 1000, steadyCpu: cpuSince(c1), steadyTokens: tokens - first };
}

export default async function run(): Promise<void> {
  const total = Number(process.env.BENCH_LOADER_TOKENS ?? 256e6);
  const load0 = os.loadavg()[0];
  const dir = join(WORK_DIR, 'loader-ds');
  const docs = await realDocs();
  const rows: Row[] = [];
  const mtok = (tokens: number, s: number) => tokens / s / 1e6;

  // Pack + write and a raw write of the same bytes, interleaved, best of 3 each (disk writeback
  // and the other jobs on the machine make single runs vary by several times).
  let pw = await packAndWrite(dir, docs, total);
  let rawW = rawWrite(join(WORK_DIR, 'raw-write.bin'), pw.bytes);
  for (let i = 0; i < 2; i++) {
    const a = await packAndWrite(dir, docs, total);
    if (a.s < pw.s) pw = a;
    const b = rawWrite(join(WORK_DIR, 'raw-write.bin'), pw.bytes);
    if (b.s < rawW.s) rawW = b;
  }
  rmSync(join(WORK_DIR, 'raw-write.bin'), { force: true });
  rows.push({ step: 'pack + write shards (concat, 1024)', 'Mtok/s': mtok(pw.tokens, pw.s), 'Mtok/CPU-s': mtok(pw.tokens, pw.cpu), 'MB/s': pw.bytes / pw.s / 1e6, 'time vs raw write': +(pw.s / rawW.s).toFixed(2) });
  const po = [packOnly(docs, total), packOnly(docs, total), packOnly(docs, total)].sort((a, b) => a.s - b.s)[0];
  rows.push({ step: 'packer only (rows discarded)', 'Mtok/s': mtok(po.tokens, po.s), 'Mtok/CPU-s': mtok(po.tokens, po.cpu) });
  const ws = Math.max(1e-9, pw.s - po.s);
  const wc = Math.max(1e-9, pw.cpu - po.cpu);
  rows.push({ step: 'shard writing alone (pack+write − packer)', 'Mtok/s': mtok(pw.tokens, ws), 'Mtok/CPU-s': mtok(pw.tokens, wc), 'MB/s': pw.bytes / ws / 1e6, 'time vs raw write': +(ws / rawW.s).toFixed(2) });
  rows.push({ step: 'raw fs.writeSync of the same bytes', 'Mtok/s': mtok(pw.tokens, rawW.s), 'Mtok/CPU-s': mtok(pw.tokens, rawW.cpu), 'MB/s': pw.bytes / rawW.s / 1e6, 'time vs raw write': 1 });

  const m = await buildManifest(dir);
  writeFileSync(join(dir, MANIFEST), JSON.stringify(m));
  const files = listShards(dir).map((f) => join(dir, f));
  const slots = m.rows * m.rowLen;

  // Readers over the same bytes (page cache warm: memory-bandwidth work for all of them), every
  // variant run 3 times interleaved with the raw read; best wall time and least CPU of each. The
  // ratios are against the raw read of the same round set: wall (speed) and per CPU-second.
  type Run = { s: number; cpu: number; bytes: number; startMs?: number; steadyS?: number; steadyCpu?: number; steadyBytes?: number; corr?: number };
  const best = (a: Run | undefined, b: Run): Run =>
    !a ? b : { ...(b.s < a.s ? b : a), cpu: Math.min(a.cpu, b.cpu), steadyCpu: Math.min(a.steadyCpu ?? Infinity, b.steadyCpu ?? Infinity), steadyS: Math.min(a.steadyS ?? Infinity, b.steadyS ?? Infinity) };
  const base: LoaderOptions = { path: dir, batchSize: 32, seed: 1, shuffleBuffer: 8192, verify: 'none' };
  const variants: Array<[string, LoaderOptions]> = [
    ['loader shuffled, uint16, same thread, recycle 2', { ...base, dtype: 'uint16', worker: false, recycle: 2 }],
    ['loader shuffled, uint16, same thread (default: new buffers)', { ...base, dtype: 'uint16' }],
    ['loader shuffled, int32, same thread (default)', { ...base }],
    ['loader shuffled, uint16, worker, recycle 2', { ...base, dtype: 'uint16', worker: true, recycle: 2 }],
    ['loader shuffled, uint16, worker, new buffers', { ...base, dtype: 'uint16', worker: true }],
    ['loader sequential (shuffle off), uint16, same thread, recycle 2', { ...base, dtype: 'uint16', shuffle: false, worker: false, recycle: 2 }],
  ];
  rawRead(files);
  let rr: Run | undefined;
  let sc: Run | undefined;
  let scr: Run | undefined;
  const lr: Array<Run | undefined> = variants.map(() => undefined);
  for (let round = 0; round < 3; round++) {
    await settle();
    rr = best(rr, rawRead(files));
    await settle();
    sc = best(sc, scatterRead(files, m.rowLen * 2));
    await settle();
    scr = best(scr, scatterRead(files, m.rowLen * 2, true));
    for (const [i, [, o]] of variants.entries()) {
      await settle();
      const r = await loaderRun(o);
      lr[i] = best(lr[i], { s: r.s, cpu: r.cpu, bytes: r.tokens * (o.dtype === 'uint16' ? 2 : 4), startMs: r.startMs, steadyS: r.steadyS, steadyCpu: r.steadyCpu, steadyBytes: r.steadyTokens * (o.dtype === 'uint16' ? 2 : 4), corr: r.corr });
    }
  }
  const raw = rr!;
  const rawTokS = mtok(raw.bytes / 2, raw.s);
  const rawTokC = mtok(raw.bytes / 2, raw.cpu);
  const vsRaw = (tokens: number, r: { s: number; cpu: number }) => ({ 'speed vs raw read': +(mtok(tokens, r.s) / rawTokS).toFixed(3), 'per CPU-s vs raw read': +(mtok(tokens, r.cpu) / rawTokC).toFixed(3) });
  rows.push({ step: 'raw fs.readSync of the shard files', 'Mtok/s': rawTokS, 'Mtok/CPU-s': rawTokC, 'MB/s': raw.bytes / raw.s / 1e6, 'speed vs raw read': 1, 'per CPU-s vs raw read': 1 });
  rows.push({ step: 'raw readv, 2 KB rows scattered into fresh batch buffers (8192-row window)', 'Mtok/s': mtok(sc!.bytes / 2, sc!.s), 'Mtok/CPU-s': mtok(sc!.bytes / 2, sc!.cpu), 'MB/s': sc!.bytes / sc!.s / 1e6, ...vsRaw(sc!.bytes / 2, sc!) });
  rows.push({ step: 'raw readv, 2 KB rows scattered into recycled batch buffers (8192-row window)', 'Mtok/s': mtok(scr!.bytes / 2, scr!.s), 'Mtok/CPU-s': mtok(scr!.bytes / 2, scr!.cpu), 'MB/s': scr!.bytes / scr!.s / 1e6, ...vsRaw(scr!.bytes / 2, scr!) });
  await settle();
  {
    const c0 = process.cpuUsage();
    const t = performance.now();
    let n = 0;
    for (const f of files) n += tableFromIPC(readFileSync(f)).numRows;
    const s = (performance.now() - t) / 1000;
    const cpu = cpuSince(c0);
    rows.push({ step: `apache-arrow readFileSync + tableFromIPC (${n} rows)`, 'Mtok/s': mtok(slots, s), 'Mtok/CPU-s': mtok(slots, cpu), 'MB/s': raw.bytes / s / 1e6, ...vsRaw(slots, { s, cpu }) });
  }
  for (const [i, [name, o]] of variants.entries()) {
    const r = lr[i]!;
    const w = o.dtype === 'uint16' ? 2 : 4;
    const tokens = r.bytes / w;
    const steady = { s: r.steadyS!, cpu: r.steadyCpu! };
    const sv = vsRaw(r.steadyBytes! / w, steady);
    rows.push({ step: name, 'Mtok/s': mtok(tokens, r.s), 'Mtok/CPU-s': mtok(tokens, r.cpu), 'MB/s': r.bytes / r.s / 1e6, ...vsRaw(tokens, r), 'first batch ms': Math.round(r.startMs!), 'after 1st batch Mtok/s': mtok(r.steadyBytes! / w, steady.s), 'after 1st batch Mtok/CPU-s': mtok(r.steadyBytes! / w, steady.cpu), 'after 1st batch, speed vs raw read': sv['speed vs raw read'], 'after 1st batch, per CPU-s vs raw read': sv['per CPU-s vs raw read'], 'neighbour corr': +r.corr!.toFixed(3) });
  }
  {
    // xxhash64 verification on first use: once, not a throughput figure of the stream
    await settle();
    const r = await loaderRun({ ...base, dtype: 'uint16', verify: 'full', worker: false, recycle: 2 });
    rows.push({ step: 'loader shuffled, uint16, same thread, recycle 2, + xxhash64 verify of every shard', 'Mtok/s': mtok(r.tokens, r.s), 'Mtok/CPU-s': mtok(r.tokens, r.cpu), ...vsRaw(r.tokens, r), 'first batch ms': Math.round(r.startMs) });
  }
  report({
    name: 'loader',
    title: `Token shards: ${(pw.tokens / 1e6).toFixed(0)}M real r50k tokens, seqLen ${SEQ}, ${files.length} shard(s), ${(statSync(files[0]).size / 1e6).toFixed(0)} MB first shard`,
    rows,
    notes: [
      'targets: pack+write >= 20 Mtok/s and within 2x of raw write; loader >= 200 Mtok/s shuffled and >= 0.5x raw read',
      'pack + write, packer only and raw write: best of 3 (interleaved); shard writing alone = the difference of the first two',
      'raw read: 4 MiB reads into one reused buffer; the scattered readv rows are the same copy as the loader\'s (rows into random slots of new or recycled batch memory) without its format or order logic: the floor of a shuffled row loader (readv of many 2 KB buffers costs the kernel ~40% more than one large read, and the window spans 16 MB)',
      'readers and loader variants: 3 rounds interleaved with the raw read; best wall time and least CPU of each; ratios against the raw read (wall and per CPU-s); "after 1st batch" leaves out open + worker start-up',
      'a full GC (and 50 ms) before each measured read: garbage of the previous variant is not charged to the next',
      'recycle 2: a batch\'s memory is reused once 2 later batches were yielded (LoaderOptions.recycle; the default 0 gives every batch new memory)',
      `load average at start ${load0.toFixed(1)}, at end ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (other jobs running)`,
      'loader: batch 32, shuffleBuffer 8192 rows, shardWindow 16, prefetch 4 (worker rows), one epoch; tokens/s counts rows x rowLen delivered; includes open and worker start-up (first batch ms); the int32 rows widen uint16 ids (twice the bytes out)',
      `Mtok/CPU-s: CPU time of all threads of this process (load-independent on a shared machine; load average now ${(os.loadavg()[0]).toFixed(1)} on ${os.cpus().length} cores)`,
      'neighbour corr = Pearson correlation of consecutive samples\' source row positions (first 200k samples); sequential reading is ~1',
      `pad tokens: ${pw.pad} (final row only in concat mode)`,
    ],
  });
}
