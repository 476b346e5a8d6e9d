// The `pack` stage: tokenized documents (doc.tokens, from the tokenize stage) → rows of seqLen
// (+1 with overlap) tokens → Arrow IPC shards `<dir>/shard-RRRRR-SSS.arrow` (rank R, shard S of
// the task), then a one-task global phase `pack-manifest` that checksums every shard and writes
// `<dir>/manifest.json` last. Documents continue to the document writer without their tokens.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Doc, GlobalPhase, PipelineStep, Stage, TaskContext } from '../../engine/types.ts';
import { check, resolveOptions } from '../../engine/stage.ts';
import { ShardWriter, dtypeFor, type ShardMeta } from '../../datasets/shards.ts';
import { buildManifest, listShards, MANIFEST, type Manifest } from '../../datasets/manifest.ts';
import { PACK_MODES, Packer, type PackMode } from './packer.ts';
import { resolveSpecial, tokenizerInfo } from './special.ts';

export interface PackOptions {
  [key: string]: unknown;
  /** Training sequence length (rows hold seqLen tokens, seqLen+1 with overlap). */
  seqLen: number;
  /** Rows of seqLen+1 that overlap by one token, so x = row[:-1], y = row[1:] lose no target. */
  overlap: boolean;
  mode: PackMode;
  /** Special tokens: an id, a name the tokenizer knows ("<|endoftext|>"), null = default, false = none. */
  bos: number | string | false | null;
  /** Default: the tokenizer's <|endoftext|> (GPT-2 style separator). */
  eos: number | string | false | null;
  /** Default: the EOS id (rows record num_tokens, so padding is never mistaken for text). */
  pad: number | string | false | null;
  /** Tokenizer spec, stored in the shards; resolves special-token names and the default vocabSize. */
  tokenizer: string;
  tokenizerHash: string;
  /** 0 = from the tokenizer. Decides uint16 (<= 65,536) or uint32 ids. */
  vocabSize: number;
  /** Target shard size in bytes. */
  shardBytes: number;
  /** Rows per Arrow record batch (0 = about 1 MiB of tokens). */
  batchRows: number;
  /** Folder of the shards and manifest, relative to the run directory. */
  dir: string;
  /** Keep doc.tokens on the documents passed on (default: dropped). */
  keepTokens: boolean;
}

export const packDefaults: PackOptions = {
  seqLen: 1024,
  overlap: false,
  mode: 'concat',
  bos: null,
  eos: null,
  pad: null,
  tokenizer: 'gpt2',
  tokenizerHash: '',
  vocabSize: 0,
  shardBytes: 128 * 1024 * 1024,
  batchRows: 0,
  dir: 'tokens',
  keepTokens: false,
};

const NAME = 'pack';

function validate(o: PackOptions): void {
  check(Number.isInteger(o.seqLen) && o.seqLen >= 1, NAME, 'seqLen', 'must be a positive integer');
  check(PACK_MODES.includes(o.mode), NAME, 'mode', `must be one of ${PACK_MODES.join(', ')}`);
  for (const k of ['bos', 'eos', 'pad'] as const) {
    const v = o[k];
    check(v === null || v === false || typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= 0), NAME, k, 'must be a token id, a special token name, null or false');
  }
  check(Number.isInteger(o.vocabSize) && o.vocabSize >= 0, NAME, 'vocabSize', 'must be a non-negative integer');
  check(o.shardBytes >= 1024, NAME, 'shardBytes', 'must be at least 1024');
  check(Number.isInteger(o.batchRows) && o.batchRows >= 0, NAME, 'batchRows', 'must be a non-negative integer');
  check(o.dir.length > 0 && !o.dir.startsWith('/') && !o.dir.includes('..'), NAME, 'dir', 'must be a relative folder inside the run directory');
}

