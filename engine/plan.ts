// From a pipeline file to a plan: load the TS module, apply CLI overrides, expand multi-phase
// stages, validate every option before any work starts, resolve input files, and cut the step
// list into phases at each global step (a barrier). The plan is saved as <run>/plan.json; workers
// rebuild the same steps from it.
import { existsSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import { glob } from 'tinyglobby';
import type { Pipeline, PipelineConfig, PipelineStep, Reader, Writer } from './types.ts';
import { PipelineConfigError } from './types.ts';
import { isUrl, readAll } from './sources.ts';
import { parquetWriter } from './writers/parquet.ts';

export const DEFAULT_CC_BASE = 'https://data.commoncrawl.org/';
export const MAX_DEFAULT_TASKS = 64;

export function definePipeline(config: PipelineConfig): Pipeline {
  return { kind: 'pipeline', ...config };
}

/** Overrides from the command line; saved in the plan so workers rebuild the same pipeline. */
export interface Overrides {
  input?: string[];
  crawl?: string;
  files?: string;
  baseUrl?: string;
  tasks?: number;
  workers?: number;
  output?: string;
  seed?: number;
}

export interface PhasePlan {
  index: number;
  name: string;
  kind: 'docs' | 'global';
  tasks: number;
  /** Indices into the expanded step list. */
  steps: number[];
  /** For doc phases after the first: the doc phase whose per-task outputs this one reads. */
  inputPhase?: string;
  /** Doc phases: 'final' writes the pipeline's writer to <run>/docs, else an intermediate. */
  output?: 'final' | 'intermediate';
}

export interface Plan {
  version: 1;
  pipeline: string;
  pipelineFile: string;
  runDir: string;
  createdAt: string;
  overrides: Overrides;
  inputs: string[];
  tasks: number;
  workers: number;
  seed: number;
  steps: Array<{ kind: 'stage' | 'global'; name: string; options?: unknown }>;
  phases: PhasePlan[];
  writer: { name: string; options: unknown; extension: string };
}

/** Where the engine keeps phase outputs. */
export const phaseDir = (runDir: string, phase: string) => join(runDir, 'phases', phase);
export const pad5 = (n: number) => String(n).padStart(5, '0');
export const completionPath = (runDir: string, phase: string, rank: number) => join(phaseDir(runDir, phase), 'completions', pad5(rank));
export const statsPath = (runDir: string, phase: string, rank: number) => join(phaseDir(runDir, phase), 'stats', `${pad5(rank)}.json`);
export const logPath = (runDir: string, phase: string, rank: number) => join(phaseDir(runDir, phase), 'logs', `${pad5(rank)}.log`);
export const intermediatePath = (runDir: string, phase: string, rank: number) => join(phaseDir(runDir, phase), 'out', `${pad5(rank)}.jsonl.gz`);

/** Resolve `commoncrawl`, `pipelines/commoncrawl.ts` or a path to an absolute file. */
export function resolvePipelineFile(nameOrFile: string, cwd = process.cwd()): string {
  const candidates = [nameOrFile, `${nameOrFile}.ts`, join('pipelines', nameOrFile), join('pipelines', `${nameOrFile}.ts`)];
  for (const c of candidates) {
    const p = isAbsolute(c) ? c : resolve(cwd, c);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  throw new PipelineConfigError(`pipeline "${nameOrFile}" not found (looked for ${candidates.join(', ')})`);
}

export async function loadPipeline(file: string): Promise<Pipeline> {
  const mod = await import(pathToFileURL(file).href);
  const p = (mod.default ?? mod.pipeline) as Pipeline | undefined;
  if (!p || p.kind !== 'pipeline') {
    throw new PipelineConfigError(`${file}: must export default definePipeline({...})`);
  }
  return p;
}

/** Apply CLI overrides to a pipeline (pure: returns a new object). */
export function applyOverrides(p: Pipeline, o: Overrides): Pipeline {
  const input = { ...p.input };
  if (o.input?.length) {
    input.paths = o.input;
    delete input.crawl;
  }
  if (o.crawl) {
    input.crawl = o.crawl;
    input.paths = [];
  }
  if (o.files) input.files = o.files;
  if (o.baseUrl) input.baseUrl = o.baseUrl;
  return {
    ...p,
    input,
    tasks: o.tasks ?? p.tasks,
    workers: o.workers ?? p.workers,
    outputDir: o.output ?? p.outputDir,
    seed: o.seed ?? p.seed,
  };
}

/** Expand multi-phase stages recursively into a flat list of stages and global phases. */
export function expandSteps(steps: PipelineStep[]): PipelineStep[] {
  const out: PipelineStep[] = [];
  for (const s of steps) {
    if (s.kind === 'stage' && s.expand) out.push(...expandSteps(s.expand()));
    else out.push(s);
  }
  return out;
}

/** Cut the expanded steps into phases: consecutive stages form a doc phase, each global step its own phase. */
export function cutPhases(steps: PipelineStep[], docTasks: number): PhasePlan[] {
  const phases: PhasePlan[] = [];
  let current: number[] = [];
  let lastDoc: string | undefined;
  const flushDocs = (force: boolean) => {
    if (!current.length && !force) return;
    const name = `${String(phases.length).padStart(2, '0')}-docs`;
    phases.push({ index: phases.length, name, kind: 'docs', tasks: docTasks, steps: current, inputPhase: lastDoc, output: 'intermediate' });
    lastDoc = name;
    current = [];
  };
  steps.forEach((s, i) => {
    if (s.kind === 'stage') {
      current.push(i);
      return;
    }
    flushDocs(phases.length === 0);
    const tasks = s.tasks(docTasks);
    if (!Number.isInteger(tasks) || tasks < 1) throw new PipelineConfigError(`phase "${s.name}": tasks() returned ${tasks}`);
    phases.push({ index: phases.length, name: `${String(phases.length).padStart(2, '0')}-${s.name}`, kind: 'global', tasks, steps: [i] });
  });
  // The last doc phase writes the pipeline's output documents. Global steps at the end (a shard
  // manifest, BPE merges) do not change documents, so no extra pass is added just to write them.
  if (current.length || !phases.some((p) => p.kind === 'docs')) flushDocs(true);
  const last = phases.filter((p) => p.kind === 'docs').at(-1)!;
  last.output = 'final';
  return phases;
}

export function validateSteps(steps: PipelineStep[]): void {
  for (const s of steps) {
    if (!s || (s.kind !== 'stage' && s.kind !== 'global')) {
      throw new PipelineConfigError(`pipeline step ${JSON.stringify(s)?.slice(0, 60)} is not a stage (use a stage factory such as extract() or filter(fn))`);
    }
    s.validate?.();
  }
}

async function resolveCrawl(crawl: string, files: string | undefined, baseUrl: string): Promise<string[]> {
  if (!/^CC-MAIN-\d{4}-\d{2}$/.test(crawl)) throw new PipelineConfigError(`--crawl "${crawl}": expected a name like CC-MAIN-2024-22`);
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  const listUrl = `${base}crawl-data/${crawl}/warc.paths.gz`;
  let body: Buffer;
  try {
    body = await readAll(listUrl, { retries: 3 });
  } catch (e) {
    throw new PipelineConfigError(`cannot fetch ${listUrl}: ${(e as Error).message}`);
  }
  const lines = gunzipSync(body).toString('utf8').split('\n').filter(Boolean);
  const [a, b] = parseRange(files ?? '0:1', lines.length);
  return lines.slice(a, b).map((l) => base + l.replace(/^\//, ''));
}

export function parseRange(spec: string, n: number): [number, number] {
  const m = /^(\d*):(\d*)$/.exec(spec) ?? /^(\d+)$/.exec(spec);
  if (!m) throw new PipelineConfigError(`--files "${spec}": expected a range like 0:4`);
  if (m.length === 2) return [Number(m[1]), Number(m[1]) + 1];
  const a = m[1] ? Number(m[1]) : 0;
  const b = m[2] ? Math.min(Number(m[2]), n) : n;
  if (a >= b) throw new PipelineConfigError(`--files "${spec}": empty range (the crawl lists ${n} files)`);
  return [a, b];
}

/** Resolve the input spec to a sorted, de-duplicated list of files/URLs. */
export async function resolveInputs(p: Pipeline, cwd = process.cwd()): Promise<string[]> {
  if (p.input.crawl) return resolveCrawl(p.input.crawl, p.input.files, p.input.baseUrl ?? DEFAULT_CC_BASE);
  const out: string[] = [];
  for (const pat of p.input.paths) {
    if (isUrl(pat)) {
      out.push(pat);
      continue;
    }
    const abs = isAbsolute(pat) ? pat : resolve(cwd, pat);
    if (/[*?[{]/.test(pat)) {
      const found = (await glob(pat, { cwd, absolute: true, onlyFiles: true })).sort();
      if (!found.length) throw new PipelineConfigError(`input "${pat}" matches no file`);
      out.push(...found);
    } else {
      if (!existsSync(abs)) throw new PipelineConfigError(`input "${pat}" does not exist`);
      out.push(abs);
    }
  }
  if (!out.length) throw new PipelineConfigError('pipeline has no input files');
  return [...new Set(out)];
}

export interface BuiltPipeline {
  pipeline: Pipeline;
  steps: PipelineStep[];
  writer: Writer;
  reader?: Reader;
}

/** Rebuild steps from a pipeline (also used by workers, which re-import the pipeline file). */
export function buildSteps(p: Pipeline): BuiltPipeline {
  if (!Array.isArray(p.stages)) throw new PipelineConfigError(`pipeline "${p.name}": "stages" must be an array`);
  const steps = expandSteps(p.stages);
  return { pipeline: p, steps, writer: p.output ?? parquetWriter(), reader: p.input.reader };
}

/** Make the plan: everything is validated here, in the main thread, before any work starts. */
export async function makePlan(pipelineFile: string, o: Overrides, cwd = process.cwd()): Promise<{ plan: Plan; built: BuiltPipeline }> {
  return planFor(await loadPipeline(pipelineFile), pipelineFile, o, cwd);
}

/** Plan an in-memory pipeline (inline runs such as `tokenmill stage`; workers must be 0 without a file). */
export async function planFor(loaded: Pipeline, pipelineFile: string, o: Overrides, cwd = process.cwd()): Promise<{ plan: Plan; built: BuiltPipeline }> {
  const p = applyOverrides(loaded, o);
  if (!p.name || typeof p.name !== 'string') throw new PipelineConfigError(`${pipelineFile}: pipeline needs a "name"`);
  const built = buildSteps(p);
  validateSteps(built.steps);
  if (p.tasks !== undefined && (!Number.isInteger(p.tasks) || p.tasks < 1)) throw new PipelineConfigError(`tasks must be a positive integer, got ${p.tasks}`);
  if (p.workers !== undefined && (!Number.isInteger(p.workers) || p.workers < 0)) throw new PipelineConfigError(`workers must be a non-negative integer, got ${p.workers}`);
  const inputs = await resolveInputs(p, cwd);
  const tasks = p.tasks ?? Math.min(inputs.length, MAX_DEFAULT_TASKS);
  const runDir = resolve(cwd, p.outputDir ?? join('runs', p.name));
  const phases = cutPhases(built.steps, tasks);
  const plan: Plan = {
    version: 1,
    pipeline: p.name,
    pipelineFile,
    runDir,
    createdAt: new Date().toISOString(),
    overrides: o,
    inputs,
    tasks,
    workers: p.workers ?? os.availableParallelism(),
    seed: p.seed ?? 0,
    steps: built.steps.map((s) => ({ kind: s.kind, name: s.name, options: s.options })),
    phases,
    writer: { name: built.writer.name, options: built.writer.options, extension: built.writer.extension },
  };
  return { plan, built };
}

/** Refuse to resume a run whose sharding would change (task count or inputs). */
export function checkCompatible(old: Plan, plan: Plan): void {
  if (old.tasks !== plan.tasks) {
    throw new PipelineConfigError(
      `${plan.runDir} was planned with ${old.tasks} tasks, now ${plan.tasks}: changing the task count changes the sharding. Use --force to start over or --output for a new run directory.`,
    );
  }
  if (JSON.stringify(old.inputs) !== JSON.stringify(plan.inputs)) {
    throw new PipelineConfigError(`${plan.runDir} was planned with different input files: use --force to start over or --output for a new run directory.`);
  }
  if (JSON.stringify(old.steps.map((s) => s.name)) !== JSON.stringify(plan.steps.map((s) => s.name))) {
    throw new PipelineConfigError(`${plan.runDir} was planned with different stages: use --force to start over or --output for a new run directory.`);
  }
}
