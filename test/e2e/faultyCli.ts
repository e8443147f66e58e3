// The CLI as a process in a folder, with a file-system fault preloaded (fsFault.mjs), and the
// shape every refusal must have: its exit code, one line, no stack trace.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { ROOT } from '../helpers.js';

export const FAULT = pathToFileURL(join(ROOT, 'test/e2e/fsFault.mjs')).href;

/** The CLI run in `folder`, with `fault` (fsFault.mjs's variables) preloaded, killed after `timeout` ms. */
export function cliIn(folder: string) {
  return (args: string[], fault: Record<string, string> = {}, timeout = 60_000) => {
    const started = performance.now();
    const preload = Object.keys(fault).length ? ['--import', FAULT] : [];
    const result = spawnSync(
      process.execPath,
      [...preload, join(ROOT, 'bin/mnist-softmax.js'), ...args],
      { cwd: folder, encoding: 'utf8', timeout, env: { ...process.env, ...fault } },
    );
    return { ...result, seconds: (performance.now() - started) / 1000 };
  };
}

export type CliResult = ReturnType<ReturnType<typeof cliIn>>;

/** A refusal: `code`, one line matching `message`, no stack trace. */
export function expectRefusal(result: CliResult, code: number, message: RegExp) {
  expect(result.signal, 'killed by the timeout').toBeNull();
  expect(result.status).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
}
