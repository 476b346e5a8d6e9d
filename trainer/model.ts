// Decoder-only transformer in tfjs, config-driven: GPT-2 style (learned positions, LayerNorm, GELU, tied
// embeddings, biases) and LLaMA style (RMSNorm, RoPE, SwiGLU, optional grouped-query attention).
//
// Written for the wasm backend, whose slow paths decide the shape of the code:
// - every matmul is a 2-D `tf.matMul` without transpose flags; `mm`/`mmBT` carry custom gradients that
//   transpose explicitly (transposed and batched matMuls run ~10× slower there);
// - embeddings carry a scatter-add gradient (`tf.gather`'s gradient needs UnsortedSegmentSum, which the
//   wasm backend lacks);
// - Q, K and V are separate projections (no split), and attention is a single custom op that runs
//   per-(batch, head) 2-D matmuls forward and backward, with the softmax batched over all heads.
// Linear weights are stored [in, out] (y = x @ W), the layout of HF GPT-2's Conv1D.
import * as tf from '@tensorflow/tfjs';
import { Rng } from './rng.ts';

export interface ModelConfig {
  arch: 'gpt2' | 'llama';
  vocabSize: number;
  /** Context length (tokens per training row, excluding the extra target token). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Key/value heads for grouped-query attention (llama); defaults to nHead. */
  nKvHead?: number;
  dModel: number;
  /** MLP hidden size; gpt2 default 4·d, llama default ⌈(8/3)·d / 32⌉·32. */
  ffnHidden?: number;
  /** Tie the LM head to the token embedding (default: gpt2 true, llama false). */
  tieEmbeddings?: boolean;
  /** Linear/norm biases (default: gpt2 true, llama false). */
  bias?: boolean;
  normEps?: number;
  ropeTheta?: number;
  /** Attend only within a document and restart positions at each document start. */
  docMask?: boolean;
}

export interface ResolvedConfig extends Required<ModelConfig> {
  headDim: number;
}

export function resolveConfig(c: ModelConfig): ResolvedConfig {
  const llama = c.arch === 'llama';
  const r: ResolvedConfig = {
    arch: c.arch,
    vocabSize: c.vocabSize,
    blockSize: c.blockSize,
    nLayer: c.nLayer,
    nHead: c.nHead,
    nKvHead: c.nKvHead ?? c.nHead,
    dModel: c.dModel,
    ffnHidden: c.ffnHidden ?? (llama ? Math.ceil((8 * c.dModel) / 3 / 32) * 32 : 4 * c.dModel),
    tieEmbeddings: c.tieEmbeddings ?? !llama,
    bias: c.bias ?? !llama,
    normEps: c.normEps ?? (llama ? 1e-6 : 1e-5),
    ropeTheta: c.ropeTheta ?? 10000,
    docMask: c.docMask ?? false,
    headDim: c.dModel / c.nHead,
  };
  const bad = (m: string) => {
    throw new Error(`model config: ${m}`);
  };
  if (!['gpt2', 'llama'].includes(r.arch)) bad(`arch must be "gpt2" or "llama", got "${r.arch}"`);
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nKvHead', 'dModel', 'ffnHidden'] as const) {
    if (!Number.isInteger(r[k]) || r[k] <= 0) bad(`${k} must be a positive integer, got ${r[k]}`);
  }
  if (r.dModel % r.nHead) bad(`dModel ${r.dModel} is not divisible by nHead ${r.nHead}`);
  if (r.nHead % r.nKvHead) bad(`nHead ${r.nHead} is not divisible by nKvHead ${r.nKvHead}`);
  if (r.arch === 'llama' && r.headDim % 2) bad(`RoPE needs an even head dimension, got ${r.headDim}`);
  if (r.arch === 'gpt2' && r.nKvHead !== r.nHead) bad('grouped-query attention (nKvHead) is only for arch "llama"');
  return r;
}

export type Params = Record<string, tf.Variable>;

