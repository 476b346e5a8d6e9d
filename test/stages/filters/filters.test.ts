// Behaviour of each filter beyond the shared fixtures: options, reasons, list files, validation.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Doc, Stage } from '../../../engine/types.ts';
import { PipelineConfigError } from '../../../engine/types.ts';
import { filter, stages } from '../../../stages/filters/index.ts';
import { c4Quality, c4QualityDefaults, countSentences } from '../../../stages/filters/c4-quality.ts';
import { parseUrl } from '../../../stages/filters/url-filter.ts';
import { duplicateNGramChars, topBounds, topNGramChars } from '../../../stages/filters/gopher-repetition.ts';
import { countTokens, docTokenCount, docTokens, tokenize } from '../../../stages/text/tokens.ts';
import { existsSync, readFileSync } from 'node:fs';
import { shared } from '../../shared.ts';
import { doc, openStage, verdict } from './helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'tm-filters-'));

/** Real article bodies from ../shared when present (these checks also run on the synthetic texts without them). */
function realTexts(): string[] {
  const p = shared('data/html_extraction/ground-truth.json');
  if (!existsSync(p)) return [];
  const j = JSON.parse(readFileSync(p, 'utf8')) as Record<string, { articleBody?: string }>;
  return Object.values(j).map((v) => v.articleBody ?? '').filter((t) => t.length > 0);
}
const GOOD = [
  'The committee met on Tuesday to review the budget for the coming year.',
  'Members agreed that the library and the parks should receive more money.',
  'A final vote is expected next month, after a public hearing in the town hall.',
  'Residents who wish to speak at the hearing should register with the clerk.',
  'The full proposal is available at the town office and on the council website.',
].join('\n');

describe('registry', () => {
  it('registers every filter by name, with datatrove defaults', () => {
    expect(Object.keys(stages).sort()).toEqual(['c4-badwords', 'c4-paragraph', 'c4-quality', 'fineweb-quality', 'gopher-quality', 'gopher-repetition', 'length', 'url-filter']);
    expect(stages['gopher-quality'].defaults).toMatchObject({ minDocWords: 50, maxDocWords: 100000, minStopWords: 2 });
    expect(stages['fineweb-quality'].defaults).toMatchObject({ linePunctThr: 0.12, shortLineThr: 0.67, charDuplicatesRatio: 0.01, newLineRatio: 0.3 });
  });

  it('rejects unknown options and wrong types naming the stage', () => {
    expect(() => stages['gopher-quality']({ minWords: 3 })).toThrow(/gopher-quality.*minWords/);
    expect(() => stages['c4-quality']({ minNumSentences: 'five' })).toThrow(PipelineConfigError);
    expect(() => stages.length({ minChars: 10, maxChars: 5 }).validate?.()).toThrow(/maxChars/);
    expect(() => stages['c4-badwords']({ wordsFiles: { de: '/nonexistent/list.txt' } }).validate?.()).toThrow(/c4-badwords.*\/nonexistent\/list.txt/);
  });

  it('passes writeExclusions to the engine', () => {
    expect((stages['gopher-quality']({ writeExclusions: true }) as Stage).writeExclusions).toBe(true);
  });

  it('exports the filter() escape hatch', async () => {
    const s = filter((d: Doc) => d.text.length > 3 || 'tiny');
    const p = await s.open({} as never);
    expect(p.process(doc('ab'))).toBe('tiny');
  });
});

