// Which epoch's model a run keeps (src/train/keep.ts), and when it stops early: the rule alone,
// on epochs made here. test/e2e/choosing.test.ts checks it on real runs through the CLI.

import { describe, expect, it } from 'vitest';
import { EpochKeeper } from '../src/run/keep.js';
import type { EpochMetrics } from '../src/train/records.js';

/** An epoch's metrics with this validation accuracy (the only figure the rule reads). */
function epoch(number: number, validationAccuracy?: number): EpochMetrics {
  return {
    epoch: number,
    trainLoss: 1 / number,
    trainAccuracy: 0.5,
    testLoss: 1,
    testAccuracy: 0.9 + number / 1000, // always rising: the test set never chooses
    seconds: 1,
    samplesPerSecond: 1000,
    steps: 10 * number,
    learningRate: 0.1,
    gradientNorms: [1],
    ...(validationAccuracy === undefined ? {} : { validationLoss: 1, validationAccuracy }),
  };
}

/** Offers epochs 1, 2, … with these validation accuracies; records which texts were asked for. */
function offered(keeper: EpochKeeper, accuracies: number[]): number[] {
  const serialized: number[] = [];
  accuracies.forEach((accuracy, i) =>
    keeper.offer(epoch(i + 1, accuracy), () => {
      serialized.push(i + 1);
      return `model of epoch ${i + 1}`;
    }),
  );
  return serialized;
}

describe('the epoch kept', () => {
  it('last: the last epoch offered, its model written at the end and never before', () => {
    const keeper = new EpochKeeper('last');
    expect(offered(keeper, [0.9, 0.95, 0.93])).toEqual([]);
    expect(keeper.kept).toEqual({ rule: 'last', epoch: 3 });
    expect(keeper.model(() => 'the network now')).toBe('the network now');
    expect(keeper.shouldStop()).toBe(false);
  });

  it('best: the epoch of the best validation accuracy, its model written while the network holds it', () => {
    const keeper = new EpochKeeper('best');
    // a new best at epochs 1, 2 and 4; 3 and 5 are worse
    expect(offered(keeper, [0.9, 0.95, 0.93, 0.96, 0.94])).toEqual([1, 2, 4]);
    expect(keeper.kept).toEqual({ rule: 'best', epoch: 4 });
    expect(keeper.model(() => 'the network now')).toBe('model of epoch 4');
  });

  it('best: the earliest of equal accuracies', () => {
    const keeper = new EpochKeeper('best');
    expect(offered(keeper, [0.9, 0.95, 0.95, 0.95])).toEqual([1, 2]);
    expect(keeper.kept.epoch).toBe(2);
  });

  it('best: the last epoch when it is the best, the model of the network as it ends', () => {
    const keeper = new EpochKeeper('best');
    offered(keeper, [0.9, 0.92, 0.97]);
    expect(keeper.kept).toEqual({ rule: 'best', epoch: 3 });
    expect(keeper.model(() => 'unused')).toBe('model of epoch 3');
  });

  it('stops early once `patience` epochs pass without a better one, and never without patience', () => {
    const patient = new EpochKeeper('best', 2);
    const stops = [0.9, 0.95, 0.93, 0.95, 0.94].map((accuracy, i) => {
      patient.offer(epoch(i + 1, accuracy), () => '');
      return patient.shouldStop();
    });
    // the best is epoch 2; epochs 3 and 4 (an equal is not better) make 2 without a better one
    expect(stops).toEqual([false, false, false, true, true]);
    const recovered = new EpochKeeper('best', 2);
    const again = [0.9, 0.95, 0.93, 0.96].map((accuracy, i) => {
      recovered.offer(epoch(i + 1, accuracy), () => '');
      return recovered.shouldStop();
    });
    expect(again).toEqual([false, false, false, false]);
    const endless = new EpochKeeper('best');
    offered(endless, [0.99, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(endless.shouldStop()).toBe(false);
  });

  it('a resumed run finds its best epoch again from the history, and keeps the model it kept', () => {
    const history = [epoch(1, 0.9), epoch(2, 0.95), epoch(3, 0.93)];
    const keeper = new EpochKeeper('best', 3);
    keeper.restore(history, 'the folder’s model.json');
    expect(keeper.kept).toEqual({ rule: 'best', epoch: 2 });
    expect(keeper.model(() => 'the network now')).toBe('the folder’s model.json');
    // it goes on as the uninterrupted run would: epoch 4 is no better, epoch 5 is
    keeper.offer(epoch(4, 0.94), () => 'model of epoch 4');
    expect([keeper.kept.epoch, keeper.shouldStop()]).toEqual([2, false]);
    keeper.offer(epoch(5, 0.97), () => 'model of epoch 5');
    expect(keeper.kept.epoch).toBe(5);
    expect(keeper.model(() => 'the network now')).toBe('model of epoch 5');
    const last = new EpochKeeper('last');
    last.restore(history, 'unused');
    expect(last.kept).toEqual({ rule: 'last', epoch: 3 });
  });
});
