// What a pool worker does for one task: load the plan, rebuild the pipeline's steps from its file
// (cached per worker), run the task. Crosses threads once per task, never per document.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskStats } from './types.ts';
import { applyOverrides, buildSteps, loadPipeline, type BuiltPipeline, type Plan } from './plan.ts';
import { runTask } from './runtime.ts';
import { sharedCounters } from './progress.ts';

export interface WorkerTask {
  runDir: string;
  phaseIndex: number;
  rank: number;
  /** BigInt64Array over a SharedArrayBuffer: [docs, bytes]. */
  counters?: SharedArrayBuffer;
  crashAfterDocs?: number;
}

const cache = new Map<string, { plan: Plan; built: BuiltPipeline }>();

export async function runTaskInWorker(t: WorkerTask): Promise<TaskStats> {
  let entry = cache.get(t.runDir);
  if (!entry) {
    const plan = JSON.parse(readFileSync(join(t.runDir, 'plan.json'), 'utf8')) as Plan;
    const built = buildSteps(applyOverrides(await loadPipeline(plan.pipelineFile), plan.overrides));
    entry = { plan, built };
    cache.set(t.runDir, entry);
  }
  return runTask(entry.plan, entry.built, t.phaseIndex, t.rank, {
    crashAfterDocs: t.crashAfterDocs,
    progress: t.counters && sharedCounters(t.counters),
  });
}
