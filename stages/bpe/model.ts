// The in-memory BPE model and the file formats it is read from / written to:
// tiktoken `.tiktoken` ranks, GPT-2 `encoder.json` + `vocab.bpe`, HF `tokenizer.json` (byte-level BPE).
import { readFileSync } from 'node:fs';
import { bytesToUnicode, unicodeToBytes } from './bytes.ts';
import { PATTERNS, portablePattern, resolvePattern } from './patterns.ts';

export interface BpeModel {
  /** id → bytes of each ordinary token (holes allowed, e.g. where specials sit). */
  tokens: Array<Uint8Array | undefined>;
  /**
   * HF/GPT-2 semantics: merge i joins the pair (a, b) (ids) with priority i.
   * Absent: tiktoken semantics, any two adjacent tokens whose concatenation is a token merge, lowest id first.
   */
  merges?: Array<[number, number]>;
  /** Pre-tokenisation regex (JS source, see patterns.ts). */
  pattern: string;
  /** Special token → id. */
  specials: Record<string, number>;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

/** Parse a tiktoken rank file: `base64 rank` per line. */
export function readTiktoken(path: string, pattern: string, specials: Record<string, number>): BpeModel {
  const text = readFileSync(path, 'utf8');
  const tokens: Array<Uint8Array | undefined> = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    const rank = Number(line.slice(sp + 1));
    if (sp <= 0 || !Number.isInteger(rank) || rank < 0) throw new Error(`${path}:${lineNo}: expected "<base64> <rank>", got ${JSON.stringify(line.slice(0, 60))}`);
    tokens[rank] = new Uint8Array(Buffer.from(line.slice(0, sp), 'base64'));
  }
  return { tokens, pattern, specials };
}

/** GPT-2's original files: encoder.json (token → id) and vocab.bpe (merges in priority order). */
export function readGpt2Files(encoderPath: string, vocabBpePath: string): BpeModel {
  const encoder = JSON.parse(readFileSync(encoderPath, 'utf8')) as Record<string, number>;
  const lines = readFileSync(vocabBpePath, 'utf8').split('\n');
  const specials: Record<string, number> = {};
  if ('<|endoftext|>' in encoder) specials['<|endoftext|>'] = encoder['<|endoftext|>'];
  const merges: string[] = [];
  for (const l of lines) if (l.length > 0 && !l.startsWith('#version')) merges.push(l);
  return fromVocabMerges(encoder, merges, PATTERNS.gpt2, specials, vocabBpePath);
}

function fromVocabMerges(vocab: Record<string, number>, merges: Array<string | [string, string]>, pattern: string, specials: Record<string, number>, what: string): BpeModel {
  const tokens: Array<Uint8Array | undefined> = [];
  for (const [tok, id] of Object.entries(vocab)) {
    if (tok in specials && specials[tok] === id) continue;
    tokens[id] = unicodeToBytes(tok, `${what}: vocab token`);
  }
  const pairs: Array<[number, number]> = [];
  merges.forEach((m, i) => {
    const [a, b] = typeof m === 'string' ? splitMerge(m) : m;
    const ia = vocab[a];
    const ib = vocab[b];
    if (ia === undefined || ib === undefined || vocab[a + b] === undefined) {
      throw new Error(`${what}: merge ${i} ${JSON.stringify(m)} names a token missing from the vocabulary`);
    }
    pairs.push([ia, ib]);
  });
  return { tokens, merges: pairs, pattern, specials };
}

function splitMerge(m: string): [string, string] {
  const sp = m.indexOf(' ', 1);
  return [m.slice(0, sp), m.slice(sp + 1)];
}

interface HfTokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]>; byte_fallback?: boolean };
  pre_tokenizer?: HfPre | null;
  normalizer?: unknown;
  added_tokens?: Array<{ id: number; content: string; special?: boolean }>;
  [k: string]: unknown;
}
interface HfPre {
  type: string;
  pretokenizers?: HfPre[];
  pattern?: { Regex?: string; String?: string };
  use_regex?: boolean;
  add_prefix_space?: boolean;
}

/** HF `tokenizer.json` with a byte-level BPE model (GPT-2, Llama 3, ones trained here). */
export function readTokenizerJson(path: string): BpeModel {
  let j: HfTokenizerJson;
  try {
    j = JSON.parse(readFileSync(path, 'utf8')) as HfTokenizerJson;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (j.model?.type !== 'BPE' || !j.model.vocab || !j.model.merges) throw new Error(`${path}: model.type must be "BPE" with vocab and merges (got ${j.model?.type})`);
  if (j.normalizer) throw new Error(`${path}: normalizers are not supported (byte-level BPE expected)`);
  const pattern = hfPattern(j.pre_tokenizer ?? null, path);
  const specials: Record<string, number> = {};
  for (const t of j.added_tokens ?? []) specials[t.content] = t.id;
  return fromVocabMerges(j.model.vocab, j.model.merges, pattern, specials, path);
}

function hfPattern(pre: HfPre | null, path: string): string {
  const bad = () => new Error(`${path}: pre_tokenizer must be ByteLevel, or Sequence[Split(Regex), ByteLevel] (got ${JSON.stringify(pre)?.slice(0, 120)})`);
  if (!pre) throw bad();
  if (pre.type === 'ByteLevel') {
    if (pre.add_prefix_space) throw new Error(`${path}: ByteLevel add_prefix_space=true is not supported`);
    if (pre.use_regex === false) throw bad();
    return PATTERNS.gpt2;
  }
  if (pre.type === 'Sequence' && pre.pretokenizers?.length === 2) {
    const [split, bl] = pre.pretokenizers;
    if (split.type === 'Split' && split.pattern?.Regex && bl.type === 'ByteLevel' && bl.use_regex === false && !bl.add_prefix_space) {
      return resolvePattern(split.pattern.Regex);
    }
  }
  throw bad();
}

/** HF regex for a pattern: JS's spelled-out contractions are valid Rust/Oniguruma regex too. */
export function toTokenizerJson(model: BpeModel): string {
  const vocab: Record<string, number> = {};
  model.tokens.forEach((b, id) => {
    if (b) vocab[bytesToUnicode(b)] = id;
  });
  const merges = (model.merges ?? []).map(([a, b]) => `${bytesToUnicode(model.tokens[a]!)} ${bytesToUnicode(model.tokens[b]!)}`);
  const added = Object.entries(model.specials)
    .sort((x, y) => x[1] - y[1])
    .map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: portablePattern(model.pattern) }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  return JSON.stringify(json, null, 2) + '\n';
}

/** tiktoken rank file (ordinary tokens only; ids = ranks). */
export function toTiktoken(model: BpeModel): string {
  const lines: string[] = [];
  model.tokens.forEach((b, id) => {
    if (b) lines.push(`${Buffer.from(b).toString('base64')} ${id}`);
  });
  return lines.join('\n') + '\n';
}

export { latin1 };
