// Word (pre-token) counting for BPE training, with bounded memory, and its on-disk format.
//
// Memory bound: when a counter holds more than `maxWords` distinct words it prunes: it drops every
// word seen fewer than `threshold` times (threshold starts at 2 and doubles until at most half of
// maxWords remain). Dropped counts are lost, so rare words are under-counted (as in lossy counting);
// frequent words, which decide the merges, are exact unless they first appear after many prunes.
// `pruned` reports how many word occurrences were dropped, so the loss is visible in the stats.
import { readFileSync } from 'node:fs';
import { compilePattern } from './patterns.ts';
import { scannerFor } from './tokenizer.ts';

export class WordCounter {
  readonly counts = new Map<string, number>();
  /** Occurrences dropped by pruning. */
  pruned = 0;
  /** Word occurrences and bytes (UTF-16 units) counted. */
  words = 0;
  chars = 0;
  private re: RegExp;
  private scan?: (s: string, i: number) => number;

  constructor(
    pattern: string,
    readonly maxWords = 4_000_000,
  ) {
    this.re = compilePattern(pattern);
    this.scan = scannerFor(pattern);
  }

  /** Count the pre-tokens of text. */
  add(text: string): void {
    const re = this.re;
    const counts = this.counts;
    let n = 0;
    const scan = this.scan;
    if (scan) {
      for (let i = 0; i < text.length; ) {
        const e = scan(text, i);
        const w = text.slice(i, e);
        counts.set(w, (counts.get(w) ?? 0) + 1);
        n++;
        i = e;
      }
      this.words += n;
      this.chars += text.length;
      if (counts.size > this.maxWords) this.prune();
      return;
    }
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const w = m[0];
      counts.set(w, (counts.get(w) ?? 0) + 1);
      n++;
    }
    this.words += n;
    this.chars += text.length;
    if (counts.size > this.maxWords) this.prune();
  }

  /** Add another counter's (or a file's) counts. */
  merge(entries: Iterable<[string, number]>): void {
    const counts = this.counts;
    for (const [w, c] of entries) counts.set(w, (counts.get(w) ?? 0) + c);
    if (counts.size > this.maxWords) this.prune();
  }

  prune(): void {
    let threshold = 2;
    while (this.counts.size > this.maxWords / 2) {
      for (const [w, c] of this.counts) {
        if (c < threshold) {
          this.counts.delete(w);
          this.pruned += c;
        }
      }
      threshold *= 2;
    }
  }
}

const MAGIC = 'TMWC1\n';

/** Serialise counts: magic, then per word: count (f64 LE), byte length (u32 LE), UTF-8 bytes. Sorted by word for stable files. */
export function encodeCounts(counts: Map<string, number>, pruned = 0): Buffer {
  const words = [...counts.keys()].sort();
  const parts: Buffer[] = [];
  const head = Buffer.alloc(MAGIC.length + 12);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(words.length, MAGIC.length);
  head.writeDoubleLE(pruned, MAGIC.length + 4);
  parts.push(head);
  let chunk = Buffer.alloc(1 << 20);
  let at = 0;
  for (const w of words) {
    const need = 12 + w.length * 3;
    if (at + need > chunk.length) {
      parts.push(chunk.subarray(0, at));
      chunk = Buffer.alloc(Math.max(1 << 20, need));
      at = 0;
    }
    chunk.writeDoubleLE(counts.get(w)!, at);
    const len = chunk.write(w, at + 12, 'utf8');
    chunk.writeUInt32LE(len, at + 8);
    at += 12 + len;
  }
  parts.push(chunk.subarray(0, at));
  return Buffer.concat(parts);
}

export function decodeCounts(buf: Buffer, what = 'counts'): { entries: Array<[string, number]>; pruned: number } {
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${what}: not a tokenmill word-count file`);
  const n = buf.readUInt32LE(MAGIC.length);
  const pruned = buf.readDoubleLE(MAGIC.length + 4);
  const entries: Array<[string, number]> = new Array(n);
  let at = MAGIC.length + 12;
  for (let i = 0; i < n; i++) {
    if (at + 12 > buf.length) throw new Error(`${what}: truncated at word ${i} of ${n}`);
    const c = buf.readDoubleLE(at);
    const len = buf.readUInt32LE(at + 8);
    entries[i] = [buf.toString('utf8', at + 12, at + 12 + len), c];
    at += 12 + len;
  }
  return { entries, pruned };
}

export function readCounts(path: string): { entries: Array<[string, number]>; pruned: number } {
  return decodeCounts(readFileSync(path), path);
}
