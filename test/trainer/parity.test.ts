// tokenmill vs PyTorch: same model, same initial weights, same 20 steps of micro-batches (grad accumulation,
// clipping, AdamW, warmup + cosine) → per-step loss and pre-clip gradient norm within 1e-4 relative.
// The reference numbers come from test/fixtures/trainer/torch_parity.py (PyTorch 1.13, fp32).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../trainer/backend.ts';
import type { BatchSource } from '../../trainer/data.ts';
import type { BatchInputs } from '../../trainer/model.ts';
import { readSafetensors } from '../../trainer/safetensors.ts';
import { Trainer, type TrainConfig } from '../../trainer/train.ts';
import { ROOT } from '../shared.ts';

const FIX = join(ROOT, 'test', 'fixtures', 'trainer');

interface Inputs {
  config: TrainConfig;
  batches: { B: number; T: number; ids: number[]; targets: number[]; docStarts?: number[][] }[];
}

function replay(batches: Inputs['batches']): BatchSource {
  let i = 0;
  return {
    async next(): Promise<BatchInputs> {
      const b = batches[i++];
      return { B: b.B, T: b.T, ids: Int32Array.from(b.ids), targets: Int32Array.from(b.targets), docStarts: b.docStarts };
    },
    state: () => ({ i }),
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

beforeAll(async () => {
  await selectBackend('wasm', { quiet: true });
});

describe('parity with PyTorch', () => {
  for (const [name, replicas] of [['gpt2', 1], ['llama', 1], ['llama', 2]] as const) {
    it(`${name}${replicas > 1 ? ` on ${replicas} data-parallel threads` : ''}: 20 steps of loss and grad-norm match torch within 1e-4`, async () => {
      const inp = JSON.parse(readFileSync(join(FIX, `${name}.inputs.json`), 'utf8')) as Inputs;
      const ref = JSON.parse(readFileSync(join(FIX, `${name}.torch.json`), 'utf8')) as { loss: number[]; gradNorm: number[]; lr: number[] };
      const w: Record<string, Float32Array> = {};
      for (const [n, t] of Object.entries(readSafetensors(join(FIX, `${name}.init.safetensors`)).tensors)) w[n] = t.data as Float32Array;
      const tr = new Trainer(inp.config, w);
      await tr.enableDataParallel(replicas, 'wasm');
      const src = replay(inp.batches);
      let worstLoss = 0, worstNorm = 0;
      for (let s = 0; s < inp.config.steps; s++) {
        const r = await tr.trainStep(src);
        expect(r.lr).toBeCloseTo(ref.lr[s], 12);
        worstLoss = Math.max(worstLoss, rel(r.loss, ref.loss[s]));
        worstNorm = Math.max(worstNorm, rel(r.gradNorm, ref.gradNorm[s]));
      }
      tr.dispose();
      console.log(`${name}: worst relative difference loss ${worstLoss.toExponential(2)}, grad-norm ${worstNorm.toExponential(2)}`);
      expect(worstLoss).toBeLessThanOrEqual(1e-4);
      expect(worstNorm).toBeLessThanOrEqual(1e-4);
      // The run must actually learn, or matching would prove little.
      expect(ref.loss[ref.loss.length - 1]).toBeLessThan(ref.loss[0] - 1);
    });
  }
});
