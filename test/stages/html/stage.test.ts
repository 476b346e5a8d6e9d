// The `extract` and `html-to-text` stages through makeTaskContext, as the WARC reader feeds them
// (raw payload bytes + Content-Type), and the `tokenmill extract` CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { makeTaskContext } from '../../../engine/context.ts';
import { PipelineConfigError, type Doc } from '../../../engine/types.ts';
import { extract, htmlToText, stages } from '../../../stages/html/index.ts';
import { main } from '../../../stages/html/cli.ts';

const RU = 'Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.';
const html = `<html lang="ru"><head><title>Толстой</title><link rel="canonical" href="https://lit.example/anna">
  <meta name="date" content="2019-05-06"></head><body><nav><a href="/">Главная</a> <a href="/about">О нас</a></nav>
  <article><p>${RU}</p><p>Всё смешалось в доме Облонских. Жена узнала, что муж был в связи с бывшею в их доме француженкою-гувернанткой.</p></article>
  <footer>Все права защищены</footer></body></html>`;

const warcDoc = (raw: Uint8Array, contentType: string): Doc => ({
  id: 'rec-1',
  text: '',
  raw,
  metadata: { url: 'https://lit.example/anna?ref=1', date: '2024-05-20T10:00:00Z', contentType },
});

describe('extract stage', () => {
  it('is registered with html-to-text', () => {
    expect(Object.keys(stages).sort()).toEqual(['extract', 'html-to-text']);
    expect(stages.extract.stageName).toBe('extract');
  });

  it('decodes windows-1251 bytes, extracts the article, sets metadata, keeps the WARC date, deletes raw', async () => {
    const ctx = makeTaskContext({ runDir: mkdtempSync(join(tmpdir(), 'tm-html-')), stageName: 'extract' });
    const p = await extract().open(ctx);
    const out = (await p.process(warcDoc(new Uint8Array(iconv.encode(html, 'windows-1251')), 'text/html; charset=windows-1251'))) as Doc;
    expect(typeof out).toBe('object');
    expect(out.text.split('\n')[0]).toBe(RU);
    expect(out.text).not.toContain('Главная');
    expect(out.text).not.toContain('Все права защищены');
    expect(out.raw).toBeUndefined();
    expect(out.metadata).toMatchObject({
      title: 'Толстой',
      canonicalUrl: 'https://lit.example/anna',
      publishedDate: '2019-05-06',
      date: '2024-05-20T10:00:00Z',
      htmlLang: 'ru',
      charset: 'windows-1251',
    });
    expect(ctx.stageStats.counters.extract_fallback).toBeUndefined();
  });

  it('reads HTML from doc.text when there is no raw payload; drops empty pages as empty_text', async () => {
    const p = await extract({ favor: 'recall' }).open(makeTaskContext({ runDir: tmpdir() }));
    const out = (await p.process({ id: 'a', text: html, metadata: {} })) as Doc;
    expect(out.text).toContain(RU);
    expect(await p.process({ id: 'b', text: '<html><body><script>1</script></body></html>', metadata: {} })).toBe('empty_text');
    expect(await p.process({ id: 'c', text: '', raw: new Uint8Array(0), metadata: { contentType: 'text/html' } })).toBe('empty_text');
  });

  it('counts extract_fallback on a pathological page and still returns its text', async () => {
    const ctx = makeTaskContext({ runDir: tmpdir(), stageName: 'extract' });
    const p = await extract().open(ctx);
    const deep = `<body>${'<div>'.repeat(10_000)}<p>still here</p>${'</div>'.repeat(10_000)}</body>`;
    const out = (await p.process({ id: 'd', text: '', raw: new TextEncoder().encode(deep), metadata: { contentType: 'text/html' } })) as Doc;
    expect(out.text).toBe('still here');
    expect(ctx.stageStats.counters.extract_fallback).toBe(1);
    expect(ctx.stageStats.counters['extract_fallback:nesting depth']).toBe(1);
  });

  it('rejects bad options before work, naming stage and option', () => {
    expect(() => extract({ favour: 'recall' } as never)).toThrow(PipelineConfigError);
    expect(() => extract({ favor: 'fast' } as never).validate!()).toThrow(/stage "extract": option "favor"/);
    expect(() => extract({ maxBytes: '5MB' } as never)).toThrow(/option "maxBytes" must be a number/);
  });
});

describe('html-to-text stage', () => {
  it('keeps all visible text except boilerplate tags', async () => {
    const p = await htmlToText().open(makeTaskContext({ runDir: tmpdir() }));
    const out = (await p.process(warcDoc(new TextEncoder().encode(html), 'text/html'))) as Doc;
    expect(out.text).toContain(RU);
    expect(out.text).not.toContain('Главная');
    expect(out.metadata.charset).toBe('utf-8');
    expect(out.metadata.title).toBe('Толстой');
    expect(out.raw).toBeUndefined();
  });
});

describe('tokenmill extract CLI', () => {
  async function run(argv: string[]): Promise<string> {
    const orig = process.stdout.write.bind(process.stdout);
    let buf = '';
    process.stdout.write = ((s: string | Uint8Array) => {
      buf += typeof s === 'string' ? s : Buffer.from(s).toString();
      return true;
    }) as typeof process.stdout.write;
    try {
      await main(argv);
    } finally {
      process.stdout.write = orig;
    }
    return buf;
  }

  it('prints the text, or JSON with metadata', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'tm-html-cli-')), 'page.html');
    writeFileSync(f, iconv.encode(html, 'windows-1251'));
    const text = await run([f, '--content-type', 'text/html; charset=windows-1251']);
    expect(text.split('\n')[0]).toBe(RU);
    const j = JSON.parse(await run(['--json', '--url', 'https://lit.example/x', f, '--content-type', 'text/html; charset=windows-1251']));
    expect(j).toMatchObject({ title: 'Толстой', canonicalUrl: 'https://lit.example/anna', htmlLang: 'ru', charset: 'windows-1251' });
    expect(j.text).toContain(RU);
    await expect(run(['--bogus'])).rejects.toThrow(/unknown argument "--bogus"/);
  });
});
