// `tokenmill inspect`: summary and rows decoded back to the original text with the dataset's tokenizer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { encode } from 'gpt-tokenizer/encoding/r50k_base';
import { describeShared, shared } from '../shared.ts';
import { pack } from '../../stages/pack/pack.ts';
import { makeTaskContext } from '../../engine/context.ts';
import type { GlobalPhase, Stage } from '../../engine/types.ts';
import { main } from '../../datasets/cli.ts';

describeShared('tokenmill inspect', 'data/html_extraction/ground-truth.json', () => {
  let run: string;
  let docs: Array<{ id: string; text: string }>;
  beforeAll(async () => {
    run = mkdtempSync(join(tmpdir(), 'inspect-'));
    const gt = JSON.parse(readFileSync(shared('data/html_extraction/ground-truth.json'), 'utf8')) as Record<string, { articleBody: string }>;
    docs = Object.entries(gt).slice(0, 12).map(([id, v]) => ({ id, text: v.articleBody }));
    const [stage, manifest] = pack({ seqLen: 256, mode: 'pad' }).expand!() as [Stage, GlobalPhase];
    const ctx = makeTaskContext({ runDir: run, stageName: 'pack' });
    const proc = await stage.open(ctx);
    for (const d of docs) await proc.process({ id: d.id, text: d.text, metadata: {}, tokens: Uint32Array.from(encode(d.text)) });
    await proc.finish!();
    ctx.commit();
    const mctx = makeTaskContext({ runDir: run });
    await manifest.run(mctx);
    mctx.commit();
  }, 60_000);
  afterAll(() => rmSync(run, { recursive: true, force: true }));

  async function output(argv: string[]): Promise<string> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      await main(argv);
    } finally {
      spy.mockRestore();
    }
    return lines.join('\n');
  }

  it('summarises the dataset (run dir or tokens folder) and verifies shards', async () => {
    const out = await output([run, '--verify']);
    expect(out).toMatch(/verified 1\/1 shards/);
    expect(out).toMatch(/rows of 256 tokens \(seqLen 256\)/);
    expect(out).toMatch(/mode pad, uint16 ids/);
    expect(out).toMatch(/tokenizer: gpt2 \(vocab 50,257/);
  });

  it('decodes row 0 back to the first document, labelled with its id', async () => {
    const out = await output([join(run, 'tokens'), '--row', '0']);
    expect(out).toContain(`[${docs[0].id}]`);
    // pad mode: the first document starts the row; its first 200 characters come back verbatim
    const body = JSON.parse(out.split('\n').find((l) => l.startsWith(`[${docs[0].id}]`))!.slice(docs[0].id.length + 3)) as string;
    expect(body.startsWith(docs[0].text.slice(0, 200))).toBe(true);
  });

  it('errors clearly on a row out of range and bad options', async () => {
    await expect(main([run, '--row', '999999'])).rejects.toThrow(/row 999999 is out of range: .* has \d+ rows/);
    await expect(main([run, '--frobnicate'])).rejects.toThrow(/unknown option --frobnicate/);
  });
});
