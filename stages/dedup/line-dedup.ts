// Exact line dedup across the whole corpus (CCNet-style boilerplate removal): each non-blank line
// is hashed (xxhash64 of the line with surrounding whitespace trimmed); a line occurring in several
// places is kept only at its preferred place (`keep: 'first'` …) or, with `removeAll`, removed
// everywhere (the cs336 rule). Documents left without text are dropped unless `dropEmpty` is false.
import type { Doc } from '../../engine/types.ts';
import { HASH_DEDUP_OPTIONS, hashDedup, type HashDedupOptions } from './hash-dedup.ts';
import { split64, xxh } from './common.ts';

export interface LineDedupOptions extends HashDedupOptions {
  /** Remove every copy of a repeated line, keeping none. */
  removeAll: boolean;
  /** Drop documents whose every line was removed (reason "line_dedup_empty"). */
  dropEmpty: boolean;
}

export const LINE_DEDUP_OPTIONS: LineDedupOptions = { ...HASH_DEDUP_OPTIONS, dir: 'dedup/lines', runDocs: 2_000_000, removeAll: false, dropEmpty: true };

/** Lines with their terminators, so removing some and joining the rest keeps the others intact. */
const LINE = /[^\n]*\n|[^\n]+$/g;

export const lineDedup = hashDedup<LineDedupOptions>({
  name: 'line-dedup',
  reason: 'line_dedup_empty',
  prefix: 'line',
  defaults: LINE_DEDUP_OPTIONS,
  removeAll: (o) => o.removeAll,
  async hasher() {
    const { h64 } = await xxh();
    return (doc: Doc, emit) => {
      const lines = doc.text.match(LINE) ?? [];
      for (let i = 0; i < lines.length; i++) {
        const t = lines[i].trim();
        if (!t) continue;
        const [hi, lo] = split64(h64(t));
        emit(hi, lo, i);
      }
    };
  },
  apply(doc, parts, o, ctx) {
    const lines = doc.text.match(LINE) ?? [];
    const drop = new Set(parts);
    const text = lines.filter((_, i) => !drop.has(i)).join('');
    ctx.stats.count('line_duplicates', parts.length);
    ctx.stats.count('line_duplicate_chars', doc.text.length - text.length);
    if (o.dropEmpty && !text.trim()) return 'line_dedup_empty';
    return { ...doc, text };
  },
});
