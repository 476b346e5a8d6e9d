// The TypeScript fastText inference (stages/langid/fasttext-*.ts) against fasttext.wasm.js called
// directly in the same test: same labels in the same order and the same float32 probabilities, on
// lid.176.ftz (quantized, hierarchical softmax) for every UDHR article, the sample crawl's pages and
// edge cases, and on .bin models trained here by the wasm build with softmax, one-vs-all, negative
// sampling and hierarchical softmax, word n-grams and other char n-gram ranges.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFastTextModule, getLIDModel } from 'fasttext.wasm.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, ROOT, shared } from '../../shared.ts';
import { FastTextClassifier, type FastTextPrediction } from '../../../stages/langid/fasttext-classifier.ts';
import { defaultLid176Path } from '../../../stages/langid/backend.ts';
import { iterWarcRecords } from '../../../engine/readers/warc.ts';
import { decodeHtml, extractText } from '../../../stages/html/index.ts';
import { stages } from '../../../stages/langid/index.ts';
import { doc, openStage } from '../filters/helpers.ts';

interface EmbindVector {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
interface NativeFastText {
  predict(text: string, k: number, threshold: number): EmbindVector;
}

function wasmPredict(ft: NativeFastText, text: string, k: number, threshold: number): FastTextPrediction[] {
  const v = ft.predict(text, k, threshold);
  try {
    return Array.from({ length: v.size() }, (_, i) => ({ label: v.get(i)[1], prob: v.get(i)[0] }));
  } finally {
    v.delete();
  }
}

/** Texts whose predictions differ (labels, order, or a probability by more than `tol`), and the largest difference. */
function compare(ts: FastTextClassifier, ft: NativeFastText, texts: string[], k: number, threshold: number, tol = 0) {
  const bad: Array<{ text: string; ours: FastTextPrediction[]; ref: FastTextPrediction[] }> = [];
  let maxDiff = 0;
  for (const text of texts) {
    const ours = ts.predict(text, k, threshold);
    const ref = wasmPredict(ft, text, k, threshold);
    let ok = ours.length === ref.length;
    for (let i = 0; ok && i < ref.length; i++) {
      const d = Math.abs(ours[i].prob - ref[i].prob);
      maxDiff = Math.max(maxDiff, d);
      ok = ours[i].label === ref[i].label && d <= tol;
    }
    if (!ok) bad.push({ text: text.slice(0, 200), ours, ref });
  }
  return { bad, maxDiff };
}

let lid: FastTextClassifier;
let lidWasm: NativeFastText;
beforeAll(async () => {
  lid = FastTextClassifier.load(defaultLid176Path());
  const m = await getLIDModel();
  lidWasm = (await m.load()) as unknown as NativeFastText;
});

describe('fastText inference in TypeScript (lid.176.ftz)', () => {
  it('reads the model: 176 labels, quantized input of 50,000 rows, dim 16', () => {
    expect(lid.labels).toHaveLength(176);
    expect(lid.labels[0]).toBe('__label__en');
    expect(lid.dim).toBe(16);
  });

  it('equals the wasm build on edge cases: empty text, separators, "</s>", label-like tokens, later lines, long tokens', () => {
    const texts = [
      '',
      ' ',
      '\n',
      'a\nb',
      'first line\nzweite Zeile auf Deutsch',
      '</s> bonjour tout le monde',
      'bonjour </s> tout le monde',
      '__label__en hello world',
      '__label__xx guten Tag',
      'x\u0000y z',
      'tab\tsep\u000bvt\u000cff\rcr',
      '\u00a0non-breaking\u00a0spaces are part of tokens',
      'naïve café ünïcödé 😀 emoji',
      'Привет, как дела? Это русский текст.',
      '这是一个中文句子，没有空格。',
      'ok 42',
      'a',
      // tokens over 64 bytes are not cached: a long URL, a run of CJK text, a long label-like token
      `see https://example.com/${'path/'.repeat(30)}?q=${'x'.repeat(40)} for details`,
      '这是一个很长的中文句子，没有空格，用来测试超过六十四个字节的词元不会被缓存，但结果仍然一样。',
      `__label__${'y'.repeat(80)} hello`,
    ];
    for (const [k, t] of [
      [1, 0],
      [5, 0],
      [-1, 0],
      [-1, 0.01],
      [-1, 0.5],
      [3, 0.2],
    ] as const) {
      expect(compare(lid, lidWasm, texts, k, t).bad).toEqual([]);
    }
  });

  it('is exact on long text and after its out-of-vocabulary cache starts over (> 131,072 distinct tokens)', () => {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const letters = 'abcdefghijklmnopqrstuvwxyzéèàüöäßçñ';
    const word = () => Array.from({ length: 3 + Math.floor(rand() * 8) }, () => letters[Math.floor(rand() * letters.length)]).join('');
    const big = Array.from({ length: 140_000 }, word).join(' ');
    const after = Array.from({ length: 50 }, () => Array.from({ length: 40 }, word).join(' '));
    expect(compare(lid, lidWasm, [big, ...after, big.slice(0, 5000)], 5, 0).bad).toEqual([]);
  });

  it('reads lone UTF-16 surrogates as U+FFFD, as TextEncoder and files written by Node do (the wasm glue encodes them differently)', () => {
    for (const t of ['xy\uD800zw', 'Hola amigo \uDC00 que tal', 'end \uD83D']) {
      const wellFormed = t.replace(/\p{Cs}/gu, '\uFFFD');
      expect(lid.predict(t, 3, 0)).toEqual(lid.predict(wellFormed, 3, 0));
      expect(compare(lid, lidWasm, [wellFormed], 3, 0).bad).toEqual([]);
    }
  });

  it('rejects a file that is not a fastText model', () => {
    const p = join(mkdtempSync(join(tmpdir(), 'tm-ft-')), 'bad.bin');
    writeFileSync(p, Buffer.alloc(64, 1));
    expect(() => FastTextClassifier.load(p)).toThrow(/not a fastText model/);
  });
});

const UDHR = 'data/langid/udhr_articles.jsonl';
const udhr = () =>
  readFileSync(shared(UDHR), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; lang: string });

