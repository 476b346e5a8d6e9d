// The HTML report: one self-contained file (vega, vega-lite and vega-embed inlined from
// node_modules, styles inline, data embedded as JSON) that opens from disk with no network.
// Tables are rendered here (server side) with the same number formats as the terminal; charts are
// Vega-Lite specs rendered to SVG in the browser; the sample viewer is a few lines of DOM code that
// only ever sets textContent (sampled documents are untrusted web text).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { StageRow, Summary } from './summarize.ts';
import { buildCharts, type Chart } from './charts.ts';
import { bytes, compact, duration, int, pct } from './summary.ts';

const require = createRequire(import.meta.url);

/** The browser builds of vega, vega-lite and vega-embed (UMD; they define globals in this order). */
export function vegaScripts(): Array<{ name: string; code: string }> {
  const dirOf = (spec: string) => dirname(require.resolve(spec));
  const files: Array<[string, string]> = [
    ['vega', join(dirOf('vega/vega-schema.json'), 'vega.min.js')],
    ['vega-lite', join(dirOf('vega-lite/vega-lite-schema.json'), 'vega-lite.min.js')],
    ['vega-embed', join(dirOf('vega-embed'), 'vega-embed.min.js')],
  ];
  return files.map(([name, f]) => ({ name, code: readFileSync(f, 'utf8') }));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Safe inside <script>: no "</script" and no "<!--" can appear. */
const scriptSafe = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
const jsonSafe = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function cell(v: string, numeric = false, attrs = ''): string {
  return `<td${numeric ? ' class="num"' : ''}${attrs}>${esc(v)}</td>`;
}

function configTable(s: Summary): string {
  const c = s.config;
  const rows: Array<[string, string]> = [
    ['pipeline', c.pipeline ?? '–'],
    ['pipeline file', c.pipelineFile ?? '–'],
    ['run directory', s.dir],
    ['created', c.createdAt ?? '–'],
    ['tasks / workers / seed', `${c.tasks ?? '–'} / ${c.workers ?? '–'} / ${c.seed ?? '–'}`],
    ['input files', int(c.inputs)],
    ['steps', c.steps.map((x) => (x.kind === 'global' ? `[${x.name}]` : x.name)).join(' → ') || '–'],
    ['tokenizer', c.tokenizer ?? '–'],
    ['tokenizer hash', c.tokenizerHash ?? '–'],
    ['seqLen', c.seqLen === null ? '–' : String(c.seqLen)],
    ['vocab size', int(c.vocabSize)],
  ];
  return `<table class="kv" data-table="config">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td data-key="${esc(k)}">${esc(v)}</td></tr>`).join('')}</table>`;
}

function cards(s: Summary): string {
  const t = s.totals;
  const card = (label: string, value: string, key: string, sub = '') => `<div class="card"><div class="v" data-total="${key}">${esc(value)}</div><div class="l">${esc(label)}</div>${sub ? `<div class="s">${esc(sub)}</div>` : ''}</div>`;
  return `<div class="cards">${[
    card('documents read', int(t.docsRead), 'docsRead'),
    card('documents kept', int(t.docsKept), 'docsKept', t.keptPct === null ? '' : `${pct(t.keptPct)} of read`),
    card('characters kept', int(t.charsKept), 'charsKept'),
    card('tokens', int(t.tokens), 'tokens', t.tokenSlots === null ? '' : `${int(t.tokenSlots)} packed slots`),
    card('input read', bytes(t.bytesIn), 'bytesIn'),
    card('task time', duration(t.taskMs), 'taskMs'),
    ...(s.padding ? [card('padding', pct(100 * s.padding.fraction, 2), 'padding', `${int(s.padding.padTokens)} of ${int(s.padding.totalTokens)} slots`)] : []),
  ].join('')}</div>`;
}

function funnelTable(s: Summary): string {
  const hasTokensIn = s.funnel.some((r) => r.tokensIn !== null);
  const hasTokensOut = s.funnel.some((r) => r.tokensOut !== null);
  const head = ['phase', 'stage', 'docs in', 'docs out', 'dropped', 'chars in', 'chars out', ...(hasTokensIn ? ['tokens in'] : []), ...(hasTokensOut ? ['tokens out'] : []), 'time', 'docs/s', 'Mchars/s', 'drop reasons · counters'];
  const row = (r: StageRow) => {
    const reasons = r.reasons.map((x) => `<span class="reason" data-reason="${esc(x.reason)}" data-docs="${x.docs}">${esc(x.reason)} <b>${esc(int(x.docs))}</b></span>`).join(' ');
    const counters = Object.entries(r.counters)
      .filter(([k]) => !k.startsWith('lang:') && !k.startsWith('domain:'))
      .map(([k, v]) => `<span class="counter" data-counter="${esc(k)}">${esc(k)} ${esc(int(v))}</span>`)
      .join(' ');
    return `<tr class="${r.kind}" data-phase="${esc(r.phase)}" data-stage="${esc(r.stage)}">${[
      cell(r.phase),
      cell(r.stage),
      cell(int(r.docsIn), true, ' data-col="docsIn"'),
      cell(int(r.docsOut), true, ' data-col="docsOut"'),
      cell(r.droppedPct === null || r.kind === 'read' || r.kind === 'write' ? '' : `${int(r.dropped)} (${pct(r.droppedPct)})`, true, ' data-col="dropped"'),
      cell(int(r.charsIn), true, ' data-col="charsIn"'),
      cell(int(r.charsOut), true, ' data-col="charsOut"'),
      ...(hasTokensIn ? [cell(r.tokensIn === null ? '' : int(r.tokensIn), true, ' data-col="tokensIn"')] : []),
      ...(hasTokensOut ? [cell(r.tokensOut === null ? '' : int(r.tokensOut), true, ' data-col="tokensOut"')] : []),
      cell(r.timeMs ? duration(r.timeMs) : '', true),
      cell(r.docsPerSec === null ? '' : compact(r.docsPerSec), true),
      cell(r.mcharsPerSec === null ? '' : r.mcharsPerSec.toFixed(2), true),
    ].join('')}<td class="reasons">${reasons} ${counters}</td></tr>`;
  };
  return `<div class="scroll"><table data-table="funnel"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${s.funnel.map(row).join('')}</tbody></table></div>`;
}

function smallTables(s: Summary): string {
  const parts: string[] = [];
  if (s.languages.length) {
    parts.push(`<h3>Languages <small>${esc(s.languageStage ?? '')}</small></h3><div class="scroll short"><table data-table="languages"><thead><tr><th>lang</th><th>docs</th><th>share</th></tr></thead><tbody>${s.languages
      .map((l) => `<tr data-lang="${esc(l.lang)}">${cell(l.lang)}${cell(int(l.docs), true, ' data-col="docs"')}${cell(pct(l.pct), true)}</tr>`)
      .join('')}</tbody></table></div>`);
  }
  const hists = [...(s.lengths.chars ? [['chars', s.lengths.chars] as const] : []), ...(s.lengths.tokens ? [['tokens', s.lengths.tokens] as const] : []), ...s.clusters.map((c) => [`${c.stage} ${c.key}`, c] as const)];
  if (hists.length) {
    parts.push(`<h3>Lengths and cluster sizes <small>percentiles from quarter-octave bins</small></h3><table data-table="percentiles"><thead><tr><th></th><th>count</th><th>min</th><th>p10</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th></tr></thead><tbody>${hists
      .map(([name, h]) => `<tr data-hist="${esc(name)}">${cell(name)}${[h.count, h.min, h.p10, h.p50, h.p90, h.p99, h.max, h.mean].map((v, i) => cell(int(v), true, i === 0 ? ' data-col="count"' : '')).join('')}</tr>`)
      .join('')}</tbody></table>`);
  }
  if (s.shards.length) {
    parts.push(`<h3>Token shards</h3><div class="scroll short"><table data-table="shards"><thead><tr><th>shard</th><th>rows</th><th>tokens</th><th>bytes</th></tr></thead><tbody>${s.shards
      .map((x) => `<tr>${cell(x.file)}${cell(int(x.rows), true, ' data-col="rows"')}${cell(int(x.tokens), true, ' data-col="tokens"')}${cell(bytes(x.bytes), true)}</tr>`)
      .join('')}</tbody></table></div>`);
  }
  if (s.phases.length) {
    parts.push(`<h3>Phases</h3><table data-table="phases"><thead><tr><th>phase</th><th>tasks</th><th>task time</th><th>read</th><th>per task</th></tr></thead><tbody>${s.phases
      .map((p) => `<tr>${cell(p.name)}${cell(`${p.done}/${p.tasks}`, true)}${cell(duration(p.wallMs), true)}${cell(bytes(p.bytesIn), true)}${cell(p.mbPerSec === null ? '' : `${p.mbPerSec.toFixed(1)} MB/s`, true)}</tr>`)
      .join('')}</tbody></table>`);
  }
  if (s.notes.length) parts.push(`<h3>Notes</h3><ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return parts.join('\n');
}

