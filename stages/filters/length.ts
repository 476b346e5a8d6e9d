// Length bounds in characters and words (0 = no bound), the cheap first cut before costlier filters.
import { check, defineFilter } from '../../engine/stage.ts';
import { countWords } from '../text/words.ts';

export const lengthDefaults = { minChars: 0, maxChars: 0, minWords: 0, maxWords: 0 };
export type LengthOptions = typeof lengthDefaults;

export function lengthCheck(text: string, o: LengthOptions): true | string {
  if (o.minChars && text.length < o.minChars) return 'too_short';
  if (o.maxChars && text.length > o.maxChars) return 'too_long';
  if (o.minWords || o.maxWords) {
    const n = countWords(text);
    if (o.minWords && n < o.minWords) return 'too_few_words';
    if (o.maxWords && n > o.maxWords) return 'too_many_words';
  }
  return true;
}

export const lengthFilter = defineFilter({
  name: 'length',
  defaults: lengthDefaults,
  validate(o) {
    for (const k of ['minChars', 'maxChars', 'minWords', 'maxWords'] as const) check(o[k] >= 0, 'length', k, 'must be >= 0');
    check(!o.maxChars || o.maxChars >= o.minChars, 'length', 'maxChars', 'must be >= minChars');
    check(!o.maxWords || o.maxWords >= o.minWords, 'length', 'maxWords', 'must be >= minWords');
  },
  filter: (doc, o) => lengthCheck(doc.text, o),
});
