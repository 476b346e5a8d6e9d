// Stages of stages/filters, by name (used by pipelines and `tokenmill stage <name>`).
import type { StageFactory } from '../../engine/types.ts';
import { c4BadWordsFilter } from './c4-badwords.ts';
import { c4ParagraphFilter, c4QualityFilter } from './c4-quality.ts';
import { qualityClassifierFilter } from './fasttext-classifier.ts';
import { fineWebQualityFilter } from './fineweb-quality.ts';
import { gopherQualityFilter } from './gopher-quality.ts';
import { gopherRepetitionFilter } from './gopher-repetition.ts';
import { lengthFilter } from './length.ts';
import { urlFilterStage } from './url-filter.ts';

export { c4BadWordsFilter, c4ParagraphFilter, c4QualityFilter, fineWebQualityFilter, gopherQualityFilter, gopherRepetitionFilter, lengthFilter, qualityClassifierFilter, urlFilterStage };
export { filter } from '../../engine/stage.ts';

export const stages: Record<string, StageFactory> = {
  'url-filter': urlFilterStage,
  length: lengthFilter,
  'gopher-repetition': gopherRepetitionFilter,
  'gopher-quality': gopherQualityFilter,
  'c4-quality': c4QualityFilter,
  'c4-paragraph': c4ParagraphFilter,
  'c4-badwords': c4BadWordsFilter,
  'fineweb-quality': fineWebQualityFilter,
};
export { fineWebFilters, type RecipeOptions } from './recipes.ts';
