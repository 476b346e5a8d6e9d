// Language-identification backends behind one interface. Built in: 'fasttext' (the default) runs
// fastText supervised models (lid.176.ftz shipped with fasttext.wasm.js, or any .bin/.ftz such as
// GlotLID) with our TypeScript inference, which gives fastText's exact scores; 'fasttext-wasm' runs
// the same model through fasttext.wasm.js (the reference). Each worker thread loads a model once
// (module-level cache keyed by backend+model); nothing is downloaded.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FastTextClassifier } from './fasttext-classifier.ts';

export interface LangPrediction {
  /** Label without the model's prefix, e.g. "en" (lid.176) or "eng_Latn" (GlotLID). */
  label: string;
  /** Probability in [0, 1]. */
  score: number;
}

export interface LangIdBackend {
  readonly name: string;
  /** Best labels first: at most k (-1: all) with probability ≥ threshold, for one line of text. */
  predict(text: string, k: number, threshold: number): LangPrediction[];
  /** Every label the model can predict (without prefix), when the backend knows them. */
  labels?(): string[];
}

/** Loads a backend for a model path ('' = the backend's default model). */
export type BackendLoader = (model: string) => Promise<LangIdBackend>;

const require = createRequire(import.meta.url);

/** lid.176.ftz as shipped in the fasttext.wasm.js package. */
export function defaultLid176Path(): string {
  return require.resolve('fasttext.wasm.js/dist/models/language-identification/assets/lid.176.ftz');
}

interface EmbindVector {
  size(): number;
  get(i: number): [number, string];
  delete(): void;
}
interface NativeModel {
  predict(text: string, k: number, threshold: number): EmbindVector;
  getLabels(): [{ size(): number; get(i: number): string; delete?(): void }, { delete?(): void }];
}

function modelPath(model: string): string {
  const path = model ? resolve(model) : defaultLid176Path();
  if (!existsSync(path)) throw new Error(`langid: model file not found: ${path}`);
  return path;
}

const stripPrefix = (label: string) => (label.startsWith('__label__') ? label.slice(9) : label);

/** fastText in TypeScript (fasttext-classifier.ts): same features, float32 arithmetic and search as the C++. */
export async function loadFastText(model: string): Promise<LangIdBackend> {
  const path = modelPath(model);
  const clf = FastTextClassifier.load(path);
  const labels = clf.labels.map(stripPrefix);
  const short = new Map(clf.labels.map((l, i) => [l, labels[i]]));
  return {
    name: `fasttext:${path}`,
    predict(text, k, threshold) {
      // probabilities can exceed 1 by up to 1e-5 (fastText's log(p + 1e-5)): clamp as for wasm
      return clf.predict(text, k, threshold).map((p) => ({ label: short.get(p.label)!, score: Math.min(1, p.prob) }));
    },
    labels: () => labels.slice(),
  };
}

/** fastText in WebAssembly (fasttext.wasm.js): a fresh wasm instance per model, so several models can coexist. */
export async function loadFastTextWasm(model: string): Promise<LangIdBackend> {
  const path = modelPath(model);
  const { getFastTextClass, getFastTextModule } = await import('fasttext.wasm.js');
  const FastText = await getFastTextClass({ getFastTextModule: () => getFastTextModule() });
  const ft = await new FastText().loadModel(pathToFileURL(path).href);
  const native = ft as unknown as NativeModel;
  return {
    name: `fasttext-wasm:${path}`,
    predict(text, k, threshold) {
      const v = native.predict(text, k, threshold);
      try {
        const out: LangPrediction[] = [];
        for (let i = 0, n = v.size(); i < n; i++) {
          const [p, label] = v.get(i);
          out.push({ label: stripPrefix(label), score: Math.min(1, p) });
        }
        return out;
      } finally {
        v.delete(); // embind vectors live on the wasm heap
      }
    },
    labels() {
      const [names, counts] = native.getLabels();
      const out: string[] = [];
      for (let i = 0; i < names.size(); i++) out.push(names.get(i).replace(/^__label__/, ''));
      names.delete?.();
      counts.delete?.();
      return out;
    },
  };
}

const loaders = new Map<string, BackendLoader>([
  ['fasttext', loadFastText],
  ['fasttext-wasm', loadFastTextWasm],
]);

/**
 * Add a backend (e.g. a CLD3 or a remote service): call it at the top level of the pipeline file so
 * that worker threads, which import that file, register it too.
 */
export function registerLangIdBackend(name: string, loader: BackendLoader): void {
  loaders.set(name, loader);
}

export function hasLangIdBackend(name: string): boolean {
  return loaders.has(name);
}

const cache = new Map<string, Promise<LangIdBackend>>();

/** The backend for (name, model), loaded once per worker thread. */
export function getLangIdBackend(name = 'fasttext', model = ''): Promise<LangIdBackend> {
  const key = `${name}\0${model}`;
  let p = cache.get(key);
  if (!p) {
    const loader = loaders.get(name);
    if (!loader) return Promise.reject(new Error(`langid: unknown backend "${name}" (known: ${[...loaders.keys()].join(', ')})`));
    p = loader(model);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}
