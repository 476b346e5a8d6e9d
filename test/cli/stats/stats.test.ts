// `tokenmill stats` on real runs: the fixture pipeline (langid, Gopher, MinHash, GPT-2 tokens)
// over real documents from ../shared, run twice with different settings by the real CLI. The
// summary (--json, terminal, HTML) is checked against the run's stats.json and against the
// documents actually written; the HTML report is rendered in headless Chromium.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { RunStats, StageStats } from '../../../engine/types.ts';
import { describeShared } from '../../shared.ts';
import { tempDir } from '../../helpers.ts';
import { ROOT, runSample, SAMPLE_SHARED, tokenmill } from './sample-run.ts';
import type { Summary } from '../../../cli/stats/summarize.ts';
import { emptyTopK, topkAdd, topkList } from '../../../engine/topk.ts';

let dir = '';
let runA = '';
let runB = '';
let statsA: RunStats;
let statsB: RunStats;

const readStats = (run: string) => JSON.parse(readFileSync(join(run, 'stats.json'), 'utf8')) as RunStats;
const allStages = (s: RunStats) => s.phases.flatMap((p) => p.stages.map((st) => ({ phase: p.name, st })));
const stageOf = (s: RunStats, name: string): StageStats => {
  const x = allStages(s).find((r) => r.st.name === name);
  if (!x) throw new Error(`no stage ${name}`);
  return x.st;
};
const fmt = (n: number) => n.toLocaleString('en-US');
/** The phase that writes the output documents: the last one with a `write` stage (global phases may follow it). */
const finalDocPhase = <P extends { stages: Array<{ name: string }> }>(phases: P[]): P => phases.filter((p) => p.stages.some((x) => x.name === 'write')).at(-1)!;

async function writtenDocs(run: string): Promise<Array<{ id: string; text: string; url?: string }>> {
  const out: Array<{ id: string; text: string; url?: string }> = [];
  for (const f of readdirSync(join(run, 'docs')).sort()) {
    const buf = readFileSync(join(run, 'docs', f));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    out.push(...((await parquetReadObjects({ file: ab, compressors })) as Array<{ id: string; text: string; url?: string }>));
  }
  return out;
}

