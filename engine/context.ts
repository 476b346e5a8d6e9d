// Task contexts: where a stage's side outputs go (temp name, renamed on commit) and where its
// counters land. The runtime builds one per task; tests build one directly with makeTaskContext.
import { mkdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger, RunInfo, StageStats, TaskContext } from './types.ts';
import { emptyStageStats, sinkFor } from './stats.ts';

export const TMP_SUFFIX = '.tmp';

/** Temp name of a final path: same folder (so rename is atomic), unique per process. */
export function tempName(finalPath: string): string {
  return `${finalPath}.${process.pid}.${Math.random().toString(36).slice(2, 8)}${TMP_SUFFIX}`;
}

export const consoleLogger: Logger = {
  info: (m) => console.error(m),
  warn: (m) => console.error(`warning: ${m}`),
};

/** Rename every registered [temp, final] output into place (a temp deleted on purpose is skipped). */
export function commitOutputs(pending: Array<[string, string]>): void {
  for (const [tmp, final] of pending.splice(0)) {
    if (existsSync(tmp)) renameSync(tmp, final);
  }
}

/** Remove every registered temp output (the task failed). */
export function abortOutputs(pending: Array<[string, string]>): void {
  for (const [tmp] of pending.splice(0)) rmSync(tmp, { force: true, recursive: true });
}

export interface OwnedTaskContext extends TaskContext {
  /** Stats of this context's stage. */
  readonly stageStats: StageStats;
  /** Rename every side output into place (call after the task's main output is complete). */
  commit(): void;
  /** Remove temp files (on failure). */
  abort(): void;
  /** Side outputs registered so far: [temp, final]. */
  readonly pending: Array<[string, string]>;
}

export interface ContextOptions extends Partial<RunInfo> {
  runDir: string;
  stageName?: string;
  log?: Logger;
  /** Share side outputs between contexts of one task (all commit together). */
  pending?: Array<[string, string]>;
}

export function makeTaskContext(o: ContextOptions): OwnedTaskContext {
  const runDir = resolve(o.runDir);
  const stageStats = emptyStageStats(o.stageName ?? 'stage');
  const pending: Array<[string, string]> = o.pending ?? [];
  return {
    runDir,
    phase: o.phase ?? 'main',
    rank: o.rank ?? 0,
    tasks: o.tasks ?? 1,
    docTasks: o.docTasks ?? o.tasks ?? 1,
    seed: o.seed ?? 0,
    stats: sinkFor(stageStats),
    log: o.log ?? consoleLogger,
    stageStats,
    pending,
    output(relPath: string): string {
      const final = join(runDir, relPath);
      const existing = pending.find(([, f]) => f === final);
      if (existing) return existing[0];
      mkdirSync(dirname(final), { recursive: true });
      const tmp = tempName(final);
      pending.push([tmp, final]);
      return tmp;
    },
    path(relPath: string): string {
      return join(runDir, relPath);
    },
    commit: () => commitOutputs(pending),
    abort: () => abortOutputs(pending),
  };
}
