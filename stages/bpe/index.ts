// Byte-level BPE: the Tokenizer API, the trainer, and the stages of stages/bpe, by name.
import type { StageFactory } from '../../engine/types.ts';

export { loadTokenizer, Tokenizer, type EncodeOptions, type LoadOptions } from './tokenizer.ts';
export { PATTERNS, type PatternName } from './patterns.ts';

export const stages: Record<string, StageFactory> = {};
