// Pause, Step, Resume and a learning rate set while a run trains: the rate of a step as a pure
// function of the schedule and the rates set; a set rate logged, kept by a stop and resume, and
// replayed from the log, bit for bit.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../src/errors.js';
import { RUN_DEFAULTS } from '../src/run/options.js';
import { startRun, type RunEvent } from '../src/run/run.js';
import { loggedRates, parseControl, type ControlChannel } from '../src/run/runControl.js';
import { readEvents } from '../src/run/eventLog.js';
import { MAX_SNAPSHOTS, SNAPSHOT_BASE, snapshotEvery } from '../src/run/snapshots.js';
import { rateAt } from '../src/train/rates.js';
import { temporaryFolder } from './helpers.js';

/** 3000 images in batches of 100: 30 steps an epoch; a cosine schedule, so a set rate shows. */
const SMALL = {
  ...RUN_DEFAULTS,
  trainLimit: 3000,
  testLimit: 500,
  epochs: 3,
  lrSchedule: 'cosine' as const,
};

describe('rateAt', () => {
  it('is the schedule until a rate is set, then the last one set before the step', () => {
    const set = [
      { step: 40, lr: 0.05 },
      { step: 10, lr: 0.2 },
      { step: 40, lr: 0.07 },
    ];
    expect(rateAt(0.01, 1, set)).toBe(0.01);
    expect(rateAt(0.01, 10, set)).toBe(0.01); // set after 10 steps: from step 11
    expect(rateAt(0.01, 11, set)).toBe(0.2);
    expect(rateAt(0.01, 40, set)).toBe(0.2);
    expect(rateAt(0.01, 41, set)).toBe(0.07); // the later of two at one step
    expect(rateAt(0.01, 41, [])).toBe(0.01);
  });

  it('controls are checked: a known action, a finite positive rate', () => {
    expect(parseControl({ action: 'lr', lr: 0.1 })).toEqual({ action: 'lr', lr: 0.1 });
    expect(parseControl({ action: 'pause', lr: 3 })).toEqual({ action: 'pause' });
    for (const bad of [null, 'pause', { action: 'lr', lr: -1 }, { action: 'lr', lr: '0.1' }]) {
      expect(parseControl(bad)).toBeNull();
    }
    expect(parseControl({ action: 'lr', lr: Infinity })).toBeNull();
    expect(parseControl({ action: 'jump' })).toBeNull();
  });
});

/** A channel the test drives: `sendAt(step, message)` arrives once `step` steps are taken. */
function scriptedChannel(script: Map<number, object[]>) {
  let listener: (message: unknown) => void = () => {};
  const channel: ControlChannel = { listen: (l) => (listener = l) };
  const onEvent = (event: RunEvent) => {
    if (event.type === 'step') for (const m of script.get(event.progress.step) ?? []) listener(m);
  };
  return { channel, onEvent, send: (message: object) => listener(message) };
}

const layersOf = (folder: string) =>
  JSON.stringify(JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).layers);

describe('a learning rate set while a run trains', () => {
  const LR = 0.05;
  const script = () => new Map([[40, [{ action: 'lr', lr: LR }]]]);

  it('is logged before the step it affects, and a stop and resume or a replay give the same weights', async () => {
    const root = temporaryFolder();
    const whole = join(root, 'whole');
    const live = scriptedChannel(script());
    const result = await startRun(
      SMALL,
      { out: whole, threads: 1 },
      {
        controls: live.channel,
        onEvent: live.onEvent,
      },
    );
    const controls = readEvents(whole).filter((line) => line.type === 'control');
    expect(controls).toEqual([{ type: 'control', step: 40, action: 'lr', lr: LR }]);
    expect(result.epochs[1].learningRate).toBe(LR);
    expect(result.epochs[2].learningRate).toBe(LR);
    const plain = join(root, 'plain');
    await startRun(SMALL, { out: plain, threads: 1 });
    expect(layersOf(plain)).not.toBe(layersOf(whole)); // the rate set changed the weights

    // stopped after 50 steps (checkpoint at 30, the rate set at 40 only in the log); then after
    // 65 (checkpoint at 60, which records it)
    for (const stopAt of [50, 65]) {
      const out = join(root, `stopped-${stopAt}`);
      const run = scriptedChannel(script());
      let steps = 0;
      const stopped = startRun(
        SMALL,
        { out, threads: 1 },
        {
          controls: run.channel,
          onEvent: run.onEvent,
          shouldStop: () => ++steps >= stopAt,
        },
      );
      await expect(stopped).rejects.toThrow(InterruptedError);
      const checkpoint = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
      expect(checkpoint.rates).toEqual(stopAt > 60 ? [{ step: 40, lr: LR }] : undefined);
      await startRun(SMALL, { resume: out, threads: 1 });
      expect(layersOf(out)).toBe(layersOf(whole));
      expect(loggedRates(out)).toEqual([{ step: 40, lr: LR }]); // logged once, not twice
    }

    const replay = join(root, 'replay');
    await startRun(SMALL, { out: replay, threads: 1, rates: loggedRates(whole) });
    expect(layersOf(replay)).toBe(layersOf(whole));
  }, 60_000);
});

