// The loader's prefetch worker: runs the producer and posts batches (buffers transferred, not
// copied), several small batches per message (up to 1 MiB) to keep message overhead low.
// Backpressure: at most `prefetch` batches are unacknowledged; the consumer acks each message
// when it has consumed its last batch.
import { parentPort, workerData } from 'node:worker_threads';
import { produce, transferList, type ProducerOptions, type RawBatch } from './stream.ts';

const { producer, prefetch, recycle } = workerData as { producer: ProducerOptions; prefetch: number; recycle: boolean };
const port = parentPort!;
const batchBytes = producer.batchSize * producer.sources[0].manifest.rowLen * (producer.dtype === 'uint16' ? 2 : 4);
// At most half the prefetch depth per message: the worker fills one half while the consumer
// empties the other (a message of `prefetch` batches would make the two threads take turns).
const group = Math.max(1, Math.min(Math.ceil(prefetch / 2), Math.ceil((1 << 20) / batchBytes)));
let inFlight = 0;
let stopped = false;
let resume: (() => void) | undefined;
/** Buffers of consumed batches sent back with the acks (loader option recycle). */
const pool: ArrayBuffer[] = [];
port.on('message', (m: { t: string; n?: number; bufs?: ArrayBuffer[] }) => {
  if (m.t === 'ack') inFlight -= m.n ?? 1;
  if (m.bufs) pool.push(...m.bufs);
  if (m.t === 'stop') stopped = true;
  resume?.();
});

let pending: RawBatch[] = [];
function send(): void {
  if (pending.length === 0) return;
  inFlight += pending.length;
  port.postMessage({ t: 'batches', bs: pending }, pending.flatMap(transferList));
  pending = [];
}

// Produced but unconsumed batches (sent + pending) never exceed `prefetch`.
const it = produce(producer, undefined, recycle ? pool : undefined);
try {
  for (;;) {
    while (inFlight + pending.length >= prefetch && !stopped) {
      await new Promise<void>((res) => (resume = res));
      resume = undefined;
    }
    if (stopped) break;
    const r = await it.next();
    if (r.done) break;
    pending.push(r.value);
    if (pending.length >= group || inFlight + pending.length >= prefetch) send();
  }
  if (!stopped) {
    send();
    port.postMessage({ t: 'end' });
  }
} catch (e) {
  port.postMessage({ t: 'error', message: (e as Error).message });
} finally {
  await it.return(undefined);
}
port.close();
