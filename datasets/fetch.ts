// Remote datasets: shards under an http(s) base URL are fetched once into a local cache.
// Concurrency-safe across processes: a download holds `<file>.lock` (O_EXCL, holding its pid),
// writes `<file>.<pid>.<rand>.part`, checks it against the manifest and renames it into place.
// After a crash nothing stale remains in the way: a lock whose pid is dead (or that is older
// than `staleMs`) is broken, and `.part` files of dead processes are removed.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, verifyShard, type Manifest, type ShardEntry } from './manifest.ts';

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

export function defaultCacheDir(): string {
  return process.env.TOKENMILL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tokenmill', 'datasets');
}

/** Cache folder of one base URL. */
export function cacheFolder(baseUrl: string, cacheDir = defaultCacheDir()): string {
  const h = createHash('sha256').update(baseUrl.replace(/\/+$/, '')).digest('hex').slice(0, 16);
  return join(cacheDir, h);
}

const joinUrl = (base: string, file: string) => base.replace(/\/+$/, '') + '/' + file;

async function get(url: string, tries = 3): Promise<Response> {
  let last: unknown;
  for (let t = 0; t < tries; t++) {
    try {
      const r = await fetch(url);
      if (r.ok) return r;
      if (r.status < 500) throw new Error(`${url}: HTTP ${r.status}`);
      last = new Error(`${url}: HTTP ${r.status}`);
    } catch (e) {
      last = e;
      if ((e as Error).message.includes('HTTP 4')) throw e;
    }
    await new Promise((res) => setTimeout(res, 200 * 2 ** t));
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** Fetch (and cache) the manifest of a remote dataset. Falls back to the cached copy when offline. */
export async function fetchManifest(baseUrl: string, cacheDir?: string): Promise<{ manifest: Manifest; dir: string }> {
  const dir = cacheFolder(baseUrl, cacheDir);
  mkdirSync(dir, { recursive: true });
  const url = joinUrl(baseUrl, 'manifest.json');
  const local = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await (await get(url)).text();
    const tmp = `${local}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.part`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, text);
    closeSync(fd);
    renameSync(tmp, local);
  } catch (e) {
    if (!existsSync(local)) throw new Error(`${url}: cannot fetch manifest (${(e as Error).message})`);
    text = readFileSync(local, 'utf8');
  }
  return { manifest: parseManifest(text, url), dir };
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `.part` files left by dead processes. */
export function cleanStale(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /\.(\d+)\.[a-z0-9]+\.part$/.exec(n);
    if (m && !pidAlive(Number(m[1]))) rmSync(join(dir, n), { force: true });
  }
}

export interface FetchOptions {
  staleMs?: number;
  /** Counts actual downloads (tests check that concurrent loaders download once). */
  onDownload?(file: string, bytes: number): void;
}

/** Make sure `entry` is in the cache folder, verified; returns its local path. */
export async function ensureShard(baseUrl: string, dir: string, entry: ShardEntry, o: FetchOptions = {}): Promise<string> {
  const final = join(dir, entry.file);
  const lock = `${final}.lock`;
  const staleMs = o.staleMs ?? 10 * 60_000;
  for (;;) {
    if (existsSync(final)) {
      try {
        await verifyShard(final, entry, true);
        return final;
      } catch {
        rmSync(final, { force: true }); // replaced upstream or truncated: fetch again
      }
    }
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Someone else is downloading: wait for them, or break a stale lock.
      let holder = 0;
      let age = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // lock just vanished
      }
      if ((holder && !pidAlive(holder)) || age > staleMs) {
        rmSync(lock, { force: true });
        continue;
      }
      await new Promise((res) => setTimeout(res, 50));
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    const tmp = `${final}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.part`;
    try {
      cleanStale(dir);
      const r = await get(joinUrl(baseUrl, entry.file));
      const out = openSync(tmp, 'w');
      let bytes = 0;
      try {
        for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
          let off = 0;
          while (off < chunk.length) off += writeSync(out, chunk, off, chunk.length - off);
          bytes += chunk.length;
        }
      } finally {
        closeSync(out);
      }
      await verifyShard(tmp, { ...entry }).catch((e: Error) => {
        throw new Error(`${joinUrl(baseUrl, entry.file)}: downloaded ${e.message.replace(/\s*\(.*\)$/, '')}`);
      });
      renameSync(tmp, final);
      o.onDownload?.(entry.file, bytes);
      return final;
    } finally {
      rmSync(tmp, { force: true });
      rmSync(lock, { force: true });
    }
  }
}
