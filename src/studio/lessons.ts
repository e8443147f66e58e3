// The studio's lessons: the runs behind each claim of the background material, started with one
// click and overlaid. Each lesson is a controlled experiment: its arms (train options as the page
// would send them, checked the same way) share every option, the seed and the initialisation
// included, but the one it names. What the runs showed is computed from their logs by
// lessonFigures.ts, and drawn on one chart.

export interface Lesson {
  name: string;
  title: string;
  /** What the runs should show, in a sentence (the figures that back it come from the runs). */
  claim: string;
  /** The option the arms differ in (for several, each arm differs in one of them). */
  varies: string[];
  /** Each arm's name on the page: the value of the named option. */
  arms: string[];
  runs: Record<string, unknown>[];
}

/**
 * Plain SGD at a constant rate, as the material has it (the defaults use Adam), and one seed for
 * every arm: the arms start from the same weights and see the same batches.
 */
const SGD = { optimizer: 'sgd', lrSchedule: 'constant', seed: 1 };
/** A deep sigmoid-friendly stack: four hidden layers, Xavier's initialisation in every arm. */
const DEEP = { ...SGD, hidden: [64, 64, 64, 64], epochs: 1, init: 'xavier' };

export const LESSONS: Lesson[] = [
  {
    name: 'cross-entropy-vs-squared-error',
    title: 'Cross-entropy against squared error',
    claim:
      'Through a softmax, squared error multiplies its gradient by the softmax derivative and ' +
      'learns slowly with plain SGD; cross-entropy cancels it (dz = p − y).',
    varies: ['loss'],
    arms: ['cross-entropy', 'squared error'],
    runs: [
      { ...SGD, steps: 600, loss: 'cross-entropy' },
      { ...SGD, steps: 600, loss: 'mse' },
    ],
  },
  {
    name: 'adam-vs-sgd-squared-error',
    title: 'Adam against SGD with squared error',
    claim:
      'Adam divides each weight’s step by the running size of its own gradient, so a gradient ' +
      'that squared error makes small still moves the weights as far: the slowdown SGD shows ' +
      'disappears under Adam.',
    varies: ['optimizer', 'loss'],
    arms: [
      'SGD, cross-entropy',
      'SGD, squared error',
      'Adam, cross-entropy',
      'Adam, squared error',
    ],
    runs: [
      { ...SGD, steps: 600, loss: 'cross-entropy' },
      { ...SGD, steps: 600, loss: 'mse' },
      { ...SGD, steps: 600, loss: 'cross-entropy', optimizer: 'adam' },
      { ...SGD, steps: 600, loss: 'mse', optimizer: 'adam' },
    ],
  },
  {
    name: 'sigmoid-vs-relu',
    title: 'Sigmoid against ReLU in a deep stack',
    claim:
      'Each sigmoid scales the gradient by at most 1/4, so the first of four hidden layers gets ' +
      'a small fraction of the output layer’s (vanishing gradients); ReLU passes it through.',
    varies: ['activation'],
    arms: ['sigmoid', 'ReLU'],
    runs: [
      { ...DEEP, activation: 'sigmoid' },
      { ...DEEP, activation: 'relu' },
    ],
  },
  {
    name: 'batchnorm',
    title: 'With and without BatchNorm',
    claim:
      'A deep sigmoid stack is slow not because its units saturate: with Xavier’s weights they ' +
      'sit in the steep middle (σ′ near its maximum 1/4) with or without BatchNorm. But each ' +
      'layer still multiplies the gradient by σ′ ≤ 1/4 and by small weights, so little reaches ' +
      'the first layers; BatchNorm divides each layer’s gradient by its batch’s spread, which ' +
      'gives the first layers a gradient as large as the last: it learns in the first epoch ' +
      'where the plain stack barely moves.',
    varies: ['batchnorm'],
    arms: ['plain', 'BatchNorm'],
    runs: [
      { ...DEEP, activation: 'sigmoid' },
      { ...DEEP, activation: 'sigmoid', batchnorm: true },
    ],
  },
  {
    name: 'learning-rates',
    title: 'SGD learning rates: too small, right, too large',
    claim:
      'Too small a step crawls, a good one converges, too large a one blows the loss up: the ' +
      'run stops at once with the batch where it diverged.',
    varies: ['lr'],
    arms: ['lr 0.001', 'lr 0.1', 'lr 20'],
    runs: [0.001, 0.1, 20].map((lr) => ({ ...SGD, hidden: [64], epochs: 1, lr, logEvery: 1 })),
  },
];

/**
 * What a lesson's arm is called in its run's folder name (after the timestamp): the lesson and
 * the arm, in letters, digits, dots and dashes (`learning-rates-lr-0.001`).
 */
export function armLabel(lesson: Lesson, arm: number): string {
  const words = lesson.arms[arm].toLowerCase().replace(/[^a-z0-9.]+/g, '-');
  return `${lesson.name}-${words.replace(/^-|-$/g, '')}`;
}