interface ParamSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'residual' | 'zeros' | 'ones';
  /** AdamW weight decay applies (≥2-D matmul weights, not embeddings). */
  decay: boolean;
}

export function paramSpecs(c: ResolvedConfig): ParamSpec[] {
  const d = c.dModel, hd = c.headDim, ff = c.ffnHidden;
  const s: ParamSpec[] = [];
  const lin = (name: string, i: number, o: number, residual = false) => {
    s.push({ name: `${name}.weight`, shape: [i, o], init: residual ? 'residual' : 'normal', decay: true });
    if (c.bias) s.push({ name: `${name}.bias`, shape: [o], init: 'zeros', decay: false });
  };
  const norm = (name: string) => {
    s.push({ name: `${name}.weight`, shape: [d], init: 'ones', decay: false });
    if (c.arch === 'gpt2' && c.bias) s.push({ name: `${name}.bias`, shape: [d], init: 'zeros', decay: false });
  };
  s.push({ name: 'wte', shape: [c.vocabSize, d], init: 'normal', decay: false });
  if (c.arch === 'gpt2') s.push({ name: 'wpe', shape: [c.blockSize, d], init: 'normal', decay: false });
  for (let l = 0; l < c.nLayer; l++) {
    const p = `h.${l}`;
    norm(`${p}.ln1`);
    lin(`${p}.attn.q`, d, c.nHead * hd);
    lin(`${p}.attn.k`, d, c.nKvHead * hd);
    lin(`${p}.attn.v`, d, c.nKvHead * hd);
    lin(`${p}.attn.o`, c.nHead * hd, d, true);
    norm(`${p}.ln2`);
    if (c.arch === 'gpt2') {
      lin(`${p}.mlp.fc`, d, ff);
      lin(`${p}.mlp.proj`, ff, d, true);
    } else {
      lin(`${p}.mlp.gate`, d, ff);
      lin(`${p}.mlp.up`, d, ff);
      lin(`${p}.mlp.down`, ff, d, true);
    }
  }
  norm('lnf');
  if (!c.tieEmbeddings) s.push({ name: 'lm_head.weight', shape: [d, c.vocabSize], init: 'normal', decay: true });
  return s;
}

/** GPT-2 init: N(0, 0.02), residual output projections N(0, 0.02/√(2L)), biases 0, norm gains 1. */
export function initWeights(c: ResolvedConfig, seed: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  const out: Record<string, Float32Array> = {};
  for (const sp of paramSpecs(c)) {
    const n = sp.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (sp.init === 'ones') data.fill(1);
    else if (sp.init !== 'zeros') {
      const std = sp.init === 'residual' ? 0.02 / Math.sqrt(2 * c.nLayer) : 0.02;
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    }
    out[sp.name] = data;
  }
  return out;
}

let modelSerial = 0;

/** tf.Variables for the given weights (names checked against the config's parameter list). */
export function makeParams(c: ResolvedConfig, weights: Record<string, { length: number } & ArrayLike<number>>): Params {
  const serial = modelSerial++;
  const out: Params = {};
  const specs = paramSpecs(c);
  for (const sp of specs) {
    const w = weights[sp.name];
    const n = sp.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new Error(`weights: missing tensor ${sp.name}`);
    if (w.length !== n) throw new Error(`weights: ${sp.name} has ${w.length} values, expected shape [${sp.shape}]`);
    // tfjs variable names are global: suffix a serial so several models can live in one process.
    out[sp.name] = tf.variable(tf.tensor(w as Float32Array, sp.shape, 'float32'), true, `${sp.name}@${serial}`);
  }
  const extra = Object.keys(weights).filter((k) => !specs.some((s) => s.name === k));
  if (extra.length) throw new Error(`weights: unexpected tensors ${extra.slice(0, 3).join(', ')} for this model config`);
  return out;
}

export function initParams(c: ResolvedConfig, seed: number): Params {
  return makeParams(c, initWeights(c, seed));
}

export function disposeParams(p: Params): void {
  for (const v of Object.values(p)) v.dispose();
}

