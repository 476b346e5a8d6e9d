// Word segmentation for every script: regex words for space-delimited scripts, Intl.Segmenter on
// CJK/Thai runs in bounded windows (so long texts stay linear and no word is cut at a window edge).
import { describe, expect, it } from 'vitest';
import { countWords, segmentRun, words } from '../../../stages/text/words.ts';
import { countTokens, isPunctuationToken, tokenize } from '../../../stages/text/tokens.ts';
import { duplicateRanges, findDuplicates, paragraphRanges, Ranges, splitCharRanges, splitLineRanges, splitLines, splitParagraphs } from '../../../stages/text/lines.ts';

describe('words', () => {
  it('splits space-delimited scripts on letters/digits, keeping inner apostrophes', () => {
    expect(words("Don't panic: it's 42, Ελληνικά and русский текст — ok?")).toEqual(["Don't", 'panic', "it's", '42', 'Ελληνικά', 'and', 'русский', 'текст', 'ok']);
    expect(words('   ...  ')).toEqual([]);
  });

  it('gives real words for Chinese, Japanese and Thai, not characters', () => {
    const zh = words('我们在北京参加了人工智能会议。');
    expect(zh).toContain('北京');
    expect(zh.some((w) => w.length >= 2)).toBe(true);
    expect(zh.length).toBeLessThan('我们在北京参加了人工智能会议'.length);
    expect(words('ภาษาไทยเป็นภาษาที่สวยงาม')).toEqual(expect.arrayContaining(['ภาษา', 'ไทย']));
    const ja = words('東京は日本の首都です。Tokyo is big.');
    expect(ja).toEqual(expect.arrayContaining(['東京', '日本', 'Tokyo', 'is', 'big']));
  });

  it('segments long CJK and Thai runs in windows without cutting words (counts add up)', () => {
    for (const unit of ['我爱北京天安门', 'สวัสดีครับยินดีต้อนรับ', '東京は日本の首都です']) {
      const n = words(unit).length;
      for (const reps of [1, 10, 1000, 30000]) {
        const long = unit.repeat(reps); // up to ~600 KB without a space: one run for the segmenter
        expect(words(long).length, `${unit} × ${reps}`).toBe(n * reps);
      }
    }
  });

  it('segmentRun re-reads the segment cut by a window edge', () => {
    // 255 ideographs then a two-character word straddling the 256-char window edge
    const run = '一'.repeat(255) + '北京';
    const out: string[] = [];
    segmentRun(run, out);
    expect(out[out.length - 1]).toBe('北京');
    expect(out.join('')).toBe(run);
  });

  it('countWords agrees with words', () => {
    for (const t of ['a b c', "It's 3 o'clock.", '我们在北京', 'mixed 中文 text ไทย']) expect(countWords(t)).toBe(words(t).length);
    expect(countWords('word '.repeat(100_000))).toBe(100_000);
  });
});

describe('tokenize (NLTK Treebank-like, as datatrove counts words)', () => {
  it('splits punctuation and contractions like NLTK word_tokenize', () => {
    expect(tokenize("They don't know John's 3.5-mile route, do they?")).toEqual(['They', 'do', "n't", 'know', 'John', "'s", '3.5-mile', 'route', ',', 'do', 'they', '?']);
    expect(tokenize('Wait... 1,000 people (roughly) said "yes" -- twice.')).toEqual(['Wait', '...', '1,000', 'people', '(', 'roughly', ')', 'said', "''", 'yes', "''", '--', 'twice', '.']);
  });

  it("marks punctuation tokens as Python's string.punctuation test does", () => {
    expect(['.', ',', '?', '(', '-./'].every(isPunctuationToken)).toBe(true);
    expect(['...', "''", '©', 'word', '////'].some(isPunctuationToken)).toBe(false);
  });

  it('countTokens agrees with tokenize', () => {
    for (const t of ["They don't know John's route.", 'Wait... "yes" -- (no) 1,000', '我们在北京, ok.', 'a/b ++ ////', '']) {
      expect(countTokens(t), t).toBe(tokenize(t).length);
    }
  });

  it('segments CJK inside mixed text', () => {
    expect(tokenize('我们在北京, ok.')).toEqual(expect.arrayContaining(['北京', ',', 'ok', '.']));
  });
});

describe('lines', () => {
  it("splits like Python's splitlines and datatrove's paragraph regex", () => {
    expect(splitLines('a\nb\r\nc\rd\u2028e\n')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(splitLines('')).toEqual([]);
    expect(splitParagraphs('\n\na\n\nb\nc\n\n\n')).toEqual(['a', 'b\nc']);
  });
});

describe('ranges', () => {
  it('split and count duplicates exactly as the string versions (random texts with every line break)', () => {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const parts = ['ab', 'ab', 'a b', ' ', '\n', '\n\n', '\r\n', '\r', '\u2028', '\x85', '\x1c', '\v', 'xyzxyzxyz', 'é'];
    const r = new Ranges();
    const strs = (text: string, x: Ranges) => Array.from({ length: x.n }, (_, k) => text.slice(x.s[k], x.e[k]));
    for (let trial = 0; trial < 300; trial++) {
      const text = Array.from({ length: Math.floor(rand() * 30) }, () => parts[Math.floor(rand() * parts.length)]).join('');
      expect(strs(text, splitLineRanges(text, r)), JSON.stringify(text)).toEqual(splitLines(text));
      expect(duplicateRanges(text, r)).toEqual(findDuplicates(splitLines(text)));
      expect(strs(text, paragraphRanges(text, r))).toEqual(splitParagraphs(text));
      expect(duplicateRanges(text, r)).toEqual(findDuplicates(splitParagraphs(text)));
      expect(strs(text, splitCharRanges(text, 10, true, r))).toEqual(text.split(/\n+/));
      expect(duplicateRanges(text, r)).toEqual(findDuplicates(text.split(/\n+/)));
      expect(strs(text, splitCharRanges(text, 10, false, r))).toEqual(text.split('\n'));
    }
  });
});
