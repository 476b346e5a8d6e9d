// Runs one task of one phase: streams documents from the reader (or the previous doc phase's
// output) through the stages, counting, timing, sampling and writing exclusions for each, then
// writes the task's output under a temp name, renames everything into place, writes its stats
// and finally its completion marker. Same inputs → same bytes out, so a rerun is idempotent.
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Doc, DocProcessor, DocSink, Logger, PipelineStep, Stage, StageStats, TaskStats } from './types.ts';
import type { BuiltPipeline, Plan } from './plan.ts';
import { completionPath, intermediatePath, logPath, pad5, statsPath } from './plan.ts';
import { abortOutputs, commitOutputs, makeTaskContext, tempName, type OwnedTaskContext } from './context.ts';
import { emptyStageStats, emptyHistogram, hash32, observe, pushSample, sampleOf, sinkFor, wouldSample } from './stats.ts';
import { readerFor } from './readers/index.ts';
import { emptyTopK, topkAdd } from './topk.ts';
import { jsonlReader } from './readers/jsonl.ts';
import { jsonlWriter } from './writers/jsonl.ts';

/** Shared progress counters (a SharedArrayBuffer when run in a worker pool). */
export interface Progress {
  docs(n: number): void;
  bytes(n: number): void;
}

export interface TaskOptions {
  progress?: Progress;
  /** Mirror warnings to stderr (inline runs); workers only write them to the task log. */
  echoWarnings?: boolean;
  /** Fault injection for tests: throw after this many documents (simulates a crash). */
  crashAfterDocs?: number;
}

/** Write a file atomically: temp name, then rename. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function taskLogger(file: string, echo: boolean): Logger {
  mkdirSync(dirname(file), { recursive: true });
  const line = (level: string, m: string) => {
    appendFileSync(file, `${new Date().toISOString()} ${level} ${m}\n`);
    if (echo && level !== 'INFO') console.error(`${level.toLowerCase()}: ${m}`);
  };
  return { info: (m) => line('INFO', m), warn: (m) => line('WARN', m) };
}

/** Host of a URL without "www.", or undefined for a missing/unparseable URL. */
function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]+)/i.exec(url);
  return m ? m[1].toLowerCase().replace(/^www\./, '') : undefined;
}

export function isComplete(plan: Plan, phase: string, rank: number): boolean {
  return existsSync(completionPath(plan.runDir, phase, rank));
}

/** Unique stats names when a stage type is used twice. */
function stageNames(steps: PipelineStep[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    return n === 1 ? s.name : `${s.name}#${n}`;
  });
}

interface RunningStage {
  stage: Stage;
  proc: DocProcessor;
  ctx: OwnedTaskContext;
  stats: StageStats;
  exclusions?: Promise<DocSink>;
}

export async function runTask(plan: Plan, built: BuiltPipeline, phaseIndex: number, rank: number, opts: TaskOptions = {}): Promise<TaskStats> {
  const phase = plan.phases[phaseIndex];
  const started = new Date();
  const log = taskLogger(logPath(plan.runDir, phase.name, rank), opts.echoWarnings ?? false);
  const pending: Array<[string, string]> = [];
  const base = { runDir: plan.runDir, phase: phase.name, rank, tasks: phase.tasks, docTasks: plan.tasks, seed: plan.seed, log, pending };
  const names = stageNames(phase.steps.map((i) => built.steps[i]));
  const stats: StageStats[] = [];
  let bytesIn = 0;

  try {
    if (phase.kind === 'global') {
      const step = built.steps[phase.steps[0]];
      if (step.kind !== 'global') throw new Error(`phase ${phase.name}: expected a global step`);
      const ctx = makeTaskContext({ ...base, stageName: names[0] });
      const t = performance.now();
      await step.run(ctx);
      ctx.stageStats.timeMs = performance.now() - t;
      stats.push(ctx.stageStats);
    } else {
      bytesIn = await runDocPhase(plan, built, phaseIndex, rank, base, names, stats, opts);
    }
    // Commit: side outputs and the main output (all registered in `pending`) go into place,
    // then the stats, then the marker — the marker is the only proof a task finished.
    commitOutputs(pending);
    const finished = new Date();
    const taskStats: TaskStats = {
      phase: phase.name,
      rank,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallMs: finished.getTime() - started.getTime(),
      bytesIn,
      stages: stats,
    };
    writeAtomic(statsPath(plan.runDir, phase.name, rank), JSON.stringify(taskStats));
    writeAtomic(completionPath(plan.runDir, phase.name, rank), finished.toISOString() + '\n');
    log.info(`task done in ${taskStats.wallMs} ms`);
    return taskStats;
  } catch (e) {
    abortOutputs(pending);
    log.warn(`task failed: ${(e as Error).stack ?? e}`);
    throw e;
  }
}

