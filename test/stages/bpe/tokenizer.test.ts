import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { loadTokenizer, PATTERNS, type Tokenizer } from '../../../stages/bpe/index.ts';
import { describeShared, shared } from '../../shared.ts';
import { articleTexts, edgeCases, htmlTexts, udhrTexts } from './corpus.ts';

/** Index of the first differing id, or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectSameIds(ours: Tokenizer, ref: Tiktoken, texts: string[], what: string): number {
  let ids = 0;
  texts.forEach((t, k) => {
    const a = ours.encode(t);
    const b = ref.encode_ordinary(t);
    const d = firstDiff(a, b);
    if (d >= 0) {
      throw new Error(`${what} #${k}: first different id at ${d}: ours ${a[d]} vs tiktoken ${b[d]} (text near ${JSON.stringify(t.slice(Math.max(0, d - 10), d + 20))})`);
    }
    ids += a.length;
  });
  return ids;
}

/** Lone surrogates → U+FFFD (String.prototype.toWellFormed, which the TS lib here lacks). */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

interface Plan {
  encoding: string;
  sample: string;
  ids: number[];
}

function readPlans(): Plan[] {
  const text = readFileSync(shared('data/tokenizer/gpt-tokenizer_TestPlans.txt'), 'utf8');
  const plans: Plan[] = [];
  const re = /EncodingName: (\S+)\nSample: ([\s\S]*?)\nEncoded: (\[[^\]]*\])/g;
  for (const m of text.matchAll(re)) plans.push({ encoding: m[1], sample: m[2], ids: JSON.parse(m[3]) as number[] });
  return plans;
}

describeShared('BPE exactness vs tiktoken (GPT-2 / r50k)', 'data/tokenizer/r50k_base.tiktoken', () => {
  const ref = get_encoding('r50k_base');
  const gpt2 = loadTokenizer('gpt2');
  // Same vocabulary from GPT-2's original files: HF merge-list semantics must give the same ids.
  const files = loadTokenizer(shared('data/tokenizer'));

  it('matches every upstream r50k case of gpt-tokenizer_TestPlans.txt and tiktoken', () => {
    const plans = readPlans().filter((p) => p.encoding === 'r50k_base');
    expect(plans.length).toBe(64);
    for (const p of plans) {
      const ref1 = Array.from(ref.encode(p.sample, 'all'));
      expect(ref1, p.sample).toEqual(p.ids);
      expect(Array.from(gpt2.encode(p.sample, { allowedSpecial: 'all' })), p.sample).toEqual(p.ids);
      expect(Array.from(files.encode(p.sample, { allowedSpecial: 'all' })), p.sample).toEqual(p.ids);
    }
  });

  it('matches tiktoken on UDHR (151 languages), articles, raw HTML and edge cases', () => {
    const texts = [...udhrTexts(), ...articleTexts(), ...htmlTexts(), ...edgeCases()];
    const chars = texts.reduce((n, t) => n + t.length, 0);
    expect(chars).toBeGreaterThan(10e6);
    const ids = expectSameIds(gpt2, ref, texts, 'gpt2');
    expect(ids).toBeGreaterThan(1e6);
    expectSameIds(files, ref, texts, 'encoder.json+vocab.bpe');
  });

  it('has tiktoken’s special tokens, only when allowed', () => {
    const s = 'a<|endoftext|>b';
    expect(gpt2.specialTokens['<|endoftext|>']).toBe(50256);
    expect(gpt2.eosId).toBe(50256);
    expect(Array.from(gpt2.encode(s, { allowedSpecial: 'all' }))).toEqual(Array.from(ref.encode(s, 'all')));
    expect(Array.from(gpt2.encode(s))).toEqual(Array.from(ref.encode_ordinary(s)));
    expect(gpt2.decode(gpt2.encode(s, { allowedSpecial: ['<|endoftext|>'] }))).toBe(s);
    expect(() => gpt2.encode(s, { allowedSpecial: ['<|nope|>'] })).toThrow(/unknown special token/);
    expect(gpt2.vocabSize).toBe(50257);
    expect(files.vocabSize).toBe(50257);
  });
});

