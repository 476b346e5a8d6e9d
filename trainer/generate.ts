// Text generation from a trained model with a KV cache: greedy, temperature / top-k / top-p sampling,
// and beam search; stops at EOS or after maxNewTokens.
import * as tf from '@tensorflow/tfjs';
import { disposeCache, emptyCache, forwardCached, reorderCache, type KVCache, type Params, type ResolvedConfig } from './model.ts';
import { Rng } from './rng.ts';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 = greedy (argmax). */
  temperature?: number;
  topK?: number;
  topP?: number;
  /** >1 = beam search with this many beams (deterministic; sampling options are ignored). */
  beams?: number;
  eosId?: number;
  seed?: number;
  /** Called with each new token (greedy/sampling only). */
  onToken?: (id: number) => void;
}

/** Prompt tokens that fit: the last blockSize − maxNewTokens of them (at least one). */
function fitPrompt(c: ResolvedConfig, prompt: number[], maxNew: number): number[] {
  if (prompt.length === 0) throw new Error('generate: empty prompt (give at least one token)');
  const room = Math.max(1, c.blockSize - maxNew);
  return prompt.slice(-room);
}

/** Sample one id from logits with temperature, top-k and top-p (nucleus). */
export function sampleLogits(logits: Float32Array, o: { temperature?: number; topK?: number; topP?: number }, rng: Rng): number {
  const t = o.temperature ?? 1;
  if (t <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let idx = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
  if (o.topK && o.topK > 0) idx = idx.slice(0, o.topK);
  const max = logits[idx[0]];
  let probs = idx.map((i) => Math.exp((logits[i] - max) / t));
  let sum = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / sum);
  if (o.topP !== undefined && o.topP > 0 && o.topP < 1) {
    let acc = 0, cut = probs.length;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i];
      if (acc >= o.topP) {
        cut = i + 1;
        break;
      }
    }
    idx = idx.slice(0, cut);
    probs = probs.slice(0, cut);
    sum = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / sum);
  }
  let u = rng.random(), acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (u < acc) return idx[i];
  }
  return idx[idx.length - 1];
}

/** Generated token ids (without the prompt). */
export function generate(c: ResolvedConfig, p: Params, prompt: number[], o: GenerateOptions): number[] {
  if ((o.beams ?? 1) > 1) return beamSearch(c, p, prompt, o);
  const rng = new Rng(o.seed ?? 0);
  const maxNew = Math.min(o.maxNewTokens, c.blockSize - 1);
  let cache = emptyCache(c);
  const out: number[] = [];
  let step = fitPrompt(c, prompt, maxNew);
  try {
    while (out.length < maxNew) {
      const r = forwardCached(c, p, [step], cache);
      cache = r.cache;
      const logits = r.logits.dataSync() as Float32Array;
      r.logits.dispose();
      const id = sampleLogits(logits, o, rng);
      out.push(id);
      o.onToken?.(id);
      if (id === o.eosId || cache.len >= c.blockSize) break;
      step = [id];
    }
  } finally {
    disposeCache(cache);
  }
  return out;
}

function logSoftmax(x: Float32Array, V: number, row: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, x[row * V + i]);
  let s = 0;
  for (let i = 0; i < V; i++) s += Math.exp(x[row * V + i] - max);
  const lse = max + Math.log(s);
  const out = new Float64Array(V);
  for (let i = 0; i < V; i++) out[i] = x[row * V + i] - lse;
  return out;
}

/** Beam search on summed log-probabilities; finished beams (EOS) are kept aside. Returns the best. */
export function beamSearch(c: ResolvedConfig, p: Params, prompt: number[], o: GenerateOptions): number[] {
  const k = o.beams ?? 2;
  const maxNew = Math.min(o.maxNewTokens, c.blockSize - 1);
  const V = c.vocabSize;
  let cache: KVCache = emptyCache(c);
  let beams: { ids: number[]; score: number }[] = [{ ids: [], score: 0 }];
  const done: { ids: number[]; score: number }[] = [];
  let input: number[][] = [fitPrompt(c, prompt, maxNew)];
  try {
    for (let t = 0; t < maxNew && beams.length; t++) {
      const r = forwardCached(c, p, input, cache);
      cache = r.cache;
      const logits = r.logits.dataSync() as Float32Array;
      r.logits.dispose();
      const cand: { from: number; id: number; score: number }[] = [];
      beams.forEach((b, bi) => {
        const lp = logSoftmax(logits, V, bi);
        const top = Array.from(lp.keys()).sort((x, y) => lp[y] - lp[x]).slice(0, k);
        for (const id of top) cand.push({ from: bi, id, score: b.score + lp[id] });
      });
      cand.sort((x, y) => y.score - x.score);
      const next: { from: number; id: number; score: number }[] = [];
      for (const cd of cand) {
        if (cd.id === o.eosId) done.push({ ids: [...beams[cd.from].ids, cd.id], score: cd.score });
        else next.push(cd);
        if (next.length === k) break;
      }
      if (done.length >= k || cache.len >= c.blockSize) {
        for (const n of next) done.push({ ids: [...beams[n.from].ids, n.id], score: n.score });
        beams = [];
        break;
      }
      cache = reorderCache(c, cache, next.map((n) => n.from));
      beams = next.map((n) => ({ ids: [...beams[n.from].ids, n.id], score: n.score }));
      input = next.map((n) => [n.id]);
    }
  } finally {
    disposeCache(cache);
  }
  const all = [...done, ...beams];
  all.sort((x, y) => y.score - x.score);
  return all[0]?.ids ?? [];
}

/** Logits of the last position, without a cache (reference for tests). */
export function lastLogitsNoCache(c: ResolvedConfig, p: Params, ids: number[]): Float32Array {
  const r = forwardCached(c, p, [ids], emptyCache(c));
  const out = r.logits.dataSync() as Float32Array;
  r.logits.dispose();
  disposeCache(r.cache);
  return out;
}