/** Parameter names that take weight decay. */
export function decayNames(c: ResolvedConfig): Set<string> {
  return new Set(paramSpecs(c).filter((s) => s.decay).map((s) => s.name));
}

export function paramCount(c: ResolvedConfig): { total: number; nonEmbedding: number } {
  let total = 0, emb = 0;
  for (const sp of paramSpecs(c)) {
    const n = sp.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (sp.name === 'wte' || sp.name === 'wpe') emb += n;
  }
  return { total, nonEmbedding: total - emb };
}

/**
 * Training FLOPs per token (forward + backward), as nanoGPT/PaLM count them: 6 × matmul weights
 * (the LM head included) + 12 · L · d · T for the attention score and value matmuls.
 */
export function flopsPerToken(c: ResolvedConfig): number {
  let mm = 0;
  for (const sp of paramSpecs(c)) if (sp.shape.length === 2 && sp.name !== 'wte' && sp.name !== 'wpe') mm += sp.shape[0] * sp.shape[1];
  if (c.tieEmbeddings) mm += c.vocabSize * c.dModel;
  return 6 * mm + 12 * c.nLayer * c.dModel * c.blockSize;
}

/** Rough peak bytes of one training micro-step (weights, grads, Adam moments, activations). */
export function estimateTrainBytes(c: ResolvedConfig, microBatch: number): number {
  const N = microBatch * c.blockSize;
  const P = paramCount(c).total;
  const perLayer = N * (14 * c.dModel + 4 * c.ffnHidden) + 3 * microBatch * c.nHead * c.blockSize * c.blockSize;
  const acts = c.nLayer * perLayer + 4 * N * c.vocabSize;
  return 4 * (5 * P + 1.5 * acts);
}

// ---------------------------------------------------------------- custom-gradient primitives

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
/** tf.customGrad with the loose typing its variadic signature needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function customGrad<F>(f: (...args: any[]) => { value: tf.Tensor; gradFunc: GradFn }): F {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

/** a[m,k] @ b[k,n] with a gradient made of plain 2-D matMuls and explicit transposes. */
export const mm = customGrad<(a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

/** a[m,k] @ b[n,k]ᵀ (the tied LM head: hidden @ wteᵀ). */
export const mmBT = customGrad<(a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, tf.transpose(b as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      // d b = dyᵀ a = (aᵀ dy)ᵀ: transposing the small [k,n] result instead of dy [m,n].
      return [tf.matMul(dy as tf.Tensor2D, sb), tf.transpose(tf.matMul(tf.transpose(sa), dy as tf.Tensor2D))];
    },
  };
});

/** Rows of table[V,d] at ids (int32 [N]); gradient is a scatter-add into the table. */
export function embed(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const f = customGrad<(w: tf.Tensor) => tf.Tensor2D>((w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ids]); // saved, not captured: tensors only a closure holds are disposed before backward
    return {
      value: tf.gather(w, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, w.shape),
    };
  });
  return f(table);
}

/** Column sums of a [N, n] gradient as a [1,N]·[N,n] matMul (axis-0 tf.sum transposes first on wasm: ~10× slower). */
function colSum(dy: tf.Tensor, n: number): tf.Tensor {
  const rows = dy.size / n;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(dy, [rows, n]) as tf.Tensor2D), [n]);
}

/** x[N, n] + b[n] (row broadcast) with the bias gradient as colSum. */
export const addRow = customGrad<(x: tf.Tensor, b: tf.Tensor) => tf.Tensor2D>((x: tf.Tensor, b: tf.Tensor) => ({
  value: tf.add(x, b),
  gradFunc: (dy: tf.Tensor) => [dy, colSum(dy, b.size)],
}));

/** x[N, n] · g[n] (row broadcast) with the gain gradient as colSum. */
export const mulRow = customGrad<(x: tf.Tensor, g: tf.Tensor) => tf.Tensor2D>((x: tf.Tensor, g: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, g]);
  return {
    value: tf.mul(x, g),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[1]), colSum(tf.mul(dy, saved[0]), saved[1].size)],
  };
});

