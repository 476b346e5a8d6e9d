// The main pipeline: Common Crawl WARC → clean, filtered, deduplicated documents (FineWeb's recipe)
// → a BPE vocabulary trained on them → packed 1024-token rows in Arrow shards for the trainer.
//   pnpm pipeline commoncrawl                                  # the embedded sample, in seconds
//   pnpm pipeline commoncrawl --input 'crawl/*.warc.gz'        # your files (globs, http(s) URLs)
//   pnpm pipeline commoncrawl --crawl CC-MAIN-2024-22 --files 0:4
// With a quality model (`tokenmill quality train … --out q.bin`), a model filter follows FineWeb's:
//   TOKENMILL_QUALITY_MODEL=q.bin [TOKENMILL_QUALITY_KEEP=hq:0.5] pnpm pipeline commoncrawl
import { resolve } from 'node:path';
import { definePipeline } from '../engine/plan.ts';
import { extract } from '../stages/html/index.ts';
import { c4QualityFilter, fineWebQualityFilter, gopherQualityFilter, gopherRepetitionFilter, qualityClassifierFilter, urlFilterStage } from '../stages/filters/index.ts';
import { langIdStage } from '../stages/langid/index.ts';
import { exactDedup, minhash } from '../stages/dedup/index.ts';
import { bpeTrain, tokenize } from '../stages/bpe/index.ts';
import { pack } from '../stages/pack/index.ts';

// Read here (and again by every worker that rebuilds the pipeline): a run planned with the model
// and resumed without it fails with "different stages" instead of mixing decisions.
const qualityModel = process.env.TOKENMILL_QUALITY_MODEL;

export default definePipeline({
  name: 'commoncrawl',
  input: { paths: ['datasets/sample/*.warc.gz'] },
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
    ...(qualityModel ? [qualityClassifierFilter({ model: resolve(qualityModel), keepLabels: process.env.TOKENMILL_QUALITY_KEEP ?? 'hq:0.5', writeExclusions: true })] : []),
    // Global dedup: exact copies first, then MinHash-LSH near-duplicates (datatrove's 14×8 bands).
    exactDedup({ writeExclusions: true }),
    minhash({ writeExclusions: true }),
    // Learn a byte-level BPE vocabulary on the kept documents (a barrier: counts per task → merges),
    // then tokenize and pack into fixed rows of BOS…EOS token sequences, as Arrow shards + manifest.
    bpeTrain({ vocabSize: 8192, pattern: 'gpt2', specials: ['<|endoftext|>'] }),
    tokenize(),
    pack({ seqLen: 1024, tokenizer: 'tokenizer/tokenizer.json', eos: '<|endoftext|>' }),
  ],
});
