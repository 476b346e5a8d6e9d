// A small LLaMA-style model: RMSNorm, RoPE, SwiGLU, grouped-query attention (8 query / 2 KV heads),
// untied LM head, per-document attention masking and position reset from the shards' doc_starts.
import type { TrainConfig } from '../train.ts';
import { base } from './base.ts';

const config: TrainConfig = {
  ...base,
  model: { arch: 'llama', vocabSize: 0, blockSize: 256, nLayer: 6, nHead: 8, nKvHead: 2, dModel: 384, docMask: true },
  batchSize: 8,
  gradAccum: 4,
  steps: 5000,
  lr: 1e-3,
  warmupSteps: 200,
  weightDecay: 0.1,
};
export default config;
