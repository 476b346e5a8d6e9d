// Streaming loader for packed token datasets (a folder or http(s) base URL holding
// manifest.json + shard-*.arrow, as written by the pack stage).
//
//   import { openLoader } from './datasets/loader.ts';
//   const loader = await openLoader({ path: 'runs/cc/tokens', batchSize: 8, seed: 1,
//                                     rank, worldSize, shuffleBuffer: 8192, state: saved });
//   for await (const batch of loader) {
//     batch.tokens        // Int32Array (dtype 'int32', default) or Uint16Array, [batch.rows, batch.rowLen]
//     batch.shape         // [rows, rowLen]; rowLen = seqLen, or seqLen+1 for overlap datasets (x = row[:-1], y = row[1:])
//     batch.numTokens     // Int32Array [rows]: tokens before trailing padding (mask the loss after it)
//     batch.docStarts     // with { docStarts: true }: per row, positions where documents start
//     batch.sampleIds     // dataset·2^40 + row in the dataset's shard order (audits, tests)
//     save(loader.state()) // small JSON; openLoader({ ..., state }) yields exactly the remaining batches
//   }
//   await loader.close();
// Leaving the for-await loop early and iterating again continues from state(). With
// `worker: true` the prefetch worker starts in openLoader (its start-up overlaps the trainer's
// setup) and does not keep the process alive on its own; close() stops it.
//
// Options (defaults): path (string | string[] | {path, weight}[] for weighted mixing), batchSize,
// seqLen (checked against the dataset), seed (0), rank (0), worldSize (1), shuffle (true),
// shuffleBuffer (8192 rows: the shuffle window, shared by mixed datasets by weight; rows are read
// straight into the slots of the output batches they will fill, so this is also the memory held),
// shardWindow (16: 64-row chunks of 16 consecutive shards of the epoch's shard order are
// interleaved; for URLs that many shards are fetched ahead), epochs (1; Infinity = forever), samplesPerEpoch (sum of rows),
// dropLast (false: the epoch's last batch may be short), dtype ('int32' | 'uint16'),
// docStarts (false), worker (false: batches are produced in the consumer's thread when asked for;
// true: produced ahead in a worker thread, `prefetch` (4) batches deep, backpressure holding the
// worker when the consumer is slower; the hand-off costs more CPU than producing a batch, ~3x per
// token on the bench, so the worker pays off only when the consumer's thread is busy), cacheDir (for URLs:
// $TOKENMILL_CACHE or ~/.cache/tokenmill/datasets), verify ('full' xxhash64 on first use | 'size' | 'none'),
// recycle (0: every batch is new memory; N ≥ 1: the memory of a batch is reused for a later one
// once the batch N after it has been yielded and you ask for the next, so hold at most N batches
// (copy what you keep longer): recycled memory skips the page faults and garbage of new buffers).
// `toTensor(batch)` turns a batch into a tfjs int32 tensor (tfjs is imported only then).
//
// Guarantees: every rank sees a disjoint stripe of the same seeded global order, together all of
// it except fewer than worldSize samples per epoch (dropped, counted in stats().dropped, never
// padded with repeats); state() is the same on every rank and resumes with any worldSize.
import { Worker } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readManifest, type Manifest } from './manifest.ts';
import { fetchManifest, isUrl, cleanStale } from './fetch.ts';
import { produce, fingerprint, initialState, type DatasetSource, type LoaderState, type ProducerOptions, type RawBatch } from './stream.ts';

export type { LoaderState } from './stream.ts';

export interface LoaderOptions {
  path: string | string[] | Array<{ path: string; weight?: number }>;
  batchSize: number;
  seqLen?: number;
  seed?: number;
  rank?: number;
  worldSize?: number;
  shuffle?: boolean;
  shuffleBuffer?: number;
  shardWindow?: number;
  epochs?: number;
  samplesPerEpoch?: number;
  dropLast?: boolean;
  dtype?: 'int32' | 'uint16';
  docStarts?: boolean;
  prefetch?: number;
  worker?: boolean;
  cacheDir?: string;
  verify?: 'full' | 'size' | 'none';
  /** Hold at most this many batches: older batches' memory is reused (0 = never). */
  recycle?: number;
  state?: LoaderState;
}