/** Resolve names and defaults into the shard metadata. */
export async function packMeta(o: PackOptions): Promise<ShardMeta> {
  const info = await tokenizerInfo(o.tokenizer);
  const what = (k: string) => `stage "${NAME}": option "${k}"`;
  const bos = resolveSpecial(o.bos, false, info, what('bos'));
  const eos = resolveSpecial(o.eos, info ? '<|endoftext|>' : false, info, what('eos'));
  const pad = resolveSpecial(o.pad, eos >= 0 ? eos : 0, info, what('pad'));
  const vocabSize = o.vocabSize || info?.vocabSize || 0;
  if (!vocabSize) throw new Error(`${what('vocabSize')}: tokenizer "${o.tokenizer}" is unknown, give vocabSize`);
  for (const [k, id] of [['bos', bos], ['eos', eos], ['pad', pad]] as const) {
    if (id >= vocabSize) throw new Error(`${what(k)}: id ${id} is outside the vocabulary (vocabSize ${vocabSize})`);
  }
  const rowLen = o.seqLen + (o.overlap ? 1 : 0);
  const dtype = dtypeFor(vocabSize);
  const batchRows = o.batchRows || Math.max(1, Math.floor((1 << 20) / (rowLen * (dtype === 'uint16' ? 2 : 4))));
  return {
    seqLen: o.seqLen,
    rowLen,
    overlap: o.overlap,
    vocabSize,
    dtype,
    tokenizer: o.tokenizer,
    tokenizerHash: o.tokenizerHash || info?.hash || '',
    bos,
    eos,
    pad,
    mode: o.mode,
    batchRows,
  };
}

export const shardName = (rank: number, shard: number) => `shard-${String(rank).padStart(5, '0')}-${String(shard).padStart(3, '0')}.arrow`;

/** Writes packed rows into size-capped shards of one task. */
export class ShardSet {
  private writer: ShardWriter | undefined;
  /** Where a row is packed while no shard is open (the next row may start a shard, or be none). */
  private staging: Uint16Array | Uint32Array;
  private next = 0;
  shards = 0;
  rows = 0;
  bytes = 0;

  constructor(
    private readonly meta: ShardMeta,
    private readonly shardBytes: number,
    private readonly pathOf: (shard: number) => string,
  ) {
    this.staging = meta.dtype === 'uint16' ? new Uint16Array(meta.rowLen) : new Uint32Array(meta.rowLen);
  }

  /** The buffer to pack the next row into: its slot in the open shard's record batch. */
  nextRow(): Uint16Array | Uint32Array {
    return this.writer ? this.writer.rowSlot() : this.staging;
  }

  append(row: ArrayLike<number> & { length: number }, numTokens: number, starts: number[], ids: string[]): void {
    this.writer ??= new ShardWriter(this.pathOf(this.next++), this.meta);
    this.writer.append(row, numTokens, starts, ids);
    if (this.writer.approxBytes >= this.shardBytes) this.closeShard();
  }

  private closeShard(): void {
    if (!this.writer) return;
    const r = this.writer.close();
    this.rows += r.rows;
    this.bytes += r.bytes;
    this.shards++;
    this.writer = undefined;
  }

  close(): void {
    this.closeShard();
  }
}

