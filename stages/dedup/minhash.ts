// MinHash-LSH near-duplicate removal as four steps the engine separates with barriers:
//   minhash-signatures (per doc task)  signatures → one sorted file per band (+ priority keys)
//   minhash-buckets    (one task/band) k-way merge of the band's files from every task → pairs
//   minhash-cluster    (one task)      union-find over all pairs → kept document per cluster
//   minhash-filter     (per doc task)  drops the others (reason "minhash_duplicate")
// Documents are named by (doc task, index in that task): the engine replays each task's documents
// in the same order after a barrier. The kept document of a cluster is the one with the smallest
// priority key (source, offset, id — or longest/newest/a metadata field first), so the result does
// not depend on the number of tasks. Files on disk (under `dir`, default dedup/minhash):
//   tasks/NNNNN.json            manifest: doc count, runs, source table
//   keys/NNNNN.bin              7 words per document: priority key
//   bands/BBB/NNNNN.bin         3 words [band hash hi, lo, index], sorted by hash (runs of
//                               `runDocs` documents are spilled and merged into it)
//   pairs/BBB.bin               4 words [task a, index a, task b, index b]
//   clusters/NNNNN.bin          7 words [index, kept, cluster size, cluster id hi, lo, id hash hi, lo]
import type { Doc, DocProcessor, GlobalPhase, PipelineStep, Stage, TaskContext } from '../../engine/types.ts';
import { check, resolveOptions } from '../../engine/stage.ts';
import { MinHasher, type MinHashConfig } from './minhasher.ts';
import { PartitionedSorter, RecordReader, RecordWriter, mergeSorted } from './records.ts';
import {
  KEEP_RULES, KEY_WORDS, alignmentError, compareKeys, hex64, makeKeyer, pad5, readManifest, readManifests, sourceRanks, writeManifest,
  type KeepRule, type TaskManifest,
} from './common.ts';

export interface MinHashOptions extends MinHashConfig {
  [key: string]: unknown;
  /** Which document of a cluster is kept: input order, the longest text, or the newest `date`. */
  keep: KeepRule;
  /** Numeric metadata field: the highest value is kept (overrides `keep`; ties by input order). */
  priorityField: string;
  /** Add `minhash_cluster` (id) and `minhash_cluster_size` to documents that belong to a cluster. */
  clusterMetadata: boolean;
  /** Documents per sorted run (bounds memory of the signature stage: ~12 bytes × bands per doc). */
  runDocs: number;
  /** Side-output folder under the run directory. */
  dir: string;
}

export const MINHASH_OPTIONS: MinHashOptions = {
  bands: 14,
  rows: 8,
  ngram: 5,
  shingle: 'word',
  seed: 1,
  keep: 'first',
  priorityField: '',
  clusterMetadata: false,
  runDocs: 250_000,
  dir: 'dedup/minhash',
};

const BAND_W = 3;
const PAIR_W = 4;
const CLUSTER_W = 7;
const pad3 = (n: number) => String(n).padStart(3, '0');
const bandRun = (dir: string, band: number, rank: number, run: number) => `${dir}/bands/${pad3(band)}/${pad5(rank)}-run${pad5(run)}.bin`;
const bandFile = (dir: string, band: number, rank: number) => `${dir}/bands/${pad3(band)}/${pad5(rank)}.bin`;
const keysPath = (dir: string, rank: number) => `${dir}/keys/${pad5(rank)}.bin`;
const pairsPath = (dir: string, band: number) => `${dir}/pairs/${pad3(band)}.bin`;
const clustersPath = (dir: string, rank: number) => `${dir}/clusters/${pad5(rank)}.bin`;

