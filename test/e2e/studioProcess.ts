// A real studio process for the end-to-end tests: started on a free port, known once it says
// where it listens; and useStudio, one started with Chromium around a test file's tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { haveChromium, launchChromium } from '../browser.js';
import { ROOT } from '../helpers.js';

export interface RunningStudio {
  child: ChildProcess;
  port: number;
  /** Its address: http://127.0.0.1:PORT/ */
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr: () => string;
}

/** `mnist-softmax studio --runs FOLDER --port 0 EXTRA…`, run in `cwd`. */
export async function startStudio(
  folder: string,
  extra: string[] = [],
  cwd = ROOT,
): Promise<RunningStudio> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/mnist-softmax.js'), 'studio', '--runs', folder, '--port', '0', ...extra],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`studio exited with ${code}: ${stderr}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}/`, stderr: () => stderr };
}

/** A running studio with the Chromium its page is opened in. */
export interface StudioInChromium extends RunningStudio {
  browser: Browser;
}

/**
 * A studio process on `runs` and Chromium around a test file's tests: started before them (after
 * `prepare`, which makes the runs the studio should find), stopped after them; the object returned
 * is filled in by then. Without Chromium neither starts, the tests being skipped
 * (`describe.skipIf(!haveChromium)`); with `needsChromium: false` the studio starts anyway, for
 * tests over HTTP.
 */
export function useStudio(
  runs: string,
  options: { extra?: string[]; prepare?: () => void; needsChromium?: boolean } = {},
): StudioInChromium {
  const { extra = [], prepare, needsChromium = true } = options;
  const studio = {} as StudioInChromium;
  // a minute to start them, two when runs are trained first
  const timeout = prepare ? 120_000 : 60_000;
  beforeAll(async () => {
    if (needsChromium && !haveChromium) return;
    prepare?.();
    Object.assign(studio, await startStudio(runs, extra));
    if (haveChromium) studio.browser = await launchChromium();
  }, timeout);
  afterAll(async () => {
    studio.child?.kill('SIGINT');
    await studio.browser?.close();
  });
  return studio;
}
