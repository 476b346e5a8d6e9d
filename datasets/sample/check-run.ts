// Compare a pipeline run over the sample with MANIFEST.json: where each page ended up, and which
// outcomes contradict its kind for an English-only FineWeb-style pipeline.
//   pnpm exec tsx datasets/sample/check-run.ts <runDir>     # e.g. runs/commoncrawl
// Exits 1 when an expectation fails. Reads <run>/docs/*.parquet (kept documents) and
// <run>/removed/<stage>/*.jsonl.gz (exclusions written by stages with writeExclusions).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Manifest, ManifestRecord } from './make-sample.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Fate {
  record: ManifestRecord;
  /** 'kept', '<stage>:<reason>' for an exclusion, or 'absent' (never became a document, or dropped without an exclusion file). */
  fate: string;
}

function meta(m: unknown): Record<string, unknown> {
  return (typeof m === 'string' ? JSON.parse(m) : m ?? {}) as Record<string, unknown>;
}

/** What happened to every page of the manifest in the run at `runDir`. */
export async function runFates(runDir: string, manifest: Manifest = JSON.parse(readFileSync(join(HERE, 'MANIFEST.json'), 'utf8'))): Promise<Fate[]> {
  const fate = new Map<string, string>();
  const removedDir = join(runDir, 'removed');
  if (existsSync(removedDir))
    for (const stage of readdirSync(removedDir))
      for (const f of readdirSync(join(removedDir, stage)).filter((x) => x.endsWith('.jsonl.gz')))
        for (const line of gunzipSync(readFileSync(join(removedDir, stage, f))).toString('utf8').split('\n')) {
          if (!line) continue;
          const m = meta(JSON.parse(line).metadata);
          fate.set(String(m.url), `${stage}:${String(m.filter_reason ?? '?')}`);
        }
  for (const f of readdirSync(join(runDir, 'docs')).filter((x) => x.endsWith('.parquet'))) {
    const b = readFileSync(join(runDir, 'docs', f));
    const rows = (await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), columns: ['metadata'], compressors })) as Array<{ metadata: unknown }>;
    for (const r of rows) fate.set(String(meta(r.metadata).url), 'kept');
  }
  return manifest.records.map((record) => ({ record, fate: fate.get(record.uri) ?? 'absent' }));
}

/** Outcomes that contradict the manifest, one line each (empty when the run did what it should). */
export function unexpected(fates: Fate[]): string[] {
  const out: string[] = [];
  const byUri = new Map(fates.map((f) => [f.record.uri, f]));
  const groups = new Map<string, Fate[]>();
  for (const f of fates) {
    const { kind, language, uri } = f.record;
    const kept = f.fate === 'kept';
    if (kind === 'article' || kind === 'legacy_charset') {
      if (language === 'en' && !kept) out.push(`English article dropped (${f.fate}): ${uri}`);
      if (language !== 'en' && kept) out.push(`${language} article kept: ${uri}`);
    } else if (kind.startsWith('spam:')) {
      if (kept) out.push(`${kind} kept: ${uri}`);
    } else if (kind === 'non_html' || kind.startsWith('non_200') || kind === 'corrupt') {
      if (f.fate !== 'absent') out.push(`${kind} record became a document (${f.fate}): ${uri}`);
    } else {
      const orig = kind.slice(kind.indexOf(':') + 1);
      groups.set(orig, [...(groups.get(orig) ?? [byUri.get(orig)!]), f]);
    }
  }
  for (const [orig, members] of groups) {
    if (members[0].record.language !== 'en') continue;
    const kept = members.filter((m) => m.fate === 'kept').length;
    const exact = members.some((m) => m.record.kind.startsWith('exact_dup_of'));
    const sure = members.slice(1).every((m) => (m.record.pMinhash14x8 ?? 1) >= 0.99);
    if (kept === 0) out.push(`duplicate group lost every copy: ${orig}`);
    else if (kept > 1 && (exact || sure)) out.push(`${kept} copies kept of ${exact ? 'exact' : 'near'} duplicate group: ${orig}`);
  }
  return out;
}

/** kind (spam reasons kept, dup targets dropped) [language] → fate → count */
export function summary(fates: Fate[]): Record<string, Record<string, number>> {
  const s: Record<string, Record<string, number>> = {};
  for (const f of fates) {
    const k = f.record.kind.startsWith('spam:') || f.record.kind.startsWith('non_200') ? f.record.kind : f.record.kind.split(':')[0];
    const row = (s[`${k} [${f.record.language}]`] ??= {});
    row[f.fate] = (row[f.fate] ?? 0) + 1;
  }
  return s;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const run = process.argv[2];
  if (!run) {
    console.error('usage: tsx datasets/sample/check-run.ts <runDir>');
    process.exit(2);
  }
  const fates = await runFates(run);
  for (const [k, v] of Object.entries(summary(fates)).sort()) console.log(k.padEnd(36), Object.entries(v).map(([f, n]) => `${f} ${n}`).join(', '));
  const bad = unexpected(fates);
  for (const b of bad) console.log(`UNEXPECTED ${b}`);
  console.log(bad.length ? `${bad.length} unexpected outcomes` : 'all outcomes as expected');
  process.exitCode = bad.length ? 1 : 0;
}
