// The training loop: gradient accumulation, global-norm clipping, AdamW, warmup + cosine, eval, metrics,
// checkpoints. Independent of where batches come from (BatchSource) and of the CLI.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.ts';
import type { BatchSource } from './data.ts';
import { decayNames, disposeParams, flopsPerToken, initParams, lossOf, makeParams, paramCount, resolveConfig, type ModelConfig, type Params, type ResolvedConfig } from './model.ts';
import { AdamW, clipByGlobalNorm } from './optimizer.ts';
import { DataParallel } from './parallel.ts';
import { Rng } from './rng.ts';
import { lrAt } from './schedule.ts';

export interface TrainConfig {
  model: ModelConfig;
  /** Rows per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  /** Optimizer steps in total. */
  steps: number;
  lr: number;
  minLr?: number;
  warmupSteps: number;
  /** Step where the cosine reaches minLr (default: steps). */
  decaySteps?: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global-norm clip (0 = off). */
  gradClip: number;
  seed: number;
  /** Progress line every N steps. */
  logEvery: number;
  /** Validation loss every N steps (0 = never) over evalBatches batches. */
  evalEvery: number;
  evalBatches: number;
  /** Checkpoint every N steps (0 = only at exit). */
  ckptEvery: number;
  /** Checkpoints kept on disk. */
  keepCheckpoints: number;
  /** Token dataset (tokenmill shards) and its validation split. */
  /** valFraction: share of rows held out for validation when there is no valPath (default 0.05). */
  data: { path: string; valPath?: string; valFraction?: number; eosId?: number };
  /** Data-parallel threads (each its own wasm instance; wasm itself runs on one core). Default 1. */
  threads?: number;
  /** Peak FLOP/s used for the MFU estimate (default: 270e9, fp32 matmul peak of this 2-core machine). */
  peakFlops?: number;
}

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
  tokPerSec: number;
  mfu: number;
  valLoss?: number;
  valPpl?: number;
}

export class Trainer {
  readonly model: ResolvedConfig;
  params: Params;
  opt: AdamW;
  step = 0;
  tokensSeen = 0;
  rng: Rng;
  readonly flopsPerToken: number;
  private varToName = new Map<string, string>();
  /** Set by enableDataParallel: micro-batches are split across worker threads. */
  private dp: DataParallel | null = null;

  constructor(readonly cfg: TrainConfig, weights?: Record<string, Float32Array>) {
    this.model = resolveConfig(cfg.model);
    this.params = weights ? makeParams(this.model, weights) : initParams(this.model, cfg.seed);
    for (const [n, v] of Object.entries(this.params)) this.varToName.set(v.name, n);
    this.opt = new AdamW(this.params, decayNames(this.model), { beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps, weightDecay: cfg.weightDecay });
    this.rng = new Rng(cfg.seed ^ 0x5eed);
    this.flopsPerToken = flopsPerToken(this.model);
  }

  lrAt(step: number): number {
    return lrAt({ lr: this.cfg.lr, minLr: this.cfg.minLr, warmupSteps: this.cfg.warmupSteps, decaySteps: this.cfg.decaySteps ?? this.cfg.steps }, step);
  }

  /** Split every micro-batch across `replicas` threads (wasm uses one core per instance). */
  async enableDataParallel(replicas: number, backend: string): Promise<void> {
    if (replicas > 1 && !this.dp) this.dp = await DataParallel.create(this.model, this.params, replicas, backend);
  }

