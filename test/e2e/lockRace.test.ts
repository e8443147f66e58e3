// One writer per run folder, raced for by real processes: 8 racers for the lock of a free
// folder, and of a folder whose holder was killed (its lock left behind, in this version's form,
// an older version's, or empty), 50 rounds each; then several `train --resume` of a run killed
// with -9, started together: one trains, the others are refused, nothing is lost.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory } from '../../src/run/runFiles.js';
import { ROOT, runCli, temporaryFolder } from '../helpers.js';

const CLI = join(ROOT, 'bin/mnist-softmax.js');
const WORKER = join(ROOT, 'test/e2e/lockWorker.mjs');
/** The built lock code (dist/train, or dist/run where the run's files moved). */
const MODULE = ['run', 'train']
  .map((dir) => join(ROOT, 'dist', dir, 'runFolder.js'))
  .find((file) => existsSync(file))!;
const RACERS = 8;
const ROUNDS = 50;

function exited(child: ChildProcess): Promise<{ status: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

/** A pid that was alive a moment ago and is not now. */
function deadPid(): number {
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
  });
  return Number(gone.stdout.trim());
}

interface Outcome {
  held: boolean;
  overlap: boolean;
  refused: boolean;
  error: string | null;
}

/** Runs the racers through every round; returns each round's outcomes. */
async function race(root: string): Promise<Outcome[][]> {
  const racers = Array.from({ length: RACERS }, (_, n) =>
    exited(
      spawn(process.execPath, [WORKER, MODULE, root, String(n), String(RACERS), String(ROUNDS)], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    ),
  );
  for (const { status, stderr } of await Promise.all(racers)) expect(status, stderr).toBe(0);
  return Array.from({ length: ROUNDS }, (_, round) =>
    Array.from(
      { length: RACERS },
      (_, n) =>
        JSON.parse(readFileSync(join(root, `round-${round}`, `result-${n}`), 'utf8')) as Outcome,
    ),
  );
}

function expectOneHolderPerRound(root: string, rounds: Outcome[][]): void {
  rounds.forEach((outcomes, round) => {
    const holders = outcomes.filter((o) => o.held).length;
    const refused = outcomes.filter((o) => o.refused).length;
    expect({ round, holders, refused, overlaps: outcomes.filter((o) => o.overlap).length }).toEqual(
      { round, holders: 1, refused: RACERS - 1, overlaps: 0 },
    );
    expect(outcomes.map((o) => o.error).filter(Boolean)).toEqual([]);
    // released, and no candidate or takeover file left behind
    const left = readdirSync(join(root, `round-${round}`)).filter((name) => name.startsWith('.'));
    expect({ round, left }).toEqual({ round, left: [] });
  });
}

describe('the run lock, raced by 8 processes', () => {
  it(`has one holder in each of ${ROUNDS} rounds on a free folder`, async () => {
    const root = temporaryFolder();
    for (let round = 0; round < ROUNDS; round++) mkdirSync(join(root, `round-${round}`));
    expectOneHolderPerRound(root, await race(root));
  });

  it(`has one holder in each of ${ROUNDS} rounds when the lock's holder is dead`, async () => {
    const root = temporaryFolder();
    const pid = deadPid();
    const host = hostname();
    const started = new Date().toISOString();
    const locks = [
      JSON.stringify({ pid, host, started, token: `${pid}-0123abcd` }) + '\n',
      JSON.stringify({ pid, host, started }) + '\n', // an older version's
      '', // an older version's, killed between creating and writing it
    ];
    for (let round = 0; round < ROUNDS; round++) {
      mkdirSync(join(root, `round-${round}`));
      writeFileSync(join(root, `round-${round}`, '.lock'), locks[round % locks.length]);
    }
    expectOneHolderPerRound(root, await race(root));
  });
});

describe('train --resume, started together on a run killed with -9', () => {
  const SMALL = ['--train-limit', '2000', '--test-limit', '500', '--no-progress'];
  const RESUMERS = 6;
  const TRIALS = 3;

  it.each(Array.from({ length: TRIALS }, (_, k) => k))(
    'trains in one process, refuses the others, and loses nothing (trial %i)',
    async () => {
      const folder = join(temporaryFolder(), 'run');
      const first = spawn(
        process.execPath,
        [CLI, 'train', '--out', folder, ...SMALL, '--epochs', '400'],
        {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const firstDone = exited(first);
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(folder, 'checkpoint.json')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 300)); // mid-epoch, some epochs in
      first.kill('SIGKILL');
      await firstDone;
      const epochs = (file: string) => JSON.parse(readFileSync(file, 'utf8')).state.epoch as number;
      const killedAt = epochs(join(folder, 'checkpoint.json'));
      // enough epochs to go that the winner still trains when the last of the others starts
      const target = killedAt + 60;
      const resumers = Array.from({ length: RESUMERS }, () =>
        exited(
          spawn(process.execPath, [CLI, 'train', '--resume', folder, '--epochs', String(target)], {
            cwd: ROOT,
            stdio: ['ignore', 'ignore', 'pipe'],
          }),
        ),
      );
      const results = await Promise.all(resumers);
      const trained = results.filter((r) => r.status === 0);
      const refused = results.filter((r) => r.status === 3);
      expect(trained, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
      expect(refused).toHaveLength(RESUMERS - 1);
      for (const { stderr } of refused) {
        expect(stderr).toMatch(/--resume .*: the run folder is in use by process \d+/);
        expect(stderr.trim().split('\n')).toHaveLength(1);
      }
      // one line per epoch, in sequence; model, checkpoint and metrics of the last
      expect(readHistory(folder).map((line) => line.epoch)).toEqual(
        Array.from({ length: target }, (_, i) => i + 1),
      );
      expect(epochs(join(folder, 'checkpoint.json'))).toBe(target);
      const model = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
      expect(model.training.epochsRun).toBe(target);
      expect(JSON.parse(readFileSync(join(folder, 'metrics.json'), 'utf8')).epochsRun).toBe(target);
      expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
      const again = runCli(['train', '--resume', folder, '--epochs', String(target + 1)]);
      expect(again.status, again.stderr).toBe(0);
      expect(readHistory(folder)).toHaveLength(target + 1);
    },
  );
});
