// Pre-tokenisation patterns (JS syntax, `gu` flags). cl100k's `(?i:'s|…)` is spelled out because
// Node 20's RegExp has no inline modifiers; the case variants are what `(?i:)` matches.

const CONTRACTIONS_CI = "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])";

export const PATTERNS = {
  /** GPT-2 / r50k / p50k. */
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  /** GPT-4 cl100k_base. */
  cl100k: `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  /** Llama 3 (same split as cl100k; its tokenizer.json spells it with `(?i:…)`). */
  llama3: `${CONTRACTIONS_CI}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  /**
   * GPT-4o o200k_base: letters include combining marks (\p{M}), so Indic, Thai, Arabic … words are
   * not cut at every vowel sign, and case changes split words. Best of these for multilingual text.
   */
  o200k:
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:${CONTRACTIONS_CI})?` +
    `|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:${CONTRACTIONS_CI})?` +
    `|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
} as const;

export type PatternName = keyof typeof PATTERNS;

/** A named pattern or a regex source; `(?i:…)` groups (HF/tiktoken files) are rewritten for JS. */
export function resolvePattern(p: string): string {
  if (p in PATTERNS) return PATTERNS[p as PatternName];
  return p.replace(/\(\?i:'s\|'t\|'re\|'ve\|'m\|'ll\|'d\)/g, `(?:${CONTRACTIONS_CI})`);
}

/**
 * The pattern with `\s`/`\S` spelled as Unicode White_Space: JS's `\s` also matches U+FEFF and
 * misses U+0085, unlike the Rust regex engines of tiktoken and HF tokenizers. Used for compiling
 * and in saved tokenizer.json files (so JS and Rust loaders agree).
 */
export function portablePattern(p: string): string {
  return resolvePattern(p).replace(/\\([sS])/g, (_, c: string) => (c === 's' ? '\\p{White_Space}' : '\\P{White_Space}'));
}

/** Compile a pattern; a bad one fails with a one-line error naming it. */
export function compilePattern(p: string): RegExp {
  const src = portablePattern(p);
  try {
    return new RegExp(src, 'gu');
  } catch (e) {
    throw new Error(`pre-tokenisation pattern ${JSON.stringify(p.slice(0, 80))} is not a valid JS regex: ${(e as Error).message}`);
  }
}
