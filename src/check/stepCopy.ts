// The step view's copy of a model: samples explained on it (explain.ts) and their SGD steps
// applied to it, answered as the page's JSON (stepAnswers.ts). No Node.js imports: the studio's
// server holds copies read from model.json (studio/stepViews.ts), the static page's worker
// copies of the network it trains (static/stepCopies.ts).
//
//   explain: the Explanation of the sample on the copy as it stands (float32 tensors as
//     numbers; in full for softmax regression, else each parameter's norms)
//   step: the copy moved by the step explain reported for that sample (the copy's loss and
//     learning rate): p and the loss before and after, and for softmax regression the weights
//     (inputs × classes, row-major) before and after.

import { Dense } from '../model/layers.js';
import type { Network } from '../model/network.js';
import type { LossName } from '../train/losses.js';
import { Explainer, type Explanation, type StepRecord } from './explain.js';
import type { ExplainAnswer, LossStepAnswer, StepAnswer } from './stepAnswers.js';

/** The sample asked about, as the page names it. */
export interface SampleDescription {
  /** The test image's index, if it is one. */
  index?: number;
  /** "test image 3", "your drawing". */
  description: string;
}

const list = (values: Float32Array) => Array.from(values);
const norm = (values: Float32Array) => Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));

/** Softmax regression: one dense layer, whose weights the view draws as one image per class. */
function singleDense(network: Network): Dense | null {
  const [layer, ...rest] = network.layers;
  return layer instanceof Dense && rest.length === 0 ? layer : null;
}

/** A step's record as JSON: tensors in full for softmax regression, else their norms. */
function stepJson(step: StepRecord, full: boolean): LossStepAnswer {
  return {
    loss: step.loss,
    dlogits: list(step.dlogits),
    logitsAfter: list(step.logitsAfter),
    probabilitiesAfter: list(step.probabilitiesAfter),
    lossAfter: step.lossAfter,
    parameters: step.parameters.map((p) => ({
      layer: p.layer,
      type: p.type,
      name: p.name,
      shape: p.shape,
      gradientNorm: norm(p.gradient),
      updateNorm: norm(p.update),
      ...(full ? { gradient: list(p.gradient), update: list(p.update) } : {}),
    })),
  };
}

function explanationJson(e: Explanation, full: boolean) {
  return {
    classes: e.classes,
    pixels: Array.from(e.pixels),
    label: e.label,
    layers: e.layers.map((l) => ({
      index: l.index,
      type: l.type,
      inputs: l.inputs,
      outputs: l.outputs,
    })),
    logits: list(e.logits),
    probabilities: list(e.probabilities),
    target: list(e.target),
    crossEntropy: { loss: e.crossEntropy.loss, dlogits: list(e.crossEntropy.dlogits) },
    squaredError: {
      loss: e.squaredError.loss,
      dprobabilities: list(e.squaredError.dprobabilities),
      dot: e.squaredError.dot,
      dlogits: list(e.squaredError.dlogits),
    },
    learningRate: e.learningRate,
    steps: {
      'cross-entropy': stepJson(e.steps['cross-entropy'], full),
      mse: stepJson(e.steps.mse, full),
    },
  };
}

/** A network held for the step view (never the one training), and the steps applied to it. */
export class StepCopy {
  private readonly explainer: Explainer;
  /** Steps applied to the copy since it was made. */
  private steps = 0;

  constructor(
    readonly network: Network,
    readonly learningRate: number,
    /** Where the rate comes from, as the page says it. */
    readonly learningRateSource: string,
    /** The loss Step follows: the run's. */
    readonly loss: LossName,
  ) {
    this.explainer = new Explainer(network);
  }

  explain(pixels: Uint8Array, label: number, sample: SampleDescription): ExplainAnswer {
    const full = singleDense(this.network) !== null;
    const explanation = this.explainer.explain(pixels, label, this.learningRate);
    return {
      sample,
      loss: this.loss,
      learningRateSource: this.learningRateSource,
      stepsTaken: this.steps,
      softmaxRegression: full,
      ...explanationJson(explanation, full),
    };
  }

  step(pixels: Uint8Array, label: number): StepAnswer {
    const { network, explainer, learningRate, loss } = this;
    const dense = singleDense(network);
    const weightsBefore = dense ? list(dense.weights) : null;
    const parametersBefore = network.layers.flatMap((layer) =>
      layer.parameters().map((p) => norm(p.value)),
    );
    const before = explainer.explain(pixels, label, learningRate);
    const step = explainer.applyStep(pixels, label, learningRate, loss);
    this.steps++;
    const lossBefore = loss === 'mse' ? before.squaredError.loss : before.crossEntropy.loss;
    let k = 0;
    return {
      loss,
      learningRate,
      stepsTaken: this.steps,
      label,
      probabilitiesBefore: list(before.probabilities),
      probabilitiesAfter: list(step.probabilitiesAfter),
      lossBefore,
      lossAfter: step.lossAfter,
      weightsBefore,
      weightsAfter: dense ? list(dense.weights) : null,
      shape: dense ? [dense.inputs, dense.outputs] : null,
      parameters: step.parameters.map((p) => ({
        layer: p.layer,
        type: p.type,
        name: p.name,
        normBefore: parametersBefore[k++],
        normAfter: norm(network.layers[p.layer].parameters().find((q) => q.name === p.name)!.value),
        updateNorm: norm(p.update),
      })),
    };
  }
}
