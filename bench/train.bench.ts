// Trainer speed: tokens/s and MFU of one optimizer step (forward, backward, clip, AdamW) on issue 8's
// model (GPT-2 style, vocab 8192, ctx 256, d 256, 4 layers, 4 heads, batch 8 = 2,048 tokens/step),
// for each tfjs backend available, beside PyTorch 1.13 CPU (Debian python3-torch + OpenBLAS,
// torch.set_num_threads(1), OPENBLAS_NUM_THREADS=2) run in the same bench on the same batches and
// initial weights (test/fixtures/trainer/torch_parity.py --bench).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../trainer/backend.ts';
import { exportSafetensors } from '../trainer/checkpoint.ts';
import benchConfig from '../trainer/configs/bench.ts';
import { tokenArraySource, type BatchSource } from '../trainer/data.ts';
import { flopsPerToken, initWeights, type BatchInputs } from '../trainer/model.ts';
import { Rng } from '../trainer/rng.ts';
import { Trainer, type TrainConfig } from '../trainer/train.ts';
import { BENCH_DIR, report, WORK_DIR, type Row } from './lib.ts';

const PEAK = 270e9; // fp32 matmul peak of both cores of this machine (issue 8), for MFU
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(BENCH_DIR, '..', 'test', 'fixtures', 'trainer', 'torch_parity.py');

async function timeSteps(cfg: TrainConfig, weights: Record<string, Float32Array>, batches: BatchInputs[], warmup: number, steps: number, replicas = 1, backend = 'wasm') {
  const tr = new Trainer(cfg, weights);
  await tr.enableDataParallel(replicas, backend);
  const tokensPerStep = batches[0].B * batches[0].T;
  let i = 0;
  const src: BatchSource = { next: async () => batches[i++ % batches.length], state: () => null };
  for (let s = 0; s < warmup; s++) await tr.trainStep(src);
  const t0 = performance.now(), c0 = process.cpuUsage();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push((await tr.trainStep(src)).loss);
  const wall = (performance.now() - t0) / 1000 / steps;
  const cu = process.cpuUsage(c0); // the whole process: worker threads included
  const cpu = (cu.user + cu.system) / 1e6 / steps;
  const fpt = tr.flopsPerToken;
  tr.dispose();
  return { wall, cpu, fpt, losses, tokensPerStep, tensors: tf.memory().numTensors };
}

