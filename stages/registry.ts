// Every stage type by name: `tokenmill stage <name>` and plan validation look them up here.
import type { StageFactory } from '../engine/types.ts';
import { stages as html } from './html/index.ts';
import { stages as filters } from './filters/index.ts';
import { stages as langid } from './langid/index.ts';
import { stages as dedup } from './dedup/index.ts';
import { stages as bpe } from './bpe/index.ts';
import { stages as pack } from './pack/index.ts';
import { qualityClassifierFilter } from './filters/fasttext-classifier.ts';

export const registry: Record<string, StageFactory> = {
  ...html,
  ...filters,
  ...langid,
  ...dedup,
  ...bpe,
  ...pack,
  // model-based filter (needs a user's fastText model), kept out of filters' heuristic set
  'quality-classifier': qualityClassifierFilter,
};