async function runDocPhase(
  plan: Plan,
  built: BuiltPipeline,
  phaseIndex: number,
  rank: number,
  base: Parameters<typeof makeTaskContext>[0] & { log: Logger },
  names: string[],
  stats: StageStats[],
  opts: TaskOptions,
): Promise<number> {
  const phase = plan.phases[phaseIndex];
  const readStats = emptyStageStats('read');
  stats.push(readStats);
  let bytesIn = 0;
  const readCtx = {
    stats: sinkFor(readStats),
    log: base.log,
    onBytes: (n: number) => {
      bytesIn += n;
      opts.progress?.bytes(n);
    },
  };

  // Open stages in order (their setup may load models, tokenizers, removal lists…).
  const running: RunningStage[] = [];
  for (let k = 0; k < phase.steps.length; k++) {
    const stage = built.steps[phase.steps[k]] as Stage;
    const ctx = makeTaskContext({ ...base, stageName: names[k] });
    const proc = await stage.open(ctx);
    const r: RunningStage = { stage, proc, ctx, stats: ctx.stageStats };
    if (stage.writeExclusions) {
      const path = ctx.output(`removed/${names[k].replace(/[^\w.#-]/g, '_')}/${pad5(rank)}.jsonl.gz`);
      r.exclusions = jsonlWriter({ gzip: true }).open(path);
    }
    running.push(r);
    stats.push(r.stats);
  }

  // The task's document output: the pipeline's writer for the final doc phase, else an intermediate.
  const finalPhase = phase.output === 'final';
  const outFinal = finalPhase ? `${plan.runDir}/docs/${pad5(rank)}${built.writer.extension}` : intermediatePath(plan.runDir, phase.name, rank);
  mkdirSync(dirname(outFinal), { recursive: true });
  const outTmp = tempName(outFinal);
  base.pending!.push([outTmp, outFinal]);
  // Intermediates are written once and read once: fast gzip (level 1) wins over small files.
  const sink = await (finalPhase ? built.writer : jsonlWriter({ gzip: true, level: 1 })).open(outTmp);
  const outStats = emptyStageStats('write');
  stats.push(outStats);
  outStats.histograms.doc_chars = emptyHistogram();
  const domains = emptyTopK(500);
  outStats.topk = { domain: domains };

  let docCount = 0;
  let progressPending = 0;

  /** Push a document through stages [from, end) and into the sink. */
  const push = async (doc: Doc, from: number): Promise<void> => {
    // Sampling priority of this document: computed once, samples are built only when they enter.
    const prio = hash32(doc.id);
    for (let k = from; k < running.length; k++) {
      const r = running[k];
      const s = r.stats;
      s.docsIn++;
      s.charsIn += doc.raw ? doc.raw.length : doc.text.length;
      if (doc.tokens) s.tokensIn = (s.tokensIn ?? 0) + doc.tokens.length;
      const t = performance.now();
      let res: Doc | string;
      try {
        const out = r.proc.process(doc);
        res = out instanceof Promise ? await out : out;
      } catch (e) {
        // A poisoned document never kills the task: it is logged, counted and skipped.
        res = 'stage_error';
        s.counters.errors = (s.counters.errors ?? 0) + 1;
        base.log.warn(`stage ${names[k]}: document ${doc.id} (${doc.metadata.source ?? ''}@${doc.metadata.offset ?? ''}) skipped: ${(e as Error).message}`);
      }
      s.timeMs += performance.now() - t;
      if (typeof res === 'string') {
        s.dropped[res] = (s.dropped[res] ?? 0) + 1;
        if (wouldSample(s.samples.dropped, prio, doc.id)) pushSample(s.samples.dropped, sampleOf(doc, rank, res, prio));
        if (r.exclusions) await (await r.exclusions).write({ ...doc, metadata: { ...doc.metadata, filter_reason: res, filter_stage: names[k] } });
        return;
      }
      doc = res;
      s.docsOut++;
      s.charsOut += doc.raw ? doc.raw.length : doc.text.length;
      if (doc.tokens) s.tokensOut = (s.tokensOut ?? 0) + doc.tokens.length;
      if (wouldSample(s.samples.kept, prio, doc.id)) pushSample(s.samples.kept, sampleOf(doc, rank, undefined, prio));
    }
    if (doc.raw) delete doc.raw;
    outStats.docsIn++;
    outStats.docsOut++;
    outStats.charsIn += doc.text.length;
    outStats.charsOut += doc.text.length;
    observe(outStats.histograms.doc_chars, doc.text.length);
    const host = hostOf(doc.metadata.url);
    if (host) topkAdd(domains, host);
    await sink.write(doc);
  };

  const sources = phase.inputPhase
    ? [{ file: intermediatePath(plan.runDir, phase.inputPhase, rank), reader: jsonlReader() }]
    : plan.inputs.filter((_, i) => i % plan.tasks === rank).map((file) => ({ file, reader: built.reader ?? readerFor(file) }));

  for (const { file, reader } of sources) {
    base.log.info(`reading ${file}`);
    for await (const doc of reader.read(file, readCtx)) {
      readStats.docsIn++;
      readStats.docsOut++;
      readStats.charsOut += doc.raw ? doc.raw.length : doc.text.length;
      if (opts.crashAfterDocs !== undefined && docCount >= opts.crashAfterDocs) throw new Error('injected crash');
      await push(doc, 0);
      docCount++;
      if (++progressPending >= 64) {
        opts.progress?.docs(progressPending);
        progressPending = 0;
      }
    }
  }
  opts.progress?.docs(progressPending);

  // Let stages flush: documents they held back continue through the stages after them.
  for (let k = 0; k < running.length; k++) {
    const t = performance.now();
    const held = (await running[k].proc.finish?.()) ?? [];
    running[k].stats.timeMs += performance.now() - t;
    for (const d of held) await push(d, k + 1);
  }
  for (const r of running) if (r.exclusions) await (await r.exclusions).close();
  await sink.close();
  return bytesIn;
}
