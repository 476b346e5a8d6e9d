#!/usr/bin/env -S npx tsx
// The `tokenmill` command. Subcommands load their module lazily so `tokenmill pipeline` does not
// pay for tfjs, and so a missing optional part gives a clear message instead of a crash.
import { PipelineConfigError } from '../engine/types.ts';

const USAGE = `tokenmill — web corpora → clean documents → BPE tokens → packed Arrow shards → trainer

usage: tokenmill <command> [options]

  pipeline <name|file>   run a pipeline (pipelines/<name>.ts); see \`tokenmill pipeline --help\`
  stats <run> [<run2>]   summary of a run; --html report.html, --json
  stage <name> [--opt v] run one stage over JSONL {id,text,metadata} on stdin → kept docs on stdout
                         (--dropped f.jsonl writes dropped docs with their reason; --list lists stages)
  extract [--url U]      extract the main text of an HTML page on stdin (--json adds metadata)
  tokenizer <cmd>        train | encode | decode (see \`tokenmill tokenizer --help\`)
  quality train          train a fastText quality model for the quality-classifier stage
                         (--hq good.jsonl --lq crawl.jsonl --out q.bin; see \`tokenmill quality --help\`)
  inspect <dataset>      decode packed rows back to text (--row N)
  train [config]         train a GPT on packed shards (trainer/configs/<config>.ts)
  generate               sample from a checkpoint (--checkpoint dir --prompt "...")
  task                   run one task of a planned run (used by the Slurm executor)
`;

type Main = (argv: string[]) => Promise<void>;

async function lazy(modulePath: string, fn: string): Promise<Main> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(modulePath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(modulePath.replace(/^\.\.\//, ''))) {
      throw new Error(`this command is not available in this build (${modulePath} is missing)`);
    }
    throw e;
  }
  const f = mod[fn];
  if (typeof f !== 'function') throw new Error(`${modulePath} does not export ${fn}()`);
  return f as Main;
}

const commands: Record<string, () => Promise<Main>> = {
  pipeline: async () => (await import('./pipeline.ts')).main,
  stage: async () => (await import('./stage.ts')).main,
  task: async () => (await import('./pipeline.ts')).taskMain,
  stats: () => lazy('./stats/cli.ts', 'main'),
  extract: () => lazy('../stages/html/cli.ts', 'main'),
  tokenizer: () => lazy('../stages/bpe/cli.ts', 'main'),
  quality: () => lazy('../stages/filters/cli.ts', 'main'),
  inspect: () => lazy('../datasets/cli.ts', 'main'),
  train: () => lazy('../trainer/cli.ts', 'train'),
  generate: () => lazy('../trainer/cli.ts', 'generate'),
};

async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 1;
  }
  const load = commands[cmd];
  if (!load) {
    console.error(`tokenmill: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  try {
    await (await load())(rest);
    return process.exitCode && process.exitCode !== 0 ? Number(process.exitCode) : 0;
  } catch (e) {
    const err = e as Error;
    // Configuration and input errors are one clear line; anything else keeps its stack for bug reports.
    if (err instanceof PipelineConfigError || err.name === 'PipelineConfigError' || err.name === 'TaskFailedError' || (err as any).userError) {
      console.error(`tokenmill ${cmd}: ${err.message}`);
    } else if (process.env.TOKENMILL_DEBUG) {
      console.error(err.stack);
    } else {
      console.error(`tokenmill ${cmd}: ${err.message}`);
    }
    return 1;
  }
}

// pnpm forwards a literal "--" when users type `pnpm pipeline commoncrawl -- --force`.
run(process.argv.slice(2).filter((a) => a !== '--')).then((code) => {
  process.exitCode = code;
});
