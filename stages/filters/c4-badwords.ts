// C4's bad-words rule with datatrove's C4BadWordsFilter semantics: a document whose lowercased text
// contains a listed word (flanked by non-word characters, except for ja/th/zh) is dropped, or kept
// with probability keepFraction. The list per language comes from files you give (LDNOOBW format:
// one word or phrase per line); a small English list is built in.
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc, TaskContext } from '../../engine/types.ts';
import { assetList, readList } from './lists.ts';

/** Languages written without spaces: words match anywhere, not only between word boundaries. */
const NO_BOUNDARY = new Set(['ja', 'th', 'zh']);
/** Common subwords in languages without spaces that would drop >10% of their documents (as C4). */
const ALLOWLIST: Record<string, string[]> = { ja: ['sm', 'グロ', '女の子'], zh: ['性'] };

export const c4BadWordsDefaults = {
  /** language code → list file. "en" falls back to the built-in list when absent. */
  wordsFiles: {} as Record<string, string>,
  /** Fraction of documents with bad words to keep anyway (deterministic per document id). */
  keepFraction: 0,
  seed: 0,
  /** Language of documents without metadata.language. */
  defaultLanguage: 'en',
  /** Fail on a document whose language has no list (datatrove's default); otherwise keep it and count it. */
  failOnMissingLanguage: false,
};
export type C4BadWordsOptions = typeof c4BadWordsDefaults;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The matcher of one language's list. */
export function badWordsRegex(words: string[], lang: string): RegExp {
  const allow = new Set(Object.values(ALLOWLIST).flat());
  const alternatives = [...new Set(words.map((w) => w.toLowerCase()))]
    .filter((w) => !allow.has(w))
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|');
  if (NO_BOUNDARY.has(lang)) return new RegExp(`(?:${alternatives})`, 'u');
  return new RegExp(`(?:[^\\p{L}\\p{N}_]|^)(?:${alternatives})(?:[^\\p{L}\\p{N}_]|$)`, 'u');
}

/** Uniform [0, 1) from a document id and seed (FNV-1a), so keepFraction is reproducible on resume. */
function uniform(id: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

interface State {
  regexes: Map<string, RegExp | null>;
}

function regexFor(lang: string, o: C4BadWordsOptions, state: State, ctx: TaskContext): RegExp | null {
  let re = state.regexes.get(lang);
  if (re !== undefined) return re;
  const file = o.wordsFiles[lang];
  const list = file ? readList(file, 'c4-badwords') : lang === 'en' ? assetList('badwords-en.txt') : null;
  if (!list && o.failOnMissingLanguage) {
    throw new Error(`c4-badwords: no bad-words list for language "${lang}"; give one with wordsFiles: { ${lang}: "path" } or set failOnMissingLanguage: false`);
  }
  re = list && list.length ? badWordsRegex(list, lang) : null;
  if (!list) ctx.log.warn(`c4-badwords: no list for language "${lang}", its documents are kept`);
  state.regexes.set(lang, re);
  return re;
}

export function c4BadWords(doc: Doc, o: C4BadWordsOptions, state: State, ctx: TaskContext): true | string {
  const lang = typeof doc.metadata.language === 'string' && doc.metadata.language ? doc.metadata.language : o.defaultLanguage;
  const re = regexFor(lang, o, state, ctx);
  if (!re) {
    ctx.stats.count(`missing_badwords_lang:${lang}`);
    return true;
  }
  if (!re.test(doc.text.toLowerCase())) return true;
  ctx.stats.count('documents_with_badwords');
  if (o.keepFraction > 0 && uniform(doc.id, o.seed) < o.keepFraction) {
    ctx.stats.count('document_kept_with_badwords');
    return true;
  }
  return 'document_removed_with_badwords';
}

export const c4BadWordsFilter = defineFilter({
  name: 'c4-badwords',
  defaults: c4BadWordsDefaults,
  validate(o) {
    check(o.keepFraction >= 0 && o.keepFraction <= 1, 'c4-badwords', 'keepFraction', 'must be between 0 and 1');
    for (const [lang, file] of Object.entries(o.wordsFiles)) {
      check(typeof file === 'string' && file !== '', 'c4-badwords', `wordsFiles.${lang}`, 'must be a file path');
      readList(file, 'c4-badwords'); // fail before work starts when a file is missing
    }
  },
  setup: (o, ctx): State => {
    const state: State = { regexes: new Map() };
    regexFor(o.defaultLanguage, o, state, ctx);
    return state;
  },
  filter: (doc, o, state, ctx) => c4BadWords(doc, o, state, ctx),
});