export default async function main(): Promise<void> {
  const cfg: TrainConfig = { ...benchConfig, steps: 1000 };
  const { vocabSize, blockSize } = cfg.model;
  const B = cfg.batchSize;
  // Same input for everyone: seeded token rows and GPT-2 init, written for the PyTorch child.
  const rng = new Rng(8);
  const tokens = Int32Array.from({ length: 64 * (blockSize + 1) }, () => rng.int(vocabSize));
  const src = tokenArraySource(tokens, { batchSize: B, blockSize, seed: 1 });
  const batches: BatchInputs[] = [];
  for (let i = 0; i < 4; i++) batches.push(await src.next());
  const tmp = new Trainer(cfg);
  const model = tmp.model;
  tmp.dispose();
  const weights = initWeights(model, cfg.seed);
  mkdirSync(WORK_DIR, { recursive: true });
  const wPath = join(WORK_DIR, 'train-bench.init.safetensors'), iPath = join(WORK_DIR, 'train-bench.inputs.json');
  exportSafetensors(wPath, model, weights);
  writeFileSync(iPath, JSON.stringify({ config: cfg, resolved: model, batches: batches.map((b) => ({ B: b.B, T: b.T, ids: Array.from(b.ids), targets: Array.from(b.targets) })) }));

  const rows: Row[] = [];
  const notes: string[] = [`load average at start: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores (shared machine: compare the per-CPU-second column across rows)`];
  const tokensPerStep = B * blockSize;

  // PyTorch reference.
  let torchTps: number | null = null, torchCpuTps: number | null = null;
  if (!existsSync(PYTHON)) notes.push('PyTorch row skipped: /usr/bin/python3 missing');
  else {
    const r = spawnSync(PYTHON, [TORCH_SCRIPT, '--bench', iPath, wPath, '1', '3'], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
    if (r.status !== 0) notes.push(`PyTorch row skipped: ${(r.stderr || '').trim().split('\n').pop()} (apt-get install python3-torch libopenblas0-pthread)`);
    else {
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { torch: string; stepSeconds: number; cpuSeconds: number; losses: number[] };
      torchTps = tokensPerStep / j.stepSeconds;
      torchCpuTps = tokensPerStep / j.cpuSeconds;
      rows.push({ backend: `PyTorch ${j.torch} CPU (OpenBLAS, 1 torch + 2 BLAS threads)`, 'tokens/step': tokensPerStep, 'step s': j.stepSeconds, 'tokens/s': torchTps, 'tokens/CPU-s': torchCpuTps, MFU: (torchTps * flopsPerToken(model)) / PEAK, 'vs PyTorch': 1, 'first loss': j.losses[0] });
    }
  }

  const plan: Array<{ backend: string; warmup: number; steps: number; rows?: number; replicas?: number; note?: string }> = [
    { backend: 'wasm', warmup: 1, steps: 3 },
    { backend: 'wasm', warmup: 1, steps: 3, replicas: 2, note: '×2 = data parallel over 2 threads, each with its own wasm instance (trainer/parallel.ts)' },
    { backend: 'cpu', warmup: 0, steps: 1, rows: 1, note: 'one step of a single 256-token row (the cpu backend is ~20× slower than wasm)' },
  ];
  let fpt = 0;
  for (const p of plan) {
    try {
      await selectBackend(p.backend, { quiet: true });
    } catch (e) {
      notes.push(`${p.backend}: unavailable (${(e as Error).message})`);
      continue;
    }
    const bs = p.rows ? batches.map((b) => ({ ...b, B: p.rows!, ids: b.ids.subarray(0, p.rows! * b.T), targets: b.targets.subarray(0, p.rows! * b.T) })) : batches;
    const r = await timeSteps(cfg, weights, bs, p.warmup, p.steps, p.replicas ?? 1, p.backend);
    fpt = r.fpt;
    const tps = r.tokensPerStep / r.wall;
    rows.push({
      backend: `tokenmill tfjs-${p.backend}${p.replicas ? ` ×${p.replicas}` : ''}`,
      'tokens/step': r.tokensPerStep,
      'step s': r.wall,
      'tokens/s': tps,
      'tokens/CPU-s': r.tokensPerStep / r.cpu,
      MFU: (tps * r.fpt) / PEAK,
      'vs PyTorch': torchTps ? tps / torchTps : null,
      'first loss': r.losses[0],
    });
    if (p.note) notes.push(`${p.backend}${p.replicas ? ` ×${p.replicas}` : ''}: ${p.note}`);
  }
  // Native backends (tfjs-node / -gpu) are measured when they load.
  for (const b of ['tensorflow-gpu', 'tensorflow']) {
    try {
      await selectBackend(b, { quiet: true });
      const r = await timeSteps(cfg, weights, batches, 1, 3);
      const tps = tokensPerStep / r.wall;
      rows.push({ backend: `tokenmill ${b}`, 'step s': r.wall, 'tokens/s': tps, 'tokens/CPU-s': tokensPerStep / r.cpu, MFU: (tps * r.fpt) / PEAK, 'vs PyTorch': torchTps ? tps / torchTps : null, 'first loss': r.losses[0] });
    } catch (e) {
      notes.push(`${b}: not measured (${(e as Error).message.slice(0, 120)})`);
    }
  }
  await selectBackend('wasm', { quiet: true }).catch(() => {});
  notes.push(`${(fpt / 1e6).toFixed(1)} MFLOP/token (6N + 12·L·d·T); MFU against ${PEAK / 1e9} GFLOP/s`);
  notes.push('first loss: the same batch and weights in both frameworks (ln 8192 = 9.01)');
  report({ name: 'train', title: 'Trainer: one optimizer step of the issue-8 model (2,048 tokens)', rows, notes });
}
