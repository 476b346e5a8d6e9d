// `tokenmill stats <run> [<run2>] [--html report.html] [--json]`
//
//   <run>            a run directory (reads stats.json, plan.json, tokens/manifest.json — each
//                    optional), its stats.json, or a token dataset folder with manifest.json
//   <run2>           a second run: comparison side by side (terminal, --json and --html)
//   --html <file>    write one self-contained HTML report (charts + sample viewer; no network needed)
//   --json           print the machine-readable summary (one run: the Summary object; two runs:
//                    {"runs": [A, B]}) instead of the terminal summary
//   --color/--no-color  force or disable ANSI colour (default: colour on a TTY unless NO_COLOR)
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, str } from '../args.ts';
import { loadRun, StatsInputError } from './load.ts';
import { summarize, type Summary } from './summarize.ts';
import { formatComparison, formatSummary, styleFor } from './summary.ts';
import { renderHtml } from './html.ts';

export const STATS_USAGE = `usage: tokenmill stats <run-dir> [<run-dir-2>] [--html report.html] [--json]

  <run-dir>        run directory (stats.json, plan.json, tokens/manifest.json), or a dataset folder
  <run-dir-2>      a second run to compare side by side
  --html <file>    write a self-contained HTML report with charts and sample documents
  --json           print the summary as JSON
  --no-color       plain text even on a terminal
`;

export async function loadSummaries(dirs: string[]): Promise<Summary[]> {
  const out: Summary[] = [];
  for (const d of dirs) out.push(summarize(await loadRun(d)));
  // Same folder name twice (runs/a/x vs runs/b/x): label by parent to tell them apart.
  if (out.length === 2 && out[0].label === out[1].label) {
    for (const s of out) s.label = `${dirname(s.dir).split(/[\\/]/).pop()}/${s.label}`;
  }
  return out;
}

export function writeReport(file: string, html: string): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
}

export async function main(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, ['json', 'help', 'color']);
  if (flags.help || positionals.length === 0) {
    process.stdout.write(STATS_USAGE);
    if (!flags.help) process.exitCode = 2;
    return;
  }
  if (positionals.length > 2) throw new StatsInputError(`at most two runs can be compared, got ${positionals.length}: ${positionals.join(' ')}`);
  if (flags.html === true) throw new StatsInputError('--html needs a file name, e.g. --html report.html');
  const summaries = await loadSummaries(positionals);
  const html = str(flags, 'html');
  if (html) {
    writeReport(html, renderHtml(summaries, { generatedAt: new Date().toISOString() }));
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify(summaries.length === 1 ? summaries[0] : { runs: summaries }, null, 1) + '\n');
  } else {
    const st = flags.color === true ? styleFor({ isTTY: true }) : flags.color === false ? styleFor({}) : styleFor(process.stdout);
    process.stdout.write(summaries.length === 1 ? formatSummary(summaries[0], st) : formatComparison(summaries[0], summaries[1], st));
  }
  if (html) process.stderr.write(`report → ${resolve(html)}\n`);
}
