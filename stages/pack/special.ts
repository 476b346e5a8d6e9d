// Special-token names → ids and vocabulary sizes for the pack stage. Known tiktoken encodings are
// built in; any other tokenizer spec is resolved through stages/bpe/tokenizer.ts (loadTokenizer)
// when that module exists.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TokenizerInfo {
  vocabSize: number;
  special: Record<string, number>;
  hash?: string;
}

const EOT = '<|endoftext|>';
const KNOWN: Record<string, TokenizerInfo> = {
  gpt2: { vocabSize: 50257, special: { [EOT]: 50256 } },
  r50k_base: { vocabSize: 50257, special: { [EOT]: 50256 } },
  p50k_base: { vocabSize: 50281, special: { [EOT]: 50256 } },
  cl100k_base: { vocabSize: 100277, special: { [EOT]: 100257, '<|fim_prefix|>': 100258, '<|fim_middle|>': 100259, '<|fim_suffix|>': 100260, '<|endofprompt|>': 100276 } },
  o200k_base: { vocabSize: 200019, special: { [EOT]: 199999, '<|endofprompt|>': 200018 } },
};

export function knownTokenizer(spec: string): TokenizerInfo | undefined {
  return KNOWN[spec] ?? KNOWN[spec.replace(/^tiktoken:/, '')];
}

/** Path of the BPE engineer's tokenizer module (used only if present). */
export const BPE_TOKENIZER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bpe', 'tokenizer.ts');

/** Load a tokenizer through stages/bpe/tokenizer.ts, or undefined when that module is absent. */
export async function loadBpeTokenizer(spec: string): Promise<Record<string, any> | undefined> {
  if (!existsSync(BPE_TOKENIZER)) return undefined;
  const mod = (await import(BPE_TOKENIZER)) as { loadTokenizer?: (spec: string) => unknown };
  if (typeof mod.loadTokenizer !== 'function') return undefined;
  return (await mod.loadTokenizer(spec)) as Record<string, any>;
}

/** Vocabulary size, special tokens and content hash of a tokenizer spec (stages/bpe first, then the built-in table). */
export async function tokenizerInfo(spec: string): Promise<TokenizerInfo | undefined> {
  const known = knownTokenizer(spec);
  let tok: Record<string, any> | undefined;
  try {
    tok = await loadBpeTokenizer(spec);
  } catch (e) {
    if (!known) throw new Error(`tokenizer "${spec}": ${(e as Error).message}`);
  }
  if (!tok) return known;
  const specialSrc = tok.specialTokens ?? tok.special ?? {};
  const special: Record<string, number> = specialSrc instanceof Map ? Object.fromEntries(specialSrc) : { ...specialSrc };
  const vocabSize = Number(tok.vocabSize ?? tok.nVocab ?? tok.n_vocab ?? 0) || known?.vocabSize || 0;
  return { vocabSize, special: { ...known?.special, ...special }, hash: typeof tok.hash === 'string' ? tok.hash : undefined };
}

/** A special-token option: number = id, string = name, null = default, false = none. Returns -1 for none. */
export function resolveSpecial(value: unknown, fallback: number | string | false, info: TokenizerInfo | undefined, what: string): number {
  const v = value === null || value === undefined ? fallback : value;
  if (v === false) return -1;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what} must be a non-negative integer id, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const id = info?.special[v];
    if (id === undefined) throw new Error(`${what}: special token "${v}" is unknown to the tokenizer (give its id instead)`);
    return id;
  }
  throw new Error(`${what} must be a token id, a special token name, null or false`);
}
