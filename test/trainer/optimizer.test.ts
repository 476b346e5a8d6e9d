// AdamW against the closed-form update (computed here in float64), weight decay only where asked,
// global-norm clipping as torch's clip_grad_norm_, and nanoGPT's warmup + cosine schedule.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../trainer/backend.ts';
import { AdamW, clipByGlobalNorm, globalNorm } from '../../trainer/optimizer.ts';
import { lrAt } from '../../trainer/schedule.ts';

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
});

describe('AdamW', () => {
  it('matches the closed-form decoupled update over several steps, decaying only named parameters', () => {
    const w0 = [0.5, -1.25, 2.0], b0 = [0.1, -0.2];
    const params = { w: tf.variable(tf.tensor1d(w0), true, 'opt-test-w'), b: tf.variable(tf.tensor1d(b0), true, 'opt-test-b') };
    const cfg = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    const opt = new AdamW(params, new Set(['w']), cfg);
    const gradsSeq = [
      { w: [0.3, -0.1, 0.05], b: [1.0, -2.0] },
      { w: [-0.2, 0.4, 0.0], b: [0.5, 0.5] },
      { w: [0.1, 0.1, -0.3], b: [-1.0, 0.25] },
    ];
    const lrs = [1e-2, 5e-3, 2e-2];
    // Reference, float64.
    const ref = { w: [...w0], b: [...b0] };
    const m = { w: [0, 0, 0], b: [0, 0] }, v = { w: [0, 0, 0], b: [0, 0] };
    gradsSeq.forEach((g, i) => {
      const t = i + 1, lr = lrs[i];
      for (const n of ['w', 'b'] as const) {
        for (let j = 0; j < ref[n].length; j++) {
          if (n === 'w') ref[n][j] *= 1 - lr * cfg.weightDecay;
          m[n][j] = cfg.beta1 * m[n][j] + (1 - cfg.beta1) * g[n][j];
          v[n][j] = cfg.beta2 * v[n][j] + (1 - cfg.beta2) * g[n][j] ** 2;
          const mh = m[n][j] / (1 - cfg.beta1 ** t), vh = v[n][j] / (1 - cfg.beta2 ** t);
          ref[n][j] -= (lr * mh) / (Math.sqrt(vh) + cfg.eps);
        }
      }
      const gt = { w: tf.tensor1d(g.w), b: tf.tensor1d(g.b) };
      opt.step(gt, lr);
      tf.dispose(gt);
    });
    const got = { w: Array.from(params.w.dataSync()), b: Array.from(params.b.dataSync()) };
    for (const n of ['w', 'b'] as const) for (let j = 0; j < ref[n].length; j++) expect(got[n][j]).toBeCloseTo(ref[n][j], 6);
    // Without decay w would differ measurably: the test can tell decay from no decay.
    expect(Math.abs(got.w[2] - ref.w[2])).toBeLessThan(1e-6);
    expect(opt.t).toBe(3);
    opt.dispose();
    tf.dispose(params);
  });

  it('clips by global norm like clip_grad_norm_ and leaves small gradients alone', () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    expect(globalNorm(g)).toBeCloseTo(5, 6);
    const before = clipByGlobalNorm(g, 1);
    expect(before).toBeCloseTo(5, 6);
    expect(globalNorm(g)).toBeCloseTo(5 / (5 + 1e-6), 6);
    expect(Array.from(g.a.dataSync())[0]).toBeCloseTo(3 / 5, 5);
    const h = { a: tf.tensor1d([0.3, 0.4]) };
    clipByGlobalNorm(h, 1);
    expect(Array.from(h.a.dataSync())).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    tf.dispose([g, h]);
  });
});

describe('schedule', () => {
  const s = { lr: 6e-4, warmupSteps: 10, decaySteps: 110 };
  it('warms up linearly, decays by cosine to lr/10, then stays there', () => {
    expect(lrAt(s, 0)).toBeCloseTo((6e-4 * 1) / 11, 12);
    expect(lrAt(s, 9)).toBeCloseTo((6e-4 * 10) / 11, 12);
    expect(lrAt(s, 10)).toBeCloseTo(6e-4, 12);
    expect(lrAt(s, 60)).toBeCloseTo(6e-5 + 0.5 * (6e-4 - 6e-5), 12);
    expect(lrAt(s, 110)).toBeCloseTo(6e-5, 12);
    expect(lrAt(s, 5000)).toBeCloseTo(6e-5, 12);
    for (let i = 11; i < 110; i++) expect(lrAt(s, i)).toBeLessThan(lrAt(s, i - 1));
  });
});
