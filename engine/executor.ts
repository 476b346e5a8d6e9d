// Local executor: plans the run, then runs each phase's unfinished tasks in a piscina pool
// (phases are barriers), shows progress, and merges per-task stats into <run>/stats.json.
// Completion markers are the source of truth: a rerun skips finished tasks.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { RunStats, StageStats, TaskStats } from './types.ts';
import { PipelineConfigError } from './types.ts';
import { checkCompatible, logPath, makePlan, phaseDir, resolvePipelineFile, statsPath, type BuiltPipeline, type Overrides, type Plan } from './plan.ts';
import { isComplete, runTask, writeAtomic } from './runtime.ts';
import { mergeStageStats, reviveStats } from './stats.ts';
import { TMP_SUFFIX } from './context.ts';
import { isUrl } from './sources.ts';
import { createProgress, type ProgressMode } from './progress.ts';
import type { WorkerTask } from './worker-task.ts';

export interface RunOptions extends Overrides {
  /** Redo every task, even finished ones (the run directory is cleared first). */
  force?: boolean;
  progress?: ProgressMode;
  /** Only plan and print the plan. */
  dryRun?: boolean;
  /** Tests: make every doc task of the first phase crash after N documents. */
  crashAfterDocs?: number;
  cwd?: string;
}

export class TaskFailedError extends Error {}

/** Everything the run directory may hold that a --force run must clear. */
function clearRunDir(runDir: string): void {
  if (!existsSync(runDir)) return;
  if (!existsSync(join(runDir, 'plan.json'))) {
    if (readdirSync(runDir).length === 0) return;
    throw new PipelineConfigError(`${runDir} exists and is not a tokenmill run directory (no plan.json): refusing to clear it`);
  }
  for (const entry of readdirSync(runDir)) rmSync(join(runDir, entry), { recursive: true, force: true });
}

export async function runPipeline(nameOrFile: string, o: RunOptions = {}): Promise<{ plan: Plan; stats: RunStats }> {
  const cwd = o.cwd ?? process.cwd();
  const file = resolvePipelineFile(nameOrFile, cwd);
  const { plan, built } = await makePlan(file, o, cwd);
  return executePlan(plan, built, o);
}

/** Run a plan's unfinished tasks, phase after phase; returns the merged stats. */
export async function executePlan(plan: Plan, built: BuiltPipeline, o: RunOptions = {}): Promise<{ plan: Plan; stats: RunStats }> {
  const planFile = join(plan.runDir, 'plan.json');
  if (o.force) clearRunDir(plan.runDir);
  else if (existsSync(planFile)) {
    const old = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    checkCompatible(old, plan);
    plan.createdAt = old.createdAt;
  }
  if (o.dryRun) return { plan, stats: mergeRunStats(plan) };
  writeAtomic(planFile, JSON.stringify(plan, null, 2) + '\n');
  removeStaleTemps(plan.runDir);

  const progress = createProgress(o.progress ?? 'auto', plan);
  let pool: Piscina | undefined;
  try {
    for (const phase of plan.phases) {
      const pending = [...Array(phase.tasks).keys()].filter((r) => !isComplete(plan, phase.name, r));
      const totalBytes = phase.index === 0 && phase.kind === 'docs' ? inputBytes(plan, pending) : undefined;
      progress.startPhase(phase.name, phase.tasks, phase.tasks - pending.length, totalBytes);
      if (!pending.length) continue;
      const failures: string[] = [];
      const runOne = async (rank: number) => {
        try {
          if (plan.workers === 0) {
            await runTask(plan, built, phase.index, rank, {
              progress: progress.counters(),
              echoWarnings: false,
              crashAfterDocs: phase.index === 0 ? o.crashAfterDocs : undefined,
            });
          } else {
            pool ??= new Piscina({
              filename: new URL('./worker.mjs', import.meta.url).href,
              minThreads: plan.workers,
              maxThreads: plan.workers,
              idleTimeout: 60_000,
            });
            const task: WorkerTask = {
              runDir: plan.runDir,
              phaseIndex: phase.index,
              rank,
              counters: progress.shared,
              crashAfterDocs: phase.index === 0 ? o.crashAfterDocs : undefined,
            };
            await pool.run(task);
          }
          progress.taskDone();
        } catch (e) {
          failures.push(`task ${rank}: ${(e as Error).message.split('\n')[0]} (log: ${logPath(plan.runDir, phase.name, rank)})`);
          progress.taskFailed();
        }
      };
      // workers 0 runs tasks one after the other in this thread.
      await runWithConcurrency(pending, Math.max(1, Math.min(plan.workers, pending.length)), runOne);
      progress.endPhase();
      if (failures.length) {
        throw new TaskFailedError(`phase ${phase.name}: ${failures.length} task(s) failed; rerun to retry only those:\n  ${failures.join('\n  ')}`);
      }
    }
  } finally {
    progress.stop();
    await pool?.destroy();
  }
  const stats = mergeRunStats(plan);
  writeAtomic(join(plan.runDir, 'stats.json'), JSON.stringify(stats, null, 1) + '\n');
  return { plan, stats };
}

