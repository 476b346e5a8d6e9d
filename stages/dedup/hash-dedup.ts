// Dedup by one 64-bit hash per document (exact text, normalised URL), as three steps:
//   <name>-hashes (per doc task)   [hash, index, priority key] records → sorted runs per partition
//   <name>-groups (one task per partition, in parallel) k-way merge; in each group of equal hashes
//                  the preferred document is kept, the others go to per-doc-task removal lists
//   <name>-filter (per doc task)   drops the listed documents with the method's reason
// Partitions split the hash space (hash mod P), so groups never straddle tasks and P — like the
// doc task count — does not change which documents are kept. Files under `dir`:
//   tasks/NNNNN.json               manifest (doc count, runs, source table)
//   hashes/PPP/NNNNN.bin           11 words [hash hi, lo, index, part, key×7], sorted by hash
//   remove/NNNNN/PPP-RRRRR.bin     4 words [index, part, id hash hi, lo], sorted by (index, part)
//   groups/PPP.json                removal runs written by partition task PPP, per doc task
// A document may hash several parts (line dedup hashes each line); whole-document methods use part 0.
import type { Doc, DocProcessor, GlobalPhase, PipelineStep, Stage, TaskContext } from '../../engine/types.ts';
import { check, resolveOptions } from '../../engine/stage.ts';
import { writeFileSync, readFileSync } from 'node:fs';
import { PartitionedSorter, RecordBuffer, SortedMerge, mergeSorted, writeSorted } from './records.ts';
import {
  KEEP_RULES, KEY_WORDS, alignmentError, compareKeys, makeKeyer, pad5, readManifest, readManifests, sourceRanks, writeManifest, xxh,
  type KeepRule,
} from './common.ts';

export interface HashDedupOptions {
  [key: string]: unknown;
  keep: KeepRule;
  priorityField: string;
  /** Partitions of the hash space = tasks of the groups phase (0: one per doc task, at most 32). */
  partitions: number;
  /** Records (documents, or lines for line dedup) per sorted run: 44 bytes each in memory. */
  runDocs: number;
  dir: string;
}

export const HASH_DEDUP_OPTIONS: HashDedupOptions = { keep: 'first', priorityField: '', partitions: 0, runDocs: 1_000_000, dir: '' };

/** What distinguishes one hash-dedup method from another. */
export interface HashMethod<O extends HashDedupOptions> {
  name: string;
  /** Drop reason, e.g. "exact_duplicate". */
  reason: string;
  /** Counter prefix, e.g. "exact". */
  prefix: string;
  defaults: O;
  validate?(o: O): void;
  /**
   * Build the per-task hash function: calls `emit(hi, lo, part)` for each hashed part of the
   * document (none: the document is never a duplicate). Parts are numbered from 0 in increasing order.
   */
  hasher(o: O): Promise<(doc: Doc, emit: (hi: number, lo: number, part: number) => void) => void>;
  /** Every member of a group is removed (no copy kept), e.g. CCNet/cs336-style line dedup. */
  removeAll?(o: O): boolean;
  /** Apply the removal of some parts (sorted) to a document: default drops it with `reason`. */
  apply?(doc: Doc, parts: number[], o: O, ctx: TaskContext): Doc | string;
}

const REC_W = 4 + KEY_WORDS;
const REMOVE_W = 4;
const K0 = 4; // first key word in a record
const pad3 = (n: number) => String(n).padStart(3, '0');
const runPath = (dir: string, part: number, rank: number, run: number) => `${dir}/hashes/${pad3(part)}/${pad5(rank)}-run${pad5(run)}.bin`;
const hashFile = (dir: string, part: number, rank: number) => `${dir}/hashes/${pad3(part)}/${pad5(rank)}.bin`;
const removePath = (dir: string, rank: number, part: number, run: number) => `${dir}/remove/${pad5(rank)}/${pad3(part)}-${pad5(run)}.bin`;
const groupsPath = (dir: string, part: number) => `${dir}/groups/${pad3(part)}.json`;

export function partitionsFor(o: HashDedupOptions, docTasks: number): number {
  return o.partitions > 0 ? o.partitions : Math.max(1, Math.min(docTasks, 32));
}

