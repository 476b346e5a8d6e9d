// The embedded sample WARC, read back with warcio.js (an independent reader), must match its
// MANIFEST: every page present with its record id and offset, duplicates really duplicated,
// unrelated pages really unrelated, and the corrupt record unreadable without hiding what follows.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { Parser } from 'htmlparser2';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { WARCParser } from 'warcio';
import { makeSample, WARC_NAME, type Manifest, type ManifestRecord } from '../../datasets/sample/make-sample.ts';
import { editedFraction, jaccard, shingles } from '../../datasets/sample/lib/similarity.ts';
import { words } from '../../stages/text/words.ts';
import { unexpected, type Fate } from '../../datasets/sample/check-run.ts';
import { tempDir } from '../helpers.ts';
import { ROOT } from '../shared.ts';

const DIR = join(ROOT, 'datasets', 'sample');
const WARC = join(DIR, WARC_NAME);
const manifest: Manifest = JSON.parse(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8'));
const buf = readFileSync(WARC);

interface Rec {
  offset: number;
  type: string | null;
  uri: string | null;
  id: string | null;
  headers: Map<string, string>;
  status: number | null;
  httpHeaders: Map<string, string>;
  payload: Uint8Array;
}

/** All records warcio can parse from `bytes` (offsets relative to `base`); stops where warcio stops. */
async function readWarc(bytes: Uint8Array, base = 0): Promise<Rec[]> {
  const parser = new WARCParser([bytes]);
  const out: Rec[] = [];
  for await (const r of parser) {
    const payload = await r.readFully(true);
    const headers = new Map<string, string>();
    for (const [k, v] of r.warcHeaders.headers as Map<string, string>) headers.set(k.toLowerCase(), v);
    const httpHeaders = new Map<string, string>();
    if (r.httpHeaders) for (const [k, v] of r.httpHeaders.headers as Map<string, string>) httpHeaders.set(k.toLowerCase(), v);
    const status = r.httpHeaders?.statusCode;
    out.push({ offset: base + parser.offset, type: r.warcType ?? null, uri: r.warcTargetURI ?? null, id: headers.get('warc-record-id') ?? null, headers, status: typeof status === 'number' ? status : null, httpHeaders, payload });
  }
  return out;
}

const corrupt = manifest.records.find((r) => r.kind === 'corrupt')!;
const afterCorrupt = corrupt.offset + corrupt.length;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

// A resilient reader: everything before the corrupt member, then resync at the next gzip magic.
const recordsPromise = (async () => {
  const before = await readWarc(buf.subarray(0, corrupt.offset));
  const resync = buf.indexOf(GZIP_MAGIC, corrupt.offset + 1);
  const after = await readWarc(buf.subarray(resync), resync);
  return { before, after, resync, all: [...before, ...after] };
})();

function base32(b: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const x of b) {
    value = (value << 8) | x;
    bits += 8;
    while (bits >= 5) {
      out += A[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += A[(value << (5 - bits)) & 31];
  return out;
}

/** Text of the <article> element's h1/h2/p children (what the generator calls article text). */
function articleText(html: string): string {
  const parts: string[] = [];
  let inArticle = 0;
  let cur: string[] | null = null;
  const p = new Parser(
    {
      onopentag(name) {
        if (name === 'article') inArticle++;
        else if (inArticle && (name === 'h1' || name === 'h2' || name === 'p')) cur = [];
      },
      ontext(t) {
        cur?.push(t);
      },
      onclosetag(name) {
        if (name === 'article') inArticle--;
        else if (cur && (name === 'h1' || name === 'h2' || name === 'p')) {
          parts.push(cur.join(''));
          cur = null;
        }
      },
    },
    { decodeEntities: true },
  );
  p.write(html);
  p.end();
  return parts.join('\n\n');
}

function decode(rec: ManifestRecord, payload: Uint8Array): string {
  return iconv.decode(Buffer.from(payload), rec.charset ?? 'utf-8');
}

const kind = (r: ManifestRecord) => r.kind.split(':')[0];

describe('datasets/sample', () => {
  it('is small and has the intended mix of pages', () => {
    expect(statSync(WARC).size).toBeLessThan(2 * 1024 * 1024);
    const recs = manifest.records;
    expect(recs.length).toBeGreaterThanOrEqual(150);
    expect(recs.length).toBeLessThanOrEqual(250);
    const langs = new Set(recs.filter((r) => kind(r) === 'article').map((r) => r.language));
    expect(langs.size).toBeGreaterThanOrEqual(6);
    const en = recs.filter((r) => r.language === 'en').length;
    expect(en / recs.length).toBeGreaterThan(0.5);
    const count = (k: string) => recs.filter((r) => kind(r) === k).length;
    expect(count('exact_dup_of')).toBeGreaterThanOrEqual(8);
    expect(count('near_dup_of')).toBeGreaterThanOrEqual(8);
    expect(new Set(recs.filter((r) => kind(r) === 'spam').map((r) => r.kind)).size).toBeGreaterThanOrEqual(6);
    expect(count('non_html')).toBeGreaterThanOrEqual(1);
    expect(count('corrupt')).toBe(1);
    expect(new Set(recs.filter((r) => kind(r) === 'legacy_charset').map((r) => r.charset))).toEqual(new Set(['shift_jis', 'windows-1251']));
    expect(new Set(recs.map((r) => r.uri)).size).toBe(recs.length);
    expect(new Set(recs.map((r) => r.recordId)).size).toBe(recs.length);
  });

  it('has a warcinfo record first and one request/response/metadata triple per page, as in the manifest', async () => {
    const { all } = await recordsPromise;
    expect(all[0].type).toBe('warcinfo');
    expect(all[0].id).toBe(manifest.warcinfo.recordId);
    const responses = all.filter((r) => r.type === 'response');
    const readable = manifest.records.filter((r) => r.kind !== 'corrupt');
    expect(responses.map((r) => r.uri)).toEqual(readable.map((r) => r.uri));
    expect(responses.map((r) => r.id)).toEqual(readable.map((r) => r.recordId));
    expect(responses.map((r) => r.offset)).toEqual(readable.map((r) => r.offset));
    const byId = new Map(all.map((r) => [r.id, r]));
    for (const m of manifest.records) {
      const req = byId.get(m.requestId);
      expect(req?.type, m.uri).toBe('request');
      expect(req?.uri).toBe(m.uri);
      const meta = byId.get(m.metadataId);
      expect(meta?.type).toBe('metadata');
      expect(meta?.headers.get('warc-concurrent-to')).toBe(m.recordId);
    }
    for (const r of responses) {
      const m = readable.find((x) => x.recordId === r.id)!;
      expect(r.headers.get('content-type')).toBe('application/http; msgtype=response');
      expect(r.headers.get('warc-concurrent-to')).toBe(m.requestId);
      expect(r.headers.get('warc-warcinfo-id')).toBe(manifest.warcinfo.recordId);
      expect(r.headers.get('warc-ip-address')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(r.headers.get('warc-date')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(r.status).toBe(m.status);
      expect(r.httpHeaders.get('content-type')?.split(';')[0]).toBe(m.contentType);
      expect(Number(r.httpHeaders.get('content-length'))).toBe(r.payload.length);
      const sha1 = createHash('sha1').update(r.payload).digest();
      expect(r.headers.get('warc-payload-digest')).toBe(`sha1:${base32(sha1)}`);
    }
  });

  it('stores each record in its own gzip member at the manifest offset', () => {
    for (const m of manifest.records) {
      if (m.kind === 'corrupt') continue;
      const text = zlib.gunzipSync(buf.subarray(m.offset, m.offset + m.length)).toString('latin1');
      expect(text.startsWith('WARC/1.0\r\n'), m.uri).toBe(true);
      expect(text).toContain(`WARC-Record-ID: ${m.recordId}\r\n`);
      expect(buf[m.offset + m.length]).toBe(0x1f); // the metadata member follows
    }
  });

  it('has one corrupt member that cannot be read, while a resyncing reader gets every later record', async () => {
    const member = buf.subarray(corrupt.offset, afterCorrupt);
    expect(() => zlib.gunzipSync(member)).toThrow();
    const fromCorrupt = await readWarc(member).catch(() => []);
    expect(fromCorrupt.some((r) => r.type === 'response' && r.uri === corrupt.uri)).toBe(false);
    // warcio reading straight through stops at the damage: nothing after it comes back.
    const straight = await readWarc(buf).catch(() => []);
    expect(straight.some((r) => r.offset > corrupt.offset && r.type === 'response')).toBe(false);
    // Resync lands exactly on the next member, and from there everything parses.
    const { before, after, resync } = await recordsPromise;
    expect(resync).toBe(afterCorrupt);
    const later = manifest.records.filter((r) => r.offset > corrupt.offset);
    expect(later.length).toBeGreaterThan(20);
    expect(after.filter((r) => r.type === 'response').map((r) => r.uri)).toEqual(later.map((r) => r.uri));
    expect(before.length + after.length).toBe(1 + 3 * manifest.records.length - 1);
    // The corrupt record is in the middle of the file.
    expect(corrupt.offset / buf.length).toBeGreaterThan(0.3);
    expect(corrupt.offset / buf.length).toBeLessThan(0.7);
  });

  describe('content', async () => {
    const { all } = await recordsPromise;
    const payload = new Map(all.filter((r) => r.type === 'response').map((r) => [r.uri!, r]));
    const html = (m: ManifestRecord) => decode(m, payload.get(m.uri)!.payload);
    const text = new Map<string, string>();
    for (const m of manifest.records) if (m.title !== undefined && m.kind !== 'corrupt') text.set(m.uri, articleText(html(m)));

    it('serves article pages as HTML in the declared language with the title in <article>', () => {
      for (const m of manifest.records) {
        if (m.title === undefined || m.kind === 'corrupt') continue;
        const h = html(m);
        expect(h, m.uri).toMatch(new RegExp(`<html lang="${m.language}"`));
        expect(text.get(m.uri)!.split('\n\n')[0]).toBe(m.title);
      }
    });

    it('has articles of realistic length (mostly 300+ words, some long reads)', () => {
      const arts = manifest.records.filter((r) => r.kind === 'article');
      for (const r of arts) expect(words(text.get(r.uri)!).length, r.uri).toBe(r.words);
      const w = arts.map((r) => r.words!).sort((a, b) => a - b);
      expect(w[0]).toBeGreaterThanOrEqual(200);
      expect(w[w.length >> 1]).toBeGreaterThanOrEqual(300);
      expect(w[w.length - 1]).toBeGreaterThanOrEqual(1000);
      expect(w[w.length - 1]).toBeLessThanOrEqual(1500);
    });

    it('declares legacy charsets where a reader looks for them', () => {
      for (const m of manifest.records.filter((r) => r.kind === 'legacy_charset')) {
        const r = payload.get(m.uri)!;
        const ct = r.httpHeaders.get('content-type')!;
        const head = Buffer.from(r.payload).toString('latin1').slice(0, 400);
        if (m.charset === 'shift_jis') expect(ct).toMatch(/charset=Shift_JIS/i);
        else {
          expect(ct).not.toMatch(/charset/i); // only the meta tag says it
          expect(head).toMatch(/charset=windows-1251/i);
        }
        // Not valid UTF-8: a reader must honour the declaration.
        expect(() => new TextDecoder('utf-8', { fatal: true }).decode(r.payload)).toThrow();
        expect(text.get(m.uri)!.length).toBeGreaterThan(300);
      }
    });

    it('has non-HTML responses a reader must skip', () => {
      for (const m of manifest.records.filter((r) => r.kind === 'non_html')) {
        expect(m.contentType).not.toMatch(/html/);
        const p = payload.get(m.uri)!.payload;
        const magic = Buffer.from(p.subarray(0, 5)).toString('latin1');
        expect(['\x89PNG\r', '%PDF-']).toContain(magic);
      }
    });

    it('has exact duplicates whose article text is byte-identical to the original', () => {
      const dups = manifest.records.filter((r) => kind(r) === 'exact_dup_of');
      for (const d of dups) {
        const orig = d.kind.slice('exact_dup_of:'.length);
        expect(orig).not.toBe(d.uri);
        expect(text.get(d.uri), d.uri).toBe(text.get(orig));
        expect(text.get(d.uri)!.length).toBeGreaterThan(300);
      }
    });

    it('has near duplicates within the intended band of their original: 5-gram Jaccard 0.5–0.95, 5–15 % of words edited', () => {
      const near = manifest.records.filter((r) => kind(r) === 'near_dup_of');
      for (const d of near) {
        const orig = d.kind.slice('near_dup_of:'.length);
        const j = jaccard(shingles(text.get(d.uri)!), shingles(text.get(orig)!));
        expect(j, d.uri).toBeGreaterThanOrEqual(0.5);
        expect(j, d.uri).toBeLessThan(0.95);
        const edited = editedFraction(text.get(orig)!, text.get(d.uri)!);
        expect(edited, d.uri).toBeGreaterThanOrEqual(0.05);
        expect(edited, d.uri).toBeLessThanOrEqual(0.15);
      }
    });

    it('has no accidental near-duplicates among unrelated article pages (5-gram Jaccard < 0.3)', () => {
      const arts = manifest.records.filter((r) => r.kind === 'article' || r.kind === 'legacy_charset');
      expect(arts.length).toBeGreaterThan(100);
      const sh = arts.map((r) => shingles(text.get(r.uri)!));
      let worst = 0;
      let pair = '';
      for (let i = 0; i < sh.length; i++)
        for (let j = i + 1; j < sh.length; j++) {
          const v = jaccard(sh[i], sh[j]);
          if (v > worst) [worst, pair] = [v, `${arts[i].uri} ~ ${arts[j].uri}`];
        }
      expect(worst, pair).toBeLessThan(0.3);
    });
  });

  it('check-run flags pipeline outcomes that contradict the manifest', () => {
    // The outcome an English FineWeb-style pipeline should reach: copies dropped, originals kept.
    const ideal: Fate[] = manifest.records.map((record) => {
      const k = kind(record);
      const keep = (k === 'article' || k === 'legacy_charset') && record.language === 'en';
      const doc = !['non_html', 'non_200', 'corrupt'].includes(k);
      return { record, fate: keep ? 'kept' : doc ? 'some-stage:reason' : 'absent' };
    });
    expect(unexpected(ideal)).toEqual([]);
    const change = (pred: (r: ManifestRecord) => boolean, fate: string) => {
      const i = ideal.findIndex((f) => pred(f.record));
      return ideal.map((f, j) => (j === i ? { ...f, fate } : f));
    };
    expect(unexpected(change((r) => r.kind === 'article' && r.language === 'en', 'langid:language_not_kept'))).toHaveLength(1);
    expect(unexpected(change((r) => r.kind === 'article' && r.language === 'fr', 'kept'))).toHaveLength(1);
    expect(unexpected(change((r) => r.kind.startsWith('spam:'), 'kept'))).toHaveLength(1);
    expect(unexpected(change((r) => r.kind === 'corrupt', 'kept'))).toHaveLength(1);
    const exact = manifest.records.find((r) => kind(r) === 'exact_dup_of' && r.language === 'en')!;
    expect(unexpected(change((r) => r === exact, 'kept'))[0]).toMatch(/2 copies kept of exact duplicate group/);
  });

  it('regenerates byte-identically', async () => {
    const out = tempDir('tokenmill-sample-');
    await makeSample(out);
    expect(readFileSync(join(out, WARC_NAME)).equals(buf)).toBe(true);
    expect(readFileSync(join(out, 'MANIFEST.json'), 'utf8')).toBe(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8'));
  });
});