describeShared('fastText inference in TypeScript on UDHR (151 languages)', UDHR, () => {
  it('gives the top-5 labels and probabilities of fasttext.wasm.js on every article, as is and on one line', () => {
    const rows = udhr();
    expect(rows.length).toBeGreaterThan(6000);
    const texts = rows.flatMap((r) => [r.text, r.text.replace(/[\r\n]+/g, ' ')]);
    // 1e-4 is the brief's tolerance; the float32 arithmetic and musl's expf make them bit-identical
    const loose = compare(lid, lidWasm, texts, 5, 0, 1e-4);
    expect(loose.bad).toEqual([]);
    const exact = compare(lid, lidWasm, texts, 5, 0);
    console.log(`UDHR: ${texts.length} predictions, ${texts.length - exact.bad.length} bit-identical, largest difference ${loose.maxDiff}`);
    expect(exact.bad).toEqual([]);
  }, 120_000);

  it('gives the same labels above a threshold with k = -1 (the stage\'s "any wanted language" query)', () => {
    const texts = udhr()
      .filter((_, i) => i % 7 === 0)
      .map((r) => r.text.replace(/[\r\n]+/g, ' '));
    expect(compare(lid, lidWasm, texts, -1, 0.3).bad).toEqual([]);
    expect(compare(lid, lidWasm, texts, -1, 0).bad).toEqual([]);
  }, 60_000);

  // .bin models trained by the wasm build: dense matrices, every loss, word n-grams
  const configs = [
    { loss: 'softmax', wordNgrams: 2, minn: 2, maxn: 4, epoch: 25, lr: 1 },
    { loss: 'ova', wordNgrams: 1, minn: 0, maxn: 0, epoch: 10, lr: 1 },
    { loss: 'hs', wordNgrams: 3, minn: 3, maxn: 5, epoch: 10, lr: 1 },
    { loss: 'ns', wordNgrams: 1, minn: 1, maxn: 3, epoch: 10, lr: 0.5 },
  ] as const;
  for (const c of configs) {
    it(`equals the wasm build on a .bin model it trained (${c.loss}, wordNgrams ${c.wordNgrams}, minn ${c.minn}, maxn ${c.maxn})`, async () => {
      const rows = udhr();
      const train = `${rows
        .filter((_, i) => i % 3 === 0)
        .map((r) => `__label__${r.lang} ${r.text.replace(/\s+/g, ' ')}`)
        .join('\n')}\n`;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const mod: any = await getFastTextModule();
      mod.FS.writeFile('train.txt', train);
      const ft = new mod.FastText();
      const args = new mod.Args();
      Object.assign(args, { dim: 8, epoch: c.epoch, lr: c.lr, minCount: 1, bucket: 20000, thread: 1, verbose: 0, wordNgrams: c.wordNgrams, minn: c.minn, maxn: c.maxn });
      args.model = mod.ModelName.supervised;
      args.loss = mod.LossName[c.loss];
      args.input = 'train.txt';
      args.output = 'out';
      ft.train(args, () => {});
      ft.saveModel('trained.bin');
      const path = join(mkdtempSync(join(tmpdir(), 'tm-ft-')), `${c.loss}.bin`);
      writeFileSync(path, mod.FS.readFile('trained.bin'));
      const ours = FastTextClassifier.load(path);
      const heldRows = rows.filter((_, i) => i % 3 !== 0);
      const held = heldRows.map((r) => r.text);
      // not a constant model: its top label varies (the softmax one is a real classifier; the wasm
      // build trains the others poorly here, which does not matter for comparing inference)
      const top = heldRows.slice(0, 600).map((r) => ours.predict(r.text.replace(/\s+/g, ' '), 1, 0)[0]?.label);
      const right = top.filter((l, i) => l === `__label__${heldRows[i].lang}`).length;
      console.log(`${c.loss}: held-out accuracy ${(right / 600).toFixed(3)}, ${new Set(top).size} distinct top labels`);
      expect(new Set(top).size).toBeGreaterThan(1);
      if (c.loss === 'softmax') expect(right / 600).toBeGreaterThan(0.5);
      expect(compare(ours, ft, held.slice(0, 1200), 3, 0).bad).toEqual([]);
      expect(compare(ours, ft, held.slice(1200, 1500), -1, 0.01).bad).toEqual([]);
      if (c.loss === 'softmax') {
        // a user's model file behind the stage's `model` option (as a GlotLID .bin would be): both backends agree
        const meta = async (backend: string) => {
          const r = await openStage(stages.langid, { model: path, backend, mode: 'paragraph' });
          const out: unknown[] = [];
          for (let i = 0; i < 300; i += 3) {
            const res = await r.run(doc(held.slice(i, i + 3).join('\n')));
            out.push(typeof res === 'string' ? res : [res.text.length, res.metadata.language, res.metadata.languageScore]);
          }
          return out;
        };
        const viaTs = await meta('fasttext');
        expect(viaTs.some((x) => Array.isArray(x))).toBe(true);
        expect(viaTs.some((x) => typeof x === 'string')).toBe(true);
        expect(viaTs).toEqual(await meta('fasttext-wasm'));
      }
    }, 60_000);
  }
});

