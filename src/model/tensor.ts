// Plain typed arrays are our tensors: Float32Array for training (as tfjs), Float64Array where
// precision is the point (finite differences). Shapes are written next to the code.

export type Floats = Float32Array | Float64Array;
export type FloatArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Index of the largest of `length` values starting at `offset`; the first on ties (as tf.argMax). */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length): number {
  let best = 0;
  for (let j = 1; j < length; j++) {
    if (values[offset + j] > values[offset + best]) best = j;
  }
  return best;
}

/** predicted[n] = argmax of sample n's logits: (batch, classes) → (batch). */
export function predictions(
  predicted: Uint8Array,
  logits: Float32Array,
  batch: number,
  classes: number,
): void {
  for (let n = 0; n < batch; n++) predicted[n] = argmax(logits, n * classes, classes);
}

/**
 * Whether every element is a finite number. A loop, not `every(Number.isFinite)`, which boxes
 * each element of a typed array for its callback: 3 MB of garbage a check of the 784-256-10
 * network's weights.
 */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
