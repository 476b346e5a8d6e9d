// Helpers to declare stages: a filter is ~20 lines, the runtime does counting, timing,
// exclusion writing and sampling (see engine/runtime.ts).
import type { Doc, DocProcessor, Stage, StageResult, TaskContext } from './types.ts';
import { PipelineConfigError } from './types.ts';

type Plain = Record<string, unknown>;

/**
 * Merge user options over defaults, rejecting unknown keys and values whose type differs from
 * the default's (arrays must stay arrays, numbers numbers, …). Errors name the stage and option.
 */
export function resolveOptions<O extends Plain>(stage: string, defaults: O, given: Partial<O> | undefined): O {
  const out: Plain = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      const known = Object.keys(defaults).join(', ') || '(none)';
      throw new PipelineConfigError(`stage "${stage}": unknown option "${key}" (known: ${known})`);
    }
    const def = defaults[key];
    if (def !== undefined && def !== null && !sameKind(def, value)) {
      throw new PipelineConfigError(
        `stage "${stage}": option "${key}" must be ${kindOf(def)}, got ${kindOf(value)} ${short(value)}`,
      );
    }
    out[key] = value;
  }
  return out as O;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  const t = typeof v;
  return t === 'object' ? 'an object' : `a ${t}`;
}

function sameKind(a: unknown, b: unknown): boolean {
  return kindOf(a) === kindOf(b) || (typeof a === 'number' && typeof b === 'number');
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(JSON.stringify(v));
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Throw a config error unless `ok`. */
export function check(ok: boolean, stage: string, option: string, must: string): void {
  if (!ok) throw new PipelineConfigError(`stage "${stage}": option "${option}" ${must}`);
}

export interface StageDef<O extends Plain> {
  name: string;
  defaults: O;
  /** Extra checks beyond types; use `check(...)`. */
  validate?(options: O): void;
  /** Build the per-task processor. */
  open(options: O, ctx: TaskContext): DocProcessor | Promise<DocProcessor>;
}

/** Declare a stage type; returns the factory users call in pipeline files: `gopherQuality({ minWords: 80 })`. */
export function defineStage<O extends Plain>(def: StageDef<O>) {
  const factory = (given?: Partial<O> & { writeExclusions?: boolean }): Stage<O> => {
    const { writeExclusions, ...rest } = (given ?? {}) as Partial<O> & { writeExclusions?: boolean };
    const options = resolveOptions(def.name, def.defaults, rest as Partial<O>);
    return {
      kind: 'stage',
      name: def.name,
      options,
      writeExclusions: writeExclusions ?? false,
      validate: () => def.validate?.(options),
      open: (ctx) => def.open(options, ctx),
    };
  };
  factory.stageName = def.name;
  factory.defaults = def.defaults;
  return factory;
}

export interface FilterDef<O extends Plain, S> {
  name: string;
  defaults: O;
  validate?(options: O): void;
  /** Per-task state (loaded models, word lists …), built once in the worker. */
  setup?(options: O, ctx: TaskContext): S | Promise<S>;
  /** `true` keeps the document; a string drops it with that reason. */
  filter(doc: Doc, options: O, state: S, ctx: TaskContext): true | string | Promise<true | string>;
}

/** Declare a filter stage: implement only `filter(doc) → true | reason`. */
export function defineFilter<O extends Plain, S = undefined>(def: FilterDef<O, S>) {
  return defineStage<O>({
    name: def.name,
    defaults: def.defaults,
    validate: def.validate,
    async open(options, ctx) {
      const state = (await def.setup?.(options, ctx)) as S;
      return {
        process(doc: Doc): StageResult | Promise<StageResult> {
          const r = def.filter(doc, options, state, ctx);
          if (r instanceof Promise) return r.then((v) => (v === true ? doc : v));
          return r === true ? doc : r;
        },
      };
    },
  });
}

/** The escape hatch for pipelines written in TS: `filter((doc) => doc.text.length > 100 || 'too_short')`. */
export function filter(fn: (doc: Doc) => boolean | string, name = 'custom-filter'): Stage<Record<string, never>> {
  return {
    kind: 'stage',
    name,
    options: {},
    open: () => ({
      process(doc) {
        const r = fn(doc);
        if (r === true) return doc;
        if (r === false) return 'filtered';
        return r;
      },
    }),
  };
}

/** A custom per-document transform: return the doc (modified) or a drop reason. */
export function map(fn: (doc: Doc) => Doc | string, name = 'custom-map'): Stage<Record<string, never>> {
  return { kind: 'stage', name, options: {}, open: () => ({ process: fn }) };
}