function packStage(o: PackOptions): Stage<PackOptions> {
  return {
    kind: 'stage',
    name: NAME,
    options: o,
    validate: () => validate(o),
    async open(ctx: TaskContext) {
      // A relative tokenizer path is the run's own (e.g. tokenizer/tokenizer.json from bpe-train);
      // the shards keep the spec as given, so the dataset stays relocatable with its run directory.
      const local = !isAbsolute(o.tokenizer) && existsSync(ctx.path(o.tokenizer)) ? ctx.path(o.tokenizer) : o.tokenizer;
      const meta = { ...(await packMeta({ ...o, tokenizer: local })), tokenizer: o.tokenizer };
      const shards = new ShardSet(meta, o.shardBytes, (s) => ctx.output(join(o.dir, shardName(ctx.rank, s))));
      const packer = new Packer(
        { rowLen: meta.rowLen, mode: o.mode, overlap: o.overlap, bos: meta.bos, eos: meta.eos, pad: meta.pad },
        (row, n, starts, ids) => shards.append(row, n, starts, ids),
        () => shards.nextRow(),
      );
      const { vocabSize } = meta;
      return {
        process(doc: Doc) {
          const tokens = doc.tokens;
          if (!tokens) throw new Error(`doc ${doc.id}: no tokens (put the tokenize stage before pack)`);
          for (let i = 0; i < tokens.length; i++) {
            if (tokens[i] >= vocabSize) throw new Error(`doc ${doc.id}: token id ${tokens[i]} at ${i} is outside the vocabulary (vocabSize ${vocabSize})`);
          }
          packer.add(tokens, doc.id);
          ctx.stats.observe('doc_tokens', tokens.length);
          if (o.keepTokens) return doc;
          const { tokens: _drop, ...rest } = doc;
          return rest as Doc;
        },
        finish() {
          packer.finish();
          shards.close();
          const c = packer.counts;
          ctx.stats.count('tokens_in', c.tokensIn);
          ctx.stats.count('special_tokens', c.special);
          ctx.stats.count('pad_tokens', c.pad);
          ctx.stats.count('overlap_tokens', c.overlap);
          ctx.stats.count('tokens_out', c.rows * meta.rowLen);
          ctx.stats.count('rows', c.rows);
          ctx.stats.count('shards', shards.shards);
          ctx.stats.count('shard_bytes', shards.bytes);
          // The runtime counts tokensIn from doc.tokens; tokensOut is the token slots written
          // (rows × rowLen = tokensIn + special + pad + overlap), unless the docs keep their tokens.
          const st = (ctx as Partial<{ stageStats: { tokensOut?: number } }>).stageStats;
          if (st && !o.keepTokens) st.tokensOut = (st.tokensOut ?? 0) + c.rows * meta.rowLen;
        },
      };
    },
  };
}

/** One task: list the shards, checksum them, write manifest.json last (renamed into place at commit). */
export function packManifestPhase(o: PackOptions): GlobalPhase {
  return {
    kind: 'global',
    name: 'pack-manifest',
    options: { dir: o.dir },
    tasks: () => 1,
    async run(ctx) {
      const dir = ctx.path(o.dir);
      let m: Manifest;
      if (listShards(dir).length === 0) {
        // Every document was filtered out upstream: an empty (but valid) dataset, said loudly.
        ctx.log.warn(`pack-manifest: no shards in ${dir} (no documents reached the pack stage)`);
        m = { format: 'tokenmill.tokens', version: 1, createdAt: new Date().toISOString(), ...(await packMeta(o)), rows: 0, tokens: 0, shards: [] };
      } else m = await buildManifest(dir);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(ctx.output(join(o.dir, MANIFEST)), JSON.stringify(m, null, 1) + '\n');
      ctx.stats.count('shards', m.shards.length);
      ctx.stats.count('rows', m.rows);
      ctx.stats.count('shard_bytes', m.shards.reduce((a, s) => a + s.bytes, 0));
      ctx.log.info(`pack-manifest: ${m.shards.length} shards, ${m.rows} rows of ${m.rowLen} tokens in ${dir}`);
    },
  };
}

/** `pack({ seqLen: 2048, mode: 'concat' })`: expands into the pack stage and the manifest phase. */
export const pack = Object.assign(
  (given?: Partial<PackOptions>): Stage<PackOptions> => {
    const o = resolveOptions(NAME, packDefaults, given);
    const stage = packStage(o);
    return { ...stage, expand: (): PipelineStep[] => [packStage(o), packManifestPhase(o)] };
  },
  { stageName: NAME, defaults: packDefaults as Record<string, unknown> },
);
