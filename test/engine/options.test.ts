// Invalid pipeline options fail before any work starts, naming the stage and the option.
import { expect, it, describe } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers.ts';
import { defineFilter, resolveOptions } from '../../engine/stage.ts';
import { cutPhases } from '../../engine/plan.ts';
import { PipelineConfigError, type GlobalPhase, type Stage } from '../../engine/types.ts';

describe('stage options', () => {
  const f = defineFilter({ name: 'len', defaults: { minChars: 10, langs: ['en'] }, filter: (d, o) => d.text.length >= o.minChars || 'short' });

  it('rejects unknown options and wrong types with the stage and option named', () => {
    expect(() => f({ minChar: 3 } as never)).toThrow(/stage "len": unknown option "minChar" \(known: minChars, langs\)/);
    expect(() => f({ minChars: '3' } as never)).toThrow(/stage "len": option "minChars" must be a number, got a string "3"/);
    expect(() => f({ langs: 'en' } as never)).toThrow(/option "langs" must be an array/);
    expect(resolveOptions('len', { a: 1, b: [1] }, { a: 2 })).toEqual({ a: 2, b: [1] });
  });

  it('cuts phases at global steps (barriers)', () => {
    const s = (name: string): Stage => ({ kind: 'stage', name, options: {}, open: () => ({ process: (d) => d }) });
    const g = (name: string, n: number): GlobalPhase => ({ kind: 'global', name, tasks: () => n, run: async () => {} });
    const phases = cutPhases([s('a'), s('b'), g('merge', 4), g('cluster', 1), s('c')], 7);
    expect(phases.map((p) => [p.name, p.kind, p.tasks, p.inputPhase ?? null])).toEqual([
      ['00-docs', 'docs', 7, null],
      ['01-merge', 'global', 4, null],
      ['02-cluster', 'global', 1, null],
      ['03-docs', 'docs', 7, '00-docs'],
    ]);
    expect(phases[3].output).toBe('final');
    expect(() => cutPhases([g('bad', 0)], 2)).toThrow(PipelineConfigError);
    // Trailing global steps do not add a document pass: the last doc phase writes the output.
    const tail = cutPhases([s('a'), g('merge', 2), s('b'), g('manifest', 1)], 3);
    expect(tail.map((p) => [p.name, p.output ?? null])).toEqual([
      ['00-docs', 'intermediate'],
      ['01-merge', null],
      ['02-docs', 'final'],
      ['03-manifest', null],
    ]);
  });
});

describe('through the CLI', () => {
  it('a bad option is one clear line and nothing is written', () => {
    const out = join(tempDir(), 'run');
    const r = cli(['pipeline', 'test/fixtures/pipelines/bad-option.ts', '--progress', 'none'], { env: { TOKENMILL_TEST_OUT: out } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('tokenmill pipeline: stage "min-length": option "minChars" must be a number, got a string "many"');
    expect(existsSync(out)).toBe(false);
  });

  it('unknown pipeline and missing input are clear errors', () => {
    expect(cli(['pipeline', 'no-such-pipeline']).stderr).toMatch(/pipeline "no-such-pipeline" not found/);
    const r = cli(['pipeline', 'test/fixtures/pipelines/strip.ts', '--input', 'nope/*.warc.gz', '--progress', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input "nope\/\*\.warc\.gz" matches no file/);
  });
});