/**
 * Mean cross-entropy of logits[N,V] against targets[N] (−1 = ignored, e.g. padding), with the fused
 * softmax gradient. One softmax kernel (XNNPACK: ~40 ms for 2048×8192 on wasm, where exp alone takes
 * ~130 ms) serves both directions; the gradient's one-hot subtraction and scaling run in JS.
 */
export function crossEntropy(logits: tf.Tensor2D, targetIds: Int32Array): tf.Scalar {
  const [N, V] = logits.shape;
  const flat = new Int32Array(N);
  let n = 0;
  for (let i = 0; i < N; i++) {
    const ok = targetIds[i] >= 0;
    flat[i] = i * V + (ok ? targetIds[i] : 0);
    n += ok ? 1 : 0;
  }
  const count = Math.max(1, n);
  const f = customGrad<(x: tf.Tensor) => tf.Scalar>((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = tf.softmax(x);
    const picked = tf.tidy(() => tf.gather(tf.reshape(p, [-1]), tf.tensor1d(flat, 'int32')).dataSync() as Float32Array);
    let sum = 0, underflow = false;
    for (let i = 0; i < N; i++) {
      if (targetIds[i] < 0) continue;
      if (picked[i] === 0) underflow = true;
      sum -= Math.log(picked[i]);
    }
    if (underflow) {
      // A target probability below fp32 range: take this row set's loss as logsumexp − logit instead.
      const lse = tf.tidy(() => tf.logSumExp(x, 1).dataSync() as Float32Array);
      const lg = tf.tidy(() => tf.gather(tf.reshape(x, [-1]), tf.tensor1d(flat, 'int32')).dataSync() as Float32Array);
      sum = 0;
      for (let i = 0; i < N; i++) if (targetIds[i] >= 0) sum += lse[i] - lg[i];
    }
    save([p]);
    return {
      value: tf.scalar(sum / count),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const scale = (dy.dataSync() as Float32Array)[0] / count;
        const g = (saved[0].dataSync() as Float32Array).slice();
        for (let i = 0; i < N; i++) {
          if (targetIds[i] < 0) g.fill(0, i * V, (i + 1) * V);
          else g[flat[i]] -= 1;
        }
        for (let j = 0; j < g.length; j++) g[j] *= scale;
        return tf.tensor2d(g, [N, V]);
      },
    };
  });
  return f(logits);
}

/**
 * Causal attention on token-major projections: q[B·T, H·hd], k/v[B·T, KVH·hd] → o[B·T, H·hd], with
 * an additive mask [B or 1, 1, T, T]. Forward and backward multiply per-(batch, head) blocks with plain
 * 2-D matMuls; the softmax and its gradient run batched over all heads.
 * The blocks are cut in JS from one head-major copy (`headBlocks`): on wasm, tf.slice/unstack cost
 * ~1–2 ms each (≈1,400 per step on the bench model, more than all the matmuls), a typed-array
 * subarray + tf.tensor copy ~30 µs.
 */