function validate(o: MinHashOptions): void {
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  check(int(o.bands, 1), 'minhash', 'bands', 'must be a positive integer');
  check(int(o.rows, 1), 'minhash', 'rows', 'must be a positive integer');
  check(int(o.ngram, 1), 'minhash', 'ngram', 'must be a positive integer');
  check(int(o.runDocs, 1), 'minhash', 'runDocs', 'must be a positive integer');
  check(Number.isInteger(o.seed), 'minhash', 'seed', 'must be an integer');
  check(o.shingle === 'word' || o.shingle === 'char', 'minhash', 'shingle', 'must be "word" or "char"');
  check(KEEP_RULES.includes(o.keep), 'minhash', 'keep', `must be one of ${KEEP_RULES.join(', ')}`);
  check(o.dir.length > 0 && !o.dir.startsWith('/') && !o.dir.includes('..'), 'minhash', 'dir', 'must be a relative folder inside the run directory');
}

// ---------------------------------------------------------------------------------------------

function signaturesStage(o: MinHashOptions): Stage<MinHashOptions> {
  return {
    kind: 'stage',
    name: 'minhash-signatures',
    options: o,
    async open(ctx: TaskContext): Promise<DocProcessor> {
      const hasher = new MinHasher(o);
      const keyer = await makeKeyer(o.keep, o.priorityField);
      const keys = new RecordWriter(ctx.output(keysPath(o.dir, ctx.rank)), KEY_WORDS);
      const keyBuf = new Uint32Array(KEY_WORDS);
      const sorter = new PartitionedSorter(
        o.bands,
        BAND_W,
        o.runDocs * o.bands,
        (b, run) => ctx.output(bandRun(o.dir, b, ctx.rank, run)),
        (b) => ctx.output(bandFile(o.dir, b, ctx.rank)),
      );
      const bandHashes = new Uint32Array(2 * o.bands);
      const rec = new Uint32Array(BAND_W);
      let docs = 0;
      return {
        process(doc: Doc) {
          const idx = docs++;
          keyer.key(doc, keyBuf);
          keys.push(keyBuf);
          // Never throw here: a document the engine dropped as a stage error would shift the
          // indices the filter phase relies on. Such a document is kept, without a signature.
          let sig: Uint32Array | null = null;
          try {
            sig = hasher.signature(typeof doc.text === 'string' ? doc.text : '');
          } catch (e) {
            ctx.stats.count('minhash_errors');
            ctx.log.warn(`minhash-signatures: document ${doc.id}: ${(e as Error).message}; kept without a signature`);
            return doc;
          }
          if (!sig) {
            ctx.stats.count('minhash_no_words');
            return doc;
          }
          hasher.bandHashes(sig, bandHashes);
          rec[2] = idx;
          for (let b = 0; b < o.bands; b++) {
            rec[0] = bandHashes[2 * b];
            rec[1] = bandHashes[2 * b + 1];
            sorter.push(b, rec);
          }
          return doc;
        },
        finish() {
          sorter.finish();
          keys.close();
          const m: TaskManifest = { rank: ctx.rank, docs, runs: sorter.runs, sources: keyer.sources };
          writeManifest(ctx, o.dir, m);
        },
      };
    },
  };
}

function bucketsPhase(o: MinHashOptions): GlobalPhase {
  return {
    kind: 'global',
    name: 'minhash-buckets',
    options: o,
    tasks: () => o.bands,
    async run(ctx) {
      const band = ctx.rank;
      const manifests = readManifests(ctx, o.dir);
      const paths: string[] = [];
      const fileTask: number[] = [];
      for (const m of manifests) {
        paths.push(ctx.path(bandFile(o.dir, band, m.rank)));
        fileTask.push(m.rank);
      }
      const out = new RecordWriter(ctx.output(pairsPath(o.dir, band)), PAIR_W);
      // Each bucket (equal band hash) becomes a star of pairs to its first member: enough for
      // union-find, and linear in the bucket size.
      let hi = -1;
      let lo = -1;
      let firstTask = 0;
      let firstIdx = 0;
      const pair = new Uint32Array(PAIR_W);
      mergeSorted(paths, BAND_W, (r, file) => {
        const h = r.buf[r.pos];
        const l = r.buf[r.pos + 1];
        const idx = r.buf[r.pos + 2];
        const task = fileTask[file];
        if (h === hi && l === lo) {
          pair[0] = firstTask;
          pair[1] = firstIdx;
          pair[2] = task;
          pair[3] = idx;
          out.push(pair);
        } else {
          hi = h;
          lo = l;
          firstTask = task;
          firstIdx = idx;
        }
      });
      out.close();
      ctx.stats.count('minhash_pairs', out.records);
    },
  };
}

