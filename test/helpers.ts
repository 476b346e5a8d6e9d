// Helpers for end-to-end tests: run the real CLI in a child process.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './shared.ts';

export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
export const CLI = join(ROOT, 'cli', 'tokenmill.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `tokenmill <args>` synchronously from the repo root. */
export function cli(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start `tokenmill <args>` without waiting (to kill it mid-run). */
export function cliSpawn(args: string[], env: Record<string, string> = {}) {
  return spawn(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export function tempDir(prefix = 'tokenmill-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run `tokenmill <args>` asynchronously (needed when the test process itself serves HTTP). */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
