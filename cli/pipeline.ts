// `tokenmill pipeline <name|file>`: plan and run a pipeline locally (or on Slurm), resume, status.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, num, str } from './args.ts';
import { mergeRunStats, phaseStatus, runPipeline } from '../engine/executor.ts';
import { makePlan, resolvePipelineFile, type Overrides, type Plan } from '../engine/plan.ts';
import { PipelineConfigError } from '../engine/types.ts';
import type { ProgressMode } from '../engine/progress.ts';
import { printFunnel } from './funnel.ts';

export const PIPELINE_USAGE = `usage: tokenmill pipeline <name|file> [options]

  --input <paths>        comma-separated files, globs or http(s) URLs (replaces the pipeline's input)
  --crawl <CC-MAIN-…>    read a Common Crawl crawl by name; --files a:b picks lines of its warc.paths.gz
  --base-url <url>       Common Crawl base URL (default https://data.commoncrawl.org/)
  --tasks <n>            number of tasks (input files are sharded i, i+n, …)
  --workers <n>          worker threads (default: number of cores; 0 runs in this thread)
  --output <dir>         run directory (default runs/<name>)
  --force                redo every task (clears the run directory)
  --status               show per-phase done/pending and exit
  --dry-run              print the plan and exit
  --progress <mode>      bar | lines | none (default: bar on a TTY, lines otherwise)
  --executor <local|slurm>  where tasks run (default local)

Slurm (--executor slurm): one job array per phase, chained with afterok; relaunch submits only unfinished ranks
  --partition <p> --cpus-per-task <n> --mem <4G> --time <hh:mm:ss>
  --max-array-size <n>   the cluster's MaxArraySize (default 1000): larger phases are split
  --concurrency <k>      at most k tasks of an array at once (--array=…%k)
  --sbatch-args "<…>"    extra #SBATCH lines, e.g. "--account=abc --qos=low"
  --wait                 poll squeue until the jobs end, then merge stats and report
`;

export function overridesFrom(flags: Record<string, string | boolean>): Overrides {
  const input = str(flags, 'input');
  return {
    input: input ? input.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    crawl: str(flags, 'crawl'),
    files: str(flags, 'files'),
    baseUrl: str(flags, 'base-url'),
    tasks: num(flags, 'tasks'),
    workers: num(flags, 'workers'),
    output: str(flags, 'output'),
    seed: num(flags, 'seed'),
  };
}

export async function main(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, ['force', 'status', 'dry-run', 'help', 'wait']);
  if (flags.help || positionals.length === 0) {
    process.stdout.write(PIPELINE_USAGE);
    if (!flags.help) process.exitCode = 2;
    return;
  }
  const name = positionals[0];
  const o = overridesFrom(flags);
  const executor = str(flags, 'executor') ?? 'local';
  if (flags.status) return printStatus(name, o);
  if (executor === 'slurm') {
    const { submitSlurm } = await import('../engine/slurm.ts');
    await submitSlurm(name, o, flags);
    return;
  }
  if (executor !== 'local') throw new PipelineConfigError(`--executor must be local or slurm, got "${executor}"`);
  const t = performance.now();
  const { plan, stats } = await runPipeline(name, {
    ...o,
    force: !!flags.force,
    dryRun: !!flags['dry-run'],
    progress: (str(flags, 'progress') as ProgressMode | undefined) ?? 'auto',
  });
  if (flags['dry-run']) {
    console.log(JSON.stringify(plan, null, 2));
    return;
  }
  printFunnel(stats);
  console.log(`\ndone in ${((performance.now() - t) / 1000).toFixed(1)} s → ${plan.runDir} (stats: ${join(plan.runDir, 'stats.json')})`);
}

async function printStatus(name: string, o: Overrides): Promise<void> {
  const file = resolvePipelineFile(name);
  const { plan } = await makePlan(file, o);
  const planFile = join(plan.runDir, 'plan.json');
  if (!existsSync(planFile)) {
    console.log(`${plan.runDir}: not started`);
    return;
  }
  const saved = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  // Stats are merged from the tasks' files: after a relaunch they are complete again.
  const { writeAtomic } = await import('../engine/runtime.ts');
  writeAtomic(join(saved.runDir, 'stats.json'), JSON.stringify(mergeRunStats(saved), null, 1) + '\n');
  for (const p of phaseStatus(saved)) {
    const failed = p.failed.length ? `${p.failed.length} failed (ranks ${p.failed.slice(0, 10).join(',')}${p.failed.length > 10 ? ',…' : ''})  ` : '';
    console.log(`${p.phase.padEnd(24)} ${String(p.done).padStart(5)}/${p.tasks} done  ${failed}${p.tasks - p.done - p.failed.length} pending`);
  }
}

/** `tokenmill task --run-dir D --phase P --rank R`: one task of a planned run (Slurm array element). */
export async function taskMain(argv: string[]): Promise<void> {
  const { flags } = parseArgs(argv);
  const runDir = str(flags, 'run-dir');
  const phaseName = str(flags, 'phase');
  const rank = num(flags, 'rank') ?? Number(process.env.SLURM_ARRAY_TASK_ID);
  if (!runDir || !phaseName || !Number.isInteger(rank)) throw new PipelineConfigError('usage: tokenmill task --run-dir <dir> --phase <name> --rank <n>');
  const { runTaskInWorker } = await import('../engine/worker-task.ts');
  const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as Plan;
  const phase = plan.phases.find((p) => p.name === phaseName);
  if (!phase) throw new PipelineConfigError(`${runDir}: no phase "${phaseName}" (phases: ${plan.phases.map((p) => p.name).join(', ')})`);
  const { isComplete } = await import('../engine/runtime.ts');
  if (isComplete(plan, phase.name, rank) && !flags.force) {
    console.error(`${phase.name} task ${rank} already complete`);
    return;
  }
  await runTaskInWorker({ runDir, phaseIndex: phase.index, rank });
  console.error(`${phase.name} task ${rank} done`);
}
