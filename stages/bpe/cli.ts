// `tokenmill tokenizer …`:
//   tokenizer train --input <dir|file…> --vocab-size 32000 --out tok/ [--pattern o200k|cl100k|llama3|gpt2|<regex>]
//                   [--specials "<|endoftext|>,<|pad|>"] [--sample-bytes N] [--workers N]
//                   [--min-frequency 2] [--max-words 4000000]
//       Inputs: .txt/.md (plain text), .jsonl[.gz] ({"text": …} per line), .parquet, .warc[.gz];
//       a folder is searched recursively. Writes tok/tokenizer.json (HF), tok/tokenizer.tiktoken,
//       tok/tokenizer_config.json. Words are counted over 4 MB shards: in this thread below 256 MB of
//       input (a worker thread costs ~35 MB and ~0.5 s to start), else in one worker thread per core
//       (--workers N overrides; 0 = this thread).
//   tokenizer encode --tokenizer <gpt2|cl100k|path> [--allow-special] < text   → JSON array of ids
//   tokenizer decode --tokenizer <gpt2|cl100k|path> < ids.json                  → text
//   tokenizer info   --tokenizer <spec>                                         → vocab size, specials, hash
import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { glob } from 'tinyglobby';
import { WordCounter } from './counts.ts';
import { countShardInto, type Shard, type ShardResult } from './count-shard.ts';
import { compilePattern } from './patterns.ts';
import { writeTokenizerFiles } from './stages.ts';
import { loadTokenizer } from './tokenizer.ts';
import { trainBpe } from './trainer.ts';

const USAGE = `usage:
  tokenmill tokenizer train --input <dir|file…> --vocab-size 32000 --out tok/ [--pattern o200k] [--specials a,b] [--sample-bytes N] [--workers N] [--min-frequency 2]
  tokenmill tokenizer encode --tokenizer <gpt2|cl100k|path> [--allow-special] < text
  tokenmill tokenizer decode --tokenizer <gpt2|cl100k|path> < ids.json
  tokenmill tokenizer info --tokenizer <gpt2|cl100k|path>`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { pos: string[]; flags: Map<string, string[]> } {
  const pos: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      const vals: string[] = [];
      if (v !== undefined) vals.push(v);
      else while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) vals.push(argv[++i]);
      flags.set(k, [...(flags.get(k) ?? []), ...vals]);
    } else pos.push(a);
  }
  return { pos, flags };
}

function one(flags: Map<string, string[]>, k: string, def?: string): string {
  const v = flags.get(k);
  if (!v || v.length === 0) {
    if (def !== undefined) return def;
    throw new UsageError(`missing --${k}\n${USAGE}`);
  }
  return v[v.length - 1];
}

function num(flags: Map<string, string[]>, k: string, def: number): number {
  const s = one(flags, k, String(def));
  const n = Number(s.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${k} must be a non-negative number, got ${JSON.stringify(s)}`);
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const INPUT_RE = /\.(txt|text|md|jsonl|json|parquet|warc|arc|wet)(\.gz)?$/i;

async function listInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const inp of inputs) {
    let st;
    try {
      st = statSync(inp);
    } catch {
      throw new UsageError(`--input ${inp}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const found = (await glob('**/*', { cwd: inp, absolute: true, onlyFiles: true })).filter((f) => INPUT_RE.test(f)).sort();
      if (found.length === 0) throw new UsageError(`--input ${inp}: no .txt/.jsonl[.gz]/.parquet/.warc[.gz] files inside`);
      files.push(...found);
    } else files.push(resolve(inp));
  }
  return files;
}

const SHARD_BYTES = 4 << 20;
/** Input size below which words are counted in the main thread (see the header). */
const INLINE_BELOW = 256e6;