export interface Batch {
  tokens: Int32Array | Uint16Array;
  shape: [number, number];
  rows: number;
  rowLen: number;
  numTokens: Int32Array;
  sampleIds: Float64Array;
  docStarts?: Int32Array[];
  epoch: number;
}

export interface LoaderStats {
  batches: number;
  samples: number;
  /** Samples per epoch not given to any rank (remainder < worldSize), over the epochs started. */
  dropped: number;
  /** Rows buffered by the producer + produced batches not yet consumed: last and max seen. */
  bufferedRows: number;
  maxBufferedRows: number;
}

export interface Loader extends AsyncIterable<Batch> {
  readonly manifests: Manifest[];
  readonly seqLen: number;
  readonly rowLen: number;
  /** Samples this rank gets per epoch (before batching). */
  readonly samplesPerRank: number;
  state(): LoaderState;
  stats(): LoaderStats;
  close(): Promise<void>;
}

interface Resolved {
  producer: ProducerOptions;
  manifests: Manifest[];
  prefetch: number;
  worker: boolean;
  recycle: number;
}

async function resolveSources(o: LoaderOptions): Promise<{ sources: DatasetSource[]; weights: number[] }> {
  const list = (Array.isArray(o.path) ? o.path : [o.path]).map((p) => (typeof p === 'string' ? { path: p, weight: 1 } : { path: p.path, weight: p.weight ?? 1 }));
  if (list.length === 0) throw new Error('loader: no dataset path given');
  const verify = o.verify ?? 'full';
  const sources: DatasetSource[] = [];
  for (const { path } of list) {
    if (isUrl(path)) {
      const { manifest, dir } = await fetchManifest(path, o.cacheDir);
      cleanStale(dir);
      sources.push({ manifest, dir, baseUrl: path, verify });
    } else {
      const dir = resolve(path);
      sources.push({ manifest: readManifest(dir), dir, verify });
    }
  }
  for (const s of sources) {
    if (s.manifest.rows === 0) throw new Error(`loader: ${s.baseUrl ?? s.dir}: dataset has no rows (its manifest lists ${s.manifest.shards.length} shards)`);
  }
  for (const [i, { weight }] of list.entries()) {
    if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`loader: weight of ${list[i].path} must be a positive number, got ${weight}`);
  }
  return { sources, weights: list.map((l) => l.weight) };
}

