// Shapes of the hand-written text the sample generator composes pages from.
//
// Paragraphs are templates: `{key}` draws a fresh value from the vocabulary list `key` at each
// occurrence, `{@key}` draws once per page (a page keeps its city, its author's friend…), and
// `{#a-b}` is an integer in [a, b] (`{#a-b/s}`: in steps of s, e.g. for Russian noun agreement). The slots are what keep two pages that share a paragraph from
// sharing most of its 5-gram shingles, so the sample has no accidental near-duplicates.

export interface Topic {
  id: string;
  /** Title templates. */
  titles: string[];
  /** Section headings (used by longer pages). */
  headings: string[];
  paragraphs: string[];
  vocab?: Record<string, string[]>;
}

/** Boilerplate strings of a site template, in the site's language. */
export interface Ui {
  home: string;
  nav: string[];
  search: string;
  cookie: string;
  accept: string;
  reject: string;
  share: string;
  related: string;
  comments: string;
  leaveComment: string;
  newsletter: string;
  footer: string;
  rights: string;
  by: string;
  published: string;
  minutes: string;
  tags: string;
}

export interface LangPack {
  lang: string;
  vocab: Record<string, string[]>;
  topics: Topic[];
  /** Reader comments shown under articles (outside the article element). */
  comments: string[];
  commenters: string[];
  authors: string[];
  ui: Ui;
}
