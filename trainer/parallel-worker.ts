// One data-parallel replica (see parallel.ts): its own tfjs-wasm instance, parameters read from the
// shared buffer the main thread writes after each optimizer step, gradients written to its own
// shared buffer.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { lossOf, makeParams, paramSpecs, type BatchInputs, type ResolvedConfig } from './model.ts';

const { model, backend, params: pSab, grads: gSab } = workerData as { model: ResolvedConfig; backend: string; params: SharedArrayBuffer; grads: SharedArrayBuffer };
await selectBackend(backend, { quiet: true });
const specs = paramSpecs(model);
const pAll = new Float32Array(pSab), gAll = new Float32Array(gSab);
const offsets: number[] = [];
let off = 0;
const init: Record<string, Float32Array> = {};
for (const s of specs) {
  const n = s.shape.reduce((a, b) => a * b, 1);
  offsets.push(off);
  init[s.name] = pAll.slice(off, off + n);
  off += n;
}
const params = makeParams(model, init);
const list = specs.map((s) => params[s.name]);
const varIndex = new Map(list.map((v, i) => [v.name, i]));

parentPort!.on('message', (m: { batch: BatchInputs; version: number }) => {
  // Refresh the replica from the shared parameters (the main thread wrote them before posting).
  tf.tidy(() => {
    specs.forEach((s, i) => params[s.name].assign(tf.tensor(pAll.subarray(offsets[i], offsets[i] + params[s.name].size), s.shape)));
  });
  const { value, grads } = tf.variableGrads(() => lossOf(model, params, m.batch), list);
  const loss = value.dataSync()[0];
  value.dispose();
  for (const [name, g] of Object.entries(grads)) {
    const i = varIndex.get(name)!;
    gAll.set(g.dataSync() as Float32Array, offsets[i]);
    g.dispose();
  }
  parentPort!.postMessage({ loss, version: m.version });
});
parentPort!.postMessage({ ready: true });
