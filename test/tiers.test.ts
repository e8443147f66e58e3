// The fast tier stays fast: its files (test/*.test.ts) run this project's code in their own
// process. What runs the CLI (or the studio, which it starts) or opens a browser belongs in
// test/e2e/, which `npm run test:e2e` runs. A child process as a fixture (a pid that is gone, a
// watchdog for code that may hang) is fine.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** What runs the CLI or a browser: runCli, bin/mnist-softmax.js, test/browser.ts, playwright. */
const SPAWNS = /(\brunCli\b|bin\/mnist-softmax|['"]\.\/browser\.js['"]|playwright)/g;

describe('the fast tier', () => {
  it('runs no CLI and opens no browser: those tests are in test/e2e/', () => {
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
    const sample = `import { launchChromium } from './browser.js';\nrunCli([]);\nspawn(node, ['bin/mnist-softmax.js']);`;
    expect(sample.match(SPAWNS)).toEqual(["'./browser.js'", 'runCli', 'bin/mnist-softmax']);
  });
});
