// `tokenmill stage <name>` runs any registered stage over JSONL from the shell — including
// multi-phase ones (all phases in-process) — with dropped documents and reasons on request.
import { expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeShared, shared } from '../shared.ts';
import { cli, tempDir } from '../helpers.ts';

describeShared('tokenmill stage', 'data/dedup', () => {
  it('minhash over a JSONL file on stdin: planted near-duplicate groups collapse, drops carry their reason', () => {
    const lines = readFileSync(shared('data/dedup/ndd_collection_r8_webkb.jsonl'), 'utf8').trim().split('\n').slice(0, 400);
    const docs = lines.map((l) => JSON.parse(l));
    const input = docs.map((d) => JSON.stringify({ id: d.doc_id, text: d.text, metadata: { group: d.ndd_group ?? null } })).join('\n') + '\n';
    const dropped = join(tempDir(), 'dropped.jsonl');
    const r = cli(['stage', 'minhash', '--dropped', dropped], { input });
    expect(r.code, r.stderr).toBe(0);
    const kept = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const gone = readFileSync(dropped, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(kept.length + gone.length).toBe(docs.length);
    expect(gone.every((d) => d.metadata.filter_reason === 'minhash_duplicate')).toBe(true);
    // Each planted group in these 400 docs keeps at most a couple of members.
    const groups = new Map<string, number>();
    for (const d of kept) if (d.metadata.group) groups.set(d.metadata.group, (groups.get(d.metadata.group) ?? 0) + 1);
    const planted = new Set(docs.filter((d) => d.ndd_group).map((d) => d.ndd_group));
    expect(planted.size).toBeGreaterThan(0);
    for (const g of planted) expect(groups.get(g) ?? 0, g).toBeLessThanOrEqual(2);
    expect(r.stderr).toMatch(/minhash-filter: \d+ in, \d+ kept, dropped minhash_duplicate=\d+/);
  });

  it('exact-dedup on the cs336 fixtures keeps one of the exact pair', () => {
    const dir = shared('data/dedup/cs336_fixtures/documents_with_line_duplicates');
    const files = readdirSync(dir).sort();
    const input = files.map((f) => JSON.stringify({ id: f, text: readFileSync(join(dir, f), 'utf8') })).join('\n') + '\n';
    const r = cli(['stage', 'exact-dedup'], { input });
    expect(r.code, r.stderr).toBe(0);
    const kept = r.stdout.trim().split('\n').map((l) => JSON.parse(l).id);
    const labels = JSON.parse(readFileSync(shared('data/dedup/cs336_fixtures/LABELS.json'), 'utf8'));
    expect(kept.length).toBe(labels.minhash_exact_duplicates.expected_kept_count);
    const [a, b] = labels.minhash_exact_duplicates.duplicate_pairs[0];
    expect(kept.includes(a) !== kept.includes(b)).toBe(true);
  });

  it('bad stage names and options are one clear line', () => {
    expect(cli(['stage', 'nope'], { input: '' }).stderr).toMatch(/unknown stage "nope" \(known: .*minhash/);
    const r = cli(['stage', 'minhash', '--bandz', '3'], { input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/stage "minhash": unknown option "--bandz"/);
  });
});
