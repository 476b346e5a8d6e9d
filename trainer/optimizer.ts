// AdamW with decoupled weight decay (Loshchilov & Hutter), step for step what torch.optim.AdamW does:
//   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
//   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
// Weight decay applies only to the parameters named in `decay` (≥2-D matmul weights; not biases, norm
// gains or embeddings). Also global-norm gradient clipping as torch.nn.utils.clip_grad_norm_.
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export class AdamW {
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};
  /** Number of updates applied so far (t in the bias corrections). */
  t = 0;

  constructor(
    readonly params: Record<string, tf.Variable>,
    readonly decay: Set<string>,
    readonly cfg: AdamWConfig = ADAMW_DEFAULTS,
  ) {
    for (const [n, p] of Object.entries(params)) {
      this.m[n] = tf.variable(tf.zerosLike(p), false, `adam_m/${n}`);
      this.v[n] = tf.variable(tf.zerosLike(p), false, `adam_v/${n}`);
    }
  }

  /** Apply one update with learning rate lr; grads are not disposed. */
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2sqrt = Math.sqrt(1 - Math.pow(beta2, this.t));
    const stepSize = lr / bc1;
    tf.tidy(() => {
      for (const [n, p] of Object.entries(this.params)) {
        const g = grads[n];
        if (!g) throw new Error(`AdamW: no gradient for ${n}`);
        const m = tf.add(tf.mul(this.m[n], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[n], beta2), tf.mul(tf.square(g), 1 - beta2));
        const base = this.decay.has(n) && weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const denom = tf.add(tf.div(tf.sqrt(v), bc2sqrt), eps);
        p.assign(tf.sub(base, tf.mul(tf.div(m, denom), stepSize)));
        this.m[n].assign(m);
        this.v[n].assign(v);
      }
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}

/** Global L2 norm of all gradients (as a JS number). */
export function globalNorm(grads: Record<string, tf.Tensor>): number {
  return tf.tidy(() => {
    const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return Math.sqrt((tf.addN(sq) as tf.Scalar).dataSync()[0]);
  });
}

/**
 * Scale gradients in place so their global norm is at most maxNorm (torch's clip_grad_norm_: factor
 * maxNorm / (norm + 1e-6), clamped to 1). Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (maxNorm > 0) {
    const coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      for (const n of Object.keys(grads)) {
        const old = grads[n];
        grads[n] = tf.mul(old, coef);
        old.dispose();
      }
    }
  }
  return norm;
}
