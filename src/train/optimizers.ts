// Optimisers update parameters from their gradients, in place. The update rules are those of
// tfjs' tf.train optimisers, so that `train --check-tfjs` can replay them step for step.

import type { Parameter } from '../model/layers.js';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

export interface OptimizerConfig {
  name: OptimizerName;
  /** Momentum's μ. */
  momentum: number;
  /** Adam's β1, β2, ε (Keras' defaults: 0.9, 0.999, 1e-7). */
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const OPTIMIZER_DEFAULTS: OptimizerConfig = {
  name: 'sgd',
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
};

export interface Optimizer {
  step(parameters: Parameter[], learningRate: number): void;
}

/** Plain stochastic gradient descent: θ ← θ − lr · g */
export class Sgd implements Optimizer {
  step(parameters: Parameter[], learningRate: number): void {
    for (const { value, gradient } of parameters) {
      for (let i = 0; i < value.length; i++) value[i] -= learningRate * gradient[i];
    }
  }
}

/** Momentum (tf.train.momentum, PyTorch's SGD): v ← μ v + g;  θ ← θ − lr · v */
export class Momentum implements Optimizer {
  private velocities: Float32Array[] | null = null;

  constructor(private readonly momentum: number) {}

  step(parameters: Parameter[], learningRate: number): void {
    this.velocities ??= parameters.map((p) => new Float32Array(p.value.length));
    parameters.forEach(({ value, gradient }, k) => {
      const velocity = this.velocities![k];
      for (let i = 0; i < value.length; i++) {
        velocity[i] = this.momentum * velocity[i] + gradient[i];
        value[i] -= learningRate * velocity[i];
      }
    });
  }
}

/**
 * Adam (Kingma & Ba 2015; tf.train.adam), at step t:
 *   m ← β1 m + (1 − β1) g          v ← β2 v + (1 − β2) g²
 *   m̂ = m / (1 − β1ᵗ)              v̂ = v / (1 − β2ᵗ)
 *   θ ← θ − lr · m̂ / (√v̂ + ε)
 */
export class Adam implements Optimizer {
  private moments: { m: Float32Array; v: Float32Array }[] | null = null;
  private t = 0;

  constructor(
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {}

  step(parameters: Parameter[], learningRate: number): void {
    this.moments ??= parameters.map((p) => ({
      m: new Float32Array(p.value.length),
      v: new Float32Array(p.value.length),
    }));
    this.t++;
    const { beta1, beta2, epsilon } = this;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    parameters.forEach(({ value, gradient }, k) => {
      const { m, v } = this.moments![k];
      for (let i = 0; i < value.length; i++) {
        const g = gradient[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        value[i] -=
          (learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
      }
    });
  }
}

export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.name) {
    case 'sgd':
      return new Sgd();
    case 'momentum':
      return new Momentum(config.momentum);
    case 'adam':
      return new Adam(config.beta1, config.beta2, config.epsilon);
  }
}

/**
 * L2 weight decay, added to the gradient of the parameters that decay (weights, not biases or
 * BatchNorm's γ, β): g ← g + λ θ, the gradient of (λ/2) Σ θ².
 */
export function addWeightDecay(parameters: Parameter[], weightDecay: number): void {
  if (weightDecay === 0) return;
  for (const { value, gradient, decays } of parameters) {
    if (!decays) continue;
    for (let i = 0; i < value.length; i++) gradient[i] += weightDecay * value[i];
  }
}

export type LearningRateSchedule = 'constant' | 'step' | 'cosine';
export const SCHEDULES: readonly LearningRateSchedule[] = ['constant', 'step', 'cosine'];

/**
 * The learning rate of epoch e (1-based) of E:
 *   constant: lr
 *   step:     lr, then lr/10 after half the epochs, lr/100 after three quarters
 *   cosine:   lr · ½ (1 + cos(π (e − 1) / E))
 */
export function learningRateAt(
  schedule: LearningRateSchedule,
  base: number,
  epoch: number,
  epochs: number,
): number {
  switch (schedule) {
    case 'constant':
      return base;
    case 'step': {
      const done = (epoch - 1) / epochs; // fraction of the epochs finished before this one
      return base * 0.1 ** ((done >= 0.5 ? 1 : 0) + (done >= 0.75 ? 1 : 0));
    }
    case 'cosine':
      return base * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
  }
}
