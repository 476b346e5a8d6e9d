// Generates the embedded sample WARC that `pnpm pipeline commoncrawl` runs on by default:
//   pnpm exec tsx datasets/sample/make-sample.ts [outDir]
// writes <outDir>/commoncrawl-sample.warc.gz and <outDir>/MANIFEST.json (default: this folder).
// Deterministic: fixed dates and a seeded RNG, so two runs give byte-identical files.
// See README.md in this folder for what the sample contains.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import type { LangPack, Topic } from './content/types.ts';
import { EN } from './content/en.ts';
import { FR } from './content/fr.ts';
import { DE } from './content/de.ts';
import { ES } from './content/es.ts';
import { RU } from './content/ru.ts';
import { JA } from './content/ja.ts';
import { ZH } from './content/zh.ts';
import { Rng } from './lib/rng.ts';
import { Filler, planArticle, realise, vocabFor, articleText, type Article, type Plan, type FillLog } from './lib/compose.ts';
import { renderArticle, type Site, type Style, type Comment, type Link } from './lib/html.ts';
import { spamPages } from './lib/spam.ts';
import { shingles, jaccard, editedFraction } from './lib/similarity.ts';
import { words } from '../../stages/text/words.ts';
import { gzipRecord, warcinfo, request, response, metadata, type Exchange } from './lib/warc.ts';

export const WARC_NAME = 'commoncrawl-sample.warc.gz';
const SEED = 20240221;
/** Article pages must stay below this 5-gram Jaccard with every other article page. */
const MAX_UNRELATED_J = 0.25;
/** Near-duplicates are kept within this band of their original. */
const NEAR_BAND: [number, number] = [0.5, 0.9];
/** …and have this fraction of their words edited (1 − LCS / length). */
const NEAR_EDITED: [number, number] = [0.05, 0.15];
const PACKS: Record<string, LangPack> = { en: EN, fr: FR, de: DE, es: ES, ru: RU, ja: JA, zh: ZH };

type Kind = string;

interface Page {
  url: string;
  lang: string;
  kind: Kind;
  status: number;
  contentType: string;
  /** Charset declared in the HTTP Content-Type header ('' = none declared there). */
  headerCharset: string;
  /** Encoding of the payload bytes. */
  encoding: 'utf-8' | 'shift_jis' | 'windows-1251' | 'binary';
  site?: Site;
  article?: Article;
  plan?: Plan;
  fillLog?: FillLog;
  sh?: Set<string>;
  html?: string;
  body?: Uint8Array;
  extraHeaders?: [string, string][];
  /** Render with this page's HTML (exact copies served on a second URL). */
  sameHtmlAs?: Page;
  style?: Style;
  jaccard?: number;
  edit?: string;
  why?: string;
  original?: Page;
}

function site(host: string, name: string, pack: LangPack, style: Style, tagline: string, server = 'nginx'): Site {
  return { host, name, lang: pack.lang, style, ui: pack.ui, server, tagline };
}

