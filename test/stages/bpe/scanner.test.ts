import { describe, expect, it } from 'vitest';
import { nextCl100k, nextGpt2, nextO200k } from '../../../stages/bpe/scanner.ts';
import { compilePattern } from '../../../stages/bpe/patterns.ts';
import { SHARED } from '../../shared.ts';
import { existsSync } from 'node:fs';
import { articleTexts, edgeCases, htmlTexts, rng, udhrTexts } from './corpus.ts';

function viaRegex(re: RegExp, s: string): number[] {
  const ends: number[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) ends.push(m.index + m[0].length);
  return ends;
}

function viaScanner(next: (s: string, i: number) => number, s: string): number[] {
  const ends: number[] = [];
  for (let i = 0; i < s.length; ) {
    i = next(s, i);
    ends.push(i);
  }
  return ends;
}

describe('hand-written pre-tokenisers split exactly like the regexes', () => {
  const texts = [...edgeCases()];
  if (existsSync(`${SHARED}/data/langid`)) texts.push(...udhrTexts(), ...articleTexts(), ...htmlTexts().slice(0, 30));
  // Every character class next to every other, in pairs and triples.
  const alphabet = ['a', 'Z', 'é', '中', '𝐁', '1', '٣', '𝟙', ' ', '\t', '\u00a0', '\u3000', '\n', '\r', '\u0085', '\ufeff', '.', "'", 'S', 's', 'l', 'L', 'e', '😀', '\ud800', '\udc00', '\u0301', 'ǅ', 'ʰ', 'ँ', 'ि', 'क', '/', '\u0903', 'ß', 'Ω', 'ω', '𝒜', '\u{1e900}', '\u{1e922}'];
  for (const x of alphabet) for (const y of alphabet) {
    texts.push(x + y, x + y + x, ' ' + x + y, x + ' ' + y, x + '  ' + y, "'" + x + y);
  }
  const r = rng(7);
  for (let k = 0; k < 3000; k++) {
    let t = '';
    const len = 1 + Math.floor(r() * 12);
    for (let i = 0; i < len; i++) t += alphabet[Math.floor(r() * alphabet.length)];
    texts.push(t);
  }
  for (const [name, next] of [['gpt2', nextGpt2], ['cl100k', nextCl100k], ['o200k', nextO200k]] as const) {
    it(name, () => {
      const re = compilePattern(name);
      for (const t of texts) expect(viaScanner(next, t), JSON.stringify(t.slice(0, 80))).toEqual(viaRegex(re, t));
    });
  }
});
