// Compose article pages from slot templates (see content/types.ts for the slot syntax).
import type { LangPack, Topic } from '../content/types.ts';
import type { Rng } from './rng.ts';

export interface Block {
  tag: 'p' | 'h2';
  text: string;
}

export interface Article {
  lang: string;
  topic: string;
  title: string;
  author: string;
  /** YYYY-MM-DD */
  date: string;
  blocks: Block[];
  tags: string[];
}

/** Slots that name a page's subject (its town, project, tool…): one value per page, like `{@key}`. */
const PAGE_KEYS = new Set(['city', 'project', 'tool', 'file', 'ridge', 'piece', 'shower', 'target', 'ville', 'stadt', 'ciudad', 'gorod', 'machi', 'chengshi']);

/** Slot values in order of occurrence, so a near-duplicate can replay them with some redrawn. */
export type FillLog = string[];

export class Filler {
  private pageVars = new Map<string, string>();
  readonly log: FillLog = [];
  private replayAt = 0;

  constructor(
    private rng: Rng,
    private vocab: Record<string, string[]>,
    private replay?: { log: FillLog; redraw: number },
  ) {}

  fill(tpl: string): string {
    return tpl.replace(/\{([@#]?)([^}]+)\}/g, (_m, mod: string, key: string) => {
      const fresh = this.draw(mod, key);
      let v = fresh;
      if (this.replay && this.replayAt < this.replay.log.length) {
        const old = this.replay.log[this.replayAt++];
        if (!this.rng.chance(this.replay.redraw)) v = old;
      }
      if (mod === '@' || PAGE_KEYS.has(key)) this.pageVars.set(key, v);
      this.log.push(v);
      return v;
    });
  }

  private draw(mod: string, key: string): string {
    if (mod === '#') {
      const m = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(key);
      if (!m) throw new Error(`bad number slot {#${key}}`);
      const step = Number(m[3] ?? 1);
      return String(Number(m[1]) + step * this.rng.int(0, Math.floor((Number(m[2]) - Number(m[1])) / step)));
    }
    if ((mod === '@' || PAGE_KEYS.has(key)) && this.pageVars.has(key)) return this.pageVars.get(key)!;
    const list = this.vocab[key];
    if (!list) throw new Error(`no vocabulary for slot {${mod}${key}}`);
    return this.rng.pick(list);
  }
}

export interface Plan {
  lang: string;
  topic: string;
  title: string;
  author: string;
  date: string;
  /** Paragraph templates and headings, in page order. */
  parts: Block[];
  tags: string[];
}

/**
 * Choose title, headings and paragraph templates for one page: `counts[i]` paragraphs of
 * `topics[i]`. The first topic is the page's subject; later ones follow under their own heading
 * (a blog post that moves on to a related subject). `roundup` gives every topic a heading.
 */
export function planArticle(rng: Rng, pack: LangPack, topics: Topic[], counts: number[], date: string, roundup = false): Plan {
  const parts: Block[] = [];
  topics.forEach((t, i) => {
    // Keep the pool's order (paragraphs are written roughly in narrative order: intro first).
    const paras = rng
      .sample(t.paragraphs, Math.min(counts[i], t.paragraphs.length))
      .sort((a, b) => t.paragraphs.indexOf(a) - t.paragraphs.indexOf(b));
    const headings = rng.shuffle(t.headings);
    if (roundup || i > 0) parts.push({ tag: 'h2', text: rng.pick(t.titles) });
    paras.forEach((p, j) => {
      if (!roundup && i === 0 && j > 0 && j % 2 === 0 && headings.length) parts.push({ tag: 'h2', text: headings.pop()! });
      parts.push({ tag: 'p', text: p });
    });
  });
  return {
    lang: pack.lang,
    topic: topics.map((t) => t.id).join('+'),
    title: rng.pick(topics[0].titles),
    author: rng.pick(pack.authors),
    date,
    parts,
    tags: topics.map((t) => t.id),
  };
}

export function vocabFor(pack: LangPack, topics: Topic[]): Record<string, string[]> {
  const v: Record<string, string[]> = { ...pack.vocab };
  for (const t of topics) Object.assign(v, t.vocab ?? {});
  return v;
}

export function realise(plan: Plan, filler: Filler): Article {
  const title = filler.fill(plan.title);
  const blocks = plan.parts.map((b) => ({ tag: b.tag, text: filler.fill(b.text) }));
  return { lang: plan.lang, topic: plan.topic, title, author: plan.author, date: plan.date, blocks, tags: plan.tags };
}

/** The text a main-content extractor should find: title, headings and paragraphs. */
export function articleText(a: Pick<Article, 'title' | 'blocks'>): string {
  return [a.title, ...a.blocks.map((b) => b.text)].join('\n\n');
}