function hashesStage<O extends HashDedupOptions>(m: HashMethod<O>, o: O): Stage<O> {
  return {
    kind: 'stage',
    name: `${m.name}-hashes`,
    options: o,
    async open(ctx: TaskContext): Promise<DocProcessor> {
      const hashOf = await m.hasher(o);
      const keyer = await makeKeyer(o.keep, o.priorityField);
      const P = partitionsFor(o, ctx.docTasks);
      const sorter = new PartitionedSorter(
        P,
        REC_W,
        o.runDocs,
        (q, run) => ctx.output(runPath(o.dir, q, ctx.rank, run)),
        (q) => ctx.output(hashFile(o.dir, q, ctx.rank)),
      );
      const rec = new Uint32Array(REC_W);
      const keyBuf = new Uint32Array(KEY_WORDS);
      let docs = 0;
      let hashed = 0;
      let idx = 0;
      const emit = (hi: number, lo: number, part: number) => {
        if (hashed++ === 0) keyer.key(current!, keyBuf);
        rec[0] = hi;
        rec[1] = lo;
        rec[2] = idx;
        rec[3] = part;
        rec.set(keyBuf, K0);
        sorter.push(lo % P, rec);
      };
      let current: Doc | undefined;
      return {
        process(doc: Doc) {
          idx = docs++;
          current = doc;
          hashed = 0;
          // Never throw (see minhash-signatures): a failing document is kept, unhashed.
          try {
            hashOf(doc, emit);
          } catch (e) {
            ctx.stats.count(`${m.prefix}_errors`);
            ctx.log.warn(`${m.name}-hashes: document ${doc.id}: ${(e as Error).message}; kept without a hash`);
          }
          current = undefined;
          if (hashed === 0) ctx.stats.count(`${m.prefix}_unhashed`);
          return doc;
        },
        finish() {
          sorter.finish();
          writeManifest(ctx, o.dir, { rank: ctx.rank, docs, runs: sorter.runs, sources: keyer.sources });
        },
      };
    },
  };
}

function groupsPhase<O extends HashDedupOptions>(m: HashMethod<O>, o: O): GlobalPhase {
  return {
    kind: 'global',
    name: `${m.name}-groups`,
    options: o,
    tasks: (docTasks) => partitionsFor(o, docTasks),
    async run(ctx) {
      const q = ctx.rank;
      const manifests = readManifests(ctx, o.dir);
      const ranks = sourceRanks(manifests);
      const paths: string[] = [];
      const fileTask: number[] = [];
      for (const man of manifests) {
        paths.push(ctx.path(hashFile(o.dir, q, man.rank)));
        fileTask.push(man.rank);
      }
      // Removal lists per doc task, spilled as sorted runs when they reach `runDocs` records.
      const removals = manifests.map(() => new RecordBuffer(REMOVE_W, 64));
      const removeRuns = manifests.map(() => 0);
      let pendingRemovals = 0;
      const spillRemovals = () => {
        for (const man of manifests) {
          const buf = removals[man.rank];
          if (buf.n === 0) continue;
          writeSorted(ctx.output(removePath(o.dir, man.rank, q, removeRuns[man.rank]++)), buf.data, buf.n, REMOVE_W);
          buf.clear();
        }
        pendingRemovals = 0;
      };
      // Groups are resolved while streaming, in O(1) memory whatever their size: the preferred
      // member so far is held back; each other member (or a held one that is beaten) is removed.
      // With removeAll, the first member is held until a second one shows the group is a duplicate.
      // held layout: [task, hash hi, lo, index, part, key×7]
      const W = 1 + REC_W;
      const held = new Uint32Array(W);
      const cur = new Uint32Array(W);
      const removeRec = new Uint32Array(REMOVE_W);
      const removeAll = m.removeAll?.(o) ?? false;
      let size = 0;
      let groups = 0;
      let removed = 0;
      const remove = (g: Uint32Array) => {
        removeRec[0] = g[3];
        removeRec[1] = g[4];
        removeRec[2] = g[1 + K0 + 5];
        removeRec[3] = g[1 + K0 + 6];
        removals[g[0]].push(removeRec);
        removed++;
        if (++pendingRemovals >= o.runDocs) spillRemovals();
      };
      const close = () => {
        if (size > 1) {
          groups++;
          ctx.stats.observe('group_size', size);
        }
        size = 0;
      };
      let hi = -1;
      let lo = -1;
      mergeSorted(paths, REC_W, (r, file) => {
        const h = r.buf[r.pos];
        const l = r.buf[r.pos + 1];
        if (h !== hi || l !== lo) {
          close();
          hi = h;
          lo = l;
        }
        cur[0] = fileTask[file];
        cur.set(r.buf.subarray(r.pos, r.pos + REC_W), 1);
        size++;
        if (size === 1) {
          held.set(cur);
        } else if (removeAll) {
          if (size === 2) remove(held);
          remove(cur);
        } else {
          const c = compareKeys(ranks, cur, 1 + K0, cur[0], cur[3], held, 1 + K0, held[0], held[3]);
          if (c < 0 || (c === 0 && cur[4] < held[4])) {
            remove(held);
            held.set(cur);
          } else {
            remove(cur);
          }
        }
      });
      close();
      spillRemovals();
      writeFileSync(ctx.output(groupsPath(o.dir, q)), JSON.stringify({ partition: q, runs: removeRuns }));
      ctx.stats.count(`${m.prefix}_groups`, groups);
      ctx.stats.count(`${m.prefix}_duplicates`, removed);
    },
  };
}

