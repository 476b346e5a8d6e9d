// The HTTP source against a loopback server that drops the connection mid-stream: the download
// resumes with a Range request and the bytes are exactly the file's. Common Crawl by name (--crawl)
// against the same kind of server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describeShared, shared } from '../shared.ts';
import { openSource } from '../../engine/sources.ts';
import { cliAsync, tempDir } from '../helpers.ts';

const WARC = 'data/warc/commoncrawl/cc-main-2020-34_resiliparse_warcfile.warc.gz';
let server: Server;
let base = '';
const requests: string[] = [];

describeShared('HTTP source', WARC, () => {
  beforeAll(async () => {
    const body = readFileSync(shared(WARC));
    const paths = gzipSync('crawl-data/CC-MAIN-2099-01/segments/0/warc/a.warc.gz\ncrawl-data/CC-MAIN-2099-01/segments/0/warc/b.warc.gz\n');
    let drops = 0;
    server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.range ?? ''}`);
      if (req.url === '/crawl-data/CC-MAIN-2099-01/warc.paths.gz') return res.end(paths);
      if (req.url === '/missing.warc.gz') {
        res.statusCode = 404;
        return res.end('not found');
      }
      const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, { 'content-length': body.length - start, ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
      // The first two responses of /flaky send a third of what is left, then drop the connection.
      if (req.url!.startsWith('/flaky') && drops < 2) {
        drops++;
        res.write(body.subarray(start, start + Math.floor((body.length - start) / 3)));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(body.subarray(start));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('resumes with Range after the server disconnects mid-stream', async () => {
    const retries: string[] = [];
    const parts: Uint8Array[] = [];
    for await (const c of openSource(`${base}/flaky.warc.gz`, { backoffMs: 10, onRetry: (m) => retries.push(m) })) parts.push(c);
    expect(Buffer.concat(parts).equals(readFileSync(shared(WARC)))).toBe(true);
    expect(retries.length).toBe(2);
    expect(requests.filter((r) => r.startsWith('/flaky')).map((r) => r.split(' ')[1] ?? '')).toEqual(['', expect.stringMatching(/^bytes=\d+-$/), expect.stringMatching(/^bytes=\d+-$/)]);
  });

  it('a 404 is not retried and names the URL', async () => {
    const go = async () => {
      for await (const _ of openSource(`${base}/missing.warc.gz`, { backoffMs: 10 })) void _;
    };
    await expect(go()).rejects.toThrow(/missing\.warc\.gz: HTTP 404/);
  });

  it('pipeline --crawl reads Common Crawl by name from a base URL', async () => {
    const out = tempDir();
    const r = await cliAsync(['pipeline', 'test/fixtures/pipelines/strip.ts', '--crawl', 'CC-MAIN-2099-01', '--files', '0:2', '--base-url', base, '--output', out, '--workers', '0', '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(plan.inputs).toEqual([`${base}/crawl-data/CC-MAIN-2099-01/segments/0/warc/a.warc.gz`, `${base}/crawl-data/CC-MAIN-2099-01/segments/0/warc/b.warc.gz`]);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    const read = stats.phases[0].stages[0];
    expect(read.counters.warc_records).toBe(100);
    expect(read.docsOut).toBeGreaterThan(20);
  });
});
