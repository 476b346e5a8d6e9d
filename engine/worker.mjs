// Piscina worker entry: registers tsx so the worker can import TypeScript (the engine and the
// user's pipeline file), then serves runTaskInWorker.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./worker-task.ts');
export default mod.runTaskInWorker;
