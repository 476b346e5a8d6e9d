// The Slurm executor on a real single-node cluster (scripts/slurm-local.sh): a multi-phase pipeline
// with dedup, one injected task failure, a relaunch that resubmits only what is unfinished, and
// merged stats equal to a local run's.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeShared } from '../shared.ts';
import { cli, tempDir } from '../helpers.ts';
import { ROOT } from '../shared.ts';
import { chunkRanks, compressRanges } from '../../engine/slurm.ts';

const SLURM_DIR = '/tmp/tokenmill-slurm-test';
const env = { TOKENMILL_SLURM_DIR: SLURM_DIR, SLURM_CONF: join(SLURM_DIR, 'slurm.conf'), TOKENMILL_SLURM_PORT: '6917' };
const canRun = process.getuid?.() === 0 && (existsSync('/usr/sbin/slurmctld') || !!process.env.CI);

it('array ranges are compressed and split at MaxArraySize', () => {
  expect(compressRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  expect(chunkRanks([...Array(2500).keys()], 1000).map((c) => [c[0], c.length])).toEqual([[0, 1000], [1000, 1000], [2000, 500]]);
});

describeShared('Slurm executor on a local cluster', 'data/warc/commoncrawl', () => {
  if (!canRun) {
    it.skip('needs root and Debian slurm packages (scripts/slurm-local.sh installs them)', () => {});
    return;
  }
  beforeAll(() => {
    const r = spawnSync(join(ROOT, 'scripts', 'slurm-local.sh'), ['start'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`slurm-local.sh start failed: ${r.stderr}`);
  }, 300_000);
  afterAll(() => {
    spawnSync(join(ROOT, 'scripts', 'slurm-local.sh'), ['stop'], { env: { ...process.env, ...env } });
  });

  it('injected failure → relaunch submits only unfinished ranks → complete, merged stats', () => {
    const local = tempDir();
    const l = cli(['pipeline', 'test/fixtures/pipelines/dedup-faults.ts', '--output', local, '--workers', '2', '--progress', 'none']);
    expect(l.code, l.stderr).toBe(0);

    const run = tempDir();
    writeFileSync(join(run, 'inject-failure'), '');
    const args = ['pipeline', 'test/fixtures/pipelines/dedup-faults.ts', '--executor', 'slurm', '--output', run, '--cpus-per-task', '1', '--max-array-size', '3', '--concurrency', '2', '--wait'];
    const first = cli(args, { env });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/run incomplete/);
    // The first phase was split into two arrays (4 ranks, MaxArraySize 3).
    expect(first.stdout).toMatch(/00-docs: 4 task\(s\) → job \d+, \d+/);
    const status = cli(['pipeline', 'test/fixtures/pipelines/dedup-faults.ts', '--output', run, '--status'], { env });
    expect(status.stdout).toMatch(/00-docs\s+3\/4 done\s+1 failed \(ranks 1\)\s+0 pending/);
    expect(readFileSync(join(run, 'phases', '00-docs', 'logs', '00001.log'), 'utf8')).toMatch(/injected failure/);

    rmSync(join(run, 'inject-failure'));
    const again = cli(args, { env });
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(/00-docs: 1 task\(s\)/);
    const stats = JSON.parse(readFileSync(join(run, 'stats.json'), 'utf8'));
    const localStats = JSON.parse(readFileSync(join(local, 'stats.json'), 'utf8'));
    expect(stats.phases.map((p: any) => [p.name, p.done, p.tasks])).toEqual(localStats.phases.map((p: any) => [p.name, p.tasks, p.tasks]));
    const counts = (s: any) => s.phases.map((p: any) => p.stages.map((x: any) => [x.name, x.docsIn, x.docsOut, x.dropped]));
    expect(counts(stats)).toEqual(counts(localStats));
    // Same kept documents as the local run, byte for byte.
    for (const f of readdirSync(join(local, 'docs'))) expect(readFileSync(join(run, 'docs', f)).equals(readFileSync(join(local, 'docs', f))), f).toBe(true);
  });
});
