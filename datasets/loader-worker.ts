// The loader's prefetch worker: runs the producer and posts batches (buffers transferred, not
// copied). Backpressure: at most `prefetch` batches are in flight; each consumed batch is acked.
import { parentPort, workerData } from 'node:worker_threads';
import { produce, transferList, type ProducerOptions } from './stream.ts';

const { producer, prefetch } = workerData as { producer: ProducerOptions; prefetch: number };
const port = parentPort!;
let inFlight = 0;
let stopped = false;
let resume: (() => void) | undefined;
port.on('message', (m: { t: string }) => {
  if (m.t === 'ack') inFlight--;
  if (m.t === 'stop') stopped = true;
  resume?.();
});

try {
  for await (const b of produce(producer)) {
    if (stopped) break;
    inFlight++;
    port.postMessage({ t: 'batch', b }, transferList(b));
    while (inFlight >= prefetch && !stopped) {
      await new Promise<void>((res) => (resume = res));
      resume = undefined;
    }
    if (stopped) break;
  }
  port.postMessage({ t: 'end' });
} catch (e) {
  port.postMessage({ t: 'error', message: (e as Error).message });
}
port.close();