/** Union-find over dense ids with path halving. */
function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

function clusterPhase(o: MinHashOptions): GlobalPhase {
  return {
    kind: 'global',
    name: 'minhash-cluster',
    options: o,
    tasks: () => 1,
    async run(ctx) {
      const manifests = readManifests(ctx, o.dir);
      const ranks = sourceRanks(manifests);
      const offsets = new Float64Array(manifests.length + 1);
      manifests.forEach((m, t) => (offsets[t + 1] = offsets[t] + m.docs));
      const total = offsets[manifests.length];
      if (total >= 2 ** 31) throw new Error(`minhash-cluster: ${total} documents exceed the 2^31 limit of one cluster task`);
      const parent = new Int32Array(total);
      for (let i = 0; i < total; i++) parent[i] = i;

      for (let b = 0; b < o.bands; b++) {
        const r = new RecordReader(ctx.path(pairsPath(o.dir, b)), PAIR_W, 1 << 14);
        while (r.next()) {
          const x = find(parent, offsets[r.buf[r.pos]] + r.buf[r.pos + 1]);
          const y = find(parent, offsets[r.buf[r.pos + 2]] + r.buf[r.pos + 3]);
          if (x !== y) {
            if (x < y) parent[y] = x;
            else parent[x] = y;
          }
        }
      }

      // Clusters. Roots are the smallest member (unions attach the larger root to the smaller),
      // so one ascending pass can number clusters in place: afterwards parent[i] = -(slot + 1)
      // for every clustered document and parent[i] = i for singletons. No map, no extra array.
      for (let i = 0; i < total; i++) parent[i] = find(parent, i);
      const sizes: number[] = [];
      for (let i = 0; i < total; i++) {
        const r = parent[i];
        if (r === i) continue;
        if (parent[r] === r) {
          parent[r] = -(sizes.length + 1);
          sizes.push(1);
        }
        const s = parent[r];
        parent[i] = s;
        sizes[-s - 1]++;
      }
      const nClusters = sizes.length;
      const bestKey = new Uint32Array(nClusters * KEY_WORDS);
      const bestTask = new Int32Array(nClusters).fill(-1);
      const bestIdx = new Uint32Array(nClusters);
      const forEachKey = (fn: (t: number, idx: number, s: number, keys: Uint32Array, at: number) => void) => {
        for (const m of manifests) {
          const r = new RecordReader(ctx.path(keysPath(o.dir, m.rank)), KEY_WORDS, 1 << 14);
          let idx = 0;
          while (r.next()) {
            const p = parent[offsets[m.rank] + idx];
            if (p < 0) fn(m.rank, idx, -p - 1, r.buf, r.pos);
            idx++;
          }
          if (idx !== m.docs) throw new Error(`minhash-cluster: ${keysPath(o.dir, m.rank)} has ${idx} keys, manifest says ${m.docs}`);
        }
      };
      forEachKey((t, idx, s, keys, at) => {
        if (bestTask[s] < 0 || compareKeys(ranks, keys, at, t, idx, bestKey, s * KEY_WORDS, bestTask[s], bestIdx[s]) < 0) {
          bestKey.set(keys.subarray(at, at + KEY_WORDS), s * KEY_WORDS);
          bestTask[s] = t;
          bestIdx[s] = idx;
        }
      });

      // Per doc task: the clustered documents, in index order.
      const writers = manifests.map((m) => new RecordWriter(ctx.output(clustersPath(o.dir, m.rank)), CLUSTER_W));
      const rec = new Uint32Array(CLUSTER_W);
      let removed = 0;
      forEachKey((t, idx, s, keys, at) => {
        const kept = bestTask[s] === t && bestIdx[s] === idx;
        if (!kept) removed++;
        rec[0] = idx;
        rec[1] = kept ? 1 : 0;
        rec[2] = sizes[s];
        rec[3] = bestKey[s * KEY_WORDS + 5];
        rec[4] = bestKey[s * KEY_WORDS + 6];
        rec[5] = keys[at + 5];
        rec[6] = keys[at + 6];
        writers[t].push(rec);
      });
      for (const w of writers) w.close();
      for (const n of sizes) ctx.stats.observe('cluster_size', n);
      ctx.stats.count('minhash_clusters', nClusters);
      ctx.stats.count('minhash_duplicates', removed);
      ctx.log.info(`minhash-cluster: ${total} documents, ${nClusters} clusters, ${removed} to remove`);
    },
  };
}

