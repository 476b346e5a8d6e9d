// Byte sources: local files and http(s) URLs, streamed. HTTP downloads retry with backoff and
// resume where they stopped with a Range request, so a dropped connection costs nothing.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

export interface OpenOptions {
  /** Byte offset to start at. */
  start?: number;
  retries?: number;
  /** Milliseconds before the first retry (doubles each time). */
  backoffMs?: number;
  onBytes?(n: number): void;
  onRetry?(msg: string): void;
}

/** Stream the bytes of a local path or URL from `start` on. */
export async function* openSource(source: string, o: OpenOptions = {}): AsyncGenerator<Uint8Array> {
  if (!isUrl(source)) {
    const stream = createReadStream(source, { start: o.start ?? 0, highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      o.onBytes?.(chunk.length);
      yield chunk;
    }
    return;
  }
  yield* openHttp(source, o);
}

async function* openHttp(url: string, o: OpenOptions): AsyncGenerator<Uint8Array> {
  let pos = o.start ?? 0;
  let total: number | undefined;
  const retries = o.retries ?? 5;
  let attempt = 0;
  for (;;) {
    try {
      const headers: Record<string, string> = {};
      if (pos > 0) headers.Range = `bytes=${pos}-`;
      const res = await fetch(url, { headers });
      if (res.status === 416 && total !== undefined && pos >= total) return;
      if (!(res.status === 200 || res.status === 206)) {
        const err = new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
        // 4xx other than 408/429 are final: retrying a 404 helps nobody.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) (err as any).final = true;
        throw err;
      }
      if (pos > 0 && res.status === 200) {
        // Server ignored the Range header: skip what we already have.
        let skip = pos;
        for await (const chunk of Readable.fromWeb(res.body as any) as AsyncIterable<Buffer>) {
          if (skip >= chunk.length) { skip -= chunk.length; continue; }
          const part = skip > 0 ? chunk.subarray(skip) : chunk;
          skip = 0;
          pos += part.length;
          o.onBytes?.(part.length);
          yield part;
        }
      } else {
        const len = res.headers.get('content-length');
        if (len !== null) total = pos + Number(len);
        for await (const chunk of Readable.fromWeb(res.body as any) as AsyncIterable<Buffer>) {
          pos += chunk.length;
          o.onBytes?.(chunk.length);
          attempt = 0;
          yield chunk;
        }
      }
      if (total !== undefined && pos < total) throw new Error(`${url}: connection closed at byte ${pos} of ${total}`);
      return;
    } catch (e) {
      const err = e as Error & { final?: boolean };
      if (err.final || attempt >= retries) throw new Error(`${err.message} (after ${attempt} retries)`);
      attempt++;
      o.onRetry?.(`${url}: ${err.message}; retry ${attempt}/${retries} from byte ${pos}`);
      await new Promise((r) => setTimeout(r, (o.backoffMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
}

/** Size of a local file or URL in bytes (undefined when unknown). */
export async function sourceSize(source: string): Promise<number | undefined> {
  if (!isUrl(source)) return statSync(source).size;
  try {
    const res = await fetch(source, { method: 'HEAD' });
    const len = res.headers.get('content-length');
    return len === null ? undefined : Number(len);
  } catch {
    return undefined;
  }
}

/** Read a whole (small) source into memory: used for path lists, not for data. */
export async function readAll(source: string, o: OpenOptions = {}): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of openSource(source, o)) parts.push(c);
  return Buffer.concat(parts);
}
