// Quality classifier (datatrove's FastTextClassifierFilter): score each document with a user-given
// supervised fastText model (.bin/.ftz) through the TypeScript inference of stages/langid, write every
// label's score to metadata, keep the document when one of `keepLabels` reaches its minimum score.
// No model ships with the project: train one (e.g. Wikipedia-cited pages vs. Common Crawl, as CS336
// and the GPT-3/DCLM classifiers do) with `tokenmill quality train` (quality-train.ts) and pass its path.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { check, defineFilter } from '../../engine/stage.ts';
import { FastTextClassifier } from '../langid/fasttext-classifier.ts';

export const qualityClassifierDefaults = {
  /** Path of a supervised fastText model (.bin or .ftz). Required. */
  model: '',
  /**
   * Label (without `__label__`) → minimum score; keep when any listed label scores ≥ its minimum.
   * Unset: only annotate. Also a string `hq:0.5,wiki:0.8` (or JSON), the form the CLI passes: the
   * default is null so that the option type check accepts both forms.
   */
  keepLabels: null as Record<string, number> | string | null,
  /** What '\n' becomes before predicting: fastText predicts one line (datatrove: `newline_replacement`). */
  newlines: ' ',
  /** Metadata key for `{ label: score }` of every label ('' = do not write). */
  metadataKey: 'quality',
};
export type QualityClassifierOptions = typeof qualityClassifierDefaults;

const NAME = 'quality-classifier';

/** `{ hq: 0.5 }` from the object form or the CLI's string form `hq:0.5,wiki:0.8`. */
export function parseKeepLabels(v: Record<string, number> | string | null): Record<string, number> {
  if (v === null) return {};
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    try {
      v = JSON.parse(v) as Record<string, number>;
    } catch {
      check(false, NAME, 'keepLabels', `is not valid JSON: ${v}`);
    }
  }
  if (typeof v !== 'string') {
    check(typeof v === 'object' && !Array.isArray(v), NAME, 'keepLabels', 'must be an object { label: minScore } or "label:minScore,…"');
    return v;
  }
  const out: Record<string, number> = {};
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.lastIndexOf(':');
    const score = i > 0 ? Number(part.slice(i + 1)) : NaN;
    check(Number.isFinite(score), NAME, 'keepLabels', `must be "label:minScore[,label:minScore…]", got "${part}"`);
    out[part.slice(0, i)] = score;
  }
  return out;
}

const strip = (label: string) => (label.startsWith('__label__') ? label.slice(9) : label);

// One model per path and worker thread: several stages (or tasks in one thread) share it.
const models = new Map<string, FastTextClassifier>();

function loadModel(path: string): FastTextClassifier {
  let m = models.get(path);
  if (!m) {
    try {
      m = FastTextClassifier.load(path);
    } catch (e) {
      throw new Error(`stage "${NAME}": cannot load model ${path}: ${(e as Error).message}`);
    }
    models.set(path, m);
  }
  return m;
}

export const qualityClassifierFilter = defineFilter({
  name: NAME,
  defaults: qualityClassifierDefaults,
  validate(o) {
    check(o.model !== '', NAME, 'model', 'is required (path of a supervised fastText .bin/.ftz model)');
    const path = resolve(o.model);
    check(existsSync(path), NAME, 'model', `file not found: ${path}`);
    check(statSync(path).isFile(), NAME, 'model', `is not a file: ${path}`);
    for (const [label, min] of Object.entries(parseKeepLabels(o.keepLabels))) {
      check(label !== '' && typeof min === 'number' && min >= 0 && min <= 1, NAME, 'keepLabels', `needs labels with a minimum score in [0, 1], got ${JSON.stringify(label)}: ${min}`);
    }
  },
  setup(o) {
    const model = loadModel(resolve(o.model));
    const known = new Set(model.labels.map(strip));
    const keep = Object.entries(parseKeepLabels(o.keepLabels));
    // a misspelt label would silently drop everything: fail at start instead
    for (const [label] of keep) check(known.has(label), NAME, 'keepLabels', `label "${label}" is not in the model (labels: ${[...known].join(', ')})`);
    return { model, keep };
  },
  filter(doc, o, { model, keep }, ctx) {
    const line = o.newlines === '\n' ? doc.text : doc.text.replaceAll('\n', o.newlines);
    const scores: Record<string, number> = {};
    let best = 'unknown';
    // k = -1: every label, best first; fastText's log(p + 1e-5) lets p exceed 1 slightly, hence the clamp
    for (const p of model.predict(line, -1, 0)) {
      const label = strip(p.label);
      if (best === 'unknown') best = label;
      scores[label] = Math.round(Math.min(1, p.prob) * 1e4) / 1e4;
    }
    if (o.metadataKey) doc.metadata[o.metadataKey] = scores;
    ctx.stats.count(`quality:${best}`);
    if (keep.length === 0 || keep.some(([label, min]) => (scores[label] ?? -1) >= min)) return true;
    // the top label, or (a kept label on top but under its minimum) that it fell short
    return keep.some(([label]) => label === best) ? `low_quality:${best}_below_min` : `low_quality:${best}`;
  },
});
