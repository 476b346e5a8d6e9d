// From the raw run stats to the summary that the terminal table, `--json` and the HTML report all
// show. Pure function of RunData: every number here is read (or summed) from stats.json, the plan
// and the token manifest — nothing is re-read from the documents.
import type { Histogram, SampleDoc, StageStats } from '../../engine/types.ts';
import { histBinLow, histQuantile } from '../../engine/stats.ts';
import type { ManifestLike, RunData } from './load.ts';
import { topkList, type TopK } from '../../engine/topk.ts';

export interface StageRow {
  phase: string;
  stage: string;
  /** Position in the run (phases in order, stages in order). */
  index: number;
  /** `read` / `write` of a doc phase, or a global phase: shown but not a filter. */
  kind: 'read' | 'write' | 'stage' | 'global';
  docsIn: number;
  docsOut: number;
  dropped: number;
  /** dropped / docsIn, in % (null when nothing came in). */
  droppedPct: number | null;
  charsIn: number;
  charsOut: number;
  tokensIn: number | null;
  tokensOut: number | null;
  timeMs: number;
  /** docsIn per second of stage time (summed over tasks, i.e. per worker). */
  docsPerSec: number | null;
  /** Characters in per second of stage time, in millions. */
  mcharsPerSec: number | null;
  reasons: Array<{ reason: string; docs: number }>;
  counters: Record<string, number>;
}

export interface HistSummary {
  phase: string;
  stage: string;
  key: string;
  count: number;
  sum: number;
  mean: number;
  min: number;
  max: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  /** Non-empty bins: values v with lo <= v < hi. */
  bins: Array<{ lo: number; hi: number; count: number }>;
}

export interface SampleRow extends SampleDoc {
  phase: string;
  stage: string;
}

export interface Summary {
  label: string;
  dir: string;
  config: {
    pipeline: string | null;
    pipelineFile: string | null;
    createdAt: string | null;
    tasks: number | null;
    workers: number | null;
    seed: number | null;
    inputs: number | null;
    steps: Array<{ kind: string; name: string; options?: unknown }>;
    /** Tokenizer spec as the shards record it (e.g. "gpt2", a file path). */
    tokenizer: string | null;
    tokenizerHash: string | null;
    seqLen: number | null;
    vocabSize: number | null;
  };
  totals: {
    /** Documents read (first doc phase's reader) and written (last doc phase's writer). */
    docsRead: number | null;
    docsKept: number | null;
    /** docsKept / docsRead, in %. */
    keptPct: number | null;
    charsKept: number | null;
    /** Text tokens: into the packer, else the manifest's count, else the last stage that emitted tokens. */
    tokens: number | null;
    /** Token slots of the packed rows (rows × rowLen over the manifest's shards), padding included. */
    tokenSlots: number | null;
    bytesIn: number;
    /** Sum of task wall times over all phases, ms. */
    taskMs: number;
  };
  phases: Array<{ name: string; tasks: number; done: number; wallMs: number; bytesIn: number; mbPerSec: number | null }>;
  funnel: StageRow[];
  languages: Array<{ lang: string; docs: number; pct: number }>;
  languageStage: string | null;
  lengths: { chars: HistSummary | null; tokens: HistSummary | null };
  clusters: Array<HistSummary & { clusters: number | null; duplicates: number | null }>;
  histograms: HistSummary[];
  domains: Array<{ domain: string; docs: number }>;
  domainsSource: string | null;
  shards: Array<{ file: string; rows: number | null; bytes: number | null; tokens: number | null }>;
  padding: { padTokens: number; totalTokens: number; fraction: number } | null;
  samples: { kept: SampleRow[]; dropped: SampleRow[] };
  notes: string[];
}

const READ = 'read';
const WRITE = 'write';

