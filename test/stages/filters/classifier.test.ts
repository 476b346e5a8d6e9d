// quality-classifier (datatrove's FastTextClassifierFilter) with a model trained here by
// fasttext.wasm.js on real pages: positives are the benchmark's ground-truth article bodies,
// negatives the same pages' visible text outside the article (menus, footers, cookie banners…).
// The CS336 fixture pair is the target: the FineWeb heuristics keep its phpBB-footer page, the
// classifier must drop it and keep the encyclopedia article.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { getFastTextModule } from 'fasttext.wasm.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, shared } from '../../shared.ts';
import { cli, tempDir } from '../../helpers.ts';
import { decodeHtml, stripHtmlWithMeta } from '../../../stages/html/index.ts';
import { FastTextClassifier } from '../../../stages/langid/fasttext-classifier.ts';
import { parseKeepLabels, qualityClassifierFilter } from '../../../stages/filters/fasttext-classifier.ts';
import { registry as stages } from '../../../stages/registry.ts';
import type { Doc } from '../../../engine/types.ts';
import { doc, openStage } from './helpers.ts';

const BENCH = 'data/html_extraction';
const CS336 = 'data/quality/cs336_quality_classifier_real.jsonl';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Consecutive lines joined into examples of at least `min` characters. */
function chunks(lines: string[], min: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const l of lines) {
    cur = cur ? `${cur} ${l}` : l;
    if (cur.length >= min) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur.length >= min / 2) out.push(cur);
  return out;
}

interface Example {
  label: 'hq' | 'lq';
  text: string;
}

/** Per page: article chunks (hq) and chunks of the page's other visible lines (lq). */
function pageExamples(): Array<{ id: string; examples: Example[] }> {
  const gt = JSON.parse(readFileSync(shared(`${BENCH}/ground-truth.json`), 'utf8')) as Record<string, { articleBody?: string; url?: string }>;
  const pages: Array<{ id: string; examples: Example[] }> = [];
  for (const f of readdirSync(shared(`${BENCH}/html`)).sort()) {
    const id = f.replace(/\.html\.gz$/, '');
    const body = gt[id]?.articleBody;
    if (!body) continue;
    const html = decodeHtml(gunzipSync(readFileSync(shared(`${BENCH}/html/${f}`)))).text;
    const all = stripHtmlWithMeta(html, gt[id].url, true).text.split('\n').map(norm).filter(Boolean);
    const article = norm(body);
    // a line outside the article: boilerplate (lines of 20+ chars found in the article are content)
    const boiler = all.filter((l) => !(l.length >= 20 ? article.includes(l) : article.includes(` ${l} `)));
    const hq = chunks(body.split('\n').map(norm).filter(Boolean), 300);
    pages.push({ id, examples: [...hq.map((text) => ({ label: 'hq' as const, text })), ...chunks(boiler, 150).map((text) => ({ label: 'lq' as const, text }))] });
  }
  return pages;
}

/** Train a softmax fastText model in the wasm build and write its .bin to a temp file. */
async function train(examples: Example[]): Promise<string> {
  const data = `${examples.map((e) => `__label__${e.label} ${oneLine(e.text)}`).join('\n')}\n`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mod: any = await getFastTextModule();
  mod.FS.writeFile('quality-train.txt', data);
  const ft = new mod.FastText();
  const args = new mod.Args();
  Object.assign(args, { dim: 16, epoch: 20, lr: 0.5, minCount: 1, bucket: 50000, thread: 1, verbose: 0, wordNgrams: 2, minn: 2, maxn: 4 });
  args.model = mod.ModelName.supervised;
  args.loss = mod.LossName.softmax;
  args.input = 'quality-train.txt';
  args.output = 'quality';
  ft.train(args, () => {});
  ft.saveModel('quality.bin');
  const path = join(tempDir('tm-quality-'), 'quality.bin');
  writeFileSync(path, mod.FS.readFile('quality.bin'));
  return path;
}

