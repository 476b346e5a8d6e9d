// Vega-Lite specs of the report's charts, built from one or two summaries. A chart is only made
// when its data exists, so every chart in a report has marks. With two runs, bars carry a `run`
// field: funnels are faceted side by side, other charts group or overlay the runs by colour.
import type { Summary } from './summarize.ts';

export interface Chart {
  id: string;
  title: string;
  /** One line under the title: what is plotted and where it comes from. */
  caption: string;
  spec: Record<string, unknown>;
  /** Spans the full row (side-by-side facets of a comparison). */
  wide?: boolean;
}

type Row = Record<string, string | number | null>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const KEPT = 'kept';

function runName(s: Summary, i: number, n: number): string {
  return n === 1 ? s.label : `${String.fromCharCode(65 + i)}: ${s.label}`;
}

function base(data: Row[], extra: Record<string, unknown>): Record<string, unknown> {
  const spec: Record<string, unknown> = { $schema: SCHEMA, data: { values: data }, width: 'container', ...extra };
  // Fit the container's width only; heights are fixed or per-step.
  if (spec.width === 'container') spec.autosize = { type: 'fit-x', contains: 'padding' };
  return spec;
}

/**
 * The funnel: the first reader, every per-document stage, the last writer. Readers and writers of
 * the phases in between only move the same documents through a barrier, so they are left out.
 */
function funnelRows(s: Summary) {
  const reads = s.funnel.filter((r) => r.kind === 'read');
  const writes = s.funnel.filter((r) => r.kind === 'write');
  return s.funnel.filter((r) => (r.kind === 'stage' && r.docsIn + r.docsOut > 0) || r === reads[0] || r === writes[writes.length - 1]);
}

/** Unique per run (the runtime suffixes a stage type used twice with #2); bars are sorted by `order`. */
const stageLabel = (r: { phase: string; stage: string }, multiPhase: boolean) => `${multiPhase ? `${r.phase}/` : ''}${r.stage}`;

