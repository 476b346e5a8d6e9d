// Mergeable stats: counters, fixed-bin histograms and bottom-k samples. Merging is a pure function,
// so per-task files can be combined in any order and give the same stats.json.
import type { Doc, Histogram, SampleDoc, StageStats, StatsSink } from './types.ts';
import { topkMerge } from './topk.ts';

export const SAMPLE_K = 8;
const SAMPLE_TEXT_CHARS = 2000;
const HIST_BINS = 160; // quarter-octave bins up to 2^40

export function emptyHistogram(): Histogram {
  return { kind: 'log2q', bins: [], count: 0, sum: 0, min: Infinity, max: -Infinity };
}

export function histBin(value: number): number {
  const v = Math.max(0, value);
  return Math.min(HIST_BINS - 1, Math.floor(4 * Math.log2(v + 1)));
}

/** Lower edge of a bin (inverse of histBin). */
export function histBinLow(bin: number): number {
  return Math.pow(2, bin / 4) - 1;
}

export function observe(h: Histogram, value: number): void {
  const b = histBin(value);
  while (h.bins.length <= b) h.bins.push(0);
  h.bins[b]++;
  h.count++;
  h.sum += value;
  if (value < h.min) h.min = value;
  if (value > h.max) h.max = value;
}

export function mergeHistogram(a: Histogram, b: Histogram): Histogram {
  const bins = new Array(Math.max(a.bins.length, b.bins.length)).fill(0);
  a.bins.forEach((v, i) => (bins[i] += v));
  b.bins.forEach((v, i) => (bins[i] += v));
  return { kind: 'log2q', bins, count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** Approximate quantile from a histogram (bin midpoint, geometric). */
export function histQuantile(h: Histogram, q: number): number {
  if (h.count === 0) return 0;
  const target = q * h.count;
  let acc = 0;
  for (let i = 0; i < h.bins.length; i++) {
    acc += h.bins[i];
    if (acc >= target) return Math.max(h.min, Math.min(h.max, (histBinLow(i) + histBinLow(i + 1)) / 2));
  }
  return h.max;
}

/** 32-bit FNV-1a of a string: a cheap, stable sampling priority. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Keep the k samples of lowest priority (ties by id): the same set whatever the merge order. */
export function pushSample(list: SampleDoc[], s: SampleDoc, k = SAMPLE_K): void {
  if (!wouldSample(list, s.priority, s.id, k)) return;
  list.push(s);
  list.sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (list.length > k) list.length = k;
}

/** Would a sample with this priority/id enter the list? (Checked before building it: the hot path.) */
export function wouldSample(list: SampleDoc[], priority: number, id: string, k = SAMPLE_K): boolean {
  if (list.length < k) return true;
  const worst = list[list.length - 1];
  return priority < worst.priority || (priority === worst.priority && id < worst.id);
}

export function sampleOf(doc: Doc, task: number, reason?: string, priority = hash32(doc.id)): SampleDoc {
  const text = doc.text.length > SAMPLE_TEXT_CHARS ? doc.text.slice(0, SAMPLE_TEXT_CHARS) + '…' : doc.text;
  const s: SampleDoc = { id: doc.id, priority, text, task };
  if (doc.metadata.url) s.url = doc.metadata.url;
  if (reason !== undefined) s.reason = reason;
  return s;
}

export function emptyStageStats(name: string): StageStats {
  return {
    name,
    docsIn: 0,
    docsOut: 0,
    charsIn: 0,
    charsOut: 0,
    timeMs: 0,
    dropped: {},
    counters: {},
    histograms: {},
    samples: { kept: [], dropped: [] },
  };
}

/** A StatsSink writing into one StageStats. */
export function sinkFor(stats: StageStats): StatsSink {
  return {
    count(key, n = 1) {
      stats.counters[key] = (stats.counters[key] ?? 0) + n;
    },
    observe(key, value) {
      observe((stats.histograms[key] ??= emptyHistogram()), value);
    },
  };
}

function addRecord(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function mergeStageStats(a: StageStats, b: StageStats): StageStats {
  const out = structuredClone(a);
  out.docsIn += b.docsIn;
  out.docsOut += b.docsOut;
  out.charsIn += b.charsIn;
  out.charsOut += b.charsOut;
  if (b.tokensIn !== undefined) out.tokensIn = (out.tokensIn ?? 0) + b.tokensIn;
  if (b.tokensOut !== undefined) out.tokensOut = (out.tokensOut ?? 0) + b.tokensOut;
  out.timeMs += b.timeMs;
  addRecord(out.dropped, b.dropped);
  addRecord(out.counters, b.counters);
  for (const [k, h] of Object.entries(b.histograms)) {
    out.histograms[k] = out.histograms[k] ? mergeHistogram(out.histograms[k], h) : structuredClone(h);
  }
  for (const [k, t] of Object.entries(b.topk ?? {})) {
    out.topk ??= {};
    out.topk[k] = out.topk[k] ? topkMerge(out.topk[k], t) : structuredClone(t);
  }
  for (const s of b.samples.kept) pushSample(out.samples.kept, s);
  for (const s of b.samples.dropped) pushSample(out.samples.dropped, s);
  return out;
}

/** JSON cannot hold Infinity: an empty histogram's min/max are written as null and read back here. */
export function reviveStats<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (k, v) => ((k === 'min' && v === null) ? Infinity : (k === 'max' && v === null) ? -Infinity : v));
}
