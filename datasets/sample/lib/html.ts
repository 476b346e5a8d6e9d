// Boilerplate-heavy site templates around an article: navigation, cookie banner, breadcrumbs,
// share bar, related links, comments, newsletter box, footer, scripts. The main text always sits
// in the page's single <article> element (title in its <h1>, body in <h2>/<p>), which is what the
// sample test extracts; everything a pipeline should strip lies outside it.
import type { Ui } from '../content/types.ts';
import type { Article } from './compose.ts';

export type Style = 'blog' | 'news' | 'docs' | 'print';

export interface Site {
  host: string;
  name: string;
  lang: string;
  style: Style;
  ui: Ui;
  server: string;
  tagline: string;
}

export interface Link {
  title: string;
  url: string;
}

export interface Comment {
  who: string;
  when: string;
  text: string;
}

export interface RenderOptions {
  url: string;
  related: Link[];
  comments: Comment[];
  /** Value of <meta charset>; omitted when the charset is declared with http-equiv instead. */
  charset: string;
  httpEquivCharset?: string;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function articleHtml(site: Site, a: Article, withMeta: boolean): string {
  const body = a.blocks.map((b) => `      <${b.tag}>${esc(b.text)}</${b.tag}>`).join('\n');
  const mins = Math.max(1, Math.round(words(a.blocks.map((b) => b.text).join(' ')) / 220));
  const meta = withMeta
    ? `      <div class="byline"><span class="author">${esc(site.ui.by)} ${esc(a.author)}</span> · <time datetime="${a.date}">${esc(site.ui.published)} ${a.date}</time> · <span class="read-time">${mins} ${esc(site.ui.minutes)}</span></div>\n`
    : '';
  return `    <article class="post">\n      <h1>${esc(a.title)}</h1>\n${meta}${body}\n    </article>`;
}

function nav(site: Site): string {
  const items = [site.ui.home, ...site.ui.nav]
    .map((n, i) => `<li><a href="/${i === 0 ? '' : n.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-') + '/'}">${esc(n)}</a></li>`)
    .join('');
  return `<nav class="main-nav" aria-label="primary"><ul>${items}</ul><form class="search" action="/search"><input name="q" placeholder="${esc(site.ui.search)}"><button>${esc(site.ui.search)}</button></form></nav>`;
}

function cookie(site: Site): string {
  return `<div id="cookie-consent" class="cookie-banner" role="dialog"><p>${esc(site.ui.cookie)}</p><button class="accept">${esc(site.ui.accept)}</button> <button class="reject">${esc(site.ui.reject)}</button></div>`;
}

function share(site: Site, url: string): string {
  const u = encodeURIComponent(url);
  return `<div class="share-bar"><span>${esc(site.ui.share)}:</span> <a href="https://social.example/share?u=${u}">Facebook</a> <a href="https://microblog.example/intent?url=${u}">X</a> <a href="https://pins.example/create?url=${u}">Pinterest</a> <a href="mailto:?body=${u}">Email</a></div>`;
}

function related(site: Site, links: Link[]): string {
  if (!links.length) return '';
  const li = links.map((l) => `<li><a href="${esc(l.url)}">${esc(l.title)}</a></li>`).join('\n        ');
  return `<aside class="related"><h3>${esc(site.ui.related)}</h3>\n      <ul>\n        ${li}\n      </ul></aside>`;
}

function comments(site: Site, cs: Comment[]): string {
  if (!cs.length) return '';
  const items = cs
    .map((c) => `<li class="comment"><div class="comment-meta"><b>${esc(c.who)}</b> <time>${c.when}</time></div><div class="comment-body">${esc(c.text)}</div><a class="reply" href="#respond">Reply</a></li>`)
    .join('\n        ');
  return `<section id="comments"><h3>${cs.length} ${esc(site.ui.comments)}</h3>\n      <ol class="comment-list">\n        ${items}\n      </ol>\n      <div id="respond"><h4>${esc(site.ui.leaveComment)}</h4><form><textarea name="comment"></textarea><input name="author"><button>OK</button></form></div></section>`;
}

function footer(site: Site, year: string): string {
  return `<footer class="site-footer"><div class="newsletter"><p>${esc(site.ui.newsletter)}</p><form><input type="email" placeholder="you@example.com"><button>OK</button></form></div><p class="links">${esc(site.ui.footer)}</p><p class="copyright">© ${year} ${esc(site.name)}. ${esc(site.ui.rights)}</p></footer>`;
}

function head(site: Site, a: Article, o: RenderOptions, extra = ''): string {
  const cs = o.httpEquivCharset
    ? `<meta http-equiv="Content-Type" content="text/html; charset=${o.httpEquivCharset}">`
    : `<meta charset="${o.charset}">`;
  const desc = esc(a.blocks.find((b) => b.tag === 'p')?.text.slice(0, 150) ?? '');
  return `<head>
  ${cs}
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(a.title)} | ${esc(site.name)}</title>
  <meta name="description" content="${desc}">
  <link rel="canonical" href="${esc(o.url)}">
  <link rel="stylesheet" href="/assets/site.css?v=3">
  <style>.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:1em}.share-bar a{margin-right:.5em}</style>
  <script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":${JSON.stringify(a.title)},"datePublished":"${a.date}","author":{"@type":"Person","name":${JSON.stringify(a.author)}}}</script>${extra}
</head>`;
}

const ANALYTICS = `<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-SAMPLE0000');</script>`;

export function renderArticle(site: Site, a: Article, o: RenderOptions): string {
  const year = a.date.slice(0, 4);
  const crumbs = `<div class="breadcrumbs"><a href="/">${esc(site.ui.home)}</a> › <a href="/${a.tags[0]}/">${esc(a.tags[0])}</a> › <span>${esc(a.title)}</span></div>`;
  const tags = `<div class="tags">${esc(site.ui.tags)}: ${a.tags.map((t) => `<a href="/tag/${t}/">${t}</a>`).join(', ')}</div>`;
  const brand = `<header class="site-header"><a class="logo" href="/">${esc(site.name)}</a><p class="tagline">${esc(site.tagline)}</p></header>`;
  switch (site.style) {
    case 'blog':
      return `<!DOCTYPE html>
<html lang="${site.lang}">
${head(site, a, o)}
<body class="single-post">
  ${cookie(site)}
  ${brand}
  ${nav(site)}
  <div class="wrap">
  <main id="content">
    ${crumbs}
${articleHtml(site, a, true)}
    ${tags}
    ${share(site, o.url)}
    ${comments(site, o.comments)}
  </main>
  <div class="sidebar">
    ${related(site, o.related)}
    <div class="widget ad"><a href="https://ads.example/click?id=4471"><img src="https://ads.example/banner-300x250.gif" alt="Advertisement"></a></div>
  </div>
  </div>
  ${footer(site, year)}
  ${ANALYTICS}
</body>
</html>
`;
    case 'news':
      return `<!DOCTYPE html>
<html lang="${site.lang}">
${head(site, a, o)}
<body class="article-page">
  <div class="top-strip"><span class="date">${a.date}</span> <a href="/subscribe">${esc(site.ui.nav[site.ui.nav.length - 1])}</a></div>
  ${brand}
  ${nav(site)}
  <main>
    ${share(site, o.url)}
${articleHtml(site, a, true)}
    ${related(site, o.related)}
    ${comments(site, o.comments)}
  </main>
  ${footer(site, year)}
  ${cookie(site)}
  ${ANALYTICS}
</body>
</html>
`;
    case 'docs': {
      const side = o.related.map((l) => `<li><a href="${esc(l.url)}">${esc(l.title)}</a></li>`).join('');
      return `<!DOCTYPE html>
<html lang="${site.lang}">
${head(site, a, o)}
<body class="docs">
  ${brand}
  ${nav(site)}
  <div class="docs-layout">
    <nav class="docs-sidebar"><ul>${side}</ul></nav>
    <main class="docs-content">
${articleHtml(site, a, false)}
      <div class="page-footer"><a href="https://git.example/${site.host}/edit/main/docs">Edit this page</a> · Was this page helpful? <button>Yes</button> <button>No</button></div>
    </main>
  </div>
  ${footer(site, year)}
</body>
</html>
`;
    }
    case 'print':
      return `<!DOCTYPE html>
<html lang="${site.lang}">
<head><meta charset="${o.charset}"><title>${esc(a.title)}</title><meta name="robots" content="noindex"></head>
<body onload="window.print()">
${articleHtml(site, a, true)}
<p class="print-source">${esc(site.name)} — ${esc(o.url)}</p>
</body>
</html>
`;
  }
}
