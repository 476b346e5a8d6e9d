// Stages of stages/pack, by name (used by pipelines and `tokenmill stage <name>`).
import type { StageFactory } from '../../engine/types.ts';

export const stages: Record<string, StageFactory> = {};
