// Byte-level BPE: encode speed (single thread) beside tiktoken (WASM build of the Rust core) and
// gpt-tokenizer on the same mixed multilingual text; training speed and peak RSS beside HF
// tokenizers' native trainer (npm `tokenizers`) and SentencePiece `spm_train --model_type=bpe`,
// each in a child process under /usr/bin/time -v; bytes/token on held-apart text.
//
// Corpus (bench/work/bpe/): UDHR articles (151 languages) + the html_extraction ground-truth
// articles + the visible text of those 91 raw pages. Documents are split 90/10 into a training pool
// and a held-apart set, then repeated and shuffled (seeded) to the target sizes.
// Sizes: BPE_ENCODE_MB (default 32) and BPE_TRAIN_MB (default 100; the 2-core shared machine here
// used less, see the notes written with the results). Throughputs are given per CPU-second as well as
// per wall-second because the machine is shared: CPU time is the steadier figure there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { get_encoding } from 'tiktoken';
import { encode as gptCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as gptR50k } from 'gpt-tokenizer/encoding/r50k_base';
import { encode as gptO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { loadTokenizer } from '../stages/bpe/index.ts';
import { stripHtmlWithMeta } from '../stages/html/strip.ts';
import { BENCH_DIR, type Row, WORK_DIR, report, sharedPath } from './lib.ts';
import { rng } from '../test/rng.ts';

const DIR = join(WORK_DIR, 'bpe');
const ENCODE_MB = Number(process.env.BPE_ENCODE_MB ?? 32);
const TRAIN_MB = Number(process.env.BPE_TRAIN_MB ?? 100);
/**
 * The npm `tokenizers` binding (0.23) cannot set the vocabulary size: `Tokenizer.train(files)` takes
 * no trainer and trains with `model.get_trainer()`, which for BPE is `BpeTrainer::default()` (vocab
 * 30,000; the `Trainer` class it exports has no constructor or factory). So the three-way comparison
 * uses 30,000 for everyone, and tokenmill and spm_train are compared again at the issue's 32,000.
 */
const VOCAB = 30000;
const VOCAB_ISSUE = 32000;


function sourceDocs(): string[] {
  const docs: string[] = [];
  const udhr = sharedPath('data/langid/udhr_articles.jsonl');
  if (udhr) for (const l of readFileSync(udhr, 'utf8').split('\n')) if (l) docs.push((JSON.parse(l) as { text: string }).text);
  const gt = sharedPath('data/html_extraction/ground-truth.json');
  if (gt) for (const v of Object.values(JSON.parse(readFileSync(gt, 'utf8')) as Record<string, { articleBody?: string }>)) if (v.articleBody) docs.push(v.articleBody);
  const html = sharedPath('data/html_extraction/html');
  if (html) {
    for (const f of readdirSync(html).sort()) {
      if (f.endsWith('.html.gz')) docs.push(stripHtmlWithMeta(gunzipSync(readFileSync(join(html, f))).toString('utf8'), undefined, true).text);
    }
  }
  return docs.filter((d) => d.trim().length > 0);
}

/** Repeat docs in seeded random order until `bytes`; one paragraph per line, blank line between docs. */
function build(docs: string[], bytes: number, seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const d = docs[Math.floor(r() * docs.length)];
    parts.push(d.replace(/\n{2,}/g, '\n'));
    n += Buffer.byteLength(d) + 2;
  }
  return parts.join('\n\n') + '\n';
}

interface Corpus {
  encodeText: string[];
  train: string;
  heldout: string;
}

