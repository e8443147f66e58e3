// The studio's lessons: the runs behind each claim of the background material, started with one
// click and overlaid. Each run is train options as the page would send them (checked the same way).

export interface Lesson {
  name: string;
  title: string;
  /** What the runs show, in a sentence. */
  claim: string;
  runs: Record<string, unknown>[];
}

/** Plain SGD at a constant rate, as the material has it (the defaults use Adam). */
const SGD = { optimizer: 'sgd', lrSchedule: 'constant' };
const DEEP = { ...SGD, hidden: [64, 64, 64, 64], epochs: 1 };

export const LESSONS: Lesson[] = [
  {
    name: 'cross-entropy-vs-squared-error',
    title: 'Cross-entropy against squared error',
    claim:
      'Through a softmax, squared error multiplies its gradient by the softmax derivative and ' +
      'learns slowly; cross-entropy cancels it (dz = p − y): compare the gradient norms.',
    runs: [
      { ...SGD, steps: 600, loss: 'cross-entropy' },
      { ...SGD, steps: 600, loss: 'mse' },
    ],
  },
  {
    name: 'sigmoid-vs-relu',
    title: 'Sigmoid against ReLU in a deep stack',
    claim:
      'Each sigmoid scales the gradient by at most 1/4, so the first of four hidden layers gets ' +
      'a small fraction of the last one’s (vanishing gradients); ReLU passes it through.',
    runs: [
      { ...DEEP, activation: 'sigmoid', init: 'xavier' },
      { ...DEEP, activation: 'relu' },
    ],
  },
  {
    name: 'batchnorm',
    title: 'With and without BatchNorm',
    claim:
      'Normalising each layer with the batch’s statistics keeps a deep sigmoid stack in its ' +
      'steep middle: it learns in the first epoch where the plain stack barely moves.',
    runs: [
      { ...DEEP, activation: 'sigmoid', init: 'xavier' },
      { ...DEEP, activation: 'sigmoid', init: 'xavier', batchnorm: true },
    ],
  },
  {
    name: 'learning-rates',
    title: 'SGD learning rates: too small, right, too large',
    claim:
      'Too small a step crawls, a good one converges, too large a one blows the loss up: the ' +
      'run stops at once with the batch where it diverged.',
    runs: [0.001, 0.1, 20].map((lr) => ({ ...SGD, hidden: [64], epochs: 1, lr, logEvery: 1 })),
  },
];
