// Dedup quality and speed:
//  1. MinHash estimate vs exact 5-gram Jaccard on generated pairs (0.3–1.0): mean absolute error
//     beside what 112 hashes allow (binomial: E|err| = sqrt(2/π)·sqrt(J(1−J)/112)).
//  2. LSH detection rate per similarity bin beside the theory 1 − (1 − s^8)^14.
//  3. Signature speed on 1,000-word documents: tokenmill (WASM 64-bit permutations) beside a
//     straightforward JS MinHash (32-bit Math.imul permutations over a Uint32Array), same docs, same run.
//  4. Global phases (buckets, cluster) on the ndd collection and on a larger generated corpus,
//     beside an all-pairs comparison of band hashes (what LSH avoids).
//  5. The cluster phase alone on synthetic pairs (0.5M–2M documents): time vs documents + pairs.
// DEDUP_BENCH=estimate|speed|global|cluster runs one part.
import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { words } from '../stages/text/words.ts';
import { MinHasher, MINHASH_DEFAULTS, estimateJaccard } from '../stages/dedup/minhasher.ts';
import { minhash } from '../stages/dedup/minhash.ts';
import { drive, readJsonlDocs } from '../test/stages/dedup/driver.ts';
import { jaccardPairs, mutate, randomDoc, rng, vocabulary } from '../test/stages/dedup/gen.ts';
import type { Doc, GlobalPhase } from '../engine/types.ts';
import { makeTaskContext } from '../engine/context.ts';
import { RecordWriter } from '../stages/dedup/records.ts';
import { WORK_DIR, report, sharedPath, type Row } from './lib.ts';

const K = 112;

/** The straightforward JS MinHash the issue asks to beat: 5-gram strings, FNV-1a, 32-bit affine permutations. */
function naiveMinHash(k: number, seed: number) {
  const r = rng(seed);
  const A = new Uint32Array(k).map(() => (r() * 2 ** 32) | 1);
  const B = new Uint32Array(k).map(() => r() * 2 ** 32);
  return (text: string): Uint32Array => {
    const ws = words(text.toLowerCase());
    const sig = new Uint32Array(k).fill(0xffffffff);
    for (let i = 0; i + 5 <= ws.length; i++) {
      const sh = ws.slice(i, i + 5).join(' ');
      let x = 0x811c9dc5;
      for (let j = 0; j < sh.length; j++) x = Math.imul(x ^ sh.charCodeAt(j), 0x01000193);
      for (let p = 0; p < k; p++) {
        const h = (Math.imul(A[p], x) + B[p]) >>> 0;
        if (h < sig[p]) sig[p] = h;
      }
    }
    return sig;
  };
}

function estimation(): void {
  const h = new MinHasher(MINHASH_DEFAULTS);
  const bands = MINHASH_DEFAULTS.bands;
  const rows = MINHASH_DEFAULTS.rows;
  const pairs = jaccardPairs(2400, 0.25, 1.0, 300, 101);
  const bins = new Map<number, { n: number; j: number; err: number; expErr: number; hit: number; theory: number; naiveErr: number }>();
  const naive = naiveMinHash(K, 5);
  const ba = new Uint32Array(2 * bands);
  const bb = new Uint32Array(2 * bands);
  for (const p of pairs) {
    if (p.j < 0.3) continue;
    const a = h.signature(p.a)!.slice();
    const b = h.signature(p.b)!.slice();
    h.bandHashes(a, ba);
    h.bandHashes(b, bb);
    let hit = 0;
    for (let i = 0; i < bands; i++) if (ba[2 * i] === bb[2 * i] && ba[2 * i + 1] === bb[2 * i + 1]) hit = 1;
    const na = naive(p.a);
    const nb = naive(p.b);
    let eq = 0;
    for (let i = 0; i < K; i++) if (na[i] === nb[i]) eq++;
    const key = Math.min(0.9, Math.floor(p.j * 10) / 10);
    const s = bins.get(key) ?? { n: 0, j: 0, err: 0, expErr: 0, hit: 0, theory: 0, naiveErr: 0 };
    s.n++;
    s.j += p.j;
    s.err += Math.abs(estimateJaccard(a, b) - p.j);
    s.naiveErr += Math.abs(eq / K - p.j);
    s.expErr += Math.sqrt(2 / Math.PI) * Math.sqrt((p.j * (1 - p.j)) / K);
    s.hit += hit;
    s.theory += 1 - Math.pow(1 - Math.pow(p.j, rows), bands);
    bins.set(key, s);
  }
  const est: Row[] = [];
  const lsh: Row[] = [];
  let n = 0;
  let err = 0;
  let naiveErr = 0;
  for (const [key, s] of [...bins].sort((x, y) => x[0] - y[0])) {
    const range = key >= 0.9 ? '0.9–1.0' : `${key.toFixed(1)}–${(key + 0.1).toFixed(1)}`;
    est.push({ jaccard: range, pairs: s.n, 'mean exact J': s.j / s.n, 'tokenmill MAE': s.err / s.n, 'naive JS MAE': s.naiveErr / s.n, 'binomial MAE (112 hashes)': s.expErr / s.n });
    lsh.push({ jaccard: range, pairs: s.n, 'tokenmill detected': s.hit / s.n, 'theory 1-(1-s^8)^14': s.theory / s.n, diff: s.hit / s.n - s.theory / s.n });
    n += s.n;
    err += s.err;
    naiveErr += s.naiveErr;
  }
  report({
    name: 'dedup-estimate',
    title: 'MinHash Jaccard estimate vs exact word-5-gram Jaccard (300-word generated pairs, 112 hashes)',
    rows: est,
    notes: [`overall MAE: tokenmill ${(err / n).toFixed(4)}, naive JS MinHash ${(naiveErr / n).toFixed(4)} over ${n} pairs (target ≈ 0.04)`],
    overallMae: err / n,
  });
  report({
    name: 'dedup-lsh',
    title: 'LSH detection rate (14 bands × 8 rows) vs theory, per exact-Jaccard bin',
    rows: lsh,
    notes: ['theory is averaged over the exact Jaccard of the pairs in each bin'],
  });
}

