// Defaults shared by the run configs (nanoGPT's: AdamW β=(0.9, 0.95), wd 0.1, clip 1.0, warmup + cosine
// to lr/10). A config is plain data: `pnpm train <name> --set key=value` overrides any field.
import type { TrainConfig } from '../train.ts';

export const DEFAULT_DATA = 'runs/commoncrawl/tokens';

export const base: Omit<TrainConfig, 'model'> = {
  batchSize: 8,
  gradAccum: 1,
  steps: 1000,
  lr: 6e-4,
  warmupSteps: 100,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  gradClip: 1.0,
  seed: 1337,
  logEvery: 10,
  evalEvery: 100,
  evalBatches: 10,
  ckptEvery: 200,
  keepCheckpoints: 2,
  data: { path: DEFAULT_DATA },
};