// Sites per topic (first one hosts the topic); hosts are invented, on reserved TLDs.
const SITES: Record<string, Site> = {
  baking: site('crumbandcrust.example', 'Crumb & Crust', EN, 'blog', 'Bread, baking and the occasional disaster', 'Apache/2.4.57 (Debian)'),
  kitchen: site('crumbandcrust.example', 'Crumb & Crust', EN, 'blog', 'Bread, baking and the occasional disaster', 'Apache/2.4.57 (Debian)'),
  cycling: site('spokeandspanner.example', 'Spoke & Spanner', EN, 'blog', 'Everyday cycling and running', 'nginx/1.24.0'),
  running: site('spokeandspanner.example', 'Spoke & Spanner', EN, 'blog', 'Everyday cycling and running', 'nginx/1.24.0'),
  garden: site('plotnotes.test', 'Plot Notes', EN, 'blog', 'An allotment diary', 'LiteSpeed'),
  docs: site('docs.buildtools-handbook.example', 'Build Tools Handbook', EN, 'docs', 'Documentation for the tools we maintain', 'cloudflare'),
  finance: site('ledgerandlamp.example', 'Ledger & Lamp', EN, 'blog', 'Plain-spoken household money', 'nginx'),
  hiking: site('fellsandfolds.test', 'Fells & Folds', EN, 'blog', 'Walking, rail journeys and slow travel', 'Apache'),
  rail: site('fellsandfolds.test', 'Fells & Folds', EN, 'blog', 'Walking, rail journeys and slow travel', 'Apache'),
  photo: site('grainandlight.example', 'Grain and Light', EN, 'blog', 'Notes on photography', 'nginx/1.22.1'),
  coffee: site('slowpour.example', 'Slow Pour', EN, 'blog', 'Coffee at home', 'openresty'),
  council: site('harrowgate-courier.test', 'The Harrowgate Courier', EN, 'news', 'Local news since 1891', 'Varnish'),
  astronomy: site('darkskynotes.example', 'Dark Sky Notes', EN, 'blog', 'Amateur astronomy from a small town', 'nginx'),
  woodwork: site('benchandchisel.example', 'Bench & Chisel', EN, 'blog', 'Hand-tool woodworking', 'Apache/2.4.58 (Ubuntu)'),
  roundup: site('weekendreads.example', 'Weekend Reads', EN, 'news', 'The best of the week, every Saturday', 'cloudflare'),
  cuisine: site('carnet-de-cuisine.example', 'Carnet de cuisine', FR, 'blog', 'Recettes du quotidien', 'Apache'),
  velo: site('roue-libre.test', 'Roue Libre', FR, 'blog', 'Le vélo au quotidien', 'nginx'),
  lecture: site('carnet-de-cuisine.example', 'Carnet de cuisine', FR, 'blog', 'Recettes du quotidien', 'Apache'),
  bahn: site('wanderpfade.example', 'Wanderpfade', DE, 'blog', 'Touren und Tipps', 'nginx'),
  cocina: site('huertourbano.example', 'Huerto Urbano', ES, 'blog', 'Cultivar en la ciudad', 'nginx'),
  pohod: site('dacha-zametki.example', 'Дачные заметки', RU, 'blog', 'Огород, сад и отдых', 'nginx'),
  tetsudou: site('sanpo-michi.test', '散歩みち', JA, 'blog', '近所を歩く', 'nginx'),
  yuedu: site('manxing-ji.test', '慢行记', ZH, 'blog', '慢慢走，慢慢看', 'Tengine'),
  wandern: site('wanderpfade.example', 'Wanderpfade', DE, 'blog', 'Touren und Tipps', 'nginx'),
  heimwerken: site('werkbank-blog.test', 'Werkbank', DE, 'blog', 'Selbstgebaut statt gekauft', 'Apache'),
  huerto: site('huertourbano.example', 'Huerto Urbano', ES, 'blog', 'Cultivar en la ciudad', 'nginx'),
  viaje: site('trenesyviajes.test', 'Trenes y Viajes', ES, 'news', 'Viajar despacio', 'LiteSpeed'),
  dacha: site('dacha-zametki.example', 'Дачные заметки', RU, 'blog', 'Огород, сад и отдых', 'nginx'),
  gorod: site('gorodskie-novosti.test', 'Городские новости', RU, 'news', 'Жизнь нашего города', 'nginx'),
  ryouri: site('daidokoro-nikki.example', '台所日記', JA, 'blog', '毎日のごはん', 'Apache'),
  sanpo: site('sanpo-michi.test', '散歩みち', JA, 'blog', '近所を歩く', 'nginx'),
  jiachangcai: site('jiachang-shiguang.example', '家常时光', ZH, 'blog', '好好吃饭', 'nginx'),
  lvxing: site('manxing-ji.test', '慢行记', ZH, 'blog', '慢慢走，慢慢看', 'Tengine'),
};
const MIRROR = site('dailyreads-aggregator.test', 'DailyReads', EN, 'news', 'Stories from around the web', 'nginx');
const SYNDICATE = site('thecommonplace.test', 'The Commonplace', EN, 'news', 'Essays and practical writing', 'nginx');

