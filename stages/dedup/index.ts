// Stages of stages/dedup, by name (used by pipelines and `tokenmill stage <name>`).
import type { StageFactory } from '../../engine/types.ts';
import { minhash } from './minhash.ts';

export { minhash };
export const stages: Record<string, StageFactory> = { minhash };