export function attention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, mask: tf.Tensor4D, B: number, T: number, H: number, KVH: number): tf.Tensor2D {
  const hd = q.shape[1] / H;
  const scale = 1 / Math.sqrt(hd);
  const group = H / KVH;
  const kvOf = (i: number) => Math.floor(i / H) * KVH + Math.floor((i % H) / group);
  /** [B·T, n·hd] → n·B blocks [T, hd] (or [hd, T] when transposed), index b·n + head. */
  const headBlocks = (x: tf.Tensor, n: number, transposed = false): tf.Tensor2D[] => {
    const hm = tf.transpose(tf.reshape(x, [B, T, n, hd]), transposed ? [0, 2, 3, 1] : [0, 2, 1, 3]);
    const data = hm.dataSync() as Float32Array;
    hm.dispose();
    const size = T * hd;
    return Array.from({ length: B * n }, (_, i) => tf.tensor2d(data.subarray(i * size, (i + 1) * size), transposed ? [hd, T] : [T, hd]));
  };
  /** [B·H, T, T] → B·H blocks [T, T] (optionally each transposed). */
  const squares = (x: tf.Tensor, transposed = false): tf.Tensor2D[] => {
    const t = transposed ? tf.transpose(x, [0, 2, 1]) : x;
    const data = t.dataSync() as Float32Array;
    if (transposed) t.dispose();
    return Array.from({ length: B * H }, (_, i) => tf.tensor2d(data.subarray(i * T * T, (i + 1) * T * T), [T, T]));
  };
  /** n·B blocks [T, hd] → [B·T, n·hd]. */
  const merge = (parts: tf.Tensor[], n: number) => tf.reshape(tf.transpose(tf.reshape(tf.stack(parts), [B, n, T, hd]), [0, 2, 1, 3]), [B * T, n * hd]) as tf.Tensor2D;
  const f = customGrad<(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor2D>((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor, save: tf.GradSaveFunc) => {
    const qs = headBlocks(qq, H), kTs = headBlocks(kk, KVH, true), vs = headBlocks(vv, KVH);
    const s = tf.stack(qs.map((qi, i) => tf.matMul(qi, kTs[kvOf(i)])));
    const p = tf.reshape(tf.softmax(tf.add(tf.reshape(tf.mul(s, scale), [B, H, T, T]), mask)), [B * H, T, T]);
    const ps = squares(p);
    const value = merge(ps.map((pi, i) => tf.matMul(pi, vs[kvOf(i)])), H);
    save([qq, kk, vv, p]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved;
        const dys = headBlocks(dy, H), vTs = headBlocks(sv, KVH, true);
        const dp = tf.stack(dys.map((di, i) => tf.matMul(di, vTs[kvOf(i)])));
        const ds = tf.mul(tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))), scale);
        const dss = squares(ds), dsTs = squares(ds, true), pTs = squares(sp, true);
        const qs2 = headBlocks(sq, H), ks2 = headBlocks(sk, KVH);
        const dq = dss.map((di, i) => tf.matMul(di, ks2[kvOf(i)]));
        const dkAcc: tf.Tensor[][] = ks2.map(() => []), dvAcc: tf.Tensor[][] = ks2.map(() => []);
        for (let i = 0; i < B * H; i++) {
          dkAcc[kvOf(i)].push(tf.matMul(dsTs[i], qs2[i]));
          dvAcc[kvOf(i)].push(tf.matMul(pTs[i], dys[i]));
        }
        const sumAll = (xs: tf.Tensor[]) => (xs.length === 1 ? xs[0] : tf.addN(xs));
        return [merge(dq, H), merge(dkAcc.map(sumAll), KVH), merge(dvAcc.map(sumAll), KVH)];
      },
    };
  });
  return f(q, k, v);
}

// ---------------------------------------------------------------- building blocks (shared with inference)

function linear(p: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const y = mm(x, p[`${name}.weight`]);
  const b = p[`${name}.bias`];
  return b ? addRow(y, b) : y;
}

function norm(c: ResolvedConfig, p: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return normAny(c, p, name, x) as tf.Tensor2D;
}

function normAny(c: ResolvedConfig, p: Params, name: string, x: tf.Tensor): tf.Tensor {
  const g = p[`${name}.weight`];
  if (c.arch === 'llama') {
    const ms = tf.mean(tf.square(x), -1, true);
    return mulRow(tf.mul(x, tf.rsqrt(tf.add(ms, c.normEps))), g);
  }
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const v = tf.mean(tf.square(xc), -1, true);
  const y = mulRow(tf.mul(xc, tf.rsqrt(tf.add(v, c.normEps))), g);
  const b = p[`${name}.bias`];
  return b ? addRow(y, b) : y;
}

