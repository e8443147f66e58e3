// Shared by the tests: the real data, temporary folders, the CLI as a subprocess.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveDataSource } from '../src/data/dataset.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MNIST = resolveDataSource('mnist');

export function temporaryFolder(prefix = 'mnist-softmax-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/mnist-softmax.js) as users do. */
export function runCli(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/mnist-softmax.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
