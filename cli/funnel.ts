// The per-stage funnel printed at the end of a run (the full report is `tokenmill stats`).
import type { RunStats } from '../engine/types.ts';

const n = (x: number) => x.toLocaleString('en-US');

export function funnelRows(stats: RunStats): string[][] {
  const rows: string[][] = [['phase', 'stage', 'docs in', 'docs out', 'dropped', 'chars out', 'top drop reasons', 'time']];
  for (const p of stats.phases) {
    for (const s of p.stages) {
      const dropped = s.docsIn - s.docsOut;
      const reasons = Object.entries(s.dropped).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, c]) => `${r} ${n(c)}`).join(', ');
      const counters = s.name === 'read' ? Object.entries(s.counters).filter(([k]) => k !== 'warc_records').map(([k, v]) => `${k} ${n(v)}`).join(', ') : '';
      rows.push([p.name, s.name, n(s.docsIn), n(s.docsOut), s.docsIn ? `${((100 * dropped) / s.docsIn).toFixed(1)}%` : '', n(s.charsOut), reasons || counters, `${(s.timeMs / 1000).toFixed(2)}s`]);
    }
  }
  return rows;
}

export function formatTable(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const right = (i: number) => i >= 2 && i <= 5;
  return rows.map((r, k) => {
    const line = r.map((c, i) => (right(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
    return k === 0 ? `${line}\n${w.map((x) => '─'.repeat(x)).join('  ')}` : line;
  }).join('\n');
}

export function printFunnel(stats: RunStats): void {
  console.log(formatTable(funnelRows(stats)));
}
