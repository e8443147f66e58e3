// Optimisers update parameters from their gradients, in place.

import type { Parameter } from '../model/layers.js';

export interface Optimizer {
  step(parameters: Parameter[], learningRate: number): void;
}

/** Plain stochastic gradient descent: θ ← θ − lr · ∂L/∂θ */
export class Sgd implements Optimizer {
  step(parameters: Parameter[], learningRate: number): void {
    for (const { value, gradient } of parameters) {
      for (let i = 0; i < value.length; i++) value[i] -= learningRate * gradient[i];
    }
  }
}
