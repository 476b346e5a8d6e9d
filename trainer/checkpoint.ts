// Checkpoints: <out>/checkpoints/step-NNNNNNN/{model.safetensors, optimizer.safetensors, state.json},
// each directory written under a temporary name and renamed into place, then <out>/checkpoints/latest
// (the directory name) replaced atomically. A crash at any point leaves the previous checkpoint intact.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RngState } from './rng.ts';
import { readSafetensors, writeSafetensors, type NamedArray } from './safetensors.ts';
import { paramSpecs, type ResolvedConfig } from './model.ts';
import type { TrainConfig, Trainer } from './train.ts';

export interface CheckpointState {
  format: 'tokenmill-checkpoint/1';
  step: number;
  tokensSeen: number;
  optimizerStep: number;
  rng: RngState;
  loader: unknown;
  valLoader?: unknown;
  config: TrainConfig;
  meta: Record<string, unknown>;
}

export function checkpointsDir(outDir: string): string {
  return join(outDir, 'checkpoints');
}

function weightTensors(c: ResolvedConfig, w: Record<string, Float32Array>, prefix = ''): Record<string, NamedArray> {
  const out: Record<string, NamedArray> = {};
  for (const sp of paramSpecs(c)) out[prefix + sp.name] = { data: w[sp.name], shape: sp.shape };
  return out;
}

/** Export model weights as safetensors (names as in paramSpecs; linear weights [in, out]). */
export function exportSafetensors(path: string, c: ResolvedConfig, weights: Record<string, Float32Array>, metadata: Record<string, string> = {}): void {
  writeSafetensors(path, weightTensors(c, weights), { format: 'pt', tokenmill_config: JSON.stringify(c), ...metadata });
}

export function saveCheckpoint(outDir: string, t: Trainer, extra: { loader: unknown; valLoader?: unknown; config: TrainConfig; meta: Record<string, unknown> }, keep = 2): string {
  const root = checkpointsDir(outDir);
  mkdirSync(root, { recursive: true });
  const name = `step-${String(t.step).padStart(7, '0')}`;
  const final = join(root, name);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  exportSafetensors(join(tmp, 'model.safetensors'), t.model, t.weights(), { step: String(t.step) });
  const mom: Record<string, NamedArray> = {};
  for (const [n, p] of Object.entries(t.params)) {
    mom[`m.${n}`] = { data: t.opt.m[n].dataSync() as Float32Array, shape: p.shape };
    mom[`v.${n}`] = { data: t.opt.v[n].dataSync() as Float32Array, shape: p.shape };
  }
  writeSafetensors(join(tmp, 'optimizer.safetensors'), mom, { step: String(t.step) });
  const state: CheckpointState = {
    format: 'tokenmill-checkpoint/1',
    step: t.step,
    tokensSeen: t.tokensSeen,
    optimizerStep: t.opt.t,
    rng: t.rng.state(),
    loader: extra.loader,
    valLoader: extra.valLoader,
    config: extra.config,
    meta: extra.meta,
  };
  writeFileSync(join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const latestTmp = join(root, `.latest.${process.pid}.tmp`);
  writeFileSync(latestTmp, name + '\n');
  renameSync(latestTmp, join(root, 'latest'));
  // Prune old checkpoints (never the one just written).
  const all = readdirSync(root).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const d of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) if (d !== name) rmSync(join(root, d), { recursive: true, force: true });
  return final;
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  weights: Record<string, Float32Array>;
  moments: { m: Record<string, Float32Array>; v: Record<string, Float32Array> };
}

/** Resolve a run dir, a checkpoints dir or a step directory to the checkpoint directory. */
export function resolveCheckpointDir(path: string): string | null {
  if (existsSync(join(path, 'state.json'))) return path;
  for (const root of [checkpointsDir(path), path]) {
    const latest = join(root, 'latest');
    if (existsSync(latest)) {
      const d = join(root, readFileSync(latest, 'utf8').trim());
      if (existsSync(join(d, 'state.json'))) return d;
    }
  }
  return null;
}

export function loadCheckpoint(path: string, opts: { moments?: boolean } = {}): LoadedCheckpoint | null {
  const dir = resolveCheckpointDir(path);
  if (!dir) return null;
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  if (state.format !== 'tokenmill-checkpoint/1') throw new Error(`${dir}/state.json: unknown checkpoint format ${String(state.format)}`);
  const weights: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(readSafetensors(join(dir, 'model.safetensors')).tensors)) weights[n] = t.data as Float32Array;
  const moments = { m: {} as Record<string, Float32Array>, v: {} as Record<string, Float32Array> };
  if (opts.moments !== false) {
    for (const [n, t] of Object.entries(readSafetensors(join(dir, 'optimizer.safetensors')).tensors)) {
      const kind = n.slice(0, 2);
      if (kind === 'm.') moments.m[n.slice(2)] = t.data as Float32Array;
      else if (kind === 'v.') moments.v[n.slice(2)] = t.data as Float32Array;
    }
  }
  return { dir, state, weights, moments };
}