/** Short editor's notes that make a republished copy differ as one block. */
const NOTES: Record<string, string[]> = {
  en: [
    'Editor’s note: this piece first appeared on the author’s own site and has been lightly edited for length. We have updated a few of the figures, which readers had pointed out were out of date, and added a short note at the end.',
    'Update: since this post went up, a number of readers have written in with their own experiences. Several of them disagreed with one of the recommendations above, and their arguments were good enough that I have changed my mind on it.',
    'A short postscript, added a few months later: everything above still holds, with one exception that I describe below. Thank you to everyone who left a comment or sent a message about it.',
  ],
  fr: ['Note de la rédaction : cet article a d’abord été publié sur le blog de l’auteur et a été légèrement raccourci. Quelques chiffres ont été mis à jour à la demande de nos lecteurs.'],
  de: ['Hinweis der Redaktion: Dieser Beitrag erschien zuerst im Blog des Autors und wurde für diese Veröffentlichung leicht gekürzt. Einige Angaben haben wir auf Hinweis unserer Leserinnen und Leser aktualisiert.'],
  es: ['Nota de la redacción: este artículo se publicó primero en el blog de la autora y ha sido ligeramente editado. Hemos actualizado algunas cifras a petición de nuestros lectores.'],
};

function slug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 70);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function randomDate(rng: Rng): string {
  const y = rng.pick([2022, 2023, 2023, 2024]);
  const m = y === 2024 ? rng.int(1, 2) : rng.int(1, 12);
  return `${y}-${pad(m)}-${pad(rng.int(1, 28))}`;
}

function articleUrl(s: Site, a: Article, id: number): string {
  const sl = slug(a.title);
  const [y, m] = a.date.split('-');
  if (s.style === 'docs') return `https://${s.host}/docs/${sl || id}/`;
  if (s.style === 'news') return `https://${s.host}/${a.tags[0]}/${sl ? `${sl}-${100000 + id * 37}` : `${100000 + id * 37}.html`}`;
  if (!sl || sl.length < 12) return `https://${s.host}/archives/${1000 + id * 13}.html`;
  return `https://${s.host}/${y}/${m}/${sl}/`;
}

interface Spec {
  topics: Topic[];
  counts: number[];
  roundup?: boolean;
}

/** Build one article page, drawing specs until the page is unrelated to every accepted one. */
function makeArticle(rng: Rng, pack: LangPack, spec: (r: Rng) => Spec, accepted: Page[], id: number, s: Site, tries = 60): Page | null {
  for (let attempt = 0; attempt < tries; attempt++) {
    const { topics, counts, roundup } = spec(rng);
    const plan = planArticle(rng, pack, topics, counts, randomDate(rng), roundup);
    const filler = new Filler(rng, vocabFor(pack, topics));
    const art = realise(plan, filler);
    const sh = shingles(articleText(art));
    if (accepted.some((p) => jaccard(p.sh!, sh) >= MAX_UNRELATED_J)) continue;
    if (accepted.some((p) => p.article!.title === art.title)) continue;
    return { url: articleUrl(s, art, id), lang: pack.lang, kind: 'article', status: 200, contentType: 'text/html', headerCharset: 'UTF-8', encoding: 'utf-8', site: s, article: art, plan, fillLog: filler.log, sh };
  }
  return null;
}

/** Related English topics a post may move on to (same site family). */
const EN_FAMILY: Record<string, string[]> = {
  baking: ['kitchen', 'coffee'], kitchen: ['baking', 'garden', 'finance'], cycling: ['running', 'rail', 'hiking'], running: ['cycling', 'hiking'],
  garden: ['kitchen', 'woodwork'], docs: [], finance: ['kitchen'], hiking: ['rail', 'photo', 'astronomy', 'running'], rail: ['hiking', 'photo'],
  photo: ['hiking', 'astronomy', 'rail'], coffee: ['baking', 'kitchen'], council: [], astronomy: ['photo', 'hiking'], woodwork: ['garden'],
};

export interface ManifestRecord {
  uri: string;
  recordId: string;
  requestId: string;
  metadataId: string;
  /** Byte offset and length of the response record's gzip member in the .warc.gz. */
  offset: number;
  length: number;
  language: string;
  kind: string;
  status: number;
  contentType: string;
  charset: string | null;
  title?: string;
  words?: number;
  /** near_dup_of: 5-gram Jaccard with the original (as the generator measured it). */
  jaccard?: number;
  /** near_dup_of: chance that MinHash-LSH with datatrove's 14 bands × 8 rows pairs it with the original. */
  pMinhash14x8?: number;
  edit?: string;
}

