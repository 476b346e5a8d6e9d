import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { main } from '../../../stages/bpe/cli.ts';
import { loadTokenizer, trainBpe, WordCounter, toTokenizerJson } from '../../../stages/bpe/index.ts';
import { describeShared } from '../../shared.ts';
import { udhrTexts } from './corpus.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tokenmill-bpe-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeShared('tokenmill tokenizer CLI', 'data/langid/udhr_articles.jsonl', () => {
  const texts = udhrTexts().slice(0, 3000);

  it('train (inline and in worker threads, JSONL + plain text) writes the same tokenizer as the in-process trainer', async () => {
    const jsonl = join(tmp, 'a.jsonl');
    writeFileSync(jsonl, texts.slice(0, 1500).map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const txt = join(tmp, 'b.txt');
    writeFileSync(txt, texts.slice(1500).join('\n') + '\n');
    const out = join(tmp, 'tok');
    const inline = join(tmp, 'tok-inline');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await main(['train', '--input', jsonl, txt, '--vocab-size', '1200', '--out', out, '--workers', '2']);
      await main(['train', '--input', jsonl, txt, '--vocab-size', '1200', '--out', inline]);
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
    // Reference: count the same texts in-process (plain text counted as one block, as the CLI does below 1 MB).
    const wc = new WordCounter('o200k');
    for (const t of texts.slice(0, 1500)) wc.add(t);
    wc.add(texts.slice(1500).join('\n') + '\n');
    const ref = toTokenizerJson(trainBpe(wc.table, { vocabSize: 1200, pattern: 'o200k' }));
    expect(readFileSync(join(out, 'tokenizer.json'), 'utf8')).toBe(ref);
    expect(readFileSync(join(inline, 'tokenizer.json'), 'utf8')).toBe(ref);
    expect(loadTokenizer(out).vocabSize).toBe(1200);
  });

  it('encode prints ids as JSON and decode restores the text', async () => {
    const text = texts[7];
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      lines.push(String(s));
      return true;
    });
    const stdin = vi.spyOn(process, 'stdin', 'get');
    try {
      stdin.mockReturnValue((async function* () {
        yield Buffer.from(text);
      })() as never);
      await main(['encode', '--tokenizer', 'cl100k']);
      const ids = JSON.parse(lines.join('')) as number[];
      expect(ids).toEqual(Array.from(loadTokenizer('cl100k').encode(text)));
      lines.length = 0;
      stdin.mockReturnValue((async function* () {
        yield Buffer.from(JSON.stringify(ids));
      })() as never);
      await main(['decode', '--tokenizer', 'cl100k']);
      expect(lines.join('')).toBe(text);
    } finally {
      write.mockRestore();
      stdin.mockRestore();
    }
  });
});
