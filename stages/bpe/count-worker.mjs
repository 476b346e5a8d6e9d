// Worker-thread entry of the CLI trainer: registers tsx (so TypeScript imports work), counts the
// shards it is sent, and posts back each shard's serialised counts.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { countShard } = await import('./count-shard.ts');
parentPort.on('message', async (msg) => {
  if (msg === null) {
    parentPort.close();
    return;
  }
  try {
    const r = await countShard(msg.shard, msg.pattern, msg.maxWords);
    parentPort.postMessage({ index: msg.index, ...r }, [r.counts.buffer]);
  } catch (e) {
    parentPort.postMessage({ index: msg.index, error: `${msg.shard.path}: ${e instanceof Error ? e.message : String(e)}` });
  }
});