function statsJson(args: string[]): unknown {
  const r = tokenmill(['stats', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describeShared('tokenmill stats on a real run', SAMPLE_SHARED, () => {
  beforeAll(() => {
    dir = tempDir('tokenmill-stats-');
    runA = join(dir, 'default');
    runB = join(dir, 'strict');
    runSample(join(dir, 'input'), runA);
    // A second run with stricter settings, to compare.
    runSample(join(dir, 'input'), runB, { STATS_FIXTURE_MIN_WORDS: '60', STATS_FIXTURE_MIN_SCORE: '0.9' });
    statsA = readStats(runA);
    statsB = readStats(runB);
  }, 300_000);

  it('--json: the funnel, totals and drop reasons are the numbers of stats.json', () => {
    const s = statsJson([runA]) as Summary;
    const stages = allStages(statsA);
    expect(s.funnel.length).toBe(stages.length);
    stages.forEach(({ phase, st }, i) => {
      const r = s.funnel[i];
      expect([r.phase, r.stage]).toEqual([phase, st.name]);
      expect([r.docsIn, r.docsOut, r.charsIn, r.charsOut, r.timeMs]).toEqual([st.docsIn, st.docsOut, st.charsIn, st.charsOut, st.timeMs]);
      expect(r.tokensOut).toBe(st.tokensOut ?? null);
      expect(Object.fromEntries(r.reasons.map((x) => [x.reason, x.docs]))).toEqual(st.dropped);
      expect(r.dropped).toBe(Object.values(st.dropped).reduce((a, b) => a + b, 0));
    });
    // Read = what the first phase's reader yielded; kept = what the last phase wrote.
    const first = statsA.phases[0].stages[0];
    const lastPhase = finalDocPhase(statsA.phases);
    const write = lastPhase.stages[lastPhase.stages.length - 1];
    expect(first.name).toBe('read');
    expect(write.name).toBe('write');
    expect(s.totals.docsRead).toBe(first.docsOut);
    expect(s.totals.docsKept).toBe(write.docsOut);
    expect(s.totals.tokens).toBe(stageOf(statsA, 'tokenize').tokensOut);
    expect(s.totals.bytesIn).toBe(statsA.phases.reduce((a, p) => a + p.bytesIn, 0));
    expect(s.config.steps.map((x) => x.name)).toEqual(statsA.config.steps.map((x) => x.name));
    // The run really filtered: several stages dropped documents for several reasons.
    expect(s.funnel.filter((r) => r.dropped > 0).length).toBeGreaterThanOrEqual(3);
  });

  it('--json: languages are the langid counters and cover every document langid saw', () => {
    const s = statsJson([runA]) as Summary;
    const langid = stageOf(statsA, 'langid');
    const counters = Object.entries(langid.counters).filter(([k]) => k.startsWith('lang:'));
    expect(s.languageStage).toBe('langid');
    expect(s.languages.length).toBe(counters.length);
    for (const l of s.languages) expect(l.docs).toBe(langid.counters[`lang:${l.lang}`]);
    expect(s.languages.reduce((a, l) => a + l.docs, 0)).toBe(langid.docsIn);
    expect(s.languages[0].lang).toBe('en'); // news, CCNet and the English collections dominate
    expect(s.languages.length).toBeGreaterThan(20); // UDHR in many languages
  });

  it('--json: length percentiles agree with the documents actually written (within one quarter-octave bin)', async () => {
    const s = statsJson([runA]) as Summary;
    const docs = await writtenDocs(runA);
    expect(s.lengths.chars!.count).toBe(docs.length);
    const lens = docs.map((d) => d.text.length).sort((a, b) => a - b);
    expect(s.lengths.chars!.min).toBe(lens[0]);
    expect(s.lengths.chars!.max).toBe(lens[lens.length - 1]);
    expect(s.lengths.chars!.sum).toBe(lens.reduce((a, b) => a + b, 0));
    for (const [q, key] of [[0.1, 'p10'], [0.5, 'p50'], [0.9, 'p90']] as const) {
      const exact = lens[Math.ceil(q * lens.length) - 1];
      const approx = s.lengths.chars![key];
      expect(Math.abs(Math.log2((approx + 1) / (exact + 1)))).toBeLessThanOrEqual(0.25 + 1e-9);
    }
    // Token lengths come from the tokenize stage's histogram: one value per kept document.
    expect(s.lengths.tokens!.count).toBe(stageOf(statsA, 'tokenize').docsOut);
    expect(s.lengths.tokens!.sum).toBe(stageOf(statsA, 'tokenize').tokensOut);
  });

  it('--json: dedup clusters match the MinHash counters; samples are real kept and dropped documents', async () => {
    const s = statsJson([runA]) as Summary;
    const cluster = stageOf(statsA, 'minhash-cluster');
    const c = s.clusters.find((x) => x.key === 'cluster_size')!;
    expect(c.count).toBe(cluster.counters.minhash_clusters);
    expect(c.clusters).toBe(cluster.counters.minhash_clusters);
    // Keep-first: every cluster keeps one document, so removed = sum of sizes - clusters.
    expect(c.sum - c.count).toBe(cluster.counters.minhash_duplicates);
    expect(stageOf(statsA, 'minhash-filter').dropped.minhash_duplicate).toBe(cluster.counters.minhash_duplicates);

    const written = new Set((await writtenDocs(runA)).map((d) => d.id));
    expect(s.samples.kept.length).toBeGreaterThan(0);
    for (const k of s.samples.kept) expect(written.has(k.id)).toBe(true);
    expect(s.samples.dropped.length).toBeGreaterThan(0);
    for (const d of s.samples.dropped) {
      expect(written.has(d.id)).toBe(false);
      expect(Object.keys(stageOf(statsA, d.stage).dropped)).toContain(d.reason);
    }
    // Domains: the runtime's bounded top-k of written documents (exact here: fewer hosts than k).
    const hosts = new Map<string, number>();
    for (const d of await writtenDocs(runA)) {
      const h = new URL(String(d.url)).hostname.replace(/^www\./, '');
      hosts.set(h, (hosts.get(h) ?? 0) + 1);
    }
    const top = [...hosts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    expect(s.domains[0]).toEqual({ domain: top[0], docs: top[1] });
  });

  it('top domains from a bounded top-k (topk.domain) when the runtime records one', () => {
    // The run's per-host counters, turned into the proposed bounded structure on the writer.
    const copy = join(dir, 'topk');
    cpSync(runA, copy, { recursive: true });
    const st = readStats(copy);
    const counters = st.phases[0].stages.find((x) => x.name === 'domains')!.counters;
    const t = emptyTopK(4);
    for (const [k, v] of Object.entries(counters)) if (k.startsWith('domain:')) topkAdd(t, k.slice(7), v);
    for (const k of Object.keys(counters)) if (k.startsWith('domain:')) delete counters[k];
    const last = finalDocPhase(st.phases);
    (last.stages[last.stages.length - 1] as StageStats & { topk?: unknown }).topk = { domain: t };
    writeFileSync(join(copy, 'stats.json'), JSON.stringify(st));
    const s = statsJson([copy]) as Summary;
    const expected = topkList(structuredClone(t), 25);
    expect(s.domains).toEqual(expected.items.map((x) => ({ domain: x.item, docs: x.count })));
    expect(s.domains[0].domain).toBe('udhr.example');
    expect(s.domainsSource).toContain(`low by up to ${expected.maxError}`);
  });

  it('terminal summary: plain and aligned when piped, coloured on request', () => {
    const r = tokenmill(['stats', runA]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('phase ') && l.includes('docs out'))!;
    const end = header.indexOf('docs out') + 'docs out'.length;
    for (const { phase, st } of allStages(statsA)) {
      const line = lines.find((l) => l.startsWith(phase) && l.split(/\s+/)[1] === st.name)!;
      expect(line, `${phase} ${st.name}`).toBeDefined();
      // Right-aligned under its header.
      expect(line.slice(0, end).trimEnd().endsWith(fmt(st.docsOut))).toBe(true);
      // The three largest drop reasons, and how many more there are.
      const reasons = Object.entries(st.dropped).sort((a, b) => b[1] - a[1]);
      for (const [reason, n] of reasons.slice(0, 3)) expect(line).toContain(`${reason} ${fmt(n)}`);
      if (reasons.length > 3) expect(line).toContain(`(+${reasons.length - 3} more)`);
    }
    expect(r.stdout).toContain(`kept ${fmt(stageOf(statsA, 'tokenize').docsOut)} of ${fmt(statsA.phases[0].stages[0].docsOut)} documents`);
    expect(r.stdout).toMatch(/Languages \(langid/);
    expect(r.stdout).toMatch(/Dedup clusters/);
    expect(r.stdout).toContain(`pipeline ${statsA.pipelineFile}`);
    const colour = tokenmill(['stats', runA, '--color']);
    expect(colour.stdout).toMatch(/\x1b\[1m/);
  });

  it('comparison: both runs side by side, the strict run keeps fewer documents', () => {
    const j = statsJson([runA, runB]) as { runs: Summary[] };
    expect(j.runs.map((r) => r.label)).toEqual(['default', 'strict']);
    expect(j.runs[1].totals.docsRead).toBe(j.runs[0].totals.docsRead);
    expect(j.runs[1].totals.docsKept).toBeLessThan(j.runs[0].totals.docsKept!);
    const r = tokenmill(['stats', runA, runB]);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => /^00-docs\s+length\s/.test(l))!;
    const a = stageOf(statsA, 'length').docsOut;
    const b = stageOf(statsB, 'length').docsOut;
    expect(line.split(/\s+/).slice(2, 5)).toEqual([fmt(a), fmt(b), (b - a > 0 ? '+' : '') + fmt(b - a)]);
  });

  it('partial runs: no stats.json → merged from task files; no manifest → noted; a bad path is one clear line', () => {
    const copy = join(dir, 'partial');
    cpSync(runA, copy, { recursive: true });
    rmSync(join(copy, 'stats.json'));
    const s = statsJson([copy]) as Summary;
    const full = statsJson([runA]) as Summary;
    expect(s.funnel.map((r) => [r.stage, r.docsIn, r.docsOut, r.charsOut])).toEqual(full.funnel.map((r) => [r.stage, r.docsIn, r.docsOut, r.charsOut]));
    expect(s.notes.join('\n')).toMatch(/merged from the completed tasks/);
    expect(full.notes).toEqual([]);
    rmSync(join(copy, 'tokens', 'manifest.json'));
    const noManifest = statsJson([copy]) as Summary;
    expect(noManifest.notes.join('\n')).toMatch(/no tokens\/manifest\.json/);
    expect(noManifest.shards).toEqual([]);
    expect(noManifest.padding).toEqual(full.padding); // the pack stage's counters are still there
    // An interrupted run: one task of the final document phase has no completion marker.
    const last = finalDocPhase(statsA.phases).name;
    rmSync(join(copy, 'phases', last, 'completions', '00001'));
    const p = statsJson([copy]) as Summary;
    expect(p.notes.join('\n')).toMatch(new RegExp(`phase ${last}: 1/2 tasks done`));
    expect(p.totals.docsKept).toBeLessThan(full.totals.docsKept!);

    const bad = tokenmill(['stats', join(dir, 'nope')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/no such file or directory/);
  });

  it('token shards: tokens per shard, padding and tokenizer config from the real manifest and pack counters', () => {
    const manifest = JSON.parse(readFileSync(join(runA, 'tokens', 'manifest.json'), 'utf8')) as {
      seqLen: number; rowLen: number; vocabSize: number; tokenizer: string; tokenizerHash?: string; rows: number; shards: Array<{ file: string; rows: number; bytes: number }>;
    };
    const packSt = stageOf(statsA, 'pack');
    const s = statsJson([runA]) as Summary;
    expect(s.config).toMatchObject({ seqLen: manifest.seqLen, vocabSize: manifest.vocabSize, tokenizer: manifest.tokenizer });
    expect(manifest.shards.length).toBeGreaterThan(1);
    expect(s.shards).toEqual(manifest.shards.map((x) => ({ file: x.file, rows: x.rows, bytes: x.bytes, tokens: x.rows * manifest.rowLen })));
    // Every token slot is text, a separator or padding (pad mode, no overlap).
    const slots = manifest.rows * manifest.rowLen;
    expect(packSt.counters.tokens_in + packSt.counters.special_tokens + packSt.counters.pad_tokens).toBe(slots);
    expect(s.padding).toEqual({ padTokens: packSt.counters.pad_tokens, totalTokens: slots, fraction: packSt.counters.pad_tokens / slots });
    expect(s.padding!.fraction).toBeGreaterThan(0);
    expect(s.totals.tokens).toBe(stageOf(statsA, 'tokenize').tokensOut);
    expect(s.totals.tokenSlots).toBe(slots);

    const t = tokenmill(['stats', runA]);
    expect(t.stdout).toContain(`tokenizer ${manifest.tokenizer}${manifest.tokenizerHash ? ` (hash ${manifest.tokenizerHash})` : ''} · seqLen ${manifest.seqLen} · vocab ${fmt(manifest.vocabSize)}`);
    for (const x of manifest.shards) expect(t.stdout).toMatch(new RegExp(`${x.file.replace('.', '\\.')}\\s+${fmt(x.rows)}\\s+${fmt(x.rows * manifest.rowLen)}\\s`));
    expect(t.stdout).toContain(`padding ${((100 * packSt.counters.pad_tokens) / slots).toFixed(2)}% (${fmt(packSt.counters.pad_tokens)} of ${fmt(slots)} token slots)`);
    // A dataset folder on its own (manifest only) is accepted too.
    const ds = statsJson([join(runA, 'tokens')]) as Summary;
    expect(ds.shards.length).toBe(manifest.shards.length);
    expect(ds.funnel).toEqual([]);
  });

  it('HTML report renders in headless Chromium: every chart has marks, numbers equal stats.json, no network', async () => {
    const chromiumPath = '/usr/bin/chromium';
    if (!existsSync(chromiumPath)) {
      console.log(`skipping the browser check: ${chromiumPath} is absent (apt-get install chromium)`);
      return;
    }
    const single = join(dir, 'report.html');
    const diff = join(dir, 'diff.html');
    expect(tokenmill(['stats', runA, '--html', single]).code).toBe(0);
    expect(tokenmill(['stats', runA, runB, '--html', diff]).code).toBe(0);
    const html = readFileSync(single, 'utf8');
    // Self-contained: no external script, style or image.
    const markup = html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
    expect(markup.match(/<(script|link|img|iframe)\b[^>]*\b(src|href)=[^>]*>/gi)).toBeNull();
    expect(html.match(/<script/gi)!.length).toBe(5); // data, vega, vega-lite, vega-embed, report code

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const artifacts = join(ROOT, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    try {
      for (const [file, runs] of [[single, [statsA]], [diff, [statsA, statsB]]] as const) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`file://${file}`);
        await page.waitForFunction(() => (window as unknown as { __report?: { done?: boolean } }).__report?.done === true, null, { timeout: 60_000 });
        expect(problems).toEqual([]);
        expect(requests).toEqual([`file://${file}`]);

        // Every chart: rendered, with marks.
        const charts = await page.$$eval('figure.chart', (figs) => figs.map((f) => ({ id: f.getAttribute('data-chart'), marks: f.querySelectorAll('.role-mark path, .role-mark rect').length, svg: !!f.querySelector('svg') })));
        expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['funnel-docs', 'funnel-chars', 'languages', 'length-chars', 'length-tokens', 'clusters-0', 'domains', 'shards']));
        for (const c of charts) {
          expect(c.svg, c.id!).toBe(true);
          expect(c.marks, c.id!).toBeGreaterThan(0);
        }

        // Funnel tables: every stage's numbers as in stats.json, per run.
        for (let i = 0; i < runs.length; i++) {
          const cells = await page.$$eval(`.col[data-run="${i}"] table[data-table=funnel] tbody tr`, (trs) =>
            trs.map((tr) => ({
              phase: tr.getAttribute('data-phase'),
              stage: tr.getAttribute('data-stage'),
              docsIn: tr.querySelector('[data-col=docsIn]')!.textContent,
              docsOut: tr.querySelector('[data-col=docsOut]')!.textContent,
              charsOut: tr.querySelector('[data-col=charsOut]')!.textContent,
              reasons: Array.from(tr.querySelectorAll('.reason')).map((x) => [x.getAttribute('data-reason'), Number(x.getAttribute('data-docs'))]),
            })),
          );
          expect(cells).toEqual(allStages(runs[i]).map(({ phase, st }) => ({ phase, stage: st.name, docsIn: fmt(st.docsIn), docsOut: fmt(st.docsOut), charsOut: fmt(st.charsOut), reasons: Object.entries(st.dropped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)) })));
          const kept = await page.$eval(`.col[data-run="${i}"] [data-total=docsKept]`, (e) => e.textContent);
          const ph = finalDocPhase(runs[i].phases);
          expect(kept).toBe(fmt(ph.stages[ph.stages.length - 1].docsOut));
        }

        // The charts' marks carry the same numbers: language bars = lang: counters (first run).
        const langMarks = await page.$$eval('figure[data-chart=languages] .role-mark path', (ps) => ps.map((p) => p.getAttribute('aria-label') ?? ''));
        const langid = stageOf(runs[0], 'langid');
        const runLabel = runs.length > 1 ? 'A: default' : 'default';
        const shown = langMarks.filter((l) => l.includes(`run: ${runLabel};`)).map((l) => [/lang: ([^;]+)/.exec(l)![1], Number(/docs: (\d+)/.exec(l)![1])]);
        expect(shown.length).toBe(Math.min(25, Object.keys(langid.counters).filter((k) => k.startsWith('lang:')).length));
        for (const [lang, docs] of shown) expect(docs).toBe(langid.counters[`lang:${lang}`]);
        // Shard bars: rows × rowLen of each shard of the manifest.
        const m = JSON.parse(readFileSync(join(runA, 'tokens', 'manifest.json'), 'utf8')) as { rowLen: number; shards: Array<{ file: string; rows: number }> };
        const shardMarks = await page.$$eval('figure[data-chart=shards] .role-mark path', (ps) => ps.map((p) => p.getAttribute('aria-label') ?? ''));
        const shardTokens = shardMarks.filter((l) => l.includes(`run: ${runLabel};`)).map((l) => Number(/tokens: ([\d,]+)/.exec(l)![1].replace(/,/g, '')));
        expect(shardTokens).toEqual(m.shards.map((x) => x.rows * m.rowLen));
        // Funnel bars: kept part = docs out of each stage.
        const bars = await page.$$eval('figure[data-chart=funnel-docs] .role-mark path', (ps) => ps.map((p) => p.getAttribute('aria-label') ?? ''));
        const length = stageOf(runs[0], 'length');
        expect(bars.some((b) => b.includes(`documents: ${length.docsOut};`) && b.includes('/length;') && b.includes('part: kept'))).toBe(true);

        // Sample viewer: kept documents listed; switching to dropped shows them with reasons.
        const col = runs.length > 1 ? '.col[data-run="0"] ' : '';
        const nKept = await page.$$eval(`${col}.samples .list details`, (d) => d.length);
        expect(nKept).toBeGreaterThan(0);
        await page.selectOption(`${col}.samples select.kind`, 'dropped');
        const why = await page.$$eval(`${col}.samples .list details .why`, (d) => d.map((x) => x.textContent));
        const allReasons = new Set(allStages(runs[0]).flatMap(({ st }) => Object.keys(st.dropped)));
        expect(why.length).toBeGreaterThan(0);
        for (const w of why) expect(allReasons.has(w!)).toBe(true);
        await page.selectOption(`${col}.samples select.kind`, 'kept');

        await page.screenshot({ path: join(artifacts, runs.length > 1 ? 'stats-diff.png' : 'stats-report.png'), fullPage: true });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
