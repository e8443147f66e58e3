// The fast tier stays fast: its files (test/*.test.ts) run this project's code in their own
// process. What spawns a process (the CLI, the studio, a shell tool) or opens a browser belongs
// in test/e2e/, which `npm run test:e2e` runs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** What starts another process or a browser: child_process, test/browser.ts, runCli. */
const SPAWNS = /(['"](node:)?child_process['"]|['"]\.\/browser\.js['"]|\brunCli\b)/g;

describe('the fast tier', () => {
  it('spawns no process and opens no browser: those tests are in test/e2e/', () => {
    const files = readdirSync(join(ROOT, 'test')).filter((name) => name.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(10);
    const found = files
      .filter((name) => name !== 'tiers.test.ts')
      .flatMap((name) => {
        const code = readFileSync(join(ROOT, 'test', name), 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '') // comments may name them
          .replace(/^\s*\/\/.*$/gm, '');
        return [...code.matchAll(SPAWNS)].map((match) => `test/${name}: ${match[0]}`);
      });
    expect(found).toEqual([]);
    // the check sees what it looks for
    const sample = `import { spawn } from 'node:child_process';\nimport { launchChromium } from './browser.js';\nrunCli([]);`;
    expect(sample.match(SPAWNS)).toEqual(["'node:child_process'", "'./browser.js'", 'runCli']);
  });
});
