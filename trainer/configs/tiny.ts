// Default config: a small GPT-2 that trains on the embedded sample's shards in minutes on 2 CPU cores.
// vocabSize 0 = take it from the dataset manifest.
import type { TrainConfig } from '../train.ts';
import { base } from './base.ts';

const config: TrainConfig = {
  ...base,
  model: { arch: 'gpt2', vocabSize: 0, blockSize: 128, nLayer: 2, nHead: 4, dModel: 128 },
  batchSize: 8,
  steps: 300,
  lr: 1e-3,
  warmupSteps: 20,
  logEvery: 10,
  evalEvery: 50,
  evalBatches: 4,
  ckptEvery: 100,
};
export default config;
