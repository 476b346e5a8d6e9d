// Run a stage factory over documents the way the engine does (open once, process each doc).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTaskContext, type OwnedTaskContext } from '../../../engine/context.ts';
import type { Doc, StageFactory, Stage } from '../../../engine/types.ts';

export function doc(text: string, metadata: Record<string, unknown> = {}, id = 'd0'): Doc {
  return { id, text, metadata };
}

export interface Runner {
  run(d: Doc): Promise<Doc | string>;
  ctx: OwnedTaskContext;
}

export async function openStage(factory: StageFactory, options: Record<string, unknown> = {}): Promise<Runner> {
  const stage = factory(options) as Stage;
  stage.validate?.();
  const ctx = makeTaskContext({ runDir: mkdtempSync(join(tmpdir(), 'tm-filters-')), stageName: stage.name });
  const proc = await stage.open(ctx);
  return { ctx, run: async (d) => await proc.process(d) };
}

/** Keep/drop of one text under a stage: the reason string or true. */
export async function verdict(factory: StageFactory, text: string, options: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Promise<true | string> {
  const r = await (await openStage(factory, options)).run(doc(text, metadata));
  return typeof r === 'string' ? r : true;
}
