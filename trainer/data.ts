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

/** Adapt datasets/loader.ts (the shard streamer) to a BatchSource; throws a clear error if absent. */
export async function loaderSource(opts: { path: string; batchSize: number; blockSize: number; seed: number; split?: string; eosId?: number; state?: unknown }): Promise<BatchSource> {
  if (!existsSync(LOADER_MODULE)) throw new Error(`the shard loader (${LOADER_MODULE}) is not available in this checkout`);
  if (!existsSync(opts.path)) throw new Error(`dataset ${opts.path} does not exist (build it with \`pnpm pipeline\` first)`);
  const mod = (await import(LOADER_MODULE)) as { openLoader: (o: Record<string, unknown>) => Promise<LoaderLike> | LoaderLike };
  const L = opts.blockSize + 1;
  const loader = await mod.openLoader({ path: opts.path, batchSize: opts.batchSize, seqLen: L, seed: opts.seed, rank: 0, worldSize: 1, split: opts.split, state: opts.state });
  const it = loader[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      if (r.done) throw new Error(`loader for ${opts.path} ended`);
      const b = r.value;
      const width = b.tokens.length / opts.batchSize;
      if (width !== L) throw new Error(`loader gave rows of ${width} tokens, expected blockSize+1 = ${L}`);
      return rowsToInputs(b.tokens, opts.batchSize, L, { docStarts: normaliseDocStarts(b.docStarts, opts.batchSize, L), eosId: opts.eosId });
    },
    state: () => loader.state(),
    close: async () => {
      await it.return?.();
    },
  };
}

interface LoaderLike extends AsyncIterable<{ tokens: ArrayLike<number>; docStarts?: unknown }> {
  state(): unknown;
}

/** Accept per-row offset lists, or one flat list of offsets into the batch. */
function normaliseDocStarts(ds: unknown, B: number, L: number): number[][] | undefined {
  if (!ds) return undefined;
  const arr = Array.from(ds as ArrayLike<unknown>);
  if (arr.length === B && arr.every((x) => typeof x === 'object')) return arr.map((r) => Array.from(r as ArrayLike<number>));
  const rows: number[][] = Array.from({ length: B }, () => []);
  for (const x of arr as number[]) rows[Math.floor(x / L)]?.push(x % L);
  return rows;
}

export type { RngState };
