// Filter chains of published datasets, for pipeline files: `stages: [extract(), ...fineWebFilters(), ...]`.
import type { Stage } from '../../engine/types.ts';
import { langIdStage } from '../langid/langid.ts';
import { c4QualityFilter } from './c4-quality.ts';
import { fineWebQualityFilter } from './fineweb-quality.ts';
import { gopherQualityFilter } from './gopher-quality.ts';
import { gopherRepetitionFilter } from './gopher-repetition.ts';
import { urlFilterStage } from './url-filter.ts';

export interface RecipeOptions {
  /** Languages to keep (default English only, as FineWeb). */
  languages?: string[];
  minLanguageScore?: number;
  /** Write each filter's drops under removed/<stage>/ (FineWeb's removed/1_url, 2_non_english …). */
  writeExclusions?: boolean;
  /** Options passed to url-filter (e.g. blocklistDirs with the UT1 lists). */
  urlFilter?: Parameters<typeof urlFilterStage>[0];
}

/**
 * FineWeb's filtering after text extraction: URL filter → fastText language id (en > 0.65) →
 * Gopher repetition → Gopher quality → C4 quality without the terminal-punctuation rule → FineWeb
 * quality. (Deduplication and PII removal come after, in their own stages.)
 */
export function fineWebFilters(o: RecipeOptions = {}): Stage[] {
  const ex = { writeExclusions: o.writeExclusions ?? false };
  return [
    urlFilterStage({ ...o.urlFilter, ...ex }),
    langIdStage({ languages: o.languages ?? ['en'], minScore: o.minLanguageScore ?? 0.65, ...ex }),
    gopherRepetitionFilter(ex),
    gopherQualityFilter(ex),
    c4QualityFilter({ filterNoTerminalPunct: false, ...ex }),
    fineWebQualityFilter(ex),
  ];
}
