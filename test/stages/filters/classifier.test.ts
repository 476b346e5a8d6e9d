// quality-classifier (datatrove's FastTextClassifierFilter) with a model trained here by
// `tokenmill quality train` (fastText's own training, fasttext.wasm.js) on real pages: positives are the benchmark's ground-truth article bodies,
// negatives the same pages' visible text outside the article (menus, footers, cookie banners…).
// The CS336 fixture pair is the target: the FineWeb heuristics keep its phpBB-footer page, the
// classifier must drop it and keep the encyclopedia article.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, shared } from '../../shared.ts';
import { cli, tempDir } from '../../helpers.ts';
import { decodeHtml, stripHtmlWithMeta } from '../../../stages/html/index.ts';
import { FastTextClassifier } from '../../../stages/langid/fasttext-classifier.ts';
import { parseKeepLabels, qualityClassifierFilter } from '../../../stages/filters/fasttext-classifier.ts';
import { oneLine, readExamples, trainQualityModel } from '../../../stages/filters/quality-train.ts';
import { registry as stages } from '../../../stages/registry.ts';
import type { Doc } from '../../../engine/types.ts';
import { doc, openStage } from './helpers.ts';

const BENCH = 'data/html_extraction';
const CS336 = 'data/quality/cs336_quality_classifier_real.jsonl';

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
    const all = stripHtmlWithMeta(html, gt[id].url, true).text.split('\n').map(oneLine).filter(Boolean);
    const article = oneLine(body);
    // a line outside the article: boilerplate (lines of 20+ chars found in the article are content)
    const boiler = all.filter((l) => !(l.length >= 20 ? article.includes(l) : article.includes(` ${l} `)));
    const hq = chunks(body.split('\n').map(oneLine).filter(Boolean), 300);
    pages.push({ id, examples: [...hq.map((text) => ({ label: 'hq' as const, text })), ...chunks(boiler, 150).map((text) => ({ label: 'lq' as const, text }))] });
  }
  return pages;
}

/** fastText's hyper-parameters for these small page chunks. */
const PARAMS = { dim: 16, epoch: 20, lr: 0.5, minCount: 1, bucket: 50000, wordNgrams: 2, minn: 2, maxn: 4 };

/** The examples as the two JSONL files `tokenmill quality train` takes. */
function writeExamples(examples: Example[]): { hq: string; lq: string } {
  const dir = tempDir('tm-quality-');
  const files = { hq: join(dir, 'hq.jsonl'), lq: join(dir, 'lq.jsonl') };
  for (const l of ['hq', 'lq'] as const) writeFileSync(files[l], examples.filter((e) => e.label === l).map((e) => JSON.stringify({ text: e.text })).join('\n') + '\n');
  return files;
}