function makeShards(files: string[], sampleBytes: number): Shard[] {
  const sizes = files.map((f) => statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const shards: Shard[] = [];
  files.forEach((path, i) => {
    const size = sizes[i];
    const budgetOf = (bytes: number) => (sampleBytes > 0 ? Math.max(1, Math.round((sampleBytes * bytes) / total)) : Infinity);
    if (/\.(txt|text|md|jsonl|json)$/i.test(path) && size > SHARD_BYTES) {
      for (let s = 0; s < size; s += SHARD_BYTES) shards.push({ path, start: s, end: Math.min(size, s + SHARD_BYTES), budget: budgetOf(Math.min(SHARD_BYTES, size - s)) });
    } else shards.push({ path, budget: budgetOf(size) });
  });
  return shards;
}

/** Count words of all shards in `workers` threads; results in shard order. */
async function countAll(shards: Shard[], pattern: string, maxWords: number, workers: number, onDone: (r: ShardResult, i: number) => void): Promise<void> {
  let next = 0;
  const n = Math.max(1, Math.min(workers, shards.length));
  await Promise.all(
    Array.from({ length: n }, () => {
      const w = new Worker(new URL('./count-worker.mjs', import.meta.url));
      return new Promise<void>((res, rej) => {
        const send = () => {
          if (next >= shards.length) {
            w.postMessage(null);
            return;
          }
          const index = next++;
          w.postMessage({ index, shard: shards[index], pattern, maxWords });
        };
        w.on('message', (m: ShardResult & { index: number; error?: string }) => {
          if (m.error) {
            void w.terminate();
            rej(new Error(m.error));
            return;
          }
          m.counts = Buffer.from(m.counts.buffer, m.counts.byteOffset, m.counts.byteLength);
          onDone(m, m.index);
          send();
        });
        w.on('error', rej);
        w.on('exit', () => res());
        send();
      });
    }),
  );
}

/**
 * A full GC between phases: the previous phase's typed arrays (shard text, pair tables: tens of MB)
 * are garbage by then but, promoted to the old generation, would live on into the next phase and
 * add to its peak RSS. The CLI runs the phases once each, so the few ms are well spent.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** With TOKENMILL_BPE_MEM=1: the peak RSS so far, after each phase (for the benchmark's notes). */
const peak = (phase: string) => {
  if (process.env.TOKENMILL_BPE_MEM === '1') console.error(`peak RSS after ${phase}: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
};

async function train(flags: Map<string, string[]>): Promise<void> {
  const inputs = flags.get('input') ?? [];
  if (inputs.length === 0) throw new UsageError(`missing --input\n${USAGE}`);
  const out = resolve(one(flags, 'out'));
  const vocabSize = num(flags, 'vocab-size', 32000);
  const pattern = one(flags, 'pattern', 'o200k');
  compilePattern(pattern);
  const specials = one(flags, 'specials', '<|endoftext|>').split(',').filter(Boolean);
  const sampleBytes = num(flags, 'sample-bytes', 0);
  const maxWords = num(flags, 'max-words', 4_000_000);
  const workersFlag = flags.has('workers') ? num(flags, 'workers', 0) : undefined;
  const minFrequency = num(flags, 'min-frequency', 2);
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length) throw new UsageError(`--vocab-size must be an integer >= ${256 + specials.length}`);

  const files = await listInputs(inputs);
  const shards = makeShards(files, sampleBytes);
  const inputBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const counted = sampleBytes > 0 ? Math.min(sampleBytes, inputBytes) : inputBytes;
  const workers = workersFlag ?? (counted < INLINE_BELOW || availableParallelism() < 2 ? 0 : availableParallelism());
  const t0 = Date.now();
  let done = 0;
  let chars = 0;
  // Shard counts are merged as they arrive and dropped (sums do not depend on arrival order; only
  // pruning of the merged table, past 4 × maxWords distinct words, could).
  const counter = new WordCounter(pattern, maxWords * 4);
  let errors = 0;
  const progress = () => process.stderr.write(`\rcounting: ${done}/${shards.length} shards, ${(chars / 1e6).toFixed(1)} M chars, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (workers === 0) {
    // Inline: one thread, one table, no per-thread heaps.
    for (const shard of shards) {
      const before = counter.chars;
      errors += (await countShardInto(counter, shard)).errors;
      done++;
      chars += counter.chars - before;
      progress();
    }
  } else {
    await countAll(shards, pattern, maxWords, workers, (r) => {
      done++;
      chars += r.chars;
      counter.addCounts(r.counts);
      errors += r.errors;
      r.counts = Buffer.alloc(0);
      progress();
    });
  }
  process.stderr.write('\n');
  if (errors) console.error(`warning: ${errors} JSONL lines without a string "text" were skipped`);
  console.error(`words: ${counter.size.toLocaleString('en-US')} distinct${counter.pruned ? `, ${counter.pruned.toLocaleString('en-US')} rare occurrences pruned` : ''}; learning ${vocabSize} tokens`);
  peak('counted');
  collectGarbage();
  const t1 = Date.now();
  const model = trainBpe(counter.release(), {
    vocabSize,
    pattern,
    specials,
    minFrequency,
    onProgress: (m, total) => process.stderr.write(`\rmerges: ${m}/${total} (${((Date.now() - t1) / 1000).toFixed(1)} s)`),
  });
  process.stderr.write('\n');
  // Write into a temp folder, then rename: a crash leaves no half-written tokenizer.
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  peak('merged');
  collectGarbage();
  writeTokenizerFiles(model, (name) => join(tmp, name));
  peak('written');
  mkdirSync(out, { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer.tiktoken', 'tokenizer_config.json']) renameSync(join(tmp, f), join(out, f));
  rmSync(tmp, { recursive: true, force: true });
  const size = model.tokens.length + specials.length;
  console.error(`wrote ${out}/tokenizer.json (+ .tiktoken, tokenizer_config.json): ${size} tokens${size < vocabSize ? ` (fewer than ${vocabSize}: no more pairs with >= ${minFrequency} occurrences)` : ''}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export async function main(argv: string[]): Promise<void> {
  const { pos, flags } = parseArgs(argv);
  const cmd = pos[0];
  try {
    if (cmd === 'train') return await train(flags);
    if (cmd === 'encode' || cmd === 'decode' || cmd === 'info') {
      const tok = loadTokenizer(one(flags, 'tokenizer'));
      if (cmd === 'info') {
        console.log(JSON.stringify({ name: tok.name, vocabSize: tok.vocabSize, specialTokens: tok.specialTokens, eosId: tok.eosId ?? null, pattern: tok.pattern, hash: tok.hash }, null, 2));
        return;
      }
      const input = await readStdin();
      if (cmd === 'encode') {
        const ids = tok.encode(input, flags.has('allow-special') ? { allowedSpecial: 'all' } : {});
        process.stdout.write(JSON.stringify(Array.from(ids)) + '\n');
      } else {
        let ids: unknown;
        try {
          ids = JSON.parse(input);
        } catch (e) {
          throw new UsageError(`decode: stdin is not a JSON array of ids (${(e as Error).message})`);
        }
        if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) throw new UsageError('decode: stdin must be a JSON array of integer ids');
        process.stdout.write(tok.decode(ids as number[]));
      }
      return;
    }
    throw new UsageError(cmd ? `unknown tokenizer command "${cmd}"\n${USAGE}` : USAGE);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

// Run directly: `tsx stages/bpe/cli.ts train …` (the lead wires it into `tokenmill tokenizer`).
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