  /** Summed-then-averaged gradients of gradAccum micro-batches; returns mean loss. */
  async gradients(src: BatchSource): Promise<{ loss: number; grads: Record<string, tf.Tensor>; tokens: number }> {
    const list = Object.values(this.params);
    let acc: Record<string, tf.Tensor> | null = null;
    let lossSum = 0, tokens = 0;
    const k = this.cfg.gradAccum;
    for (let i = 0; i < k; i++) {
      const b = await src.next();
      tokens += b.B * b.T;
      let named: Record<string, tf.Tensor> = {};
      if (this.dp) {
        const r = await this.dp.gradients(b);
        lossSum += r.loss;
        named = r.grads;
      } else {
        const { value, grads } = tf.variableGrads(() => lossOf(this.model, this.params, b), list);
        lossSum += (await value.data())[0];
        value.dispose();
        for (const [vn, g] of Object.entries(grads)) named[this.varToName.get(vn)!] = g;
      }
      if (!acc) acc = named;
      else {
        for (const n of Object.keys(acc)) {
          const s = tf.add(acc[n], named[n]);
          acc[n].dispose();
          named[n].dispose();
          acc[n] = s;
        }
      }
    }
    if (k > 1) {
      for (const n of Object.keys(acc!)) {
        const s = tf.div(acc![n], k);
        acc![n].dispose();
        acc![n] = s;
      }
    }
    return { loss: lossSum / k, grads: acc!, tokens };
  }

  /** One optimizer step. */
  async trainStep(src: BatchSource): Promise<{ loss: number; lr: number; gradNorm: number; tokens: number }> {
    const { loss, grads, tokens } = await this.gradients(src);
    const gradNorm = clipByGlobalNorm(grads, this.cfg.gradClip);
    const lr = this.lrAt(this.step);
    this.opt.step(grads, lr);
    for (const g of Object.values(grads)) g.dispose();
    this.dp?.publish();
    this.step++;
    this.tokensSeen += tokens;
    return { loss, lr, gradNorm, tokens };
  }

  /** Mean loss over n batches of src (no gradients). */
  async evaluate(src: BatchSource, n: number): Promise<number> {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const b = await src.next();
      const l = tf.tidy(() => lossOf(this.model, this.params, b));
      sum += (await l.data())[0];
      l.dispose();
    }
    return sum / n;
  }

  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [n, v] of Object.entries(this.params)) out[n] = v.dataSync() as Float32Array;
    return out;
  }

  dispose(): void {
    disposeParams(this.params);
    this.opt.dispose();
    void this.dp?.close();
  }
}

export interface RunOptions {
  outDir: string;
  train: BatchSource;
  val?: BatchSource;
  /** Continue from the latest checkpoint in outDir. */
  resume?: boolean;
  /** Stop (with a checkpoint) after this many steps of this invocation — used by tests. */
  stopAfter?: number;
  /** Open the sources given the loader states found in a checkpoint (resume). */
  reopen?: (trainState: unknown, valState: unknown) => Promise<{ train: BatchSource; val?: BatchSource }>;
  log?: (line: string) => void;
  /** Backend name for data-parallel worker threads (default wasm). */
  backend?: string;
  /** Extra JSON stored in each checkpoint (e.g. the tokenizer spec for generation). */
  meta?: Record<string, unknown>;
}

/**
 * Train cfg.steps steps, logging metrics to outDir/metrics.jsonl and checkpointing to
 * outDir/checkpoints. SIGINT finishes the current step, writes a checkpoint and returns.
 */
