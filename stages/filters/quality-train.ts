// Training a model for `quality-classifier`: a supervised fastText classifier of high-quality (hq)
// vs low-quality (lq) text, as CS336, GPT-3 and DCLM train theirs (e.g. pages cited by Wikipedia
// vs random Common Crawl). Training runs in fastText's own code (the fasttext.wasm.js build, one
// thread, seeded: the same inputs give the same model); the held-out accuracy is measured with
// tokenmill's TypeScript inference, the one the stage uses. The examples are held in memory (fastText
// trains from one file): size the training set for that, as with fastText itself.
//   tokenmill quality train --hq good.jsonl --lq crawl.jsonl --out quality.bin
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, resolve } from 'node:path';
import { getFastTextModule } from 'fasttext.wasm.js';
import { FastTextClassifier } from '../langid/fasttext-classifier.ts';
import { hashInts } from '../../datasets/random.ts';

export const LABELS = ['hq', 'lq'] as const;
export type QualityLabel = (typeof LABELS)[number];

export const qualityTrainDefaults = {
  /** fastText hyper-parameters (its defaults, except what suits short web text). */
  dim: 16,
  epoch: 20,
  lr: 0.5,
  wordNgrams: 2,
  minn: 2,
  maxn: 4,
  minCount: 1,
  bucket: 200_000,
  /** Share of the examples held out (not trained on) to measure accuracy; 0 = train on all. */
  holdout: 0.1,
  seed: 1,
};
export type QualityTrainParams = typeof qualityTrainDefaults;

export interface QualityTrainOptions extends Partial<QualityTrainParams> {
  hq: string[];
  lq: string[];
  out: string;
}

export interface QualityTrainResult {
  out: string;
  /** Training examples per label (after the hold-out split). */
  trained: Record<QualityLabel, number>;
  /** Input lines skipped (empty text, JSONL without a text field), per file. */
  skipped: Array<{ file: string; lines: number; first: string }>;
  /** Accuracy on the held-out examples (absent with holdout 0, or when none fell in the hold-out). */
  heldOut?: { examples: number; accuracy: number; majority: number };
  holdout: number;
  seconds: number;
}

/** fastText reads one example per line: whitespace (newlines included) collapsed. */
export const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Examples of one file: JSONL (`.jsonl`, `.json`, optionally `.gz`) documents with a `text` field,
 * or any other file as plain text, one example per line. Bad lines are counted, not fatal.
 */
export function readExamples(file: string): { texts: string[]; skipped: number; first: string } {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`${file}: file not found`);
  if (!statSync(path).isFile()) throw new Error(`${file}: not a file`);
  let raw = readFileSync(path);
  if (path.endsWith('.gz')) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new Error(`${file}: cannot gunzip: ${(e as Error).message}`);
    }
  }
  const jsonl = /\.jsonl?(\.gz)?$/.test(path);
  const texts: string[] = [];
  let skipped = 0;
  let first = '';
  const lines = raw.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let text: unknown = line;
    if (jsonl) {
      try {
        text = (JSON.parse(line) as { text?: unknown }).text;
      } catch (e) {
        text = undefined;
        first ||= `${file}:${i + 1}: not JSON (${(e as Error).message})`;
      }
      if (typeof text !== 'string' && !first) first = `${file}:${i + 1}: no "text" string field`;
    }
    const t = typeof text === 'string' ? oneLine(text) : '';
    if (t === '') {
      skipped++;
      first ||= `${file}:${i + 1}: empty text`;
      continue;
    }
    texts.push(t);
  }
  return { texts, skipped, first };
}

/** Example i of label l goes to the held-out set (seeded, independent of the file order of other labels). */
const heldOut = (seed: number, l: number, i: number, share: number) => share > 0 && hashInts(seed, l, i, 0x9a11) / 4294967296 < share;