function chartBox(c: Chart): string {
  return `<figure class="chart${c.wide ? ' wide' : ''}" data-chart="${esc(c.id)}"><figcaption><b>${esc(c.title)}</b><br><small>${esc(c.caption)}</small></figcaption><div class="vis" id="chart-${esc(c.id)}"></div></figure>`;
}

const CSS = `
:root{--fg:#1d2733;--mut:#66727f;--bg:#fff;--line:#e3e7ec;--acc:#4c78a8;--bad:#c4402f}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#f6f7f9;margin:0}
header{background:#1d2733;color:#fff;padding:14px 24px}header h1{font-size:20px;margin:0}header .sub{color:#b8c2cc;font-size:12px}
main{padding:16px 24px;max-width:1500px;margin:auto}section{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px}
h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}small{color:var(--mut);font-weight:normal}
.cols{display:grid;grid-template-columns:repeat(var(--n),minmax(0,1fr));gap:16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:130px}
.card .v{font-size:20px;font-weight:600}.card .l{color:var(--mut);font-size:12px}.card .s{font-size:11px;color:var(--mut)}
table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;white-space:nowrap}
th{color:var(--mut);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}td.reasons{white-space:normal;min-width:320px}
tr.read td,tr.write td,tr.global td{color:var(--mut)}.reason,.counter{display:inline-block;white-space:nowrap}.reason{color:var(--bad);margin-right:8px}.counter{color:var(--mut);margin-right:6px;font-size:11.5px}
table.kv th{width:180px}table[data-table=percentiles],table[data-table=phases],table[data-table=languages],table[data-table=shards]{width:auto;min-width:50%}.scroll{overflow-x:auto}.scroll.short{max-height:320px;overflow-y:auto}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px;background:#fff;min-width:0}
.chart.wide{grid-column:1/-1;overflow-x:auto}.chart figcaption{margin-bottom:6px}.vis{width:100%}.vis.error{color:var(--bad)}
.samples .controls{display:flex;gap:10px;align-items:center;margin-bottom:8px;flex-wrap:wrap}.samples select{font:inherit}
.doc{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:6px 10px}.doc summary{cursor:pointer}.doc .meta{color:var(--mut);font-size:12px}
.doc .why{color:var(--bad);font-weight:600}.doc pre{white-space:pre-wrap;word-break:break-word;max-height:260px;overflow:auto;background:#fafbfc;padding:8px;margin:6px 0 2px;font-size:12px}
ul.notes{margin:0;padding-left:18px;color:var(--mut)}
`;

