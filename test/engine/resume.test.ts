// A run killed at any moment and rerun gives the same outputs as an uninterrupted run.
import { expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeShared } from '../shared.ts';
import { cli, cliSpawn, tempDir } from '../helpers.ts';

function listFiles(dir: string, skip = /\/(logs|stats|completions)\/|plan\.json$|stats\.json$/): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (!skip.test(p)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const markers = (dir: string) => {
  const d = join(dir, 'phases', '00-docs', 'completions');
  return existsSync(d) ? readdirSync(d).length : 0;
};

describeShared('resume after kill -9', 'data/warc', () => {
  it('kill at a random point, rerun: outputs byte-identical to an uninterrupted run', async () => {
    const tasks = '20';
    const clean = tempDir();
    const r = cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', clean, '--tasks', tasks, '--workers', '2', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(markers(clean)).toBe(20);

    const killed = tempDir();
    const child = cliSpawn(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', killed, '--tasks', tasks, '--workers', '2', '--progress', 'none']);
    const exited = new Promise((res) => child.on('exit', res));
    // Kill as soon as the first task has finished: others are mid-flight.
    while (markers(killed) === 0) await new Promise((res) => setTimeout(res, 5));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const doneAtKill = markers(killed);
    expect(doneAtKill).toBeGreaterThan(0);
    expect(doneAtKill).toBeLessThan(20);

    const again = cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', killed, '--tasks', tasks, '--workers', '2', '--progress', 'lines']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming: \d+\/20 tasks already complete/);

    const a = listFiles(clean);
    const b = listFiles(killed);
    expect(b).toEqual(a);
    expect(a.filter((f) => f.startsWith('docs/')).length).toBe(20);
    for (const f of a) expect(readFileSync(join(killed, f)).equals(readFileSync(join(clean, f))), f).toBe(true);
    // Stats are complete after the resume: every task counted once.
    const sa = JSON.parse(readFileSync(join(clean, 'stats.json'), 'utf8'));
    const sb = JSON.parse(readFileSync(join(killed, 'stats.json'), 'utf8'));
    expect(sb.phases[0].done).toBe(20);
    expect(sb.phases[0].stages.map((s: any) => [s.name, s.docsIn, s.docsOut])).toEqual(sa.phases[0].stages.map((s: any) => [s.name, s.docsIn, s.docsOut]));
  });

  it('a rerun of a finished run does nothing; changing the task count is refused', () => {
    const dir = tempDir();
    expect(cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', dir, '--workers', '0', '--progress', 'none']).code).toBe(0);
    const again = cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', dir, '--workers', '0', '--progress', 'lines']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/3\/3 tasks already complete, skipped/);
    const changed = cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--output', dir, '--tasks', '5', '--progress', 'none']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/planned with 3 tasks, now 5/);
  });
});