function prepare(): Corpus | null {
  const docs = sourceDocs();
  if (docs.length === 0) {
    console.log('  skipped: ../shared data is absent');
    return null;
  }
  mkdirSync(DIR, { recursive: true });
  const held = docs.filter((_, i) => i % 10 === 0);
  const pool = docs.filter((_, i) => i % 10 !== 0);
  const train = join(DIR, `train-${TRAIN_MB}mb.txt`);
  if (!existsSync(train)) writeFileSync(train, build(pool, TRAIN_MB * 1e6, 7));
  const heldout = join(DIR, 'heldout.txt');
  writeFileSync(heldout, held.map((d) => d.replace(/\n{2,}/g, '\n')).join('\n\n') + '\n');
  const enc = build(docs, ENCODE_MB * 1e6, 11).split('\n\n');
  return { encodeText: enc, train, heldout };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Best of `repeat` passes over texts (after a warm-up pass over the first 5%): wall and CPU MB/s. */
function encodeSpeed(texts: string[], mb: number, f: (s: string) => unknown, repeat = 2): { wall: number; cpu: number; tokens: number } {
  let tokens = 0;
  for (const t of texts.slice(0, Math.ceil(texts.length / 20))) f(t);
  let wall = Infinity;
  let cpu = Infinity;
  for (let k = 0; k < repeat; k++) {
    const w0 = performance.now();
    const c0 = cpuSeconds();
    tokens = 0;
    for (const t of texts) tokens += (f(t) as ArrayLike<number>).length;
    wall = Math.min(wall, (performance.now() - w0) / 1000);
    cpu = Math.min(cpu, cpuSeconds() - c0);
  }
  return { wall: mb / wall, cpu: mb / cpu, tokens };
}

async function benchEncode(c: Corpus): Promise<void> {
  const mb = c.encodeText.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const [enc, ours, tk, gpt] of [
    ['cl100k', loadTokenizer('cl100k'), get_encoding('cl100k_base'), gptCl100k],
    ['r50k (GPT-2)', loadTokenizer('gpt2'), get_encoding('r50k_base'), gptR50k],
    ['o200k', loadTokenizer('o200k'), get_encoding('o200k_base'), gptO200k],
  ] as const) {
    const o = encodeSpeed(c.encodeText, mb, (s) => ours.encode(s));
    const t = encodeSpeed(c.encodeText, mb, (s) => tk.encode_ordinary(s));
    const g = encodeSpeed(c.encodeText, mb, (s) => gpt(s));
    if (o.tokens !== t.tokens || g.tokens !== t.tokens) notes.push(`${enc}: token counts differ: ours ${o.tokens}, tiktoken ${t.tokens}, gpt-tokenizer ${g.tokens}`);
    const best = Math.max(t.cpu, g.cpu);
    rows.push({ encoding: enc, tool: 'tokenmill', 'MB/s (CPU)': o.cpu, 'MB/s (wall)': o.wall, tokens: o.tokens, 'vs faster ref (CPU)': o.cpu / best });
    rows.push({ encoding: enc, tool: 'tiktoken (wasm)', 'MB/s (CPU)': t.cpu, 'MB/s (wall)': t.wall, tokens: t.tokens, 'vs faster ref (CPU)': t.cpu / best });
    rows.push({ encoding: enc, tool: 'gpt-tokenizer', 'MB/s (CPU)': g.cpu, 'MB/s (wall)': g.wall, tokens: g.tokens, 'vs faster ref (CPU)': g.cpu / best });
    tk.free();
  }
  notes.push(`${mb.toFixed(1)} MB of mixed multilingual text (${c.encodeText.length} docs), single thread, best of 2 passes after a warm-up; ids identical to tiktoken (see test/stages/bpe).`);
  report({ name: 'bpe-encode', title: 'BPE encode speed, single thread (same text, same process)', rows, notes });
}

interface Timed {
  wall: number;
  cpu: number;
  rssMB: number;
  ok: boolean;
  out: string;
  err: string;
}

/** Run a command under /usr/bin/time -v: wall seconds, user+sys seconds, peak RSS. */
function timed(cmd: string, args: string[], stdoutFile?: string, env: Record<string, string> = {}): Timed {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, cwd: join(BENCH_DIR, '..'), env: { ...process.env, ...env } });
  const err = r.stderr ?? '';
  const grab = (re: RegExp) => Number(re.exec(err)?.[1] ?? NaN);
  const wallStr = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(err)?.[1] ?? '';
  const wall = wallStr.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
  if (stdoutFile) writeFileSync(stdoutFile, r.stdout ?? '');
  const ok = r.status === 0;
  if (!ok) console.log(`  ${cmd} failed (${r.status}): ${err.split('\n').slice(-15).join('\n')}`);
  return { wall, cpu: grab(/User time \(seconds\): ([\d.]+)/) + grab(/System time \(seconds\): ([\d.]+)/), rssMB: grab(/Maximum resident set size \(kbytes\): (\d+)/) / 1024, ok, out: r.stdout ?? '', err };
}

