// What the trainer needs from a data source: batches of next-token rows and a JSON state to resume
// from. The shard loader (datasets/loader.ts) is adapted to this in `loaderSource`; tests use the
// in-memory `tokenArraySource`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchInputs } from './model.ts';
import { Rng, type RngState } from './rng.ts';

export interface BatchSource {
  /** Next batch (sources loop over epochs; they never run dry). */
  next(): Promise<BatchInputs>;
  /** JSON-serialisable position, enough to continue exactly from here. */
  state(): unknown;
  close?(): Promise<void>;
}

/**
 * Rows of L = T+1 tokens → inputs row[0..T) and targets row[1..T]. Document starts come from the
 * loader's docStarts (offsets in the row) or, failing that, from the positions after `eosId`.
 */
export function rowsToInputs(tokens: ArrayLike<number>, B: number, L: number, opts: { docStarts?: number[][]; eosId?: number } = {}): BatchInputs {
  const T = L - 1;
  if (tokens.length !== B * L) throw new Error(`batch has ${tokens.length} tokens, expected ${B} rows × ${L}`);
  const ids = new Int32Array(B * T), targets = new Int32Array(B * T);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      ids[r * T + t] = tokens[r * L + t];
      targets[r * T + t] = tokens[r * L + t + 1];
    }
  }
  let docStarts = opts.docStarts;
  if (!docStarts && opts.eosId !== undefined) {
    docStarts = [];
    for (let r = 0; r < B; r++) {
      const s: number[] = [];
      for (let t = 0; t + 1 < T; t++) if (ids[r * T + t] === opts.eosId) s.push(t + 1);
      docStarts.push(s);
    }
  }
  return { ids, targets, B, T, docStarts };
}

export interface ArraySourceState {
  epoch: number;
  index: number;
}

/**
 * Non-overlapping windows of blockSize+1 tokens over one token array, in a seeded random order that
 * changes every epoch.
 */
export function tokenArraySource(tokens: ArrayLike<number>, opts: { batchSize: number; blockSize: number; seed: number; eosId?: number; shuffle?: boolean }, state?: ArraySourceState): BatchSource {
  const L = opts.blockSize + 1;
  const windows = Math.floor((tokens.length - 1) / opts.blockSize);
  if (windows < 1) throw new Error(`token array of ${tokens.length} tokens is shorter than one window of ${L}`);
  let st: ArraySourceState = state ? { ...state } : { epoch: 0, index: 0 };
  let order = permutation(windows, opts.seed, st.epoch, opts.shuffle !== false);
  return {
    async next() {
      const rows = new Int32Array(opts.batchSize * L);
      for (let r = 0; r < opts.batchSize; r++) {
        if (st.index >= windows) {
          st = { epoch: st.epoch + 1, index: 0 };
          order = permutation(windows, opts.seed, st.epoch, opts.shuffle !== false);
        }
        const start = order[st.index++] * opts.blockSize;
        for (let t = 0; t < L; t++) rows[r * L + t] = tokens[start + t];
      }
      return rowsToInputs(rows, opts.batchSize, L, { eosId: opts.eosId });
    },
    state: () => ({ ...st }),
  };
}

