// Builds a real run for the stats tests: real documents from ../shared written as JSONL, then
// `tokenmill pipeline` (the real CLI and engine) over them with the fixture pipeline.
// (No vitest import here, so a script can build the same run for the README screenshots.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shared = (rel: string) => join(ROOT, '..', 'shared', rel);
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Run `tokenmill <args>` from the repo root. */
export function tokenmill(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, [join(ROOT, 'cli', 'tokenmill.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const SAMPLE_SHARED = [
  'data/html_extraction/ground-truth.json',
  'data/langid/udhr_articles.jsonl',
  'data/dedup/ndd_collection_r8_webkb.jsonl',
  'data/quality/dolma_ccnet_cc_en_head-0091.jsonl.gz',
];

export const FIXTURE = join(ROOT, 'test', 'cli', 'stats', 'fixtures', 'sample-run.ts');

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const lines = (text: string) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Write the input documents (about 700) into `dir`; returns the JSONL paths. */
export function writeSampleInput(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, unknown[]]> = [];
  const gt = JSON.parse(readFileSync(shared('data/html_extraction/ground-truth.json'), 'utf8')) as Record<string, { articleBody: string; url: string }>;
  files.push(['articles.jsonl', Object.entries(gt).map(([id, v]) => ({ id, text: v.articleBody, metadata: { url: v.url } }))]);
  // UDHR: articles 1 and 3 in every language (short: many fall to the length filter).
  const udhr = lines(readFileSync(shared('data/langid/udhr_articles.jsonl'), 'utf8')).filter((r) => r.article === '1' || r.article === '3');
  files.push(['udhr.jsonl', udhr.map((r, i) => ({ id: `udhr-${r.lang}-${r.article}-${i}`, text: r.text, metadata: { url: `https://udhr.example/${r.lang}/${r.article}`, expectedLang: r.lang } }))]);
  // Near-duplicate collections: every planted group and 150 other documents.
  const ndd = lines(readFileSync(shared('data/dedup/ndd_collection_r8_webkb.jsonl'), 'utf8'));
  const picked = [...ndd.filter((r) => r.ndd_group), ...ndd.filter((r) => !r.ndd_group).slice(0, 150)];
  files.push(['ndd.jsonl', picked.map((r) => ({ id: r.doc_id, text: r.text, metadata: { ndd_group: r.ndd_group ?? null, url: `https://${String(r.collection).toLowerCase()}.example/${r.doc_id}` } }))]);
  const ccnet = lines(gunzipSync(readFileSync(shared('data/quality/dolma_ccnet_cc_en_head-0091.jsonl.gz'))).toString('utf8'));
  files.push(['ccnet.jsonl', ccnet.map((r) => ({ id: r.id, text: r.text, metadata: { url: r.id } }))]);
  return files.map(([name, rows]) => {
    const p = join(dir, name);
    writeFileSync(p, jsonl(rows));
    return p;
  });
}

/** Run the fixture pipeline; throws with the CLI's output when it fails. */
export function runSample(inputDir: string, runDir: string, env: Record<string, string> = {}): void {
  const input = writeSampleInput(inputDir);
  const r = tokenmill(['pipeline', FIXTURE, '--output', runDir, '--progress', 'none', '--force'], { STATS_FIXTURE_INPUT: input.join(','), ...env });
  if (r.code !== 0) throw new Error(`pipeline failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}