/** Client code: render charts with vega-embed, fill the sample viewer. Records results on window for tests. */
const CLIENT = `
(function(){
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var status = window.__report = {charts:{}, errors:[]};
  var jobs = data.charts.map(function(c){
    var el = document.getElementById('chart-' + c.id);
    return vegaEmbed(el, c.spec, {renderer:'svg', actions:false, tooltip:true}).then(function(r){
      status.charts[c.id] = {ok:true, items: r.view.scenegraph().root.items.length};
    }).catch(function(e){
      el.classList.add('error'); el.textContent = 'chart failed: ' + e.message;
      status.charts[c.id] = {ok:false, error:String(e)}; status.errors.push(c.id + ': ' + e.message);
      console.error('chart ' + c.id + ' failed: ' + e.message);
    });
  });
  Promise.all(jobs).then(function(){ status.done = true; document.body.setAttribute('data-rendered', 'true'); });

  function text(tag, cls, s){ var e = document.createElement(tag); if (cls) e.className = cls; if (s !== undefined) e.textContent = s; return e; }
  document.querySelectorAll('.samples').forEach(function(box){
    var run = data.runs[Number(box.getAttribute('data-run'))];
    var kind = box.querySelector('select.kind'), which = box.querySelector('select.which'), list = box.querySelector('.list'), count = box.querySelector('.count');
    function options(){
      which.textContent = '';
      var docs = run.samples[kind.value];
      var keys = {}; docs.forEach(function(d){ var k = kind.value === 'dropped' ? d.stage + ' — ' + d.reason : d.stage; keys[k] = (keys[k] || 0) + 1; });
      var all = text('option', '', 'all (' + docs.length + ')'); all.value = ''; which.appendChild(all);
      Object.keys(keys).sort().forEach(function(k){ var o = text('option', '', k + ' (' + keys[k] + ')'); o.value = k; which.appendChild(o); });
      show();
    }
    function show(){
      list.textContent = '';
      var docs = run.samples[kind.value].filter(function(d){ var k = kind.value === 'dropped' ? d.stage + ' — ' + d.reason : d.stage; return !which.value || k === which.value; });
      count.textContent = docs.length + ' document' + (docs.length === 1 ? '' : 's');
      docs.forEach(function(d, i){
        var det = text('details', 'doc'); if (i === 0) det.open = true;
        var sum = text('summary');
        if (d.reason) { sum.appendChild(text('span', 'why', d.reason)); sum.appendChild(document.createTextNode(' · ')); }
        sum.appendChild(text('span', '', d.stage + ' · ' + d.id));
        det.appendChild(sum);
        det.appendChild(text('div', 'meta', (d.url ? d.url + ' · ' : '') + 'task ' + (d.task === undefined ? '?' : d.task) + ' · ' + d.text.length + ' chars shown'));
        det.appendChild(text('pre', '', d.text));
        list.appendChild(det);
      });
    }
    kind.addEventListener('change', options); which.addEventListener('change', show); options();
  });
})();
`;

