// The sample of an Explanation computed again in TensorFlow.js, by its own ops and autodiff
// (tf.grad, tf.grads), from the network's weights (each layer's Keras description): the
// largest difference of each tensor `explain` reports.

import type { Network } from '../model/network.js';
import type { LossName } from '../train/losses.js';
import type { Explanation } from './explain.js';
import type { Oracle, Tf } from './tfjs.js';

type Tensor = ReturnType<Tf['tensor']>;

export interface TfjsDifference {
  /** What was compared: "z", "p", "cross-entropy dz", "mse dW (layer 0 dense weights)" … */
  name: string;
  maxAbsDiff: number;
}

export interface TfjsComparison {
  backend: string;
  differences: TfjsDifference[];
  /** The largest of them. */
  maxAbsDiff: number;
}

/** Largest |a_i − b_i|; NaN counts as infinite. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    max = Math.max(max, d);
  }
  return max;
}

/** Where each parameter sits among its Keras layer's weights. */
const KERAS_INDEX: Record<string, number> = { weights: 0, bias: 1, gamma: 0, beta: 1 };

export function compareWithTfjs(
  oracle: Oracle,
  network: Network,
  explanation: Explanation,
): TfjsComparison {
  const { tf } = oracle;
  const differences: TfjsDifference[] = [];
  tf.tidy(() => {
    const layers = network.layers.map((layer) => layer.keras());
    // tfjs keeps the arrays it is given: copies
    const weights = layers.map(({ weights }) =>
      weights.map(({ values, shape }) => tf.tensor(values.slice(), shape)),
    );
    const x = tf.tensor2d(explanation.input, [1, explanation.input.length]);
    const y = tf.tensor2d(explanation.target, [1, explanation.target.length]);

    const forward = (w: Tensor[][]): Tensor =>
      layers.reduce((h: Tensor, { className, config }, l) => {
        switch (className) {
          case 'Dense':
            return tf.add(tf.matMul(h, w[l][0]), w[l][1]);
          case 'BatchNormalization': {
            const [gamma, beta, mean, variance] = w[l];
            return tf.batchNorm(h, mean, variance, beta, gamma, config.epsilon as number);
          }
          case 'Activation': {
            const name = config.activation as 'relu' | 'sigmoid' | 'tanh';
            return tf[name](h);
          }
        }
      }, x);
    const losses: Record<LossName, (z: Tensor) => Tensor> = {
      'cross-entropy': (z) => tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)))),
      mse: (z) => tf.mean(tf.square(tf.sub(tf.softmax(z), y))),
    };

    const z = forward(weights);
    const p = tf.softmax(z);
    differences.push(
      { name: 'z', maxAbsDiff: maxAbsDiff(explanation.logits, z.dataSync()) },
      { name: 'p', maxAbsDiff: maxAbsDiff(explanation.probabilities, p.dataSync()) },
    );
    for (const loss of ['cross-entropy', 'mse'] as const) {
      const mine = loss === 'cross-entropy' ? explanation.crossEntropy : explanation.squaredError;
      const lossOf = losses[loss];
      differences.push({
        name: `${loss} loss`,
        maxAbsDiff: Math.abs(mine.loss - lossOf(z).dataSync()[0]),
      });
      const dz = tf.grad(lossOf)(z);
      differences.push({ name: `${loss} dz`, maxAbsDiff: maxAbsDiff(mine.dlogits, dz.dataSync()) });

      const step = explanation.steps[loss];
      const trained = step.parameters.map(({ layer, name }) => weights[layer][KERAS_INDEX[name]]);
      const lossOfTrained = (...values: Tensor[]) => {
        const w = weights.map((list) => list.slice());
        step.parameters.forEach(({ layer, name }, i) => (w[layer][KERAS_INDEX[name]] = values[i]));
        return lossOf(forward(w));
      };
      const gradients = tf.grads(lossOfTrained)(trained);
      const stepped = weights.map((list) => list.slice());
      step.parameters.forEach((parameter, i) => {
        const { layer, type, name } = parameter;
        differences.push({
          name: `${loss} d${name} (layer ${layer}, ${type})`,
          maxAbsDiff: maxAbsDiff(parameter.gradient, gradients[i].dataSync()),
        });
        const index = KERAS_INDEX[name];
        const rate = explanation.learningRate;
        stepped[layer][index] = tf.sub(weights[layer][index], tf.mul(rate, gradients[i]));
      });
      const pAfter = tf.softmax(forward(stepped));
      differences.push({
        name: `${loss} p after the step`,
        maxAbsDiff: maxAbsDiff(step.probabilitiesAfter, pAfter.dataSync()),
      });
    }
  });
  return {
    backend: oracle.backend,
    differences,
    maxAbsDiff: Math.max(...differences.map((d) => d.maxAbsDiff)),
  };
}