export async function trainQualityModel(o: QualityTrainOptions): Promise<QualityTrainResult> {
  const t0 = performance.now();
  const p: QualityTrainParams = { ...qualityTrainDefaults, ...Object.fromEntries(Object.entries(o).filter(([k, v]) => k in qualityTrainDefaults && v !== undefined)) };
  if (!(p.holdout >= 0 && p.holdout < 1)) throw new Error(`holdout must be in [0, 1), got ${p.holdout}`);
  for (const k of ['dim', 'epoch', 'wordNgrams', 'minCount', 'bucket'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new Error(`${k} must be an integer >= 1, got ${p[k]}`);
  }
  for (const k of ['minn', 'maxn', 'seed'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) throw new Error(`${k} must be an integer >= 0, got ${p[k]}`);
  }
  if (!(p.lr > 0)) throw new Error(`lr must be > 0, got ${p.lr}`);
  const train: string[] = [];
  const test: Array<{ label: QualityLabel; text: string }> = [];
  const trained: Record<QualityLabel, number> = { hq: 0, lq: 0 };
  const skipped: QualityTrainResult['skipped'] = [];
  for (const [l, label] of LABELS.entries()) {
    const files = o[label];
    if (files.length === 0) throw new Error(`no --${label} file given (examples of both labels are needed)`);
    let i = 0;
    for (const f of files) {
      const r = readExamples(f);
      if (r.skipped) skipped.push({ file: f, lines: r.skipped, first: r.first });
      for (const text of r.texts) {
        if (heldOut(p.seed, l, i++, p.holdout)) test.push({ label, text });
        else {
          train.push(`__label__${label} ${text}`);
          trained[label]++;
        }
      }
    }
    if (trained[label] === 0) throw new Error(`no ${label} examples to train on in ${files.join(', ')}`);
  }
  // fastText takes the order as given (SGD): interleave the labels by a seeded shuffle
  const order = train.map((_, i) => [hashInts(p.seed, i, 0x5ef1), i] as const).sort((a, b) => a[0] - b[0]);
  const data = `${order.map(([, i]) => train[i]).join('\n')}\n`;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mod: any = await getFastTextModule();
  const tag = `quality-${process.pid}-${Date.now()}`;
  let bytes: Uint8Array;
  mod.FS.writeFile(`${tag}.txt`, data);
  try {
    const ft = new mod.FastText();
    const args = new mod.Args();
    Object.assign(args, { dim: p.dim, epoch: p.epoch, lr: p.lr, minCount: p.minCount, bucket: p.bucket, wordNgrams: p.wordNgrams, minn: p.minn, maxn: p.maxn, thread: 1, verbose: 0, seed: p.seed });
    args.model = mod.ModelName.supervised;
    args.loss = mod.LossName.softmax;
    args.input = `${tag}.txt`;
    args.output = tag;
    ft.train(args, () => {});
    ft.saveModel(`${tag}.bin`);
    bytes = mod.FS.readFile(`${tag}.bin`);
  } finally {
    for (const f of [`${tag}.txt`, `${tag}.bin`]) {
      try {
        mod.FS.unlink(f);
      } catch {
        // not written (training failed before saving)
      }
    }
  }

  // written under a temp name and renamed: a model file is whole or absent
  const out = resolve(o.out);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  let clf: FastTextClassifier;
  try {
    writeFileSync(tmp, bytes);
    // read back by the stage's own loader before it takes the final name
    clf = FastTextClassifier.load(tmp);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new Error(`--out ${o.out}: ${(e as Error).message}`);
  }
  renameSync(tmp, out);

  const result: QualityTrainResult = { out, trained, skipped, holdout: p.holdout, seconds: (performance.now() - t0) / 1000 };
  if (test.length > 0) {
    const right = test.filter((e) => clf.predict(e.text, 1, 0)[0]?.label === `__label__${e.label}`).length;
    const majority = Math.max(...LABELS.map((l) => test.filter((e) => e.label === l).length)) / test.length;
    result.heldOut = { examples: test.length, accuracy: right / test.length, majority };
  }
  return result;
}

/** One line for the CLI. */
export function summary(r: QualityTrainResult): string {
  const parts = [`quality model ${r.out}: trained on ${r.trained.hq} hq / ${r.trained.lq} lq examples in ${r.seconds.toFixed(1)} s`];
  if (!r.heldOut && r.holdout > 0) parts.push(`no example fell in the ${r.holdout} hold-out (too few examples): accuracy not measured`);
  if (r.heldOut) parts.push(`held-out accuracy ${r.heldOut.accuracy.toFixed(3)} on ${r.heldOut.examples} examples (majority class ${r.heldOut.majority.toFixed(3)})`);
  const skipped = r.skipped.reduce((a, s) => a + s.lines, 0);
  if (skipped) parts.push(`${skipped} input lines skipped (first: ${r.skipped[0].first})`);
  return parts.join('; ');
}
