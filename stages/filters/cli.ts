// `tokenmill quality train --hq FILE… --lq FILE… --out model.bin [--holdout 0.1] [--dim 16 …]`
// Trains the fastText model that the `quality-classifier` stage uses (stages/filters/quality-train.ts).
import { camel, parseArgs } from '../../cli/args.ts';
import { qualityTrainDefaults, summary, trainQualityModel, type QualityTrainParams } from './quality-train.ts';

const USAGE = `usage: tokenmill quality train --hq FILE [FILE…] --lq FILE [FILE…] --out model.bin [options]

  FILE: JSONL documents with a "text" field (.jsonl, .json, .jsonl.gz) or plain text, one example per line
  --holdout S     share of examples held out to measure accuracy (default ${qualityTrainDefaults.holdout}; 0 = none);
                  held out one by one: when examples are cut from the same pages, split by page yourself
  --dim N --epoch N --lr X --word-ngrams N --minn N --maxn N --min-count N --bucket N --seed N
                  fastText hyper-parameters (defaults ${Object.entries(qualityTrainDefaults).filter(([k]) => k !== 'holdout').map(([k, v]) => `${k} ${v}`).join(', ')})
then: tokenmill stage quality-classifier --model model.bin --keepLabels hq:0.5, or a pipeline stage`;

const userError = (msg: string) => Object.assign(new Error(msg), { userError: true });
/** A missing or unknown argument: the error line, then the usage. */
const usageError = (msg: string) => userError(`${msg}\n${USAGE}`);

export async function main(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    if (!sub) process.exitCode = 2;
    return;
  }
  if (sub !== 'train') throw usageError(`unknown subcommand "${sub}"`);
  // --hq and --lq take every value up to the next flag
  const files: Record<'hq' | 'lq', string[]> = { hq: [], lq: [] };
  const others: string[] = [];
  let into: string[] | undefined;
  for (const a of rest) {
    const m = /^--(hq|lq)(?:=(.*))?$/.exec(a);
    if (m) {
      into = files[m[1] as 'hq' | 'lq'];
      if (m[2] !== undefined) {
        into.push(m[2]);
        into = undefined;
      }
    } else if (a.startsWith('--')) {
      into = undefined;
      others.push(a);
    } else if (into) into.push(a);
    else others.push(a);
  }
  const { positionals, flags } = parseArgs(others);
  if (positionals.length) throw usageError(`unexpected argument "${positionals[0]}"`);
  const out = flags.out;
  if (typeof out !== 'string') throw usageError('--out model.bin is required');
  const params: Partial<QualityTrainParams> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (k === 'out') continue;
    const key = camel(k) as keyof QualityTrainParams;
    if (!(key in qualityTrainDefaults)) throw usageError(`unknown option --${k}`);
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isFinite(n)) throw userError(`--${k}: expected a number, got ${typeof v === 'string' ? `"${v}"` : 'nothing'}`);
    params[key] = n;
  }
  for (const l of ['hq', 'lq'] as const) if (files[l].length === 0) throw usageError(`--${l} FILE is required (examples of both labels are needed)`);
  try {
    console.log(summary(await trainQualityModel({ ...params, ...files, out })));
  } catch (e) {
    throw userError((e as Error).message);
  }
}