describe('quality-classifier options', () => {
  it('keepLabels: object, "label:score" string (the CLI form) and JSON give the same thresholds', () => {
    expect(parseKeepLabels({ hq: 0.5 })).toEqual({ hq: 0.5 });
    expect(parseKeepLabels('hq:0.5, wiki:0.8')).toEqual({ hq: 0.5, wiki: 0.8 });
    expect(parseKeepLabels('{"hq":0.5}')).toEqual({ hq: 0.5 });
    expect(parseKeepLabels(null)).toEqual({});
    expect(() => parseKeepLabels('hq')).toThrow(/stage "quality-classifier": option "keepLabels" must be "label:minScore/);
  });

  it('a missing model is one line naming the stage and the option, before any work', () => {
    expect(() => qualityClassifierFilter({}).validate?.()).toThrow(/stage "quality-classifier": option "model" is required/);
    expect(() => qualityClassifierFilter({ model: '/nonexistent/q.bin' }).validate?.()).toThrow(/option "model" file not found: \/nonexistent\/q\.bin/);
  });

  it('an unreadable model file names the file and why', async () => {
    const p = join(tempDir('tm-quality-'), 'garbage.bin');
    writeFileSync(p, Buffer.alloc(64, 7));
    await expect(openStage(qualityClassifierFilter, { model: p })).rejects.toThrow(/stage "quality-classifier": cannot load model .*garbage\.bin: .*not a fastText model/);
  });
});

describeShared('quality-classifier on real pages', [BENCH, CS336], () => {
  let model = '';
  let heldOut: Example[] = [];
  let counts = '';
  beforeAll(async () => {
    const pages = pageExamples();
    // split by page (every 5th page held out) so no held-out chunk shares a page with training
    const trainEx = pages.filter((_, i) => i % 5 !== 0).flatMap((p) => p.examples);
    heldOut = pages.filter((_, i) => i % 5 === 0).flatMap((p) => p.examples);
    const n = (ex: Example[], l: string) => ex.filter((e) => e.label === l).length;
    counts = `${pages.length} pages; train ${n(trainEx, 'hq')} hq / ${n(trainEx, 'lq')} lq chunks, held out ${n(heldOut, 'hq')} / ${n(heldOut, 'lq')}`;
    model = await train(trainEx);
  }, 120_000);

  it('classifies held-out pages\' chunks well above chance', () => {
    const clf = FastTextClassifier.load(model);
    const right = heldOut.filter((e) => clf.predict(oneLine(e.text), 1, 0)[0]?.label === `__label__${e.label}`).length;
    const acc = right / heldOut.length;
    // chance: always answering the majority class
    const majority = Math.max(...(['hq', 'lq'] as const).map((l) => heldOut.filter((e) => e.label === l).length)) / heldOut.length;
    console.log(`quality classifier: ${counts}; held-out accuracy ${acc.toFixed(3)} (majority class ${majority.toFixed(3)})`);
    expect(heldOut.length).toBeGreaterThan(100);
    expect(acc).toBeGreaterThan(majority + (1 - majority) / 2);
  });

  it('keeps the CS336 high-quality page and drops the low-quality one (which the FineWeb heuristics keep)', async () => {
    const rows = readFileSync(shared(CS336), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; expected_keep: boolean; expected_label: string });
    const r = await openStage(stages['quality-classifier'], { model, keepLabels: { hq: 0.5 } });
    for (const row of rows) {
      const d = doc(row.text);
      const out = await r.run(d);
      const kept = typeof out !== 'string';
      // scores are written before the decision, so dropped documents carry them too
      const scores = d.metadata.quality as Record<string, number>;
      console.log(`cs336 ${row.expected_label}: ${kept ? 'kept' : out}, ${JSON.stringify(scores)}`);
      expect(kept, row.expected_label).toBe(row.expected_keep);
      if (kept) expect(scores.hq).toBeGreaterThanOrEqual(0.5);
      else {
        expect(out).toBe('low_quality:lq');
        expect(scores.hq).toBeLessThan(0.5);
      }
    }
    // without keepLabels it only annotates: both kept, both scored
    const annotate = await openStage(stages['quality-classifier'], { model });
    for (const row of rows) {
      const out = await annotate.run(doc(row.text));
      expect(typeof out).not.toBe('string');
      const q = (out as Doc).metadata.quality as Record<string, number>;
      expect(Object.keys(q).sort()).toEqual(['hq', 'lq']);
      expect(q.hq + q.lq).toBeCloseTo(1, 3);
    }
  });

  it('a keepLabels label the model lacks fails at start', async () => {
    await expect(openStage(qualityClassifierFilter, { model, keepLabels: { wiki: 0.5 } })).rejects.toThrow(/label "wiki" is not in the model \(labels: (hq, lq|lq, hq)\)/);
  });

  it('runs from the CLI: `tokenmill stage quality-classifier --model m --keepLabels hq:0.5`', () => {
    const rows = readFileSync(shared(CS336), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; expected_label: string });
    const input = rows.map((r) => JSON.stringify({ id: r.expected_label, text: r.text, metadata: {} })).join('\n') + '\n';
    const dropped = join(tempDir(), 'dropped.jsonl');
    const r = cli(['stage', 'quality-classifier', '--model', model, '--keepLabels', 'hq:0.5', '--dropped', dropped], { input });
    expect(r.code, r.stderr).toBe(0);
    const kept = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(kept.map((d) => d.id)).toEqual(['wiki']);
    expect(kept[0].metadata.quality.hq).toBeGreaterThanOrEqual(0.5);
    const gone = readFileSync(dropped, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(gone.map((d) => [d.id, d.metadata.filter_reason])).toEqual([['cc', 'low_quality:lq']]);
    expect(gone[0].metadata.quality.lq).toBeGreaterThan(0.5);
    expect(r.stderr).toMatch(/quality-classifier: 2 in, 1 kept, dropped low_quality:lq=1/);
    // the JSON form works too; a missing model file is one line
    const j = cli(['stage', 'quality-classifier', '--model', model, '--keep-labels', '{"hq":0.5}'], { input });
    expect(j.stdout.trim().split('\n')).toHaveLength(1);
    const bad = cli(['stage', 'quality-classifier', '--model', '/nonexistent/q.bin'], { input });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/stage "quality-classifier": option "model" file not found: \/nonexistent\/q\.bin/)]);
  }, 60_000);
});