/**
 * GELU, tanh approximation (GPT-2's "gelu_new"; PyTorch F.gelu(approximate="tanh")), written with the
 * identity ½(1 + tanh z) = σ(2z): wasm's sigmoid kernel is ~8× faster than its tanh (and pow is slow).
 */
function gelu(x: tf.Tensor): tf.Tensor {
  const z2 = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), 2 * Math.sqrt(2 / Math.PI));
  return tf.mul(x, tf.sigmoid(z2));
}

function mlp(c: ResolvedConfig, p: Params, pre: string, x: tf.Tensor2D): tf.Tensor2D {
  if (c.arch === 'gpt2') return linear(p, `${pre}.mlp.proj`, gelu(linear(p, `${pre}.mlp.fc`, x)) as tf.Tensor2D);
  const g = linear(p, `${pre}.mlp.gate`, x);
  const u = linear(p, `${pre}.mlp.up`, x);
  return linear(p, `${pre}.mlp.down`, tf.mul(tf.mul(g, tf.sigmoid(g)), u) as tf.Tensor2D);
}

/** cos/sin tables [N, hd/2] for the given absolute positions (RoPE, rotate-half convention). */
export function ropeTables(c: ResolvedConfig, pos: Int32Array): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = c.headDim / 2;
  const cos = new Float32Array(pos.length * half), sin = new Float32Array(pos.length * half);
  for (let i = 0; i < pos.length; i++) {
    for (let j = 0; j < half; j++) {
      const a = pos[i] / Math.pow(c.ropeTheta, (2 * j) / c.headDim);
      cos[i * half + j] = Math.cos(a);
      sin[i * half + j] = Math.sin(a);
    }
  }
  return { cos: tf.tensor2d(cos, [pos.length, half]), sin: tf.tensor2d(sin, [pos.length, half]) };
}

/** Rotate x[N, heads·hd] by RoPE tables [N, hd/2]. */
function rope(x: tf.Tensor2D, heads: number, hd: number, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor2D {
  const N = x.shape[0], half = hd / 2;
  const x3 = tf.reshape(x, [N, heads, hd]);
  const x1 = tf.slice(x3, [0, 0, 0], [N, heads, half]);
  const x2 = tf.slice(x3, [0, 0, half], [N, heads, half]);
  const c3 = tf.reshape(cos, [N, 1, half]), s3 = tf.reshape(sin, [N, 1, half]);
  const r1 = tf.sub(tf.mul(x1, c3), tf.mul(x2, s3));
  const r2 = tf.add(tf.mul(x2, c3), tf.mul(x1, s3));
  return tf.reshape(tf.concat([r1, r2], 2), [N, heads * hd]);
}

// ---------------------------------------------------------------- training forward

export interface BatchInputs {
  /** int32 [B·T] input ids. */
  ids: Int32Array;
  /** int32 [B·T] next-token targets. */
  targets: Int32Array;
  B: number;
  T: number;
  /** Per-row offsets where a new document starts (used when docMask is on). */
  docStarts?: number[][];
}

/** Positions (reset at document starts when docMask) and the additive attention mask. */
export function positionsAndMask(c: ResolvedConfig, b: BatchInputs): { pos: Int32Array; mask: Float32Array; maskRows: number } {
  const { B, T } = b;
  const pos = new Int32Array(B * T);
  const NEG = -1e9;
  if (!c.docMask || !b.docStarts) {
    for (let r = 0; r < B; r++) for (let t = 0; t < T; t++) pos[r * T + t] = t;
    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = NEG;
    return { pos, mask, maskRows: 1 };
  }
  const mask = new Float32Array(B * T * T);
  const doc = new Int32Array(T);
  for (let r = 0; r < B; r++) {
    const starts = new Set(b.docStarts[r] ?? []);
    let d = 0, start = 0;
    for (let t = 0; t < T; t++) {
      if (t > 0 && starts.has(t)) {
        d++;
        start = t;
      }
      doc[t] = d;
      pos[r * T + t] = t - start;
    }
    const base = r * T * T;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) if (j > i || doc[j] !== doc[i]) mask[base + i * T + j] = NEG;
  }
  return { pos, mask, maskRows: B };
}

