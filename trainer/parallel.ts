// Data parallelism across threads: wasm tfjs runs single-threaded, so each extra worker thread holds a
// replica with its own wasm instance. Per micro-batch, rows are split between the main thread and the
// workers; each computes the gradient of its rows' mean loss, and the main thread combines them weighted
// by target count (= the full batch's mean-loss gradient) before clipping and the AdamW step.
// Parameters travel through one SharedArrayBuffer (written once per optimizer step), gradients through
// one per worker.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { lossOf, paramSpecs, type BatchInputs, type Params, type ResolvedConfig } from './model.ts';

const WORKER = fileURLToPath(new URL('./parallel-worker.mjs', import.meta.url));

function sliceRows(b: BatchInputs, r0: number, r1: number): BatchInputs {
  const T = b.T;
  return { B: r1 - r0, T, ids: b.ids.slice(r0 * T, r1 * T), targets: b.targets.slice(r0 * T, r1 * T), docStarts: b.docStarts?.slice(r0, r1) };
}

const validTargets = (b: BatchInputs) => b.targets.reduce((n, t) => n + (t >= 0 ? 1 : 0), 0);

export class DataParallel {
  private version = 0;
  /** Reply handlers of the step in flight, one per worker (one listener each, set at start). */
  private pending: Array<{ resolve: (loss: number) => void; reject: (e: Error) => void } | null> = [];
  private constructor(
    private readonly model: ResolvedConfig,
    private readonly params: Params,
    private readonly workers: Worker[],
    private readonly pAll: Float32Array,
    private readonly gAll: Float32Array[],
    private readonly offsets: number[],
  ) {}

  /** Start `replicas − 1` worker threads (the main thread is one replica). */
  static async create(model: ResolvedConfig, params: Params, replicas: number, backend: string): Promise<DataParallel> {
    const specs = paramSpecs(model);
    const offsets: number[] = [];
    let total = 0;
    for (const s of specs) {
      offsets.push(total);
      total += s.shape.reduce((a, b) => a * b, 1);
    }
    const pSab = new SharedArrayBuffer(total * 4);
    const gSabs = Array.from({ length: replicas - 1 }, () => new SharedArrayBuffer(total * 4));
    const dp = new DataParallel(model, params, [], new Float32Array(pSab), gSabs.map((g) => new Float32Array(g)), offsets);
    dp.publish();
    for (const g of gSabs) {
      const w = new Worker(WORKER, { workerData: { model, backend, params: pSab, grads: g } });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      const k = dp.workers.length;
      dp.pending.push(null);
      w.on('message', (m: { loss: number }) => dp.pending[k]?.resolve(m.loss));
      w.on('error', (e) => dp.pending[k]?.reject(e));
      w.on('exit', (code) => dp.pending[k]?.reject(new Error(`data-parallel worker ${k + 1} exited (${code})`)));
      dp.workers.push(w);
    }
    return dp;
  }

  /** Copy the current parameters into the shared buffer (after every optimizer step). */
  publish(): void {
    paramSpecs(this.model).forEach((s, i) => this.pAll.set(this.params[s.name].dataSync() as Float32Array, this.offsets[i]));
    this.version++;
  }

  /** Loss and gradients (keyed by parameter name) of the whole batch's mean loss. */
  async gradients(b: BatchInputs): Promise<{ loss: number; grads: Record<string, tf.Tensor> }> {
    const parts = this.workers.length + 1;
    const per = Math.ceil(b.B / parts);
    const pieces = Array.from({ length: parts }, (_, i) => sliceRows(b, Math.min(b.B, i * per), Math.min(b.B, (i + 1) * per))).filter((x) => x.B > 0);
    const replies = pieces.slice(1).map(
      (piece, i) =>
        new Promise<number>((resolve, reject) => {
          this.pending[i] = {
            resolve: (l) => {
              this.pending[i] = null;
              resolve(l);
            },
            reject,
          };
          this.workers[i].postMessage({ batch: piece, version: this.version });
        }),
    );
    const specs = paramSpecs(this.model);
    const list = specs.map((s) => this.params[s.name]);
    const byVar = new Map(list.map((v, i) => [v.name, specs[i].name]));
    const { value, grads } = tf.variableGrads(() => lossOf(this.model, this.params, pieces[0]), list);
    const mainLoss = (await value.data())[0];
    value.dispose();
    const losses = await Promise.all(replies);
    const counts = pieces.map(validTargets);
    const total = Math.max(1, counts.reduce((a, c) => a + c, 0));
    const out: Record<string, tf.Tensor> = {};
    for (const [vn, g] of Object.entries(grads)) {
      const name = byVar.get(vn)!;
      const i = specs.findIndex((s) => s.name === name);
      const n = g.size;
      out[name] = tf.tidy(() => {
        let acc = tf.mul(g, counts[0] / total);
        this.gAll.slice(0, pieces.length - 1).forEach((ga, w) => {
          acc = tf.add(acc, tf.mul(tf.tensor(ga.subarray(this.offsets[i], this.offsets[i] + n), g.shape), counts[w + 1] / total));
        });
        return acc;
      });
      g.dispose();
    }
    const loss = (mainLoss * counts[0] + losses.reduce((a, l, w) => a + l * counts[w + 1], 0)) / total;
    return { loss, grads: out };
  }

  async close(): Promise<void> {
    this.pending = this.pending.map(() => null);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
