// Main-content extraction: the quality bar on the 91 real pages of the article-extraction
// benchmark, boilerplate removal on real pages, structure and options on small pages, the
// fallback on pathological pages, and real Common Crawl pages (multilingual sanity).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeShared, shared } from '../../shared.ts';
import { decodeHtml } from '../../../stages/html/charset.ts';
import { extractText } from '../../../stages/html/extract.ts';
import { stripHtml, stripHtmlWithMeta } from '../../../stages/html/strip.ts';
import { shingleScore } from '../../../stages/html/score.ts';
import { iterWarcRecords } from '../../../engine/readers/warc.ts';

const BENCH = 'data/html_extraction';

function loadPages(): Array<{ key: string; html: string; truth: string; url: string }> {
  const gt = JSON.parse(readFileSync(shared(`${BENCH}/ground-truth.json`), 'utf8')) as Record<string, { articleBody: string; url: string }>;
  return Object.entries(gt).map(([key, v]) => ({
    key,
    html: decodeHtml(gunzipSync(readFileSync(shared(`${BENCH}/html/${key}.html.gz`)))).text,
    truth: v.articleBody,
    url: v.url,
  }));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describeShared('quality on the article-extraction benchmark pages', BENCH, () => {
  const pages = loadPages();

  it('has the 91 pages', () => expect(pages).toHaveLength(91));

  it('mean shingle F1 >= 0.93, far above the whole-page-text baseline', () => {
    const ours = pages.map((p) => shingleScore(extractText(p.html, { url: p.url }).text, p.truth));
    const all = pages.map((p) => shingleScore(stripHtml(p.html), p.truth));
    const f1 = mean(ours.map((s) => s.f1));
    console.log(`extract F1 ${f1.toFixed(4)} P ${mean(ours.map((s) => s.precision)).toFixed(4)} R ${mean(ours.map((s) => s.recall)).toFixed(4)}; page text F1 ${mean(all.map((s) => s.f1)).toFixed(4)}`);
    expect(f1).toBeGreaterThanOrEqual(0.93);
    expect(mean(ours.map((s) => s.precision))).toBeGreaterThan(mean(all.map((s) => s.precision)) + 0.15);
    // No page loses its article entirely.
    expect(ours.filter((s) => s.f1 < 0.3).length).toBeLessThanOrEqual(2);
  });

  it('recall mode keeps at least as much of the article as precision mode', () => {
    const r = mean(pages.map((p) => shingleScore(extractText(p.html, { favor: 'recall' }).text, p.truth).recall));
    const pr = mean(pages.map((p) => shingleScore(extractText(p.html, { favor: 'precision' }).text, p.truth).recall));
    expect(r).toBeGreaterThanOrEqual(pr);
  });

  it('removes menus, trending lists and teasers from a real news page (CBS News)', () => {
    const p = pages.find((x) => x.url.includes('cbsnews.com/news/michael-webb'))!;
    const text = extractText(p.html).text;
    const all = stripHtml(p.html);
    const boilerplate = ['Trending News', 'Watch CBSN Live', 'Why farmers may want to paint their cows with zebra stripes', 'Hong Kong Protests'];
    for (const b of boilerplate) {
      expect(all).toContain(b); // on the page …
      expect(text).not.toContain(b); // … but not in the article
    }
    expect(text).toContain('"We got her, we got her!" officers announced on their radios.');
    expect(text).toContain('Following a two-day trial in September, a federal jury in Fort Worth deliberated');
  });

  it('reads title, canonical URL, publication date and <html lang> from a real page', () => {
    const p = pages.find((x) => x.url.includes('wsj.com/articles/google-stadia'))!;
    const r = extractText(p.html, { url: p.url });
    expect(r.title).toContain('Google Stadia, Microsoft xCloud, Apple Arcade');
    expect(r.canonicalUrl).toBe(p.url);
    expect(r.publishedDate?.startsWith('2019-11-19')).toBe(true);
    expect(r.htmlLang).toBe('en-US');
  });
});

describe('structure and options', () => {
  const filler = (n: number) => `Paragraph ${n} of the story, with enough words, commas, and clauses to look like prose written by a person.`;
  const article = `<html lang="fr"><head><title>Story</title><link rel="canonical" href="/story/1">
    <meta property="article:published_time" content="2021-03-04T05:06:07+01:00"></head><body>
    <header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></header>
    <div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
    <main><article>
      <h2>A heading inside</h2>
      <p>${filler(1)}</p><p>${filler(2)} <a href="/ref">a link</a> in it.</p>
      <ul><li>first item of a real list, with text</li><li>second item, also with text</li></ul>
      <table><tr><th>City</th><th>Population</th></tr><tr><td>Paris</td><td>2,100,000</td></tr></table>
      <p>Line one<br>line two after a break</p>
      <div class="share-bar"><a href="/fb">Facebook</a> <a href="/tw">Twitter</a></div>
      <p>${filler(3)}</p>
    </article>
    <section id="comments" class="comments"><div class="comment"><p>First! This comment is long enough to count as a comment, really.</p></div></section>
    </main>
    <aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Other story one</a></li><li><a href="/b">Other story two</a></li></ul></aside>
    <footer>© 2021 Example News. All rights reserved.</footer>
    </body></html>`;

  it('keeps headings, paragraphs, list items, table rows and <br> lines; drops nav, cookie banner, share bar, sidebar, footer, comments', () => {
    const r = extractText(article, { url: 'https://news.example/story/1?utm=x' });
    const lines = r.text.split('\n');
    expect(lines).toContain('A heading inside');
    expect(lines).toContain(filler(1));
    expect(lines).toContain(`${filler(2)} a link in it.`);
    expect(lines).toContain('first item of a real list, with text');
    expect(lines).toContain('City Population');
    expect(lines).toContain('Paris 2,100,000');
    expect(lines).toContain('Line one');
    expect(lines).toContain('line two after a break');
    expect(lines).toContain(filler(3));
    for (const junk of ['Home', 'cookies', 'Facebook', 'Other story', 'All rights reserved', 'First!']) expect(r.text).not.toContain(junk);
    expect(r.title).toBe('Story');
    expect(r.canonicalUrl).toBe('https://news.example/story/1');
    expect(r.publishedDate).toBe('2021-03-04T05:06:07+01:00');
    expect(r.htmlLang).toBe('fr');
    expect(r.fallback).toBeUndefined();
  });

  it('includeComments, keepLinks and includeTables=false', () => {
    expect(extractText(article, { includeComments: true }).text).toContain('First! This comment is long enough');
    expect(extractText(article, { keepLinks: true }).text).toContain('[a link](/ref)');
    const noTables = extractText(article, { includeTables: false }).text;
    expect(noTables).not.toContain('Paris');
    expect(noTables).toContain(filler(3));
  });

  it('decodes entities and normalises whitespace; survives malformed markup', () => {
    const r = extractText('<body><div><p>Caf&eacute; &amp; cr&#232;me   br&ucirc;l&eacute;e,\n\n  tr&egrave;s   bon, vraiment, oui.<p>Unclosed <b>bold <i>and italic</div></span></p>\n<p>Another paragraph, long enough, with commas, and more words.');
    expect(r.text.split('\n')[0]).toBe('Café & crème brûlée, très bon, vraiment, oui.');
    expect(r.text).toContain('Unclosed bold and italic');
  });

  it('documentation page (DocBook shape, as in the Debian Handbook): the section is kept, not just its code example', () => {
    const para = (t: string) => `<div class="para">${t}</div>`;
    const html = `<body><ul class="docnav"><li><a href="p.html">Prev</a></li><li><a href="n.html">Next</a></li></ul>
      <div class="section"><h2>11.5. Samba</h2>
        ${para('Samba is a suite of tools handling the SMB protocol on Linux. This protocol is used by Windows for network shares and shared printers.')}
        <div class="section"><h3>11.5.1. Server</h3>
          ${para('The samba package contains the main two servers of Samba 4, smbd and nmbd, which are configured in one file.')}
          <div class="example"><p class="title">Example 11.1. smb.conf</p><div class="example-contents"><pre class="programlisting">[global]
workgroup = FALCOTNET, security = user, map to guest = bad user, wins support = yes, log level = 1, passdb backend = tdbsam,
interfaces = eth0, lo, bind interfaces only = yes, server role = standalone, netbios name = ARRAKIS, printing = cups, load printers = yes,</pre></div></div>
          ${para('Both servers share the same configuration file, which can be edited by hand, as shown in the example above.')}
        </div></div></body>`;
    const text = extractText(html).text;
    expect(text).toContain('Samba is a suite of tools handling the SMB protocol on Linux.');
    expect(text).toContain('The samba package contains the main two servers of Samba 4');
    expect(text).toContain('workgroup = FALCOTNET');
    expect(text).not.toContain('Prev');
  });

  it('a page without text yields empty text; a page without an article still yields its text', () => {
    expect(extractText('<html><body><script>var x = 1</script><img src=a.png></body></html>').text).toBe('');
    expect(extractText('<html><body>Just a line of text.</body></html>').text).toBe('Just a line of text.');
  });
});

describe('pathological pages fall back to plain stripping', () => {
  it('10,000-deep nesting', () => {
    const depth = 10_000;
    const html = `<html><body>${'<div>'.repeat(depth)}<p>Deep inside the nesting, a sentence survives.</p>${'</div>'.repeat(depth)}<p>After it.</p></body></html>`;
    const r = extractText(html);
    expect(r.fallback).toBe('nesting depth');
    expect(r.text).toBe('Deep inside the nesting, a sentence survives.\nAfter it.');
  });

  it('a 5 MB page (over the size budget) and a tiny time budget', () => {
    const para = '<div class="c"><p>Row of text, long enough to be a paragraph in a huge generated page.</p></div>\n';
    const html = `<html><body>${para.repeat(Math.ceil(5_100_000 / para.length))}</body></html>`;
    expect(html.length).toBeGreaterThan(5_000_000);
    const r = extractText(html);
    expect(r.fallback).toBe('size');
    expect(r.text.split('\n')[0]).toBe('Row of text, long enough to be a paragraph in a huge generated page.');
    const small = html.slice(0, 2_000_000);
    expect(extractText(small, { timeBudgetMs: 1 }).fallback).toBe('time budget');
  });

  it('the stripper drops script/style/nav/header/footer/aside/forms and keeps an ASP.NET page-wrapping form', () => {
    const r = stripHtmlWithMeta(`<html lang=de><head><title>T</title><style>p{}</style></head><body><form id=aspnet method=post>
      <header>Head</header><nav>Menu</nav><h1>Titel</h1><p>Absatz eins.</p><ul><li>Punkt</li></ul><aside>Seite</aside>
      <footer>Fuß</footer><script>x()</script></form><form action=/search><input name=q><button>Suche</button>Suchformular</form>
      <div><form action=/login method=post>Anmelden</form></div></body></html>`);
    expect(r.text).toBe('Titel\nAbsatz eins.\nPunkt');
    expect(r.htmlLang).toBe('de');
    expect(r.title).toBe('T');
  });
});

describeShared('real Common Crawl pages (CC-MAIN-2020-34 slice, CC-MAIN-2024-22)', 'data/warc/commoncrawl', () => {
  async function pagesOf(file: string) {
    const out: Array<{ url: string; html: string; charset: string }> = [];
    for await (const r of iterWarcRecords(shared(`data/warc/commoncrawl/${file}`), { errors: [] })) {
      if (r.type !== 'response' || !/html/i.test(r.contentType ?? '')) continue;
      const d = decodeHtml(r.payload, r.contentType ?? undefined);
      out.push({ url: r.targetUri ?? '', html: d.text, charset: d.charset });
    }
    return out;
  }

  it('no page with visible paragraphs yields an empty text; CJK and Cyrillic pages keep their paragraphs', async () => {
    const pages = await pagesOf('cc-main-2020-34_resiliparse_warcfile.warc.gz');
    expect(pages.length).toBeGreaterThan(10);
    for (const p of pages) {
      const visible = stripHtml(p.html);
      if (visible.length > 200) expect(extractText(p.html).text.length, p.url).toBeGreaterThan(0);
    }
    // Hand-checked: a GB2312-labelled Chinese page and a zh-CN UTF-8 page of numbered lines.
    const zh = extractText(pages.find((p) => p.url === 'http://044545.com/topic/20200207/015849.html')!.html);
    expect(zh.htmlLang).toBe('zh-CN');
    expect(zh.text).toContain('第001期：四三各配七六码，三四组合中头彩，送：声色十中金。');
    expect(zh.text.split('\n').filter((l) => /^第\d{3}期/.test(l)).length).toBeGreaterThanOrEqual(10);
    const gbk = pages.find((p) => p.url === 'http://037426.cn/')!;
    expect(gbk.charset).toBe('gbk');
    const ru = pages.find((p) => p.url === 'http://01spb.ru/company/')!;
    expect(ru.charset).toBe('windows-1251');
    expect(extractText(ru.html).text).toContain('ООО «СПБ» - узкоспециализированное предприятие');
  });

  it('the CC-MAIN-2024-22 Wikipedia page: article paragraphs kept, menus and language list dropped', async () => {
    const [p] = await pagesOf('cc-main-2024-22_whirlwind.warc.gz');
    const r = extractText(p.html, { url: p.url });
    expect(r.htmlLang).toBe('an');
    expect(r.text).toContain("Escopete ye un municipio d'a provincia de Guadalachara");
    expect(r.text).toContain('Escopete ye citato en as Relaciones Topográficas de los pueblos de Espanya');
    for (const menu of ['Menú principal', 'Una pachina a l\'azar', 'Bahasa Melayu', 'Descargar como PDF']) expect(r.text).not.toContain(menu);
  });
});