export function buildCharts(summaries: Summary[]): Chart[] {
  const n = summaries.length;
  const charts: Chart[] = [];
  const runs = summaries.map((s, i) => runName(s, i, n));
  const multiPhase = summaries.some((s) => new Set(s.funnel.map((r) => r.phase)).size > 1);
  const facet = n > 1 ? { column: { field: 'run', type: 'nominal', title: null, sort: runs } } : {};

  // Funnel of documents: each stage's bar is its input, split into kept and each drop reason.
  const docRows: Row[] = [];
  summaries.forEach((s, i) => {
    for (const r of funnelRows(s)) {
      const stage = stageLabel(r, multiPhase);
      docRows.push({ run: runs[i], stage, order: r.index, part: KEPT, docs: r.docsOut });
      for (const x of r.reasons) docRows.push({ run: runs[i], stage, order: r.index, part: x.reason, docs: x.docs });
    }
  });
  if (docRows.length) {
    const reasons = [...new Set(docRows.map((r) => String(r.part)).filter((p) => p !== KEPT))];
    charts.push({
      id: 'funnel-docs',
      wide: n > 1,
      title: 'Funnel: documents per stage',
      caption: 'Bar length = documents into the stage; grey = passed on, colours = dropped, by reason.',
      spec: base(docRows, {
        height: bandHeight(docRows, 'stage', 22, 1),
        // A faceted chart cannot fit its container.
        width: n > 1 ? 480 : 'container',
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'stage', type: 'nominal', sort: { field: 'order', op: 'min' }, title: null, axis: { labelLimit: 260 } },
          x: { field: 'docs', type: 'quantitative', aggregate: 'sum', title: 'documents', stack: 'zero' },
          color: {
            field: 'part',
            type: 'nominal',
            title: 'kept / drop reason',
            legend: { labelLimit: 240 },
            scale: { domain: [KEPT, ...reasons], range: ['#9aa7b4', ...palette(reasons.length)] },
          },
          order: { field: 'part', sort: 'descending' },
          ...facet,
        },
      }),
    });
  }

  // Funnel of characters (bytes of raw input for readers of HTML): what each stage kept.
  const charRows: Row[] = [];
  summaries.forEach((s, i) => {
    for (const r of funnelRows(s)) {
      const stage = stageLabel(r, multiPhase);
      const removed = Math.max(0, r.charsIn - r.charsOut);
      charRows.push({ run: runs[i], stage, order: r.index, part: 'chars out', chars: r.charsOut });
      if (removed) charRows.push({ run: runs[i], stage, order: r.index, part: 'removed or reduced', chars: removed });
    }
  });
  if (charRows.some((r) => Number(r.chars) > 0)) {
    charts.push({
      id: 'funnel-chars',
      wide: n > 1,
      title: 'Funnel: characters per stage',
      caption: 'Characters in (bytes of raw payload where a stage reads raw HTML) split into passed on and removed.',
      spec: base(charRows, {
        height: bandHeight(charRows, 'stage', 22, 1),
        width: n > 1 ? 480 : 'container',
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'stage', type: 'nominal', sort: { field: 'order', op: 'min' }, title: null, axis: { labelLimit: 260 } },
          x: { field: 'chars', type: 'quantitative', aggregate: 'sum', title: 'characters', stack: 'zero', axis: { format: '~s' } },
          color: { field: 'part', type: 'nominal', title: null, scale: { domain: ['chars out', 'removed or reduced'], range: ['#4c78a8', '#e45756'] } },
          ...facet,
        },
      }),
    });
  }

  // Languages.
  const langRows: Row[] = [];
  summaries.forEach((s, i) => {
    for (const l of s.languages.slice(0, 25)) langRows.push({ run: runs[i], lang: l.lang, docs: l.docs, share: Math.round(l.pct * 10) / 10 });
  });
  if (langRows.length) {
    charts.push({
      id: 'languages',
      title: 'Languages',
      caption: `Documents per language label (\`lang:\` counters of ${[...new Set(summaries.map((s) => s.languageStage ?? '–'))].join(' / ')}), top 25.`,
      spec: base(langRows, {
        height: bandHeight(langRows, 'lang', 18, n),
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'lang', type: 'nominal', sort: '-x', title: null },
          x: { field: 'docs', type: 'quantitative', title: 'documents' },
          ...(n > 1 ? { color: { field: 'run', type: 'nominal', title: null }, yOffset: { field: 'run' } } : { color: { value: '#4c78a8' } }),
          tooltip: [{ field: 'run' }, { field: 'lang' }, { field: 'docs', type: 'quantitative' }, { field: 'share', title: 'share %' }],
        },
      }),
    });
  }

  // Histograms: lengths, dedup clusters. Bins are quarter-octaves of v+1, so a symlog axis (log of
  // 1 + v) gives them equal widths.
  const hist = (id: string, title: string, caption: string, unit: string, pick: (s: Summary) => { bins: Array<{ lo: number; hi: number; count: number }> } | null) => {
    const rows: Row[] = [];
    summaries.forEach((s, i) => {
      const h = pick(s);
      for (const b of h?.bins ?? []) rows.push({ run: runs[i], lo: round(b.lo), hi: round(b.hi), count: b.count });
    });
    if (!rows.length) return;
    const lo = Math.min(...rows.map((r) => Number(r.lo)));
    const hi = Math.max(...rows.map((r) => Number(r.hi)));
    charts.push({
      id,
      title,
      caption,
      spec: base(rows, {
        height: 180,
        mark: { type: 'rect', tooltip: true, opacity: n > 1 ? 0.6 : 1 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', scale: { type: 'symlog', zero: false, nice: false, domain: [lo, hi] }, title: `${unit} (log scale)`, axis: { format: ',.0f', values: logTicks(lo, hi), labelOverlap: true } },
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', title: 'documents', stack: null },
          y2: { datum: 0 },
          color: n > 1 ? { field: 'run', type: 'nominal', title: null } : { value: '#4c78a8' },
          tooltip: [{ field: 'run' }, { field: 'lo', title: 'from' }, { field: 'hi', title: 'to' }, { field: 'count', type: 'quantitative' }],
        },
      }),
    });
  };
  hist('length-chars', 'Document length (characters)', 'Documents as written, in quarter-octave bins (`doc_chars` histogram of the writer).', 'characters', (s) => s.lengths.chars);
  hist('length-tokens', 'Document length (tokens)', '`doc_tokens` histogram.', 'tokens', (s) => s.lengths.tokens);
  const clusterKeys = [...new Set(summaries.flatMap((s) => s.clusters.map((c) => `${c.stage}\u0000${c.key}`)))];
  clusterKeys.forEach((k, j) => {
    const [stage, key] = k.split('\u0000');
    hist(`clusters-${j}`, `Dedup: ${key.replace('_', ' ')} (${stage})`, 'Documents per duplicate cluster (cluster sizes ≥ 2); count = clusters.', 'cluster size', (s) => s.clusters.find((c) => c.stage === stage && c.key === key) ?? null);
    const last = charts[charts.length - 1];
    if (last?.id === `clusters-${j}`) ((last.spec.encoding as Record<string, Record<string, unknown>>).y).title = 'clusters';
  });

  // Top domains.
  const domRows: Row[] = [];
  summaries.forEach((s, i) => s.domains.slice(0, 20).forEach((d) => domRows.push({ run: runs[i], domain: d.domain, docs: d.docs })));
  if (domRows.length) {
    charts.push({
      id: 'domains',
      title: 'Top domains',
      caption: `Documents per host (${[...new Set(summaries.map((s) => s.domainsSource ?? '–'))].join(' / ')}).`,
      spec: base(domRows, {
        height: bandHeight(domRows, 'domain', 18, n),
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'domain', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 240 } },
          x: { field: 'docs', type: 'quantitative', title: 'documents' },
          ...(n > 1 ? { color: { field: 'run', type: 'nominal', title: null }, yOffset: { field: 'run' } } : { color: { value: '#72b7b2' } }),
        },
      }),
    });
  }

  // Tokens per shard.
  const shardRows: Row[] = [];
  summaries.forEach((s, i) => s.shards.forEach((x, k) => x.tokens !== null && shardRows.push({ run: runs[i], shard: k, file: x.file, tokens: x.tokens, rows: x.rows })));
  if (shardRows.length) {
    charts.push({
      id: 'shards',
      title: 'Tokens per shard',
      caption: 'Token slots per shard from tokens/manifest.json (rows × rowLen, padding included).',
      spec: base(shardRows, {
        height: 160,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'shard', type: 'ordinal', title: 'shard', axis: { labelOverlap: true } },
          y: { field: 'tokens', type: 'quantitative', title: 'tokens', axis: { format: ',d' } },
          ...(n > 1 ? { color: { field: 'run', type: 'nominal', title: null }, xOffset: { field: 'run' } } : { color: { value: '#54a24b' } }),
          tooltip: [{ field: 'run' }, { field: 'file' }, { field: 'rows', type: 'quantitative' }, { field: 'tokens', type: 'quantitative' }],
        },
      }),
    });
  }
  return charts;
}

/** A fixed height for a band chart (a step height would stop the chart fitting its container's width). */
function bandHeight(rows: Row[], field: string, step: number, runs: number): number {
  return new Set(rows.map((r) => r[field])).size * (runs > 1 ? Math.max(step, 10 * runs) : step);
}

/** Axis values 1, 3, 10, 30, … (and 0) inside [lo, hi]: readable labels on a symlog axis. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = lo <= 0 ? [0] : [];
  for (let p = 1; p <= hi * 1.0001 && p < 1e15; p *= 10) for (const m of [1, 3]) if (p * m >= lo && p * m <= hi) out.push(p * m);
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Colours for drop reasons (Tableau 10 without the grey used for "kept"). */
function palette(k: number): string[] {
  const p = ['#e45756', '#f58518', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#54a24b', '#72b7b2', '#4c78a8', '#d67195', '#fcbf5f', '#8cd17d'];
  return Array.from({ length: k }, (_, i) => p[i % p.length]);
}
