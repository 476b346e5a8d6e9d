// `tokenmill train` and `tokenmill generate`.
//
//   pnpm train [config] [--set key=value]... [--resume] [--backend gpu|node|wasm|cpu] [--out dir]
//     config: a name in trainer/configs (default "tiny") or a path to a .ts/.json config.
//     --set model.dModel=256 --set lr=1e-3 --set data.path=runs/x/tokens  (values parsed as JSON)
//     --set threads=2: data-parallel worker threads (wasm runs one core per instance)
//     Output in --out (default runs/train/<config>): metrics.jsonl, checkpoints/step-N/, latest.
//     SIGINT finishes the step, checkpoints and exits; --resume continues exactly from the latest.
//
//   pnpm generate --checkpoint <run dir | checkpoint dir> --prompt "text" [--max-tokens 100]
//     [--greedy | --temperature 0.8 --top-k 50 --top-p 0.95] [--beams 4] [--seed 0]
//     [--tokenizer spec] [--backend b]
//     Decodes with the dataset's tokenizer recorded in the checkpoint (or --tokenizer).
import { availableParallelism } from 'node:os';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { currentBackend, selectBackend, WASM_HEAP_LIMIT } from './backend.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { loaderSource, type BatchSource } from './data.ts';
import { generate as generateIds } from './generate.ts';
import { estimateTrainBytes, makeParams, resolveConfig, type ResolvedConfig } from './model.ts';
import { runTraining, type Trainer, type TrainConfig } from './train.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function loadConfig(spec: string): Promise<{ name: string; config: TrainConfig }> {
  const local = join(ROOT, 'trainer', 'configs', `${spec}.ts`);
  const path = existsSync(local) ? local : resolve(spec);
  if (!existsSync(path)) throw new Error(`config "${spec}": not in trainer/configs/ and no such file`);
  const mod = (await import(pathToFileURL(path).href)) as { default?: TrainConfig; config?: TrainConfig };
  const config = mod.default ?? mod.config;
  if (!config?.model) throw new Error(`${path}: exports no default TrainConfig`);
  return { name: basename(path).replace(/\.(ts|json)$/, ''), config: structuredClone(config) };
}

/** Apply `key.path=value` (value as JSON when it parses, else a string); unknown keys are errors. */
export function applySet(cfg: TrainConfig, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq < 1) throw new Error(`--set ${assignment}: expected key=value`);
  const keys = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  let o = cfg as unknown as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) throw new Error(`--set ${assignment}: no config section "${k}"`);
    o = o[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  const optional = new Set(['nKvHead', 'ffnHidden', 'tieEmbeddings', 'bias', 'normEps', 'ropeTheta', 'docMask', 'minLr', 'decaySteps', 'peakFlops', 'valPath', 'valFraction', 'eosId', 'threads']);
  if (!(last in o) && !optional.has(last)) throw new Error(`--set ${assignment}: unknown config key "${keys.join('.')}"`);
  if (last in o && o[last] !== undefined && typeof o[last] !== typeof value) throw new Error(`--set ${assignment}: ${keys.join('.')} must be a ${typeof o[last]}`);
  o[last] = value;
}

/** Dataset facts the trainer needs, from the token manifest (datasets/manifest.ts) when present. */
async function datasetInfo(path: string): Promise<{ vocabSize?: number; eos?: number; tokenizer?: string; rowLen?: number }> {
  try {
    const { readManifest, resolveTokenizerSpec } = await import('../datasets/manifest.ts');
    const m = readManifest(path);
    return { vocabSize: m.vocabSize, eos: m.eos >= 0 ? m.eos : undefined, tokenizer: resolveTokenizerSpec(m.tokenizer, path), rowLen: m.rowLen };
  } catch (e) {
    if (!existsSync(path)) throw new Error(`dataset ${path} does not exist (build it with \`pnpm pipeline\`, or --set data.path=...)`);
    throw e;
  }
}

/** Refuse, up front, a config whose micro-step would overflow the wasm heap (it hangs instead of failing). */
export function checkMemory(model: ResolvedConfig, batchSize: number, backend: string): void {
  const need = estimateTrainBytes(model, batchSize);
  if (backend === 'wasm' && need > 0.85 * WASM_HEAP_LIMIT) {
    throw new Error(`this config needs ~${(need / 2 ** 30).toFixed(1)} GiB per micro-step, beyond the wasm backend's 4 GiB heap (it would hang): lower batchSize (and raise gradAccum), blockSize or model size, or use a native backend`);
  }
}

/**
 * Under the `tsx` CLI, a Ctrl-C is relayed to this process and, if its main thread does not answer
 * within 30 ms (it is busy in a training step), the process is SIGKILLed — no checkpoint. So the
 * training runs in a child node process (same loader flags); this one stays idle, answers at once and
 * passes the signal on; the child finishes its step and checkpoints.
 */
function trainInChild(argv: string[]): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'train', ...argv], {
    stdio: 'inherit',
    env: { ...process.env, TOKENMILL_TRAIN_CHILD: '1' },
  });
  const relay = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', relay);
  process.on('SIGTERM', relay);
  return new Promise((resolvePromise, reject) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', relay);
      process.off('SIGTERM', relay);
      if (code === 0) resolvePromise();
      else reject(new Error(`training ${signal ? `killed by ${signal}` : `failed (exit ${code})`}`));
    });
  });
}

