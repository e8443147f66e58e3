// Parameter updates, element by element, for the optimisers of src/train. Weight decay λ is
// folded into the gradient: g = ∂L/∂θ + λ θ (λ = 0 for biases and BatchNorm's γ, β).

/** SGD: θ ← θ − lr · g */
export function sgdStep(
  value: Float32Array,
  gradient: Float32Array,
  learningRate: number,
  decay: number,
): void {
  for (let i = 0; i < value.length; i++) {
    value[i] -= learningRate * (gradient[i] + decay * value[i]);
  }
}

/** Momentum (tf.train.momentum): v ← μ v + g;  θ ← θ − lr · v */
export function momentumStep(
  value: Float32Array,
  gradient: Float32Array,
  velocity: Float32Array,
  learningRate: number,
  decay: number,
  momentum: number,
): void {
  for (let i = 0; i < value.length; i++) {
    velocity[i] = momentum * velocity[i] + (gradient[i] + decay * value[i]);
    value[i] -= learningRate * velocity[i];
  }
}

/**
 * Adam (tf.train.adam) at step t, with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ:
 *   m ← β1 m + (1 − β1) g      v ← β2 v + (1 − β2) g²      θ ← θ − lr · (m / c1) / (√(v / c2) + ε)
 */
export function adamStep(
  value: Float32Array,
  gradient: Float32Array,
  m: Float32Array,
  v: Float32Array,
  learningRate: number,
  decay: number,
  beta1: number,
  beta2: number,
  epsilon: number,
  c1: number,
  c2: number,
): void {
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i] + decay * value[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    value[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
  }
}
