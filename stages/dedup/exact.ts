// Exact dedup: xxhash64 of the normalised text; one document per group of equal hashes is kept.
import type { Doc } from '../../engine/types.ts';
import { check } from '../../engine/stage.ts';
import { HASH_DEDUP_OPTIONS, hashDedup, type HashDedupOptions } from './hash-dedup.ts';
import { NORMALIZERS, normalizer, type NormalizerName } from './normalize.ts';
import { split64, xxh } from './common.ts';

export interface ExactDedupOptions extends HashDedupOptions {
  /** 'none', 'whitespace' (collapse runs, trim) or 'simple' (lowercase, fold accents and digits, drop punctuation). */
  normalize: NormalizerName;
  /** Custom normaliser (TS pipelines only; overrides `normalize`). */
  normalizeFn: ((text: string) => string) | null;
}

export const EXACT_DEDUP_OPTIONS: ExactDedupOptions = { ...HASH_DEDUP_OPTIONS, dir: 'dedup/exact', normalize: 'whitespace', normalizeFn: null };

/** `exactDedup({ normalize: 'whitespace' })`: drop documents whose normalised text was seen before. */
export const exactDedup = hashDedup<ExactDedupOptions>({
  name: 'exact-dedup',
  reason: 'exact_duplicate',
  prefix: 'exact',
  defaults: EXACT_DEDUP_OPTIONS,
  validate(o) {
    check(NORMALIZERS.includes(o.normalize), 'exact-dedup', 'normalize', `must be one of ${NORMALIZERS.join(', ')}`);
    check(o.normalizeFn === null || typeof o.normalizeFn === 'function', 'exact-dedup', 'normalizeFn', 'must be a function (text) => string');
  },
  async hasher(o) {
    const { h64 } = await xxh();
    const norm = o.normalizeFn ?? normalizer(o.normalize);
    return (doc: Doc, emit) => {
      const [hi, lo] = split64(h64(norm(doc.text)));
      emit(hi, lo, 0);
    };
  },
});
