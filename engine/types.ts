import type { TopK } from './topk.ts';

// Shared types of tokenmill: the document model, stages, readers, writers, phases and stats.
// Everything that crosses a module boundary is declared here, once.

/** Metadata carried with a document. Known keys are typed; stages may add their own. */
export interface DocMetadata {
  url?: string;
  warcRecordId?: string;
  date?: string;
  /** Source file and byte offset of the record, for error messages and audits. */
  source?: string;
  offset?: number;
  title?: string;
  language?: string;
  languageScore?: number;
  /** `<html lang>` or Content-Language, a hint only. */
  htmlLang?: string;
  [key: string]: unknown;
}

/** The unit that flows through a pipeline. */
export interface Doc {
  id: string;
  text: string;
  metadata: DocMetadata;
  /** Token ids, set by the tokenize stage. */
  tokens?: Uint32Array;
  /** Raw payload (e.g. HTML bytes) before extraction; dropped by the extractor. */
  raw?: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Stats: mergeable values only (counters, fixed-bin histograms, bottom-k samples).

/** Fixed quarter-octave bins: bin i counts values v with floor(4*log2(v+1)) == i. */
export interface Histogram {
  kind: 'log2q';
  bins: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** A sampled document (bounded: text cut to a few KB). `priority` = hash of id; the k lowest are kept, so merging is exact. */
export interface SampleDoc {
  id: string;
  priority: number;
  text: string;
  url?: string;
  reason?: string;
  /** Rank of the task that produced it. */
  task?: number;
}

export interface StageStats {
  /** Stage instance name, e.g. "gopher-quality" (suffixed "#2" if used twice). */
  name: string;
  docsIn: number;
  docsOut: number;
  charsIn: number;
  charsOut: number;
  /** Tokens seen/emitted by token-aware stages (tokenize, pack). */
  tokensIn?: number;
  tokensOut?: number;
  /** Wall time spent inside the stage, ms. */
  timeMs: number;
  /** reason → documents dropped for it. */
  dropped: Record<string, number>;
  /** Free-form counters (read_errors, extract_fallback, lang:en, minhash_pairs …). */
  counters: Record<string, number>;
  histograms: Record<string, Histogram>;
  /** Bounded, mergeable top-k counts (e.g. `domain` of the written documents), see engine/topk.ts. */
  topk?: Record<string, TopK>;
  samples: { kept: SampleDoc[]; dropped: SampleDoc[] };
}

export interface TaskStats {
  phase: string;
  rank: number;
  startedAt: string;
  finishedAt: string;
  wallMs: number;
  /** Bytes of input read (compressed bytes on disk / over the wire). */
  bytesIn: number;
  stages: StageStats[];
}

/** The per-stage view a stage sees while it runs. */
export interface StatsSink {
  /** Add n (default 1) to a named counter. */
  count(key: string, n?: number): void;
  /** Add a value to a named fixed-bin histogram. */
  observe(key: string, value: number): void;
}

// ---------------------------------------------------------------------------------------------
// Contexts.

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface RunInfo {
  /** Absolute run directory. */
  runDir: string;
  /** Name of the phase being run. */
  phase: string;
  /** This task's rank and the number of tasks of the phase. */
  rank: number;
  tasks: number;
  /** Number of tasks of the pipeline's document phases (side outputs of phase k are indexed by it). */
  docTasks: number;
  seed: number;
}

export interface TaskContext extends RunInfo {
  stats: StatsSink;
  log: Logger;
  /**
   * Absolute path for a side output relative to the run directory (e.g. `minhash/sigs/00003.bin`).
   * The returned path is a temporary name; the engine renames it into place when the task commits,
   * so a crashed task never leaves a partial file under the final name.
   */
  output(relPath: string): string;
  /** Absolute path of a committed artifact (written by an earlier phase) relative to the run dir. */
  path(relPath: string): string;
}

// ---------------------------------------------------------------------------------------------
// Stages.

/** What a stage does with one document: keep it (possibly modified) or drop it with a reason. */
export type StageResult = Doc | string;

export interface DocProcessor {
  process(doc: Doc): StageResult | Promise<StageResult>;
  /** After the task's last document: flush side outputs; may emit held-back documents. */
  finish?(): Doc[] | void | Promise<Doc[] | void>;
}

/** A per-document stage, declared in a pipeline file and run in worker threads. */
export interface Stage<O = unknown> {
  readonly kind: 'stage';
  /** Stage type name, as used by `tokenmill stage <name>` and in stats. */
  readonly name: string;
  /** Resolved, JSON-serialisable options (saved to plan.json). */
  readonly options: O;
  /** Throw a PipelineConfigError naming the stage and option; runs before any work starts. */
  validate?(): void;
  /** Build the processor for one task (called in the worker). */
  open(ctx: TaskContext): DocProcessor | Promise<DocProcessor>;
  /** Write dropped documents to `removed/<name>/NNNNN.jsonl.gz` (exclusion writer). */
  readonly writeExclusions?: boolean;
  /** Multi-phase stages replace themselves by a sequence of stages and global phases. */
  expand?(): PipelineStep[];
}

/** A phase that does not stream documents (dedup buckets/clusters, BPE merges, manifests). */
export interface GlobalPhase {
  readonly kind: 'global';
  readonly name: string;
  readonly options?: unknown;
  validate?(): void;
  /** Number of tasks of this phase, given the number of document tasks. */
  tasks(docTasks: number): number;
  run(ctx: TaskContext): Promise<void>;
}

export type PipelineStep = Stage | GlobalPhase;

// ---------------------------------------------------------------------------------------------
// Readers and writers.

export interface ReadContext {
  stats: StatsSink;
  log: Logger;
  /** Called with the number of (compressed) bytes consumed, for progress and MB/s. */
  onBytes?(n: number): void;
}

export interface Reader<O = unknown> {
  readonly name: string;
  readonly options: O;
  /** Streams the documents of one input file or URL. Bad records are counted (`read_errors`) and skipped. */
  read(source: string, ctx: ReadContext): AsyncIterable<Doc>;
}

export interface DocSink {
  write(doc: Doc): void | Promise<void>;
  close(): Promise<void>;
}

export interface Writer<O = unknown> {
  readonly name: string;
  readonly options: O;
  /** File extension including the dot, e.g. ".parquet". */
  readonly extension: string;
  open(path: string): Promise<DocSink>;
}

// ---------------------------------------------------------------------------------------------
// Pipelines.

export interface InputSpec {
  /** Local paths, globs, or http(s) URLs. */
  paths: string[];
  /** Reader to use; inferred from each file's extension when omitted. */
  reader?: Reader;
  /** Common Crawl crawl name (e.g. CC-MAIN-2024-22) and file range "a:b" of its warc.paths.gz. */
  crawl?: string;
  files?: string;
  /** Base URL for Common Crawl data (default https://data.commoncrawl.org/). */
  baseUrl?: string;
}

export interface PipelineConfig {
  name: string;
  input: InputSpec;
  stages: PipelineStep[];
  /** Final document writer (default Parquet). */
  output?: Writer;
  /** Run directory (default runs/<name>). */
  outputDir?: string;
  /** Number of document tasks (default: number of input files, at most 64). */
  tasks?: number;
  /** Worker threads (default: number of cores). */
  workers?: number;
  seed?: number;
}

export interface Pipeline extends PipelineConfig {
  readonly kind: 'pipeline';
}

export class PipelineConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineConfigError';
  }
}

/** What `defineStage` returns: a factory users call in pipeline files, named for the CLI. */
export type StageFactory = ((options?: any) => PipelineStep) & { stageName?: string; defaults?: Record<string, unknown> };

/** `<run>/stats.json`: the merged view of every task's stats, what `pnpm stats` and the HTML report read. */
export interface RunStats {
  pipeline: string;
  /** Pipeline file, as given. */
  pipelineFile: string;
  runDir: string;
  createdAt: string;
  /** Resolved configuration: stage names + options, task count, seed, input files count. */
  config: {
    tasks: number;
    workers: number;
    seed: number;
    inputs: number;
    steps: Array<{ kind: 'stage' | 'global'; name: string; options?: unknown }>;
  };
  phases: Array<{
    name: string;
    tasks: number;
    done: number;
    wallMs: number;
    bytesIn: number;
    /** Per-stage stats merged over the phase's tasks (same order as the stages). */
    stages: StageStats[];
  }>;
  /** Filled by later stages when present (token shards, tokenizer …). */
  extra: Record<string, unknown>;
}