function speedDocs(): string[] {
  const ndd = sharedPath('data/dedup/ndd_collection_r8_webkb.jsonl');
  let pool: string[];
  if (ndd) {
    pool = readFileSync(ndd, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => (JSON.parse(l) as { text: string }).text.split(/\s+/).filter(Boolean));
  } else {
    const r = rng(1);
    pool = randomDoc(r, vocabulary(20000), 200000);
  }
  const docs: string[] = [];
  const r = rng(2);
  for (let i = 0; i < 600; i++) {
    const start = Math.floor(r() * (pool.length - 1000));
    docs.push(pool.slice(start, start + 1000).join(' '));
  }
  return docs;
}

function speed(): void {
  const docs = speedDocs();
  const h = new MinHasher(MINHASH_DEFAULTS);
  const bandsOut = new Uint32Array(2 * MINHASH_DEFAULTS.bands);
  const naive = naiveMinHash(K, 5);
  const ours = () => {
    for (const d of docs) h.bandHashes(h.signature(d)!, bandsOut);
  };
  const theirs = () => {
    for (const d of docs) naive(d);
  };
  // Interleave rounds so both see the same machine load; keep the best round of each.
  let tOurs = Infinity;
  let tNaive = Infinity;
  ours();
  theirs();
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    ours();
    tOurs = Math.min(tOurs, performance.now() - t);
    t = performance.now();
    theirs();
    tNaive = Math.min(tNaive, performance.now() - t);
  }
  const rOurs = (docs.length / tOurs) * 1000;
  const rNaive = (docs.length / tNaive) * 1000;
  report({
    name: 'dedup-speed',
    title: `MinHash signatures, 1,000-word documents (${docs.length} docs, one core, best of 5 interleaved rounds)`,
    rows: [
      { implementation: 'tokenmill (normalise + words() + 64-bit WASM permutations + band hashes)', 'docs/s': Math.round(rOurs), 'vs naive': rOurs / rNaive },
      { implementation: 'naive JS MinHash (5-gram strings, FNV-1a, Math.imul over Uint32Array)', 'docs/s': Math.round(rNaive), 'vs naive': 1 },
    ],
    notes: ['targets: ≥ 5,000 docs/s per core and ≥ 2× the naive JS MinHash', `machine: ${os.cpus().length} cores (shared), ${os.cpus()[0]?.model}`],
  });
}

/** A generated corpus: `n` 300-word documents, ~15% of them near-copies (edit rate 0–10%) of earlier ones. */
function genCorpus(n: number): Doc[] {
  const r = rng(9);
  const vocab = vocabulary(30000, 4);
  const texts: string[][] = [];
  const docs: Doc[] = [];
  for (let i = 0; i < n; i++) {
    const w = i > 10 && r() < 0.15 ? mutate(r, texts[Math.floor(r() * texts.length)], vocab, r() * 0.1) : randomDoc(r, vocab, 300);
    texts.push(w);
    docs.push({ id: `g${i}`, text: w.join(' '), metadata: { source: 'gen', offset: i } });
  }
  return docs;
}