function filterStage(o: MinHashOptions, writeExclusions: boolean): Stage<MinHashOptions> {
  return {
    kind: 'stage',
    name: 'minhash-filter',
    options: o,
    writeExclusions,
    async open(ctx) {
      const manifest = readManifest(ctx, o.dir, ctx.rank);
      // Streamed: the task's clustered documents, in index order.
      const recs = new RecordReader(ctx.path(clustersPath(o.dir, ctx.rank)), CLUSTER_W);
      let has = recs.next();
      const keyer = await makeKeyer(o.keep, o.priorityField);
      let idx = 0;
      let error: Error | undefined;
      return {
        process(doc: Doc) {
          const i = idx++;
          if (!has || recs.buf[recs.pos] !== i) return doc;
          const b = recs.buf;
          const at = recs.pos;
          const [h, l] = keyer.idHash(doc);
          if (h !== b[at + 5] || l !== b[at + 6]) {
            error ??= alignmentError('minhash-filter', ctx.rank, `document ${i} has id "${doc.id}", not the one hashed`);
            has = recs.next();
            return doc;
          }
          if (o.clusterMetadata) {
            doc.metadata.minhash_cluster = hex64(b[at + 3], b[at + 4]);
            doc.metadata.minhash_cluster_size = b[at + 2];
          }
          const keep = b[at + 1] === 1;
          has = recs.next();
          return keep ? doc : 'minhash_duplicate';
        },
        finish() {
          recs.close();
          if (error) throw error;
          if (has) throw alignmentError('minhash-filter', ctx.rank, `the cluster list names document ${recs.buf[recs.pos]}, beyond the ${idx} seen`);
          if (idx !== manifest.docs) throw alignmentError('minhash-filter', ctx.rank, `saw ${idx} documents, the signature phase saw ${manifest.docs}`);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------

type Given = Partial<MinHashOptions> & { writeExclusions?: boolean };

/** `minhash({ bands: 14, rows: 8, ngram: 5 })`: MinHash-LSH near-duplicate removal. */
export const minhash = Object.assign(
  (given?: Given): Stage<MinHashOptions> => {
    const { writeExclusions = false, ...rest } = given ?? {};
    const o = resolveOptions('minhash', MINHASH_OPTIONS, rest);
    return {
      kind: 'stage',
      name: 'minhash',
      options: o,
      writeExclusions,
      validate: () => validate(o),
      open() {
        throw new Error('minhash is a multi-phase stage: run it through the engine, which expands it');
      },
      expand: (): PipelineStep[] => [signaturesStage(o), bucketsPhase(o), clusterPhase(o), filterStage(o, writeExclusions)],
    };
  },
  { stageName: 'minhash', defaults: MINHASH_OPTIONS as Record<string, unknown> },
);
