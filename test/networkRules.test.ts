// The rules a network must follow before any layer is built (src/model/network.ts): its
// architecture, and sizes known before the work, at their limits (400 MB of model.json, 3 GB to
// train). test/e2e/hostile.test.ts sees the command line refuse them.

import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { checkArchitecture, checkNetworkSize, type Architecture } from '../src/model/network.js';

const hidden = (...widths: number[]): Architecture => ({
  hidden: widths,
  activation: 'relu',
  batchnorm: false,
  init: 'auto',
});

describe('the architecture', () => {
  it('refuses zeros with hidden layers, and BatchNorm without them', () => {
    expect(() => checkArchitecture({ ...hidden(16), init: 'zeros' })).toThrow(UsageError);
    expect(() => checkArchitecture({ ...hidden(16), init: 'zeros' })).toThrow(
      /^--init zeros works only for softmax regression/,
    );
    expect(() => checkArchitecture({ ...hidden(), batchnorm: true })).toThrow(
      '--batchnorm needs hidden layers (--hidden N)',
    );
    for (const fine of [
      { ...hidden(), init: 'zeros' as const },
      { ...hidden(16), batchnorm: true },
      hidden(16, 8),
    ]) {
      expect(() => checkArchitecture(fine)).not.toThrow();
    }
  });
});

describe('sizes known before the work', () => {
  it('model.json: 12 bytes a number, at most 400 MB (795 h + 10 numbers for 784-h-10)', () => {
    // 784-100000-10: 784·100000 + 100000 + 100000·10 + 10 = 79,500,010 numbers, 910 MB
    expect(() => checkNetworkSize(784, 10, hidden(100000), 100)).toThrow(
      '--hidden 100000: a network of 784-100000-10: 79,500,010 parameters, whose model.json ' +
        'would take about 910 MB (at most 400 MB)',
    );
    // 400 MB / 12 = 34,952,533 numbers: h = 43965 gives 34,952,185, h = 43966 gives 34,952,980
    expect(() => checkNetworkSize(784, 10, hidden(43965), 1)).not.toThrow();
    expect(() => checkNetworkSize(784, 10, hidden(43966), 1)).toThrow(/model\.json/);
  });

  it('training: 4 bytes × (4 per parameter + 6 per activation of a batch), at most 3 GB', () => {
    // 784-4000-10: 3,180,010 parameters; a batch of 60000 has 60000 · 4794 activations:
    // 4 · (4 · 3,180,010 + 6 · 287,640,000) = 6,954,240,160 bytes, 6632 MB
    expect(() => checkNetworkSize(784, 10, hidden(4000), 60000)).toThrow(
      '--hidden 4000 --batch-size 60000: a network of 784-4000-10: 3,180,010 parameters ' +
        'would take about 6632 MB to train (at most 3072 MB)',
    );
    // 3 GB = 3,221,225,472 bytes: 4 · (12,720,040 + 6 · 4794 b) ≤ that for b ≤ 27,554
    expect(() => checkNetworkSize(784, 10, hidden(4000), 27554)).not.toThrow();
    expect(() => checkNetworkSize(784, 10, hidden(4000), 27555)).toThrow(/to train/);
  });
});
