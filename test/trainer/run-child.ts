// Child process for the SIGINT test: trains a tiny model on the real-text corpus with runTraining,
// printing each step, until interrupted. Usage: tsx run-child.ts <outDir> [--resume]
import { selectBackend } from '../../trainer/backend.ts';
import { tokenArraySource, type ArraySourceState } from '../../trainer/data.ts';
import { runTraining, type TrainConfig } from '../../trainer/train.ts';
import { loadCorpus } from './corpus.ts';

const [outDir, flag] = process.argv.slice(2);
await selectBackend('wasm', { quiet: true });
const corpus = loadCorpus(256);
export const childConfig: TrainConfig = {
  model: { arch: 'gpt2', vocabSize: 256, blockSize: 32, nLayer: 1, nHead: 2, dModel: 32 },
  batchSize: 2, gradAccum: 1, steps: 100000, lr: 1e-3, warmupSteps: 5, beta1: 0.9, beta2: 0.95, eps: 1e-8,
  weightDecay: 0.1, gradClip: 1, seed: 3, logEvery: 1, evalEvery: 0, evalBatches: 0, ckptEvery: 0, keepCheckpoints: 2,
  data: { path: '' },
};
const mk = (st?: unknown) => tokenArraySource(corpus.train, { batchSize: 2, blockSize: 32, seed: 3 }, st as ArraySourceState | undefined);
const r = await runTraining(childConfig, { outDir, train: mk(), resume: flag === '--resume', reopen: async (t) => ({ train: mk(t) }) });
console.log(`exit: interrupted=${r.interrupted} step=${r.trainer.step}`);