async function resolveOptions(o: LoaderOptions): Promise<Resolved> {
  const int = (v: number, what: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`loader: ${what} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const batchSize = int(o.batchSize, 'batchSize', 1);
  const worldSize = int(o.worldSize ?? 1, 'worldSize', 1);
  const rank = int(o.rank ?? 0, 'rank', 0);
  if (rank >= worldSize) throw new Error(`loader: rank ${rank} must be < worldSize ${worldSize}`);
  const { sources, weights } = await resolveSources(o);
  const m0 = sources[0].manifest;
  for (const s of sources) {
    const where = s.baseUrl ?? s.dir;
    if (s.manifest.rowLen !== m0.rowLen) throw new Error(`loader: ${where} has rows of ${s.manifest.rowLen} tokens, ${sources[0].baseUrl ?? sources[0].dir} of ${m0.rowLen}: mixed datasets must share seqLen and overlap`);
    if (o.seqLen !== undefined && s.manifest.seqLen !== o.seqLen) throw new Error(`loader: ${where} was packed with seqLen ${s.manifest.seqLen}, not ${o.seqLen}`);
  }
  const dtype = o.dtype ?? 'int32';
  if (dtype === 'uint16' && sources.some((s) => s.manifest.dtype !== 'uint16')) throw new Error(`loader: dtype uint16 needs uint16 datasets (vocabSize <= 65536); use int32`);
  const total = sources.reduce((a, s) => a + s.manifest.rows, 0);
  const producer: ProducerOptions = {
    sources,
    weights,
    batchSize,
    seed: o.seed ?? 0,
    rank,
    worldSize,
    shuffle: o.shuffle ?? true,
    shuffleBuffer: int(o.shuffleBuffer ?? 8192, 'shuffleBuffer', 1),
    shardWindow: int(o.shardWindow ?? 16, 'shardWindow', 1),
    epochs: o.epochs ?? 1,
    samplesPerEpoch: int(o.samplesPerEpoch ?? total, 'samplesPerEpoch', 1),
    dropLast: o.dropLast ?? false,
    dtype,
    docStarts: o.docStarts ?? false,
    state: o.state,
  };
  if (o.state && o.state.fp !== fingerprint(producer)) {
    throw new Error(`loader state is for another dataset or shuffle setup (fingerprint ${o.state.fp}, this loader ${fingerprint(producer)})`);
  }
  return { producer, manifests: sources.map((s) => s.manifest), prefetch: int(o.prefetch ?? 4, 'prefetch', 1), worker: o.worker ?? false, recycle: int(o.recycle ?? 0, 'recycle', 0) };
}

function toBatch(r: RawBatch): Batch {
  const b: Batch = {
    tokens: r.tokens as Int32Array | Uint16Array,
    shape: [r.rows, r.rowLen],
    rows: r.rows,
    rowLen: r.rowLen,
    numTokens: r.numTokens,
    sampleIds: r.sampleIds,
    epoch: r.epoch,
  };
  if (r.docStartOffsets && r.docStarts) {
    const offs = r.docStartOffsets;
    const all = r.docStarts;
    b.docStarts = Array.from({ length: r.rows }, (_, i) => all.subarray(offs[i], offs[i + 1]));
  }
  return b;
}

const WORKER = fileURLToPath(new URL('./loader-worker.mjs', import.meta.url));
let workerEntry: string | undefined;

/**
 * The worker's code as one plain-JS module: registering tsx in a fresh thread and transforming
 * the TypeScript there takes ~0.6 s, bundling it here with the esbuild that tsx brings ~0.1 s.
 * Written once per content under node_modules/.cache (where its packages resolve); the tsx entry
 * is the fallback.
 */
function workerFile(): string {
  if (workerEntry) return workerEntry;
  try {
    const req = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
    const esbuild = req('esbuild') as { buildSync(o: Record<string, unknown>): { outputFiles: Array<{ text: string }> } };
    const text = esbuild.buildSync({ entryPoints: [fileURLToPath(new URL('./loader-worker.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', write: false }).outputFiles[0].text;
    const dir = fileURLToPath(new URL('../node_modules/.cache/tokenmill/', import.meta.url));
    const file = join(dir, `loader-worker-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    }
    workerEntry = file;
  } catch {
    workerEntry = WORKER;
  }
  return workerEntry;
}

