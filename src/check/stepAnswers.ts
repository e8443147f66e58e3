// The step view's answers as JSON, types only (no imports, so the browser pages share them):
// stepCopy.ts computes them, for the studio's server (studio/stepViews.ts) and the static page's
// worker (static/stepCopies.ts, whose protocol.ts carries them to the page).

type Loss = 'cross-entropy' | 'mse';

/** One parameter's gradient and update: in full for softmax regression, else their norms. */
export interface ParameterAnswer {
  layer: number;
  type: string;
  name: string;
  shape: number[];
  gradientNorm: number;
  updateNorm: number;
  gradient?: number[];
  update?: number[];
}

/** What the step with one loss's gradient would do. */
export interface LossStepAnswer {
  loss: Loss;
  dlogits: number[];
  logitsAfter: number[];
  probabilitiesAfter: number[];
  lossAfter: number;
  parameters: ParameterAnswer[];
}

/** A sample on the copy as it stands (check/explain.ts's Explanation). */
export interface ExplainAnswer {
  sample: { index?: number; description: string };
  /** The loss Step follows, the rate it takes and where that comes from. */
  loss: Loss;
  learningRateSource: string;
  stepsTaken: number;
  softmaxRegression: boolean;
  classes: string[];
  pixels: number[];
  label: number;
  layers: { index: number; type: string; inputs: number; outputs: number }[];
  logits: number[];
  probabilities: number[];
  target: number[];
  crossEntropy: { loss: number; dlogits: number[] };
  squaredError: { loss: number; dprobabilities: number[]; dot: number; dlogits: number[] };
  learningRate: number;
  steps: Record<Loss, LossStepAnswer>;
}

/** The copy moved by one sample's step: p, the loss and the weights before and after. */
export interface StepAnswer {
  loss: Loss;
  learningRate: number;
  stepsTaken: number;
  label: number;
  probabilitiesBefore: number[];
  probabilitiesAfter: number[];
  lossBefore: number;
  lossAfter: number;
  /** Softmax regression's weights (inputs × classes, row-major) and their shape, else null. */
  weightsBefore: number[] | null;
  weightsAfter: number[] | null;
  shape: number[] | null;
  parameters: {
    layer: number;
    type: string;
    name: string;
    normBefore: number;
    normAfter: number;
    updateNorm: number;
  }[];
}