async function benchTrain(c: Corpus): Promise<void> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const mb = readFileSync(c.train).length / 1e6;
  const held = readFileSync(c.heldout, 'utf8');
  const heldBytes = Buffer.byteLength(held);
  // spm_encode encodes line by line (newlines are never tokens): the "per line" figures use the same unit.
  const heldLines = held.split('\n').filter((l) => l.length > 0);
  const out = join(DIR, 'out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsx = join(BENCH_DIR, '..', 'node_modules', '.bin', 'tsx');
  const { availableParallelism, loadavg } = await import('node:os');
  const load0 = loadavg()[0];

  /** tokenmill's CLI trainer (default settings: inline counting below 256 MB); phase peaks from TOKENMILL_BPE_MEM. */
  const ours = (vocab: number) => {
    const dir = join(out, `tokenmill-${vocab}`);
    const t = timed(tsx, ['stages/bpe/cli.ts', 'train', '--input', c.train, '--vocab-size', String(vocab), '--out', dir], undefined, { TOKENMILL_BPE_MEM: '1' });
    let bpt = NaN;
    let lineBpt = NaN;
    if (t.ok) {
      const tok = loadTokenizer(join(dir, 'tokenizer.json'));
      bpt = heldBytes / tok.encode(held).length;
      lineBpt = heldBytes / heldLines.reduce((n, l) => n + tok.encode(l).length, 0);
    }
    const phases = [...t.err.matchAll(/peak RSS after (\w+): (\d+) MB/g)].map((m) => `${m[1]} ${m[2]}`).join(', ');
    return { t, bpt, lineBpt, phases };
  };

  // SentencePiece BPE (byte fallback so that nothing maps to <unk>, as in byte-level BPE), with its
  // default NFKC normalisation (lossy: it may shorten the text it counts) and with identity
  // normalisation (lossless, like byte-level BPE).
  const hasSpm = spawnSync('spm_train', ['--help'], { stdio: 'ignore' }).error === undefined;
  const spm = (vocab: number, norm: string) => {
    const prefix = join(out, `spm-${norm}-${vocab}`);
    const t = timed('spm_train', [
      `--input=${c.train}`,
      `--model_prefix=${prefix}`,
      `--vocab_size=${vocab}`,
      '--model_type=bpe',
      '--byte_fallback=true',
      '--character_coverage=0.9995',
      `--normalization_rule_name=${norm}`,
      '--max_sentence_length=65536',
      '--input_sentence_size=0',
      `--num_threads=${Math.max(1, availableParallelism())}`,
      '--minloglevel=2',
    ]);
    let lineBpt = NaN;
    if (t.ok) {
      const r = spawnSync('spm_encode', [`--model=${prefix}.model`, '--output_format=id', `--input=${c.heldout}`], { encoding: 'utf8', maxBuffer: 1 << 30 });
      lineBpt = heldBytes / r.stdout.split(/\s+/).filter(Boolean).length;
    }
    return { t, lineBpt };
  };
  const row = (tool: string, vocab: number, t: Timed, bpt: number | null, lineBpt: number, base: Timed): Row => ({
    tool,
    vocab,
    'wall s': t.wall,
    'CPU s': t.cpu,
    'peak RSS MB': t.rssMB,
    'held-out bytes/token': bpt,
    'per line (as spm_encode)': lineBpt,
    'wall vs tokenmill': t.wall / base.wall,
    'CPU vs tokenmill': t.cpu / base.cpu,
  });

  const o30 = ours(VOCAB);
  // HF tokenizers (npm native binding), ByteLevel pre-tokenizer, BpeTrainer defaults (vocab 30k).
  const hfScript = join(out, 'hf-train.mjs');
  writeFileSync(
    hfScript,
    `import { Tokenizer, BPE, byteLevelPreTokenizer } from 'tokenizers';
const tok = new Tokenizer(BPE.init({}, []));
tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
tok.train([process.argv[2]]);
tok.save(process.argv[3]);
`,
  );
  const hfLink = join(out, 'node_modules');
  rmSync(hfLink, { force: true, recursive: true });
  mkdirSync(hfLink);
  execFileSync('ln', ['-s', join(BENCH_DIR, '..', 'node_modules', 'tokenizers'), join(hfLink, 'tokenizers')]);
  const hf = timed('node', [hfScript, c.train, join(out, 'hf-tokenizer.json')]);
  let hfBpt = NaN;
  let hfLineBpt = NaN;
  let hfVocab = NaN;
  if (hf.ok) {
    const { Tokenizer } = await import('tokenizers');
    const t = Tokenizer.fromFile(join(out, 'hf-tokenizer.json'));
    hfVocab = t.getVocabSize();
    hfBpt = heldBytes / (await t.encode(held, null, { addSpecialTokens: false })).getIds().length;
    let n = 0;
    for (const l of heldLines) n += (await t.encode(l, null, { addSpecialTokens: false })).getIds().length;
    hfLineBpt = heldBytes / n;
  }
  rows.push(row('tokenmill (bpe cli)', VOCAB, o30.t, o30.bpt, o30.lineBpt, o30.t));
  rows.push(row('HF tokenizers (npm native)', hfVocab, hf, hfBpt, hfLineBpt, o30.t));
  const spmLine: Record<string, number> = {};
  if (hasSpm) {
    for (const norm of ['nmt_nfkc', 'identity']) {
      const r = spm(VOCAB, norm);
      spmLine[`${norm}-${VOCAB}`] = r.lineBpt;
      rows.push(row(`spm_train --model_type=bpe (${norm})`, VOCAB, r.t, null, r.lineBpt, o30.t));
    }
  } else notes.push('spm_train not installed (apt-get install sentencepiece): SentencePiece rows skipped');
  // The issue's size: tokenmill and spm (HF's binding cannot train it), compared with each other.
  const o32 = ours(VOCAB_ISSUE);
  rows.push(row('tokenmill (bpe cli)', VOCAB_ISSUE, o32.t, o32.bpt, o32.lineBpt, o32.t));
  if (hasSpm) {
    const r = spm(VOCAB_ISSUE, 'nmt_nfkc');
    spmLine[`nmt_nfkc-${VOCAB_ISSUE}`] = r.lineBpt;
    rows.push(row('spm_train --model_type=bpe (nmt_nfkc)', VOCAB_ISSUE, r.t, null, r.lineBpt, o32.t));
  }
  const load1 = loadavg()[0];

  const pct = (x: number, y: number) => `${((x / y - 1) * 100).toFixed(2)}%`;
  notes.push(`training text: ${mb.toFixed(1)} MB (BPE_TRAIN_MB=${TRAIN_MB}); ${availableParallelism()} cores shared with other jobs, load average ${load0.toFixed(2)} before and ${load1.toFixed(2)} after the runs: compare the same-run ratios and CPU seconds`);
  notes.push(`vocab ${VOCAB} for the three-way comparison: the npm tokenizers binding (0.23) cannot set the vocabulary size (Tokenizer.train(files) takes no trainer and uses BpeTrainer::default(), 30,000); tokenmill and spm_train again at the issue's ${VOCAB_ISSUE}`);
  notes.push(`tokenmill peak RSS after each phase (MB, cumulative): ${VOCAB}: ${o30.phases}; ${VOCAB_ISSUE}: ${o32.phases}`);
  notes.push(`held-apart text: ${(heldBytes / 1e6).toFixed(2)} MB (every 10th source document, never in the training text); bytes/token = UTF-8 bytes / tokens (higher is better)`);
  notes.push(`bytes/token of whole text counts newline tokens; spm_encode works per line and never emits them, so compare spm with the per-line column`);
  for (const v of [VOCAB, VOCAB_ISSUE]) {
    const o = v === VOCAB ? o30 : o32;
    const nf = spmLine[`nmt_nfkc-${v}`];
    if (nf !== undefined) notes.push(`compression vs SentencePiece BPE (default NFKC) at ${v}, per line: ${pct(o.lineBpt, nf)} bytes/token (whole text incl. newline tokens: ${pct(o.bpt, nf)})`);
  }
  const ident = spmLine[`identity-${VOCAB}`];
  if (ident !== undefined) notes.push(`compression vs SentencePiece BPE (identity normalisation, lossless like ours) at ${VOCAB}, per line: ${pct(o30.lineBpt, ident)} bytes/token`);
  report({ name: 'bpe-train', title: `BPE training on ${mb.toFixed(0)} MB (vocab ${VOCAB}, and ${VOCAB_ISSUE} without HF), each tool in a child process`, rows, notes });
}