describe('pause, step and resume', () => {
  it('a paused run takes no step; Step takes exactly one; Resume goes on to the end', async () => {
    const out = join(temporaryFolder(), 'run');
    const taken: number[] = [];
    const driver = scriptedChannel(new Map([[10, [{ action: 'pause' }]]]));
    const run = startRun(
      { ...SMALL, epochs: 1 },
      { out, threads: 1 },
      {
        controls: driver.channel,
        onEvent: (event) => {
          driver.onEvent(event);
          if (event.type === 'step') taken.push(event.progress.step);
        },
      },
    );
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await expect.poll(() => taken.at(-1), { timeout: 20_000 }).toBe(10);
    await wait(500);
    expect(taken.at(-1)).toBe(10); // paused: no step since
    driver.send({ action: 'step' });
    await expect.poll(() => taken.at(-1)).toBe(11);
    await wait(300);
    expect(taken.at(-1)).toBe(11); // exactly one
    driver.send({ action: 'resume' });
    const result = await run;
    expect(result.last.steps).toBe(30);
    const actions = readEvents(out).flatMap((line) =>
      line.type === 'control' ? [`${line.action}@${line.step}`] : [],
    );
    expect(actions).toEqual(['pause@10', 'step@10', 'resume@11']);
  }, 30_000);
});

describe('weight pictures over training', () => {
  it('are at most MAX_SNAPSHOTS at any step, and thinning only ever drops pictures', () => {
    let previous = SNAPSHOT_BASE;
    for (let step = SNAPSHOT_BASE; step <= 200_000; step += SNAPSHOT_BASE) {
      const every = snapshotEvery(step);
      expect(Math.floor(step / every)).toBeLessThanOrEqual(MAX_SNAPSHOTS);
      expect(every % previous).toBe(0); // the kept steps of later are among those of now
      previous = every;
    }
    expect(snapshotEvery(1200)).toBe(25);
    expect(snapshotEvery(1225)).toBe(50);
  });
});

describe('a stop while paused', () => {
  it('ends the run without another step, its finished epochs kept', async () => {
    const out = join(temporaryFolder(), 'run');
    let stop = false;
    const taken: number[] = [];
    const driver = scriptedChannel(new Map([[35, [{ action: 'pause' }]]]));
    const run = startRun(
      { ...SMALL, epochs: 2 },
      { out, threads: 1 },
      {
        controls: driver.channel,
        shouldStop: () => stop,
        onEvent: (event) => {
          driver.onEvent(event);
          if (event.type === 'step') taken.push(event.progress.step);
        },
      },
    );
    await expect.poll(() => taken.at(-1), { timeout: 20_000 }).toBe(35);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await expect(run).rejects.toThrow(
      /interrupted while paused after step 35.*every finished epoch \(1\)/,
    );
    expect(taken.at(-1)).toBe(35);
  }, 30_000);
});

describe('rates to replay', () => {
  it('are refused, before a folder is made, when one is not a step and a rate > 0', async () => {
    const out = join(temporaryFolder(), 'run');
    const rates = [
      { step: 3, lr: 0.1 },
      { step: 5, lr: 0 },
    ];
    await expect(startRun(SMALL, { out, rates })).rejects.toThrow(
      'rates[1]: not a whole step ≥ 0 and a learning rate > 0',
    );
    expect(existsSync(out)).toBe(false);
  });
});
