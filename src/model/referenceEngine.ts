// The reference engine: the readable TypeScript kernels of this folder (dense.ts, batchnorm.ts,
// activations.ts, softmax.ts, updates.ts) on plain Float32Arrays, dense inputs only. What the
// wasm engine must equal. Made by `new ReferenceEngine()` or createEngine('reference').

import type { Split } from '../data/dataset.js';
import { ACTIVATION_KERNELS, type ActivationName } from './activations.js';
import { DenseBatches, pixelInputs, type BatchSource } from './batches.js';
import {
  batchnormBackward,
  batchnormForwardInference,
  batchnormForwardTraining,
} from './batchnorm.js';
import { denseBackward, denseForward } from './dense.js';
import { isDense, type Engine, type LayerInput } from './engine.js';
import type { InputSpec } from './network.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './softmax.js';
import { predictions } from './tensor.js';
import { adamStep, momentumStep, sgdStep } from './updates.js';

function dense(x: LayerInput): Float32Array {
  if (!isDense(x)) throw new Error('the reference engine takes dense inputs');
  return x;
}

export class ReferenceEngine implements Engine {
  readonly name = 'reference';
  /** The probabilities between the fused loss's two steps, grown as needed. */
  private probabilities = new Float32Array(0);
  /** The inputs of imageInput, grown as needed. */
  private inputs = new Float32Array(0);

  allocate(length: number): Float32Array {
    return new Float32Array(length);
  }

  allocateBytes(bytes: number): Uint8Array {
    return new Uint8Array(bytes);
  }

  batches(input: InputSpec, split: Split, capacity: number): BatchSource {
    return new DenseBatches(this, input, split, capacity);
  }

  /** x = pixel · scale + offset, as DenseBatches gathers them. */
  imageInput(input: InputSpec, images: Uint8Array, count: number): Float32Array {
    const length = count * input.height * input.width;
    if (this.inputs.length < length) this.inputs = new Float32Array(length);
    pixelInputs(this.inputs, 0, images.subarray(0, length), input);
    return this.inputs.subarray(0, length);
  }

  denseForward(
    out: Float32Array,
    x: LayerInput,
    W: Float32Array,
    b: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
  ): void {
    denseForward(out, dense(x), W, b, batch, inputs, outputs);
  }

  /** The kernels accumulate (+=): their outputs are zeroed first. */
  denseBackward(
    dx: Float32Array | null,
    dW: Float32Array,
    db: Float32Array,
    dout: Float32Array,
    x: LayerInput,
    W: Float32Array,
    batch: number,
    inputs: number,
    outputs: number,
  ): void {
    dx?.fill(0, 0, batch * inputs);
    dW.fill(0);
    db.fill(0);
    denseBackward(dx, dW, db, dout, dense(x), W, batch, inputs, outputs);
  }

  softmaxCrossEntropy(
    losses: Float64Array,
    dlogits: Float32Array,
    predicted: Uint8Array,
    logits: Float32Array,
    labels: Uint8Array,
    batch: number,
    classes: number,
    scale: number,
  ): void {
    if (this.probabilities.length < batch * classes) {
      this.probabilities = new Float32Array(batch * classes);
    }
    const { probabilities } = this;
    softmaxCrossEntropyForward(probabilities, losses, logits, labels, batch, classes);
    dlogits.fill(0);
    softmaxCrossEntropyBackward(dlogits, probabilities, labels, batch, classes, scale);
    predictions(predicted, logits, batch, classes);
  }

  batchnormForwardTraining = batchnormForwardTraining;
  batchnormForwardInference = batchnormForwardInference;

  batchnormBackward: Engine['batchnormBackward'] = (
    dx,
    dgamma,
    dbeta,
    dout,
    normalized,
    inverseStd,
    gamma,
    batch,
    features,
  ) => {
    dx.fill(0, 0, batch * features);
    dgamma.fill(0);
    dbeta.fill(0);
    batchnormBackward(dx, dgamma, dbeta, dout, normalized, inverseStd, gamma, batch, features);
  };

  activationForward(name: ActivationName, out: Float32Array, x: Float32Array, length: number) {
    ACTIVATION_KERNELS[name].forward(out, x, length);
  }

  activationBackward(
    name: ActivationName,
    dx: Float32Array,
    dout: Float32Array,
    out: Float32Array,
    length: number,
  ): void {
    dx.fill(0, 0, length);
    ACTIVATION_KERNELS[name].backward(dx, dout, out, length);
  }

  sumOfSquares(values: Float32Array): number {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
    return sum;
  }

  sgdStep = sgdStep;
  momentumStep = momentumStep;
  adamStep = adamStep;

  /** Nothing to release: its arrays are the garbage collector's. */
  close(): void {}
}
