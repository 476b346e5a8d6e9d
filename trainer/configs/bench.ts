// The benchmark model of issue 8 (bench/train.bench.ts): vocab 8192, ctx 256, d 256, 4 layers,
// 4 heads, batch 8 = 2,048 tokens per step.
import type { TrainConfig } from '../train.ts';
import { base } from './base.ts';

const config: TrainConfig = {
  ...base,
  model: { arch: 'gpt2', vocabSize: 8192, blockSize: 256, nLayer: 4, nHead: 4, dModel: 256 },
  batchSize: 8,
  steps: 20,
  warmupSteps: 2,
  evalEvery: 0,
};
export default config;