describeShared('BPE exactness vs tiktoken (cl100k)', ['data/tokenizer/gpt-tokenizer_TestPlans.txt', 'data/langid/udhr_articles.jsonl'], () => {
  const ref = get_encoding('cl100k_base');
  const cl = loadTokenizer('cl100k');

  it('matches the upstream cl100k cases', () => {
    const plans = readPlans().filter((p) => p.encoding === 'cl100k_base');
    expect(plans.length).toBe(64);
    for (const p of plans) expect(Array.from(cl.encode(p.sample, { allowedSpecial: 'all' })), p.sample).toEqual(p.ids);
  });

  it('matches tiktoken on UDHR, articles, raw HTML and edge cases', () => {
    const texts = [...udhrTexts(), ...articleTexts(), ...htmlTexts(), ...edgeCases()];
    expect(expectSameIds(cl, ref, texts, 'cl100k')).toBeGreaterThan(1e6);
  });

  it('the generic regex path (a custom pattern) matches too', () => {
    // Same split spelled differently: not recognised as cl100k, so the RegExp pre-tokeniser runs.
    const custom = loadTokenizer('cl100k', { pattern: `(?:${PATTERNS.cl100k})` });
    const texts = [...udhrTexts().slice(0, 3000), ...articleTexts(), ...edgeCases()];
    expect(expectSameIds(custom, ref, texts, 'cl100k via RegExp')).toBeGreaterThan(1e5);
  });
});

describeShared('BPE exactness vs tiktoken (o200k)', ['data/tokenizer/gpt-tokenizer_TestPlans.txt', 'data/langid/udhr_articles.jsonl'], () => {
  const ref = get_encoding('o200k_base');
  const o = loadTokenizer('o200k');
  it('matches the upstream o200k cases, UDHR and edge cases', () => {
    const plans = readPlans().filter((p) => p.encoding === 'o200k_base');
    expect(plans.length).toBe(57);
    for (const p of plans) expect(Array.from(o.encode(p.sample, { allowedSpecial: 'all' })), p.sample).toEqual(p.ids);
    expect(expectSameIds(o, ref, [...udhrTexts(), ...articleTexts(), ...htmlTexts(), ...edgeCases()], 'o200k')).toBeGreaterThan(1e6);
  });
});

describe('round trip and errors', () => {
  const cl = loadTokenizer('cl100k');
  it('decode(encode(x)) === x for well-formed text; lone surrogates decode as U+FFFD (as in UTF-8)', () => {
    const udhr = existsSync(shared('data/langid/udhr_articles.jsonl')) ? udhrTexts().slice(0, 2000) : [];
    for (const t of [...edgeCases(), ...udhr]) {
      const back = cl.decode(cl.encode(t));
      expect(back).toBe(wellFormed(t));
    }
  });
  it('decodeBytes of a cut multi-byte character keeps the bytes', () => {
    const ids = cl.encode('🌍');
    expect(ids.length).toBeGreaterThan(1);
    const first = cl.decodeBytes(ids.subarray(0, 1));
    expect(first[0]).toBe(0xf0);
    expect(Buffer.concat([first, cl.decodeBytes(ids.subarray(1))]).toString('utf8')).toBe('🌍');
  });
  it('rejects bad ids and unknown specs with one-line errors', () => {
    expect(() => cl.decode([cl.vocabSize])).toThrow(/out of range/);
    expect(() => loadTokenizer('no-such-tokenizer')).toThrow(/no such file or folder/);
    expect(() => loadTokenizer('cl100k', { eos: '<|nope|>' })).toThrow(/EOS token/);
    const t = loadTokenizer('cl100k', { specials: ['<|pad|>'], pad: '<|pad|>' });
    expect(t.padId).toBe(100277);
    expect(Array.from(t.encode('<|pad|>', { allowedSpecial: ['<|pad|>'] }))).toEqual([100277]);
    expect(t.hash).not.toBe(cl.hash);
    expect(loadTokenizer('cl100k').hash).toBe(cl.hash);
  });
});
