// `tokenmill inspect <dataset> [--row N] [--rows K] [--tokenizer SPEC] [--ids] [--verify]`
//
//   <dataset>     a token dataset folder (manifest.json + shard-*.arrow), a run directory (uses
//                 <run>/tokens), or an http(s) base URL (shards fetched into the cache)
//   (no --row)    summary: shards, rows, tokens, padding, metadata
//   --row N       decode row N (global, in manifest shard order) back to text with the dataset's
//                 tokenizer, documents separated and their ids shown; --rows K shows K rows from N
//   --tokenizer   override the tokenizer recorded in the shards (gpt2, cl100k, a file …)
//   --ids         also print the token ids
//   --verify      check every shard's size and xxhash64 against the manifest
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, resolveTokenizerSpec, verifyShard, type Manifest } from './manifest.ts';
import { ShardReader } from './shards.ts';
import { ensureShard, fetchManifest, isUrl } from './fetch.ts';
import { loadBpeTokenizer } from '../stages/pack/special.ts';

const USAGE = 'usage: tokenmill inspect <dataset> [--row N] [--rows K] [--tokenizer SPEC] [--ids] [--verify]';

interface Args {
  dataset: string;
  row?: number;
  rows: number;
  tokenizer?: string;
  ids: boolean;
  verify: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { dataset: '', rows: 1, ids: false, verify: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${x} needs a value\n${USAGE}`);
      return v;
    };
    const int = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${x} must be a non-negative integer, got "${v}"\n${USAGE}`);
      return n;
    };
    if (x === '--row') a.row = int(val());
    else if (x === '--rows') a.rows = int(val());
    else if (x === '--tokenizer') a.tokenizer = val();
    else if (x === '--ids') a.ids = true;
    else if (x === '--verify') a.verify = true;
    else if (x === '-h' || x === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (x.startsWith('-')) throw new Error(`unknown option ${x}\n${USAGE}`);
    else if (!a.dataset) a.dataset = x;
    else throw new Error(`unexpected argument "${x}"\n${USAGE}`);
  }
  if (!a.dataset) throw new Error(USAGE);
  return a;
}

/** Decoder of a tokenizer spec: stages/bpe's loadTokenizer, else gpt-tokenizer for the GPT-2 family. */
export async function decoderFor(spec: string): Promise<(ids: number[]) => string> {
  const errs: string[] = [];
  try {
    const tok = await loadBpeTokenizer(spec);
    if (tok && typeof tok.decode === 'function') return (ids) => tok.decode(ids) as string;
  } catch (e) {
    errs.push((e as Error).message);
  }
  const gt: Record<string, string> = { gpt2: 'r50k_base', r50k_base: 'r50k_base', r50k: 'r50k_base', p50k_base: 'p50k_base', cl100k_base: 'cl100k_base', cl100k: 'cl100k_base', o200k_base: 'o200k_base', o200k: 'o200k_base' };
  if (gt[spec]) {
    const mod = (await import(`gpt-tokenizer/encoding/${gt[spec]}`)) as { decode(ids: number[]): string };
    return (ids) => mod.decode(ids);
  }
  throw new Error(`tokenizer "${spec}": cannot load it to decode${errs.length ? ` (${errs.join('; ')})` : ''}; give --tokenizer`);
}

async function openDataset(spec: string): Promise<{ manifest: Manifest; pathOf(i: number): Promise<string>; where: string }> {
  if (isUrl(spec)) {
    const { manifest, dir } = await fetchManifest(spec);
    return { manifest, where: spec, pathOf: (i) => ensureShard(spec, dir, manifest.shards[i]) };
  }
  const dir = !existsSync(join(spec, 'manifest.json')) && existsSync(join(spec, 'tokens', 'manifest.json')) ? join(spec, 'tokens') : spec;
  const manifest = readManifest(dir);
  return { manifest, where: dir, pathOf: async (i) => join(dir, manifest.shards[i].file) };
}

const fmt = (n: number) => n.toLocaleString('en-US');

