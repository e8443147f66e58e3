#!/usr/bin/env node
// A/B of two checkouts' whole commands, alternating, so that the machine's drift falls on both
// alike: the wall time of a default `train` against the sum of its epochs' training time
// (metrics.jsonl's `seconds`), its peak memory, and `--help` against Node.js's own start
// (`node -e 0`), each timed by /usr/bin/time. The way start-up and a run's overhead are
// measured (docs/performance.md).
//
//   node scripts/startup-ab.mjs BEFORE AFTER [--rounds 5] [-- train options…]
//
// Each round runs, for each checkout in turn, `train --out <temporary folder> --no-progress`
// (and the options after `--`), `--help`, and `node -e 0`; it prints each run, then the median of
// each figure per checkout, the median of B − A within a round, and the load average at the start
// and the end. Needs each checkout's `npm run build`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' } },
});
const dashes = process.argv.indexOf('--');
const trainArgs = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
const checkouts = positionals.slice(0, dashes >= 0 ? undefined : 2).slice(0, 2);
if (checkouts.length !== 2) {
  console.error('usage: node scripts/startup-ab.mjs A B [--rounds N] [-- train options…]');
  process.exit(2);
}
/**
 * Runs `node args…` under /usr/bin/time: its wall time and CPU time (user and system) in
 * seconds, its peak RSS in MB and its minor page faults (on a virtual machine, touching fresh
 * memory costs microseconds a page).
 * @param {string[]} args
 */
function timed(args) {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', '%U %S %M %R', process.execPath, ...args], {
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')}: ${child.stderr}`);
  const [user, system, rss, faults] = child.stderr.trim().split('\n').at(-1)?.split(' ') ?? [];
  return {
    seconds,
    cpu: Number(user) + Number(system),
    rss: Number(rss) / 1024,
    faults: Number(faults),
  };
}

/**
 * One checkout's figures: train's wall time, its epochs' sum and the ratio, its CPU time, peak
 * RSS in MB and minor page faults, --help's and `node -e 0`'s wall times.
 * @param {string} checkout
 */
function round(checkout) {
  const cli = join(checkout, 'bin/mnist-softmax.js');
  const out = mkdtempSync(join(tmpdir(), 'startup-ab-'));
  try {
    const train = timed([cli, 'train', '--out', out, '--force', '--no-progress', ...trainArgs]);
    const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + JSON.parse(line).seconds, 0);
    const help = timed([cli, '--help']).seconds;
    const node = timed(['-e', '0']).seconds;
    return {
      wall: train.seconds,
      epochs,
      ratio: train.seconds / epochs,
      cpu: train.cpu,
      rss: train.rss,
      faults: train.faults,
      help,
      node,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (/** @type {number[]} */ xs) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg()[0].toFixed(1);
const loadBefore = load();
/** @type {Record<string, number>[][]} */
const results = checkouts.map(() => []);
const show = (/** @type {Record<string, number>} */ r) =>
  `train ${r.wall.toFixed(2)} s, epochs ${r.epochs.toFixed(2)} s, ratio ${r.ratio.toFixed(2)}, ` +
  `CPU ${r.cpu.toFixed(2)} s, ${r.rss.toFixed(0)} MB, ${r.faults} faults; --help ${(1000 * r.help).toFixed(0)} ms, node -e 0 ${(1000 * r.node).toFixed(0)} ms`;
for (let i = 0; i < Number(values.rounds); i++) {
  // alternating which goes first
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const c of order) {
    const result = round(checkouts[c]);
    results[c].push(result);
    console.log(`${'AB'[c]} ${show(result)}`);
  }
}
console.log(`load average ${loadBefore} at the start, ${load()} at the end`);
for (const [c, checkout] of checkouts.entries()) {
  const keys = Object.keys(results[c][0]);
  const medians = Object.fromEntries(keys.map((k) => [k, median(results[c].map((r) => r[k]))]));
  console.log(`${'AB'[c]} ${checkout}, medians: ${show(medians)}`);
}
// within a round the two ran a few seconds apart: the median of their differences is steadier
// than the difference of the medians when the machine's load drifts
const differences = results[0].map((a, i) => ({
  wall: results[1][i].wall - a.wall,
  cpu: results[1][i].cpu - a.cpu,
}));
const wall = median(differences.map((d) => d.wall));
const cpu = median(differences.map((d) => d.cpu));
console.log(`B − A, median per round: train wall ${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s`);
