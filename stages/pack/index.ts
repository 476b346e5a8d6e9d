// Stages of stages/pack, by name (used by pipelines and `tokenmill stage <name>`).
import type { StageFactory } from '../../engine/types.ts';
import { pack } from './pack.ts';

export { pack };
export const stages: Record<string, StageFactory> = { pack };
