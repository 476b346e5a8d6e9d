// Loading what a run directory holds: <run>/stats.json (merged stats), <run>/plan.json and
// <run>/tokens/manifest.json. Every part is optional so that older or partial runs still show what
// they have; a run without stats.json but with per-task stats files is merged on the fly (in memory,
// nothing is written). A dataset folder (manifest.json only) is accepted too.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RunStats } from '../../engine/types.ts';
import type { Plan } from '../../engine/plan.ts';
import { reviveStats } from '../../engine/stats.ts';

/** One shard as listed by a token dataset's manifest (fields we read; others are ignored). */
export interface ManifestShard {
  file?: string;
  name?: string;
  path?: string;
  rows?: number;
  bytes?: number;
  tokens?: number;
  padTokens?: number;
  [key: string]: unknown;
}

/** `<run>/tokens/manifest.json` (datasets/manifest.ts), read tolerantly: fields used here only. */
export interface ManifestLike {
  seqLen?: number;
  /** Tokens per row: seqLen, or seqLen + 1 when rows overlap by one token. */
  rowLen?: number;
  vocabSize?: number;
  /** Text tokens of the dataset (padding excluded). */
  tokens?: number;
  tokenizerHash?: string;
  tokenizer?: string | { hash?: string; name?: string; [key: string]: unknown };
  padTokens?: number;
  shards?: ManifestShard[];
  [key: string]: unknown;
}

export interface RunData {
  /** Absolute path of the run (or dataset) folder. */
  dir: string;
  /** Short label for comparisons (folder name). */
  label: string;
  stats: RunStats | null;
  plan: Plan | null;
  manifest: ManifestLike | null;
  /** Where each part came from, and why a part is missing. */
  notes: string[];
}

export class StatsInputError extends Error {
  readonly userError = true;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new StatsInputError(`${file}: cannot read ${what}: ${(e as Error).message}`);
  }
}

/** Load a run directory, its stats.json file, or a token dataset folder. */
export async function loadRun(path: string): Promise<RunData> {
  let p = resolve(path);
  if (!existsSync(p)) throw new StatsInputError(`${path}: no such file or directory`);
  if (statSync(p).isFile()) {
    if (basename(p) !== 'stats.json' && basename(p) !== 'manifest.json') throw new StatsInputError(`${path}: expected a run directory, its stats.json or a dataset's manifest.json`);
    p = dirname(p);
  }
  const notes: string[] = [];
  const planFile = join(p, 'plan.json');
  const plan = existsSync(planFile) ? readJson<Plan>(planFile, 'the run plan') : null;

  let stats: RunStats | null = null;
  const statsFile = join(p, 'stats.json');
  if (existsSync(statsFile)) {
    stats = reviveStats(readJson<RunStats>(statsFile, 'run stats'));
  } else if (plan && existsSync(join(p, 'phases'))) {
    // An unfinished run: merge the stats files of the tasks that completed (runDir taken from here,
    // so a run moved since it was planned still works).
    const { mergeRunStats } = await import('../../engine/executor.ts');
    stats = mergeRunStats({ ...plan, runDir: p });
    notes.push('stats.json is missing: merged from the completed tasks under phases/');
  } else {
    notes.push('no stats.json: document-level stats are not available');
  }

  let manifest: ManifestLike | null = null;
  for (const f of [join(p, 'tokens', 'manifest.json'), join(p, 'manifest.json')]) {
    if (existsSync(f)) {
      manifest = readJson<ManifestLike>(f, 'the token manifest');
      break;
    }
  }
  if (!manifest) notes.push('no tokens/manifest.json: no token shards to show');
  if (!stats && !manifest && !plan) throw new StatsInputError(`${path}: neither stats.json, plan.json nor a token manifest found — is this a run directory?`);
  return { dir: p, label: basename(p), stats, plan, manifest, notes };
}
