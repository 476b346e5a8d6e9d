// Worker-thread entry of the data-parallel trainer: registers tsx (module hooks are per thread), then
// runs trainer/parallel-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
