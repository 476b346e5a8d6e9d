import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { makeTaskContext } from '../../../engine/context.ts';
import type { Doc, GlobalPhase, Stage } from '../../../engine/types.ts';
import { bpeTrain, loadTokenizer, stages, tokenize, Tokenizer, toTokenizerJson, trainBpe, WordCounter } from '../../../stages/bpe/index.ts';
import { decodeCounts, encodeCounts } from '../../../stages/bpe/counts.ts';
import { describeShared } from '../../shared.ts';
import { articleTexts, edgeCases, udhrTexts } from './corpus.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tokenmill-bpe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The textbook trainer: recount every pair after every merge. Ties → smaller (left, right). */
function naiveMerges(words: Array<[string, number]>, merges: number): Array<[number, number]> {
  const ws = words.map(([w, c]) => ({ s: Array.from(new TextEncoder().encode(w)), c }));
  const out: Array<[number, number]> = [];
  for (let t = 256; out.length < merges; t++) {
    const counts = new Map<string, number>();
    for (const { s, c } of ws) for (let i = 0; i + 1 < s.length; i++) counts.set(`${s[i]},${s[i + 1]}`, (counts.get(`${s[i]},${s[i + 1]}`) ?? 0) + c);
    let best: [number, number] | null = null;
    let bc = 0;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (c > bc || (c === bc && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bc = c;
      }
    }
    if (!best || bc < 2) break;
    out.push(best);
    for (const w of ws) {
      const s: number[] = [];
      for (let i = 0; i < w.s.length; i++) {
        if (i + 1 < w.s.length && w.s[i] === best[0] && w.s[i + 1] === best[1]) {
          s.push(t);
          i++;
        } else s.push(w.s[i]);
      }
      w.s = s;
    }
  }
  return out;
}

/** Run bpe-train's two steps in-process over `tasks` shards of docs. */
async function runTrain(runDir: string, docs: Doc[], tasks: number, opts: Record<string, unknown>): Promise<void> {
  const [count, merge] = bpeTrain(opts).expand!() as [Stage, GlobalPhase];
  for (let r = 0; r < tasks; r++) {
    const ctx = makeTaskContext({ runDir, rank: r, tasks, stageName: 'bpe-count' });
    const p = await count.open(ctx);
    for (let i = r; i < docs.length; i += tasks) expect(await p.process(docs[i])).toBe(docs[i]);
    await p.finish?.();
    ctx.commit();
  }
  const ctx = makeTaskContext({ runDir, rank: 0, tasks: 1, docTasks: tasks, phase: 'bpe-merge', log: { info() {}, warn() {} } });
  await merge.run(ctx);
  ctx.commit();
}

describe('trainer', () => {
  it('learns the same merges as full recounting (incremental pair counts are exact)', () => {
    const wc = new WordCounter('gpt2');
    const texts = ['the cat sat on the mat; the hat that sat, a aaaa aaa abab ababab', 'that hat, this mat: the the the', 'zzzz zz zzz banana bandana ananas'];
    for (const t of texts) wc.add(t);
    const entries = [...wc.table.entries()];
    const model = trainBpe(entries, { vocabSize: 256 + 60 + 1, pattern: 'gpt2', minFrequency: 2 });
    const ref = naiveMerges(entries, 60);
    expect(model.merges!.length).toBe(ref.length);
    expect(model.merges).toEqual(ref);
    // The saved file loads back to the same vocabulary: same ids, same content hash.
    const file = join(tmp, 'small.json');
    writeFileSync(file, toTokenizerJson(model));
    const back = loadTokenizer(file);
    const mem = new Tokenizer(model);
    expect(back.hash).toBe(mem.hash);
    for (const t of texts) expect(Array.from(back.encode(t))).toEqual(Array.from(mem.encode(t)));
  });

  it('word counts survive the count-file round trip, and pruning drops only rare words', () => {
    const wc = new WordCounter('cl100k', 1000);
    for (let i = 0; i < 5000; i++) wc.add(`common word${i % 10} rare${i} `);
    expect(wc.size).toBeLessThanOrEqual(1000);
    expect(wc.pruned).toBeGreaterThan(0);
    expect(wc.get('common')).toBe(5000);
    expect(wc.get(' word')).toBe(5000);
    const back = decodeCounts(encodeCounts(wc.table, wc.pruned));
    expect(new Map(back.table.entries())).toEqual(new Map(wc.table.entries()));
    expect(back.pruned).toBe(wc.pruned);
  });
});

