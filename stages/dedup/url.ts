// URL normalisation for URL dedup: two URLs that name the same page map to the same string.

const TRACKING = /^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga|igshid|ref_src)$/i;

export interface UrlNormOptions {
  /** http and https are the same page. */
  ignoreScheme: boolean;
  /** `www.example.com` and `example.com` are the same site. */
  stripWww: boolean;
  /** Drop the whole query string (else only tracking parameters are dropped and the rest sorted). */
  stripQuery: boolean;
}

/**
 * Lowercase scheme and host, drop default ports, fragments, tracking parameters, trailing slashes
 * and (optionally) scheme and `www.`; sort the remaining query parameters. Unparseable URLs are
 * returned trimmed, so they still dedup against identical strings.
 */
export function normalizeUrl(raw: string, o: UrlNormOptions): string {
  const s = raw.trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return s;
  }
  let host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (o.stripWww) host = host.replace(/^www\d?\./, '');
  const port = u.port && !((u.protocol === 'http:' && u.port === '80') || (u.protocol === 'https:' && u.port === '443')) ? `:${u.port}` : '';
  let path = u.pathname.replace(/\/{2,}/g, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  if (path === '/') path = '';
  let query = '';
  if (!o.stripQuery) {
    const params = [...u.searchParams].filter(([k]) => !TRACKING.test(k));
    params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    if (params.length) query = '?' + new URLSearchParams(params).toString();
  }
  const scheme = o.ignoreScheme && (u.protocol === 'http:' || u.protocol === 'https:') ? '' : `${u.protocol}//`;
  return `${scheme}${host}${port}${path}${query}`;
}
