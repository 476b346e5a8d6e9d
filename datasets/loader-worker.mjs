// Worker-thread entry of the loader: registers tsx so the worker can import TypeScript, then
// runs the producer (datasets/loader-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./loader-worker.ts');
