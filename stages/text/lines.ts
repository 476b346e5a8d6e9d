// Line and paragraph splitting with Python's semantics, since datatrove's thresholds are defined
// over `str.splitlines()` (no trailing empty line; \r\n, \r, \v, \f, \x1c-\x1e, \x85, \u2028/9 all
// break lines) and `re.split(r"\n{2,}", text.strip())`.

const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's `text.splitlines()`. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** datatrove's paragraphs: `re.split(r"\n{2,}", text.strip())`. */
export function splitParagraphs(text: string): string[] {
  return pyStrip(text).split(/\n{2,}/);
}

/** Python's `str.strip()` (Unicode whitespace, like String.prototype.trim plus \x1c-\x1f and \x85). */
export function pyStrip(s: string): string {
  // a scan from both ends: /\s+$/ backtracks quadratically on texts with many whitespace runs
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s.charCodeAt(a))) a++;
  while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const SPACE_RE = /\s/;
function isPySpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f) || c === 0x85) return true;
  return c > 127 && SPACE_RE.test(String.fromCharCode(c));
}

/** Number of duplicated elements and their total length, counting every occurrence after the first. */
export function findDuplicates(items: string[]): [count: number, chars: number] {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const x of items) {
    if (seen.has(x)) {
      count++;
      chars += x.length;
    } else seen.add(x);
  }
  return [count, chars];
}

/** Count occurrences of a substring. */
export function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
