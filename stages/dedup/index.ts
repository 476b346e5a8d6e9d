// Stages of stages/dedup, by name (used by pipelines and `tokenmill stage <name>`).
// Each is multi-phase: the engine expands it (Stage.expand) into per-document stages and global
// phases separated by barriers.
import type { StageFactory } from '../../engine/types.ts';
import { minhash } from './minhash.ts';
import { exactDedup } from './exact.ts';
import { urlDedup } from './url-dedup.ts';
import { lineDedup } from './line-dedup.ts';

export { minhash, exactDedup, urlDedup, lineDedup };
export const stages: Record<string, StageFactory> = { 'exact-dedup': exactDedup, minhash, 'url-dedup': urlDedup, 'line-dedup': lineDedup };