describeShared('bpe-train + tokenize stages on UDHR', 'data/langid/udhr_articles.jsonl', () => {
  const texts = udhrTexts();
  const docs: Doc[] = texts.map((text, i) => ({ id: `u${i}`, text, metadata: {} }));
  // Every 10th article is held out from training.
  const train = docs.filter((_, i) => i % 10 !== 0);
  const held = [...texts.filter((_, i) => i % 10 === 0), ...articleTexts().slice(0, 30), ...edgeCases()];
  const runA = join(tmp, 'a');
  const runB = join(tmp, 'b');
  const opts = { vocabSize: 3000, specials: ['<|endoftext|>', '<|pad|>'] };

  it('is registered and validates options', () => {
    expect(Object.keys(stages).sort()).toEqual(['bpe-train', 'tokenize']);
    expect(() => bpeTrain({ vocabSize: 100 }).validate!()).toThrow(/vocabSize/);
    expect(() => bpeTrain({ pattern: '(' }).validate!()).toThrow(/pattern/);
    expect(() => bpeTrain({ vocabSize: '1' } as never)).toThrow(/must be a number/);
  });

  it('trains deterministically (same files from 3 tasks and from 2 tasks)', async () => {
    await runTrain(runA, train, 3, opts);
    await runTrain(runB, train, 2, opts);
    for (const f of ['tokenizer.json', 'tokenizer.tiktoken', 'tokenizer_config.json']) {
      expect(readFileSync(join(runA, 'tokenizer', f)).equals(readFileSync(join(runB, 'tokenizer', f))), f).toBe(true);
    }
    const tok = loadTokenizer(join(runA, 'tokenizer', 'tokenizer.json'));
    expect(tok.vocabSize).toBe(3000);
    expect(tok.specialTokens).toEqual({ '<|endoftext|>': 2998, '<|pad|>': 2999 });
    for (const t of held) expect(tok.decode(tok.encode(t))).toBe(t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
  });

  it('tokenizer.json encodes identically in @huggingface/transformers (offline, local file) and HF tokenizers', async () => {
    const tok = loadTokenizer(join(runA, 'tokenizer'));
    env.allowRemoteModels = false;
    env.localModelPath = runA;
    const hf = await AutoTokenizer.from_pretrained('tokenizer');
    const { Tokenizer: Native } = await import('tokenizers');
    const native = Native.fromFile(join(runA, 'tokenizer', 'tokenizer.json'));
    let ids = 0;
    for (const t of held) {
      // HF always splits out added (special) tokens: compare with specials allowed.
      const ours = Array.from(tok.encode(t, { allowedSpecial: 'all' }));
      expect(hf.encode(t, { add_special_tokens: false }), t.slice(0, 60)).toEqual(ours);
      expect((await native.encode(t, null, { addSpecialTokens: false })).getIds(), t.slice(0, 60)).toEqual(ours);
      ids += ours.length;
    }
    expect(ids).toBeGreaterThan(10000);
  });

  it('the .tiktoken file (tiktoken semantics) round-trips and compresses like tokenizer.json', () => {
    const json = loadTokenizer(join(runA, 'tokenizer', 'tokenizer.json'));
    const tk = loadTokenizer(join(runA, 'tokenizer', 'tokenizer.tiktoken'));
    expect(tk.pattern).toBe(json.pattern);
    expect(tk.specialTokens).toEqual(json.specialTokens);
    let a = 0;
    let b = 0;
    for (const t of held) {
      const ids = tk.encode(t);
      expect(tk.decode(ids)).toBe(json.decode(json.encode(t)));
      a += ids.length;
      b += json.encode(t).length;
    }
    // Rank order = merge order, so tiktoken's rule differs only where a token has two splits.
    expect(Math.abs(a - b) / b).toBeLessThan(0.01);
  });

  it('tokenize sets doc.tokens and counts tokens (default: the run’s tokenizer)', async () => {
    const ctx = makeTaskContext({ runDir: runA, stageName: 'tokenize' });
    const p = await tokenize({ appendEos: true }).open(ctx);
    const tok = loadTokenizer(join(runA, 'tokenizer', 'tokenizer.json'));
    let total = 0;
    for (const d of docs.slice(0, 50)) {
      const out = (await p.process({ ...d })) as Doc;
      expect(Array.from(out.tokens!)).toEqual([...tok.encode(d.text), 2998]);
      total += out.tokens!.length;
    }
    expect(ctx.stageStats.counters.tokens).toBe(total);
    expect(ctx.stageStats.histograms.doc_tokens.count).toBe(50);
    const gpt2 = await tokenize({ tokenizer: 'gpt2' }).open(makeTaskContext({ runDir: runA }));
    expect(Array.from(((await gpt2.process({ id: 'x', text: 'hello world', metadata: {} })) as Doc).tokens!)).toEqual([31373, 995]);
  });
});