export async function runTraining(cfg: TrainConfig, o: RunOptions): Promise<{ trainer: Trainer; metrics: StepMetrics[]; interrupted: boolean }> {
  const log = o.log ?? ((s: string) => console.log(s));
  const metricsPath = `${o.outDir}/metrics.jsonl`;
  let trainer: Trainer;
  let { train, val } = o;
  if (o.resume) {
    const ck = loadCheckpoint(o.outDir);
    if (!ck) throw new Error(`--resume: no checkpoint in ${o.outDir}/checkpoints`);
    trainer = new Trainer(cfg, ck.weights);
    restoreTrainerState(trainer, ck.state, ck.moments);
    if (o.reopen) ({ train, val } = await o.reopen(ck.state.loader, ck.state.valLoader));
    // Drop metrics recorded after the checkpoint: they will be recomputed identically.
    if (existsSync(metricsPath)) {
      const kept = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as StepMetrics).step <= ck.state.step);
      writeFileSync(metricsPath, kept.map((l) => l + '\n').join(''));
    }
    log(`resumed from step ${ck.state.step} (${ck.dir})`);
  } else {
    trainer = new Trainer(cfg);
    writeFileSync(metricsPath, '');
  }
  if ((cfg.threads ?? 1) > 1) await trainer.enableDataParallel(cfg.threads!, o.backend ?? 'wasm');
  const { total, nonEmbedding } = paramCount(trainer.model);
  log(`model: ${cfg.model.arch}, ${(total / 1e6).toFixed(2)}M parameters${(cfg.threads ?? 1) > 1 ? `, ${cfg.threads} data-parallel threads` : ''} (${(nonEmbedding / 1e6).toFixed(2)}M non-embedding), ${(trainer.flopsPerToken / 1e6).toFixed(1)} MFLOP/token`);

  let interrupted = false;
  let firstSigint = 0;
  const onSigint = () => {
    // A Ctrl-C can arrive twice at once (from the terminal and relayed by tsx/pnpm): only a second
    // one a while later aborts without a checkpoint.
    if (interrupted) {
      if (Date.now() - firstSigint > 2000) process.exit(130);
      return;
    }
    interrupted = true;
    firstSigint = Date.now();
    log('SIGINT: finishing this step and writing a checkpoint (Ctrl-C again to abort)');
  };
  process.on('SIGINT', onSigint);
  const save = () => {
    const dir = saveCheckpoint(o.outDir, trainer, { loader: train.state(), valLoader: val?.state(), config: cfg, meta: o.meta ?? {} }, cfg.keepCheckpoints);
    return dir;
  };
  const metrics: StepMetrics[] = [];
  const peak = cfg.peakFlops ?? 270e9;
  let ran = 0;
  try {
    while (trainer.step < cfg.steps && !interrupted) {
      const t0 = performance.now();
      const r = await trainer.trainStep(train);
      const dt = (performance.now() - t0) / 1000;
      const tokPerSec = r.tokens / dt;
      const m: StepMetrics = { step: trainer.step, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, tokens: trainer.tokensSeen, tokPerSec, mfu: (tokPerSec * trainer.flopsPerToken) / peak };
      if (val && cfg.evalEvery > 0 && (trainer.step % cfg.evalEvery === 0 || trainer.step === cfg.steps)) {
        m.valLoss = await trainer.evaluate(val, cfg.evalBatches);
        m.valPpl = Math.exp(m.valLoss);
      }
      metrics.push(m);
      appendFileSync(metricsPath, JSON.stringify(m) + '\n');
      if (trainer.step % cfg.logEvery === 0 || trainer.step === cfg.steps || m.valLoss !== undefined) log(progressLine(m, cfg.steps));
      ran++;
      if (cfg.ckptEvery > 0 && trainer.step % cfg.ckptEvery === 0) save();
      if (o.stopAfter !== undefined && ran >= o.stopAfter) break;
      await new Promise((r) => setImmediate(r)); // let signal handlers run between steps
    }
    const dir = save();
    log(`checkpoint: ${dir}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { trainer, metrics, interrupted };
}

export function progressLine(m: StepMetrics, steps: number): string {
  const parts = [
    `step ${m.step}/${steps}`,
    `loss ${m.loss.toFixed(4)}`,
    `lr ${m.lr.toExponential(2)}`,
    `grad-norm ${m.gradNorm.toFixed(3)}`,
    `${m.tokPerSec.toFixed(0)} tok/s`,
    `MFU ${(m.mfu * 100).toFixed(2)}%`,
  ];
  if (m.valLoss !== undefined) parts.push(`val loss ${m.valLoss.toFixed(4)} ppl ${m.valPpl!.toFixed(2)}`);
  return parts.join(' | ');
}

function restoreTrainerState(t: Trainer, st: CheckpointState, moments: { m: Record<string, Float32Array>; v: Record<string, Float32Array> }): void {
  t.step = st.step;
  t.tokensSeen = st.tokensSeen;
  t.rng.setState(st.rng);
  t.opt.t = st.optimizerStep;
  for (const n of Object.keys(t.params)) {
    const m = moments.m[n], v = moments.v[n];
    if (!m || !v) throw new Error(`checkpoint: optimizer state lacks ${n}`);
    tf.tidy(() => {
      t.opt.m[n].assign(tf.tensor(m, t.params[n].shape));
      t.opt.v[n].assign(tf.tensor(v, t.params[n].shape));
    });
  }
}
