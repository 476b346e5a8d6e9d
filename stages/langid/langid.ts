// Language identification stage: fastText lid.176 (as CCNet, datatrove and FineWeb use) or another
// backend, per document or per paragraph. Writes metadata.language / languageScore (and
// languageScript for labels like GlotLID's "eng_Latn"), counts `lang:<code>` in the stats.
// Keep rule as datatrove's LanguageFilter: without `languages`, keep when the top score > minScore;
// with `languages`, keep when one of them scores > minScore.
import { check, defineStage } from '../../engine/stage.ts';
import type { Doc, StageResult, TaskContext } from '../../engine/types.ts';
import { getLangIdBackend, hasLangIdBackend, type LangIdBackend } from './backend.ts';

export const langIdDefaults = {
  /** Languages to keep (model labels, e.g. "en", or GlotLID "eng_Latn"/"eng"); empty: keep all. */
  languages: [] as string[],
  minScore: 0.65,
  /** 'document': one prediction for the whole text; 'paragraph': per line, dropping lines in other languages. */
  mode: 'document' as 'document' | 'paragraph',
  /** Backend name: 'fasttext' (TypeScript inference), 'fasttext-wasm' (fasttext.wasm.js, same decisions), or one added with registerLangIdBackend. */
  backend: 'fasttext',
  /** Model file for the backend ('' = lid.176.ftz shipped with fasttext.wasm.js; any supervised fastText .bin/.ftz, e.g. GlotLID). */
  model: '',
  /** Only annotate metadata; never drop. */
  labelOnly: false,
};
export type LangIdOptions = typeof langIdDefaults;

export interface Verdict {
  label: string;
  score: number;
  keep: true | string;
}

/** One prediction + the keep rule. `text` may contain newlines (replaced by spaces, as datatrove). */
export function identify(backend: LangIdBackend, text: string, o: LangIdOptions, wanted: Set<string>): Verdict {
  const line = text.replace(/[\r\n]+/g, ' ');
  const top = backend.predict(line, 1, 0)[0] ?? { label: 'unknown', score: 0 };
  let keep: true | string = true;
  if (!o.labelOnly) {
    if (wanted.size === 0) {
      if (!(top.score > o.minScore)) keep = 'language_low_score';
    } else if (isWanted(top.label, wanted)) {
      if (!(top.score > o.minScore)) keep = 'language_low_score';
    } else if (o.minScore < 0.5 && backend.predict(line, -1, o.minScore).some((p) => p.score > o.minScore && isWanted(p.label, wanted))) {
      keep = true; // a wanted language also scores above the threshold
    } else keep = 'language_not_kept';
  }
  return { label: top.label, score: top.score, keep };
}

function isWanted(label: string, wanted: Set<string>): boolean {
  if (wanted.has(label)) return true;
  const u = label.indexOf('_');
  return u > 0 && wanted.has(label.slice(0, u));
}

function annotate(doc: Doc, label: string, score: number, ctx: TaskContext): void {
  const u = label.indexOf('_');
  if (u > 0) {
    doc.metadata.language = label.slice(0, u);
    doc.metadata.languageScript = label.slice(u + 1);
  } else doc.metadata.language = label;
  doc.metadata.languageScore = Math.round(score * 1e4) / 1e4;
  ctx.stats.count(`lang:${doc.metadata.language}`);
}

function processDocument(doc: Doc, backend: LangIdBackend, o: LangIdOptions, wanted: Set<string>, ctx: TaskContext): StageResult {
  const v = identify(backend, doc.text, o, wanted);
  annotate(doc, v.label, v.score, ctx);
  return v.keep === true ? doc : v.keep;
}

function processParagraphs(doc: Doc, backend: LangIdBackend, o: LangIdOptions, wanted: Set<string>, ctx: TaskContext): StageResult {
  const kept: string[] = [];
  const chars = new Map<string, { chars: number; weighted: number }>();
  let keptChars = new Map<string, { chars: number; weighted: number }>();
  let firstReason = 'language_not_kept';
  let removed = 0;
  for (const para of doc.text.split('\n')) {
    if (para.trim() === '') continue;
    const v = identify(backend, para, o, wanted);
    const add = (m: Map<string, { chars: number; weighted: number }>) => {
      const e = m.get(v.label) ?? { chars: 0, weighted: 0 };
      e.chars += para.length;
      e.weighted += para.length * v.score;
      m.set(v.label, e);
    };
    add(chars);
    if (v.keep === true) {
      kept.push(para);
      add(keptChars);
    } else {
      if (removed === 0) firstReason = v.keep;
      removed++;
    }
  }
  if (removed) ctx.stats.count('paragraphs_removed', removed);
  if (kept.length === 0) keptChars = chars;
  // the document's language: the label covering most characters (of kept paragraphs when any)
  let best = 'unknown';
  let bestChars = -1;
  for (const [label, e] of keptChars) if (e.chars > bestChars) [best, bestChars] = [label, e.chars];
  const e = keptChars.get(best);
  annotate(doc, best, e && e.chars ? e.weighted / e.chars : 0, ctx);
  if (kept.length === 0) return removed ? firstReason : 'language_not_kept';
  if (removed) doc.text = kept.join('\n');
  return doc;
}

export const langIdStage = defineStage({
  name: 'langid',
  defaults: langIdDefaults,
  validate(o) {
    check(o.minScore >= 0 && o.minScore <= 1, 'langid', 'minScore', 'must be between 0 and 1');
    check(o.mode === 'document' || o.mode === 'paragraph', 'langid', 'mode', `must be "document" or "paragraph", got "${o.mode}"`);
    check(hasLangIdBackend(o.backend), 'langid', 'backend', `"${o.backend}" is not registered (registerLangIdBackend in the pipeline file)`);
    check(o.languages.every((l) => typeof l === 'string' && l !== ''), 'langid', 'languages', 'must be a list of language codes');
  },
  async open(o, ctx) {
    const backend = await getLangIdBackend(o.backend, o.model);
    const wanted = new Set(o.languages);
    const run = o.mode === 'paragraph' ? processParagraphs : processDocument;
    return { process: (doc: Doc) => run(doc, backend, o, wanted, ctx) };
  },
});
