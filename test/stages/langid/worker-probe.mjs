// Worker-thread probe for langid.test.ts: loads the langid stage inside a worker (as piscina does)
// and posts back the languages it assigns.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { langIdStage } = await import('../../../stages/langid/index.ts');
const { makeTaskContext } = await import('../../../engine/context.ts');
const stage = langIdStage({ languages: ['en', 'de'] });
const ctx = makeTaskContext({ runDir: workerData.runDir, stageName: 'langid' });
const proc = await stage.open(ctx);
const out = [];
for (const text of workerData.texts) {
  const r = await proc.process({ id: 'x', text, metadata: {} });
  out.push(typeof r === 'string' ? r : r.metadata.language);
}
parentPort.postMessage(out);
