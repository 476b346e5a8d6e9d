// The main pipeline: Common Crawl WARC → clean, filtered, deduplicated documents (FineWeb's recipe).
//   pnpm pipeline commoncrawl                                  # the embedded sample, in seconds
//   pnpm pipeline commoncrawl --input 'crawl/*.warc.gz'        # your files (globs, http(s) URLs)
//   pnpm pipeline commoncrawl --crawl CC-MAIN-2024-22 --files 0:4
import { existsSync } from 'node:fs';
import { definePipeline } from '../engine/plan.ts';
import { extract } from '../stages/html/index.ts';
import { c4QualityFilter, fineWebQualityFilter, gopherQualityFilter, gopherRepetitionFilter, urlFilterStage } from '../stages/filters/index.ts';
import { langIdStage } from '../stages/langid/index.ts';
import { exactDedup, minhash } from '../stages/dedup/index.ts';

const SAMPLE = 'datasets/sample/*.warc.gz';

export default definePipeline({
  name: 'commoncrawl',
  input: { paths: [existsSync('datasets/sample') ? SAMPLE : '../shared/data/warc/commoncrawl/*.warc.gz'] },
  tasks: 4,
  stages: [
    // Main-content extraction (charset from header/BOM/meta, per-page time and size budget).
    extract({ favor: 'balanced' }),
    // FineWeb's order: URL → language → Gopher repetition → Gopher quality → C4 (no terminal-punct rule) → FineWeb.
    urlFilterStage({ writeExclusions: true }),
    langIdStage({ languages: ['en'], minScore: 0.65, writeExclusions: true }),
    gopherRepetitionFilter({ writeExclusions: true }),
    gopherQualityFilter({ writeExclusions: true }),
    c4QualityFilter({ filterNoTerminalPunct: false, writeExclusions: true }),
    fineWebQualityFilter({ writeExclusions: true }),
    // Global dedup: exact copies first, then MinHash-LSH near-duplicates (datatrove's 14×8 bands).
    exactDedup({ writeExclusions: true }),
    minhash({ writeExclusions: true }),
  ],
});
