// Word (pre-token) counting for BPE training, with bounded memory, and its on-disk format.
//
// Memory bound: when a counter holds more than `maxWords` distinct words it prunes: it drops every
// word seen fewer than `threshold` times (threshold starts at 2 and doubles until at most half of
// maxWords remain). Dropped counts are lost, so rare words are under-counted (as in lossy counting);
// frequent words, which decide the merges, are exact unless they first appear after many prunes.
// `pruned` reports how many word occurrences were dropped, so the loss is visible in the stats.
// Words live in a WordTable (typed arrays, ~30 bytes + 2 per code unit each): 4M words ≈ 170 MB.
import { compilePattern } from './patterns.ts';
import { scannerFor } from './scanner.ts';
import { HASH_START, hashStep, WordTable } from './word-table.ts';

export class WordCounter {
  table = new WordTable();
  /** Occurrences dropped by pruning. */
  pruned = 0;
  /** Word occurrences and characters (UTF-16 units) counted. */
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

  /** Distinct words held. */
  get size(): number {
    return this.table.size;
  }

  /** Count of one word (0 if absent or pruned). */
  get(word: string): number {
    return this.table.get(word);
  }

  /** Count the pre-tokens of text. */
  add(text: string): void {
    const table = this.table;
    let n = 0;
    const scan = this.scan;
    if (scan) {
      let sc = table.scratch;
      for (let i = 0; i < text.length; ) {
        const e = scan(text, i);
        const len = e - i;
        if (len > sc.length) sc = table.reserve(len);
        // Hash while copying into the table's scratch: no substring is made.
        let h = HASH_START;
        for (let k = 0; k < len; k++) {
          const u = text.charCodeAt(i + k);
          sc[k] = u;
          h = hashStep(h, u);
        }
        table.add(len, h, 1);
        n++;
        i = e;
      }
    } else {
      const re = this.re;
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        table.addString(m[0], 1);
        n++;
      }
    }
    this.words += n;
    this.chars += text.length;
    if (table.size > this.maxWords) this.prune();
  }

  /** Add the counts of a count file (see encodeCounts). */
  addCounts(buf: Uint8Array, what = 'counts'): void {
    this.pruned += readCountsInto(this.table, buf, what);
    if (this.table.size > this.maxWords) this.prune();
  }

  prune(): void {
    this.pruned += this.table.prune(this.maxWords / 2);
  }

  /** Hand over the table (for training) and start an empty one, so the caller's counter no longer keeps it alive. */
  release(): WordTable {
    const t = this.table;
    this.table = new WordTable();
    return t;
  }

  /** The counts as a count file. */
  encode(): Buffer {
    return encodeCounts(this.table, this.pruned);
  }
}

const MAGIC = 'TMWC1\n';

/** Serialise counts: magic, then per word: count (f64 LE), byte length (u32 LE), UTF-8 bytes. Sorted by word for stable files. */
export function encodeCounts(table: WordTable, pruned = 0): Buffer {
  const order = table.sortedOrder();
  let bytes = MAGIC.length + 12;
  for (let i = 0; i < order.length; i++) bytes += 12 + table.utf8Length(order[i]);
  const out = Buffer.allocUnsafe(bytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(order.length, MAGIC.length);
  out.writeDoubleLE(pruned, MAGIC.length + 4);
  let at = MAGIC.length + 12;
  for (let i = 0; i < order.length; i++) {
    const x = order[i];
    out.writeDoubleLE(table.count[x], at);
    const end = table.writeUtf8(x, out, at + 12);
    out.writeUInt32LE(end - at - 12, at + 8);
    at = end;
  }
  return out;
}

/** Add a count file's words to table; returns its pruned count. */
export function readCountsInto(table: WordTable, buf: Uint8Array, what = 'counts'): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error(`${what}: not a tokenmill word-count file`);
  const n = b.readUInt32LE(MAGIC.length);
  const pruned = b.readDoubleLE(MAGIC.length + 4);
  let at = MAGIC.length + 12;
  for (let i = 0; i < n; i++) {
    if (at + 12 > b.length) throw new Error(`${what}: truncated at word ${i} of ${n}`);
    const c = b.readDoubleLE(at);
    const len = b.readUInt32LE(at + 8);
    if (at + 12 + len > b.length) throw new Error(`${what}: truncated at word ${i} of ${n}`);
    table.addUtf8(b, at + 12, at + 12 + len, c);
    at += 12 + len;
  }
  return pruned;
}

export function decodeCounts(buf: Uint8Array, what = 'counts'): { table: WordTable; pruned: number } {
  const table = new WordTable();
  const pruned = readCountsInto(table, buf, what);
  return { table, pruned };
}