describe('fastText inference in TypeScript on the sample crawl', () => {
  it('equals the wasm build on every extracted page, whole (one line) and per paragraph', async () => {
    const texts: string[] = [];
    for await (const rec of iterWarcRecords(join(ROOT, 'datasets/sample/commoncrawl-sample.warc.gz'), { errors: [] })) {
      if (rec.type !== 'response' || !/html/i.test(rec.contentType ?? '')) continue;
      const { text } = extractText(decodeHtml(rec.payload, rec.contentType ?? undefined).text, { url: rec.targetUri ?? undefined });
      if (!text.trim()) continue;
      texts.push(text.replace(/[\r\n]+/g, ' '), ...text.split('\n').filter((p) => p.trim()));
    }
    expect(texts.length).toBeGreaterThan(1000);
    expect(compare(lid, lidWasm, texts, 3, 0).bad).toEqual([]);
  }, 60_000);
});

const ARTICLES = 'data/html_extraction/ground-truth.json';

describeShared('fastText inference in TypeScript on real web articles', ARTICLES, () => {
  it('equals the wasm build on the 91 benchmark article bodies, whole (one line) and per paragraph', () => {
    const gt = JSON.parse(readFileSync(shared(ARTICLES), 'utf8')) as Record<string, { articleBody?: string }>;
    const bodies = Object.values(gt).flatMap((v) => (v.articleBody ? [v.articleBody] : []));
    expect(bodies.length).toBeGreaterThan(80);
    const texts = bodies.flatMap((b) => [b.replace(/[\r\n]+/g, ' '), ...b.split('\n').filter((p) => p.trim())]);
    expect(compare(lid, lidWasm, texts, 3, 0).bad).toEqual([]);
  });
});
