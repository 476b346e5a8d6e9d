// Spam and low-quality pages a pretraining pipeline should drop, each for a named reason.
import { esc } from './html.ts';
import type { Rng } from './rng.ts';

export interface SpamPage {
  url: string;
  why: string;
  html: string;
}

function page(lang: string, title: string, body: string, extraHead = ''): string {
  return `<!DOCTYPE html>
<html lang="${lang}">
<head><meta charset="utf-8"><title>${esc(title)}</title>${extraHead}</head>
<body>
${body}
</body>
</html>
`;
}

const LOREM = [
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.',
  'Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.',
  'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.',
  'Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.',
  'Curabitur pretium tincidunt lacus, nulla gravida orci a odio, nullam varius turpis et commodo pharetra.',
  'Integer in mauris eu nibh euismod gravida, duis ac tellus et risus vulputate vehicula.',
];

const SALAD = 'quantum synergy blockchain paradigm leverage holistic bandwidth scalable verticals disrupt ecosystem organic growth hacking pivot monetize frictionless omnichannel turnkey best-of-breed seamless robust mission-critical'.split(' ');

export function spamPages(rng: Rng): SpamPage[] {
  const out: SpamPage[] = [];

  // Keyword stuffing: the same few money keywords in every sentence.
  {
    const kw = ['cheap watches', 'replica watches', 'best watches price', 'buy cheap watches online', 'discount luxury watches'];
    const paras: string[] = [];
    for (let i = 0; i < 8; i++) {
      const s: string[] = [];
      for (let j = 0; j < 6; j++) s.push(`${rng.pick(kw)} ${rng.pick(kw)} ${rng.pick(['now', 'today', 'sale', 'free shipping', 'best price', 'outlet'])}.`);
      paras.push(`<p>${s.join(' ')}</p>`);
    }
    out.push({
      url: 'http://cheap-watches-outlet.test/cheap-watches-replica-watches-best-price.html',
      why: 'keyword_stuffing',
      html: page('en', 'Cheap Watches | Replica Watches | Best Watches Price | Cheap Watches Online', `<h1>Cheap Watches Replica Watches Cheap Watches</h1>\n${paras.join('\n')}`, '<meta name="keywords" content="cheap watches, replica watches, cheap watches, buy watches, watches">'),
    });
  }

  // Casino: stuffing plus calls to action.
  {
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) lines.push(`<p>Online casino bonus ${rng.int(100, 500)}% free spins casino bonus no deposit casino online slots jackpot casino bonus code BONUS${rng.int(10, 99)}!!!</p>`);
    out.push({ url: 'https://best-online-casino-bonus.test/free-spins-no-deposit', why: 'keyword_stuffing', html: page('en', 'Casino Bonus Free Spins No Deposit Casino', lines.join('\n')) });
  }

  // The same line over and over (Gopher repetition filters catch it).
  {
    const line = '<p>Call now for the best emergency plumber in Harrowgate! Open 24/7, no call-out fee, all work guaranteed.</p>';
    out.push({ url: 'http://harrowgate-plumber-24-7.test/', why: 'repeated_lines', html: page('en', 'Plumber Harrowgate 24/7', Array(45).fill(line).join('\n')) });
  }

  // Theme demo full of lorem ipsum.
  {
    const paras: string[] = [];
    for (let i = 0; i < 9; i++) paras.push(`<p>${rng.sample(LOREM, 4).join(' ')}</p>`);
    out.push({ url: 'https://demo.themeworks.test/magazine-pro/sample-post/', why: 'lorem_ipsum', html: page('en', 'Sample Post – Magazine Pro Theme Demo', `<article><h1>Sample Post With Featured Image</h1>\n${paras.join('\n')}</article>`) });
  }

  // Link farm: hundreds of links, almost no prose.
  {
    const kws = ['best loans', 'fast cash', 'cheap flights', 'weight loss pills', 'seo services', 'buy followers', 'crypto signals', 'payday loans', 'essay writing', 'vpn deals'];
    const links: string[] = [];
    for (let i = 0; i < 220; i++) {
      const k = rng.pick(kws);
      links.push(`<li><a href="http://${k.replace(/ /g, '-')}-${rng.int(1, 999)}.test/">${k} ${rng.int(1, 999)}</a></li>`);
    }
    out.push({ url: 'http://top-web-directory-links.test/category/finance/page-7.html', why: 'link_farm', html: page('en', 'Web Directory – Finance – Page 7', `<h1>Finance Links</h1>\n<ul>\n${links.join('\n')}\n</ul>`) });
  }

  // Very short pages.
  out.push({ url: 'https://newproject-launch.example/', why: 'too_short', html: page('en', 'Coming soon', '<h1>Coming soon</h1>\n<p>Our new website is under construction.</p>') });
  out.push({ url: 'https://kestrelbay-dental.test/contact', why: 'too_short', html: page('en', 'Contact', '<h1>Contact us</h1>\n<p>Tel: 01632 960 123</p>\n<p>Mon–Fri 9–5</p>') });

  // Adult site on a domain that blocklists and URL bad-word filters match; the body is only an age gate.
  out.push({
    url: 'http://xxx-free-porn-videos.test/hot-sex-cams/index.html',
    why: 'adult_url',
    html: page('en', 'Free Videos – Age Verification', '<h1>Age verification</h1>\n<p>This website contains material intended for adults only. You must be 18 years or older to enter. By clicking Enter you confirm that you are of legal age in your country and that you wish to view this content.</p>\n<p><a href="/enter">Enter</a> <a href="https://www.example.com/">Leave</a></p>'),
  });

  // Machine-generated word salad.
  {
    const paras: string[] = [];
    for (let i = 0; i < 7; i++) {
      const w: string[] = [];
      for (let j = 0; j < 60; j++) w.push(rng.pick(SALAD));
      paras.push(`<p>${w.join(' ')}.</p>`);
    }
    out.push({ url: 'https://synergy-insights-blog.test/2024/01/leverage-paradigm-ecosystem', why: 'word_salad', html: page('en', 'Leverage The Paradigm Ecosystem', `<h1>Leverage the paradigm ecosystem</h1>\n${paras.join('\n')}`) });
  }

  // Tag archive: navigation and teasers only, no main content.
  {
    const items: string[] = [];
    for (let i = 0; i < 25; i++) items.push(`<li><a href="/2023/${String(rng.int(1, 12)).padStart(2, '0')}/post-${rng.int(100, 999)}/">Read more</a> <span class="date">2023-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}</span></li>`);
    out.push({ url: 'https://spokeandspanner.example/tag/uncategorized/page/3/', why: 'no_main_content', html: page('en', 'Uncategorized – Page 3', `<nav><a href="/">Home</a> <a href="/articles/">Articles</a></nav>\n<h1>Tag: Uncategorized</h1>\n<ul>${items.join('\n')}</ul>\n<div class="pagination"><a href="/tag/uncategorized/page/2/">« Previous</a> <a href="/tag/uncategorized/page/4/">Next »</a></div>`) });
  }
  return out;
}
