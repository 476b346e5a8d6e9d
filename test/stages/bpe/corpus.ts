// Real varied text for the BPE tests (from ../shared): UDHR in ~150 languages, article texts and raw
// HTML of real pages, plus hand-made edge cases (whitespace runs, emoji/ZWJ, combining marks, surrogates).
import { readFileSync, readdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../../rng.ts';
export { rng };

// Not test/shared.ts: this module is also imported by the benchmark, outside vitest.
const shared = (rel: string) => join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', rel);

export function udhrTexts(): string[] {
  return readFileSync(shared('data/langid/udhr_articles.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { text: string }).text);
}

export function articleTexts(): string[] {
  const gt = JSON.parse(readFileSync(shared('data/html_extraction/ground-truth.json'), 'utf8')) as Record<string, { articleBody?: string }>;
  return Object.values(gt).map((v) => v.articleBody ?? '');
}

export function htmlTexts(): string[] {
  const dir = shared('data/html_extraction/html');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html.gz'))
    .sort()
    .map((f) => gunzipSync(readFileSync(`${dir}/${f}`)).toString('utf8'));
}


/** Edge cases: whitespace runs, emoji sequences, combining marks, digits, contractions, long runs. */
export function edgeCases(): string[] {
  const cases = [
    '',
    ' ',
    '\n',
    '   \n\n\t  x',
    'a' + ' '.repeat(1000) + 'b',
    ' '.repeat(5000),
    '\n'.repeat(300) + ' \r\n \r\n',
    '\ufeffBOM\n\ufeff\ufeff \u0085 NEL\u0085\u0085x \u180e \u200b',
    '\t\t\t\u00a0\u2003\u3000word\u200b\u200bword',
    '👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽 thumbs 🇫🇷🇩🇪 1️⃣ #️⃣',
    'e\u0301 a\u0300\u0316 Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333',
    'ﾃｽﾄ Ｆｕｌｌｗｉｄｔｈ ２０２４ 𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨𝔱𝔲𝔯',
    "I'M HE'S we'Re they'VE you'LL it'D 'tis ''quoted'' don’t",
    '1234567890 3.14159 1,000,000 0x7fff 2024-05-01T12:00:00Z ١٢٣ ४५६',
    'lone high \ud800 here, lone low \udc00 there, reversed \udc00\ud800, at end \ud83d',
    '\ud83d\ude00\ud83d',
    'x\udfff\ud7ff\ue000\uffff\ufffe\u0000\u0001\u001f\u007f',
    'a'.repeat(3000),
    '日本語のテキストは空白なしで長く続くことがあります'.repeat(40),
    'ab'.repeat(2000) + ' ' + '!?'.repeat(1000),
    '<|endoftext|> is text unless allowed <|fim_prefix|>',
    'function f(x) {\n\treturn x.map((y) => y * 2);\n}\n\n\n    // comment\r\n',
  ];
  const r = rng(42);
  // Random strings over a mixed alphabet (ASCII, Latin-1, CJK, emoji, whitespace, surrogate halves).
  const alphabet = [
    ...'abcXYZ019 .,!?\'"\n\t-_'.split(''),
    'é', 'ß', 'ø', 'ñ', 'я', 'ж', 'ع', 'ש', 'ह', '्', '中', '文', '한', 'ア', '\u0301', '\u200d', '\u00a0', '\u3000', '😀', '🏽', '\ud800', '\udfff', '\r',
  ];
  for (let i = 0; i < 300; i++) {
    const n = Math.floor(r() * 60);
    let s = '';
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(r() * alphabet.length)];
    cases.push(s);
  }
  return cases;
}
