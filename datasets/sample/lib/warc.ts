// Common Crawl-style WARC records written with warcio's WARCRecord/WARCSerializer: one gzip
// member per record (pako, whose output does not depend on the host's zlib), sha1 base32 digests,
// CC's header set and order.
import { WARCRecord, WARCSerializer } from 'warcio';

const DIGEST = { gzip: true, preferPako: true, digest: { algo: 'sha-1', prefix: 'sha1:', base32: true } } as const;

export async function gzipRecord(rec: WARCRecord): Promise<Uint8Array> {
  return WARCSerializer.serialize(rec, DIGEST);
}

function body(bytes: Uint8Array): Iterable<Uint8Array> {
  return [bytes];
}

export interface Exchange {
  url: string;
  /** ISO date (seconds precision, Z). */
  date: string;
  ip: string;
  warcinfoId: string;
  requestId: string;
  responseId: string;
  metadataId: string;
  statusline: string;
  httpHeaders: [string, string][];
  payload: Uint8Array;
  /** Lines of CC's metadata record (fetchTimeMs, charset-detected, languages-cld2). */
  metadata: [string, string][];
}

export function warcinfo(id: string, date: string, filename: string, fields: [string, string][]): WARCRecord {
  const text = fields.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return WARCRecord.create(
    {
      type: 'warcinfo',
      date,
      warcHeaders: [
        ['WARC-Type', 'warcinfo'],
        ['WARC-Date', date],
        ['WARC-Filename', filename],
        ['WARC-Record-ID', `<urn:uuid:${id}>`],
        ['Content-Type', 'application/warc-fields'],
        ['Content-Length', '0'],
      ],
    },
    body(new TextEncoder().encode(text)),
  );
}

export function request(x: Exchange): WARCRecord {
  const u = new URL(x.url);
  return WARCRecord.create(
    {
      type: 'request',
      url: x.url,
      date: x.date,
      statusline: `GET ${u.pathname}${u.search} HTTP/1.1`,
      httpHeaders: [
        ['Host', u.host],
        ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
        ['Accept-Language', 'en-US,en;q=0.5'],
        ['User-Agent', 'CCBot/2.0 (https://commoncrawl.org/faq/)'],
        ['Accept-Encoding', 'br,gzip'],
        ['Connection', 'Keep-Alive'],
      ],
      warcHeaders: [
        ['WARC-Type', 'request'],
        ['WARC-Date', x.date],
        ['WARC-Record-ID', `<urn:uuid:${x.requestId}>`],
        ['Content-Length', '0'],
        ['Content-Type', 'application/http; msgtype=request'],
        ['WARC-Warcinfo-ID', `<urn:uuid:${x.warcinfoId}>`],
        ['WARC-IP-Address', x.ip],
        ['WARC-Target-URI', x.url],
        ['WARC-Block-Digest', ''],
      ],
    },
    body(new Uint8Array(0)),
  );
}

export function response(x: Exchange, identifiedType: string): WARCRecord {
  return WARCRecord.create(
    {
      type: 'response',
      url: x.url,
      date: x.date,
      statusline: x.statusline,
      httpHeaders: x.httpHeaders,
      warcHeaders: [
        ['WARC-Type', 'response'],
        ['WARC-Date', x.date],
        ['WARC-Record-ID', `<urn:uuid:${x.responseId}>`],
        ['Content-Length', '0'],
        ['Content-Type', 'application/http; msgtype=response'],
        ['WARC-Warcinfo-ID', `<urn:uuid:${x.warcinfoId}>`],
        ['WARC-Concurrent-To', `<urn:uuid:${x.requestId}>`],
        ['WARC-IP-Address', x.ip],
        ['WARC-Target-URI', x.url],
        ['WARC-Payload-Digest', ''],
        ['WARC-Block-Digest', ''],
        ['WARC-Identified-Payload-Type', identifiedType],
      ],
    },
    body(x.payload),
  );
}

export function metadata(x: Exchange): WARCRecord {
  const text = x.metadata.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return WARCRecord.create(
    {
      type: 'metadata',
      url: x.url,
      date: x.date,
      warcHeaders: [
        ['WARC-Type', 'metadata'],
        ['WARC-Date', x.date],
        ['WARC-Record-ID', `<urn:uuid:${x.metadataId}>`],
        ['Content-Length', '0'],
        ['Content-Type', 'application/warc-fields'],
        ['WARC-Warcinfo-ID', `<urn:uuid:${x.warcinfoId}>`],
        ['WARC-Concurrent-To', `<urn:uuid:${x.responseId}>`],
        ['WARC-Target-URI', x.url],
        ['WARC-Block-Digest', ''],
      ],
    },
    body(new TextEncoder().encode(text)),
  );
}