/** Final hidden states [B·T, d] of the whole stack. */
/** Pre-norm Q, K, V projections of layer `pre`, with RoPE applied when the model uses it. */
function qkv(c: ResolvedConfig, p: Params, pre: string, x: tf.Tensor2D, rt: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null): { q: tf.Tensor2D; k: tf.Tensor2D; v: tf.Tensor2D } {
  const a = norm(c, p, `${pre}.ln1`, x);
  let q = linear(p, `${pre}.attn.q`, a);
  let k = linear(p, `${pre}.attn.k`, a);
  const v = linear(p, `${pre}.attn.v`, a);
  if (rt) {
    q = rope(q, c.nHead, c.headDim, rt.cos, rt.sin);
    k = rope(k, c.nKvHead, c.headDim, rt.cos, rt.sin);
  }
  return { q, k, v };
}

export function hidden(c: ResolvedConfig, p: Params, b: BatchInputs): tf.Tensor2D {
  const { B, T } = b;
  const H = c.nHead, KVH = c.nKvHead;
  if (T > c.blockSize) throw new Error(`sequence length ${T} exceeds blockSize ${c.blockSize}`);
  const { pos, mask: maskData, maskRows } = positionsAndMask(c, b);
  const ids = tf.tensor1d(b.ids, 'int32');
  const mask = tf.tensor4d(maskData, [maskRows, 1, T, T]);
  let x = embed(p.wte, ids);
  let rt: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null = null;
  if (c.arch === 'gpt2') x = tf.add(x, embed(p.wpe, tf.tensor1d(pos, 'int32')));
  else rt = ropeTables(c, pos);
  for (let l = 0; l < c.nLayer; l++) {
    const pre = `h.${l}`;
    const { q, k, v } = qkv(c, p, pre, x, rt);
    const o = attention(q, k, v, mask, B, T, H, KVH);
    x = tf.add(x, linear(p, `${pre}.attn.o`, o));
    x = tf.add(x, mlp(c, p, pre, norm(c, p, `${pre}.ln2`, x)));
  }
  return norm(c, p, 'lnf', x);
}

export function logitsOf(c: ResolvedConfig, p: Params, h: tf.Tensor2D): tf.Tensor2D {
  return c.tieEmbeddings ? mmBT(h, p.wte) : mm(h, p['lm_head.weight']);
}

/** Mean next-token cross-entropy of a batch (call inside tf.tidy / variableGrads). */
export function lossOf(c: ResolvedConfig, p: Params, b: BatchInputs): tf.Scalar {
  return crossEntropy(logitsOf(c, p, hidden(c, p, b)), b.targets);
}

// ---------------------------------------------------------------- inference with a KV cache

export interface KVCache {
  /** Per layer: k, v [nb·KVH, t, hd]. */
  k: (tf.Tensor3D | null)[];
  v: (tf.Tensor3D | null)[];
  len: number;
}

export function emptyCache(c: ResolvedConfig): KVCache {
  return { k: new Array(c.nLayer).fill(null), v: new Array(c.nLayer).fill(null), len: 0 };
}

export function disposeCache(cache: KVCache): void {
  for (const t of [...cache.k, ...cache.v]) t?.dispose();
}

/** Keep cache rows `rows` (beam reordering); disposes the old tensors. */
export function reorderCache(c: ResolvedConfig, cache: KVCache, rows: number[]): KVCache {
  const KVH = c.nKvHead;
  const idx = tf.tensor1d(rows.flatMap((r) => Array.from({ length: KVH }, (_, h) => r * KVH + h)), 'int32');
  const pick = (t: tf.Tensor3D | null) => (t ? (tf.gather(t, idx) as tf.Tensor3D) : null);
  const out: KVCache = { k: cache.k.map(pick), v: cache.v.map(pick), len: cache.len };
  idx.dispose();
  disposeCache(cache);
  return out;
}

