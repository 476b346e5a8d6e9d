// Pipeline steps of stages/bpe:
//   bpe-train → [bpe-count (per task: pass documents through, count pre-tokens into
//                tokenizer/counts/NNNNN.bin), bpe-merge (global, 1 task: merge the counts, learn the
//                merges, write tokenizer/tokenizer.json, tokenizer.tiktoken, tokenizer_config.json)]
//   tokenize  → per task: doc.tokens = encode(doc.text); counts tokens in the stats.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { check, defineStage, resolveOptions } from '../../engine/stage.ts';
import type { Doc, GlobalPhase, PipelineStep, Stage, TaskContext } from '../../engine/types.ts';
import { WordCounter } from './counts.ts';
import { toTiktoken, toTokenizerJson, type BpeModel } from './model.ts';
import { compilePattern } from './patterns.ts';
import { loadTokenizer, Tokenizer } from './tokenizer.ts';
import { trainBpe } from './trainer.ts';

export interface BpeTrainOptions extends Record<string, unknown> {
  /** Vocabulary size including the 256 byte tokens and the specials. */
  vocabSize: number;
  /** Pre-tokenisation: o200k (default: best compression on multilingual text, keeps combining marks in words), cl100k, llama3, gpt2, or a regex. */
  pattern: string;
  /** Special tokens (ids after the learned tokens); the first is the EOS. */
  specials: string[];
  /** Count at most this many characters of text over all tasks (0 = all): each task counts its first sampleBytes/tasks. */
  sampleBytes: number;
  /** Distinct words a task keeps before pruning rare ones (see counts.ts). */
  maxWords: number;
  /** Pairs seen fewer times are not merged. */
  minFrequency: number;
  /** Folder in the run directory for counts and the tokenizer files. */
  dir: string;
}

const TRAIN_DEFAULTS: BpeTrainOptions = {
  vocabSize: 32000,
  pattern: 'o200k',
  specials: ['<|endoftext|>'],
  sampleBytes: 0,
  maxWords: 4_000_000,
  minFrequency: 2,
  dir: 'tokenizer',
};

const pad5 = (n: number) => String(n).padStart(5, '0');

function validateTrain(o: BpeTrainOptions): void {
  check(Number.isInteger(o.vocabSize) && o.vocabSize >= 256 + o.specials.length, 'bpe-train', 'vocabSize', `must be an integer >= 256 + ${o.specials.length} specials`);
  check(Number.isInteger(o.sampleBytes) && o.sampleBytes >= 0, 'bpe-train', 'sampleBytes', 'must be a non-negative integer');
  check(Number.isInteger(o.maxWords) && o.maxWords >= 1000, 'bpe-train', 'maxWords', 'must be an integer >= 1000');
  check(o.minFrequency >= 1, 'bpe-train', 'minFrequency', 'must be >= 1');
  check(o.specials.every((s) => typeof s === 'string' && s.length > 0), 'bpe-train', 'specials', 'must be non-empty strings');
  check(o.dir.length > 0 && !o.dir.startsWith('/') && !o.dir.includes('..'), 'bpe-train', 'dir', 'must be a relative folder inside the run directory');
  try {
    compilePattern(o.pattern);
  } catch (e) {
    check(false, 'bpe-train', 'pattern', (e as Error).message);
  }
}

function countStage(o: BpeTrainOptions): Stage<BpeTrainOptions> {
  return {
    kind: 'stage',
    name: 'bpe-count',
    options: o,
    open(ctx: TaskContext) {
      const counter = new WordCounter(o.pattern, o.maxWords);
      const budget = o.sampleBytes > 0 ? Math.ceil(o.sampleBytes / ctx.tasks) : Infinity;
      return {
        process(doc: Doc) {
          if (counter.chars < budget) counter.add(doc.text);
          return doc;
        },
        async finish() {
          ctx.stats.count('bpe_words', counter.words);
          ctx.stats.count('bpe_chars_counted', counter.chars);
          ctx.stats.count('bpe_distinct_words', counter.size);
          if (counter.pruned) ctx.stats.count('bpe_pruned_occurrences', counter.pruned);
          await writeFile(ctx.output(`${o.dir}/counts/${pad5(ctx.rank)}.bin`), counter.encode());
        },
      };
    },
  };
}

