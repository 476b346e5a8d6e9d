import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { RecordReader, RecordWriter, mergeSorted, readAllRecords, sortByKey, writeSorted } from '../../../stages/dedup/records.ts';
import { tempDir } from '../../helpers.ts';
import { rng } from './gen.ts';

describe('records', () => {
  it('radix sort orders by the 64-bit key and is stable', () => {
    const r = rng(5);
    const n = 20000;
    const data = new Uint32Array(n * 3);
    for (let i = 0; i < n; i++) {
      data[i * 3] = Math.floor(r() * 4) * 0x40000000; // few distinct high words: many ties
      data[i * 3 + 1] = Math.floor(r() * 50) * 0x1000001;
      data[i * 3 + 2] = i;
    }
    const order = sortByKey(data, n, 3);
    for (let k = 1; k < n; k++) {
      const a = order[k - 1] * 3;
      const b = order[k] * 3;
      const cmp = data[a] - data[b] || data[a + 1] - data[b + 1] || data[a + 2] - data[b + 2];
      expect(cmp).toBeLessThan(0);
    }
  });

  it('k-way merge of sorted runs yields every record in key order', () => {
    const dir = tempDir();
    const r = rng(9);
    const files: string[] = [];
    const all: number[][] = [];
    for (let f = 0; f < 5; f++) {
      const n = f === 2 ? 0 : Math.floor(r() * 3000);
      const data = new Uint32Array(n * 2);
      for (let i = 0; i < n * 2; i++) data[i] = Math.floor(r() * 1000);
      for (let i = 0; i < n; i++) all.push([data[2 * i], data[2 * i + 1]]);
      files.push(join(dir, `${f}.bin`));
      writeSorted(files[f], data, n, 2);
    }
    const seen: number[][] = [];
    const count = mergeSorted(files, 2, (rd) => seen.push([rd.buf[rd.pos], rd.buf[rd.pos + 1]]));
    expect(count).toBe(all.length);
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(seen).toEqual(all);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writer/reader round-trip across buffer boundaries; truncated files are refused', () => {
    const dir = tempDir();
    const p = join(dir, 'x.bin');
    const w = new RecordWriter(p, 7);
    for (let i = 0; i < 30000; i++) w.write(i, 1, 2, 3, 4, 5, 0xffffffff - i);
    w.close();
    const back = readAllRecords(p, 7);
    expect(back.length).toBe(30000 * 7);
    expect(back[7 * 29999 + 6]).toBe(0xffffffff - 29999);
    writeFileSync(join(dir, 'bad.bin'), new Uint8Array(10));
    expect(() => new RecordReader(join(dir, 'bad.bin'), 3)).toThrow(/truncated/);
    expect(() => new RecordReader(join(dir, 'missing.bin'), 3)).toThrow(/missing/);
    rmSync(dir, { recursive: true, force: true });
  });
});