async function global(): Promise<void> {
  const rows: Row[] = [];
  const sets: Array<[string, Doc[]]> = [];
  const ndd = sharedPath('data/dedup/ndd_collection_r8_webkb.jsonl');
  if (ndd) sets.push(['ndd collection (2,000 docs)', readJsonlDocs(ndd, 'doc_id')]);
  sets.push(['generated (20,000 docs)', genCorpus(20000)]);
  for (const [label, docs] of sets) {
    console.error(`dedup-global: ${label}…`);
    const dir = join(WORK_DIR, 'dedup-global');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const res = await drive(minhash(), docs, dir, 4);
    const own = ['minhash-signatures', 'minhash-buckets', 'minhash-cluster', 'minhash-filter'].map((n) => res.ms.get(n) ?? NaN);
    const pairs = res.stats.get('minhash-buckets')?.counters.minhash_pairs ?? 0;
    const removed = res.stats.get('minhash-filter')?.dropped.minhash_duplicate ?? 0;

    // Baseline: every pair of documents compared on its 14 band hashes (what a naive global phase does).
    const h = new MinHasher(MINHASH_DEFAULTS);
    const B = MINHASH_DEFAULTS.bands;
    const bh = new Uint32Array(docs.length * 2 * B);
    docs.forEach((d, i) => {
      const s = h.signature(d.text);
      if (s) h.bandHashes(s, bh.subarray(i * 2 * B, (i + 1) * 2 * B));
    });
    let t = performance.now();
    let cand = 0;
    for (let i = 0; i < docs.length; i++) {
      for (let j = i + 1; j < docs.length; j++) {
        for (let b = 0; b < 2 * B; b += 2) {
          if (bh[i * 2 * B + b] === bh[j * 2 * B + b] && bh[i * 2 * B + b + 1] === bh[j * 2 * B + b + 1]) {
            cand++;
            break;
          }
        }
      }
    }
    const allPairsMs = performance.now() - t;
    rows.push({
      corpus: label,
      'signatures ms': Math.round(own[0]),
      'buckets ms (14 tasks)': Math.round(own[1]),
      'cluster ms': Math.round(own[2]),
      'filter ms': Math.round(own[3]),
      'LSH pairs': pairs,
      removed,
      'all-pairs band compare ms': Math.round(allPairsMs),
      'all-pairs candidates': cand,
      'global phases vs all-pairs': allPairsMs / (own[1] + own[2]),
    });
    rmSync(dir, { recursive: true, force: true });
  }
  report({
    name: 'dedup-global',
    title: 'MinHash global phases (4 doc tasks, run in-process one after the other) beside an all-pairs band comparison',
    rows,
    notes: [
      'buckets = 14 independent tasks (one per band; the engine runs them on all cores), cluster = one union-find task; times here are sequential sums',
      'all-pairs grows with documents²; the LSH phases grow with documents + pairs',
    ],
  });
}

/** The cluster phase alone on synthetic pair files: its time grows with documents + pairs. */
async function clusterScale(): Promise<void> {
  const rows: Row[] = [];
  for (const [N, P] of [[500_000, 1_500_000], [1_000_000, 3_000_000], [2_000_000, 6_000_000]]) {
    const dir = join(WORK_DIR, 'dedup-cluster');
    rmSync(dir, { recursive: true, force: true });
    const base = join(dir, 'dedup/minhash');
    for (const sub of ['tasks', 'keys', 'pairs']) mkdirSync(join(base, sub), { recursive: true });
    writeFileSync(join(base, 'tasks/00000.json'), JSON.stringify({ rank: 0, docs: N, runs: 1, sources: ['s'] }));
    const keys = new RecordWriter(join(base, 'keys/00000.bin'), 7);
    for (let i = 0; i < N; i++) keys.write(0x80000000, 0, 0, 0, i, Math.imul(i, 0x9e3779b1) >>> 0, i);
    keys.close();
    const r = rng(3);
    for (let b = 0; b < 14; b++) {
      const w = new RecordWriter(join(base, `pairs/${String(b).padStart(3, '0')}.bin`), 4);
      for (let i = 0; i < P / 14; i++) {
        const a = Math.floor((r() * N) / 4) * 4; // clusters of up to 4 consecutive documents
        w.write(0, a, 0, a + 1 + Math.floor(r() * 3));
      }
      w.close();
    }
    const phase = minhash().expand!()[2] as GlobalPhase;
    const ctx = makeTaskContext({ runDir: dir, rank: 0, tasks: 1, docTasks: 1, log: { info() {}, warn() {} } });
    const t = performance.now();
    await phase.run(ctx);
    const ms = performance.now() - t;
    ctx.commit();
    rows.push({ documents: N, pairs: P, clusters: ctx.stageStats.counters.minhash_clusters, 'cluster ms': Math.round(ms), 'M pairs/s': P / ms / 1000 });
    rmSync(dir, { recursive: true, force: true });
  }
  report({
    name: 'dedup-cluster',
    title: 'minhash-cluster alone (typed-array union-find, one task) on synthetic pairs',
    rows,
    notes: ['linear in documents + pairs; 4 bytes of RAM per document'],
  });
}

export default async function run(): Promise<void> {
  const only = process.env.DEDUP_BENCH; // e.g. DEDUP_BENCH=global to run one part
  if (!only || only === 'estimate') estimation();
  if (!only || only === 'speed') speed();
  if (!only || only === 'global') await global();
  if (!only || only === 'cluster') await clusterScale();
}