function permutation(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  if (!shuffle) return p;
  const rng = new Rng((seed * 1000003 + epoch) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LOADER_MODULE = join(ROOT, 'datasets', 'loader.ts');

/**
 * Target positions past a row's padding (numTokens) become −1 (ignored by the loss): target t
 * predicts row[t+1], valid while t+1 < numTokens.
 */
export function maskPadding(inp: BatchInputs, numTokens: ArrayLike<number>): void {
  for (let r = 0; r < inp.B; r++) {
    for (let t = Math.max(0, numTokens[r] - 1); t < inp.T; t++) inp.targets[r * inp.T + t] = -1;
  }
}

/** Which rows a source yields: every row, or a seeded hash split of rows into train / validation. */
export interface SplitSpec {
  part: 'train' | 'val';
  /** Share of rows (by sample id) held out for validation. */
  valFraction: number;
  seed: number;
}

/** Stable split of a row: by a hash of its sample id, so train and val never share a row. */
export function isValRow(sampleId: number, split: SplitSpec): boolean {
  let h = Math.imul((sampleId % 4294967296) ^ Math.floor(sampleId / 4294967296) ^ split.seed, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h / 4294967296 < split.valFraction;
}

/** Resume point of a windowed source: the loader state before the current row, and how many of its windows were used. */
interface WindowState {
  loader: unknown;
  skip: number;
}

/**
 * The shard loader (datasets/loader.ts) as a BatchSource: endless epochs, full batches only,
 * document starts from the shards' doc_starts, padding masked out of the loss.
 *
 * Rows longer than the model's context are cut into windows of blockSize+1 tokens (sharing one
 * token, as nanoGPT's x/y), and with `split` only the train or validation rows are used. The loader
 * is then read one row at a time, so `state()` can name the exact row and window to resume from.
 */
export async function loaderSource(opts: { path: string; batchSize: number; seed: number; eosId?: number; state?: unknown; rank?: number; worldSize?: number; blockSize?: number; split?: SplitSpec }): Promise<BatchSource & { rowLen: number }> {
  if (!existsSync(LOADER_MODULE)) throw new Error(`the shard loader (${LOADER_MODULE}) is not available in this checkout`);
  const mod = (await import(LOADER_MODULE)) as typeof import('../datasets/loader.ts');
  const windowed = opts.split !== undefined || opts.blockSize !== undefined;
  const st = windowed ? (opts.state as WindowState | undefined) : undefined;
  const loader = await mod.openLoader({
    path: opts.path,
    batchSize: windowed ? 1 : opts.batchSize,
    seed: opts.seed,
    rank: opts.rank ?? 0,
    worldSize: opts.worldSize ?? 1,
    epochs: Infinity,
    dropLast: true,
    docStarts: true,
    // In-thread production: a batch costs microseconds next to a training step, and it keeps the
    // trainer independent of how a worker thread would load TypeScript.
    worker: false,
    state: (windowed ? st?.loader : opts.state) as import('../datasets/loader.ts').LoaderState | undefined,
  });
  const it = loader[Symbol.asyncIterator]();
  const L = loader.rowLen;
  if (!windowed) {
    return {
      rowLen: L,
      async next() {
        const r = await it.next();
        if (r.done) throw new Error(`loader for ${opts.path} ended`);
        const b = r.value;
        const inp = rowsToInputs(b.tokens, b.rows, b.rowLen, { docStarts: b.docStarts?.map((d) => Array.from(d)) });
        maskPadding(inp, b.numTokens);
        return inp;
      },
      state: () => loader.state(),
      close: () => loader.close(),
    };
  }

  const W = Math.min(L, (opts.blockSize ?? L - 1) + 1);
  const perRow = Math.max(1, Math.floor((L - 1) / (W - 1)));
  // The current row and its windows; `before` is the loader state before this row was read.
  let row: { tokens: ArrayLike<number>; starts: number[]; numTokens: number; keep: boolean } | undefined;
  // Snapshots: loader.state() may be a live view that moves on with the next read.
  let before: unknown = st?.loader ?? structuredClone(loader.state());
  let used = 0;
  let pendingSkip = st?.skip ?? 0;
  const nextRow = async () => {
    before = structuredClone(loader.state());
    const r = await it.next();
    if (r.done) throw new Error(`loader for ${opts.path} ended`);
    const b = r.value;
    row = { tokens: b.tokens, starts: b.docStarts ? Array.from(b.docStarts[0]) : [], numTokens: b.numTokens[0], keep: !opts.split || isValRow(b.sampleIds[0], opts.split) === (opts.split.part === 'val') };
    used = Math.min(pendingSkip, perRow);
    pendingSkip = 0;
  };
  return {
    rowLen: W,
    async next() {
      const tokens = new Int32Array(opts.batchSize * W);
      const docStarts: number[][] = [];
      const numTokens: number[] = [];
      for (let n = 0; n < opts.batchSize; ) {
        while (!row || used >= perRow) await nextRow();
        const w = used++;
        if (!row!.keep) {
          used = perRow;
          continue;
        }
        const off = w * (W - 1);
        for (let t = 0; t < W; t++) tokens[n * W + t] = off + t < L ? row!.tokens[off + t] : 0;
        docStarts.push(row!.starts.filter((x) => x > off && x < off + W - 1).map((x) => x - off));
        numTokens.push(Math.max(0, Math.min(W, row!.numTokens - off)));
        n++;
      }
      const inp = rowsToInputs(tokens, opts.batchSize, W, { docStarts });
      maskPadding(inp, numTokens);
      return inp;
    },
    state: (): WindowState => ({ loader: before, skip: used }),
    close: () => loader.close(),
  };
}

export type { RngState };
