// Optimisers keep their state (velocities, moments, step count) and update parameters in place
// with the engine's update kernels (src/model/updates.ts). The rules are those of tfjs'
// tf.train optimisers, so that `train --check-tfjs` can replay them step for step.

import type { Engine } from '../model/engine.js';
import type { Parameter } from '../model/layers.js';
import { EXIT, UserError } from '../errors.js';

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

/** What an optimiser carries from step to step: its step count and its arrays. */
export interface OptimizerState {
  t: number;
  arrays: Float32Array[];
}

export interface Optimizer {
  /** Updates every parameter from its gradient; weight decay is part of the update. */
  step(parameters: Parameter[], learningRate: number): void;
  /** The state to save (the optimiser's own arrays, not copies). */
  state(): OptimizerState;
  /** Continues from a saved state (before the next step). */
  restore(state: OptimizerState, parameters: Parameter[]): void;
}

/** Weight decay λ applies to the parameters that decay (dense weights), 0 to the others. */
function decayOf(parameter: Parameter, weightDecay: number): number {
  return parameter.decays ? weightDecay : 0;
}

/** Plain stochastic gradient descent: θ ← θ − lr · g */
export class Sgd implements Optimizer {
  constructor(
    private readonly engine: Engine,
    private readonly weightDecay: number,
  ) {}

  step(parameters: Parameter[], learningRate: number): void {
    for (const parameter of parameters) {
      const decay = decayOf(parameter, this.weightDecay);
      this.engine.sgdStep(parameter.value, parameter.gradient, learningRate, decay);
    }
  }

  state(): OptimizerState {
    return { t: 0, arrays: [] };
  }

  restore(): void {}
}

/** Momentum (tf.train.momentum, PyTorch's SGD): v ← μ v + g;  θ ← θ − lr · v */
export class Momentum implements Optimizer {
  private velocities: Float32Array[] | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly weightDecay: number,
    private readonly momentum: number,
  ) {}

  step(parameters: Parameter[], learningRate: number): void {
    this.velocities ??= parameters.map((p) => this.engine.allocate(p.value.length));
    parameters.forEach((parameter, k) => {
      const decay = decayOf(parameter, this.weightDecay);
      const { value, gradient } = parameter;
      this.engine.momentumStep(
        value,
        gradient,
        this.velocities![k],
        learningRate,
        decay,
        this.momentum,
      );
    });
  }

  state(): OptimizerState {
    return { t: 0, arrays: this.velocities ?? [] };
  }

  restore(state: OptimizerState, parameters: Parameter[]): void {
    this.velocities = restoreArrays(
      this.engine,
      state.arrays,
      parameters.map((p) => p.value.length),
    );
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
    private readonly engine: Engine,
    private readonly weightDecay: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {}

  step(parameters: Parameter[], learningRate: number): void {
    this.moments ??= parameters.map((p) => ({
      m: this.engine.allocate(p.value.length),
      v: this.engine.allocate(p.value.length),
    }));
    this.t++;
    const { beta1, beta2, epsilon } = this;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    parameters.forEach((parameter, k) => {
      const { m, v } = this.moments![k];
      const decay = decayOf(parameter, this.weightDecay);
      const { value, gradient } = parameter;
      this.engine.adamStep(
        value,
        gradient,
        m,
        v,
        learningRate,
        decay,
        beta1,
        beta2,
        epsilon,
        c1,
        c2,
      );
    });
  }

  state(): OptimizerState {
    return { t: this.t, arrays: (this.moments ?? []).flatMap(({ m, v }) => [m, v]) };
  }

  restore(state: OptimizerState, parameters: Parameter[]): void {
    const lengths = parameters.flatMap((p) => [p.value.length, p.value.length]);
    const arrays = restoreArrays(this.engine, state.arrays, lengths);
    this.moments = arrays
      ? parameters.map((_, k) => ({ m: arrays[2 * k], v: arrays[2 * k + 1] }))
      : null;
    this.t = state.t;
  }
}

/** Saved arrays copied into the engine's memory; null when none were saved (no step yet). */
function restoreArrays(
  engine: Engine,
  saved: Float32Array[],
  lengths: number[],
): Float32Array[] | null {
  if (saved.length === 0) return null;
  if (saved.length !== lengths.length || saved.some((a, i) => a.length !== lengths[i])) {
    throw new UserError(
      "--resume: checkpoint.json's optimiser state does not fit the network",
      EXIT.input,
    );
  }
  return saved.map((values) => {
    const array = engine.allocate(values.length);
    array.set(values);
    return array;
  });
}

/**
 * The optimiser of a configuration. Weight decay is L2 added to the gradient of the
 * parameters that decay (weights, not biases or BatchNorm's γ, β): g ← g + λ θ.
 */
export function createOptimizer(
  config: OptimizerConfig,
  weightDecay: number,
  engine: Engine,
): Optimizer {
  switch (config.name) {
    case 'sgd':
      return new Sgd(engine, weightDecay);
    case 'momentum':
      return new Momentum(engine, weightDecay, config.momentum);
    case 'adam':
      return new Adam(engine, weightDecay, config.beta1, config.beta2, config.epsilon);
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