export async function main(argv: string[]): Promise<void> {
  const a = parseArgs(argv);
  const ds = await openDataset(a.dataset);
  const m = ds.manifest;
  if (a.verify) {
    let bad = 0;
    for (let i = 0; i < m.shards.length; i++) {
      try {
        await verifyShard(await ds.pathOf(i), m.shards[i]);
      } catch (e) {
        bad++;
        console.error(`error: ${(e as Error).message}`);
      }
    }
    console.log(`verified ${m.shards.length - bad}/${m.shards.length} shards against ${ds.where}/manifest.json`);
    if (bad) process.exitCode = 1;
  }
  if (a.row === undefined) {
    const slots = m.rows * m.rowLen;
    const bytes = m.shards.reduce((x, s) => x + s.bytes, 0);
    console.log(`${ds.where}: ${fmt(m.shards.length)} shards, ${fmt(m.rows)} rows of ${m.rowLen} tokens (seqLen ${m.seqLen}${m.overlap ? ' + 1 overlap' : ''}), ${(bytes / 1e6).toFixed(1)} MB`);
    console.log(`tokens: ${fmt(m.tokens)} of ${fmt(slots)} slots (${((100 * (slots - m.tokens)) / Math.max(1, slots)).toFixed(2)}% padding), mode ${m.mode}, ${m.dtype} ids`);
    console.log(`tokenizer: ${m.tokenizer} (vocab ${fmt(m.vocabSize)}${m.tokenizerHash ? `, hash ${m.tokenizerHash.slice(0, 16)}…` : ''}); bos ${m.bos}, eos ${m.eos}, pad ${m.pad}`);
    for (const s of m.shards.slice(0, 20)) console.log(`  ${s.file}  ${fmt(s.rows).padStart(10)} rows  ${(s.bytes / 1e6).toFixed(1).padStart(8)} MB  xxh64 ${s.xxhash64}`);
    if (m.shards.length > 20) console.log(`  … ${m.shards.length - 20} more`);
    return;
  }
  if (a.row >= m.rows) throw new Error(`row ${a.row} is out of range: ${ds.where} has ${fmt(m.rows)} rows`);
  const decode = await decoderFor(a.tokenizer ?? (isUrl(ds.where) ? m.tokenizer : resolveTokenizerSpec(m.tokenizer, ds.where)));
  let row = a.row;
  let shard = 0;
  while (row >= m.shards[shard].rows) row -= m.shards[shard++].rows;
  let reader: ShardReader | undefined;
  try {
    for (let k = 0; k < a.rows && a.row + k < m.rows; k++) {
      if (row >= m.shards[shard].rows) {
        row = 0;
        shard++;
        await reader?.close();
        reader = undefined;
      }
      reader ??= await ShardReader.open(await ds.pathOf(shard));
      const b = reader.batchSync(Math.floor(row / m.batchRows));
      const r = row % m.batchRows;
      const ids = Array.from(b.ids.subarray(r * m.rowLen, (r + 1) * m.rowLen));
      const n = b.numTokens[r];
      const starts = Array.from(b.starts.subarray(b.startOffsets[r], b.startOffsets[r + 1]));
      const docIds = b.docIds(r);
      console.log(`── row ${fmt(a.row + k)} (${m.shards[shard].file} row ${row}): ${n} tokens + ${m.rowLen - n} padding; documents start at [${starts.join(', ')}]`);
      // Segments between document starts; the first may continue a document from the previous row.
      const cuts = [0, ...starts.filter((s) => s > 0), n];
      let d = starts[0] === 0 ? 0 : -1;
      for (let c = 0; c + 1 < cuts.length; c++) {
        if (cuts[c + 1] <= cuts[c]) continue;
        const id = docIds[Math.max(0, docIds.length - starts.length + d)] ?? '?';
        const label = d < 0 ? `${docIds[0] ?? '?'} (continued)` : id;
        console.log(`[${label}] ${JSON.stringify(decode(ids.slice(cuts[c], cuts[c + 1])))}`);
        d++;
      }
      if (a.ids) console.log(`ids: ${ids.join(' ')}`);
      row++;
    }
  } finally {
    await reader?.close();
  }
}
