// Fallback worker-thread entry of the loader (when its code cannot be bundled to plain JS, see
// workerFile in loader.ts): registers tsx so the worker can import TypeScript (module hooks are
// per thread), then runs the producer (datasets/loader-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./loader-worker.ts');
