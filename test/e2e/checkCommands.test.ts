// The check commands as a user runs them: examples, gradcheck, gradcheck --engines and
// train --check-tfjs exit 0 and print what they found. test/check.test.ts and
// test/engine.test.ts run the same checks in this process.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/check/examples.js';
import { loadTfjs } from '../../src/check/tfjs.js';
import { runCli, temporaryFolder } from '../helpers.js';

const { backend } = await loadTfjs();

describe('the check commands', () => {
  it('examples --json exits 0 with every example', () => {
    const result = runCli(['examples', '--json']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.examples).toHaveLength(EXAMPLES.length);
    expect(Object.keys(json.examples[0])).toEqual([
      'name',
      'handWritten',
      'tfjs',
      'expected',
      'maxAbsDiff',
      'ok',
    ]);
    expect(json.examples[0].expected[5]).toBe(0.863592565);
  });

  it('gradcheck --json exits 0 and prints a table without --json', () => {
    const result = runCli(['gradcheck', '--json', '--seed', '3']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(true);
    expect(Object.keys(json.checks[0])).toEqual([
      'name',
      'reference',
      'maxAbsError',
      'maxRelError',
      'ok',
    ]);
    const text = runCli(['gradcheck']);
    expect(text.stdout).toMatch(/dense: dW\s+finite differences \(float64\)\s+\S+\s+\S+\s+OK/);
    expect(text.stdout).toMatch(/all \d+ checks OK/);
  });

  it('train --check-tfjs keeps the hand-written and tfjs weights within 1e-3', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli([
      'train',
      '--train-limit',
      '3000',
      '--test-limit',
      '500',
      '--epochs',
      '2',
      '--init',
      'xavier',
      '--check-tfjs',
      '--no-progress',
      '--json',
      '--out',
      out,
    ]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.tfjsCheck.backend).toBe(backend);
    expect(json.tfjsCheck.epochs).toHaveLength(2);
    for (const epoch of json.tfjsCheck.epochs) {
      expect(epoch.maxAbsWeightDiff).toBeLessThan(1e-3);
      expect(epoch.lossDiff).toBeLessThan(1e-4);
    }
    expect(result.stderr).toMatch(/tfjs: max \|Δw\| /);
  });
});

describe('the engine check (gradcheck --engines)', () => {
  it('exits 0 from the command line when every check is OK', () => {
    const result = runCli(['gradcheck', '--engines', '--json']);
    expect(result.status).toBe(0);
    const { ok, checks } = JSON.parse(result.stdout);
    expect(ok).toBe(true);
    expect(checks.length).toBeGreaterThan(200);
  });
});
