// `pnpm bench [name …]`: runs bench/<name>.bench.ts files (all by default), one after the other,
// each printing its table beside the reference tool and writing bench/results/<name>.json.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './lib.ts';

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const all = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const names = wanted.length ? wanted : all;
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (available: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const t = performance.now();
  try {
    const mod = await import(pathToFileURL(join(BENCH_DIR, `${name}.bench.ts`)).href);
    await mod.default();
  } catch (e) {
    failed++;
    console.error(`bench ${name} failed: ${(e as Error).stack ?? e}`);
  }
  console.log(`(${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
process.exitCode = failed ? 1 : 0;
