// The trainer's view of a token dataset: rows longer than the context are cut into windows, a
// seeded share of rows is held out for validation, and a source restored from state() continues
// with exactly the batches an uninterrupted one yields.
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { makeDataset } from '../datasets/fixtures.ts';
import { loaderSource, type SplitSpec } from '../../trainer/data.ts';

const sig = (b: { ids: Int32Array; targets: Int32Array }) => `${Array.from(b.ids).join(',')}|${Array.from(b.targets).join(',')}`;

it('windows of blockSize+1, disjoint train/val rows, exact resume at any batch', async () => {
  const dir = join(tempDir(), 'ds');
  await makeDataset(dir, { rows: 120, rowLen: 65, shards: 3 });
  const split = (part: 'train' | 'val'): SplitSpec => ({ part, valFraction: 0.2, seed: 5 });
  const open = (part: 'train' | 'val', state?: unknown) => loaderSource({ path: dir, batchSize: 4, seed: 3, blockSize: 16, split: split(part), state });

  const a = await open('train');
  expect(a.rowLen).toBe(17);
  const ref: string[] = [];
  for (let i = 0; i < 40; i++) ref.push(sig(await a.next()));
  await a.close?.();

  // Interrupted at several points, each resumed from the state saved there.
  for (const cut of [1, 7, 13, 29]) {
    let s = await open('train');
    const got: string[] = [];
    for (let i = 0; i < cut; i++) got.push(sig(await s.next()));
    const state = JSON.parse(JSON.stringify(s.state()));
    await s.close?.();
    s = await open('train', state);
    for (let i = cut; i < 40; i++) got.push(sig(await s.next()));
    await s.close?.();
    expect(got).toEqual(ref);
  }

  // Train and validation never share a window: windows start at multiples of 16 inside 65-token rows.
  const firstIds = async (part: 'train' | 'val', n: number) => {
    const s = await open(part);
    const ids = new Set<string>();
    for (let i = 0; i < n; i++) {
      const b = await s.next();
      for (let r = 0; r < b.B; r++) ids.add(Array.from(b.ids.subarray(r * b.T, r * b.T + 4)).join(','));
    }
    await s.close?.();
    return ids;
  };
  const train = await firstIds('train', 60);
  const val = await firstIds('val', 15);
  expect(val.size).toBeGreaterThan(10);
  for (const v of val) expect(train.has(v)).toBe(false);
});