export function summarizeHistogram(phase: string, stage: string, key: string, h: Histogram): HistSummary {
  const bins: HistSummary['bins'] = [];
  h.bins.forEach((c, i) => {
    if (c > 0) bins.push({ lo: histBinLow(i), hi: histBinLow(i + 1), count: c });
  });
  const q = (x: number) => histQuantile(h, x);
  return {
    phase,
    stage,
    key,
    count: h.count,
    sum: h.sum,
    mean: h.count ? h.sum / h.count : 0,
    min: h.count ? h.min : 0,
    max: h.count ? h.max : 0,
    p10: q(0.1),
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    bins,
  };
}

function tokenizerHashOf(m: ManifestLike | null, extra: Record<string, unknown> | undefined): string | null {
  if (m) {
    if (typeof m.tokenizerHash === 'string' && m.tokenizerHash) return m.tokenizerHash;
    if (typeof m.tokenizer === 'object' && m.tokenizer && typeof m.tokenizer.hash === 'string') return m.tokenizer.hash;
  }
  const t = extra?.tokenizer;
  if (t && typeof t === 'object' && typeof (t as { hash?: unknown }).hash === 'string') return (t as { hash: string }).hash;
  if (typeof extra?.tokenizerHash === 'string') return extra.tokenizerHash;
  return null;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}


