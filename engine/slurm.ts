// Slurm executor: the same plan as a local run, one job array per phase, chained with
// --dependency=afterok. Completion markers are the source of truth (no sacct): a relaunch submits
// only the ranks without a marker, and `pipeline --status` reads markers and task logs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineConfigError } from './types.ts';
import { checkCompatible, makePlan, pad5, phaseDir, resolvePipelineFile, type Overrides, type Plan } from './plan.ts';
import { isComplete, writeAtomic } from './runtime.ts';
import { mergeRunStats } from './executor.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface SlurmOptions {
  partition?: string;
  cpusPerTask: number;
  mem?: string;
  time?: string;
  /** The cluster's MaxArraySize: arrays are split so every index is below it. */
  maxArraySize: number;
  /** At most this many tasks of an array run at once (`--array=…%K`). */
  concurrency?: number;
  /** Extra `#SBATCH` lines, e.g. ["--account=abc"]. */
  extra: string[];
  /** Poll squeue until every job left the queue, then report. */
  wait: boolean;
  /** Binaries, overridable for tests. */
  sbatch: string;
  squeue: string;
}

export interface Submission {
  phase: string;
  jobIds: string[];
  ranks: number[];
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new PipelineConfigError(`${cmd}: ${r.error.message} (is Slurm installed and on PATH?)`);
  if (r.status !== 0) throw new PipelineConfigError(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/** `0,1,2,5,7,8` → `0-2,5,7-8`. */
export function compressRanges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(i === j ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Split pending ranks into arrays whose indices (0…n-1, mapped to ranks by a file) stay below maxArraySize. */
export function chunkRanks(ranks: number[], maxArraySize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ranks.length; i += maxArraySize) out.push(ranks.slice(i, i + maxArraySize));
  return out;
}

export function sbatchScript(plan: Plan, phase: string, ranksFile: string, n: number, o: SlurmOptions): string {
  const logs = join(phaseDir(plan.runDir, phase), 'logs');
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=tm-${plan.pipeline}-${phase}`.slice(0, 120),
    `#SBATCH --array=0-${n - 1}${o.concurrency ? `%${o.concurrency}` : ''}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    `#SBATCH --output=${logs}/slurm-%A_%a.out`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...o.extra.map((e) => `#SBATCH ${e}`),
    'set -euo pipefail',
    `RANK=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${ranksFile})`,
    `cd ${ROOT}`,
    // One task per array element; single worker thread (cpus-per-task bounds the process).
    `exec ${process.execPath} ${join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')} ${join(ROOT, 'cli', 'tokenmill.ts')} task --run-dir ${plan.runDir} --phase ${phase} --rank "$RANK"`,
    '',
  ];
  return lines.join('\n');
}

/** Plan (or re-plan) the run and submit every unfinished rank, phase after phase. */
export async function submitSlurm(name: string, ov: Overrides, flags: Record<string, string | boolean>): Promise<Submission[]> {
  const o = slurmOptions(flags);
  const file = resolvePipelineFile(name);
  const { plan } = await makePlan(file, { ...ov, workers: 0 });
  const planFile = join(plan.runDir, 'plan.json');
  if (existsSync(planFile)) {
    const old = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    checkCompatible(old, plan);
    plan.createdAt = old.createdAt;
  }
  writeAtomic(planFile, JSON.stringify(plan, null, 2) + '\n');
  const subs = submitPlan(plan, o);
  if (!subs.length) console.log('every task is complete: nothing to submit');
  for (const s of subs) console.log(`${s.phase}: ${s.ranks.length} task(s) → job ${s.jobIds.join(', ')}`);
  if (o.wait && subs.length) {
    await waitForJobs(subs.flatMap((s) => s.jobIds), o);
    const stats = mergeRunStats(plan);
    writeAtomic(join(plan.runDir, 'stats.json'), JSON.stringify(stats, null, 1) + '\n');
    const incomplete = plan.phases.filter((p) => stats.phases.find((x) => x.name === p.name)!.done < p.tasks);
    if (incomplete.length) {
      throw new PipelineConfigError(`run incomplete: ${incomplete.map((p) => p.name).join(', ')} have unfinished tasks (see --status and the task logs); relaunch to resubmit only those`);
    }
    console.log(`all phases complete → ${join(plan.runDir, 'stats.json')}`);
  }
  return subs;
}

export function submitPlan(plan: Plan, o: SlurmOptions): Submission[] {
  const dir = join(plan.runDir, 'slurm');
  mkdirSync(dir, { recursive: true });
  const subs: Submission[] = [];
  let previous: string[] = [];
  const stamp = Date.now().toString(36);
  for (const phase of plan.phases) {
    const ranks = [...Array(phase.tasks).keys()].filter((r) => !isComplete(plan, phase.name, r));
    if (!ranks.length) continue;
    mkdirSync(join(phaseDir(plan.runDir, phase.name), 'logs'), { recursive: true });
    const jobIds: string[] = [];
    chunkRanks(ranks, o.maxArraySize).forEach((chunk, k) => {
      const base = join(dir, `${phase.name}.${stamp}.${pad5(k)}`);
      writeFileSync(`${base}.ranks`, chunk.join('\n') + '\n');
      writeFileSync(`${base}.sbatch`, sbatchScript(plan, phase.name, `${base}.ranks`, chunk.length, o));
      const dep = previous.length ? [`--dependency=afterok:${previous.join(':')}`] : [];
      jobIds.push(run(o.sbatch, ['--parsable', ...dep, `${base}.sbatch`]).split(';')[0]);
    });
    subs.push({ phase: phase.name, jobIds, ranks });
    previous = jobIds;
  }
  return subs;
}

/** Poll squeue until none of the jobs is queued or running. */
export async function waitForJobs(jobIds: string[], o: Pick<SlurmOptions, 'squeue'>, pollMs = 1000): Promise<void> {
  for (;;) {
    const out = run(o.squeue, ['-h', '-o', '%A %T', '-j', jobIds.join(',')]);
    if (!out.trim()) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function slurmOptions(flags: Record<string, string | boolean>): SlurmOptions {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const int = (k: string, d?: number) => {
    const v = str(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new PipelineConfigError(`--${k} must be a positive integer, got "${v}"`);
    return n;
  };
  return {
    partition: str('partition'),
    cpusPerTask: int('cpus-per-task', 1)!,
    mem: str('mem'),
    time: str('time'),
    maxArraySize: int('max-array-size', 1000)!,
    concurrency: int('concurrency'),
    extra: (str('sbatch-args') ?? '').split(/\s+(?=--)/).filter(Boolean),
    wait: !!flags.wait,
    sbatch: str('sbatch') ?? 'sbatch',
    squeue: str('squeue') ?? 'squeue',
  };
}