/**
 * Logits [nb, V] of the last new token of each of nb sequences, given new tokens ids[nb][tn] that
 * follow `cache.len` cached positions (all sequences the same length). Returns the grown cache
 * (the old cache's tensors are disposed).
 */
export function forwardCached(c: ResolvedConfig, p: Params, ids: number[][], cache: KVCache): { logits: tf.Tensor2D; cache: KVCache } {
  const nb = ids.length, tn = ids[0].length, t0 = cache.len, tt = t0 + tn;
  if (tt > c.blockSize) throw new Error(`context ${tt} exceeds blockSize ${c.blockSize}`);
  const H = c.nHead, KVH = c.nKvHead, hd = c.headDim, N = nb * tn;
  const next: KVCache = { k: [], v: [], len: tt };
  const logits = tf.tidy(() => {
    const pos = new Int32Array(N);
    for (let r = 0; r < nb; r++) for (let t = 0; t < tn; t++) pos[r * tn + t] = t0 + t;
    let x = tf.gather(p.wte, tf.tensor1d(ids.flat(), 'int32')) as tf.Tensor2D;
    let rt: { cos: tf.Tensor2D; sin: tf.Tensor2D } | null = null;
    if (c.arch === 'gpt2') x = tf.add(x, tf.gather(p.wpe, tf.tensor1d(pos, 'int32')));
    else rt = ropeTables(c, pos);
    // Query i (absolute t0+i) sees keys 0..t0+i.
    const md = new Float32Array(tn * tt);
    for (let i = 0; i < tn; i++) for (let j = t0 + i + 1; j < tt; j++) md[i * tt + j] = -1e9;
    const mask = tf.tensor3d(md, [1, tn, tt]);
    const heads = (t: tf.Tensor2D, n: number) => tf.reshape(tf.transpose(tf.reshape(t, [nb, tn, n, hd]), [0, 2, 1, 3]), [nb * n, tn, hd]) as tf.Tensor3D;
    for (let l = 0; l < c.nLayer; l++) {
      const pre = `h.${l}`;
      const { q, k, v } = qkv(c, p, pre, x, rt);
      const pk = cache.k[l], pv = cache.v[l];
      const kk = pk ? tf.concat([pk, heads(k, KVH)], 1) : heads(k, KVH);
      const vv = pv ? tf.concat([pv, heads(v, KVH)], 1) : heads(v, KVH);
      next.k.push(tf.keep(kk as tf.Tensor3D));
      next.v.push(tf.keep(vv as tf.Tensor3D));
      // Expand KV heads to query heads for GQA: [nb, KVH, g, ...] via repeat on a new axis.
      const g = H / KVH;
      const expand = (t: tf.Tensor) => (g === 1 ? t : tf.reshape(tf.tile(tf.reshape(t, [nb * KVH, 1, tt, hd]), [1, g, 1, 1]), [nb * H, tt, hd]));
      const q3 = heads(q, H);
      const s = tf.add(tf.mul(tf.matMul(q3, expand(kk), false, true), 1 / Math.sqrt(hd)), mask);
      const o = tf.matMul(tf.softmax(s), expand(vv));
      const merged = tf.reshape(tf.transpose(tf.reshape(o, [nb, H, tn, hd]), [0, 2, 1, 3]), [N, H * hd]) as tf.Tensor2D;
      x = tf.add(x, linear(p, `${pre}.attn.o`, merged));
      x = tf.add(x, mlp(c, p, pre, norm(c, p, `${pre}.ln2`, x)));
    }
    const h = norm(c, p, 'lnf', x);
    const last = tf.reshape(tf.slice(tf.reshape(h, [nb, tn, c.dModel]), [0, tn - 1, 0], [nb, 1, c.dModel]), [nb, c.dModel]) as tf.Tensor2D;
    return logitsOf(c, p, last);
  });
  disposeCache(cache);
  return { logits, cache: next };
}