/** Train through the module behind `tokenmill quality train` (no hold-out: the caller splits by page). */
async function train(examples: Example[]): Promise<string> {
  const { hq, lq } = writeExamples(examples);
  const out = join(tempDir('tm-quality-'), 'quality.bin');
  const r = await trainQualityModel({ hq: [hq], lq: [lq], out, holdout: 0, ...PARAMS });
  expect(r.trained).toEqual({ hq: examples.filter((e) => e.label === 'hq').length, lq: examples.filter((e) => e.label === 'lq').length });
  return out;
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

  it('training input: a missing file is an error naming it; bad JSONL lines are counted and skipped', async () => {
    const dir = tempDir('tm-quality-');
    const f = join(dir, 'hq.jsonl');
    writeFileSync(f, ['{"text": "A real sentence.\\nSecond line."}', '{"id": 3}', 'not json', '{"text": "   "}', '', '{"text": "Another one."}'].join('\n'));
    const r = readExamples(f);
    expect(r.texts).toEqual(['A real sentence. Second line.', 'Another one.']);
    expect(r.skipped).toBe(3);
    expect(r.first).toBe(`${f}:2: no "text" string field`);
    const txt = join(dir, 'lq.txt');
    writeFileSync(txt, 'menu item one\n\nlogin register\n');
    expect(readExamples(txt)).toEqual({ texts: ['menu item one', 'login register'], skipped: 0, first: '' });
    expect(() => readExamples(join(dir, 'nope.jsonl'))).toThrow(/nope\.jsonl: file not found$/);
    await expect(trainQualityModel({ hq: [f], lq: [join(dir, 'nope.txt')], out: join(dir, 'm.bin') })).rejects.toThrow(/nope\.txt: file not found/);
    // hyper-parameters are checked before any file is read
    await expect(trainQualityModel({ hq: [f], lq: [f], out: join(dir, 'm.bin'), lr: 0 })).rejects.toThrow(/^lr must be > 0, got 0$/);
    await expect(trainQualityModel({ hq: [f], lq: [f], out: join(dir, 'm.bin'), holdout: 1 })).rejects.toThrow(/^holdout must be in \[0, 1\), got 1$/);
    const bad = cli(['quality', 'train', '--hq', f, '--lq', join(dir, 'nope.txt'), '--out', join(dir, 'm.bin')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tokenmill quality: .*nope\.txt: file not found$/)]);
  }, 60_000);

  it('`tokenmill quality train` counts skipped lines in its summary; a bad value is one line', () => {
    const dir = tempDir('tm-quality-');
    const hq = join(dir, 'hq.jsonl');
    const lq = join(dir, 'lq.txt');
    const good = ['The theorem states that every bounded sequence has a convergent subsequence.', 'Photosynthesis converts light energy into chemical energy in plants.'];
    writeFileSync(hq, [...good.map((text) => JSON.stringify({ text })), '{"id": 7}', '{"text": ""}'].join('\n') + '\n');
    writeFileSync(lq, 'login register faq\nhome | about | contact\ncookie policy accept all\n');
    const out = join(dir, 'sub', 'm.bin');
    const r = cli(['quality', 'train', `--hq=${hq}`, '--lq', lq, '--out', out, '--holdout', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/trained on 2 hq \/ 3 lq examples/);
    expect(r.stdout).toContain(`2 input lines skipped (first: ${hq}:3: no "text" string field)`);
    expect(r.stdout).not.toMatch(/accuracy/);
    // the model is whole under its name, no temp file left beside it
    expect([...FastTextClassifier.load(out).labels].sort()).toEqual(['__label__hq', '__label__lq']);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['m.bin']);
    const bad = cli(['quality', 'train', '--hq', hq, '--lq', lq, '--out', out, '--dim', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual(['tokenmill quality: --dim: expected a number, got "x"']);
  }, 60_000);

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

  it('end to end through the CLI: `tokenmill quality train` then `tokenmill stage quality-classifier` on the CS336 pair', () => {
    const { hq, lq } = writeExamples(pageExamples().flatMap((p) => p.examples));
    const out = join(tempDir('tm-quality-'), 'cli.bin');
    const args = Object.entries(PARAMS).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]);
    const t = cli(['quality', 'train', '--hq', hq, '--lq', lq, '--out', out, '--holdout', '0.2', ...args]);
    expect(t.code, t.stderr).toBe(0);
    console.log(t.stdout.trim());
    const m = /trained on (\d+) hq \/ (\d+) lq examples .*held-out accuracy ([\d.]+) on (\d+) examples \(majority class ([\d.]+)\)/.exec(t.stdout);
    expect(m, t.stdout).not.toBeNull();
    const [trainedHq, trainedLq, acc, n, majority] = m!.slice(1).map(Number);
    const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').length;
    expect(trainedHq + trainedLq + n).toBe(lines(hq) + lines(lq));
    expect(n).toBeGreaterThan(0.1 * (lines(hq) + lines(lq)));
    expect(acc).toBeGreaterThan(majority + (1 - majority) / 2);
    const rows = readFileSync(shared(CS336), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; expected_label: string });
    const input = rows.map((r) => JSON.stringify({ id: r.expected_label, text: r.text, metadata: {} })).join('\n') + '\n';
    const r = cli(['stage', 'quality-classifier', '--model', out, '--keepLabels', 'hq:0.5'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['wiki']);
    expect(r.stderr).toMatch(/dropped low_quality:lq=1/);
  }, 120_000);

  it('TOKENMILL_QUALITY_MODEL adds the stage to the commoncrawl pipeline after fineweb-quality, with its exclusions', () => {
    const out = tempDir('tm-quality-run-');
    const r = cli(['pipeline', 'commoncrawl', '--output', out, '--progress', 'none', '--workers', '1'], { env: { TOKENMILL_QUALITY_MODEL: model, TOKENMILL_QUALITY_KEEP: 'hq:0.99' } });
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { phases: Array<{ stages: Array<{ name: string; docsIn: number; docsOut: number; dropped?: Record<string, number> }> }> };
    const stages0 = stats.phases[0].stages;
    const names = stages0.map((x) => x.name);
    expect(names.indexOf('quality-classifier')).toBe(names.indexOf('fineweb-quality') + 1);
    const q = stages0.find((x) => x.name === 'quality-classifier')!;
    expect(q.docsIn).toBe(stages0.find((x) => x.name === 'fineweb-quality')!.docsOut);
    // a strict threshold (hq ≥ 0.99) drops some; every drop is written with its reason and scores
    const dropped = q.docsIn - q.docsOut;
    console.log(`quality-classifier in the pipeline (keep hq >= 0.99): ${q.docsIn} in, ${dropped} dropped`);
    expect(dropped).toBeGreaterThan(0);
    const dir = join(out, 'removed', 'quality-classifier');
    const gone = readdirSync(dir).flatMap((f) => gunzipSync(readFileSync(join(dir, f))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    expect(gone).toHaveLength(dropped);
    for (const d of gone) {
      expect(d.metadata.filter_reason).toMatch(/^low_quality:(hq_below_min|lq)$/);
      expect(d.metadata.quality.hq).toBeLessThan(0.99);
    }
    // resuming the run without the model is refused (other stages), not mixed
    const again = cli(['pipeline', 'commoncrawl', '--output', out, '--progress', 'none'], { env: { TOKENMILL_QUALITY_MODEL: '' } });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/planned with different stages/);
  }, 120_000);

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
