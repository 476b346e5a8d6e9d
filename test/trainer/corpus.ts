// Real text for trainer tests: the article bodies of ../shared/data/html_extraction, GPT-2 BPE encoded
// (gpt-tokenizer), then re-indexed into a small vocabulary (most frequent ids first, rare ids → UNK)
// so tiny models train in seconds. Documents are separated by an EOS id.
import { readFileSync } from 'node:fs';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// (not test/shared.ts: this module is also used by the parity-fixture script outside vitest)
const shared = (rel: string) => join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', rel);

export const CORPUS_REL = 'data/html_extraction/ground-truth.json';

export interface Corpus {
  train: Int32Array;
  val: Int32Array;
  vocabSize: number;
  eosId: number;
  unkId: number;
  /** Compact id → GPT-2 id (−1 for EOS/UNK). */
  toGpt2: Int32Array;
}

/** `paragraphs`: every paragraph is its own document (many boundaries per row, for doc masking). */
export function loadCorpus(vocabSize: number, opts: { paragraphs?: boolean } = {}): Corpus {
  const gt = JSON.parse(readFileSync(shared(CORPUS_REL), 'utf8')) as Record<string, { articleBody: string }>;
  const texts = Object.keys(gt).sort().map((k) => gt[k].articleBody);
  const units = opts.paragraphs ? texts.flatMap((t) => t.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) : texts;
  const docs = units.map((t) => encode(t));
  const freq = new Map<number, number>();
  for (const d of docs) for (const t of d) freq.set(t, (freq.get(t) ?? 0) + 1);
  const top = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, vocabSize - 2).map((e) => e[0]);
  const eosId = 0, unkId = 1;
  const map = new Map<number, number>(top.map((t, i) => [t, i + 2]));
  const toGpt2 = new Int32Array(vocabSize).fill(-1);
  for (const [g, c] of map) toGpt2[c] = g;
  const enc = (ds: number[][]) => {
    const out: number[] = [];
    for (const d of ds) {
      for (const t of d) out.push(map.get(t) ?? unkId);
      out.push(eosId);
    }
    return Int32Array.from(out);
  };
  const nVal = Math.max(1, Math.floor(docs.length / 10));
  return { train: enc(docs.slice(nVal)), val: enc(docs.slice(0, nVal)), vocabSize, eosId, unkId, toGpt2 };
}
