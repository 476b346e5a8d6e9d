import { describe, expect, it } from 'vitest';
import { WordCounter, decodeCounts, encodeCounts } from '../../../stages/bpe/counts.ts';
import { WordTable } from '../../../stages/bpe/word-table.ts';
import { PATTERNS } from '../../../stages/bpe/patterns.ts';
import { edgeCases, rng } from './corpus.ts';

/** The Map-based counter the table replaced: same pruning rule (see counts.ts). */
function mapCount(words: string[], maxWords: number): { counts: Map<string, number>; pruned: number } {
  const counts = new Map<string, number>();
  let pruned = 0;
  for (const w of words) {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    if (counts.size > maxWords) {
      for (let t = 2; counts.size > maxWords / 2; t *= 2) {
        for (const [k, c] of counts) {
          if (c < t) {
            counts.delete(k);
            pruned += c;
          }
        }
      }
    }
  }
  return { counts, pruned };
}

/** Zipf-like random words, with surrogate halves and non-BMP characters among them. */
function randomWords(n: number, seed: number): string[] {
  const r = rng(seed);
  const alphabet = ['a', 'b', 'é', 'я', '中', '😀', '\ud800', '\udfff', ' ', '\u0301'];
  const vocab = Array.from({ length: 5000 }, () => {
    let s = '';
    for (let k = 1 + Math.floor(r() * 8); k > 0; k--) s += alphabet[Math.floor(r() * alphabet.length)];
    return s;
  });
  return Array.from({ length: n }, () => vocab[Math.floor(vocab.length * r() ** 3)]);
}

describe('WordTable', () => {
  it('counts, prunes and iterates like a Map<string, number>', () => {
    for (const maxWords of [1e9, 300]) {
      const words = randomWords(20000, maxWords);
      const ref = mapCount(words, maxWords);
      const t = new WordTable();
      let pruned = 0;
      for (const w of words) {
        t.addString(w, 1);
        if (t.size > maxWords) pruned += t.prune(maxWords / 2);
      }
      expect(new Map(t.entries())).toEqual(ref.counts);
      expect([...t.entries()].map(([w]) => w)).toEqual([...ref.counts.keys()]);
      expect(pruned).toBe(ref.pruned);
      if (maxWords < 1e9) expect(pruned).toBeGreaterThan(0);
      for (const w of words.slice(0, 200)) expect(t.get(w)).toBe(ref.counts.get(w) ?? 0);
      expect(t.get('not a word')).toBe(0);
    }
  });

  it('writes UTF-8 as TextEncoder does and sorts as JS compares strings', () => {
    const words = [...new Set([...edgeCases(), ...randomWords(3000, 5)])];
    const t = new WordTable();
    for (const w of words) t.addString(w, 1);
    const enc = new TextEncoder();
    for (let x = 0; x < t.size; x++) {
      const want = enc.encode(t.word(x));
      expect(t.utf8Length(x)).toBe(want.length);
      const got = new Uint8Array(want.length);
      expect(t.writeUtf8(x, got, 0)).toBe(want.length);
      expect(got).toEqual(want);
    }
    expect(Array.from(t.sortedOrder(), (x) => t.word(x))).toEqual([...words].sort());
  });

  it('reads UTF-8 back as TextDecoder does (invalid bytes → U+FFFD)', () => {
    const r = rng(9);
    const dec = new TextDecoder();
    const t = new WordTable();
    const want = new Map<string, number>();
    const samples: Uint8Array[] = [new TextEncoder().encode('ok é 中 😀'), Uint8Array.of(0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98)];
    for (let i = 0; i < 2000; i++) samples.push(Uint8Array.from({ length: Math.floor(r() * 12) }, () => (r() < 0.5 ? Math.floor(r() * 256) : [0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x41][Math.floor(r() * 8)])));
    for (const b of samples) {
      t.addUtf8(b, 0, b.length, 2);
      const s = dec.decode(b);
      want.set(s, (want.get(s) ?? 0) + 2);
    }
    expect(new Map(t.entries())).toEqual(want);
  });

  it('count files round-trip; merging tables equals counting the texts together', () => {
    const texts = edgeCases();
    const all = new WordCounter('o200k');
    for (const s of texts) all.add(s);
    const a = new WordCounter('o200k');
    const b = new WordCounter('o200k');
    texts.forEach((s, i) => (i % 2 ? a : b).add(s));
    const merged = new WordCounter('o200k');
    merged.addCounts(a.encode());
    merged.addCounts(b.encode());
    // Words with lone surrogates are stored as U+FFFD in count files (UTF-8), as before.
    const viaUtf8 = decodeCounts(encodeCounts(all.table)).table;
    expect(new Map(merged.table.entries())).toEqual(new Map(viaUtf8.entries()));
    expect(merged.encode().equals(encodeCounts(viaUtf8))).toBe(true);
    const direct = new WordTable();
    direct.addTable(a.table);
    direct.addTable(b.table);
    expect(new Map(direct.entries())).toEqual(new Map(all.table.entries()));
  });
});

describe('WordCounter', () => {
  it('counts through the RegExp path (custom patterns) as through the hand-written scanner', () => {
    const scanned = new WordCounter('gpt2');
    // Same split, different source: no scanner matches it, so the RegExp is used.
    const custom = new WordCounter(`${PATTERNS.gpt2}|(?!x)x`);
    for (const s of edgeCases()) {
      scanned.add(s);
      custom.add(s);
    }
    expect(custom.words).toBe(scanned.words);
    expect(new Map(custom.table.entries())).toEqual(new Map(scanned.table.entries()));
  });
});