export interface Manifest {
  file: string;
  generator: string;
  seed: number;
  warcinfo: { recordId: string; offset: number; length: number };
  counts: Record<string, number>;
  records: ManifestRecord[];
}

/** zlib stream of stored (uncompressed) blocks: the bytes do not depend on the host's zlib. */
function storedZlib(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from([0x78, 0x01])];
  for (let at = 0; at < data.length || at === 0; at += 65535) {
    const block = data.subarray(at, at + 65535);
    const last = at + 65535 >= data.length ? 1 : 0;
    const h = Buffer.alloc(5);
    h[0] = last;
    h.writeUInt16LE(block.length, 1);
    h.writeUInt16LE(~block.length & 0xffff, 3);
    parts.push(h, block);
    if (last) break;
  }
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  parts.push(adler);
  return Buffer.concat(parts);
}

function tinyPng(rng: Rng): Uint8Array {
  const w = 16;
  const h = 16;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) raw[y * (w * 3 + 1) + 1 + x] = (x * 9 + y * 13 + rng.int(0, 20)) & 255;
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', storedZlib(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function tinyPdf(): Uint8Array {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = 'BT /F1 18 Tf 72 770 Td (Monthly budget template) Tj 0 -30 Td /F1 12 Tf (Income, fixed costs, savings, spending.) Tj ET';
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

const CLD2: Record<string, [string, string]> = { en: ['eng', 'ENGLISH'], fr: ['fra', 'FRENCH'], de: ['deu', 'GERMAN'], es: ['spa', 'SPANISH'], ru: ['rus', 'RUSSIAN'], ja: ['jpn', 'Japanese'], zh: ['zho', 'Chinese'] };

