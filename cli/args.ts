// A small argument parser: positionals, `--key value`, `--key=value`, `--flag`, `--no-flag`.
// Values stay strings; `coerce` turns them into the type of a stage option's default.

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean>;
}

export function parseArgs(argv: string[], booleans: string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      flags[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const key = a.slice(2);
    if (key.startsWith('no-')) {
      flags[key.slice(3)] = false;
      continue;
    }
    const next = argv[i + 1];
    if (booleans.includes(key) || next === undefined || (next.startsWith('--') && next.length > 2)) flags[key] = true;
    else {
      flags[key] = next;
      i++;
    }
  }
  return { positionals, flags };
}

export const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Convert a CLI string to the type of `like` (number, boolean, array, object). */
export function coerce(value: string | boolean, like: unknown, name: string): unknown {
  if (typeof value === 'boolean') return value;
  if (typeof like === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got "${value}"`);
    return n;
  }
  if (typeof like === 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new Error(`--${name}: expected true or false, got "${value}"`);
  }
  if (Array.isArray(like) || (like !== null && typeof like === 'object')) {
    if (/^[[{]/.test(value.trim())) return JSON.parse(value);
    if (Array.isArray(like)) {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      return typeof like[0] === 'number' ? items.map(Number) : items;
    }
  }
  return value;
}

export function num(flags: ParsedArgs['flags'], key: string): number | undefined {
  const v = flags[key];
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key}: expected a number, got "${v}"`);
  return n;
}

export function str(flags: ParsedArgs['flags'], key: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
}