/** Temp files left by a killed run are garbage: no final name ever pointed at them. */
export function removeStaleTemps(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += removeStaleTemps(p);
    else if (e.name.endsWith(TMP_SUFFIX)) {
      rmSync(p, { force: true });
      n++;
    }
  }
  return n;
}

async function runWithConcurrency<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function inputBytes(plan: Plan, ranks: number[]): number | undefined {
  let total = 0;
  for (const r of ranks) {
    for (let i = r; i < plan.inputs.length; i += plan.tasks) {
      const f = plan.inputs[i];
      if (isUrl(f)) return undefined;
      total += statSync(f).size;
    }
  }
  return total;
}

/** Merge the per-task stats files of every phase (pure: files in, RunStats out). */
export function mergeRunStats(plan: Plan): RunStats {
  const phases: RunStats['phases'] = plan.phases.map((phase) => {
    let merged: StageStats[] = [];
    let done = 0;
    let wallMs = 0;
    let bytesIn = 0;
    for (let r = 0; r < phase.tasks; r++) {
      const f = statsPath(plan.runDir, phase.name, r);
      if (!existsSync(f) || !isComplete(plan, phase.name, r)) continue;
      const t = reviveStats(JSON.parse(readFileSync(f, 'utf8'))) as TaskStats;
      done++;
      wallMs += t.wallMs;
      bytesIn += t.bytesIn;
      merged = merged.length === 0 ? t.stages : merged.map((s, i) => mergeStageStats(s, t.stages[i]));
    }
    return { name: phase.name, tasks: phase.tasks, done, wallMs, bytesIn, stages: merged };
  });
  return {
    pipeline: plan.pipeline,
    pipelineFile: plan.pipelineFile,
    runDir: plan.runDir,
    createdAt: plan.createdAt,
    config: { tasks: plan.tasks, workers: plan.workers, seed: plan.seed, inputs: plan.inputs.length, steps: plan.steps },
    phases,
    extra: {},
  };
}

/** Per-phase done/failed/total, for `pipeline --status`. A task failed if its log ends with a failure and it has no marker. */
export function phaseStatus(plan: Plan): Array<{ phase: string; done: number; tasks: number; failed: number[] }> {
  return plan.phases.map((p) => {
    const dir = join(phaseDir(plan.runDir, p.name), 'completions');
    const done = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+$/.test(f)).length : 0;
    const failed: number[] = [];
    for (let r = 0; r < p.tasks; r++) {
      if (isComplete(plan, p.name, r)) continue;
      const log = logPath(plan.runDir, p.name, r);
      if (existsSync(log) && /WARN task failed/.test(readFileSync(log, 'utf8').split('\n').slice(-40).join('\n'))) failed.push(r);
    }
    return { phase: p.name, tasks: p.tasks, done, failed };
  });
}

export type { BuiltPipeline };
