// URL filter with datatrove's URLFilter rules and reasons: blocked registered domain ("domain"),
// blocked host or parent subdomain ("subdomain"), blocked URL ("url"), a banned word among the
// URL's words ("hard_blacklisted"), ≥ softWordThreshold soft-banned words ("soft_blacklisted"), a
// banned substring of the normalised URL ("blacklisted_subword"). Block lists are read from files
// in the UT1 format (a category folder with `domains` and `urls` files, one entry per line); small
// default lists are built in.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { check, defineFilter } from '../../engine/stage.ts';
import type { Doc, TaskContext } from '../../engine/types.ts';
import { assetList, readList } from './lists.ts';

export const urlFilterDefaults = {
  /** UT1 category folders (e.g. ".../blacklists/adult"), each with a `domains` and/or `urls` file. */
  blocklistDirs: [] as string[],
  /** More domain / URL list files (UT1 format). */
  domainsFiles: [] as string[],
  urlsFiles: [] as string[],
  /** Word list files (one word per line). */
  bannedWordsFiles: [] as string[],
  softBannedWordsFiles: [] as string[],
  bannedSubwordsFiles: [] as string[],
  /** Inline additions. */
  extraDomains: [] as string[],
  extraUrls: [] as string[],
  bannedWords: [] as string[],
  softBannedWords: [] as string[],
  bannedSubwords: [] as string[],
  /** Include the small built-in lists (stages/filters/assets/url-*.txt). */
  useIntegratedLists: true,
  softWordThreshold: 2,
  /** Documents without metadata.url: drop them ("missing_url") instead of keeping them. */
  dropMissingUrl: false,
};
export type UrlFilterOptions = typeof urlFilterDefaults;

const NON_ALNUM = /[^a-zA-Z0-9]+/;
const normalize = (s: string) => s.replace(/[^a-zA-Z0-9]+/g, '').toLowerCase();

/** Second-level labels under which registrations happen (co.uk, com.au …): a small public-suffix stand-in. */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch', 'nom', 'info', 'biz']);

export interface UrlLists {
  domains: Set<string>;
  urls: Set<string>;
  bannedWords: Set<string>;
  softBannedWords: Set<string>;
  /** Banned subwords joined into one regex (a stand-in for datatrove's Aho-Corasick automaton). */
  subwords: RegExp | null;
}

export function buildUrlLists(o: UrlFilterOptions): UrlLists {
  const domains: string[] = [...o.extraDomains];
  const urls: string[] = [...o.extraUrls];
  for (const dir of o.blocklistDirs) {
    const d = join(dir, 'domains');
    const u = join(dir, 'urls');
    if (existsSync(d)) domains.push(...readList(d, 'url-filter'));
    if (existsSync(u)) urls.push(...readList(u, 'url-filter'));
  }
  for (const f of o.domainsFiles) domains.push(...readList(f, 'url-filter'));
  for (const f of o.urlsFiles) urls.push(...readList(f, 'url-filter'));
  const words = (inline: string[], files: string[], asset: string) => {
    const all = [...inline];
    for (const f of files) all.push(...readList(f, 'url-filter'));
    if (o.useIntegratedLists) all.push(...assetList(asset));
    return new Set(all.map(normalize).filter((w) => w !== ''));
  };
  if (o.useIntegratedLists) domains.push(...assetList('url-domains.txt'));
  const subwords = [...words(o.bannedSubwords, o.bannedSubwordsFiles, 'url-banned-subwords.txt')];
  return {
    domains: new Set(domains.map((d) => d.toLowerCase().replace(/^www\./, ''))),
    urls: new Set(urls.map((u) => u.toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/^www\./, ''))),
    bannedWords: words(o.bannedWords, o.bannedWordsFiles, 'url-banned-words.txt'),
    softBannedWords: words(o.softBannedWords, o.softBannedWordsFiles, 'url-soft-banned-words.txt'),
    subwords: subwords.length ? new RegExp(subwords.sort((a, b) => b.length - a.length).join('|')) : null,
  };
}

/** Host, registered domain (approximate public suffix) and scheme-less URL of a URL string. */
export function parseUrl(url: string): { host: string; registered: string; bare: string } | null {
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  const labels = host.split('.');
  let take = 2;
  if (labels.length >= 3 && labels[labels.length - 1].length === 2 && SECOND_LEVEL.has(labels[labels.length - 2])) take = 3;
  const registered = labels.slice(-take).join('.');
  const bare = (host.replace(/^www\./, '') + u.pathname + u.search).toLowerCase();
  return { host, registered, bare };
}

export function urlFilter(url: string, lists: UrlLists, o: UrlFilterOptions): true | string {
  const p = parseUrl(url);
  if (p) {
    if (lists.domains.has(p.registered)) return 'domain';
    // the host and every parent below the registered domain (UT1 lists blogs.example.com-style hosts)
    for (let h = p.host; h.length > p.registered.length; h = h.slice(h.indexOf('.') + 1)) {
      if (lists.domains.has(h) || lists.domains.has(h.replace(/^www\./, ''))) return 'subdomain';
    }
    if (lists.urls.has(p.bare) || lists.urls.has(p.bare.replace(/\/$/, ''))) return 'url';
  }
  if (lists.urls.has(url)) return 'url';
  // datatrove splits the URL as given; we lowercase first so "PORN" and "porn" are the same word
  const urlWords = url.toLowerCase().split(NON_ALNUM);
  for (const w of urlWords) if (lists.bannedWords.has(w)) return 'hard_blacklisted';
  // distinct soft-banned words (datatrove counts a set): a repeat is skipped, no Set built per URL
  let soft = 0;
  for (let k = 0; k < urlWords.length; k++) if (lists.softBannedWords.has(urlWords[k]) && urlWords.indexOf(urlWords[k]) === k) soft++;
  if (soft >= o.softWordThreshold) return 'soft_blacklisted';
  if (lists.subwords && lists.subwords.test(normalize(url))) return 'blacklisted_subword';
  return true;
}

export const urlFilterStage = defineFilter({
  name: 'url-filter',
  defaults: urlFilterDefaults,
  validate(o) {
    check(Number.isInteger(o.softWordThreshold) && o.softWordThreshold > 0, 'url-filter', 'softWordThreshold', 'must be a positive integer');
    for (const dir of o.blocklistDirs) {
      check(existsSync(join(dir, 'domains')) || existsSync(join(dir, 'urls')), 'url-filter', 'blocklistDirs', `entry ${dir} has neither a "domains" nor a "urls" file (UT1 format)`);
    }
  },
  setup: (o) => buildUrlLists(o),
  filter(doc: Doc, o, lists, ctx: TaskContext) {
    const url = doc.metadata.url;
    if (typeof url !== 'string' || url === '') {
      ctx.stats.count('missing_url');
      return o.dropMissingUrl ? 'missing_url' : true;
    }
    return urlFilter(url, lists, o);
  },
});