describe('gopher-quality', () => {
  it("follows datatrove: symbols by PUNCTUATION_SET, '#'/ellipsis/alphabetic ratios over all tokens, '-' bullets, empty docs", async () => {
    const words = 'The committee and the town agreed to meet with the residents of that district'.split(' ');
    // 70 words + 30 punctuation tokens: 70% of all tokens have a letter (datatrove drops), 100% of words would not
    const text = Array.from({ length: 10 }, () => `${words.slice(0, 7).join(' ')} , ; : !`).join(' ');
    expect(await verdict(stages['gopher-quality'], text, { minDocWords: 10 })).toBe('gopher_below_alpha_threshold');
    // "©" is not in datatrove's PUNCTUATION_SET: a word of length 1 (mean length falls below 3)
    expect(await verdict(stages['gopher-quality'], Array.from({ length: 60 }, () => 'the © ©').join(' '), { minStopWords: 0, maxNonAlphaWordsRatio: 0 })).toBe('gopher_below_avg_threshold');
    const dashes = Array.from({ length: 20 }, (_, i) => `- item number ${i} of the list with the things`).join('\n');
    expect(await verdict(stages['gopher-quality'], dashes)).toBe('gopher_too_many_bullets');
    expect(await verdict(stages['gopher-quality'], '  \n ', { minDocWords: 0 })).toBe('empty');
    expect(await verdict(stages['gopher-repetition'], '')).toBe('empty');
  });

  it('counts stop words case-sensitively and can use another language list', async () => {
    const de = 'Der Hund und die Katze sitzen in dem Garten, weil die Sonne scheint und es warm ist. '.repeat(4);
    expect(await verdict(stages['gopher-quality'], de)).toBe('gopher_enough_stop_words');
    expect(await verdict(stages['gopher-quality'], de, { stopWords: ['der', 'die', 'und', 'in'] })).toBe(true);
  });

  it('drops bullet lists and segments CJK text into real words', async () => {
    const bullets = Array.from({ length: 20 }, (_, i) => `• item number ${i} of the list with the things`).join('\n');
    expect(await verdict(stages['gopher-quality'], bullets)).toBe('gopher_too_many_bullets');
    const zh = '我们今天在北京参加了一个关于人工智能的国际会议，讨论了语言模型的发展。'.repeat(5);
    // 50+ Chinese words of 1-4 characters: long enough, mean length below 3 (no per-language table)
    expect(await verdict(stages['gopher-quality'], zh, { minStopWords: 0 })).toBe('gopher_below_avg_threshold');
  });
});

describe('gopher-repetition', () => {
  it('ignores blank lines but catches repeated ones', async () => {
    expect(await verdict(stages['gopher-repetition'], GOOD.split('\n').join('\n\n\n'))).toBe(true);
    expect(await verdict(stages['gopher-repetition'], `${GOOD}\n${GOOD}`)).toBe('dup_line_frac');
  });

  it("exact n-grams equal datatrove's find_top_duplicate (\" \"-joined) and find_all_duplicate (\"\"-joined)", () => {
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // "a b" and "ab" join to the same characters under "".join: those n-grams must count as equal
    const vocab = ['ab', 'a', 'b', 'ba', 'the', 'cat', 'sat', 'on', 'mat', 'and', 'then', '.', 'zz', 'q', '"', "''", '北京', "don't"];
    for (let trial = 0; trial < 40; trial++) {
      const text = Array.from({ length: 20 + Math.floor(rand() * 400) }, () => vocab[Math.floor(rand() * Math.min(vocab.length, 3 + (trial % 20)))]).join(' ');
      const tokens = tokenize(text);
      const t = docTokens(doc(text));
      for (let n = 2; n <= 10; n++) {
        const grams = tokens.slice(0, Math.max(0, tokens.length - n + 1)).map((_, i) => tokens.slice(i, i + n).join(' '));
        const counter = new Map<string, number>();
        for (const g of grams) counter.set(g, (counter.get(g) ?? 0) + 1);
        let best: [string, number] = ['', 0];
        for (const e of counter) if (e[1] > best[1]) best = e;
        expect(topNGramChars(t, n), `top ${n}`).toBe(best[0].length * best[1]);
        const seen = new Set<string>();
        let chars = 0;
        for (let i = 0; i < tokens.length - n + 1; ) {
          const g = tokens.slice(i, i + n).join('');
          if (seen.has(g)) (chars += g.length), (i += n);
          else seen.add(g), i++;
        }
        expect(duplicateNGramChars(t, n), `dup ${n}`).toBe(chars);
      }
    }
  });

  it('top n-gram bounds are upper bounds of the exact values (real pages)', () => {
    for (const text of realTexts()) {
      const t = docTokens(doc(text));
      const b = topBounds(t);
      for (const n of [2, 3, 4]) expect(topNGramChars(t, n), `top ${n}`).toBeLessThanOrEqual(b[n - 2]);
    }
  });

  it('rejects malformed n-gram settings', () => {
    expect(() => stages['gopher-repetition']({ topNGrams: [[2]] }).validate?.()).toThrow(/topNGrams/);
  });
});

