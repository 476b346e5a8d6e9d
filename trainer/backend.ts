// Backend selection: the fastest available tfjs backend, in order tfjs-node-gpu → tfjs-node → wasm → cpu.
// The native packages are optional (they download libtensorflow at install time and often cannot), so
// they are imported dynamically and a failure falls back with a one-line notice.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** The wasm heap cannot grow past 4 GiB; exceeding it hangs at 100% CPU instead of failing. */
export const WASM_HEAP_LIMIT = 4 * 1024 ** 3;

const ALIASES: Record<string, BackendName> = {
  gpu: 'tensorflow-gpu', 'tfjs-node-gpu': 'tensorflow-gpu', 'tensorflow-gpu': 'tensorflow-gpu',
  node: 'tensorflow', 'tfjs-node': 'tensorflow', tensorflow: 'tensorflow',
  wasm: 'wasm', cpu: 'cpu',
};

export function parseBackend(name: string): BackendName {
  const b = ALIASES[name];
  if (!b) throw new Error(`unknown backend "${name}" (use one of: gpu, node, wasm, cpu)`);
  return b;
}

async function tryNative(pkg: string): Promise<string | null> {
  try {
    await import(pkg); // registers 'tensorflow' backend on the shared tfjs-core
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

async function setupWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  // Emscripten's own loader (fs) rather than fetch(), which cannot read local paths.
  wasm.setWasmPaths(join(dist, '/'), false);
}

let chosen: BackendName | null = null;

/**
 * Select and initialise a backend; `force` picks one (failing if it is unavailable). Prints one line
 * naming the chosen backend unless `quiet`.
 */
export async function selectBackend(force?: string, opts: { quiet?: boolean } = {}): Promise<BackendName> {
  const log = opts.quiet ? () => {} : (s: string) => console.log(s);
  const want = force ? [parseBackend(force)] : BACKENDS;
  for (const b of want) {
    if (b === 'tensorflow-gpu' || b === 'tensorflow') {
      const pkg = b === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const err = await tryNative(pkg);
      if (err) {
        if (force) throw new Error(`backend ${b}: cannot load ${pkg}: ${err}`);
        if (b === 'tensorflow-gpu') log(`notice: ${pkg} unavailable (${err.slice(0, 160)}); falling back`);
        continue;
      }
      await tf.setBackend('tensorflow');
    } else if (b === 'wasm') {
      try {
        await setupWasm();
        if (!(await tf.setBackend('wasm'))) throw new Error('initialisation failed');
      } catch (e) {
        if (force) throw new Error(`backend wasm: ${(e as Error).message}`);
        log(`notice: wasm backend unavailable (${(e as Error).message}); falling back`);
        continue;
      }
    } else {
      await tf.setBackend('cpu');
    }
    await tf.ready();
    chosen = b;
    log(`backend: ${b} (tfjs ${tf.version.tfjs})`);
    return b;
  }
  throw new Error('no tfjs backend could be initialised');
}

export function currentBackend(): BackendName | null {
  return chosen;
}
