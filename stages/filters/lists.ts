// Word and domain lists read from files (one entry per line, "#" comments, optionally .gz), cached
// per worker so every task of a worker shares one copy of a multi-million-line UT1 list.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PipelineConfigError } from '../../engine/types.ts';

export const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');

const cache = new Map<string, string[]>();

/** Entries of a list file (trimmed, without blanks and comments). Errors name the stage and file. */
export function readList(path: string, stage: string): string[] {
  let list = cache.get(path);
  if (list) return list;
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new PipelineConfigError(`stage "${stage}": cannot read list file ${path}: ${(e as Error).message}`);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  list = buf
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  cache.set(path, list);
  return list;
}

/** A built-in list under stages/filters/assets. */
export function assetList(name: string): string[] {
  return readList(join(ASSETS_DIR, name), 'assets');
}
