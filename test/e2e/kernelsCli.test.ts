// --kernels on the command line: a run's metrics.json says which kernels computed it, and
// relaxed kernels where the runtime has none are refused in one line, exit 2.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRelaxedSimd } from '../../src/wasm/kernelChoice.js';
import { runCli, temporaryFolder } from '../helpers.js';

const relaxed = hasRelaxedSimd();
const SHORT = ['--train-limit', '500', '--test-limit', '100', '--epochs', '1', '--no-progress'];

function kernelsOfRun(out: string): unknown {
  return (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { kernels: unknown })
    .kernels;
}

describe('train --kernels', () => {
  it('records the kernels that ran in metrics.json: exact, and auto as it resolved', () => {
    for (const [choice, ran] of [
      ['exact', 'exact'],
      ['auto', relaxed ? 'relaxed' : 'exact'],
    ]) {
      const out = join(temporaryFolder(), 'run');
      const result = runCli(['train', ...SHORT, '--kernels', choice, '--out', out]);
      expect(result.status, result.stderr).toBe(0);
      expect(kernelsOfRun(out), choice).toBe(ran);
    }
  });

  it('records no kernels for the reference engine', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli(['train', ...SHORT, '--engine', 'reference', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect(kernelsOfRun(out)).toBeNull();
  });

  it.runIf(relaxed)('runs relaxed kernels where the runtime has them', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli(['train', ...SHORT, '--kernels', 'relaxed', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect(kernelsOfRun(out)).toBe('relaxed');
  });

  it.skipIf(relaxed)('refuses relaxed kernels where the runtime has none: one line, exit 2', () => {
    const out = join(temporaryFolder(), 'run');
    const result = runCli(['train', ...SHORT, '--kernels', 'relaxed', '--out', out]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /--kernels relaxed: this runtime \(Node .*\) has no WebAssembly relaxed SIMD/,
      ),
    ]);
  });

  it('refuses an unknown choice, naming the choices', () => {
    const result = runCli(['eval', '--model', 'none.json', '--kernels', 'fast']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--kernels must be one of auto, exact, relaxed, not "fast"/);
  });
});
