// Faults: a poisoned document, a worker that dies mid-task, a disk that refuses writes. In every
// case the failure is clear, no partial file is visible, and the rerun's outputs are byte-identical
// to an uninterrupted run's, with complete stats.
import { expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { describeShared, ROOT } from '../shared.ts';
import { CLI, TSX, cli, tempDir } from '../helpers.ts';

function outputs(dir: string): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\/(logs|stats|completions)\/|plan\.json$|stats\.json$/.test(p)) m.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return m;
}

function expectSameOutputs(a: string, b: string): void {
  const x = outputs(a);
  const y = outputs(b);
  expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
  for (const [k, v] of x) expect(y.get(k)!.equals(v), k).toBe(true);
}

const run = (out: string, env: Record<string, string> = {}, workers = '2') =>
  cli(['pipeline', 'test/fixtures/pipelines/faults.ts', '--output', out, '--workers', workers, '--progress', 'none'], { env });

describeShared('faults', 'data/warc/commoncrawl', () => {
  it('a poisoned document is logged and skipped; the task completes', () => {
    const out = tempDir();
    const r = run(out, { TOKENMILL_FAULT: 'poison' });
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    const fault = stats.phases[0].stages.find((s: any) => s.name === 'fault');
    expect(fault.dropped.stage_error).toBe(1);
    expect(fault.counters.errors).toBe(1);
    expect(fault.samples.dropped[0].reason).toBe('stage_error');
    const logs = readdirSync(join(out, 'phases/00-docs/logs')).map((f) => readFileSync(join(out, 'phases/00-docs/logs', f), 'utf8')).join('');
    expect(logs).toMatch(/stage fault: document \S+ \(\S+cc-main-2024-22_whirlwind\.warc\.gz@\d+\) skipped: poisoned document/);
    expect(stats.phases[0].done).toBe(4);
  });

  it('a worker that dies mid-task fails only its task; the rerun completes byte-identically', () => {
    const clean = tempDir();
    expect(run(clean, { TOKENMILL_FAULT: 'exit' }).code).toBe(0);
    const out = tempDir();
    writeFileSync(join(out, 'inject-failure'), '');
    const r = run(out, { TOKENMILL_FAULT: 'exit' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/phase 00-docs: 1 task\(s\) failed; rerun to retry only those:\n\s+task 1: .*(exit|code 7)/i);
    expect(readdirSync(join(out, 'phases/00-docs/completions')).sort()).toEqual(['00000', '00002', '00003']);
    expect(existsSync(join(out, 'docs/00001.parquet'))).toBe(false);
    rmSync(join(out, 'inject-failure'));
    rmSync(join(clean, 'inject-failure'), { force: true });
    const again = run(out, { TOKENMILL_FAULT: 'exit' });
    expect(again.code, again.stderr).toBe(0);
    expectSameOutputs(clean, out);
  });

  it('a disk error on write is a clear error, leaves no partial file, and the rerun recovers', () => {
    const clean = tempDir();
    expect(run(clean).code).toBe(0);
    const out = tempDir();
    // ulimit -f: files beyond 40 KB cannot be written (EFBIG), like a full disk.
    const r = spawnSync('bash', ['-c', `ulimit -f 40; exec "${TSX}" "${CLI}" pipeline test/fixtures/pipelines/faults.ts --output "${out}" --workers 2 --progress none`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/task \d: EFBIG: file too large, write \(log: /);
    const visible = readdirSync(join(out), { recursive: true }).map(String);
    expect(visible.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const done = existsSync(join(out, 'phases/00-docs/completions')) ? readdirSync(join(out, 'phases/00-docs/completions')) : [];
    for (const f of visible.filter((f) => f.startsWith('docs/'))) expect(done).toContain(f.slice(5, 10));
    const again = run(out);
    expect(again.code, again.stderr).toBe(0);
    expectSameOutputs(clean, out);
    const s = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    const c = JSON.parse(readFileSync(join(clean, 'stats.json'), 'utf8'));
    expect(s.phases[0].stages.map((x: any) => x.docsOut)).toEqual(c.phases[0].stages.map((x: any) => x.docsOut));
  });
});
