// `tokenmill extract [--url U] [--json] [--precision|--recall] [--tables|--no-tables] [--comments]
//                   [--links] [--plain] [--content-type CT] [FILE] < page.html`
// Prints the main text of one HTML page (bytes from FILE or stdin; charset from --content-type,
// BOM, <meta> or detection). --json prints {text, title, canonicalUrl, publishedDate, htmlLang,
// charset, fallback} instead. --plain uses the plain stripper (stage html-to-text).
import { readFileSync } from 'node:fs';
import { decodeHtml } from './charset.ts';
import { extractText, type ExtractOptions } from './extract.ts';
import { stripHtmlWithMeta } from './strip.ts';

const USAGE = 'usage: tokenmill extract [--url U] [--json] [--precision|--recall] [--no-tables] [--comments] [--links] [--plain] [--content-type CT] [FILE] < page.html';

/** A usage error: printed as one line by the CLI. */
function usageError(msg: string): Error {
  return Object.assign(new Error(`${msg}\n${USAGE}`), { userError: true });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function main(argv: string[]): Promise<void> {
  const opts: ExtractOptions = {};
  let json = false;
  let plain = false;
  let contentType: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw usageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--url': opts.url = value(); break;
      case '--json': json = true; break;
      case '--precision': opts.favor = 'precision'; break;
      case '--recall': opts.favor = 'recall'; break;
      case '--tables': opts.includeTables = true; break;
      case '--no-tables': opts.includeTables = false; break;
      case '--comments': opts.includeComments = true; break;
      case '--links': opts.keepLinks = true; break;
      case '--plain': plain = true; break;
      case '--content-type': contentType = value(); break;
      case '-h': case '--help': console.log(USAGE); return;
      default:
        if (a.startsWith('-') || file) throw usageError(`unknown argument "${a}"`);
        file = a;
    }
  }
  if (!file && process.stdin.isTTY) throw usageError('no input (pipe a page on stdin or give a FILE)');
  const bytes = file ? readFileSync(file) : await readStdin();
  const { text: html, charset } = decodeHtml(bytes, contentType);
  const r = plain ? stripHtmlWithMeta(html, opts.url) : extractText(html, opts);
  if (json) process.stdout.write(JSON.stringify({ ...r, charset }, null, 2) + '\n');
  else process.stdout.write(r.text + (r.text ? '\n' : ''));
}
