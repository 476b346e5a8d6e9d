// URL dedup: documents with the same normalised URL; by default the longest text is kept.
import type { Doc } from '../../engine/types.ts';
import { HASH_DEDUP_OPTIONS, hashDedup, type HashDedupOptions } from './hash-dedup.ts';
import { normalizeUrl, type UrlNormOptions } from './url.ts';
import { split64, xxh } from './common.ts';

export interface UrlDedupOptions extends HashDedupOptions, UrlNormOptions {}

export const URL_DEDUP_OPTIONS: UrlDedupOptions = {
  ...HASH_DEDUP_OPTIONS,
  keep: 'longest',
  dir: 'dedup/url',
  ignoreScheme: true,
  stripWww: true,
  stripQuery: false,
};

/** `urlDedup({ keep: 'newest' })`: one document per normalised `metadata.url` (documents without one are kept). */
export const urlDedup = hashDedup<UrlDedupOptions>({
  name: 'url-dedup',
  reason: 'url_duplicate',
  prefix: 'url',
  defaults: URL_DEDUP_OPTIONS,
  async hasher(o) {
    const { h64 } = await xxh();
    return (doc: Doc, emit) => {
      if (typeof doc.metadata.url !== 'string' || !doc.metadata.url) return;
      const [hi, lo] = split64(h64(normalizeUrl(doc.metadata.url, o)));
      emit(hi, lo, 0);
    };
  },
});