describe('c4-quality', () => {
  it('removes javascript, policy and unpunctuated lines, strips citations, and rewrites the text', async () => {
    const text = `${GOOD}\nPlease enable JavaScript to view the comments.\nThis site uses cookies to improve your experience.\nMenu Home About\nThe council was founded in 1850.[1] It has nine members.[citation needed]`;
    const r = await openStage(stages['c4-quality']);
    const d = (await r.run(doc(text))) as Doc;
    expect(d.text).toBe(`${GOOD}\nThe council was founded in 1850. It has nine members.`);
    expect(r.ctx.stageStats.counters['line-filter-javascript']).toBe(1);
    expect(r.ctx.stageStats.counters['line-filter-policy']).toBe(1);
    expect(r.ctx.stageStats.counters['line-filter-no_terminal_punc']).toBe(1);
  });

  it('keeps unpunctuated lines when filterNoTerminalPunct is off (FineWeb)', async () => {
    const d = (await (await openStage(stages['c4-quality'], { filterNoTerminalPunct: false })).run(doc(`${GOOD}\nMenu Home About`))) as Doc;
    expect(d.text.endsWith('Menu Home About')).toBe(true);
  });

  it("records the rewritten text's token count for FineWeb (tokens never span lines), equal to a fresh count", async () => {
    const texts = [...realTexts(), `${GOOD}\nThe council was founded in 1850.[1] It has nine members.[citation needed]\nMenu`, 'a\x85b c d. e f g.\nh i j. k l m. n o p.'];
    for (const text of texts) {
      const d = doc(text);
      docTokens(d); // as after the Gopher filters
      const r = c4Quality(text, { ...c4QualityDefaults, filterNoTerminalPunct: false }, undefined, d);
      if ('reason' in r) continue;
      d.text = r.text;
      expect(docTokenCount(d)).toBe(countTokens(r.text));
    }
  });

  it('counts sentences like Punkt on ordinary prose', () => {
    expect(countSentences('Dr. Smith arrived at 5 p.m. on Monday. He left early. Why? Nobody knows!')).toBe(4);
    expect(countSentences('One sentence only, e.g. this one.')).toBe(1);
  });
});

describe('c4-badwords', () => {
  it('matches whole words with the built-in list, and not inside other words', async () => {
    expect(await verdict(stages['c4-badwords'], `${GOOD}\nWatch free porn here.`)).toBe('document_removed_with_badwords');
    expect(await verdict(stages['c4-badwords'], `${GOOD}\nThe pornographic-sounding word "porno" is matched, "pornstarlet" is not.`)).toBe('document_removed_with_badwords');
    expect(await verdict(stages['c4-badwords'], 'A discussion of xxxl shirts and Essex.')).toBe(true);
  });

  it('reads per-language files, matches CJK without word boundaries, keeps unknown languages', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'zh'), '# zh list\n坏词\n');
    const r = await openStage(stages['c4-badwords'], { wordsFiles: { zh: join(dir, 'zh') } });
    expect(await r.run(doc('这是一个坏词的例子', { language: 'zh' }))).toBe('document_removed_with_badwords');
    expect(await r.run(doc('Ein Satz auf Deutsch', { language: 'de' }))).toMatchObject({ id: 'd0' });
    expect(r.ctx.stageStats.counters['missing_badwords_lang:de']).toBe(1);
  });

  it('keepFraction keeps a reproducible share of flagged documents', async () => {
    const r = await openStage(stages['c4-badwords'], { keepFraction: 0.5, seed: 7 });
    const ids = Array.from({ length: 400 }, (_, i) => `doc-${i}`);
    const run = async () => Promise.all(ids.map(async (id) => typeof (await r.run({ id, text: 'porn', metadata: {} })) !== 'string'));
    const a = await run();
    expect(await run()).toEqual(a);
    const share = a.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });
});