export function summarize(run: RunData): Summary {
  const s = run.stats;
  const m = run.manifest;
  const notes = [...run.notes];
  const funnel: StageRow[] = [];
  const histograms: HistSummary[] = [];
  const stagesByRow: StageStats[] = [];
  let index = 0;

  const docPhases = new Set((run.plan?.phases ?? []).filter((p) => p.kind === 'docs').map((p) => p.name));
  for (const p of s?.phases ?? []) {
    // Without a plan, a phase is a doc phase when it has a reader stage.
    const isDocs = docPhases.size ? docPhases.has(p.name) : p.stages[0]?.name === READ;
    p.stages.forEach((st, i) => {
      const kind: StageRow['kind'] = !isDocs ? 'global' : i === 0 && st.name === READ ? 'read' : i === p.stages.length - 1 && st.name === WRITE ? 'write' : 'stage';
      const dropped = st.docsIn - st.docsOut;
      const secs = st.timeMs / 1000;
      funnel.push({
        phase: p.name,
        stage: st.name,
        index: index++,
        kind,
        docsIn: st.docsIn,
        docsOut: st.docsOut,
        dropped,
        droppedPct: st.docsIn ? (100 * dropped) / st.docsIn : null,
        charsIn: st.charsIn,
        charsOut: st.charsOut,
        tokensIn: st.tokensIn ?? null,
        tokensOut: st.tokensOut ?? null,
        timeMs: st.timeMs,
        docsPerSec: secs > 0 && st.docsIn ? st.docsIn / secs : null,
        mcharsPerSec: secs > 0 && st.charsIn ? st.charsIn / secs / 1e6 : null,
        reasons: Object.entries(st.dropped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([reason, docs]) => ({ reason, docs })),
        counters: { ...st.counters },
      });
      stagesByRow.push(st);
      for (const [key, h] of Object.entries(st.histograms ?? {})) {
        if (h && h.count > 0) histograms.push(summarizeHistogram(p.name, st.name, key, h));
      }
    });
  }

  // Totals: read by the first doc phase's reader, kept by the last doc phase's writer.
  const reads = funnel.filter((r) => r.kind === 'read');
  const writes = funnel.filter((r) => r.kind === 'write');
  const docsRead = reads.length ? reads[0].docsOut : null;
  const lastWrite = writes.length ? writes[writes.length - 1] : null;
  const docsKept = lastWrite ? lastWrite.docsOut : null;
  const tokenRows = funnel.filter((r) => r.tokensOut !== null);
  const tokens = tokenRows.length ? tokenRows[tokenRows.length - 1].tokensOut : null;

  // Languages: the `lang:<code>` counters of the last stage that has any (a second langid stage
  // sees fewer documents; the last one describes the output best).
  let languageStage: string | null = null;
  let languages: Summary['languages'] = [];
  for (let i = funnel.length - 1; i >= 0; i--) {
    const langs = Object.entries(funnel[i].counters).filter(([k]) => k.startsWith('lang:'));
    if (!langs.length) continue;
    const total = langs.reduce((a, [, v]) => a + v, 0);
    languageStage = funnel[i].stage;
    languages = langs
      .map(([k, v]) => ({ lang: k.slice(5), docs: v, pct: total ? (100 * v) / total : 0 }))
      .sort((a, b) => b.docs - a.docs || (a.lang < b.lang ? -1 : 1));
    break;
  }

  // Lengths: the writer's doc_chars (documents as written); doc_tokens wherever a stage records it.
  const lastOf = (key: string) => {
    const hs = histograms.filter((h) => h.key === key);
    return hs.length ? hs[hs.length - 1] : null;
  };
  const lengths = { chars: lastOf('doc_chars'), tokens: lastOf('doc_tokens') };

  // Dedup clusters: MinHash cluster sizes, exact/URL dedup group sizes.
  const clusters = histograms
    .filter((h) => h.key === 'cluster_size' || h.key === 'group_size')
    .map((h) => {
      const row = funnel.find((r) => r.phase === h.phase && r.stage === h.stage);
      const c = row?.counters ?? {};
      const pick = (suffix: string) => {
        const k = Object.keys(c).find((x) => x.endsWith(suffix));
        return k ? c[k] : null;
      };
      return { ...h, clusters: pick('_clusters') ?? pick('_groups'), duplicates: pick('_duplicates') };
    });

  // Domains: a bounded top-k (`topk.domain`) if a stage records one, else `domain:<host>` counters.
  let domains: Summary['domains'] = [];
  let domainsSource: string | null = null;
  for (let i = stagesByRow.length - 1; i >= 0 && !domainsSource; i--) {
    const st = stagesByRow[i] as StageStats & { topk?: Record<string, TopK> };
    const tk = st.topk?.domain;
    if (tk && tk.items && Object.keys(tk.items).length) {
      const { items, maxError } = topkList(structuredClone(tk), 25);
      domainsSource = `topk.domain of stage ${funnel[i].stage}${maxError ? `, counts may be low by up to ${maxError}` : ''}`;
      domains = items.map((x) => ({ domain: x.item, docs: x.count }));
      break;
    }
    const fromCounters = Object.entries(st.counters).filter(([k]) => k.startsWith('domain:'));
    if (!fromCounters.length) continue;
    domainsSource = `domain:<host> counters of stage ${funnel[i].stage}`;
    domains = fromCounters.map(([k, docs]) => ({ domain: k.slice(7), docs })).sort((a, b) => b.docs - a.docs || (a.domain < b.domain ? -1 : 1)).slice(0, 25);
  }

  // Token shards and padding. A row holds rowLen tokens (seqLen, +1 when rows overlap).
  const seqLen = numOrNull(m?.seqLen);
  const rowLen = numOrNull(m?.rowLen) ?? seqLen;
  const shards = (m?.shards ?? []).map((sh, i) => {
    const rows = numOrNull(sh.rows);
    return {
      file: String(sh.file ?? sh.name ?? sh.path ?? `shard ${i}`),
      rows,
      bytes: numOrNull(sh.bytes),
      tokens: numOrNull(sh.tokens) ?? (rows !== null && rowLen !== null ? rows * rowLen : null),
    };
  });
  let padding: Summary['padding'] = null;
  const padRows = funnel.filter((r) => typeof r.counters.pad_tokens === 'number');
  const padFromStats = padRows.reduce((a, r) => a + r.counters.pad_tokens, 0);
  const padFromManifest = numOrNull(m?.padTokens) ?? (m?.shards?.some((x) => typeof x.padTokens === 'number') ? m.shards.reduce((a, x) => a + (numOrNull(x.padTokens) ?? 0), 0) : null);
  const padTokens = padRows.length ? padFromStats : padFromManifest;
  if (padTokens !== null) {
    // Total = every token slot of the packed rows: from the manifest when it lists them, else the
    // packing stage's tokens out (its rows' slots), else its tokens in plus its padding.
    const slots = shards.length && shards.every((x) => x.tokens !== null) ? shards.reduce((a, x) => a + (x.tokens ?? 0), 0) : null;
    const packOut = padRows.length && padRows.every((r) => r.tokensOut !== null) ? padRows.reduce((a, r) => a + (r.tokensOut ?? 0), 0) : null;
    const packIn = padRows.length ? padRows.reduce((a, r) => a + (r.tokensIn ?? 0), 0) : null;
    const total = slots ?? (packOut !== null && packOut >= padTokens ? packOut : packIn !== null ? packIn + padTokens : null);
    if (total) padding = { padTokens, totalTokens: total, fraction: padTokens / total };
  }

  // Samples: kept = the last filtering stage's kept sample (the documents that were written);
  // dropped = every stage's dropped sample with the reason.
  const filterRows = funnel.map((r, i) => [r, stagesByRow[i]] as const).filter(([r]) => r.kind === 'stage');
  const lastWithKept = [...filterRows].reverse().find(([, st]) => st.samples?.kept?.length);
  const kept: SampleRow[] = lastWithKept ? lastWithKept[1].samples.kept.map((x) => ({ ...x, phase: lastWithKept[0].phase, stage: lastWithKept[0].stage })) : [];
  const dropped: SampleRow[] = [];
  for (const [r, st] of filterRows) for (const x of st.samples?.dropped ?? []) dropped.push({ ...x, phase: r.phase, stage: r.stage });

  const phases = (s?.phases ?? []).map((p) => ({
    name: p.name,
    tasks: p.tasks,
    done: p.done,
    wallMs: p.wallMs,
    bytesIn: p.bytesIn,
    mbPerSec: p.wallMs > 0 && p.bytesIn > 0 ? p.bytesIn / 1e6 / (p.wallMs / 1000) : null,
  }));
  for (const p of phases) if (p.done < p.tasks) notes.push(`phase ${p.name}: ${p.done}/${p.tasks} tasks done — stats cover the completed tasks only`);

  // Text tokens (no padding or separators): what the packer took in, the manifest's count, or the
  // last stage that emitted tokens.
  const realTokens = padRows.length && padRows.every((r) => r.tokensIn !== null) ? padRows.reduce((a, r) => a + (r.tokensIn ?? 0), 0) : numOrNull(m?.tokens) ?? tokens;

  const cfg = s?.config;
  const plan = run.plan;
  return {
    label: run.label,
    dir: run.dir,
    config: {
      pipeline: s?.pipeline ?? plan?.pipeline ?? null,
      pipelineFile: s?.pipelineFile ?? plan?.pipelineFile ?? null,
      createdAt: s?.createdAt ?? plan?.createdAt ?? null,
      tasks: cfg?.tasks ?? plan?.tasks ?? null,
      workers: cfg?.workers ?? plan?.workers ?? null,
      seed: cfg?.seed ?? plan?.seed ?? null,
      inputs: cfg?.inputs ?? plan?.inputs.length ?? null,
      steps: cfg?.steps ?? plan?.steps ?? [],
      tokenizer: typeof m?.tokenizer === 'string' ? m.tokenizer : typeof m?.tokenizer?.name === 'string' ? m.tokenizer.name : null,
      tokenizerHash: tokenizerHashOf(m, s?.extra),
      seqLen,
      vocabSize: numOrNull(m?.vocabSize),
    },
    totals: {
      docsRead,
      docsKept,
      keptPct: docsRead && docsKept !== null ? (100 * docsKept) / docsRead : null,
      charsKept: lastWrite ? lastWrite.charsOut : null,
      tokens: realTokens,
      tokenSlots: shards.length && shards.every((x) => x.tokens !== null) ? shards.reduce((a, x) => a + (x.tokens ?? 0), 0) : null,
      bytesIn: phases.reduce((a, p) => a + p.bytesIn, 0),
      taskMs: phases.reduce((a, p) => a + p.wallMs, 0),
    },
    phases,
    funnel,
    languages,
    languageStage,
    lengths,
    clusters,
    histograms,
    domains,
    domainsSource,
    shards,
    padding,
    samples: { kept, dropped },
    notes,
  };
}
