// Stages of stages/dedup, by name (used by pipelines and `tokenmill stage <name>`).
// Each is multi-phase: the engine expands it (Stage.expand) into per-document stages and global
// phases separated by barriers; the kept document of every duplicate group is chosen by a priority
// that does not depend on the task count (source, offset, id — or longest / newest / a field).
//
//   exactDedup({ normalize: 'whitespace' })    xxhash64 of normalised text       → exact_duplicate
//   minhash({ bands: 14, rows: 8, ngram: 5 })   MinHash-LSH near-duplicates       → minhash_duplicate
//   urlDedup({ keep: 'longest' })              normalised metadata.url            → url_duplicate
//   lineDedup({ removeAll: false })            repeated lines across the corpus  → lines removed
//
//   pnpm tokenmill stage minhash --bands 14 --rows 8 < docs.jsonl > kept.jsonl
import type { StageFactory } from '../../engine/types.ts';
import { minhash } from './minhash.ts';
import { exactDedup } from './exact.ts';
import { urlDedup } from './url-dedup.ts';
import { lineDedup } from './line-dedup.ts';

export { minhash, exactDedup, urlDedup, lineDedup };
export { MinHasher, estimateJaccard } from './minhasher.ts';
export const stages: Record<string, StageFactory> = { 'exact-dedup': exactDedup, minhash, 'url-dedup': urlDedup, 'line-dedup': lineDedup };