export async function train(argv: string[]): Promise<void> {
  if (!process.env.TOKENMILL_TRAIN_CHILD) return trainInChild(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { set: { type: 'string', multiple: true }, resume: { type: 'boolean' }, backend: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('usage: tokenmill train [config] [--set key=value]... [--resume] [--backend gpu|node|wasm|cpu] [--out dir]');
    return;
  }
  const { name, config: cfg } = await loadConfig(positionals[0] ?? 'tiny');
  for (const s of values.set ?? []) applySet(cfg, s);
  const outDir = resolve(values.out ?? join('runs', 'train', name));
  const dataPath = resolve(cfg.data.path);
  const info = await datasetInfo(dataPath);
  if (!cfg.model.vocabSize) cfg.model.vocabSize = info.vocabSize ?? 0;
  if (info.vocabSize && cfg.model.vocabSize < info.vocabSize) throw new Error(`model.vocabSize ${cfg.model.vocabSize} is smaller than the dataset's ${info.vocabSize}`);
  if (cfg.data.eosId === undefined && info.eos !== undefined) cfg.data.eosId = info.eos;
  // Rows longer than the model's context are cut into windows of blockSize+1 tokens (data.ts).
  const windows = info.rowLen !== undefined && info.rowLen - 1 > cfg.model.blockSize;
  // Without a separate validation dataset, a seeded share of the rows is held out (never trained on).
  const valFraction = cfg.data.valPath ? 0 : (cfg.data.valFraction ?? 0.05);
  const model = resolveConfig(cfg.model);

  const backend = await selectBackend(values.backend);
  // wasm runs one core per instance: by default use both cores as data-parallel threads
  // (measured 0.31× → 0.58× PyTorch+OpenBLAS on the bench model); --set threads=1 turns it off.
  if (cfg.threads === undefined && currentBackend() === 'wasm' && cfg.batchSize >= 2) cfg.threads = Math.min(2, availableParallelism());
  checkMemory(model, cfg.batchSize, backend);
  mkdirSync(outDir, { recursive: true });
  const open = async (trainState?: unknown, valState?: unknown) => {
    const blockSize = windows ? cfg.model.blockSize : undefined;
    const split = (part: 'train' | 'val') => (valFraction > 0 ? { part, valFraction, seed: cfg.seed } : undefined);
    const train: BatchSource = await loaderSource({ path: dataPath, batchSize: cfg.batchSize, seed: cfg.seed, eosId: cfg.data.eosId, state: trainState, blockSize, split: split('train') });
    const vp = cfg.data.valPath;
    const val = vp
      ? await loaderSource({ path: resolve(vp), batchSize: cfg.batchSize, seed: cfg.seed + 1, eosId: cfg.data.eosId, state: valState, blockSize })
      : valFraction > 0 && cfg.evalEvery > 0
        ? await loaderSource({ path: dataPath, batchSize: cfg.batchSize, seed: cfg.seed + 1, eosId: cfg.data.eosId, state: valState, blockSize, split: split('val') })
        : undefined;
    return { train, val };
  };
  let src = await open();
  if (windows) console.log(`note: dataset rows hold ${info.rowLen} tokens; training on windows of ${cfg.model.blockSize + 1}`);
  if (!cfg.data.valPath && src.val) console.log(`note: validation = ${Math.round(valFraction * 100)}% of the rows, held out by a seeded hash of their sample ids`);
  if (!src.val && cfg.evalEvery > 0) console.log('note: no validation set (--set data.valPath=<token dataset> or data.valFraction>0); eval skipped');
  const closeAll = async () => {
    await src.train.close?.();
    await src.val?.close?.();
  };
  let trainer: Trainer | undefined;
  try {
    ({ trainer } = await runTraining(cfg, {
      outDir,
      train: src.train,
      val: src.val,
      resume: values.resume,
      reopen: async (t, v) => {
        await closeAll();
        src = await open(t, v);
        return src;
      },
      backend,
      meta: { tokenizer: info.tokenizer, eosId: cfg.data.eosId, backend: currentBackend(), dataset: dataPath },
    }));
  } finally {
    trainer?.dispose();
    await closeAll();
  }
}

export async function generate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      prompt: { type: 'string' },
      'max-tokens': { type: 'string', default: '100' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      beams: { type: 'string' },
      greedy: { type: 'boolean' },
      seed: { type: 'string', default: '0' },
      tokenizer: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.checkpoint || values.prompt === undefined) {
    console.log('usage: tokenmill generate --checkpoint <dir> --prompt "text" [--max-tokens 100] [--greedy | --temperature t --top-k k --top-p p] [--beams n] [--seed n] [--tokenizer spec] [--backend b]');
    if (!values.help) process.exitCode = 2;
    return;
  }
  const ck = loadCheckpoint(resolve(values.checkpoint), { moments: false });
  if (!ck) throw new Error(`${values.checkpoint}: no checkpoint (expected state.json or checkpoints/latest)`);
  await selectBackend(values.backend, { quiet: true });
  const c = resolveConfig(ck.state.config.model);
  const params = makeParams(c, ck.weights);
  const spec = values.tokenizer ?? (ck.state.meta.tokenizer as string | undefined);
  if (!spec) throw new Error('the checkpoint records no tokenizer: pass --tokenizer <spec>');
  const { loadTokenizer } = await import('../stages/bpe/tokenizer.ts');
  const tok = loadTokenizer(spec);
  const prompt = Array.from(tok.encode(values.prompt));
  const eosId = (ck.state.meta.eosId as number | undefined) ?? tok.eosId;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const ids = generateIds(c, params, prompt, {
    maxNewTokens: Number(values['max-tokens']),
    temperature: values.greedy ? 0 : num(values.temperature) ?? 1,
    topK: num(values['top-k']),
    topP: num(values['top-p']),
    beams: num(values.beams),
    eosId,
    seed: Number(values.seed),
  });
  const text = tok.decode(ids.filter((i) => i !== eosId));
  process.stdout.write(values.prompt + text + '\n');
}

export { train as main };

// Entry point of the training child process (see trainInChild).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'train') {
  train(process.argv.slice(3)).catch((e: Error) => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  });
}
