// Byte-level BPE: the Tokenizer API, the trainer, and the stages of stages/bpe, by name.
import type { StageFactory } from '../../engine/types.ts';
import { bpeTrain, tokenize } from './stages.ts';

export { loadTokenizer, Tokenizer, type EncodeOptions, type LoadOptions } from './tokenizer.ts';
export { PATTERNS, type PatternName } from './patterns.ts';
export { trainBpe, type TrainOptions } from './trainer.ts';
export { WordCounter } from './counts.ts';
export { toTokenizerJson, toTiktoken, type BpeModel } from './model.ts';
export { bpeTrain, tokenize, writeTokenizerFiles } from './stages.ts';

export const stages: Record<string, StageFactory> = { 'bpe-train': bpeTrain, tokenize };