/** Open a loader (see the header of this file). */
export async function openLoader(options: LoaderOptions): Promise<Loader> {
  const r = await resolveOptions(options);
  const p = r.producer;
  let current: LoaderState = p.state ?? initialState(p);
  const stats: LoaderStats = { batches: 0, samples: 0, dropped: 0, bufferedRows: 0, maxBufferedRows: 0 };
  // Per epoch, (samples left where its stream segment started) mod worldSize go to no rank.
  let segment = { epoch: current.epoch, pos: current.pos };
  const droppedBy = new Map<number, number>();
  const noteEpoch = (e: number) => {
    droppedBy.set(e, (p.samplesPerEpoch - (e === segment.epoch ? segment.pos : 0)) % p.worldSize);
    stats.dropped = [...droppedBy.values()].reduce((a, b) => a + b, 0);
  };
  const perRank = Math.floor((p.samplesPerEpoch - (p.state?.pos ?? 0)) / p.worldSize);
  let closed = false;
  let gen: AsyncGenerator<RawBatch> | undefined;

  const observe = (raw: RawBatch, pending: number) => {
    stats.bufferedRows = raw.buffered + pending * p.batchSize;
    stats.maxBufferedRows = Math.max(stats.maxBufferedRows, stats.bufferedRows);
  };
  const consumed = (raw: RawBatch) => {
    noteEpoch(raw.epoch);
    current = raw.state;
    stats.batches++;
    stats.samples += raw.rows;
  };

  // Each iteration continues from state() (a `for await` left early and started again resumes).
  // Buffers of yielded batches, oldest first; with recycle N, all but the last N go back to `pool`.
  const held: ArrayBuffer[] = [];
  const hold = (raw: RawBatch, free: ArrayBuffer[]) => {
    if (r.recycle === 0) return;
    held.push(raw.tokens.buffer as ArrayBuffer);
    while (held.length > r.recycle) free.push(held.shift()!);
  };

  async function* inProcess(): AsyncGenerator<Batch> {
    segment = { epoch: current.epoch, pos: current.pos };
    const pool: ArrayBuffer[] = [];
    gen = produce({ ...p, state: current }, undefined, r.recycle > 0 ? pool : undefined);
    try {
      for await (const raw of gen) {
        if (closed) return;
        observe(raw, 0);
        consumed(raw);
        hold(raw, pool);
        yield toBatch(raw);
      }
    } finally {
      await gen.return(undefined);
      gen = undefined;
    }
  }

  /** A producer worker; it starts filling its prefetch queue at once (unref'd until iterated). */
  interface Running {
    w: Worker;
    queue: Array<{ t: string; bs?: RawBatch[]; message?: string }>;
    wake?: () => void;
    exited: boolean;
  }
  let running: Running | undefined;
  const spawn = (): Running => {
    segment = { epoch: current.epoch, pos: current.pos };
    const w = new Worker(workerFile(), { workerData: { producer: { ...p, state: current }, prefetch: r.prefetch, recycle: r.recycle > 0 } });
    const run: Running = { w, queue: [], exited: false };
    w.on('message', (m) => {
      run.queue.push(m);
      run.wake?.();
    });
    w.on('error', (e) => {
      run.queue.push({ t: 'error', message: e.message });
      run.wake?.();
    });
    w.on('exit', () => {
      run.exited = true;
      run.wake?.();
    });
    w.unref();
    return run;
  };
  const stopWorker = async () => {
    const run = running;
    running = undefined;
    if (!run) return;
    run.w.postMessage({ t: 'stop' });
    await run.w.terminate();
  };

  async function* viaWorker(): AsyncGenerator<Batch> {
    const run = (running ??= spawn());
    run.w.ref(); // keep the process alive while we wait for batches
    const { queue, w } = run;
    // Recycled buffers travel back to the worker with the acks (transferred, no extra message).
    const back: ArrayBuffer[] = [];
    try {
      for (;;) {
        while (queue.length === 0) {
          if (run.exited) throw new Error('loader worker exited unexpectedly');
          await new Promise<void>((res) => (run.wake = res));
          run.wake = undefined;
        }
        const m = queue.shift()!;
        if (m.t === 'end') return;
        if (m.t === 'error') throw new Error(m.message);
        const bs = m.bs!;
        for (let i = 0; i < bs.length; i++) {
          const raw = bs[i];
          // unconsumed: the rest of this message and every queued message
          observe(raw, bs.length - 1 - i + queue.reduce((a, q) => a + (q.bs?.length ?? 0), 0));
          consumed(raw);
          hold(raw, back);
          if (i === bs.length - 1) {
            w.postMessage({ t: 'ack', n: bs.length, bufs: back }, back);
            back.length = 0;
          }
          yield toBatch(raw);
        }
      }
    } finally {
      // Left early or finished: batches produced beyond state() are dropped with the worker.
      await stopWorker();
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await stopWorker();
    await gen?.return(undefined);
  }

  if (r.worker) running = spawn();

  return {
    manifests: r.manifests,
    seqLen: r.manifests[0].seqLen,
    rowLen: r.manifests[0].rowLen,
    samplesPerRank: perRank,
    state: () => structuredClone(current),
    stats: () => ({ ...stats }),
    close,
    [Symbol.asyncIterator]() {
      if (closed) throw new Error('loader is closed');
      return r.worker ? viaWorker() : inProcess();
    },
  };
}

/** A batch as a tfjs int32 tensor of shape [rows, rowLen] (imports @tensorflow/tfjs on first use). */
export async function toTensor(batch: Batch): Promise<unknown> {
  const tf = (await import('@tensorflow/tfjs')) as typeof import('@tensorflow/tfjs');
  const data = batch.tokens instanceof Int32Array ? batch.tokens : Int32Array.from(batch.tokens);
  return tf.tensor2d(data, batch.shape, 'int32');
}

/**
 * Shuffle quality: Pearson correlation of neighbouring samples' source positions (lag 1) over a
 * sequence of sample ids. ≈1 for sequential reading, ≈0 for a uniform shuffle.
 */
export function neighbourCorrelation(ids: ArrayLike<number>): number {
  const n = ids.length - 1;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += ids[i];
    sy += ids[i + 1];
  }
  const mx = sx / n;
  const my = sy / n;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const a = ids[i] - mx;
    const b = ids[i + 1] - my;
    cov += a * b;
    vx += a * a;
    vy += b * b;
  }
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : 0;
}