export async function makeSample(outDir: string): Promise<Manifest> {
  const rng = new Rng(SEED);
  const articles: Page[] = [];
  let nextId = 1;

  // 1. Unrelated article pages. Long roundups first (they need the most unused text), then per
  //    topic pages that may move on to a related topic, until a topic has no room left.
  const topicOf = (pack: LangPack, id: string) => pack.topics.find((t) => t.id === id)!;
  {
    const r = rng.fork('roundups');
    for (let i = 0; i < 9; i++) {
      const long = i < 3;
      const p = makeArticle(r, EN, (rr) => {
        const ts = rr.sample(EN.topics, long ? 4 : 3);
        return { topics: ts, counts: ts.map(() => (long ? rr.int(4, 5) : rr.int(3, 4))), roundup: true };
      }, articles, nextId++, SITES.roundup);
      if (!p) continue;
      p.article!.title = `Weekend reads: ${p.article!.title.charAt(0).toLowerCase()}${p.article!.title.slice(1)}, and more`;
      p.url = articleUrl(SITES.roundup, p.article!, nextId);
      articles.push(p);
    }
  }
  const build = (pack: LangPack, perTopic: number, spec: (t: Topic) => (r: Rng) => Spec) => {
    const r = rng.fork(`articles-${pack.lang}`);
    const made = new Map<string, number>();
    for (let round = 0; round < perTopic; round++) {
      for (const t of pack.topics) {
        if ((made.get(t.id) ?? 0) < round) continue; // this topic ran out of room
        const p = makeArticle(r, pack, spec(t), articles, nextId++, SITES[t.id]);
        if (p) {
          articles.push(p);
          made.set(t.id, (made.get(t.id) ?? 0) + 1);
        }
      }
    }
  };
  build(EN, 8, (t) => (r) => {
    const fam = EN_FAMILY[t.id];
    if (!fam.length) return { topics: [t], counts: [r.int(4, 5)] };
    return { topics: [t, topicOf(EN, r.pick(fam))], counts: [r.int(4, 5), 2] };
  });
  for (const pack of [FR, DE, ES, RU, JA, ZH]) {
    const short = pack === RU ? 1 : 0; // Russian paragraphs are shorter
    build(pack, 4, (t) => (r) => ({ topics: [t, r.pick(pack.topics.filter((x) => x !== t))], counts: [r.int(3, 4) + short, r.int(2, 3) + short] }));
  }

  // 2. Legacy charsets: one Russian page in windows-1251 (declared only in <meta http-equiv>),
  //    one Japanese page in Shift_JIS (declared in the HTTP header and the meta tag).
  for (const [pack, topic, enc] of [[RU, RU.topics[1], 'windows-1251'], [JA, JA.topics[0], 'shift_jis']] as const) {
    const p = makeArticle(rng.fork(`legacy-${enc}`), pack, (r) => ({ topics: [topic], counts: [r.int(3, 4)] }), articles, nextId++, SITES[topic.id], 400);
    if (!p) throw new Error(`could not make a ${enc} page`);
    p.kind = 'legacy_charset';
    p.encoding = enc;
    p.headerCharset = enc === 'shift_jis' ? 'Shift_JIS' : '';
    articles.push(p);
  }

  // 3. Exact duplicates: same article text on another URL.
  const dr = rng.fork('exact');
  const plain = articles.filter((p) => p.kind === 'article' && !p.url.includes('weekendreads'));
  const enPlain = plain.filter((p) => p.lang === 'en');
  const exactOrig = [...dr.sample(enPlain, 8), dr.pick(plain.filter((p) => p.lang === 'ru')), dr.pick(plain.filter((p) => p.lang === 'ja'))];
  const modes = ['mirror', 'mirror', 'mirror', 'mirror', 'utm', 'utm', 'http', 'www', 'utm', 'print'];
  const exact: Page[] = exactOrig.map((o, i) => {
    const mode = modes[i];
    const u = new URL(o.url);
    const base = { ...o, kind: `exact_dup_of:${o.url}`, original: o, edit: mode, sh: undefined };
    if (mode === 'mirror') return { ...base, site: MIRROR, url: `https://${MIRROR.host}/story/${slug(o.article!.title) || 'story'}-${dr.int(10000, 99999)}` };
    if (mode === 'print') return { ...base, style: 'print' as Style, url: `${u.origin}/print${u.pathname}` };
    if (mode === 'utm') return { ...base, sameHtmlAs: o, url: `${o.url}?utm_source=newsletter&utm_medium=email&utm_campaign=${dr.pick(['weekly', 'digest', 'spring'])}` };
    if (mode === 'http') return { ...base, sameHtmlAs: o, url: o.url.replace('https://', 'http://') };
    return { ...base, sameHtmlAs: o, url: o.url.replace('https://', 'https://www.') };
  });

  // 4. Near duplicates: the same article re-filled with some slots redrawn (updated figures),
  //    plus an editor's note added or a paragraph dropped; kept within NEAR_BAND.
  const nr = rng.fork('near');
  const used = new Set(exactOrig);
  const nearCandidates = plain.filter((p) => !used.has(p) && NOTES[p.lang]);
  const nearOrig = [...nr.sample(nearCandidates.filter((p) => p.lang === 'en'), 8), ...['fr', 'de', 'es'].map((l) => nr.pick(nearCandidates.filter((p) => p.lang === l)))];
  const near: Page[] = [];
  nearOrig.forEach((o, gi) => {
    const copies = gi < 3 ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const pack = PACKS[o.lang];
      let made: Page | null = null;
      for (let attempt = 0; attempt < 60 && !made; attempt++) {
        const redraw = nr.pick([0.1, 0.2, 0.3, 0.5]);
        const style = nr.pick(['note', 'drop', 'slots']);
        const filler = new Filler(nr, vocabFor(pack, pack.topics.filter((t) => o.article!.tags.includes(t.id))), { log: o.fillLog!, redraw });
        const art = realise(o.plan!, filler);
        if (style === 'note') art.blocks.push({ tag: 'p', text: nr.pick(NOTES[o.lang]) });
        if (style === 'drop') {
          const ps = art.blocks.map((b, i) => (b.tag === 'p' ? i : -1)).filter((i) => i > 0);
          art.blocks.splice(nr.pick(ps), 1);
        }
        const sh = shingles(articleText(art));
        const j = jaccard(o.sh!, sh);
        if (j < NEAR_BAND[0] || j > NEAR_BAND[1]) continue;
        const edited = editedFraction(articleText(o.article!), articleText(art));
        if (edited < NEAR_EDITED[0] || edited > NEAR_EDITED[1]) continue;
        // Copies of one original must also stay near each other, and far from everything else.
        if (articles.some((p) => p !== o && jaccard(p.sh!, sh) >= MAX_UNRELATED_J)) continue;
        const s = c === 0 && o.lang === 'en' ? SYNDICATE : o.site!;
        const url = s === SYNDICATE ? `https://${s.host}/essays/${slug(art.title)}-${nr.int(1000, 9999)}/` : `${new URL(o.url).origin}/republished/${nr.int(100, 999)}/${slug(art.title) || nr.int(1000, 9999)}/`;
        made = { ...o, url, site: s, article: art, sh, kind: `near_dup_of:${o.url}`, original: o, jaccard: Math.round(j * 1000) / 1000, edit: `${style}; ${Math.round(redraw * 100)}% of slots redrawn; ${(edited * 100).toFixed(1)}% of words edited` };
      }
      if (made) near.push(made);
    }
  });

  // 5. Spam, non-HTML, non-200, corrupt.
  const spam: Page[] = spamPages(rng.fork('spam')).map((s) => ({ url: s.url, lang: 'en', kind: `spam:${s.why}`, status: 200, contentType: 'text/html', headerCharset: 'UTF-8', encoding: 'utf-8', html: s.html, why: s.why }));
  const nonHtml: Page[] = [
    { url: 'https://grainandlight.example/wp-content/uploads/2023/11/header-16x16.png', lang: 'und', kind: 'non_html', status: 200, contentType: 'image/png', headerCharset: '', encoding: 'binary', body: tinyPng(rng.fork('png')) },
    { url: 'https://ledgerandlamp.example/files/monthly-budget-template.pdf', lang: 'en', kind: 'non_html', status: 200, contentType: 'application/pdf', headerCharset: '', encoding: 'binary', body: tinyPdf() },
  ];
  const non200: Page[] = [
    {
      url: 'https://grainandlight.example/old-gallery/2019/', lang: 'en', kind: 'non_200:404', status: 404, contentType: 'text/html', headerCharset: 'UTF-8', encoding: 'utf-8',
      html: '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found | Grain and Light</title></head>\n<body><h1>Page not found</h1><p>Sorry, the page you were looking for has moved or no longer exists. Try the search box or go back to the <a href="/">home page</a>.</p></body></html>\n',
    },
    {
      url: 'http://slowpour.example/brew-guide', lang: 'en', kind: 'non_200:301', status: 301, contentType: 'text/html', headerCharset: 'iso-8859-1', encoding: 'utf-8',
      html: '<html><head><title>301 Moved Permanently</title></head><body><h1>Moved Permanently</h1><p>The document has moved <a href="https://slowpour.example/guides/brew/">here</a>.</p></body></html>\n',
      extraHeaders: [['Location', 'https://slowpour.example/guides/brew/']],
    },
  ];
  let corrupt: Page | null = null;
  {
    const r = rng.fork('corrupt');
    const t = EN.topics.find((x) => x.id === 'garden')!;
    corrupt = makeArticle(r, EN, () => ({ topics: [t], counts: [5] }), [], nextId++, SITES.garden);
    if (!corrupt) throw new Error('could not make the corrupt page');
    corrupt.kind = 'corrupt';
  }

  // 6. Order: originals shuffled; each copy lands somewhere after its original; corrupt in the middle.
  const or = rng.fork('order');
  const order: Page[] = or.shuffle([...articles, ...spam, ...nonHtml, ...non200]);
  for (const d of [...exact, ...near]) {
    const at = order.indexOf(d.original!);
    order.splice(or.int(at + 1, order.length), 0, d);
  }
  order.splice(Math.floor(order.length / 2), 0, corrupt);

  // Related links: other pages of the same site (boilerplate that differs per page).
  const bySite = new Map<string, Page[]>();
  for (const p of order) if (p.site && p.article) bySite.set(p.site.host, [...(bySite.get(p.site.host) ?? []), p]);
  const cr = rng.fork('comments');
  const renderPage = (p: Page): string => {
    if (p.html) return p.html;
    if (p.sameHtmlAs) return renderPage(p.sameHtmlAs);
    const s = p.style ? { ...p.site!, style: p.style } : p.site!;
    const pack = PACKS[p.lang];
    const rel: Link[] = cr
      .sample((bySite.get(s.host) ?? []).filter((q) => q !== p), cr.int(3, 6))
      .map((q) => ({ title: q.article!.title, url: q.url }));
    const comments: Comment[] = s.style === 'docs' ? [] : Array.from({ length: cr.int(0, 5) }, () => ({ who: cr.pick(pack.commenters), when: randomDate(cr), text: cr.pick(pack.comments) }));
    const charset = p.encoding === 'shift_jis' ? 'Shift_JIS' : 'utf-8';
    const html = renderArticle(s, p.article!, {
      url: p.original ? p.original.url : p.url,
      related: rel,
      comments,
      charset,
      httpEquivCharset: p.encoding === 'windows-1251' ? 'windows-1251' : undefined,
    });
    p.html = html;
    return html;
  };

  // 7. Write the WARC.
  const wr = rng.fork('warc');
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    const o = offset;
    offset += b.length;
    return { offset: o, length: b.length };
  };
  const warcinfoId = wr.uuid();
  const start = Date.UTC(2024, 1, 21, 4, 12, 7);
  const info = push(
    await gzipRecord(
      warcinfo(warcinfoId, new Date(start).toISOString().replace('.000', ''), WARC_NAME, [
        ['isPartOf', 'tokenmill-sample'],
        ['publisher', 'tokenmill (synthetic sample in Common Crawl layout; all sites and text are invented)'],
        ['description', 'Embedded sample crawl for tests and the default pipeline run'],
        ['operator', 'tokenmill developers'],
        ['hostname', 'sample-crawler-01.test'],
        ['software', 'datasets/sample/make-sample.ts (warcio.js writer)'],
        ['robots', 'classic'],
        ['format', 'WARC File Format 1.0'],
        ['conformsTo', 'http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf'],
      ]),
    ),
  );
  const ips = new Map<string, string>();
  const records: ManifestRecord[] = [];
  let t = start;
  for (const p of order) {
    t += wr.int(1, 40) * 1000;
    const date = new Date(t).toISOString().replace('.000', '');
    const host = new URL(p.url).host;
    if (!ips.has(host)) ips.set(host, `${wr.pick(['192.0.2', '198.51.100', '203.0.113'])}.${wr.int(2, 254)}`);
    let payload: Uint8Array;
    if (p.body) payload = p.body;
    else {
      const html = renderPage(p);
      if (p.encoding === 'utf-8') payload = Buffer.from(html, 'utf8');
      else {
        // Characters the legacy charset lacks become numeric character references, as such sites do.
        const enc = p.encoding;
        const fit = Array.from(html, (ch) => (iconv.decode(iconv.encode(ch, enc), enc) === ch ? ch : `&#${ch.codePointAt(0)};`)).join('');
        payload = iconv.encode(fit, enc);
        if (iconv.decode(Buffer.from(payload), enc) !== fit) throw new Error(`${p.url}: text not representable in ${enc}`);
      }
    }
    const ct = p.headerCharset ? `${p.contentType}; charset=${p.headerCharset}` : p.contentType;
    const reason: Record<number, string> = { 200: 'OK', 301: 'Moved Permanently', 404: 'Not Found' };
    const headers: [string, string][] = [
      ['Date', httpDate(date)],
      ['Server', p.site?.server ?? wr.pick(['nginx', 'Apache', 'cloudflare'])],
      ['Content-Type', ct],
    ];
    if (p.status === 200 && wr.chance(0.5)) headers.push(['X-Crawler-Content-Encoding', 'gzip']);
    headers.push(['Content-Length', String(payload.length)]);
    if (wr.chance(0.4)) headers.push(['Last-Modified', httpDate(new Date(t - wr.int(1, 400) * 86400000).toISOString())]);
    headers.push(['Vary', 'Accept-Encoding'], ['Cache-Control', wr.pick(['max-age=600', 'no-cache', 'public, max-age=3600'])]);
    if (p.url.startsWith('https') && wr.chance(0.5)) headers.push(['Strict-Transport-Security', 'max-age=31536000']);
    headers.push(...(p.extraHeaders ?? []));
    const x: Exchange = {
      url: p.url,
      date,
      ip: ips.get(host)!,
      warcinfoId,
      requestId: wr.uuid(),
      responseId: wr.uuid(),
      metadataId: wr.uuid(),
      statusline: `HTTP/1.1 ${p.status} ${reason[p.status]}`,
      httpHeaders: headers,
      payload,
      metadata: [
        ['fetchTimeMs', String(wr.int(40, 1900))],
        ...(p.encoding === 'binary' ? [] : ([['charset-detected', p.encoding === 'utf-8' ? 'UTF-8' : p.encoding === 'shift_jis' ? 'Shift_JIS' : 'windows-1251']] as [string, string][])),
        ...(p.lang in CLD2 && p.encoding !== 'binary'
          ? ([['languages-cld2', JSON.stringify({ reliable: true, 'text-bytes': payload.length, languages: [{ code: p.lang, 'code-iso-639-3': CLD2[p.lang][0], 'text-covered': 0.96, score: 980.0, name: CLD2[p.lang][1] }] })]] as [string, string][])
          : []),
      ],
    };
    push(await gzipRecord(request(x)));
    let member = await gzipRecord(response(x, p.contentType));
    if (p.kind === 'corrupt') member = corruptMember(member);
    const pos = push(member);
    push(await gzipRecord(metadata(x)));
    const text = p.article ? articleText(p.article) : undefined;
    records.push({
      uri: p.url,
      recordId: `<urn:uuid:${x.responseId}>`,
      requestId: `<urn:uuid:${x.requestId}>`,
      metadataId: `<urn:uuid:${x.metadataId}>`,
      offset: pos.offset,
      length: pos.length,
      language: p.lang,
      kind: p.kind,
      status: p.status,
      contentType: p.contentType,
      charset: p.encoding === 'binary' ? null : p.encoding,
      ...(p.article ? { title: p.article.title, words: words(text!).length } : {}),
      ...(p.jaccard !== undefined ? { jaccard: p.jaccard, pMinhash14x8: Math.round((1 - (1 - p.jaccard ** 8) ** 14) * 1000) / 1000 } : {}),
      ...(p.edit ? { edit: p.edit } : {}),
    });
  }

  const counts: Record<string, number> = {};
  for (const r of records) {
    const k = r.kind.split(':')[0];
    counts[k] = (counts[k] ?? 0) + 1;
    counts[`lang:${r.language}`] = (counts[`lang:${r.language}`] ?? 0) + 1;
  }
  counts.pages = records.length;
  const manifest: Manifest = {
    file: WARC_NAME,
    generator: 'datasets/sample/make-sample.ts',
    seed: SEED,
    warcinfo: { recordId: `<urn:uuid:${warcinfoId}>`, ...info },
    counts: Object.fromEntries(Object.entries(counts).sort()),
    records,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, WARC_NAME), Buffer.concat(chunks));
  writeFileSync(join(outDir, 'MANIFEST.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/**
 * Damage a record's gzip member so that it cannot be decompressed: a run of bytes in the middle of
 * the deflate stream is inverted, at a place where inflating fails (not just the CRC check). The
 * member keeps its length and gzip header, and no gzip magic appears inside it, so a resilient
 * reader resyncs exactly at the next member.
 */
function corruptMember(member: Uint8Array): Uint8Array {
  const b = Buffer.from(member);
  for (let at = Math.floor(b.length / 2); at < b.length - 40; at += 7) {
    const c = Buffer.from(b);
    for (let i = at; i < at + 24; i++) c[i] ^= 0xff;
    // Unreadable for every inflater, not only for those that check the gzip CRC: the deflate
    // stream itself must fail (pako's gzip header is 10 bytes: no name, no extra fields).
    const fails = (f: () => unknown) => {
      try {
        f();
        return false;
      } catch {
        return true;
      }
    };
    if (fails(() => zlib.gunzipSync(c)) && fails(() => zlib.inflateRawSync(c.subarray(10))) && c.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 1) < 0) return c;
  }
  throw new Error('could not corrupt the member deterministically');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
  const m = await makeSample(outDir);
  console.log(`${join(outDir, WARC_NAME)}: ${m.records.length} pages`, m.counts);
}
