// A small in-process driver that runs expanded dedup steps exactly as the engine does: doc phases
// (consecutive stages, documents split round-robin over `tasks`, each task's output kept in order
// for the next doc phase), global phases (tasks(docTasks) tasks), makeTaskContext + commit() per task.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTaskContext } from '../../../engine/context.ts';
import type { Doc, DocProcessor, GlobalPhase, PipelineStep, Stage } from '../../../engine/types.ts';
import { expandSteps } from '../../../engine/plan.ts';
import { emptyStageStats } from '../../../engine/stats.ts';
import type { StageStats } from '../../../engine/types.ts';

export interface DriveResult {
  /** Output documents per doc task, in order. */
  out: Doc[][];
  /** Dropped documents with their reason. */
  dropped: Array<{ doc: Doc; reason: string }>;
  /** Stats per step name (merged over tasks). */
  stats: Map<string, StageStats>;
  /** Wall ms per phase (doc phases named by their stages joined with "+"). */
  ms: Map<string, number>;
}

export interface DriveOptions {
  /** Throw inside step `crashStep`, task `crashRank`, after its work (before commit): simulates a kill. */
  crash?: { step: number; rank: number };
  quiet?: boolean;
}

const silent = { info() {}, warn() {} };

function mergeInto(stats: Map<string, StageStats>, s: StageStats): void {
  const m = stats.get(s.name) ?? emptyStageStats(s.name);
  m.docsIn += s.docsIn;
  m.docsOut += s.docsOut;
  for (const [k, v] of Object.entries(s.dropped)) m.dropped[k] = (m.dropped[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.counters)) m.counters[k] = (m.counters[k] ?? 0) + v;
  for (const [k, h] of Object.entries(s.histograms)) {
    const t = m.histograms[k];
    if (!t) m.histograms[k] = structuredClone(h);
    else {
      h.bins.forEach((c, i) => (t.bins[i] = (t.bins[i] ?? 0) + c));
      t.count += h.count;
      t.sum += h.sum;
      t.min = Math.min(t.min, h.min);
      t.max = Math.max(t.max, h.max);
    }
  }
  stats.set(s.name, m);
}

/** Run `stage` (expanded) over `docs` with `tasks` doc tasks; returns outputs per task. */
export async function drive(stage: PipelineStep | PipelineStep[], docs: Doc[], runDir: string, tasks: number, o: DriveOptions = {}): Promise<DriveResult> {
  const steps = expandSteps(Array.isArray(stage) ? stage : [stage]);
  let current: Doc[][] = Array.from({ length: tasks }, (_, r) => docs.filter((_, i) => i % tasks === r).map(clone));
  const dropped: DriveResult['dropped'] = [];
  const stats = new Map<string, StageStats>();
  const ms = new Map<string, number>();
  let i = 0;
  while (i < steps.length) {
    if (steps[i].kind === 'global') {
      const g = steps[i] as GlobalPhase;
      const n = g.tasks(tasks);
      const t0 = performance.now();
      for (let rank = 0; rank < n; rank++) {
        const ctx = makeTaskContext({ runDir, rank, tasks: n, docTasks: tasks, stageName: g.name, log: silent });
        try {
          await g.run(ctx);
          if (o.crash && o.crash.step === i && o.crash.rank === rank) throw new Error('injected crash');
        } catch (e) {
          ctx.abort();
          throw e;
        }
        ctx.commit();
        mergeInto(stats, ctx.stageStats);
      }
      ms.set(g.name, performance.now() - t0);
      i++;
      continue;
    }
    // A doc phase: consecutive stages.
    const first = i;
    while (i < steps.length && steps[i].kind === 'stage') i++;
    const phase = steps.slice(first, i) as Stage[];
    const next: Doc[][] = [];
    const t0 = performance.now();
    for (let rank = 0; rank < tasks; rank++) {
      const pending: Array<[string, string]> = [];
      const ctxs = phase.map((s) => makeTaskContext({ runDir, rank, tasks, docTasks: tasks, stageName: s.name, log: silent, pending }));
      const procs: DocProcessor[] = [];
      for (let k = 0; k < phase.length; k++) procs.push(await phase[k].open(ctxs[k]));
      const outDocs: Doc[] = [];
      const push = async (doc: Doc, from: number) => {
        for (let k = from; k < phase.length; k++) {
          const res = await procs[k].process(doc);
          ctxs[k].stageStats.docsIn++;
          if (typeof res === 'string') {
            ctxs[k].stageStats.dropped[res] = (ctxs[k].stageStats.dropped[res] ?? 0) + 1;
            dropped.push({ doc, reason: res });
            return;
          }
          ctxs[k].stageStats.docsOut++;
          doc = res;
        }
        outDocs.push(doc);
      };
      try {
        for (const d of current[rank]) await push(d, 0);
        for (let k = 0; k < phase.length; k++) for (const d of (await procs[k].finish?.()) ?? []) await push(d, k + 1);
        if (o.crash && o.crash.step >= first && o.crash.step < i && o.crash.rank === rank) throw new Error('injected crash');
      } catch (e) {
        ctxs[0].abort();
        throw e;
      }
      ctxs[0].commit();
      for (const c of ctxs) mergeInto(stats, c.stageStats);
      // The engine round-trips documents through JSONL between doc phases.
      next.push(outDocs.map(clone));
    }
    ms.set(phase.map((s) => s.name).join('+'), performance.now() - t0);
    current = next;
  }
  return { out: current, dropped, stats, ms };
}

function clone(d: Doc): Doc {
  return JSON.parse(JSON.stringify({ id: d.id, text: d.text, metadata: d.metadata })) as Doc;
}

/** Documents of a JSONL file, with source/offset set as the engine's readers do. */
export function readJsonlDocs(path: string, idField = 'id'): Doc[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      const { text, ...meta } = r;
      return { id: String(r[idField] ?? i), text: String(text), metadata: { ...meta, source: path, offset: i } };
    });
}

export const fixture = (dir: string, name: string) => join(dir, name);
