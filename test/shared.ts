// Real third-party data lives in ../shared (never copied into the repo). Tests that need it use
// these helpers and are skipped, with the reason printed, when it is absent.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = join(ROOT, '..', 'shared');

/** Absolute path of a file under ../shared (whether or not it exists). */
export function shared(rel: string): string {
  return join(SHARED, rel);
}

/** `describe` that skips (printing why) when a ../shared path is missing. */
export function describeShared(name: string, rel: string | string[], fn: () => void): void {
  const missing = (Array.isArray(rel) ? rel : [rel]).filter((r) => !existsSync(shared(r)));
  if (missing.length) {
    console.log(`skipping "${name}": ../shared/${missing[0]} is absent`);
    // Not describe.skip(name, fn): vitest still runs a skipped suite's body to collect its tests,
    // and bodies read the shared files.
    describe.skip(name, () => {
      it(`needs ../shared/${missing[0]}`, () => {});
    });
  } else {
    describe(name, fn);
  }
}
