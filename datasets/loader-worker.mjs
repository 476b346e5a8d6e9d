// Worker-thread entry of the loader: makes sure TypeScript can be imported (a parent started
// with tsx passes its loader on through execArgv; otherwise, e.g. under vitest, register it),
// then runs the producer (datasets/loader-worker.ts).
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./loader-worker.ts');