describe('url-filter', () => {
  function ut1(): string {
    const root = tmp();
    const adult = join(root, 'blacklists', 'adult');
    mkdirSync(adult, { recursive: true });
    writeFileSync(join(adult, 'domains'), 'badsite.com\nshady.blogspot.com\nexample.co.uk\n');
    writeFileSync(join(adult, 'urls'), 'goodhost.org/adult/page.html\n');
    return adult;
  }

  it('applies UT1 domain and URL lists with datatrove reasons', async () => {
    const r = await openStage(stages['url-filter'], { blocklistDirs: [ut1()] });
    const reason = async (url: string) => {
      const x = await r.run(doc(GOOD, { url }));
      return typeof x === 'string' ? x : true;
    };
    expect(await reason('https://www.badsite.com/index.html')).toBe('domain');
    expect(await reason('http://cdn.badsite.com/x')).toBe('domain');
    expect(await reason('http://shady.blogspot.com/post/1')).toBe('subdomain');
    expect(await reason('http://fine.blogspot.com/post/1')).toBe(true);
    expect(await reason('http://shop.example.co.uk/')).toBe('domain');
    expect(await reason('http://goodhost.org/adult/page.html')).toBe('url');
    expect(await reason('http://goodhost.org/other.html')).toBe(true);
  });

  it('uses banned, soft-banned and sub-words (built-in and given)', async () => {
    const r = await openStage(stages['url-filter'], { bannedWords: ['casino'] });
    const reason = async (url: string) => {
      const x = await r.run(doc(GOOD, { url }));
      return typeof x === 'string' ? x : true;
    };
    expect(await reason('http://news.com/best-casino-bonus')).toBe('hard_blacklisted');
    expect(await reason('http://www.pornhub.com/view')).toBe('domain');
    expect(await reason('http://blog.com/hot-teens-gallery')).toBe('soft_blacklisted');
    expect(await reason('http://blog.com/hot-weather-today')).toBe(true);
    expect(await reason('http://blog.com/hot-hot-hot/hot')).toBe(true); // distinct words: one soft word
    expect(await reason('http://mirror.net/bestxvideosclips')).toBe('blacklisted_subword');
    expect(await r.run(doc(GOOD))).toMatchObject({ id: 'd0' });
    expect(r.ctx.stageStats.counters.missing_url).toBe(1);
  });

  it('can run without the built-in lists and drop documents without a URL', async () => {
    const r = await openStage(stages['url-filter'], { useIntegratedLists: false, dropMissingUrl: true });
    expect(await r.run(doc(GOOD, { url: 'http://www.pornhub.com/' }))).toMatchObject({ id: 'd0' });
    expect(await r.run(doc(GOOD))).toBe('missing_url');
  });

  it('fails before work on a UT1 folder without lists', () => {
    expect(() => stages['url-filter']({ blocklistDirs: [tmp()] }).validate?.()).toThrow(/url-filter.*UT1/);
  });

  it('parses registered domains of multi-part suffixes', () => {
    expect(parseUrl('https://a.b.example.co.uk/x?y=1')).toMatchObject({ host: 'a.b.example.co.uk', registered: 'example.co.uk', bare: 'a.b.example.co.uk/x?y=1' });
    expect(parseUrl('not a url')).toBeNull();
  });
});

describe('length', () => {
  it('bounds characters and words', async () => {
    expect(await verdict(stages.length, 'short', { minChars: 10 })).toBe('too_short');
    expect(await verdict(stages.length, 'x'.repeat(20), { maxChars: 10 })).toBe('too_long');
    expect(await verdict(stages.length, 'one two three', { minWords: 4 })).toBe('too_few_words');
    expect(await verdict(stages.length, '我们今天在北京', { maxWords: 2 })).toBe('too_many_words');
    expect(await verdict(stages.length, 'one two three', { minWords: 3, maxWords: 3 })).toBe(true);
  });
});

describe('fineweb-quality', () => {
  it('flags duplicated lines and list-like pages', async () => {
    expect(await verdict(stages['fineweb-quality'], `${GOOD}\n${GOOD.split('\n')[0]}`)).toBe('char_dup_ratio');
    const list = Array.from({ length: 30 }, (_, i) => `Item ${i} is a product with a long name here.`).join('\n');
    expect(await verdict(stages['fineweb-quality'], list, { newLineRatio: 0.05 })).toBe('list_ratio');
    expect(await verdict(stages['fineweb-quality'], GOOD)).toBe(true);
  });
});
