// GPT-2 small as nanoGPT trains it (12 layers, 12 heads, d 768, ctx 1024, ~0.5M tokens per step via
// accumulation, lr 6e-4, 2000 warmup steps, cosine over 600k steps). Needs a native (tfjs-node/-gpu)
// backend: its activations exceed the 4 GiB wasm heap at any useful batch size.
import type { TrainConfig } from '../train.ts';
import { base } from './base.ts';

const config: TrainConfig = {
  ...base,
  model: { arch: 'gpt2', vocabSize: 50257, blockSize: 1024, nLayer: 12, nHead: 12, dModel: 768 },
  batchSize: 12,
  gradAccum: 40,
  steps: 600000,
  lr: 6e-4,
  warmupSteps: 2000,
  evalEvery: 2000,
  evalBatches: 200,
  ckptEvery: 2000,
};
export default config;