function filterStage<O extends HashDedupOptions>(m: HashMethod<O>, o: O, writeExclusions: boolean): Stage<O> {
  const name = `${m.name}-filter`;
  return {
    kind: 'stage',
    name,
    options: o,
    writeExclusions,
    async open(ctx) {
      const manifest = readManifest(ctx, o.dir, ctx.rank);
      const P = partitionsFor(o, ctx.docTasks);
      const paths: string[] = [];
      for (let q = 0; q < P; q++) {
        let runs: number[];
        try {
          runs = (JSON.parse(readFileSync(ctx.path(groupsPath(o.dir, q)), 'utf8')) as { runs: number[] }).runs;
        } catch (e) {
          throw new Error(`${name}: cannot read ${ctx.path(groupsPath(o.dir, q))} (${(e as Error).message}); did the ${m.name}-groups phase complete with ${P} partitions?`);
        }
        for (let r = 0; r < (runs[ctx.rank] ?? 0); r++) paths.push(ctx.path(removePath(o.dir, ctx.rank, q, r)));
      }
      // Streamed in (index, part) order: memory does not grow with the number of removals.
      const merge = new SortedMerge(paths, REMOVE_W);
      let has = merge.next();
      const { h64 } = await xxh();
      let idx = 0;
      let error: Error | undefined;
      return {
        process(doc: Doc) {
          const i = idx++;
          if (!has || merge.reader.buf[merge.reader.pos] !== i) return doc;
          const rec = merge.reader;
          const h = h64(String(doc.id ?? ''));
          if (Number(h >> 32n) !== rec.buf[rec.pos + 2] || Number(h & 0xffffffffn) !== rec.buf[rec.pos + 3]) {
            error ??= alignmentError(name, ctx.rank, `document ${i} has id "${doc.id}", not the one hashed`);
          }
          const parts: number[] = [];
          while (has && merge.reader.buf[merge.reader.pos] === i) {
            parts.push(merge.reader.buf[merge.reader.pos + 1]);
            has = merge.next();
          }
          if (error) return doc;
          return m.apply ? m.apply(doc, parts, o, ctx) : m.reason;
        },
        finish() {
          merge.close();
          if (error) throw error;
          if (has) throw alignmentError(name, ctx.rank, `removal lists name document ${merge.reader.buf[merge.reader.pos]}, beyond the ${idx} seen`);
          if (idx !== manifest.docs) throw alignmentError(name, ctx.rank, `saw ${idx} documents, the hashing phase saw ${manifest.docs}`);
        },
      };
    },
  };
}

/** Make the user-facing factory of a hash-dedup method (expands into hashes → groups → filter). */
export function hashDedup<O extends HashDedupOptions>(m: HashMethod<O>) {
  const validate = (o: O) => {
    check(KEEP_RULES.includes(o.keep), m.name, 'keep', `must be one of ${KEEP_RULES.join(', ')}`);
    check(Number.isInteger(o.partitions) && o.partitions >= 0, m.name, 'partitions', 'must be a non-negative integer');
    check(Number.isInteger(o.runDocs) && o.runDocs >= 1, m.name, 'runDocs', 'must be a positive integer');
    check(o.dir.length > 0 && !o.dir.startsWith('/') && !o.dir.includes('..'), m.name, 'dir', 'must be a relative folder inside the run directory');
    m.validate?.(o);
  };
  return Object.assign(
    (given?: Partial<O> & { writeExclusions?: boolean }): Stage<O> => {
      const { writeExclusions = false, ...rest } = given ?? {};
      const o = resolveOptions(m.name, m.defaults, rest as Partial<O>);
      return {
        kind: 'stage',
        name: m.name,
        options: o,
        writeExclusions,
        validate: () => validate(o),
        open() {
          throw new Error(`${m.name} is a multi-phase stage: run it through the engine, which expands it`);
        },
        expand: (): PipelineStep[] => [hashesStage(m, o), groupsPhase(m, o), filterStage(m, o, writeExclusions)],
      };
    },
    { stageName: m.name, defaults: m.defaults as Record<string, unknown> },
  );
}
