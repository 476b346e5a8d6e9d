// Shared helpers for `pnpm bench`: every benchmark prints a table that puts tokenmill beside the
// reference tool measured in the same run, and writes the same rows as JSON under bench/results/.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const SHARED = join(BENCH_DIR, '..', '..', 'shared');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/** Scratch space for generated inputs (git-ignored). */
export const WORK_DIR = join(BENCH_DIR, 'work');

export type Row = Record<string, string | number | boolean | null>;

export interface BenchReport {
  name: string;
  title: string;
  rows: Row[];
  notes?: string[];
  [key: string]: unknown;
}

/** Seconds of `fn` best of `repeat` runs (after one warm-up unless warmup=false). */
export async function timeit(fn: () => unknown | Promise<unknown>, repeat = 3, warmup = true): Promise<number> {
  if (warmup) await fn();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

export function fmt(v: string | number | boolean | null): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

export function printTable(title: string, rows: Row[]): void {
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => (r[c] === undefined ? '' : fmt(r[c]))));
  const w = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (xs: string[]) => '| ' + xs.map((x, i) => x.padEnd(w[i])).join(' | ') + ' |';
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const r of cells) console.log(line(r));
}

/** Print the report's table and write bench/results/<name>.json. */
export function report(r: BenchReport): void {
  printTable(r.title, r.rows);
  for (const n of r.notes ?? []) console.log(`  note: ${n}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = { ...r, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, date: new Date().toISOString() };
  writeFileSync(join(RESULTS_DIR, `${r.name}.json`), JSON.stringify(out, null, 2) + '\n');
}

export function sharedPath(rel: string): string | null {
  const p = join(SHARED, rel);
  return existsSync(p) ? p : null;
}

/**
 * The large real-HTML WARC of ../shared/tools/make-real-warc.py (Debian documentation pages),
 * built once into bench/work/real.warc.gz. Returns null (with the reason printed) if it cannot be made.
 */
export async function realWarc(): Promise<string | null> {
  const { spawnSync } = await import('node:child_process');
  const out = join(WORK_DIR, 'real.warc.gz');
  if (existsSync(out)) return out;
  const tool = sharedPath('tools/make-real-warc.py');
  if (!tool) {
    console.log('  skipped: ../shared/tools/make-real-warc.py is absent');
    return null;
  }
  mkdirSync(WORK_DIR, { recursive: true });
  // The full set (7,142 pages, ~42 MB) needs Debian's documentation packages: install them first.
  console.log('  building the real-HTML WARC (apt-get installs the Debian documentation packages once)');
  spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
  const tmp = `${out}.partial`;
  let r = spawnSync('python3', [tool, tmp, '--install'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) r = spawnSync('python3', [tool, tmp], { stdio: 'inherit' });
  if (r.status === 0) (await import('node:fs')).renameSync(tmp, out);
  if (r.status !== 0 || !existsSync(out)) {
    console.log('  skipped: could not build the real-HTML WARC');
    return null;
  }
  return out;
}
