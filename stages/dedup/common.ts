// What every dedup method shares: per-task manifests, the priority that picks the kept document
// of a duplicate group (independent of how documents were split into tasks), and the per-task
// removal lists the filter stages read.
import { readFileSync, writeFileSync } from 'node:fs';
import xxhash from 'xxhash-wasm';
import type { Doc, TaskContext } from '../../engine/types.ts';

export const pad5 = (n: number) => String(n).padStart(5, '0');

type Hasher = Awaited<ReturnType<typeof xxhash>>;
let hasher: Promise<Hasher> | undefined;
/** xxhash-wasm, instantiated once per thread. */
export function xxh(): Promise<Hasher> {
  hasher ??= xxhash();
  return hasher;
}

/** 64-bit hash as [hi, lo] uint32 words. */
export function split64(h: bigint): [number, number] {
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

// ---------------------------------------------------------------------------------------------
// Manifests: one per doc task, written by the first (hashing) stage, read by global phases and
// the filter. Global phases only read files named by manifests, never list directories, so temp
// files of a crashed attempt are never picked up.

export interface TaskManifest {
  rank: number;
  /** Documents seen by the hashing stage (the filter must see exactly as many, in the same order). */
  docs: number;
  /** Sorted-run files written, per partition (band for MinHash). */
  runs: number;
  /** Source table: priority keys hold an index into it. */
  sources: string[];
}

export const manifestPath = (dir: string, rank: number) => `${dir}/tasks/${pad5(rank)}.json`;

export function writeManifest(ctx: TaskContext, dir: string, m: TaskManifest): void {
  writeFileSync(ctx.output(manifestPath(dir, ctx.rank)), JSON.stringify(m));
}

export function readManifest(ctx: TaskContext, dir: string, rank: number): TaskManifest {
  const p = ctx.path(manifestPath(dir, rank));
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as TaskManifest;
  } catch (e) {
    throw new Error(`dedup: cannot read ${p} (${(e as Error).message}); the hashing phase of doc task ${rank} did not complete`);
  }
}

export function readManifests(ctx: TaskContext, dir: string): TaskManifest[] {
  return Array.from({ length: ctx.docTasks }, (_, r) => readManifest(ctx, dir, r));
}

// ---------------------------------------------------------------------------------------------
// Priority: which document of a group is kept. A key is 7 uint32 words
//   [primary hi, primary lo, source index, offset hi, offset lo, id hash hi, id hash lo]
// compared in that order (source index mapped to the global rank of the source string), so the
// kept document depends only on the documents, never on the task split. Smaller is preferred.

export const KEY_WORDS = 7;
export type KeepRule = 'first' | 'longest' | 'newest';
export const KEEP_RULES: KeepRule[] = ['first', 'longest', 'newest'];

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Order-preserving map of a double to two words (smaller double → smaller words). */
function sortableDouble(x: number, out: Uint32Array | number[], at: number): void {
  f64[0] = x;
  let hi = u32[1];
  let lo = u32[0];
  if (hi & 0x80000000) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
  } else {
    hi = (hi | 0x80000000) >>> 0;
  }
  out[at] = hi;
  out[at + 1] = lo;
}

export interface Keyer {
  /** Fill the 7 key words for a document. */
  key(doc: Doc, out: Uint32Array, at?: number): void;
  /** Id hash words of a document (also used to check alignment in the filter). */
  idHash(doc: Doc): [number, number];
  readonly sources: string[];
}

export async function makeKeyer(keep: KeepRule, priorityField: string): Promise<Keyer> {
  const { h64 } = await xxh();
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const idHash = (doc: Doc) => split64(h64(String(doc.id ?? '')));
  return {
    sources,
    idHash,
    key(doc, out, at = 0) {
      const md = doc.metadata ?? {};
      let primary = 0;
      if (priorityField) {
        const v = md[priorityField];
        const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
        primary = Number.isFinite(n) ? -n : Infinity; // highest value first; missing last
      } else if (keep === 'longest') {
        primary = -(doc.text?.length ?? 0);
      } else if (keep === 'newest') {
        const d = typeof md.date === 'string' ? Date.parse(md.date) : NaN;
        primary = Number.isFinite(d) ? -d : Infinity;
      }
      sortableDouble(primary, out, at);
      const src = typeof md.source === 'string' ? md.source : '';
      let si = sourceIndex.get(src);
      if (si === undefined) {
        si = sources.length;
        sources.push(src);
        sourceIndex.set(src, si);
      }
      out[at + 2] = si;
      const off = typeof md.offset === 'number' && md.offset >= 0 ? md.offset : 0;
      out[at + 3] = Math.floor(off / 4294967296) >>> 0;
      out[at + 4] = off >>> 0;
      const [h, l] = idHash(doc);
      out[at + 5] = h;
      out[at + 6] = l;
    },
  };
}

/** Global rank of each task's local source indices (sources sorted by code units). */
export function sourceRanks(manifests: TaskManifest[]): Uint32Array[] {
  const all = [...new Set(manifests.flatMap((m) => m.sources))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Map(all.map((s, i) => [s, i]));
  return manifests.map((m) => Uint32Array.from(m.sources, (s) => rank.get(s)!));
}

/**
 * Compare key `a` (of doc task ta, index ia) with key `b`: negative when a is preferred. Falls back
 * to (task, index) only for documents with identical source, offset and id.
 */
export function compareKeys(
  ranks: Uint32Array[],
  a: ArrayLike<number>, aAt: number, ta: number, ia: number,
  b: ArrayLike<number>, bAt: number, tb: number, ib: number,
): number {
  for (let i = 0; i < KEY_WORDS; i++) {
    let x = a[aAt + i];
    let y = b[bAt + i];
    if (i === 2) {
      x = ranks[ta][x];
      y = ranks[tb][y];
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  return ta !== tb ? ta - tb : ia - ib;
}

export function hex64(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The filter saw other documents than the hashing stage (count or id mismatch). */
export function alignmentError(stage: string, rank: number, what: string): Error {
  return new Error(
    `${stage}: task ${rank}: ${what}; the documents changed between the hashing and filter phases (stages before the dedup must be deterministic, and the task count must not change)`,
  );
}
