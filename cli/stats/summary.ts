// The terminal summary of one run (or two, side by side): funnel, languages, lengths, dedup
// clusters, token shards, padding, throughput and configuration. Colour only when asked (a TTY
// without NO_COLOR), so piped output and tests see plain aligned text.
import type { HistSummary, StageRow, Summary } from './summarize.ts';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

const plain: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, green: (s) => s, cyan: (s) => s };
const ansi = (code: number, reset: number) => (s: string) => `\x1b[${code}m${s}\x1b[${reset}m`;
const color: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), cyan: ansi(36, 39) };

export function styleFor(stream: { isTTY?: boolean }): Style {
  return stream.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb' ? color : plain;
}

// ---------------------------------------------------------------------------------------------
// Number formats (shared with the HTML report so both show the same figures).

export const int = (x: number | null | undefined) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : `${x.toFixed(digits)}%`);

/** 1234567 → "1.23M"; keeps small numbers exact. */
export function compact(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  const a = Math.abs(x);
  if (a < 10_000) return Number.isInteger(x) ? String(x) : x.toFixed(1);
  for (const [d, u] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (a >= d) return `${(x / d).toFixed(a / d >= 100 ? 0 : a / d >= 10 ? 1 : 2)}${u}`;
  return String(x);
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function bytes(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = x;
  let i = 0;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${u[i]}`;
}

/** Top drop reasons as "reason 12, other 3 (+2 more)". */
export function reasonsText(r: StageRow, k = 3): string {
  if (!r.reasons.length) return '';
  const shown = r.reasons.slice(0, k).map((x) => `${x.reason} ${int(x.docs)}`).join(', ');
  return r.reasons.length > k ? `${shown} (+${r.reasons.length - k} more)` : shown;
}

// ---------------------------------------------------------------------------------------------
// Tables.

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Align columns; `right` marks numeric columns. Cells may carry ANSI colour. */
export function table(header: string[], rows: string[][], right: boolean[], st: Style): string {
  const w = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const cell = (c: string, i: number) => {
    const padLen = w[i] - visible(c);
    return right[i] ? ' '.repeat(padLen) + c : c + ' '.repeat(padLen);
  };
  const line = (r: string[]) => r.map(cell).join('  ').trimEnd();
  return [st.bold(line(header)), st.dim(w.map((x) => '─'.repeat(x)).join('  ')), ...rows.map(line)].join('\n');
}

function bar(fraction: number, width = 24): string {
  const full = Math.max(0, Math.min(width, fraction * width));
  const blocks = Math.floor(full);
  const eighths = Math.round((full - blocks) * 8);
  return '█'.repeat(blocks) + (eighths ? '▏▎▍▌▋▊▉█'[eighths - 1] : '');
}

function funnelTable(s: Summary, st: Style): string {
  const hasTokens = s.funnel.some((r) => r.tokensIn !== null || r.tokensOut !== null);
  const header = ['phase', 'stage', 'docs in', 'docs out', 'dropped', 'chars in', 'chars out', ...(hasTokens ? ['tokens in', 'tokens out'] : []), 'time', 'docs/s', 'top drop reasons / counters'];
  const right = header.map((h) => !['phase', 'stage', 'top drop reasons / counters'].includes(h));
  const rows = s.funnel.map((r) => {
    const io = r.kind !== 'stage';
    const counters = r.kind === 'read' || r.kind === 'global' || !r.reasons.length
      ? Object.entries(r.counters).filter(([k]) => !k.startsWith('lang:') && !k.startsWith('domain:')).slice(0, 4).map(([k, v]) => `${k} ${int(v)}`).join(', ')
      : '';
    const dropped = r.droppedPct === null || r.kind === 'read' || r.kind === 'write' ? '' : r.dropped ? st.red(pct(r.droppedPct)) : pct(r.droppedPct);
    const row = [
      r.phase,
      io ? st.dim(r.stage) : r.stage,
      int(r.docsIn),
      int(r.docsOut),
      dropped,
      int(r.charsIn),
      int(r.charsOut),
      ...(hasTokens ? [r.tokensIn === null ? '' : int(r.tokensIn), r.tokensOut === null ? '' : int(r.tokensOut)] : []),
      r.timeMs ? duration(r.timeMs) : '',
      r.docsPerSec === null ? '' : compact(r.docsPerSec),
      reasonsText(r) || st.dim(counters),
    ];
    return row;
  });
  return table(header, rows, right, st);
}

function histLine(name: string, h: HistSummary | null): string[] {
  if (!h) return [name, '–', '–', '–', '–', '–', '–', '–', '–'];
  return [name, int(h.count), int(h.min), int(h.p10), int(h.p50), int(h.p90), int(h.p99), int(h.max), int(h.mean)];
}

/** The full summary of one run. */
export function formatSummary(s: Summary, st: Style = plain): string {
  const out: string[] = [];
  const c = s.config;
  const h = (t: string) => out.push('', st.bold(st.cyan(t)));
  out.push(st.bold(`tokenmill stats — ${c.pipeline ?? s.label}`) + st.dim(`  ${s.dir}`));
  const cfg: string[] = [];
  if (c.pipelineFile) cfg.push(`pipeline ${c.pipelineFile}`);
  if (c.createdAt) cfg.push(`created ${c.createdAt}`);
  if (c.tasks !== null) cfg.push(`${c.tasks} tasks`);
  if (c.workers !== null) cfg.push(`${c.workers} workers`);
  if (c.seed !== null) cfg.push(`seed ${c.seed}`);
  if (c.inputs !== null) cfg.push(`${int(c.inputs)} input files`);
  out.push(cfg.join(' · '));
  if (c.steps.length) out.push(`steps: ${c.steps.map((x) => (x.kind === 'global' ? `[${x.name}]` : x.name)).join(' → ')}`);
  out.push(`tokenizer ${c.tokenizer ?? '–'}${c.tokenizerHash ? ` (hash ${c.tokenizerHash})` : ''} · seqLen ${c.seqLen ?? '–'}${c.vocabSize !== null ? ` · vocab ${int(c.vocabSize)}` : ''}`);

  if (s.funnel.length) {
    h('Funnel');
    out.push(funnelTable(s, st));
    const t = s.totals;
    if (t.docsRead !== null && t.docsKept !== null) {
      out.push('', `kept ${st.bold(int(t.docsKept))} of ${int(t.docsRead)} documents (${pct(t.keptPct)}), ${int(t.charsKept)} chars${t.tokens !== null ? `, ${int(t.tokens)} tokens` : ''}${t.tokenSlots !== null ? ` in ${int(t.tokenSlots)} packed token slots` : ''}; read ${bytes(t.bytesIn)}`);
    }
  }

  if (s.languages.length) {
    h(`Languages (${s.languageStage}, ${s.languages.length} labels)`);
    const top = s.languages.slice(0, 12);
    const rest = s.languages.slice(12);
    const max = top[0].pct;
    const rows = top.map((l) => [l.lang, int(l.docs), pct(l.pct), bar(l.pct / max)]);
    if (rest.length) rows.push([`+${rest.length} more`, int(rest.reduce((a, l) => a + l.docs, 0)), pct(rest.reduce((a, l) => a + l.pct, 0)), '']);
    out.push(table(['lang', 'docs', 'share', ''], rows, [false, true, true, false], st));
  }

  if (s.lengths.chars || s.lengths.tokens) {
    h('Document length (documents as written; percentiles from quarter-octave bins)');
    const rows = [histLine('chars', s.lengths.chars)];
    if (s.lengths.tokens) rows.push(histLine('tokens', s.lengths.tokens));
    out.push(table(['', 'docs', 'min', 'p10', 'p50', 'p90', 'p99', 'max', 'mean'], rows, [false, true, true, true, true, true, true, true, true], st));
  }

  if (s.clusters.length) {
    h('Dedup clusters');
    const rows = s.clusters.map((k) => [`${k.stage} ${k.key}`, int(k.clusters ?? k.count), int(k.duplicates), int(k.p50), int(k.p90), int(k.max), k.bins.map((b) => {
      // Integer sizes inside [lo, hi): one value or a range.
      const a = Math.ceil(b.lo);
      const z = Math.ceil(b.hi) - 1;
      return `${a >= z ? int(a) : `${int(a)}–${int(z)}`}: ${int(b.count)}`;
    }).slice(0, 6).join(', ')]);
    out.push(table(['stage', 'clusters', 'removed', 'p50 size', 'p90', 'max', 'sizes'], rows, [false, true, true, true, true, true, false], st));
  }

  if (s.domains.length) {
    h(`Top domains (${s.domainsSource})`);
    out.push(table(['domain', 'docs'], s.domains.slice(0, 10).map((d) => [d.domain, int(d.docs)]), [false, true], st));
  }

  if (s.shards.length || s.padding) {
    h('Token shards');
    if (s.shards.length) {
      const shown = s.shards.length > 12 ? [...s.shards.slice(0, 10), null, s.shards[s.shards.length - 1]] : s.shards;
      const rows = shown.map((x) => (x ? [x.file, int(x.rows), int(x.tokens), bytes(x.bytes)] : ['…', '', '', '']));
      rows.push(['total', int(s.shards.reduce((a, x) => a + (x.rows ?? 0), 0)), int(s.shards.reduce((a, x) => a + (x.tokens ?? 0), 0)), bytes(s.shards.reduce((a, x) => a + (x.bytes ?? 0), 0))]);
      out.push(table(['shard', 'rows', 'tokens', 'bytes'], rows, [false, true, true, true], st));
    }
    if (s.padding) out.push(`padding ${pct(100 * s.padding.fraction, 2)} (${int(s.padding.padTokens)} of ${int(s.padding.totalTokens)} token slots)`);
  }

  if (s.phases.length) {
    h('Throughput');
    const rows = s.phases.map((p) => [p.name, `${p.done}/${p.tasks}`, duration(p.wallMs), bytes(p.bytesIn), p.mbPerSec === null ? '' : `${p.mbPerSec.toFixed(1)} MB/s`]);
    out.push(table(['phase', 'tasks', 'task time', 'read', 'per task'], rows, [false, true, true, true, true], st));
    const staged = s.funnel.filter((r) => r.kind === 'stage' && r.mcharsPerSec !== null);
    if (staged.length) {
      out.push('');
      out.push(table(['stage', 'time', 'docs/s', 'Mchars/s'], staged.map((r) => [r.stage, duration(r.timeMs), compact(r.docsPerSec), (r.mcharsPerSec ?? 0).toFixed(2)]), [false, true, true, true], st));
      out.push(st.dim('(stage time summed over tasks: rates are per worker thread)'));
    }
  }

  if (s.notes.length) {
    h('Notes');
    for (const n of s.notes) out.push(st.dim(`· ${n}`));
  }
  return out.join('\n') + '\n';
}

/** Two runs: a side-by-side funnel (matched by phase+stage) and the headline numbers. */
export function formatComparison(a: Summary, b: Summary, st: Style = plain): string {
  const out: string[] = [st.bold(`tokenmill stats — A: ${a.label}  vs  B: ${b.label}`), st.dim(`A ${a.dir}\nB ${b.dir}`), ''];
  const key = (r: StageRow) => `${r.phase}\u0000${r.stage}`;
  const keys: string[] = [];
  for (const r of [...a.funnel, ...b.funnel]) if (!keys.includes(key(r))) keys.push(key(r));
  const find = (s: Summary, k: string) => s.funnel.find((r) => key(r) === k);
  const delta = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? '' : y - x === 0 ? '0' : (y - x > 0 ? '+' : '') + int(y - x));
  const rows = keys.map((k) => {
    const ra = find(a, k);
    const rb = find(b, k);
    const r = (ra ?? rb)!;
    const drop = (x: StageRow | undefined) => (!x || x.kind === 'read' || x.kind === 'write' || x.droppedPct === null ? '' : pct(x.droppedPct));
    return [r.phase, r.kind === 'stage' ? r.stage : st.dim(r.stage), int(ra?.docsOut), int(rb?.docsOut), delta(ra?.docsOut, rb?.docsOut), drop(ra), drop(rb), int(ra?.charsOut), int(rb?.charsOut)];
  });
  out.push(table(['phase', 'stage', 'docs out A', 'docs out B', 'Δ', 'dropped A', 'dropped B', 'chars out A', 'chars out B'], rows, [false, false, true, true, true, true, true, true, true], st));
  const t = (s: Summary) => [int(s.totals.docsRead), int(s.totals.docsKept), pct(s.totals.keptPct), int(s.totals.charsKept), int(s.totals.tokens), s.languages.slice(0, 3).map((l) => `${l.lang} ${pct(l.pct, 0)}`).join(' ')];
  out.push('', table(['run', 'read', 'kept', 'kept %', 'chars kept', 'tokens', 'top languages'], [['A', ...t(a)], ['B', ...t(b)]], [false, true, true, true, true, true, false], st));
  out.push('', st.dim('full summaries:'), '', formatSummary(a, st), formatSummary(b, st));
  return out.join('\n');
}
