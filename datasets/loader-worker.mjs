// Worker-thread entry of the loader: registers tsx so the worker can import TypeScript (module
// hooks are per thread), then runs the producer (datasets/loader-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./loader-worker.ts');