/** Write tokenizer.json, tokenizer.tiktoken and tokenizer_config.json of a model (paths from `out`). */
export function writeTokenizerFiles(model: BpeModel, out: (name: string) => string): void {
  writeFileSync(out('tokenizer.json'), toTokenizerJson(model));
  writeFileSync(out('tokenizer.tiktoken'), toTiktoken(model));
  const specials = Object.keys(model.specials);
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    eos_token: specials[0] ?? null,
    bos_token: null,
    unk_token: null,
    model_max_length: 1_000_000_000,
    clean_up_tokenization_spaces: false,
  };
  writeFileSync(out('tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
}

function mergePhase(o: BpeTrainOptions): GlobalPhase {
  return {
    kind: 'global',
    name: 'bpe-merge',
    options: o,
    tasks: () => 1,
    async run(ctx) {
      const counter = new WordCounter(o.pattern, o.maxWords * 4);
      for (let r = 0; r < ctx.docTasks; r++) {
        const p = ctx.path(`${o.dir}/counts/${pad5(r)}.bin`);
        if (!existsSync(p)) throw new Error(`bpe-merge: ${p} is missing (did bpe-count task ${r} finish?)`);
        counter.addCounts(readFileSync(p), p);
      }
      ctx.log.info(`bpe-merge: ${counter.size.toLocaleString('en-US')} distinct words from ${ctx.docTasks} tasks; learning ${o.vocabSize} tokens`);
      const t0 = Date.now();
      const distinct = counter.size;
      const model = trainBpe(counter.release(), {
        vocabSize: o.vocabSize,
        pattern: o.pattern,
        specials: o.specials,
        minFrequency: o.minFrequency,
        onProgress: (m, total) => {
          if (m % 5000 === 0) ctx.log.info(`bpe-merge: ${m}/${total} merges (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        },
      });
      const learned = model.tokens.length - 256;
      ctx.stats.count('bpe_distinct_words', distinct);
      ctx.stats.count('bpe_pruned_occurrences', counter.pruned);
      ctx.stats.count('bpe_merges', learned);
      if (learned < o.vocabSize - 256 - o.specials.length) {
        ctx.log.warn(`bpe-merge: only ${learned} merges reach minFrequency ${o.minFrequency}; vocabulary has ${model.tokens.length + o.specials.length} tokens, not ${o.vocabSize}`);
      }
      writeTokenizerFiles(model, (name) => ctx.output(`${o.dir}/${name}`));
    },
  };
}

/** `bpe-train`: a multi-phase stage (the engine expands it into bpe-count and bpe-merge). */
export const bpeTrain = Object.assign(
  (given?: Partial<BpeTrainOptions>): Stage<BpeTrainOptions> => {
    const o = resolveOptions('bpe-train', TRAIN_DEFAULTS, given);
    return {
      kind: 'stage',
      name: 'bpe-train',
      options: o,
      validate: () => validateTrain(o),
      open() {
        throw new Error('bpe-train is a multi-phase stage: run it through the engine, which expands it');
      },
      expand: (): PipelineStep[] => [countStage(o), mergePhase(o)],
    };
  },
  { stageName: 'bpe-train', defaults: TRAIN_DEFAULTS as Record<string, unknown> },
);

// One tokenizer per worker thread and file version: tasks in the same worker share it (and its cache).
const loaded = new Map<string, Tokenizer>();
function cachedTokenizer(spec: string): Tokenizer {
  const key = existsSync(spec) ? `${spec}@${statSync(spec).mtimeMs}` : spec;
  let t = loaded.get(key);
  if (!t) {
    t = loadTokenizer(spec);
    loaded.set(key, t);
  }
  return t;
}

export const tokenize = defineStage({
  name: 'tokenize',
  defaults: {
    /** gpt2, cl100k, or a path; empty = the run's tokenizer/tokenizer.json (made by bpe-train). */
    tokenizer: '',
    /** Append the tokenizer's EOS id to each document. */
    appendEos: false,
    /** Recognise special-token text inside documents (normally not: web text can contain "<|endoftext|>"). */
    allowSpecial: false,
  },
  open(o, ctx) {
    const spec = o.tokenizer || ctx.path('tokenizer/tokenizer.json');
    const tok = cachedTokenizer(spec);
    if (o.appendEos && tok.eosId === undefined) throw new Error(`tokenize: appendEos is set but tokenizer ${spec} has no EOS token`);
    const encodeOpts = o.allowSpecial ? { allowedSpecial: 'all' as const } : {};
    return {
      process(doc: Doc) {
        let ids = tok.encode(doc.text, encodeOpts);
        if (o.appendEos) {
          const withEos = new Uint32Array(ids.length + 1);
          withEos.set(ids);
          withEos[ids.length] = tok.eosId!;
          ids = withEos;
        }
        doc.tokens = ids;
        ctx.stats.count('tokens', ids.length);
        ctx.stats.observe('doc_tokens', ids.length);
        return doc;
      },
    };
  },
});
