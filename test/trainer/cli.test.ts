// `tokenmill train` / `tokenmill generate` end to end on a real token dataset (GPT-2 tokens of real
// articles, written as tokenmill shards), through the real CLI in a child process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../datasets/manifest.ts';
import { applySet, checkMemory, loadConfig } from '../../trainer/cli.ts';
import { resolveConfig } from '../../trainer/model.ts';
import { cliAsync as cli, tempDir } from '../helpers.ts';
import { describeShared, shared } from '../shared.ts';
import { CORPUS_REL } from './corpus.ts';
import { writeTokenDataset } from './dataset.ts';

describe('config handling', () => {
  it('--set parses JSON values into nested keys and rejects unknown keys and wrong types', async () => {
    const { config } = await loadConfig('tiny');
    applySet(config, 'model.dModel=64');
    applySet(config, 'lr=0.002');
    applySet(config, 'data.path=some/where');
    applySet(config, 'model.docMask=true');
    expect(config.model.dModel).toBe(64);
    expect(config.lr).toBe(0.002);
    expect(config.data.path).toBe('some/where');
    expect(config.model.docMask).toBe(true);
    expect(() => applySet(config, 'model.dmodel=3')).toThrow(/unknown config key "model.dmodel"/);
    expect(() => applySet(config, 'steps=many')).toThrow(/steps must be a number/);
  });

  it('refuses configs that would exceed the 4 GiB wasm heap, up front', async () => {
    const { config } = await loadConfig('gpt2-124m');
    expect(() => checkMemory(resolveConfig(config.model), config.batchSize, 'wasm')).toThrow(/beyond the wasm backend's 4 GiB heap/);
    expect(() => checkMemory(resolveConfig(config.model), config.batchSize, 'tensorflow')).not.toThrow();
    const bench = await loadConfig('bench');
    expect(() => checkMemory(resolveConfig(bench.config.model), bench.config.batchSize, 'wasm')).not.toThrow();
  });
});

describeShared('train and generate through the CLI', CORPUS_REL, () => {
  const work = tempDir();
  const data = join(work, 'tokens'), val = join(work, 'val'), out = join(work, 'run');
  beforeAll(async () => {
    const gt = JSON.parse(readFileSync(shared(CORPUS_REL), 'utf8')) as Record<string, { articleBody: string }>;
    const texts = Object.keys(gt).sort().map((k) => gt[k].articleBody);
    await writeTokenDataset(data, texts.slice(10), 32);
    await writeTokenDataset(val, texts.slice(0, 10), 32, 1);
  });
  const sets = (steps: number) => [
    '--set', `data.path=${data}`, '--set', `data.valPath=${val}`, '--set', 'model.dModel=32', '--set', 'model.nLayer=1', '--set', 'model.blockSize=32',
    '--set', 'batchSize=4', '--set', `steps=${steps}`, '--set', 'evalEvery=3', '--set', 'evalBatches=2', '--set', 'logEvery=1', '--set', 'ckptEvery=3',
    '--set', 'warmupSteps=2', '--set', 'lr=0.003', '--set', 'threads=2', '--out', out,
  ];

  it('trains the tiny config on shards with progress, metrics, eval and checkpoints, then resumes', async () => {
    expect(readManifest(data).vocabSize).toBe(50257);
    const r = await cli(['train', 'tiny', ...sets(4), '--backend', 'wasm']);
    expect(r.stderr + r.stdout).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backend: wasm/m);
    expect(r.stdout).toContain('2 data-parallel threads');
    expect(r.stdout).toMatch(/step 4\/4 \| loss \d+\.\d+ \| lr [\d.e-]+ \| grad-norm [\d.]+ \| \d+ tok\/s \| MFU [\d.]+%/);
    expect(r.stdout).toMatch(/val loss \d+\.\d+ ppl \d+/);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(metrics[0].loss).toBeGreaterThan(Math.log(50257) - 0.5);
    expect(metrics[2].valPpl).toBeGreaterThan(1);
    expect(existsSync(join(out, 'checkpoints', 'step-0000004', 'model.safetensors'))).toBe(true);
    // Continue to 6 steps from the checkpoint.
    const r2 = await cli(['train', 'tiny', ...sets(6), '--resume', '--backend', 'wasm']);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain('resumed from step 4');
    const m2 = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(m2.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('generates text from the checkpoint with the dataset tokenizer (greedy, sampling, beam)', async () => {
    const greedy = await cli(['generate', '--checkpoint', out, '--prompt', 'The game', '--max-tokens', '8', '--greedy']);
    expect(greedy.code).toBe(0);
    expect(greedy.stdout.startsWith('The game')).toBe(true);
    expect(greedy.stdout.trim().length).toBeGreaterThan('The game'.length);
    const again = await cli(['generate', '--checkpoint', out, '--prompt', 'The game', '--max-tokens', '8', '--greedy']);
    expect(again.stdout).toBe(greedy.stdout);
    const sampled = await cli(['generate', '--checkpoint', out, '--prompt', 'The game', '--max-tokens', '8', '--temperature', '0.9', '--top-k', '40', '--top-p', '0.9', '--seed', '3']);
    expect(sampled.code).toBe(0);
    const beam = await cli(['generate', '--checkpoint', out, '--prompt', 'The game', '--max-tokens', '6', '--beams', '3']);
    expect(beam.code).toBe(0);
    expect(beam.stdout.startsWith('The game')).toBe(true);
  });

  it('a missing dataset fails with one clear line', async () => {
    const r = await cli(['train', 'tiny', '--set', `data.path=${join(work, 'nope')}`, '--out', join(work, 'x')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nope does not exist/);
  });
});
