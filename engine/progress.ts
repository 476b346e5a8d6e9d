// Progress of a run: a live bar on a TTY (cli-progress), plain periodic lines otherwise.
// Workers add to shared counters (docs, bytes) through a SharedArrayBuffer; the main thread reads them.
import cliProgress from 'cli-progress';
import type { Plan } from './plan.ts';
import type { Progress } from './runtime.ts';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface RunProgress {
  shared: SharedArrayBuffer;
  counters(): Progress;
  startPhase(name: string, tasks: number, alreadyDone: number, totalBytes?: number): void;
  taskDone(): void;
  taskFailed(): void;
  endPhase(): void;
  stop(): void;
}

const LINE_EVERY_MS = 10_000;

export function fmtDuration(s: number): string {
  if (!isFinite(s) || s < 0) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Progress counters over a SharedArrayBuffer of two BigInt64 slots [docs, bytes]: one per run, shared by every worker. */
export function sharedCounters(shared: SharedArrayBuffer): Progress {
  const c = new BigInt64Array(shared);
  return {
    docs: (n) => void Atomics.add(c, 0, BigInt(n)),
    bytes: (n) => void Atomics.add(c, 1, BigInt(n)),
  };
}

export function createProgress(mode: ProgressMode, plan: Plan): RunProgress {
  const shared = new SharedArrayBuffer(16);
  const c = new BigInt64Array(shared);
  const resolved = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : mode;
  let phase = '';
  let tasks = 0;
  let done = 0;
  let failed = 0;
  let t0 = 0;
  let docs0 = 0n;
  let bytes0 = 0n;
  let totalBytes: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let bar: cliProgress.SingleBar | undefined;

  const snapshot = () => {
    const secs = (performance.now() - t0) / 1000;
    const docs = Number(Atomics.load(c, 0) - docs0);
    const bytes = Number(Atomics.load(c, 1) - bytes0);
    const frac = totalBytes ? Math.min(1, bytes / totalBytes) : tasks ? done / tasks : 1;
    const eta = frac > 0 ? (secs * (1 - frac)) / frac : Infinity;
    return { secs, docs, bytes, docsPerS: docs / Math.max(secs, 1e-3), mbPerS: bytes / 1e6 / Math.max(secs, 1e-3), eta };
  };
  const line = () => {
    const s = snapshot();
    const failedTxt = failed ? ` · ${failed} failed` : '';
    return `[${phase}] ${done}/${tasks} tasks${failedTxt} · ${s.docs.toLocaleString('en-US')} docs · ${Math.round(s.docsPerS).toLocaleString('en-US')} docs/s · ${s.mbPerS.toFixed(1)} MB/s · ${fmtDuration(s.secs)} elapsed · ETA ${fmtDuration(s.eta)}`;
  };
  const refresh = () => {
    if (!bar) return;
    const s = snapshot();
    bar.update(done, { docs: s.docs.toLocaleString('en-US'), rate: Math.round(s.docsPerS).toLocaleString('en-US'), mbps: s.mbPerS.toFixed(1), eta_h: fmtDuration(s.eta) });
  };

  return {
    shared,
    counters: () => sharedCounters(shared),
    startPhase(name, n, alreadyDone, bytes) {
      phase = name;
      tasks = n;
      done = alreadyDone;
      failed = 0;
      totalBytes = bytes;
      t0 = performance.now();
      docs0 = Atomics.load(c, 0);
      bytes0 = Atomics.load(c, 1);
      if (resolved === 'none') return;
      if (alreadyDone === n) {
        console.error(`[${name}] ${n}/${n} tasks already complete, skipped`);
        return;
      }
      if (alreadyDone) console.error(`[${name}] resuming: ${alreadyDone}/${n} tasks already complete`);
      if (resolved === 'bar') {
        bar = new cliProgress.SingleBar(
          { format: `${name} [{bar}] {value}/{total} tasks | {docs} docs | {rate} docs/s | {mbps} MB/s | ETA {eta_h}`, hideCursor: true, clearOnComplete: false, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        );
        bar.start(n, done, { docs: '0', rate: '0', mbps: '0.0', eta_h: '?' });
        timer = setInterval(refresh, 250);
      } else {
        timer = setInterval(() => console.error(line()), LINE_EVERY_MS);
      }
      timer.unref();
    },
    taskDone() {
      done++;
      refresh();
    },
    taskFailed() {
      failed++;
      refresh();
    },
    endPhase() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (bar) {
        refresh();
        bar.stop();
        bar = undefined;
      }
      if (resolved !== 'none' && tasks > 0) console.error(line().replace(/ · ETA .*$/, ''));
    },
    stop() {
      if (timer) clearInterval(timer);
      bar?.stop();
    },
  };
}
