// manifest.json of a token dataset: the list of shards with row counts, byte sizes and xxhash64
// checksums, plus the shards' common metadata. Written last (atomically) by the pack-manifest
// phase; the loader verifies each shard against it before use.
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import xxhash from 'xxhash-wasm';
import { ShardReader, type ShardMeta } from './shards.ts';

export const MANIFEST = 'manifest.json';

export interface ShardEntry {
  /** File name relative to the dataset folder. */
  file: string;
  rows: number;
  bytes: number;
  /** xxhash64 (seed 0) of the whole file, 16 hex digits. */
  xxhash64: string;
}

export interface Manifest extends ShardMeta {
  format: 'tokenmill.tokens';
  version: 1;
  createdAt: string;
  rows: number;
  /** Non-padding tokens (sum of num_tokens) and all token slots (rows × rowLen). */
  tokens: number;
  shards: ShardEntry[];
}

let hasher: ReturnType<typeof xxhash> | undefined;

/** xxhash64 of a file, streamed, as 16 hex digits. */
export async function fileXxhash64(path: string): Promise<string> {
  const { create64 } = await (hasher ??= xxhash());
  const h = create64();
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(chunk as Uint8Array);
  return h.digest().toString(16).padStart(16, '0');
}

/** Shard files of a folder, in name order. */
export function listShards(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => /^shard-.*\.arrow$/.test(n)).sort();
}

const sameMetaKeys: Array<keyof ShardMeta> = ['seqLen', 'rowLen', 'overlap', 'vocabSize', 'dtype', 'tokenizer', 'tokenizerHash', 'bos', 'eos', 'pad', 'mode'];

/** Build the manifest of the shards in `dir` (reads each shard's footer and hashes it). */
export async function buildManifest(dir: string, files = listShards(dir)): Promise<Manifest> {
  if (files.length === 0) throw new Error(`${dir}: no shard-*.arrow files to list`);
  const shards: ShardEntry[] = [];
  let meta: ShardMeta | undefined;
  let rows = 0;
  let tokens = 0;
  for (const file of files) {
    const path = join(dir, file);
    const r = await ShardReader.open(path);
    let n = 0;
    try {
      for (let b = 0; b < r.numBatches; b++) {
        const batch = await r.batch(b);
        n += batch.rows;
        for (let i = 0; i < batch.rows; i++) tokens += batch.numTokens[i];
      }
    } finally {
      await r.close();
    }
    if (!meta) meta = r.meta;
    else {
      for (const k of sameMetaKeys) {
        if (r.meta[k] !== meta[k]) throw new Error(`${path}: schema metadata ${k}=${r.meta[k]} differs from ${files[0]} (${meta[k]})`);
      }
    }
    shards.push({ file, rows: n, bytes: statSync(path).size, xxhash64: await fileXxhash64(path) });
    rows += n;
  }
  return { format: 'tokenmill.tokens', version: 1, createdAt: new Date().toISOString(), ...meta!, rows, tokens, shards };
}

export function parseManifest(text: string, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message})`);
  }
  if (m.format !== 'tokenmill.tokens' || !Array.isArray(m.shards)) throw new Error(`${where}: not a tokenmill token manifest`);
  return m;
}

export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path}: missing (is ${dir} a packed token dataset? the pack-manifest phase writes it last)`);
  }
  return parseManifest(text, path);
}

export class ShardVerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardVerifyError';
  }
}

/** Check a shard file's size against its manifest entry. */
export function verifySize(path: string, entry: ShardEntry): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ShardVerifyError(`shard ${entry.file}: missing (${path})`);
  }
  if (size !== entry.bytes) throw new ShardVerifyError(`shard ${entry.file}: ${size} bytes on disk, manifest says ${entry.bytes} (${path})`);
}

/** Check a shard file against its manifest entry: size always, checksum unless `sizeOnly`. */
export async function verifyShard(path: string, entry: ShardEntry, sizeOnly = false): Promise<void> {
  verifySize(path, entry);
  if (sizeOnly) return;
  const h = await fileXxhash64(path);
  if (h !== entry.xxhash64) throw new ShardVerifyError(`shard ${entry.file}: xxhash64 ${h} does not match manifest ${entry.xxhash64} (${path}; corrupt or replaced)`);
}

/**
 * A manifest's tokenizer spec as something loadable: a path relative to the dataset's run directory
 * (pack records `tokenizer/tokenizer.json` for a tokenizer trained in the same run) becomes absolute;
 * names (gpt2, cl100k) and absolute paths are returned as they are.
 */
export function resolveTokenizerSpec(spec: string, datasetDir: string): string {
  if (isAbsolute(spec) || /^https?:/.test(spec)) return spec;
  for (const base of [dirname(datasetDir), datasetDir]) {
    const p = resolve(base, spec);
    if (existsSync(p)) return p;
  }
  return spec;
}