/**
 * Encode the same text split over 1..cores worker threads (one Tokenizer per thread, as the tokenize
 * stage), timing only the encoding: each worker holds its share of the documents before the clock
 * starts and returns one number, so no text or token transfer is in the figures. Two passes: "cold"
 * (fresh piece caches: every thread merges the same frequent pieces again, the per-worker overhead
 * that remains) and "warm" (the steady state of a pipeline worker, which keeps its tokenizer across
 * tasks).
 */
async function benchScaling(c: Corpus): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  const { availableParallelism, loadavg } = await import('node:os');
  const docsFile = join(DIR, 'encode-docs.json');
  writeFileSync(docsFile, JSON.stringify(c.encodeText));
  const mb = c.encodeText.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const workerFile = join(DIR, 'encode-worker.mjs');
  writeFileSync(
    workerFile,
    `import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';
register();
const { loadTokenizer } = await import(${JSON.stringify(join(BENCH_DIR, '..', 'stages', 'bpe', 'index.ts'))});
const tok = loadTokenizer('cl100k');
const docs = JSON.parse(readFileSync(workerData.file, 'utf8')).filter((_, i) => i % workerData.n === workerData.k);
parentPort.postMessage('ready');
parentPort.on('message', () => {
  const t0 = performance.now();
  let tokens = 0;
  for (const d of docs) tokens += tok.encode(d).length;
  parentPort.postMessage({ tokens, s: (performance.now() - t0) / 1000 });
});
`,
  );
  const rows: Row[] = [];
  const cores = availableParallelism();
  const base: Record<string, number> = {};
  const load0 = loadavg()[0];
  for (let n = 1; n <= Math.max(2, cores); n++) {
    const ws = Array.from({ length: n }, (_, k) => new Worker(workerFile, { workerData: { file: docsFile, n, k } }));
    await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
    for (const pass of ['cold', 'warm']) {
      const t0 = performance.now();
      const rs = await Promise.all(ws.map((w) => new Promise<{ tokens: number; s: number }>((res) => { w.once('message', res); w.postMessage('go'); })));
      const wall = (performance.now() - t0) / 1000;
      if (n === 1) base[pass] = mb / wall;
      rows.push({ workers: n, caches: pass, 'MB/s (wall)': mb / wall, speedup: mb / wall / base[pass], 'slowest worker s': Math.max(...rs.map((r) => r.s)), tokens: rs.reduce((a, r) => a + r.tokens, 0) });
    }
    await Promise.all(ws.map((w) => w.terminate()));
  }
  // The load-independent part: CPU seconds of one thread encoding 1/n of the documents with a fresh
  // tokenizer, × n, against all of them. The excess is the duplicated cache warm-up; t(all)/t(1/n)
  // is the speedup n free cores would give.
  const cpuS = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const coldCpu = (n: number) => {
    let best = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const tok = loadTokenizer('cl100k');
      const part = c.encodeText.filter((_, i) => i % n === 0);
      const c0 = cpuS();
      for (const d of part) tok.encode(d);
      best = Math.min(best, cpuS() - c0);
    }
    return best;
  };
  const all = coldCpu(1);
  for (const n of [2, 4, 8]) {
    const part = coldCpu(n);
    rows.push({ workers: n, caches: 'cold, CPU-s of 1/n of the text in one thread', 'MB/s (wall)': null, speedup: all / part, 'slowest worker s': part, tokens: null, 'work vs 1 thread': (part * n) / all });
  }
  const notes = [
    `${mb.toFixed(1)} MB; ${cores} cores shared with other jobs, load average ${load0.toFixed(2)} before and ${loadavg()[0].toFixed(2)} after: a core taken by another job shows as lost speedup`,
    'cold: fresh piece caches (each thread merges the frequent pieces again); warm: a second pass over the same documents, as a pipeline worker that keeps its tokenizer across tasks',
    `"CPU-s of 1/n" rows: one thread, CPU time (not disturbed by other jobs' load), 1/n of the documents with a fresh tokenizer; speedup = CPU-s of all / CPU-s of 1/n (what n free cores give), work vs 1 thread = the duplicated cache warm-up (all of it: ${all.toFixed(2)} CPU-s)`,
  ];
  report({ name: 'bpe-encode-scaling', title: 'BPE encode (cl100k), worker threads, same text', rows, notes });
}

export default async function main(): Promise<void> {
  const c = prepare();
  if (!c) return;
  if (process.env.BPE_SKIP_ENCODE !== '1') await benchEncode(c);
  if (process.env.BPE_SKIP_SCALING !== '1') await benchScaling(c);
  if (process.env.BPE_SKIP_TRAIN !== '1') await benchTrain(c);
}

if (process.argv[1]?.endsWith('bpe.bench.ts')) await main();