function sampleViewer(s: Summary, i: number): string {
  return `<div class="samples" data-run="${i}"><div class="controls"><select class="kind"><option value="kept">kept documents (${s.samples.kept.length})</option><option value="dropped">dropped documents (${s.samples.dropped.length})</option></select><select class="which"></select><span class="count"></span></div><div class="list"></div></div>`;
}

/** The whole report for one run, or two side by side. */
export function renderHtml(summaries: Summary[], opts: { generatedAt?: string } = {}): string {
  const n = summaries.length;
  const charts = buildCharts(summaries);
  const title = n === 1 ? `tokenmill stats — ${summaries[0].config.pipeline ?? summaries[0].label}` : `tokenmill stats — ${summaries.map((s) => s.label).join(' vs ')}`;
  const col = (f: (s: Summary, i: number) => string) => `<div class="cols" style="--n:${n}">${summaries.map((s, i) => `<div class="col" data-run="${i}">${n > 1 ? `<h3>${String.fromCharCode(65 + i)}: ${esc(s.label)}</h3>` : ''}${f(s, i)}</div>`).join('')}</div>`;
  const data = {
    charts: charts.map((c) => ({ id: c.id, spec: c.spec })),
    runs: summaries.map((s) => ({ label: s.label, samples: s.samples })),
  };
  const scripts = vegaScripts().map((x) => `<script data-lib="${x.name}">${scriptSafe(x.code)}</script>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head><body>
<header><h1>${esc(title)}</h1><div class="sub">${esc(summaries.map((s) => s.dir).join('  ·  '))}${opts.generatedAt ? ` · generated ${esc(opts.generatedAt)}` : ''}</div></header>
<main>
<section id="overview"><h2>Overview</h2>${col((s) => cards(s) + configTable(s))}</section>
<section id="funnel"><h2>Funnel <small>per stage: documents and characters in/out, drop reasons, counters, time summed over tasks</small></h2>${col((s) => funnelTable(s))}</section>
<section id="charts"><h2>Charts</h2><div class="charts">${charts.map(chartBox).join('\n')}</div></section>
<section id="tables"><h2>Details</h2>${col((s) => smallTables(s))}</section>
<section id="samples"><h2>Sample documents <small>bottom-k sample by id hash, text cut to 2,000 chars</small></h2>${col((s, i) => sampleViewer(s, i))}</section>
</main>
<script type="application/json" id="report-data">${jsonSafe(data)}</script>
${scripts}
<script>${scriptSafe(CLIENT)}</script>
</body></html>
`;
}
