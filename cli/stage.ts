// `tokenmill stage <name> [--opt v …] [--dropped f.jsonl] < docs.jsonl > kept.jsonl`
// Runs any registered stage (multi-phase ones too: all phases in-process) over JSONL documents,
// through the same engine as a pipeline: one task, in this thread, in a temporary run directory.
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { once } from 'node:events';
import { pipeline as pipe } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { camel, coerce, parseArgs, str } from './args.ts';
import { definePipeline, planFor } from '../engine/plan.ts';
import { executePlan } from '../engine/executor.ts';
import { jsonlWriter } from '../engine/writers/jsonl.ts';
import { jsonlReader } from '../engine/readers/jsonl.ts';
import { PipelineConfigError, type PipelineStep, type Stage } from '../engine/types.ts';

const RESERVED = new Set(['dropped', 'keep-tmp', 'help', 'list']);

export async function main(argv: string[]): Promise<void> {
  const { registry } = await import('../stages/registry.ts');
  const { positionals, flags } = parseArgs(argv, ['help', 'list', 'keep-tmp']);
  const name = positionals[0];
  if (flags.list || !name) {
    const lines = Object.entries(registry).map(([k, f]) => `  ${k.padEnd(20)} ${Object.entries(f.defaults ?? {}).map(([o, v]) => `--${o} ${JSON.stringify(v)}`).join(' ')}`);
    process.stdout.write(`usage: tokenmill stage <name> [--option value …] [--dropped dropped.jsonl] < docs.jsonl > kept.jsonl\n\nstages and their options (defaults):\n${lines.join('\n')}\n`);
    if (!flags.list) process.exitCode = 2;
    return;
  }
  const factory = registry[name];
  if (!factory) throw new PipelineConfigError(`unknown stage "${name}" (known: ${Object.keys(registry).join(', ')})`);
  const defaults = factory.defaults ?? {};
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (RESERVED.has(k)) continue;
    const key = k in defaults ? k : camel(k);
    if (!(key in defaults)) throw new PipelineConfigError(`stage "${name}": unknown option "--${k}" (known: ${Object.keys(defaults).map((d) => `--${d}`).join(', ') || 'none'})`);
    options[key] = coerce(v, defaults[key], k);
  }
  const droppedFile = str(flags, 'dropped');
  const step = factory({ ...options, ...(droppedFile ? { writeExclusions: true } : {}) }) as PipelineStep;
  if (droppedFile && step.kind === 'stage') markExclusions(step);

  const dir = mkdtempSync(join(tmpdir(), 'tokenmill-stage-'));
  try {
    // Spool stdin to a file: the engine reads inputs by path, and this keeps memory bounded.
    const input = join(dir, 'stdin.jsonl');
    await pipe(process.stdin, createWriteStream(input));
    const pipeline = definePipeline({
      name: `stage-${name}`,
      input: { paths: [input], reader: jsonlReader() },
      stages: [step],
      output: jsonlWriter({ gzip: false }),
      outputDir: join(dir, 'run'),
      tasks: 1,
      workers: 0,
    });
    const { plan, built } = await planFor(pipeline, '<stage>', {}, dir);
    const { stats } = await executePlan(plan, built, { progress: 'none' });
    await copyTo(join(plan.runDir, 'docs', '00000.jsonl'), process.stdout, false);
    if (droppedFile) await writeDropped(plan.runDir, droppedFile);
    const summary = stats.phases.flatMap((p) => p.stages).filter((s) => s.name !== 'read' && s.name !== 'write');
    for (const s of summary) {
      const reasons = Object.entries(s.dropped).map(([r, c]) => `${r}=${c}`).join(' ');
      console.error(`${s.name}: ${s.docsIn} in, ${s.docsOut} kept${reasons ? `, dropped ${reasons}` : ''}`);
    }
  } finally {
    if (!flags['keep-tmp']) rmSync(dir, { recursive: true, force: true });
    else console.error(`run directory kept: ${dir}`);
  }
}

/** Multi-phase stages: make every sub-stage write its exclusions. */
function markExclusions(step: Stage): void {
  const orig = step.expand;
  if (!orig) return;
  (step as { expand?: () => PipelineStep[] }).expand = () =>
    orig.call(step).map((s) => (s.kind === 'stage' ? { ...s, writeExclusions: true } : s));
}

async function copyTo(file: string, out: NodeJS.WritableStream, gz: boolean): Promise<void> {
  if (!existsSync(file)) return;
  const src = gz ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  for await (const chunk of src) if (!out.write(chunk)) await once(out, 'drain');
}

async function writeDropped(runDir: string, target: string): Promise<void> {
  const out = createWriteStream(target);
  const removed = join(runDir, 'removed');
  if (existsSync(removed)) {
    for (const stage of readdirSync(removed).sort()) {
      for (const f of readdirSync(join(removed, stage)).sort()) await copyTo(join(removed, stage, f), out, true);
    }
  }
  out.end();
  await once(out, 'close');
}
